import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../infra/database/client.js';
import type { UserFiles } from '../../infra/terminal-user.js';
import { cloneTempDirFor, ensureConfined } from './paths.js';
import { INTERRUPTED_MESSAGE } from './workspace-cloning.js';

export interface StartUpRecoveryDeps {
  db: Database;
  log: FastifyBaseLogger;
  files: UserFiles;
  /** WORKSPACES_DIR. */
  root: string;
}

/** Start-up: clones cut short by a restart are marked failed and their partial directories removed. */
export async function recoverWorkspaces({ db, log, files, root }: StartUpRecoveryDeps): Promise<void> {
  // The root first: with TERMINAL_USER it is made by (and belongs to) the shells' account.
  await files.mkdir(root);
  await files.remove(cloneTempDirFor(root));
  const { count } = await db.workspace.updateMany({
    where: { cloneState: { in: ['pending', 'cloning'] } },
    data: { cloneState: 'error', cloneError: INTERRUPTED_MESSAGE },
  });
  if (count > 0) log.warn({ count }, 'clones interrupted by a restart were marked failed');
  await followMovedRoot({ db, log, root });
}

/**
 * WORKSPACES_DIR changed and the directories were moved along (the upgrade to two accounts moves
 * them out of DATA_DIR, docs/deploy.md): a workspace whose directory is gone from its old place but
 * is at `<root>/<owner>/<name>` is pointed there.
 */
async function followMovedRoot({ db, log, root }: Omit<StartUpRecoveryDeps, 'files'>): Promise<void> {
  for (const workspace of await db.workspace.findMany({ select: { id: true, name: true, localPath: true } })) {
    const moved = path.join(root, path.basename(path.dirname(workspace.localPath)), path.basename(workspace.localPath));
    if (moved === workspace.localPath || (await stat(workspace.localPath).catch(() => null))) continue;
    if (!(await stat(moved).catch(() => null))?.isDirectory()) continue;
    if (!(await ensureConfined(root, moved).then(() => true, () => false))) continue;
    await db.workspace.update({ where: { id: workspace.id }, data: { localPath: moved } });
    log.info({ workspaceId: workspace.id, name: workspace.name, from: workspace.localPath, to: moved }, 'workspace directory found under the new WORKSPACES_DIR');
  }
}
