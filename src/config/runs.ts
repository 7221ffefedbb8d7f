import { z } from 'zod';
import { httpUrl, integer, optionalString } from './env.js';

// Agent runs (issue 21 §1, docs/runs.md): the queue's limits and the model API the agents talk to.
export const runsEnv = {
  RUNS_CONCURRENCY: integer({ min: 1, max: 16, default: 2 }),
  RUNS_PER_WORKSPACE: integer({ min: 1, max: 16, default: 2 }),
  RUNS_MAX_ATTEMPTS: integer({ min: 1, max: 10, default: 3 }),
  RUNS_RETRY_BASE_MS: integer({ min: 100, max: 3_600_000, default: 30_000 }),
  RUNS_MAX_DURATION_MINUTES: integer({ min: 1, max: 1440, default: 60 }),
  RUNS_MAX_TRANSCRIPT_KB: integer({ min: 64, max: 1_048_576, default: 20_480 }),
  RUNS_CLAUDE_PATH: optionalString(),
  RUNS_ANTHROPIC_BASE_URL: httpUrl(),
  RUNS_ANTHROPIC_API_KEY: optionalString(),
  RUNS_CODEX_PATH: optionalString(),
  RUNS_OPENAI_BASE_URL: httpUrl(),
  RUNS_OPENAI_API_KEY: optionalString(),
};

type RunsEnv = z.infer<z.ZodObject<typeof runsEnv>>;

export interface RunsConfig {
  /** Runs at once over all workspaces. */
  concurrency: number;
  /** Runs of one workspace at once (in different worktrees; one at a time in each directory). */
  perWorkspace: number;
  /** Attempts of a run, the first included, when it fails for a transient reason (overloaded, 5xx, network). */
  maxAttempts: number;
  /** The wait before the second attempt; it doubles for each further one. */
  retryBaseMs: number;
  /** A run still going after this long is killed and fails. */
  maxDurationMs: number;
  /** The agent's output kept per attempt; beyond it the agent is stopped and the run fails. */
  maxTranscriptBytes: number;
  /** The Claude Code executable; null: the one in Shellport's node_modules if any, else `claude` on PATH. */
  claudePath: string | null;
  /** Given to the agent as ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY when set; else the agent's own login applies. */
  anthropicBaseUrl: string | null;
  anthropicApiKey: string | null;
  /** The Codex executable; null: `codex` on the run's PATH. */
  codexPath: string | null;
  /**
   * Codex's model provider when either is set: a provider of Shellport's (Responses API at this base
   * URL, default OpenAI's, the key in the child's environment, never in argv); else Codex's own config.
   */
  openaiBaseUrl: string | null;
  openaiApiKey: string | null;
}

export function buildRunsConfig(env: RunsEnv): RunsConfig {
  return {
    concurrency: env.RUNS_CONCURRENCY,
    perWorkspace: env.RUNS_PER_WORKSPACE,
    maxAttempts: env.RUNS_MAX_ATTEMPTS,
    retryBaseMs: env.RUNS_RETRY_BASE_MS,
    maxDurationMs: env.RUNS_MAX_DURATION_MINUTES * 60_000,
    maxTranscriptBytes: env.RUNS_MAX_TRANSCRIPT_KB * 1024,
    claudePath: env.RUNS_CLAUDE_PATH ?? null,
    anthropicBaseUrl: env.RUNS_ANTHROPIC_BASE_URL ?? null,
    anthropicApiKey: env.RUNS_ANTHROPIC_API_KEY ?? null,
    codexPath: env.RUNS_CODEX_PATH ?? null,
    openaiBaseUrl: env.RUNS_OPENAI_BASE_URL ?? null,
    openaiApiKey: env.RUNS_OPENAI_API_KEY ?? null,
  };
}
