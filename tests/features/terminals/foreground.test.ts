// Parsing what /proc says a terminal runs (src/features/terminals/foreground.ts), with fixture text
// as Linux writes it.
import { describe, expect, it } from 'vitest';
import {
  detectAgent,
  formatCommandLine,
  MAX_COMMAND_CHARS,
  parseCmdline,
  parseBlockedRead,
  parseStat,
  resumeCommand,
  sessionIdFromArgs,
  sessionIdFromOpenFile,
} from '../../../src/features/terminals/foreground.js';

const ID = '3f2b8c1e-9d4a-4e7b-8a21-5c6d7e8f9a0b';

describe('parseStat', () => {
  it('reads pgrp, session and tpgid (fields 5, 6 and 8)', () => {
    // bash at its prompt: tpgid is its own group; then with `vim` in front.
    const bash = '4242 (bash) S 4200 4242 4242 34817 4242 4194560 1210 4410 0 1 2 1 3 2 20 0 1 0 884213 8966144 1338 18446744073709551615 1 1 0 0 0 0 65536 3686404 1266761467 0 0 0 17 3 0 0 0 0 0';
    expect(parseStat(bash)).toEqual({ pgrp: 4242, session: 4242, tpgid: 4242 });
    expect(parseStat(bash.replace('34817 4242 4194560', '34817 5001 4194560'))).toEqual({ pgrp: 4242, session: 4242, tpgid: 5001 });
  });

  it('copes with a command name holding spaces and parentheses, and refuses what is not a stat line', () => {
    const odd = '77 (my (odd) prog) R 1 77 70 0 -1 4194304 0 0 0 0';
    expect(parseStat(odd)).toEqual({ pgrp: 77, session: 70, tpgid: -1 });
    expect(parseStat('no parenthesis here')).toBeNull();
    expect(parseStat('1 (x) S')).toBeNull();
  });
});

describe('parseCmdline and formatCommandLine', () => {
  it('splits on NUL and quotes what a shell would need quoted', () => {
    const args = parseCmdline(Buffer.from(`vim\0my notes.txt\0it's\0--flag=a/b\0`));
    expect(args).toEqual(['vim', 'my notes.txt', "it's", '--flag=a/b']);
    expect(formatCommandLine(args)).toBe(`vim 'my notes.txt' 'it'\\''s' --flag=a/b`);
    expect(formatCommandLine([])).toBeNull();
  });

  it('stores at most MAX_COMMAND_CHARS and no control characters', () => {
    const long = formatCommandLine(['curl', '-H', `Authorization: Bearer ${'x'.repeat(5000)}`])!;
    expect(long.length).toBe(MAX_COMMAND_CHARS);
    expect(long.endsWith('…')).toBe(true);
    expect(formatCommandLine(['printf', '\x1b[31mred\n'])).toBe(`printf '?[31mred?'`);
  });
});

