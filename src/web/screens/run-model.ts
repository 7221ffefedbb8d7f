// What the Runs screen shows of agent runs (issue 21 §1), without the DOM: status words, costs, and a
// transcript folded into items (a tool call with its result). Unit-tested in tests/web/run-model.test.ts.
import type { RunAgent, RunEventView, RunStatus, RunView } from '../../shared/runs.js';

/** The model the form proposes for each agent. */
export const DEFAULT_MODELS: Record<RunAgent, string> = { claude: 'claude-sonnet-4-5', codex: 'gpt-5' };

/** What the permission mode means for each agent, under the form's field. */
export const PERMISSION_HINTS: Record<RunAgent, string> = {
  claude: 'default and acceptEdits: what Claude Code would ask you about waits for your answer here, in Approvals and on your devices (the allowed tools go ahead); plan only reads; bypassPermissions asks nothing.',
  codex: 'Codex asks for nothing in a run: plan and default may only read, acceptEdits may write in the workspace (no network), bypassPermissions may do anything.',
};

/** Where a run works, in words. */
export function placeText(run: Pick<RunView, 'worktree' | 'worktreePath' | 'branch'>): string {
  if (!run.worktree) return "In the workspace's directory.";
  if (run.worktreePath) return `In the worktree ${run.worktreePath}, on the branch ${run.branch ?? '?'}.`;
  return run.branch ? `Its worktree was removed (the branch ${run.branch} was merged or deleted).` : 'In a git worktree of its own, on a new branch, once it starts.';
}

/** Whether the agent takes tool rules such as `Bash(npm test:*)` (Codex only switches Bash and WebSearch off). */
export const takesToolRules = (agent: RunAgent) => agent === 'claude';

const CHANGE_WORDS: Record<string, string> = { add: 'Added', delete: 'Deleted', update: 'Changed' };

export const RUN_STATUS_TEXT: Record<RunStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  'waiting-retry': 'Waiting to retry',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** `$0.0021`, `$1.23`, or `—` when unknown. */
export function formatCost(usd: number | null): string {
  if (usd === null) return '—';
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

export type TranscriptItem =
  | { kind: 'text'; seq: number; text: string }
  | { kind: 'tool'; seq: number; id: string | null; name: string; input: string; result: string | null; isError: boolean }
  | { kind: 'note'; seq: number; text: string }
  | { kind: 'files'; seq: number; changes: { path: string; text: string }[] }
  | { kind: 'error'; seq: number; text: string }
  | { kind: 'approval'; seq: number; approvalId: string; tool: string; summary: string; status: string; answeredBy: string | null; reason: string | null };

/** A settled request in words ("Allowed from iPhone."); null while it waits. */
export function approvalOutcome(item: Extract<TranscriptItem, { kind: 'approval' }>): string | null {
  const by = item.answeredBy ? ` from ${item.answeredBy}` : '';
  const because = item.reason ? ` (${item.reason})` : '';
  switch (item.status) {
    case 'pending':
      return null;
    case 'allowed':
      return `Allowed${by}.`;
    case 'denied':
      return `Denied${by}${because}.`;
    case 'timed-out':
      return `Nobody answered in time${because}.`;
    default:
      return `Withdrawn${because}.`;
  }
}

const STATUS_NOTE: Record<string, (payload: Record<string, unknown>) => string | null> = {
  queued: () => 'Queued.',
  running: (payload) => {
    if (typeof payload.worktreePath === 'string') return `Working in the new worktree ${payload.worktreePath}, on the branch ${String(payload.branch)}.`;
    return payload.pid === undefined ? `Attempt ${String(payload.attempt)} started.` : null;
  },
  'waiting-retry': (payload) => {
    const at = typeof payload.nextRetryAt === 'string' ? new Date(payload.nextRetryAt).toLocaleTimeString() : 'a later time';
    return payload.usageLimit === true ? `Usage limit reached; going on by itself at ${at}.` : `Attempt ${String(payload.attempt)} failed; trying again at ${at}.`;
  },
  succeeded: () => 'Succeeded.',
  failed: () => 'Failed.',
  cancelled: () => 'Cancelled.',
  'worktree-removed': (payload) => `Worktree removed: its branch ${String(payload.branch)} was ${payload.because === 'merged' ? 'merged' : 'deleted'}.`,
};

/** A tool's input in one line: Bash's command, a file's path, else its JSON. */
function describeInput(input: unknown): string {
  if (input && typeof input === 'object') {
    const fields = input as Record<string, unknown>;
    for (const key of ['command', 'file_path', 'path', 'pattern', 'url']) if (typeof fields[key] === 'string') return fields[key];
  }
  return JSON.stringify(input ?? null);
}

/** The transcript as the screen lists it: texts, tool calls with their results, notes and errors. */
export function transcriptItems(events: readonly RunEventView[]): TranscriptItem[] {
  const items: TranscriptItem[] = [];
  const tools = new Map<string, Extract<TranscriptItem, { kind: 'tool' }>>();
  const approvals = new Map<string, Extract<TranscriptItem, { kind: 'approval' }>>();
  for (const event of events) {
    const { payload, seq } = event;
    if (event.type === 'text') items.push({ kind: 'text', seq, text: String(payload.text ?? '') });
    else if (event.type === 'tool-use') {
      const item = { kind: 'tool' as const, seq, id: typeof payload.id === 'string' ? payload.id : null, name: String(payload.name ?? 'tool'), input: describeInput(payload.input), result: null, isError: false };
      items.push(item);
      if (item.id) tools.set(item.id, item);
    } else if (event.type === 'tool-result') {
      const tool = typeof payload.toolUseId === 'string' ? tools.get(payload.toolUseId) : undefined;
      if (tool) {
        tool.result = String(payload.content ?? '');
        tool.isError = payload.isError === true;
      }
    } else if (event.type === 'file-change') {
      const changes = Array.isArray(payload.changes) ? (payload.changes as { path?: unknown; kind?: unknown }[]) : [];
      items.push({ kind: 'files', seq, changes: changes.map((change) => ({ path: String(change.path ?? ''), text: CHANGE_WORDS[String(change.kind)] ?? 'Changed' })) });
    } else if (event.type === 'status') {
      const text = STATUS_NOTE[String(payload.status)]?.(payload);
      if (text) items.push({ kind: 'note', seq, text });
    } else if (event.type === 'error') {
      // An agent's warning it went on after (Codex: a model it has no metadata for) is not the run's error.
      items.push({ kind: payload.kind === 'warning' ? 'note' : 'error', seq, text: String(payload.message ?? 'Error') });
    }
    else if (event.type === 'output') items.push({ kind: 'note', seq, text: String(payload.line ?? '') });
    else if (event.type === 'approval' && typeof payload.approvalId === 'string') {
      // One item per request, where it was asked; its settling updates it.
      const known = approvals.get(payload.approvalId);
      const state = { status: String(payload.status ?? 'pending'), answeredBy: typeof payload.answeredBy === 'string' ? payload.answeredBy : null, reason: typeof payload.reason === 'string' ? payload.reason : null };
      if (known) Object.assign(known, state);
      else {
        const item = { kind: 'approval' as const, seq, approvalId: payload.approvalId, tool: String(payload.tool ?? 'tool'), summary: String(payload.summary ?? ''), ...state };
        approvals.set(item.approvalId, item);
        items.push(item);
      }
    }
  }
  return items;
}
