import { describe, expect, it } from 'vitest';
import type { TerminalInfo } from '../../../src/shared/terminals.js';
import { describeEnd, describeWhereItWas, endedByReboot, endedKeyAction, rebootNoticeText, resumableAgent } from '../../../src/web/terminals/ended-terminal.js';

/** Feeds keys one by one, as xterm sends them, and says what each did. */
function type(keys: string[]): { startAgain: number; hints: number } {
  let typed = false;
  let startAgain = 0;
  let hints = 0;
  for (const key of keys) {
    const action = endedKeyAction(typed, key);
    typed = action.typed;
    if (action.startAgain) startAgain++;
    if (action.hint) hints++;
  }
  return { startAgain, hints };
}

describe('keys typed into an ended terminal', () => {
  it('start it again with an Enter on its own', () => {
    expect(type(['\r'])).toEqual({ startAgain: 1, hints: 0 });
  });

  it('start nothing when a command line is typed and entered', () => {
    expect(type([...'echo one two three four', '\r'])).toMatchObject({ startAgain: 0 });
    expect(type(['echo pasted\r'])).toMatchObject({ startAgain: 0 });
  });

  it('start it again with a lone Enter after a dropped line', () => {
    expect(type([...'ls', '\r', '\r'])).toMatchObject({ startAgain: 1 });
  });

  it('ignore focus and mouse reports', () => {
    expect(type(['\x1b[I', '\x1b[<0;3;4M', '\r'])).toEqual({ startAgain: 1, hints: 0 });
  });
});

describe('describeEnd', () => {
  it('says how a terminal ended in words, without signal arithmetic', () => {
    expect(describeEnd(0, 'exited')).toBe('The shell exited.');
    expect(describeEnd(2, 'exited')).toBe('The shell exited with code 2.');
    expect(describeEnd(129, 'server-shutdown')).toBe('Ended when the Shellport server stopped.');
    expect(describeEnd(null, 'server-restart')).toBe('Ended when the Shellport server restarted.');
    expect(describeEnd(137, 'killed')).toBe('Closed from Shellport.');
    expect(describeEnd(null, 'something-new')).toBe('Ended (something-new).');
  });
});

describe('terminals ended by a reboot', () => {
  const terminal = (overrides: Partial<TerminalInfo>): TerminalInfo => ({
    id: 'a',
    workspaceId: null,
    name: null,
    shell: '/bin/bash',
    pid: null,
    status: 'terminated',
    cwd: '/home/me',
    cols: 80,
    rows: 24,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastActivityAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:00.000Z',
    exitCode: null,
    endReason: 'reboot',
    seq: null,
    clients: 0,
    ...overrides,
  });

  it('say so, with where they were and what ran there', () => {
    expect(describeEnd(null, 'reboot')).toBe('Ended by a reboot.');
    expect(describeWhereItWas(terminal({}))).toBe('In /home/me');
    expect(describeWhereItWas(terminal({ lastCwd: '/home/me/app', lastCommand: 'claude --model opus' }))).toBe('In /home/me/app, running claude --model opus');
    expect(resumableAgent(terminal({}))).toBeNull();
    expect(resumableAgent(terminal({ agentSession: { agent: 'codex', id: 'x' } }))).toBe('Codex');
  });

  it('are offered again until started again', () => {
    const list = [
      terminal({ id: 'rebooted' }),
      terminal({ id: 'started-again', restartedAs: 'b' }),
      terminal({ id: 'exited', endReason: 'exited' }),
      terminal({ id: 'running', status: 'active', endReason: null }),
    ];
    expect(endedByReboot(list).map((entry) => entry.id)).toEqual(['rebooted']);
    expect(rebootNoticeText(1)).toBe('One terminal ended when the machine restarted.');
    expect(rebootNoticeText(3)).toBe('3 terminals ended when the machine restarted.');
  });
});