describe('detectAgent', () => {
  it('knows claude and codex run directly, through node, or as a script', () => {
    expect(detectAgent(['claude', '--resume', ID])).toEqual({ agent: 'claude', rest: ['--resume', ID] });
    expect(detectAgent(['node', '/usr/local/bin/claude', '-c'])).toEqual({ agent: 'claude', rest: ['-c'] });
    expect(detectAgent(['/usr/bin/node', '--no-warnings', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js'])).toEqual({ agent: 'claude', rest: [] });
    expect(detectAgent(['/bin/bash', '/home/me/bin/claude', 'hi'])).toEqual({ agent: 'claude', rest: ['hi'] });
    expect(detectAgent(['node', '/usr/lib/node_modules/@openai/codex/bin/codex.js', 'resume', ID])).toEqual({ agent: 'codex', rest: ['resume', ID] });
    expect(detectAgent(['/root/.local/bin/codex'])).toEqual({ agent: 'codex', rest: [] });
  });

  it('does not take other programs, or an agent named only as an argument, for one', () => {
    expect(detectAgent(['vim', 'claude'])).toBeNull();
    expect(detectAgent(['node', 'server.js', 'claude'])).toBeNull();
    expect(detectAgent(['bash'])).toBeNull();
    expect(detectAgent([])).toBeNull();
  });
});

describe('session ids', () => {
  it('come from the command line only when it names one', () => {
    expect(sessionIdFromArgs('claude', ['--resume', ID])).toBe(ID);
    expect(sessionIdFromArgs('claude', ['-r', ID.toUpperCase()])).toBe(ID);
    expect(sessionIdFromArgs('claude', [`--resume=${ID}`])).toBe(ID);
    expect(sessionIdFromArgs('claude', ['--model', 'opus', '--session-id', ID])).toBe(ID);
    // Never guessed: "the last one" names none.
    expect(sessionIdFromArgs('claude', ['--continue'])).toBeNull();
    expect(sessionIdFromArgs('claude', ['--resume'])).toBeNull();
    expect(sessionIdFromArgs('claude', ['--resume', 'not-a-uuid'])).toBeNull();
    expect(sessionIdFromArgs('codex', ['resume', ID])).toBe(ID);
    expect(sessionIdFromArgs('codex', ['resume', '--last'])).toBeNull();
    expect(sessionIdFromArgs('codex', ['fix the tests'])).toBeNull();
  });

  it('come from the path of the session file the agent holds open', () => {
    expect(sessionIdFromOpenFile('claude', `/home/me/.claude/projects/-home-me-src-app/${ID}.jsonl`)).toBe(ID);
    expect(sessionIdFromOpenFile('claude', `/home/me/.claude/todos/${ID}.json`)).toBeNull();
    expect(sessionIdFromOpenFile('codex', `/home/me/.codex/sessions/2025/06/01/rollout-2025-06-01T10-00-00-${ID}.jsonl`)).toBe(ID);
    expect(sessionIdFromOpenFile('codex', `/home/me/.claude/projects/-x/${ID}.jsonl`)).toBeNull();
    expect(sessionIdFromOpenFile('claude', '/dev/pts/3')).toBeNull();
  });

  it('resume with the agent\'s own command', () => {
    expect(resumeCommand({ agent: 'claude', id: ID })).toBe(`claude --resume ${ID}`);
    expect(resumeCommand({ agent: 'codex', id: ID })).toBe(`codex resume ${ID}`);
    expect(() => resumeCommand({ agent: 'claude', id: '$(rm -rf ~)' })).toThrow();
  });
});

describe('parseBlockedRead', () => {
  it('gives the descriptor of a read, readv or pread in progress, by the architecture\'s numbers', () => {
    // `read x` in bash on x86-64: read(0, buf, 1); a readv on fd 3 on arm64.
    expect(parseBlockedRead('0 0x0 0x7ffd3d3a5f17 0x1 0x0 0x0 0x0 0x7ffd3d3a5e88 0x7f1f1c2e1992\n', 'x64')).toBe(0);
    expect(parseBlockedRead('19 0x3 0x7ffd 0x2 0x0 0x0 0x0 0x7ffd 0x7f1f\n', 'x64')).toBe(3);
    expect(parseBlockedRead('65 0x3 0xffff 0x2 0x0 0x0 0x0 0xffff 0xffff\n', 'arm64')).toBe(3);
  });

  it('is null outside a read: another call, running, not in a call, an unknown architecture', () => {
    // wait4 (bash waiting for its child), epoll_wait (Node), nanosleep.
    expect(parseBlockedRead('61 0xffffffff 0x7ffd 0x2 0x0 0x0 0x0 0x7ffd 0x7f1f\n', 'x64')).toBeNull();
    expect(parseBlockedRead('232 0x5 0x7ffd 0x400 0xffffffff 0x0 0x0 0x7ffd 0x7f1f\n', 'x64')).toBeNull();
    expect(parseBlockedRead('running\n', 'x64')).toBeNull();
    expect(parseBlockedRead('-1 0x7ffd3d3a5e88 0x7f1f1c2e1992\n', 'x64')).toBeNull();
    expect(parseBlockedRead('0 0x0 0x1 0x1 0x0 0x0 0x0 0x1 0x1\n', 'ia32')).toBeNull();
  });
});
