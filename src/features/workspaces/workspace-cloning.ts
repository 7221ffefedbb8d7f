import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Workspace } from '../../generated/prisma/client.js';
import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import type { UserFiles } from '../../infra/terminal-user.js';
import type { WorkspaceView } from '../../shared/workspaces.js';
import type { CloneEvents } from './clone-events.js';
import type { ClonePlan } from './clone-plans.js';
import { createCloneQueue } from './clone-queue.js';
import type { DiskSpace } from './disk-space.js';
import type { GitRunner } from './git-runner.js';
import type { OperationLocks } from './operation-locks.js';
import { cloneTempDirFor, ensureConfined, workspacePathFor } from './paths.js';
import type { RemoteAccess } from './remote-access.js';
import type { CreateWorkspaceBody } from './schemas.js';
import type { WorkspaceRecords } from './workspace-records.js';

/** The clone error of a workspace whose clone a restart or shutdown cut short. */
export const INTERRUPTED_MESSAGE = 'The server restarted during the clone; clone it again.';
const CANCELLED_MESSAGE = 'Clone cancelled.';

export interface WorkspaceCloningDeps {
  db: Database;
  git: GitRunner;
  events: CloneEvents;
  metrics: Metrics;
  clock: Clock;
  log: FastifyBaseLogger;
  files: UserFiles;
  /** WORKSPACES_DIR. */
  root: string;
  /** How many clones run at once (the rest wait in the queue). */
  concurrency: number;
  locks: OperationLocks;
  records: WorkspaceRecords;
  remote: RemoteAccess;
  disk: DiskSpace;
  planClone: (body: CreateWorkspaceBody) => Promise<ClonePlan>;
  isClosing: () => boolean;
}

