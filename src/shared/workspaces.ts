// The shapes of the workspaces API (docs/api.md), shared by the server and the web app: this
// module imports nothing, so the browser bundle can take it as it is.

export type CloneState = 'pending' | 'cloning' | 'ready' | 'error';

/** One clone progress event, as streamed to the browser (server-sent events). */
export interface CloneEvent {
  workspaceId: string;
  /** queued, counting, compressing, receiving, resolving, updating, done, failed, cancelled */
  phase: string;
  /** Progress within the phase, 0-100; 100 with state "ready" when the clone is complete. */
  percent: number;
  processed: number;
  total: number;
  /** While receiving: what has arrived and how fast, as git says it ("3.20 MiB", "1.10 MiB/s"). */
  received?: string;
  rate?: string;
  state: CloneState;
  /** Set on failure: the same text as the workspace's cloneError. */
  message?: string;
}

export type WorkspaceStatus = 'active' | 'idle' | 'archived';

export interface WorkspaceView {
  id: string;
  name: string;
  githubRepo: string | null;
  cloneUrl: string;
  localPath: string;
  defaultBranch: string | null;
  description: string | null;
  cloneState: CloneState;
  cloneError: string | null;
  /** The clone's latest progress while it is queued or running. */
  progress: Omit<CloneEvent, 'workspaceId' | 'state'> | null;
  status: WorkspaceStatus;
  activeTerminals: number;
  lastActivityAt: string;
  lastSyncAt: string | null;
  createdAt: string;
}

export interface GitStatusView {
  branch: string | null;
  detached: boolean;
  commit: string | null;
  upstream: string | null;
  ahead: number;
  behind: number;
  /** Files that differ from HEAD, untracked ones included. */
  changedFiles: number;
  staged: number;
  modified: number;
  untracked: number;
  conflicted: number;
}

/** GET /api/workspaces/:id/branches. */
export interface BranchesView {
  /** The checked-out branch, or null when HEAD is detached. */
  current: string | null;
  local: { name: string; commit: string; upstream: string | null; current: boolean }[];
  /** Branches on origin (without the `origin/` prefix). */
  remote: { name: string; commit: string }[];
}

/** A workspace's terminal variable; a secret's value is never sent back. */
export interface EnvVariableView {
  name: string;
  value: string | null;
  secret: boolean;
  updatedAt: string;
}

/** A workspace variable's name, as an HTML `pattern` (implicitly anchored); the server anchors it too. */
export const ENV_NAME_PATTERN = '[A-Za-z_][A-Za-z0-9_]{0,127}';
/** ENV_NAME_PATTERN in words, for messages on both sides. */
export const ENV_NAME_RULE = 'letters, digits and underscores (_), not starting with a digit, at most 128 characters';
export const RESERVED_ENV_NAME_RULE = 'SHELLPORT_* and GIT_CONFIG_* are reserved';

/** Names Shellport sets itself for git inside terminals; a workspace may not override them. */
export function isReservedEnvName(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith('SHELLPORT_') || upper.startsWith('GIT_CONFIG_') || upper === 'GIT_CONFIG_PARAMETERS';
}
