// The words of the approvals inbox and the dashboard.
import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../src/shared/attention.js';
import { countPending, describeInput, durationText, outcomeText, parseDiff, placeText, terminalPath, timeLeftText } from '../../../src/web/screens/attention-text.js';

describe('durations and time left', () => {
  it('read short', () => {
    expect(durationText(-5)).toBe('0 s');
    expect(durationText(45_000)).toBe('45 s');
    expect(durationText(4 * 60_000 + 59_000)).toBe('4 min');
    expect(durationText(2 * 3_600_000)).toBe('2 h');
    expect(durationText(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
    expect(durationText(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
  });

  it('count down to the timeout, with seconds while they matter', () => {
    const now = Date.parse('2026-12-11T10:00:00Z');
    expect(timeLeftText('2026-12-11T10:04:12Z', now)).toBe('4 min 12 s left');
    expect(timeLeftText('2026-12-11T10:00:30Z', now)).toBe('30 s left');
    expect(timeLeftText('2026-12-11T10:30:00Z', now)).toBe('30 min left');
    expect(timeLeftText('2026-12-11T09:59:00Z', now)).toBe('Time is up');
    expect(timeLeftText('not a date', now)).toBe('Time is up');
  });
});

describe('a request’s input', () => {
  it('shows a command as it is', () => {
    expect(describeInput({ tool: 'Bash', diff: null, input: { command: 'rm -rf build', description: 'Clean the build' } })).toEqual({
      kind: 'command',
      text: 'rm -rf build',
      description: 'Clean the build',
    });
  });

  it('shows an edit as its file and its diff, line by line', () => {
    const diff = '--- a/src/x.ts\n+++ b/src/x.ts\n@@ -1,2 +1,2 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n';
    const input = describeInput({ tool: 'Edit', diff, input: { file_path: '/w/src/x.ts', old_string: 'const b = 2;', new_string: 'const b = 3;' } });
    expect(input).toMatchObject({ kind: 'edit', path: '/w/src/x.ts' });
    expect(input.kind === 'edit' && input.diff).toEqual([
      { kind: 'file', text: '--- a/src/x.ts' },
      { kind: 'file', text: '+++ b/src/x.ts' },
      { kind: 'hunk', text: '@@ -1,2 +1,2 @@' },
      { kind: 'context', text: 'const a = 1;' },
      { kind: 'removed', text: 'const b = 2;' },
      { kind: 'added', text: 'const b = 3;' },
    ]);
    // An edit without a diff still shows what it would write.
    expect(describeInput({ tool: 'Write', diff: null, input: { file_path: '/w/a', content: 'hi' } })).toMatchObject({ kind: 'edit', diff: null, text: expect.stringContaining('"content": "hi"') });
  });

  it('shows anything else as indented JSON', () => {
    expect(describeInput({ tool: 'WebFetch', diff: null, input: { url: 'https://example.com' } })).toEqual({ kind: 'other', text: '{\n  "url": "https://example.com"\n}' });
    expect(parseDiff('+only')).toEqual([{ kind: 'added', text: 'only' }]);
  });
});

describe('what became of a request', () => {
  const base = { status: 'allowed', answeredBy: 'iPhone', reason: null } as Pick<Approval, 'status' | 'answeredBy' | 'reason'>;
  it('says who answered, and why when there is a reason', () => {
    expect(outcomeText(base)).toBe('Allowed by iPhone');
    expect(outcomeText({ ...base, status: 'denied', answeredBy: 'laptop', reason: 'use pnpm' })).toBe('Denied by laptop: use pnpm');
    expect(outcomeText({ ...base, status: 'timed-out', answeredBy: null })).toBe('Timed out');
    expect(outcomeText({ ...base, status: 'withdrawn', answeredBy: null })).toBe('Withdrawn (the agent stopped asking)');
  });

  it('places and links the terminal, and counts what waits', () => {
    expect(placeText(null, 'bash')).toBe('Home · bash');
    expect(placeText('my-repo', 'claude')).toBe('my-repo · claude');
    expect(terminalPath('w 1', 's1')).toBe('/terminals/w%201?session=s1');
    expect(terminalPath(null, 's1')).toBe('/terminals?session=s1');
    expect(countPending([{ status: 'pending' }, { status: 'denied' }, { status: 'pending' }])).toBe(2);
  });
});
