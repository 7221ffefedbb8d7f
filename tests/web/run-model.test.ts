import { describe, expect, it } from 'vitest';
import type { RunEventView } from '../../src/shared/runs.js';
import { approvalOutcome, DEFAULT_MODELS, formatCost, placeText, takesToolRules, transcriptItems, type TranscriptItem } from '../../src/web/screens/run-model.js';

const event = (seq: number, type: RunEventView['type'], payload: Record<string, unknown>): RunEventView => ({ seq, type, payload, createdAt: '2026-12-07T12:00:00.000Z' });

describe('the Runs screen model', () => {
  it('lists a Codex run\'s file changes in words, and its warnings as notes', () => {
    const items = transcriptItems([
      event(1, 'error', { message: 'Model metadata for `gpt-5` not found.', kind: 'warning' }),
      event(2, 'file-change', { id: 'item_2', changes: [{ path: 'hello.txt', kind: 'add' }, { path: 'src/a.ts', kind: 'update' }, { path: 'old.txt', kind: 'delete' }], status: 'completed' }),
      event(3, 'error', { message: 'unexpected status 503', kind: 'stream' }),
      event(4, 'status', { status: 'worktree-removed', branch: 'shellport/run-1', because: 'merged' }),
      event(5, 'status', { status: 'running', attempt: 1, worktreePath: '/w/.worktrees/a/b', branch: 'shellport/run-b' }),
    ]);
    expect(items).toEqual([
      { kind: 'note', seq: 1, text: 'Model metadata for `gpt-5` not found.' },
      { kind: 'files', seq: 2, changes: [{ path: 'hello.txt', text: 'Added' }, { path: 'src/a.ts', text: 'Changed' }, { path: 'old.txt', text: 'Deleted' }] },
      { kind: 'error', seq: 3, text: 'unexpected status 503' },
      { kind: 'note', seq: 4, text: 'Worktree removed: its branch shellport/run-1 was merged.' },
      { kind: 'note', seq: 5, text: 'Working in the new worktree /w/.worktrees/a/b, on the branch shellport/run-b.' },
    ]);
    const waiting = transcriptItems([event(1, 'status', { status: 'waiting-retry', attempt: 1, usageLimit: true, nextRetryAt: '2026-12-07T16:39:36.000Z' })]);
    expect(waiting[0]!.kind === 'note' && waiting[0]!.text).toMatch(/^Usage limit reached; going on by itself at /);
    expect(placeText({ worktree: true, worktreePath: '/w/.worktrees/a/b', branch: 'shellport/run-b' })).toBe('In the worktree /w/.worktrees/a/b, on the branch shellport/run-b.');
    expect(placeText({ worktree: false, worktreePath: null, branch: null })).toBe("In the workspace's directory.");
    expect(placeText({ worktree: true, worktreePath: null, branch: null })).toBe('In a git worktree of its own, on a new branch, once it starts.');
    expect(DEFAULT_MODELS).toEqual({ claude: 'claude-sonnet-4-5', codex: 'gpt-5' });
    expect([takesToolRules('claude'), takesToolRules('codex')]).toEqual([true, false]);
  });

  it('folds a tool call and its result into one item, keeps texts and errors, and notes the statuses', () => {
    const items = transcriptItems([
      event(1, 'status', { status: 'queued', attempt: 0 }),
      event(2, 'status', { status: 'running', attempt: 1 }),
      event(3, 'status', { status: 'running', attempt: 1, pid: 42 }),
      event(4, 'session', { sessionId: 's' }),
      event(5, 'tool-use', { id: 't1', name: 'Bash', input: { command: 'npm test', description: 'run the tests' } }),
      event(6, 'usage', { usage: {} }),
      event(7, 'tool-result', { toolUseId: 't1', content: '1 failing', isError: true }),
      event(8, 'text', { text: 'Fixed.' }),
      event(9, 'error', { message: 'API Error: 529' }),
      event(10, 'status', { status: 'succeeded', attempt: 1 }),
    ]);
    expect(items).toEqual([
      { kind: 'note', seq: 1, text: 'Queued.' },
      { kind: 'note', seq: 2, text: 'Attempt 1 started.' },
      { kind: 'tool', seq: 5, id: 't1', name: 'Bash', input: 'npm test', result: '1 failing', isError: true },
      { kind: 'text', seq: 8, text: 'Fixed.' },
      { kind: 'error', seq: 9, text: 'API Error: 529' },
      { kind: 'note', seq: 10, text: 'Succeeded.' },
    ]);
  });

  it('keeps one item per permission request where it was asked, updated as it is settled, with its outcome in words', () => {
    const asked = { approvalId: 'a1', tool: 'Bash', summary: 'npm publish', status: 'pending', answeredBy: null, reason: null };
    const pending = transcriptItems([event(1, 'approval', asked), event(2, 'text', { text: 'later' })]);
    expect(pending[0]).toEqual({ kind: 'approval', seq: 1, ...asked });
    expect(approvalOutcome(pending[0] as Extract<TranscriptItem, { kind: 'approval' }>)).toBeNull();
    const settled = transcriptItems([event(1, 'approval', asked), event(2, 'approval', { ...asked, status: 'denied', answeredBy: 'iPhone', reason: 'not today' })]);
    expect(settled).toEqual([{ kind: 'approval', seq: 1, ...asked, status: 'denied', answeredBy: 'iPhone', reason: 'not today' }]);
    const outcome = (status: string, answeredBy: string | null = null, reason: string | null = null) => approvalOutcome({ kind: 'approval', seq: 1, approvalId: 'a', tool: 'Bash', summary: '', status, answeredBy, reason });
    expect([outcome('allowed', 'iPhone'), outcome('denied', null, 'never'), outcome('timed-out'), outcome('withdrawn', null, 'the terminal ended')]).toEqual([
      'Allowed from iPhone.',
      'Denied (never).',
      'Nobody answered in time.',
      'Withdrawn (the terminal ended).',
    ]);
  });

  it('formats costs', () => {
    expect([formatCost(null), formatCost(0), formatCost(0.00021), formatCost(1.234)]).toEqual(['—', '$0', '$0.00021', '$1.23']);
  });
});