/** Creating a workspace and cloning it in the background (queued, cancellable, retried on request). */
export function createWorkspaceCloning(deps: WorkspaceCloningDeps) {
  const { db, git, events, metrics, clock, log, files, root, locks, records, remote, disk } = deps;
  const queue = createCloneQueue({
    concurrency: deps.concurrency,
    onRunningChange: (running) => metrics.clonesInProgress.set(running),
  });

  async function runClone(workspace: Workspace, signal: AbortSignal, release: () => void): Promise<void> {
    const tempDir = cloneTempDirFor(root, workspace.id);
    const base = { workspaceId: workspace.id, processed: 0, total: 0 };
    try {
      if (signal.aborted) throw new Error('cancelled before start');
      await db.workspace.update({ where: { id: workspace.id }, data: { cloneState: 'cloning', cloneError: null } });
      events.publish({ ...base, phase: 'starting', percent: 0, state: 'cloning' });
      await disk.ensureDiskSpace();
      await ensureConfined(root, workspace.localPath);
      await files.remove(tempDir);
      await files.mkdir(path.dirname(tempDir));
      const token = await remote.tokenFor(workspace.cloneUrl);
      await git.run(path.dirname(tempDir), ['clone', '--progress', '--no-recurse-submodules', '--', workspace.cloneUrl, tempDir], {
        token,
        signal,
        onProgress: (progress) => events.publish({ workspaceId: workspace.id, ...progress, state: 'cloning' }),
      });
      if (signal.aborted) throw new Error('cancelled');
      const target = await ensureConfined(root, workspace.localPath);
      await files.mkdir(path.dirname(target));
      await files.rename(tempDir, target);
      const branch = (await git.run(target, ['rev-parse', '--abbrev-ref', 'HEAD']).catch(() => '')).trim();
      const now = clock.now();
      await db.workspace.update({
        where: { id: workspace.id },
        data: { cloneState: 'ready', cloneError: null, lastSyncAt: now, lastActivityAt: now, defaultBranch: workspace.defaultBranch ?? (branch || null) },
      });
      events.publish({ ...base, phase: 'done', percent: 100, state: 'ready' });
      log.info({ workspaceId: workspace.id, name: workspace.name }, 'workspace cloned');
    } catch (error) {
      await files.remove(tempDir).catch(() => {});
      const cancelled = signal.aborted;
      const message = deps.isClosing() ? INTERRUPTED_MESSAGE : cancelled ? CANCELLED_MESSAGE : remote.gitFailure(error, 'Clone', workspace).message;
      await db.workspace
        .update({ where: { id: workspace.id }, data: { cloneState: 'error', cloneError: message } })
        .catch(() => {
          // Deleted meanwhile: nothing to record.
        });
      events.publish({ ...base, phase: cancelled ? 'cancelled' : 'failed', percent: 0, state: 'error', message });
      if (!cancelled) log.warn({ workspaceId: workspace.id, reason: message }, 'workspace clone failed');
    } finally {
      release();
    }
  }

  function startClone(workspace: Workspace): void {
    const release = locks.acquire(workspace.id, 'clone');
    events.publish({ workspaceId: workspace.id, phase: 'queued', percent: 0, processed: 0, total: 0, state: 'pending' });
    queue.enqueue(workspace.id, (signal) => runClone(workspace, signal, release));
  }

  async function create(body: CreateWorkspaceBody): Promise<WorkspaceView> {
    const plan = await deps.planClone(body);
    const localPath = workspacePathFor(root, plan.ownerDir, plan.nameDir);
    await ensureConfined(root, localPath);
    const existing = await db.workspace.findFirst({
      where: { OR: [{ name: plan.name }, { localPath }, ...(plan.githubRepo ? [{ githubRepo: plan.githubRepo }] : [])] },
    });
    if (existing) {
      throw new AppError(409, 'workspace_exists', `${plan.name} is already a workspace.`, { workspaceId: existing.id });
    }
    if (await stat(localPath).catch(() => null)) {
      throw new AppError(409, 'directory_exists', `${localPath} already exists on the server; move it away or pick another repository.`);
    }
    await disk.ensureDiskSpace();
    let workspace: Workspace;
    try {
      workspace = await db.workspace.create({
        data: {
          name: plan.name,
          githubRepo: plan.githubRepo,
          githubRepoId: plan.githubRepoId,
          cloneUrl: plan.cloneUrl,
          localPath,
          defaultBranch: plan.defaultBranch,
          description: plan.description,
          cloneState: 'pending',
          lastActivityAt: clock.now(),
          createdAt: clock.now(),
        },
      });
    } catch (error) {
      if ((error as { code?: string }).code === 'P2002') throw new AppError(409, 'workspace_exists', `${plan.name} is already a workspace.`);
      throw error;
    }
    startClone(workspace);
    return records.viewOf(workspace);
  }

  async function retryClone(id: string): Promise<WorkspaceView> {
    const workspace = await records.requireWorkspace(id);
    if (workspace.cloneState !== 'error') {
      throw new AppError(409, 'workspace_not_failed', 'Only a workspace whose clone failed or was cancelled can be cloned again.');
    }
    locks.ensureIdle(id);
    if (await stat(workspace.localPath).catch(() => null)) {
      throw new AppError(409, 'directory_exists', `${workspace.localPath} already exists on the server; move it away first.`);
    }
    await disk.ensureDiskSpace();
    const updated = await db.workspace.update({ where: { id }, data: { cloneState: 'pending', cloneError: null } });
    startClone(updated);
    return records.viewOf(updated);
  }

  async function cancelClone(id: string): Promise<WorkspaceView> {
    const workspace = await records.requireWorkspace(id);
    if (!(await queue.cancel(id))) {
      throw new AppError(409, 'no_clone_running', `${workspace.name} is not being cloned (state: ${workspace.cloneState}).`);
    }
    return records.viewOf(await records.requireWorkspace(id));
  }

  return {
    create,
    retryClone,
    cancelClone,
    /** Cancels the workspace's clone if one is queued or running (deletion); resolves whether there was one. */
    cancelIfCloning: (id: string) => queue.cancel(id),
    /** Cancels every clone and waits for them (shutdown). */
    cancelAll: () => queue.cancelAll(),
  };
}
