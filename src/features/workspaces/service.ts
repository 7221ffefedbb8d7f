import { mkdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { StorageConfig } from '../../config/storage.js';
import type { WorkspacesConfig } from '../../config/workspaces.js';
import type { Workspace } from '../../generated/prisma/client.js';
import { AppError, notFound } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import { createUserFiles, type UserFiles } from '../../infra/terminal-user.js';
import type { Vault } from '../../infra/vault.js';
import type { GitHubAccess } from '../github/access.js';
import { shuttingDown } from '../github/deadline.js';
import { toGitHubApiError } from '../github/repos.js';
import type { CloneEvents } from './clone-events.js';
import { createCloneQueue } from './clone-queue.js';
import { describeGitFailure, type GitRunner } from './git-runner.js';
import { ensureConfined, isSafeSegment, outsideWorkspaces, workspacePathFor } from './paths.js';
import { isValidBranchName, isValidGitHubOwner, isValidGitHubRepoName, type CreateWorkspaceBody } from './schemas.js';
import type { BranchesView, CloneEvent, CloneState, EnvVariableView, GitStatusView, WorkspaceStatus, WorkspaceView } from '../../shared/workspaces.js';

/**
 * Work another feature does when a workspace is deleted, awaited before its directory is removed
 * (the composition root registers the terminals' clean-up: end the shells, delete their records).
 */
export type WorkspaceDeletedHook = (workspaceId: string) => Promise<unknown> | unknown;

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
  revokeCredentials?: (workspaceId: string) => void;
  /**
   * Creating, moving and deleting directories under WORKSPACES_DIR: as the shells' account when it
   * is not the server's (TERMINAL_USER, src/infra/terminal-user.ts); default the server's own fs calls.
   */
  files?: UserFiles;
}

const MAX_ENV_VARS = 200;
const CLONES_DIR = '.clones';
const CANCELLED_MESSAGE = 'Clone cancelled.';
const INTERRUPTED_MESSAGE = 'The server restarted during the clone; clone it again.';

const busy = (operation: string) =>
  new AppError(409, 'workspace_busy', `Another git operation (${operation}) is running on this workspace; wait for it to finish, then try again.`);

