import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBareRepo, gitTestEnv, runGit } from '../../fake-github/repos.js';
import { injectAsOwner } from '../../helpers/app.js';
import { OWNER, cloneReady, createWorkspace, ownerApp, shellEnvironment, useGitHubFixture, waitFor } from './helpers.js';

const github = useGitHubFixture();
let counter = 0;

/** A fresh private repository (main with two commits, feature with one), so tests can push to it freely. */
async function newRepo(): Promise<{ name: string; bare: string }> {
  counter += 1;
  const name = `repo-${counter}`;
  const bare = await createBareRepo(path.join(github.fixtures, `${name}.git`), { branches: { main: ['first', 'second'], feature: ['feature work'] } });
  github.fake.addRepo({ owner: OWNER, name, private: true, bare: bare.path });
  return { name, bare: bare.path };
}

const AUTHOR = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid'];

async function mustGit(args: string[], cwd?: string) {
  const result = await runGit(args, { cwd, env: gitTestEnv() });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Someone else pushes a commit to `branch` of the bare repository. */
async function pushUpstream(bare: string, branch: string, file: string, content: string) {
  const dir = mkdtempSync(path.join(github.fixtures, 'upstream-'));
  await mustGit(['clone', '--quiet', '--branch', branch, '--', bare, dir]);
  writeFileSync(path.join(dir, file), content);
  await mustGit(['add', '--', file], dir);
  await mustGit([...AUTHOR, 'commit', '--quiet', '-m', `upstream ${file}`], dir);
  await mustGit(['push', '--quiet', 'origin', `HEAD:${branch}`], dir);
  rmSync(dir, { recursive: true, force: true });
}

async function commitLocally(dir: string, file: string, content: string) {
  writeFileSync(path.join(dir, file), content);
  await mustGit(['add', '--', file], dir);
  await mustGit([...AUTHOR, 'commit', '--quiet', '-m', `local ${file}`], dir);
}

const head = (dir: string) => mustGit(['rev-parse', 'HEAD'], dir).then((out) => out.trim());

describe('workspace git operations', () => {
  it('fetches and pulls fast-forward, updating lastSyncAt, and refuses a pull that cannot fast-forward', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
    const firstSync = (await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}` })).json().workspace.lastSyncAt;
    expect(firstSync).not.toBeNull();

    await pushUpstream(repo.bare, 'main', 'upstream-1.txt', 'one\n');
    owner.clock.advance(60_000);
    const fetched = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/fetch` });
    expect(fetched.statusCode, fetched.body).toBe(200);
    expect(fetched.json().status).toMatchObject({ branch: 'main', upstream: 'origin/main', ahead: 0, behind: 1, changedFiles: 0 });
    const afterFetch = (await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}` })).json().workspace.lastSyncAt;
    expect(new Date(afterFetch).getTime()).toBe(new Date(firstSync).getTime() + 60_000);

    const pulled = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/pull` });
    expect(pulled.statusCode, pulled.body).toBe(200);
    expect(pulled.json().status).toMatchObject({ branch: 'main', ahead: 0, behind: 0 });
    expect(readFileSync(path.join(workspace.localPath, 'upstream-1.txt'), 'utf8')).toBe('one\n');

    // Diverged: a local commit and a new upstream commit.
    await commitLocally(workspace.localPath, 'local.txt', 'mine\n');
    await pushUpstream(repo.bare, 'main', 'upstream-2.txt', 'two\n');
    const before = await head(workspace.localPath);
    const refused = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/pull` });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('pull_not_fast_forward');
    expect(refused.json().error.message).toMatch(/cannot be fast-forwarded\. Open a terminal in the workspace to merge or rebase/);
    expect(await head(workspace.localPath)).toBe(before);
    const status = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/status` });
    expect(status.json().status).toMatchObject({ ahead: 1, behind: 1 });
    expect(owner.logText()).not.toContain(await owner.token());
  }, 60_000);

  it('lists branches and switches to a local or remote-only branch; refuses unknown and invalid names', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);

    const branches = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/branches` });
    expect(branches.statusCode).toBe(200);
    expect(branches.json().current).toBe('main');
    expect(branches.json().local.map((b: { name: string }) => b.name)).toEqual(['main']);
    expect(branches.json().local[0]).toMatchObject({ upstream: 'origin/main', current: true });
    expect(branches.json().remote.map((b: { name: string }) => b.name).sort()).toEqual(['feature', 'main']);

    const switched = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/switch`, payload: { branch: 'feature' } });
    expect(switched.statusCode, switched.body).toBe(200);
    expect(switched.json().status).toMatchObject({ branch: 'feature', upstream: 'origin/feature', behind: 0, ahead: 0 });
    expect(existsSync(path.join(workspace.localPath, 'notes', 'feature-1.txt'))).toBe(true);
    const back = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/switch`, payload: { branch: 'main' } });
    expect(back.json().status.branch).toBe('main');
    expect(existsSync(path.join(workspace.localPath, 'notes', 'feature-1.txt'))).toBe(false);

    const unknown = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/switch`, payload: { branch: 'nope' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('branch_not_found');
    for (const branch of ['--orphan=x', '-f', 'a..b', 'x/.hidden', 'feature.lock', 'a b', 'x~1', '@{-1}', '']) {
      const bad = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/switch`, payload: { branch } });
      expect(bad.statusCode, branch).toBe(400);
      expect(bad.json().error.code).toBe('validation_failed');
    }
    expect((await runGit(['branch', '--list'], { cwd: workspace.localPath, env: gitTestEnv() })).stdout).not.toMatch(/orphan|^\s*x$/m);
  }, 60_000);

  it('counts changed, staged and untracked files in the status', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
    const clean = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/status` });
    expect(clean.json().status).toMatchObject({ branch: 'main', detached: false, changedFiles: 0, staged: 0, modified: 0, untracked: 0 });
    expect(clean.json().status.commit).toMatch(/^[0-9a-f]{40}$/);

    writeFileSync(path.join(workspace.localPath, 'README.md'), 'edited\n');
    writeFileSync(path.join(workspace.localPath, 'new-a.txt'), 'a\n');
    writeFileSync(path.join(workspace.localPath, 'staged.txt'), 's\n');
    await mustGit(['add', '--', 'staged.txt'], workspace.localPath);
    const dirty = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/status` });
    expect(dirty.json().status).toMatchObject({ changedFiles: 3, staged: 1, modified: 1, untracked: 1, conflicted: 0 });
  }, 60_000);

  it('runs one git operation per workspace at a time: the others get 409 workspace_busy', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
    const results = await Promise.all([
      owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/fetch` }),
      owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/pull` }),
      owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/switch`, payload: { branch: 'feature' } }),
    ]);
    const codes = results.map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409, 409]);
    for (const busy of results.filter((r) => r.statusCode === 409)) {
      expect(busy.json().error.code).toBe('workspace_busy');
      expect(busy.json().error.message).toMatch(/Another git operation \((fetch|pull|switch branch)\) is running on this workspace; wait for it to finish/);
    }
    // Once it is done, the next operation runs.
    const next = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/pull` });
    expect(next.statusCode, next.body).toBe(200);
  }, 60_000);

  it('creates from a pasted GitHub URL and refuses a second workspace for the same repository', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const created = await createWorkspace(owner, { url: `${github.fake.url}/${OWNER}/${repo.name}.git` });
    expect(created.statusCode, created.body).toBe(202);
    expect(created.json().workspace).toMatchObject({ name: `${OWNER}/${repo.name}`, githubRepo: `${OWNER}/${repo.name}` });
    const again = await createWorkspace(owner, { repo: `${OWNER}/${repo.name.toUpperCase()}` });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'workspace_exists', details: { workspaceId: created.json().workspace.id } });
    await waitFor(async () => {
      const w = (await owner.call({ method: 'GET', url: `/api/workspaces/${created.json().workspace.id}` })).json().workspace;
      return w.cloneState === 'ready' || undefined;
    }, 'the clone');
  }, 60_000);

  it('keeps per-workspace variables (secrets encrypted) and gives them to the terminals of the workspace', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
    const put = (name: string, payload: Record<string, unknown>) => owner.call({ method: 'PUT', url: `/api/workspaces/${workspace.id}/env/${name}`, payload });
    expect((await put('NODE_ENV', { value: 'development' })).statusCode).toBe(200);
    const secret = await put('API_KEY', { value: 'sk-very-secret-value', secret: true });
    expect(secret.statusCode).toBe(200);
    expect(secret.json().variable).toMatchObject({ name: 'API_KEY', value: null, secret: true });

    for (const [name, body] of [
      ['1BAD', { value: 'x' }],
      ['SHELLPORT_CREDENTIAL_SECRET', { value: 'x' }],
      ['GIT_CONFIG_COUNT', { value: '9' }],
      ['OK', { value: 'a\u0000b' }],
      ['OK', { value: 'x', extra: true }],
    ] as const) {
      const bad = await put(name, body);
      expect(bad.statusCode, name).toBe(400);
    }

    const listed = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/env` });
    expect(listed.json().variables.map((v: { name: string; value: string | null; secret: boolean }) => [v.name, v.value, v.secret])).toEqual([
      ['API_KEY', null, true],
      ['NODE_ENV', 'development', false],
    ]);
    const row = await owner.app.db.workspaceEnvVar.findFirstOrThrow({ where: { name: 'API_KEY' } });
    expect(row.value).toBeNull();
    expect(row.secretValue).toMatch(/^v1:/);
    expect(row.secretValue).not.toContain('sk-very-secret-value');
    expect(listed.body).not.toContain('sk-very-secret-value');

    const terminal = await owner.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' });
    const environ = await shellEnvironment(terminal.pid!);
    expect(environ).toMatchObject({ API_KEY: 'sk-very-secret-value', NODE_ENV: 'development' });
    expect(readFileSync(`/proc/${terminal.pid}/cwd/README.md`, 'utf8')).toContain('#');
    const sessionRow = await owner.app.db.terminal.findUniqueOrThrow({ where: { id: terminal.id } });
    expect(sessionRow.env).not.toContain('sk-very-secret-value');
    expect(owner.logText()).not.toContain('sk-very-secret-value');

    expect((await owner.call({ method: 'DELETE', url: `/api/workspaces/${workspace.id}/env/NODE_ENV` })).statusCode).toBe(204);
    expect((await owner.call({ method: 'DELETE', url: `/api/workspaces/${workspace.id}/env/NODE_ENV` })).statusCode).toBe(404);
  }, 60_000);

  it('shows active while terminals run, idle after, archived after WORKSPACE_ARCHIVE_DAYS without activity', async () => {
    const owner = await ownerApp(github.fake, { WORKSPACE_ARCHIVE_DAYS: '30' });
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
    // A new sign-in per call: the clock moves past the session lifetime.
    const statusOf = async () => (await injectAsOwner(owner.app, { method: 'GET', url: '/api/workspaces' })).json().workspaces.find((w: { id: string }) => w.id === workspace.id);
    expect(await statusOf()).toMatchObject({ status: 'idle', activeTerminals: 0 });

    const terminal = await owner.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' });
    owner.clock.advance(40 * 86_400_000);
    expect(await statusOf()).toMatchObject({ status: 'active', activeTerminals: 1 });
    await owner.app.terminals.kill(terminal.id);
    // The terminal ran until now: that was activity.
    const afterTerminal = await statusOf();
    expect(afterTerminal).toMatchObject({ status: 'idle', activeTerminals: 0, lastActivityAt: owner.clock.now().toISOString() });
    owner.clock.advance(29 * 86_400_000);
    expect((await statusOf()).status).toBe('idle');
    owner.clock.advance(2 * 86_400_000);
    expect((await statusOf()).status).toBe('archived');

    // Any activity (a fetch) brings it back.
    expect((await injectAsOwner(owner.app, { method: 'POST', url: `/api/workspaces/${workspace.id}/fetch` })).statusCode).toBe(200);
    const fresh = await statusOf();
    expect(fresh).toMatchObject({ status: 'idle', lastActivityAt: owner.clock.now().toISOString() });
  }, 60_000);

  it('deletes only with the name as confirmation: ends its terminals, removes the directory, the records and the terminals\' output', async () => {
    const owner = await ownerApp(github.fake);
    const repo = await newRepo();
    const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
    const terminal = await owner.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' });
    expect(terminal.pid).toBeGreaterThan(0);
    // The shell's prompt reaches the terminal's scrollback files.
    const scrollback = path.join(owner.config.storage.scrollbackDir, terminal.id);
    await waitFor(() => existsSync(scrollback), 'the terminal output on disk');

    for (const url of [`/api/workspaces/${workspace.id}`, `/api/workspaces/${workspace.id}?confirm=wrong`]) {
      const refused = await owner.call({ method: 'DELETE', url });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.code).toBe('confirmation_required');
    }
    expect(existsSync(workspace.localPath)).toBe(true);

    const deleted = await owner.call({ method: 'DELETE', url: `/api/workspaces/${workspace.id}?confirm=${encodeURIComponent(workspace.name)}` });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(existsSync(workspace.localPath)).toBe(false);
    expect(await owner.app.db.workspace.findUnique({ where: { id: workspace.id } })).toBeNull();
    expect(await owner.app.db.terminal.findUnique({ where: { id: terminal.id } })).toBeNull();
    expect(existsSync(scrollback)).toBe(false);
    await waitFor(() => {
      try {
        process.kill(terminal.pid!, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 'the shell to end');
    expect((await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}` })).statusCode).toBe(404);
    // The repository can be cloned again afterwards.
    await cloneReady(owner, `${OWNER}/${repo.name}`);
  }, 60_000);
});

describe('the workspaces API', () => {
  it('needs a signed-in session on every route', async () => {
    const owner = await ownerApp(github.fake);
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, url] of [
      ['GET', '/api/workspaces'],
      ['POST', '/api/workspaces'],
      ['GET', '/api/workspaces/events'],
      ['GET', `/api/workspaces/${id}`],
      ['GET', `/api/workspaces/${id}/events`],
      ['DELETE', `/api/workspaces/${id}?confirm=x`],
      ['POST', `/api/workspaces/${id}/fetch`],
      ['POST', `/api/workspaces/${id}/pull`],
      ['POST', `/api/workspaces/${id}/cancel`],
      ['POST', `/api/workspaces/${id}/clone`],
      ['POST', `/api/workspaces/${id}/switch`],
      ['GET', `/api/workspaces/${id}/status`],
      ['GET', `/api/workspaces/${id}/branches`],
      ['GET', `/api/workspaces/${id}/env`],
      ['PUT', `/api/workspaces/${id}/env/A`],
      ['DELETE', `/api/workspaces/${id}/env/A`],
      ['GET', '/api/github/repos'],
    ] as const) {
      const response = await owner.app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
    const missing = await owner.call({ method: 'GET', url: `/api/workspaces/${id}` });
    expect(missing.statusCode).toBe(404);
  });
});

