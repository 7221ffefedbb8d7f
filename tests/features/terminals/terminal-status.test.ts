import { describe, expect, it } from 'vitest';
import { BELL_AFTER_INPUT_MS, LONG_COMMAND_MS, TerminalStatus } from '../../../src/features/terminals/terminal-status.js';

function tracker() {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const status = new TerminalStatus(() => now);
  return {
    status,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe('TerminalStatus', () => {
  it('starts idle and follows a command: working, then finished or failed with its exit code', () => {
    const { status, advance } = tracker();
    expect(status.activity).toEqual({ state: 'idle', since: '2026-01-01T00:00:00.000Z', needsYou: false });
    advance(1000);
    expect(status.signal({ kind: 'command-start' })).toBe(true);
    expect(status.activity).toEqual({ state: 'working', since: '2026-01-01T00:00:01.000Z', needsYou: false });
    advance(500);
    expect(status.signal({ kind: 'command-done', exitCode: 0 })).toBe(true);
    expect(status.activity).toMatchObject({ state: 'finished', exitCode: 0, needsYou: false, longCommand: false, since: '2026-01-01T00:00:01.500Z' });
    expect(status.signal({ kind: 'prompt' })).toBe(false);
    status.signal({ kind: 'command-start' });
    expect(status.signal({ kind: 'command-done', exitCode: 2 })).toBe(true);
    expect(status.activity).toMatchObject({ state: 'failed', exitCode: 2 });
  });

  it('ignores a D with no command before it (an empty line, the first prompt)', () => {
    const { status } = tracker();
    expect(status.signal({ kind: 'command-done', exitCode: 1 })).toBe(false);
    expect(status.activity.state).toBe('idle');
  });

  it('a D without a code counts as finished with an unknown code', () => {
    const { status } = tracker();
    status.signal({ kind: 'command-start' });
    status.signal({ kind: 'command-done', exitCode: null });
    expect(status.activity).toMatchObject({ state: 'finished', exitCode: null });
  });

  it('a long command that ends wants the owner; a short one does not', () => {
    const { status, advance } = tracker();
    status.signal({ kind: 'command-start' });
    advance(LONG_COMMAND_MS);
    status.signal({ kind: 'command-done', exitCode: 0 });
    expect(status.activity).toMatchObject({ state: 'finished', longCommand: true, needsYou: true });
    expect(status.seen()).toBe(true);
    expect(status.activity).toMatchObject({ state: 'finished', needsYou: false });
    expect(status.seen()).toBe(false);
  });

  it('the bell and notifications mean waiting for input, until the owner types', () => {
    const { status, advance } = tracker();
    status.signal({ kind: 'command-start' });
    advance(5000);
    expect(status.signal({ kind: 'bell' })).toBe(true);
    expect(status.activity).toMatchObject({ state: 'waiting', needsYou: true, message: null });
    expect(status.signal({ kind: 'bell' })).toBe(false);
    expect(status.signal({ kind: 'notify', source: 'osc777', title: 'Claude', body: 'Allow Bash?' })).toBe(true);
    expect(status.activity).toMatchObject({ state: 'waiting', message: 'Claude: Allow Bash?' });
    // Typed into: the command runs on.
    expect(status.input()).toBe(true);
    expect(status.activity).toEqual({ state: 'working', since: expect.any(String), needsYou: false });
    expect(status.input()).toBe(false);
  });

  it('a bell right after typing answers the typing (a completion without a match)', () => {
    const { status, advance } = tracker();
    status.input();
    advance(BELL_AFTER_INPUT_MS - 1);
    expect(status.signal({ kind: 'bell' })).toBe(false);
    advance(1);
    expect(status.signal({ kind: 'bell' })).toBe(true);
    // At the prompt, typing makes it idle again.
    status.input();
    expect(status.activity.state).toBe('idle');
  });

  it('a bell right after typing counts while a command runs (the Enter that started it)', () => {
    const { status } = tracker();
    status.input();
    status.signal({ kind: 'command-start' });
    expect(status.signal({ kind: 'bell' })).toBe(true);
    expect(status.activity).toMatchObject({ state: 'waiting', needsYou: true });
  });

  it('takes reports from outside the output (agent hooks): approval with its message', () => {
    const { status } = tracker();
    expect(status.report({ state: 'approval', message: 'Run rm -rf build?' })).toBe(true);
    expect(status.activity).toMatchObject({ state: 'approval', needsYou: true, message: 'Run rm -rf build?' });
    status.input();
    expect(status.activity).toMatchObject({ state: 'idle', needsYou: false });
  });
});
