import { stat } from 'node:fs/promises';
import type { Workspace } from '../../generated/prisma/client.js';
import { AppError, notFound } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { CloneEvent, CloneState, WorkspaceStatus, WorkspaceView } from '../../shared/workspaces.js';
import type { CloneEvents } from './clone-events.js';
import { ensureConfined } from './paths.js';

/**
 * What review and ship act on: a workspace (its id), or one of its other working trees — an agent
 * run's git worktree (src/features/runs/worktrees.ts) — whose path the caller has checked belongs to it.
 */
export type WorkspaceTarget = string | { id: string; worktree: string };

export const targetId = (target: WorkspaceTarget): string => (typeof target === 'string' ? target : target.id);

export interface WorkspaceRecordsDeps {
  db: Database;
  events: CloneEvents;
  clock: Clock;
  /** WORKSPACES_DIR. */
  root: string;
  /** A workspace without activity for this long is shown as archived. */
  archiveAfterMs: number;
}

/** Workspace rows: looking one up, its ready directory, its activity, and the views the API returns. */
export function createWorkspaceRecords({ db, events, clock, root, archiveAfterMs }: WorkspaceRecordsDeps) {
  async function requireWorkspace(id: string): Promise<Workspace> {
    const workspace = await db.workspace.findUnique({ where: { id } });
    if (!workspace) throw notFound('No such workspace: it may have been deleted.');
    return workspace;
  }

  /** The directory of a cloned workspace, confined to WORKSPACES_DIR; 409 while it is not cloned or when it is gone. */
  async function requireReadyDir(workspace: Workspace): Promise<string> {
    if (workspace.cloneState !== 'ready') {
      const why = workspace.cloneState === 'error' ? `its clone failed (${workspace.cloneError ?? 'unknown error'}); retry or delete it` : 'it is still being cloned';
      throw new AppError(409, 'workspace_not_ready', `The workspace cannot be used yet: ${why}.`);
    }
    const dir = await ensureConfined(root, workspace.localPath);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) {
      throw new AppError(409, 'workspace_missing', `The workspace directory ${workspace.localPath} is gone; delete the workspace and clone it again.`);
    }
    return dir;
  }

  async function touch(workspaceId: string, extra: { lastSyncAt?: Date } = {}): Promise<void> {
    await db.workspace.update({ where: { id: workspaceId }, data: { lastActivityAt: clock.now(), ...extra } });
  }

  async function views(workspaces: Workspace[]): Promise<WorkspaceView[]> {
    const ids = workspaces.map((w) => w.id);
    const [running, latest] = await Promise.all([
      db.terminal.groupBy({ by: ['workspaceId'], where: { workspaceId: { in: ids }, status: { not: 'terminated' } }, _count: { _all: true } }),
      db.terminal.groupBy({ by: ['workspaceId'], where: { workspaceId: { in: ids } }, _max: { lastActivityAt: true, endedAt: true } }),
    ]);
    const runningBy = new Map(running.map((row) => [row.workspaceId, row._count._all]));
    // A terminal that ran until it ended was activity up to its end.
    const latestBy = new Map(latest.map((row) => [row.workspaceId, Math.max(row._max.lastActivityAt?.getTime() ?? 0, row._max.endedAt?.getTime() ?? 0)]));
    const now = clock.now().getTime();
    return workspaces.map((w) => {
      const activeTerminals = runningBy.get(w.id) ?? 0;
      const lastActivity = Math.max(
        w.createdAt.getTime(),
        w.lastActivityAt?.getTime() ?? 0,
        w.lastSyncAt?.getTime() ?? 0,
        latestBy.get(w.id) ?? 0,
      );
      const status: WorkspaceStatus = activeTerminals > 0 ? 'active' : now - lastActivity >= archiveAfterMs ? 'archived' : 'idle';
      const current = events.current(w.id);
      return {
        id: w.id,
        name: w.name,
        githubRepo: w.githubRepo,
        cloneUrl: w.cloneUrl,
        localPath: w.localPath,
        defaultBranch: w.defaultBranch,
        description: w.description,
        cloneState: w.cloneState as CloneState,
        cloneError: w.cloneError,
        progress: current ? progressOf(current) : null,
        status,
        activeTerminals,
        lastActivityAt: new Date(lastActivity).toISOString(),
        lastSyncAt: w.lastSyncAt?.toISOString() ?? null,
        createdAt: w.createdAt.toISOString(),
      };
    });
  }

  async function viewOf(workspace: Workspace): Promise<WorkspaceView> {
    return (await views([workspace]))[0]!;
  }

  return {
    requireWorkspace,
    requireReadyDir,
    /** The workspace and the directory `target` names: the workspace's, or a worktree of it under WORKSPACES_DIR. */
    async requireReadyTarget(target: WorkspaceTarget): Promise<{ workspace: Workspace; dir: string }> {
      const workspace = await requireWorkspace(targetId(target));
      const workspaceDir = await requireReadyDir(workspace);
      if (typeof target === 'string') return { workspace, dir: workspaceDir };
      const dir = await ensureConfined(root, target.worktree);
      if (!(await stat(dir).catch(() => null))?.isDirectory()) {
        throw new AppError(409, 'worktree_gone', `The run's worktree ${target.worktree} is gone (its branch was merged or deleted).`);
      }
      return { workspace, dir };
    },
    touch,
    viewOf,
    list: async () => views(await db.workspace.findMany({ orderBy: { createdAt: 'asc' } })),
    get: async (id: string) => viewOf(await requireWorkspace(id)),
  };
}

export type WorkspaceRecords = ReturnType<typeof createWorkspaceRecords>;

/** A clone event's progress, as the workspace view shows it. */
function progressOf({ phase, percent, processed, total, received, rate }: CloneEvent): NonNullable<WorkspaceView['progress']> {
  return { phase, percent, processed, total, ...(received ? { received } : {}), ...(rate ? { rate } : {}) };
}