export function createWorkspaceService(deps: WorkspaceServiceDeps) {
  const { db, vault, github, git, events, metrics, config, clock, log } = deps;
  const root = config.workspaces.rootDir;
  const files = deps.files ?? createUserFiles(null);
  const githubOrigin = new URL(github.webUrl).origin;
  const operations = new Map<string, string>();
  const deletedHooks: WorkspaceDeletedHook[] = [];
  let closing = false;
  // A fetch or pull holds a request: git printing nothing for this long is killed, even when its
  // HTTP low-speed limit did not catch the stall (git.networkTimeoutMs covers the transfer itself).
  const requestStallMs = Math.min(config.workspaces.gitStallTimeoutMs, 2 * git.networkTimeoutMs);
  const queue = createCloneQueue({
    concurrency: config.workspaces.cloneConcurrency,
    onRunningChange: (running) => metrics.clonesInProgress.set(running),
  });

  /** One git operation per workspace at a time; a second one is refused with 409. */
  function acquire(workspaceId: string, operation: string): () => void {
    const current = operations.get(workspaceId);
    if (current) throw busy(current);
    operations.set(workspaceId, operation);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      operations.delete(workspaceId);
    };
  }

  async function requireWorkspace(id: string): Promise<Workspace> {
    const workspace = await db.workspace.findUnique({ where: { id } });
    if (!workspace) throw notFound('No such workspace: it may have been deleted.');
    return workspace;
  }

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

  function usesGitHubToken(cloneUrl: string): boolean {
    try {
      return new URL(cloneUrl).origin === githubOrigin;
    } catch {
      return false;
    }
  }

  /** The owner's token for GitHub URLs; none for other hosts or when GitHub is not connected (public clones still work). */
  async function tokenFor(cloneUrl: string): Promise<string | undefined> {
    if (!usesGitHubToken(cloneUrl)) return undefined;
    try {
      return await github.getAccessToken();
    } catch (error) {
      if (error instanceof AppError && (error.code === 'github_not_connected' || error.code === 'github_not_configured')) return undefined;
      throw error;
    }
  }

  /**
   * describeGitFailure for a command that talked to the workspace's remote (a timeout names GitHub or
   * "the git server"); when GitHub's git refused the token, the GitHub status asks GitHub again next time.
   */
  function gitFailure(error: unknown, action: string, workspace: Workspace): AppError {
    if (closing) return shuttingDown();
    const failure = describeGitFailure(error, action, { isGitHub: usesGitHubToken(workspace.cloneUrl), timeoutMs: git.networkTimeoutMs });
    if (failure.code === 'git_authentication_failed' && usesGitHubToken(workspace.cloneUrl)) github.forgetStatusCheck();
    return failure;
  }

  async function freeBytes(): Promise<number> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const info = await statfs(root);
    return Number(info.bavail) * Number(info.bsize);
  }

  async function ensureDiskSpace(): Promise<void> {
    const free = await freeBytes();
    const needed = config.storage.minFreeDiskBytes;
    if (free < needed) {
      const mb = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MB`;
      throw new AppError(
        507,
        'insufficient_disk_space',
        `Not enough free disk space to clone: ${mb(free)} free in ${root}, at least ${mb(needed)} required (MIN_FREE_DISK_MB). Free some space or delete unused workspaces.`,
        { freeBytes: free, requiredBytes: needed },
      );
    }
  }

  async function touch(workspaceId: string, extra: { lastSyncAt?: Date } = {}): Promise<void> {
    await db.workspace.update({ where: { id: workspaceId }, data: { lastActivityAt: clock.now(), ...extra } });
  }

  // ---- views ----

  async function views(workspaces: Workspace[]): Promise<WorkspaceView[]> {
    const ids = workspaces.map((w) => w.id);
    const [running, latest] = await Promise.all([
      db.session.groupBy({ by: ['workspaceId'], where: { workspaceId: { in: ids }, status: { not: 'terminated' } }, _count: { _all: true } }),
      db.session.groupBy({ by: ['workspaceId'], where: { workspaceId: { in: ids } }, _max: { lastActivityAt: true, endedAt: true } }),
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
      const status: WorkspaceStatus = activeTerminals > 0 ? 'active' : now - lastActivity >= config.workspaces.archiveAfterMs ? 'archived' : 'idle';
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

  // ---- creating and cloning ----

  interface ClonePlan {
    name: string;
    githubRepo: string | null;
    githubRepoId: bigint | null;
    cloneUrl: string;
    ownerDir: string;
    nameDir: string;
    defaultBranch: string | null;
    description: string | null;
  }

  async function planFromGitHub(owner: string, name: string): Promise<ClonePlan> {
    if (!isValidGitHubOwner(owner) || !isValidGitHubRepoName(name)) {
      throw new AppError(400, 'invalid_repository', `"${owner}/${name}" is not a valid GitHub repository name.`);
    }
    let data: { id: number; full_name: string; default_branch?: string; description?: string | null; owner: { login: string }; name: string };
    try {
      const octokit = await github.octokit();
      data = (await octokit.rest.repos.get({ owner, repo: name })).data;
    } catch (error) {
      throw toGitHubApiError(error, `Repository ${owner}/${name}`);
    }
    const fullName = data.full_name;
    return {
      name: fullName,
      githubRepo: fullName.toLowerCase(),
      githubRepoId: BigInt(data.id),
      cloneUrl: `${github.webUrl.replace(/\/+$/, '')}/${fullName}.git`,
      ownerDir: data.owner.login,
      nameDir: data.name,
      defaultBranch: data.default_branch ?? null,
      description: data.description ?? null,
    };
  }

  async function planFromUrl(raw: string): Promise<ClonePlan> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new AppError(400, 'invalid_url', 'That is not a valid URL; paste the https:// clone URL of the repository.');
    }
    if (url.username || url.password) {
      throw new AppError(400, 'credentials_in_url', 'Remove the user name and password from the URL: Shellport uses your GitHub sign-in for GitHub and clones other hosts anonymously.');
    }
    const isGitHub = url.origin === githubOrigin;
    if (url.protocol !== 'https:' && !isGitHub) throw new AppError(400, 'invalid_url', 'Only https:// git URLs can be cloned.');
    if (url.search || url.hash) throw new AppError(400, 'invalid_url', 'A git URL has no query string or fragment; paste the clone URL.');
    const segments = url.pathname.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
    if (isGitHub) {
      const [owner, repo, ...rest] = segments;
      if (!owner || !repo || rest.length > 0) {
        throw new AppError(400, 'invalid_repository', `A GitHub URL must look like ${github.webUrl}/owner/name(.git).`);
      }
      return planFromGitHub(owner, repo.replace(/\.git$/i, ''));
    }
    const last = segments.at(-1)?.replace(/\.git$/i, '') ?? '';
    const hostDir = url.port ? `${url.hostname}-${url.port}` : url.hostname;
    if (segments.length === 0 || segments.some((s) => s === '..' || s === '.' || s.startsWith('-')) || !isSafeSegment(last, { leadingDot: true }) || !isSafeSegment(hostDir)) {
      throw new AppError(400, 'invalid_url', 'The URL must end in a repository name made of letters, digits, ".", "-" and "_".');
    }
    return {
      name: `${hostDir}/${last}`,
      githubRepo: null,
      githubRepoId: null,
      cloneUrl: url.href,
      ownerDir: hostDir,
      nameDir: last,
      defaultBranch: null,
      description: null,
    };
  }

  function publish(event: CloneEvent): void {
    events.publish(event);
  }

  async function runClone(workspace: Workspace, signal: AbortSignal, release: () => void): Promise<void> {
    const tempDir = path.join(root, CLONES_DIR, workspace.id);
    const base = { workspaceId: workspace.id, processed: 0, total: 0 };
    try {
      if (signal.aborted) throw new Error('cancelled before start');
      await db.workspace.update({ where: { id: workspace.id }, data: { cloneState: 'cloning', cloneError: null } });
      publish({ ...base, phase: 'starting', percent: 0, state: 'cloning' });
      await ensureDiskSpace();
      await ensureConfined(root, workspace.localPath);
      await files.remove(tempDir);
      await files.mkdir(path.dirname(tempDir));
      const token = await tokenFor(workspace.cloneUrl);
      await git.run(path.dirname(tempDir), ['clone', '--progress', '--no-recurse-submodules', '--', workspace.cloneUrl, tempDir], {
        token,
        signal,
        onProgress: (progress) => publish({ workspaceId: workspace.id, ...progress, state: 'cloning' }),
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
      publish({ ...base, phase: 'done', percent: 100, state: 'ready' });
      log.info({ workspaceId: workspace.id, name: workspace.name }, 'workspace cloned');
    } catch (error) {
      await files.remove(tempDir).catch(() => {});
      const cancelled = signal.aborted;
      const message = closing ? INTERRUPTED_MESSAGE : cancelled ? CANCELLED_MESSAGE : gitFailure(error, 'Clone', workspace).message;
      await db.workspace
        .update({ where: { id: workspace.id }, data: { cloneState: 'error', cloneError: message } })
        .catch(() => {
          // Deleted meanwhile: nothing to record.
        });
      publish({ ...base, phase: cancelled ? 'cancelled' : 'failed', percent: 0, state: 'error', message });
      if (!cancelled) log.warn({ workspaceId: workspace.id, reason: message }, 'workspace clone failed');
    } finally {
      release();
    }
  }

  function startClone(workspace: Workspace): void {
    const release = acquire(workspace.id, 'clone');
    publish({ workspaceId: workspace.id, phase: 'queued', percent: 0, processed: 0, total: 0, state: 'pending' });
    queue.enqueue(workspace.id, (signal) => runClone(workspace, signal, release));
  }

  async function create(body: CreateWorkspaceBody): Promise<WorkspaceView> {
    const plan = body.repo ? await planFromGitHub(...(body.repo.split('/') as [string, string])) : await planFromUrl(body.url!);
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
    await ensureDiskSpace();
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
    return (await views([workspace]))[0]!;
  }

  async function retryClone(id: string): Promise<WorkspaceView> {
    const workspace = await requireWorkspace(id);
    if (workspace.cloneState !== 'error') {
      throw new AppError(409, 'workspace_not_failed', 'Only a workspace whose clone failed or was cancelled can be cloned again.');
    }
    if (operations.has(id)) throw busy(operations.get(id)!);
    if (await stat(workspace.localPath).catch(() => null)) {
      throw new AppError(409, 'directory_exists', `${workspace.localPath} already exists on the server; move it away first.`);
    }
    await ensureDiskSpace();
    const updated = await db.workspace.update({ where: { id }, data: { cloneState: 'pending', cloneError: null } });
    startClone(updated);
    return (await views([updated]))[0]!;
  }

  async function cancelClone(id: string): Promise<WorkspaceView> {
    const workspace = await requireWorkspace(id);
    if (!(await queue.cancel(id))) {
      throw new AppError(409, 'no_clone_running', `${workspace.name} is not being cloned (state: ${workspace.cloneState}).`);
    }
    return (await views([await requireWorkspace(id)]))[0]!;
  }

  // ---- git operations on a ready workspace ----

  async function withReadyWorkspace<T>(id: string, operation: string, fn: (workspace: Workspace, dir: string) => Promise<T>): Promise<T> {
    const release = acquire(id, operation);
    try {
      const workspace = await requireWorkspace(id);
      const dir = await requireReadyDir(workspace);
      return await fn(workspace, dir);
    } finally {
      release();
    }
  }

  async function readStatus(dir: string): Promise<GitStatusView> {
    // Submodules are the owner's business in a terminal: looking into them reads .gitmodules, which
    // git refuses outright when it holds `update = !command` (and the status would fail with it).
    const out = await git.run(dir, ['--no-optional-locks', 'status', '--porcelain=v2', '--branch', '--ignore-submodules=all']).catch((error: unknown) => {
      throw describeGitFailure(error, 'Reading the status');
    });
    const view: GitStatusView = { branch: null, detached: false, commit: null, upstream: null, ahead: 0, behind: 0, changedFiles: 0, staged: 0, modified: 0, untracked: 0, conflicted: 0 };
    for (const line of out.split('\n')) {
      if (line.startsWith('# branch.oid ')) {
        const oid = line.slice(13).trim();
        view.commit = oid === '(initial)' ? null : oid;
      } else if (line.startsWith('# branch.head ')) {
        const head = line.slice(14).trim();
        view.detached = head === '(detached)';
        view.branch = view.detached ? null : head;
      } else if (line.startsWith('# branch.upstream ')) {
        view.upstream = line.slice(18).trim();
      } else if (line.startsWith('# branch.ab ')) {
        const match = /\+(\d+) -(\d+)/.exec(line);
        view.ahead = Number(match?.[1] ?? 0);
        view.behind = Number(match?.[2] ?? 0);
      } else if (line.startsWith('1 ') || line.startsWith('2 ')) {
        view.changedFiles += 1;
        const xy = line.slice(2, 4);
        if (xy[0] !== '.') view.staged += 1;
        if (xy[1] !== '.') view.modified += 1;
      } else if (line.startsWith('u ')) {
        view.changedFiles += 1;
        view.conflicted += 1;
      } else if (line.startsWith('? ')) {
        view.changedFiles += 1;
        view.untracked += 1;
      }
    }
    return view;
  }

  async function fetch(id: string): Promise<GitStatusView> {
    return withReadyWorkspace(id, 'fetch', async (workspace, dir) => {
      try {
        // --progress keeps git talking while a large fetch runs, so only a stalled one meets the stall timeout.
        await git.run(dir, ['fetch', '--progress', '--prune', '--no-recurse-submodules', '--', 'origin'], {
          token: await tokenFor(workspace.cloneUrl),
          stallTimeoutMs: requestStallMs,
        });
      } catch (error) {
        throw gitFailure(error, 'Fetch', workspace);
      }
      await touch(id, { lastSyncAt: clock.now() });
      return readStatus(dir);
    });
  }

  async function pull(id: string): Promise<GitStatusView> {
    return withReadyWorkspace(id, 'pull', async (workspace, dir) => {
      try {
        // --no-stat: the summary after the merge reads .gitmodules (see readStatus).
        await git.run(dir, ['pull', '--progress', '--ff-only', '--no-rebase', '--no-recurse-submodules', '--no-stat'], {
          token: await tokenFor(workspace.cloneUrl),
          stallTimeoutMs: requestStallMs,
        });
      } catch (error) {
        throw gitFailure(error, 'Pull', workspace);
      }
      await touch(id, { lastSyncAt: clock.now() });
      return readStatus(dir);
    });
  }

  async function status(id: string): Promise<GitStatusView> {
    // Read-only (no optional locks), so it runs even while another operation holds the workspace.
    const workspace = await requireWorkspace(id);
    return readStatus(await requireReadyDir(workspace));
  }

  async function branches(id: string): Promise<BranchesView> {
    const workspace = await requireWorkspace(id);
    const dir = await requireReadyDir(workspace);
    const out = await git
      .run(dir, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(upstream:short)%00%(HEAD)', '--', 'refs/heads', 'refs/remotes/origin'])
      .catch((error: unknown) => {
        throw describeGitFailure(error, 'Listing branches');
      });
    const local: BranchesView['local'] = [];
    const remote: BranchesView['remote'] = [];
    for (const line of out.split('\n').filter(Boolean)) {
      const [ref = '', commit = '', upstream = '', head = ''] = line.split('\0');
      if (ref.startsWith('refs/heads/')) local.push({ name: ref.slice(11), commit, upstream: upstream || null, current: head.trim() === '*' });
      else if (ref.startsWith('refs/remotes/origin/') && ref !== 'refs/remotes/origin/HEAD') remote.push({ name: ref.slice(20), commit });
    }
    return { current: local.find((b) => b.current)?.name ?? null, local, remote };
  }

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
      await touch(id);
      return readStatus(dir);
    });
  }

  // ---- deleting ----

  async function remove(id: string, confirm: string | undefined): Promise<void> {
    const workspace = await requireWorkspace(id);
    if (confirm !== workspace.name) {
      throw new AppError(
        400,
        'confirmation_required',
        `Deleting removes the directory and everything in it. Confirm by repeating the workspace name: ?confirm=${encodeURIComponent(workspace.name)}`,
      );
    }
    // A clone in progress is cancelled first: the confirmation says the owner wants it gone.
    await queue.cancel(id);
    const release = acquire(id, 'delete');
    try {
      for (const hook of deletedHooks) await hook(id);
      deps.revokeCredentials?.(id);
      // Only `<root>/<owner>/<name>` itself, with its parent confined to the root; a symbolic link
      // in its place is removed, not followed.
      if (path.dirname(path.dirname(path.resolve(workspace.localPath))) !== path.resolve(root)) throw outsideWorkspaces();
      await ensureConfined(root, path.dirname(workspace.localPath));
      await files.remove(workspace.localPath);
      await files.remove(path.join(root, CLONES_DIR, id));
      await db.workspace.delete({ where: { id } });
      log.info({ workspaceId: id, name: workspace.name }, 'workspace deleted');
    } finally {
      release();
    }
  }

  // ---- environment variables ----

  async function listEnv(id: string): Promise<EnvVariableView[]> {
    await requireWorkspace(id);
    const rows = await db.workspaceEnvVar.findMany({ where: { workspaceId: id }, orderBy: { name: 'asc' } });
    return rows.map((row) => ({ name: row.name, value: row.isSecret ? null : row.value, secret: row.isSecret, updatedAt: row.updatedAt.toISOString() }));
  }

  async function setEnv(id: string, name: string, input: { value: string; secret: boolean }): Promise<EnvVariableView> {
    await requireWorkspace(id);
    const exists = await db.workspaceEnvVar.findUnique({ where: { workspaceId_name: { workspaceId: id, name } } });
    if (!exists && (await db.workspaceEnvVar.count({ where: { workspaceId: id } })) >= MAX_ENV_VARS) {
      throw new AppError(409, 'too_many_env_vars', `A workspace can have at most ${MAX_ENV_VARS} environment variables.`);
    }
    const data = input.secret
      ? { value: null, secretValue: vault.encrypt(input.value), isSecret: true }
      : { value: input.value, secretValue: null, isSecret: false };
    const row = await db.workspaceEnvVar.upsert({
      where: { workspaceId_name: { workspaceId: id, name } },
      create: { workspaceId: id, name, ...data },
      update: data,
    });
    return { name: row.name, value: row.isSecret ? null : row.value, secret: row.isSecret, updatedAt: row.updatedAt.toISOString() };
  }

  async function deleteEnv(id: string, name: string): Promise<void> {
    const { count } = await db.workspaceEnvVar.deleteMany({ where: { workspaceId: id, name } });
    if (count === 0) throw notFound(`The workspace has no variable ${name}.`);
  }

  /** What a terminal in the workspace starts with: its directory and its variables, secrets decrypted. */
  async function terminalContext(id: string): Promise<{ cwd: string; env: Record<string, string>; workspace: Workspace }> {
    const workspace = await requireWorkspace(id);
    const cwd = await requireReadyDir(workspace);
    const env: Record<string, string> = {};
    for (const row of await db.workspaceEnvVar.findMany({ where: { workspaceId: id } })) {
      if (!row.isSecret) {
        env[row.name] = row.value ?? '';
        continue;
      }
      const plain = row.secretValue ? vault.tryDecrypt(row.secretValue) : null;
      if (plain === null) log.warn({ workspaceId: id, variable: row.name }, 'a secret workspace variable cannot be decrypted; set it again');
      else env[row.name] = plain;
    }
    await touch(id);
    return { cwd, env, workspace };
  }

  // ---- lifecycle ----

  /** Start-up: clones cut short by a restart are marked failed and their partial directories removed. */
  async function recover(): Promise<void> {
    // The root first: with TERMINAL_USER it is made by (and belongs to) the shells' account.
    await files.mkdir(root);
    await files.remove(path.join(root, CLONES_DIR));
    const { count } = await db.workspace.updateMany({
      where: { cloneState: { in: ['pending', 'cloning'] } },
      data: { cloneState: 'error', cloneError: INTERRUPTED_MESSAGE },
    });
    if (count > 0) log.warn({ count }, 'clones interrupted by a restart were marked failed');
    await followMovedRoot();
  }

  /**
   * WORKSPACES_DIR changed and the directories were moved along (the upgrade to two accounts moves
   * them out of DATA_DIR, docs/deploy.md): a workspace whose directory is gone from its old place but
   * is at `<root>/<owner>/<name>` is pointed there.
   */
  async function followMovedRoot(): Promise<void> {
    for (const workspace of await db.workspace.findMany({ select: { id: true, name: true, localPath: true } })) {
      const moved = path.join(root, path.basename(path.dirname(workspace.localPath)), path.basename(workspace.localPath));
      if (moved === workspace.localPath || (await stat(workspace.localPath).catch(() => null))) continue;
      if (!(await stat(moved).catch(() => null))?.isDirectory()) continue;
      if (!(await ensureConfined(root, moved).then(() => true, () => false))) continue;
      await db.workspace.update({ where: { id: workspace.id }, data: { localPath: moved } });
      log.info({ workspaceId: workspace.id, name: workspace.name, from: workspace.localPath, to: moved }, 'workspace directory found under the new WORKSPACES_DIR');
    }
  }

  return {
    list: async () => views(await db.workspace.findMany({ orderBy: { createdAt: 'asc' } })),
    get: async (id: string) => (await views([await requireWorkspace(id)]))[0]!,
    create,
    retryClone,
    cancelClone,
    fetch,
    pull,
    status,
    branches,
    switchBranch,
    remove,
    listEnv,
    setEnv,
    deleteEnv,
    terminalContext,
    recover,
    /** Adds work to do when a workspace is deleted, in the order added; a hook that throws stops the deletion. */
    onWorkspaceDeleted(hook: WorkspaceDeletedHook): void {
      deletedHooks.push(hook);
    },
    /** Stops every git command, cancels every clone and waits for them (app shutdown; may be called twice). */
    close: async () => {
      closing = true;
      git.close();
      await queue.cancelAll();
    },
    freeBytes,
  };
}

export type WorkspaceService = ReturnType<typeof createWorkspaceService>;

/** A clone event's progress, as the workspace view shows it. */
function progressOf({ phase, percent, processed, total, received, rate }: CloneEvent): NonNullable<WorkspaceView['progress']> {
  return { phase, percent, processed, total, ...(received ? { received } : {}), ...(rate ? { rate } : {}) };
}
