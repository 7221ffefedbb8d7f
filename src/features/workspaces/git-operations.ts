import type { Workspace } from '../../generated/prisma/client.js';
import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { GitStatusView } from '../../shared/workspaces.js';
import { describeGitFailure, type GitRunner } from './git-runner.js';
import type { GitStatusReader } from './git-status.js';
import type { OperationLocks } from './operation-locks.js';
import type { RemoteAccess } from './remote-access.js';
import { isValidBranchName } from './schemas.js';
import { targetId, type WorkspaceRecords, type WorkspaceTarget } from './workspace-records.js';

export interface GitOperationsDeps {
  git: GitRunner;
  clock: Clock;
  locks: OperationLocks;
  records: WorkspaceRecords;
  remote: RemoteAccess;
  statusReader: GitStatusReader;
  /** GIT_STALL_TIMEOUT_SECONDS, the default stall timeout of a git command. */
  gitStallTimeoutMs: number;
}

/**
 * A git command that holds a request (fetch, pull, push): git printing nothing for this long is
 * killed, even when its HTTP low-speed limit did not catch the stall (git.networkTimeoutMs covers the
 * transfer itself).
 */
export function requestStallTimeoutMs(git: GitRunner, gitStallTimeoutMs: number): number {
  return Math.min(gitStallTimeoutMs, 2 * git.networkTimeoutMs);
}

/** Runs `fn` on a cloned, ready workspace under its operation lock (one operation at a time per workspace). */
export function readyWorkspaceRunner(locks: OperationLocks, records: WorkspaceRecords) {
  return async function withReadyWorkspace<T>(target: WorkspaceTarget, operation: string, fn: (workspace: Workspace, dir: string) => Promise<T>): Promise<T> {
    const release = locks.acquire(targetId(target), operation);
    try {
      const { workspace, dir } = await records.requireReadyTarget(target);
      return await fn(workspace, dir);
    } finally {
      release();
    }
  };
}

/** Fetch, pull and switch on a cloned workspace, one at a time per workspace; each answers the new status. */
export function createGitOperations({ git, clock, locks, records, remote, statusReader, gitStallTimeoutMs }: GitOperationsDeps) {
  const requestStallMs = requestStallTimeoutMs(git, gitStallTimeoutMs);
  const withReadyWorkspace = readyWorkspaceRunner(locks, records);

  /** Runs a git command that talks to the remote (with its token), records the sync, and answers the new status. */
  function syncWithRemote(id: string, operation: 'fetch' | 'pull', verb: string, args: string[]): Promise<GitStatusView> {
    return withReadyWorkspace(id, operation, async (workspace, dir) => {
      try {
        await git.run(dir, args, { token: await remote.tokenFor(workspace.cloneUrl), stallTimeoutMs: requestStallMs });
      } catch (error) {
        throw remote.gitFailure(error, verb, workspace);
      }
      await records.touch(id, { lastSyncAt: clock.now() });
      return statusReader.readStatus(dir);
    });
  }

  // --progress keeps git talking while a large transfer runs, so only a stalled one meets the stall timeout.
  const fetch = (id: string) => syncWithRemote(id, 'fetch', 'Fetch', ['fetch', '--progress', '--prune', '--no-recurse-submodules', '--', 'origin']);
  // --no-stat: the summary after the merge reads .gitmodules (see readStatus).
  const pull = (id: string) => syncWithRemote(id, 'pull', 'Pull', ['pull', '--progress', '--ff-only', '--no-rebase', '--no-recurse-submodules', '--no-stat']);

  async function switchBranch(id: string, branch: string): Promise<GitStatusView> {
    if (!isValidBranchName(branch)) throw new AppError(400, 'invalid_branch', 'Not a valid branch name.');
    return withReadyWorkspace(id, 'switch branch', async (_workspace, dir) => {
      try {
        // A branch that exists only on origin becomes a local tracking branch (git switch's --guess).
        // --quiet: the summary of local changes after switching reads .gitmodules (see readStatus).
        await git.run(dir, ['switch', '--quiet', '--no-recurse-submodules', '--', branch]);
      } catch (error) {
        throw describeGitFailure(error, `Switching to ${branch}`);
      }
      await records.touch(id);
      return statusReader.readStatus(dir);
    });
  }

  return { fetch, pull, switchBranch };
}
