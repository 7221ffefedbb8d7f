// Agent runs (issue 21 §1, docs/runs.md): the shapes the server's /api/runs routes answer with and
// the browser reads. Imports nothing.

export const RUN_AGENTS = ['claude', 'codex'] as const;
export type RunAgent = (typeof RUN_AGENTS)[number];

export const RUN_AGENT_NAMES: Record<RunAgent, string> = { claude: 'Claude Code', codex: 'Codex' };

/**
 * Claude Code's --permission-mode values; a Codex run maps them onto its sandbox (with approvals
 * `never`, nobody being there to ask): `plan` and `default` read-only, `acceptEdits` workspace-write,
 * `bypassPermissions` danger-full-access.
 */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'waiting-retry'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run does not leave by itself. */
export const FINISHED_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

export const RUN_LIMITS = {
  promptChars: 100_000,
  modelChars: 200,
  /** Tool rules (`Bash(git diff:*)`) per list, and characters per rule. */
  toolRules: 100,
  toolRuleChars: 500,
} as const;

export interface RunUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface RunView {
  id: string;
  workspaceId: string;
  agent: RunAgent;
  model: string;
  prompt: string;
  permissionMode: PermissionMode;
  allowedTools: string[];
  disallowedTools: string[];
  status: RunStatus;
  attempts: number;
  maxAttempts: number;
  /** ISO time of the next attempt while `waiting-retry`. */
  nextRetryAt: string | null;
  /** The agent's session, which a follow-up resumes. */
  agentSessionId: string | null;
  error: string | null;
  usage: RunUsage;
  /** Priced by Shellport's table; null when the model is not in it. */
  costUsd: number | null;
  /** What the agent itself reported, for comparison. */
  agentCostUsd: number | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  parentRunId: string | null;
  /** Whether the run works in a git worktree of its own on a new branch (else in the workspace itself). */
  worktree: boolean;
  /** The worktree's directory once made; null before, and again once it is removed (branch merged or deleted). */
  worktreePath: string | null;
  /** The worktree's branch (`shellport/run-…`). */
  branch: string | null;
  /** Names of the MCP servers from Settings the run gets (never their secrets). */
  mcpServers: string[];
  /** The terminal its current or last attempt runs in (the agent's raw output); null before its first attempt. */
  terminalId: string | null;
}

/**
 * One entry of a run's transcript. `seq` counts from 1 with no gap; `since=<seq>` replays what follows.
 * Types: `status` (Shellport: an attempt starts, a retry is scheduled, the run ends), `session`
 * (the agent's session id and model), `text`, `tool-use`, `tool-result`, `file-change` (files the
 * agent added, changed or deleted, as Codex reports them), `usage` (one model reply's tokens),
 * `result` (the agent's summary of the attempt), `error` (the agent's or Shellport's: the agent could
 * not run, was killed or said something unreadable), `output` (a line that is not JSON).
 */
export interface RunEventView {
  seq: number;
  type: RunEventType;
  payload: Record<string, unknown>;
  createdAt: string;
}

export type RunEventType = 'status' | 'session' | 'text' | 'tool-use' | 'tool-result' | 'file-change' | 'usage' | 'result' | 'error' | 'output' | 'approval';
