import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../http/errors.js';
import type { Database } from '../../infra/database/client.js';
import type { UserFiles } from '../../infra/terminal-user.js';
import type { OperationLocks } from './operation-locks.js';
import { cloneTempDirFor, ensureConfined, outsideWorkspaces } from './paths.js';
import type { WorkspaceRecords } from './workspace-records.js';

/**
 * Work another feature does when a workspace is deleted, awaited before its directory is removed
 * (the composition root registers the terminals' clean-up: end the shells, delete their records).
 */
export type WorkspaceDeletedHook = (workspaceId: string) => Promise<unknown> | unknown;

export interface WorkspaceDeletionDeps {
  db: Database;
  log: FastifyBaseLogger;
  files: UserFiles;
  /** WORKSPACES_DIR. */
  root: string;
  locks: OperationLocks;
  records: WorkspaceRecords;
  /** Cancels the workspace's clone if one is queued or running. */
  cancelClone: (workspaceId: string) => Promise<unknown>;
  /** Called after the deleted hooks, so the workspace's terminal credentials stop working. */
  revokeCredentials?: (workspaceId: string) => Promise<void> | void;
}

/** Deleting a workspace: its terminals (through the hooks), its credentials, its directory and its row. */
export function createWorkspaceDeletion({ db, log, files, root, locks, records, cancelClone, revokeCredentials }: WorkspaceDeletionDeps) {
  const deletedHooks: WorkspaceDeletedHook[] = [];

  async function remove(id: string, confirm: string | undefined): Promise<void> {
    const workspace = await records.requireWorkspace(id);
    if (confirm !== workspace.name) {
      throw new AppError(
        400,
        'confirmation_required',
        `Deleting removes the directory and everything in it. Confirm by repeating the workspace name: ?confirm=${encodeURIComponent(workspace.name)}`,
      );
    }
    // A clone in progress is cancelled first: the confirmation says the owner wants it gone.
    await cancelClone(id);
    const release = locks.acquire(id, 'delete');
    try {
      for (const hook of deletedHooks) await hook(id);
      await revokeCredentials?.(id);
      // Only `<root>/<owner>/<name>` itself, with its parent confined to the root; a symbolic link
      // in its place is removed, not followed.
      if (path.dirname(path.dirname(path.resolve(workspace.localPath))) !== path.resolve(root)) throw outsideWorkspaces();
      await ensureConfined(root, path.dirname(workspace.localPath));
      await files.remove(workspace.localPath);
      await files.remove(cloneTempDirFor(root, id));
      await db.workspace.delete({ where: { id } });
      log.info({ workspaceId: id, name: workspace.name }, 'workspace deleted');
    } finally {
      release();
    }
  }

  return {
    remove,
    /** Adds work to do when a workspace is deleted, in the order added; a hook that throws stops the deletion. */
    onWorkspaceDeleted(hook: WorkspaceDeletedHook): void {
      deletedHooks.push(hook);
    },
  };
}
