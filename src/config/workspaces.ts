import path from 'node:path';
import { z } from 'zod';
import { emptyToUndefined, integer } from './env.js';

export const workspacesEnv = {
  WORKSPACES_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  CLONE_CONCURRENCY: integer({ min: 1, max: 32, default: 2 }),
  WORKSPACE_ARCHIVE_DAYS: integer({ min: 1, max: 36_500, default: 30 }),
  GIT_STALL_TIMEOUT_SECONDS: integer({ min: 5, max: 86_400, default: 600 }),
  GITHUB_REPOS_CACHE_SECONDS: integer({ min: 0, max: 86_400, default: 60 }),
};

type WorkspacesEnv = z.infer<z.ZodObject<typeof workspacesEnv>>;

export interface WorkspacesConfig {
  /** Absolute root under which every workspace is cloned (`<root>/<owner>/<name>`). */
  rootDir: string;
  /** Clones running at once; further clones wait in a queue. */
  cloneConcurrency: number;
  /** A workspace without terminal or git activity for this long is shown as archived. */
  archiveAfterMs: number;
  /** A git command that prints nothing for this long is killed. */
  gitStallTimeoutMs: number;
  /** How long the repository list from GitHub is reused; `refresh=true` bypasses it. */
  reposCacheMs: number;
}

export function buildWorkspacesConfig(env: WorkspacesEnv, dataDir: string): WorkspacesConfig {
  return {
    rootDir: path.resolve(dataDir, env.WORKSPACES_DIR ?? 'workspaces'),
    cloneConcurrency: env.CLONE_CONCURRENCY,
    archiveAfterMs: env.WORKSPACE_ARCHIVE_DAYS * 86_400_000,
    gitStallTimeoutMs: env.GIT_STALL_TIMEOUT_SECONDS * 1000,
    reposCacheMs: env.GITHUB_REPOS_CACHE_SECONDS * 1000,
  };
}
