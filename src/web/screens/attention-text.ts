// The words and shapes of the approvals inbox and the dashboard (issue 20): a request's input, its
// diff line by line, the time left, what became of it, how long a terminal has been in its state.
// DOM-free, unit-tested in Node.
import { HOOK_AGENT_NAMES, type Approval, type ApprovalDecision, type ApprovalStatus, type HookAgent } from '../../shared/attention.js';

/** A duration in words, short: "45 s", "4 min", "2 h 5 min", "3 d 4 h". */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** "4 min 12 s left" (seconds shown under ten minutes, as they matter then), or "Time is up". */
export function timeLeftText(expiresAt: string, now: number): string {
  const ms = Date.parse(expiresAt) - now;
  if (!(ms > 0)) return 'Time is up';
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} s left`;
  if (seconds < 600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s left`;
  return `${durationText(seconds * 1000)} left`;
}

export function agentName(agent: HookAgent | string): string {
  return (HOOK_AGENT_NAMES as Record<string, string>)[agent] ?? agent;
}

/** How the inbox shows a request's input. */
export type ApprovalInput =
  /** A shell command: shown in a code block as it is. */
  | { kind: 'command'; text: string; description: string | null }
  /** A change to a file: its path, and the diff when there is one (else the input). */
  | { kind: 'edit'; path: string | null; diff: DiffLine[] | null; text: string }
  /** Anything else: the input as indented JSON. */
  | { kind: 'other'; text: string };

export interface DiffLine {
  kind: 'added' | 'removed' | 'context' | 'hunk' | 'file';
  /** The line without its +/−/space prefix. */
  text: string;
}

const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
const pretty = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? String(value)));

export function describeInput(approval: Pick<Approval, 'input' | 'diff' | 'tool'>): ApprovalInput {
  const input = record(approval.input);
  if (typeof input.command === 'string') {
    return { kind: 'command', text: input.command, description: typeof input.description === 'string' ? input.description : null };
  }
  const path = [input.file_path, input.path, input.notebook_path].find((value): value is string => typeof value === 'string') ?? null;
  if (approval.diff !== null || /^(Edit|MultiEdit|Write|NotebookEdit|apply_patch|edit|write)$/i.test(approval.tool)) {
    return { kind: 'edit', path, diff: approval.diff === null ? null : parseDiff(approval.diff), text: pretty(approval.input) };
  }
  return { kind: 'other', text: pretty(approval.input) };
}

/** A unified diff, line by line, each marked by what it is (the inbox writes + and − in front as well as colouring them). */
export function parseDiff(diff: string): DiffLine[] {
  const lines = diff.replace(/\n$/, '').split('\n');
  return lines.map((line): DiffLine => {
    if (line.startsWith('+++ ') || line.startsWith('--- ') || line.startsWith('diff ') || line.startsWith('index ')) return { kind: 'file', text: line };
    if (line.startsWith('@@')) return { kind: 'hunk', text: line };
    if (line.startsWith('+')) return { kind: 'added', text: line.slice(1) };
    if (line.startsWith('-')) return { kind: 'removed', text: line.slice(1) };
    return { kind: 'context', text: line.startsWith(' ') ? line.slice(1) : line };
  });
}

/** The sign written before each diff line (so that no difference is shown by colour alone). */
export const DIFF_SIGN: Record<DiffLine['kind'], string> = { added: '+', removed: '−', context: ' ', hunk: '', file: '' };
/** And what a screen reader says for it. */
export const DIFF_WORDS: Record<DiffLine['kind'], string> = { added: 'Added:', removed: 'Removed:', context: '', hunk: '', file: '' };

export const STATUS_TEXT: Record<ApprovalStatus, string> = {
  pending: 'Waiting for you',
  allowed: 'Allowed',
  denied: 'Denied',
  'timed-out': 'Timed out',
  withdrawn: 'Withdrawn',
};

/** "Allowed by iPhone", "Denied by laptop: not in main", "Timed out", "Withdrawn (the agent stopped asking)". */
export function outcomeText(approval: Pick<Approval, 'status' | 'answeredBy' | 'reason'>): string {
  const by = approval.answeredBy && (approval.status === 'allowed' || approval.status === 'denied') ? ` by ${approval.answeredBy}` : '';
  const reason = approval.reason ? `: ${approval.reason}` : '';
  if (approval.status === 'withdrawn') return `Withdrawn (the agent stopped asking)${reason}`;
  return `${STATUS_TEXT[approval.status]}${by}${reason}`;
}

/** What the inbox says once this device's answer counted. */
export const ANSWERED_TEXT: Record<ApprovalDecision, string> = {
  allow: 'Allowed.',
  deny: 'Denied.',
  'allow-session': 'Allowed for this session.',
};

/** "my-repo · bash" or "Home · bash": where the request comes from. */
export function placeText(workspaceName: string | null, terminalTitle: string): string {
  return `${workspaceName ?? 'Home'} · ${terminalTitle}`;
}

/** The app path of a terminal (what a notification opens too). */
export function terminalPath(workspaceId: string | null, sessionId: string): string {
  return `/terminals${workspaceId ? `/${encodeURIComponent(workspaceId)}` : ''}?session=${encodeURIComponent(sessionId)}`;
}

/** How many requests wait, for the navigation's badge. */
export function countPending(approvals: Pick<Approval, 'status'>[]): number {
  return approvals.filter((approval) => approval.status === 'pending').length;
}
