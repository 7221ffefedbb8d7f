import type { FastifyBaseLogger } from 'fastify';
import type { StorageConfig } from '../../config/storage.js';
import type { WorkspacesConfig } from '../../config/workspaces.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import { createUserFiles, type UserFiles } from '../../infra/terminal-user.js';
import type { Vault } from '../../infra/vault.js';
import type { GitHubAccess } from '../github/access.js';
import type { CloneEvents } from './clone-events.js';
import { createClonePlanner } from './clone-plans.js';
import { createDiskSpace } from './disk-space.js';
import { createEnvVariables } from './env-variables.js';
import { createGitOperations } from './git-operations.js';
import type { GitRunner } from './git-runner.js';
import { createGitStatusReader } from './git-status.js';
import { createOperationLocks } from './operation-locks.js';
import { createRemoteAccess } from './remote-access.js';
import { createWorkspaceReview } from './review.js';
import { createWorkspaceShipping } from './ship.js';
import { recoverWorkspaces } from './start-up-recovery.js';
import { createWorkspaceCloning } from './workspace-cloning.js';
import { createWorkspaceDeletion } from './workspace-deletion.js';
import { createWorkspaceRecords } from './workspace-records.js';

export type { WorkspaceDeletedHook } from './workspace-deletion.js';

export interface WorkspaceServiceDeps {
  db: Database;
  vault: Vault;
  github: GitHubAccess;
  git: GitRunner;
  events: CloneEvents;
  metrics: Metrics;
  config: { workspaces: WorkspacesConfig; storage: StorageConfig };
  clock: Clock;
  log: FastifyBaseLogger;
  /** Called when a workspace is deleted, after the deleted hooks, so its terminal credentials stop working. */
  revokeCredentials?: (workspaceId: string) => Promise<void> | void;
  /**
   * Creating, moving and deleting directories under WORKSPACES_DIR: as the shells' account when it
   * is not the server's (TERMINAL_USER, src/infra/terminal-user.ts); default the server's own fs calls.
   */
  files?: UserFiles;
}

/**
 * The workspaces feature's service: composes the modules beside it (records and views, cloning,
 * git status and operations, deletion, environment variables, start-up recovery), which share one
 * operation lock per workspace and one "closing" flag.
 */
export function createWorkspaceService(deps: WorkspaceServiceDeps) {
  const { db, vault, github, git, events, metrics, config, clock, log } = deps;
  const root = config.workspaces.rootDir;
  const files = deps.files ?? createUserFiles(null);
  let closing = false;
  const isClosing = () => closing;

  const locks = createOperationLocks();
  const records = createWorkspaceRecords({ db, events, clock, root, archiveAfterMs: config.workspaces.archiveAfterMs });
  const remote = createRemoteAccess({ github, git, isClosing });
  const disk = createDiskSpace({ root, minFreeBytes: config.storage.minFreeDiskBytes });
  const { planClone } = createClonePlanner({ github, githubOrigin: remote.githubOrigin });
  const cloning = createWorkspaceCloning({
    db,
    git,
    events,
    metrics,
    clock,
    log,
    files,
    root,
    concurrency: config.workspaces.cloneConcurrency,
    locks,
    records,
    remote,
    disk,
    planClone,
    isClosing,
  });
  const statusReader = createGitStatusReader({ git, records });
  const operations = createGitOperations({ git, clock, locks, records, remote, statusReader, gitStallTimeoutMs: config.workspaces.gitStallTimeoutMs });
  // Review and ship (issue 21 §2): the same locks, records and remote access as fetch and pull.
  const review = createWorkspaceReview({ git, locks, records, statusReader });
  const shipping = createWorkspaceShipping({ git, clock, locks, records, remote, statusReader, github, gitStallTimeoutMs: config.workspaces.gitStallTimeoutMs });
  const deletion = createWorkspaceDeletion({ db, log, files, root, locks, records, cancelClone: cloning.cancelIfCloning, revokeCredentials: deps.revokeCredentials });
  const env = createEnvVariables({ db, vault, log, records });

  return {
    list: records.list,
    get: records.get,
    create: cloning.create,
    retryClone: cloning.retryClone,
    cancelClone: cloning.cancelClone,
    fetch: operations.fetch,
    pull: operations.pull,
    status: statusReader.status,
    branches: statusReader.branches,
    switchBranch: operations.switchBranch,
    remove: deletion.remove,
    listEnv: env.listEnv,
    setEnv: env.setEnv,
    deleteEnv: env.deleteEnv,
    terminalContext: env.terminalContext,
    /** Start-up: marks clones a restart cut short as failed, and follows a moved WORKSPACES_DIR. */
    recover: () => recoverWorkspaces({ db, log, files, root }),
    /** Adds work to do when a workspace is deleted, in the order added; a hook that throws stops the deletion. */
    onWorkspaceDeleted: deletion.onWorkspaceDeleted,
    /** Stops every git command, cancels every clone and waits for them (app shutdown; may be called twice). */
    close: async () => {
      closing = true;
      git.close();
      await cloning.cancelAll();
    },
    freeBytes: disk.freeBytes,
    /** The diff, proposals and discard of a workspace's changes (review.ts). */
    review,
    /** Commit, push and pull requests (ship.ts). */
    shipping,
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
