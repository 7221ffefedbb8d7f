import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBareRepo, createLargeBareRepo, gitTestEnv, runGit } from '../../fake-github/repos.js';
import { buildApp } from '../../../src/app.js';
import { makeTempDir, signInAsOwner, testConfig } from '../../helpers/app.js';
import { OWNER, createWorkspace, listen, openEventStream, ownerApp, useGitHubFixture, waitFor, waitForClone } from './helpers.js';

const github = useGitHubFixture();

beforeAll(async () => {
  const small = await createBareRepo(path.join(github.fixtures, 'hello.git'), { branches: { main: ['first', 'second'], feature: ['feature work'] } });
  const large = await createLargeBareRepo(path.join(github.fixtures, 'big.git'), { megabytes: 20, files: 400, commits: 4 });
  github.fake.addRepo({ owner: OWNER, name: 'hello', private: true, bare: small.path });
  github.fake.addRepo({ owner: OWNER, name: 'big', private: true, bare: large.path });
  // Known to the API, but git has nothing to serve: the clone itself fails.
  github.fake.addRepo({ owner: OWNER, name: 'ghost', private: true });
}, 60_000);

/** Command lines of running processes that mention `needle` (what any local user can read). */
function commandLinesMentioning(needle: string): string[] {
  const lines: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(needle)) lines.push(cmdline);
    } catch {
      // the process ended
    }
  }
  return lines;
}

describe('cloning a workspace', () => {
  it('ends a clone event stream when the sign-in it was opened under ends, and not another one', async () => {
    const owner = await ownerApp(github.fake);
    const baseUrl = await listen(owner.app);
    const second = await signInAsOwner(owner.app);
    const stream = await openEventStream(baseUrl, '/api/workspaces/events', owner.cookie);
    const other = await openEventStream(baseUrl, '/api/workspaces/events', second);
    const signedOut = await owner.call({ method: 'POST', url: '/auth/logout', headers: { origin: baseUrl, host: new URL(baseUrl).host } });
    expect(signedOut.statusCode).toBeLessThan(400);
    await waitFor(() => stream.ended(), 'the signed-out stream to end', 5_000);
    expect(other.ended()).toBe(false);
    other.close();
  });

  it('clones a private repository with the token, streams progress to 100 %, and leaves the token nowhere', async () => {
    const owner = await ownerApp(github.fake);
    const token = await owner.token();
    const base64 = Buffer.from(`x-access-token:${token}`).toString('base64');
    const baseUrl = await listen(owner.app);
    const stream = await openEventStream(baseUrl, '/api/workspaces/events', owner.cookie);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    const created = await createWorkspace(owner, { repo: `${OWNER}/big` });
    expect(created.statusCode, created.body).toBe(202);
    const workspace = created.json().workspace;
    expect(workspace).toMatchObject({ name: `${OWNER}/big`, githubRepo: `${OWNER}/big`, cloneUrl: `${github.fake.url}/${OWNER}/big.git` });
    expect(['pending', 'cloning']).toContain(workspace.cloneState);

    // While git runs, its command lines (readable by every local user) must not carry the token.
    const seen = new Set<string>();
    let metricSeen = 0;
    await waitFor(
      async () => {
        for (const line of commandLinesMentioning(`${OWNER}/big`)) seen.add(line);
        metricSeen = Math.max(metricSeen, ((await owner.app.metrics.clonesInProgress.get()).values[0]?.value ?? 0));
        return stream.events.some((event) => event.workspaceId === workspace.id && event.state === 'ready') || undefined;
      },
      'the clone to finish',
      60_000,
    );
    expect([...seen].some((line) => line.includes('git'))).toBe(true);
    for (const line of seen) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(base64);
    }
    expect(metricSeen).toBe(1);
    stream.close();

    // Progress events: ordered within each phase, receiving before resolving, ending at 100 % ready.
    const events = stream.events.filter((event) => event.workspaceId === workspace.id);
    expect(events[0]).toMatchObject({ phase: 'queued', state: 'pending' });
    const receiving = events.filter((event) => event.phase === 'receiving');
    expect(receiving.length).toBeGreaterThan(3);
    for (let i = 1; i < receiving.length; i++) expect(receiving[i]!.percent).toBeGreaterThanOrEqual(receiving[i - 1]!.percent);
    expect(receiving.at(-1)!.percent).toBe(100);
    expect(receiving[0]!.total).toBeGreaterThan(0);
    const lastReceiving = events.lastIndexOf(receiving.at(-1)!);
    const firstResolving = events.findIndex((event) => event.phase === 'resolving');
    if (firstResolving >= 0) expect(firstResolving).toBeGreaterThan(events.indexOf(receiving[0]!));
    expect(lastReceiving).toBeLessThan(events.length - 1);
    expect(events.at(-1)).toMatchObject({ phase: 'done', percent: 100, state: 'ready' });
    for (const event of events) expect(Object.keys(event).sort()).toEqual(expect.arrayContaining(['percent', 'phase', 'processed', 'state', 'total', 'workspaceId']));

    const ready = await waitForClone(owner, workspace.id);
    expect(ready).toMatchObject({ cloneState: 'ready', cloneError: null, defaultBranch: 'main', status: 'idle' });
    expect(ready.localPath).toBe(path.join(owner.dataDir, 'workspaces', OWNER, 'big'));
    expect(existsSync(path.join(ready.localPath, 'README.md'))).toBe(true);
    expect((await owner.app.metrics.clonesInProgress.get()).values[0]?.value).toBe(0);

    // Not in .git/config, not in the remote URL, not in a log line.
    const gitConfig = readFileSync(path.join(ready.localPath, '.git', 'config'), 'utf8');
    expect(gitConfig).toContain(`${github.fake.url}/${OWNER}/big.git`);
    for (const secret of [token, base64]) {
      expect(gitConfig).not.toContain(secret);
      expect(owner.logText()).not.toContain(secret);
    }
    expect(gitConfig).not.toMatch(/extraheader|authorization/i);
    const remotes = await runGit(['remote', '-v'], { cwd: ready.localPath, env: gitTestEnv() });
    expect(remotes.stdout).toContain(`origin\t${github.fake.url}/${OWNER}/big.git (fetch)`);
    expect(remotes.stdout).not.toContain(token);
    expect(existsSync(path.join(owner.dataDir, 'workspaces', '.clones', workspace.id))).toBe(false);

    // The git traffic carried the token as Basic auth in a header, never in a URL.
    const gitRequests = github.fake.requests.filter((request) => request.path.startsWith(`/${OWNER}/big`));
    expect(gitRequests.length).toBeGreaterThan(0);
    for (const request of gitRequests) {
      expect(request.url).not.toContain(token);
      expect(request.headers.authorization).toBe(`Basic ${base64}`);
    }

    // The per-workspace stream of a finished clone sends its final state and ends.
    const again = await openEventStream(baseUrl, `/api/workspaces/${workspace.id}/events`, owner.cookie);
    const finalEvents = await again.until((event) => event.state === 'ready', 5000);
    expect(finalEvents).toEqual([{ workspaceId: workspace.id, phase: 'done', percent: 100, processed: 0, total: 0, state: 'ready' }]);
    again.close();
  }, 90_000);

  it('queues clones beyond CLONE_CONCURRENCY, and cancelling (queued or mid-clone) leaves nothing behind', async () => {
    const owner = await ownerApp(github.fake, { CLONE_CONCURRENCY: '1' });
    const baseUrl = await listen(owner.app);
    const stream = await openEventStream(baseUrl, '/api/workspaces/events', owner.cookie);
    const big = (await createWorkspace(owner, { repo: `${OWNER}/big` })).json().workspace;
    const small = (await createWorkspace(owner, { repo: `${OWNER}/hello` })).json().workspace;
    const bigOnly = await openEventStream(baseUrl, `/api/workspaces/${big.id}/events`, owner.cookie);
    await stream.until((event) => event.workspaceId === big.id && event.phase === 'receiving' && event.percent > 0);
    // One clone at a time: the second waits in the queue.
    const waiting = (await owner.call({ method: 'GET', url: `/api/workspaces/${small.id}` })).json().workspace;
    expect(waiting.cloneState).toBe('pending');
    expect(waiting.progress).toMatchObject({ phase: 'queued' });

    // The clone holds the workspace: no other git operation meanwhile.
    const busy = await owner.call({ method: 'POST', url: `/api/workspaces/${big.id}/fetch` });
    expect(busy.statusCode).toBe(409);
    expect(busy.json().error).toMatchObject({ code: 'workspace_busy', message: expect.stringContaining('(clone)') });

    const cancelQueued = await owner.call({ method: 'POST', url: `/api/workspaces/${small.id}/cancel` });
    expect(cancelQueued.statusCode, cancelQueued.body).toBe(200);
    expect(cancelQueued.json().workspace).toMatchObject({ cloneState: 'error', cloneError: 'Clone cancelled.' });

    const cancelRunning = await owner.call({ method: 'POST', url: `/api/workspaces/${big.id}/cancel` });
    expect(cancelRunning.statusCode, cancelRunning.body).toBe(200);
    expect(cancelRunning.json().workspace).toMatchObject({ cloneState: 'error', cloneError: 'Clone cancelled.' });
    await stream.until((event) => event.workspaceId === big.id && event.state === 'error');
    expect(stream.events.filter((event) => event.workspaceId === big.id).at(-1)).toMatchObject({ phase: 'cancelled', state: 'error', message: 'Clone cancelled.' });
    stream.close();
    // The workspace's own stream carried only its events and ended with the cancellation.
    await bigOnly.until((event) => event.state === 'error');
    await waitFor(() => bigOnly.ended() || undefined, 'the per-workspace stream to end');
    expect(bigOnly.events.every((event) => event.workspaceId === big.id)).toBe(true);
    expect(bigOnly.events.at(-1)).toMatchObject({ phase: 'cancelled', message: 'Clone cancelled.' });

    const root = path.join(owner.dataDir, 'workspaces');
    expect(existsSync(big.localPath)).toBe(false);
    expect(existsSync(small.localPath)).toBe(false);
    expect(existsSync(path.join(root, '.clones', big.id))).toBe(false);
    // No git process of the cancelled clone is left running.
    await waitFor(() => commandLinesMentioning(path.join(root, '.clones', big.id)).length === 0 || undefined, 'git to exit');
    expect((await owner.app.metrics.clonesInProgress.get()).values[0]?.value).toBe(0);

    // Cancelling again: nothing to cancel. Retrying: clones again.
    const none = await owner.call({ method: 'POST', url: `/api/workspaces/${small.id}/cancel` });
    expect(none.statusCode).toBe(409);
    expect(none.json().error.code).toBe('no_clone_running');
    const retry = await owner.call({ method: 'POST', url: `/api/workspaces/${small.id}/clone` });
    expect(retry.statusCode, retry.body).toBe(202);
    expect((await waitForClone(owner, small.id)).cloneState).toBe('ready');
  }, 90_000);

  it('gives clear errors for a missing repository, a repository git cannot serve, and a revoked token', async () => {
    const owner = await ownerApp(github.fake);
    const missing = await createWorkspace(owner, { repo: `${OWNER}/does-not-exist` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ code: 'repository_not_found' });
    expect(missing.json().error.message).toMatch(/not found on GitHub, or your account cannot see it/);
    expect(await owner.app.db.workspace.count()).toBe(0);

    const ghost = await createWorkspace(owner, { repo: `${OWNER}/ghost` });
    expect(ghost.statusCode, ghost.body).toBe(202);
    const failed = await waitForClone(owner, ghost.json().workspace.id);
    expect(failed.cloneState).toBe('error');
    expect(failed.cloneError).toMatch(/^Clone failed: the repository does not exist, or your GitHub token cannot read it/);
    expect(existsSync(failed.localPath)).toBe(false);
    expect(readdirSync(path.join(owner.dataDir, 'workspaces', '.clones'))).toEqual([]);
    const token = await owner.token();
    expect(failed.cloneError).not.toContain(token);
    expect(failed.cloneError).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));

    github.fake.revokeToken(token);
    const revoked = await createWorkspace(owner, { repo: `${OWNER}/hello` });
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json().error.code).toBe('github_reauth_required');
    expect(revoked.json().error.message).toMatch(/sign in with GitHub again/);
    expect(owner.logText()).not.toContain(token);
  }, 60_000);

  it('refuses a clone when free disk space is below MIN_FREE_DISK_MB, saying how much is free', async () => {
    const owner = await ownerApp(github.fake, { MIN_FREE_DISK_MB: '10000000' });
    const response = await createWorkspace(owner, { repo: `${OWNER}/hello` });
    expect(response.statusCode).toBe(507);
    const error = response.json().error;
    expect(error.code).toBe('insufficient_disk_space');
    expect(error.message).toMatch(/\d+ MB free in .*workspaces, at least 10000000 MB required \(MIN_FREE_DISK_MB\)/);
    expect(error.details.freeBytes).toBeGreaterThan(0);
    expect(await owner.app.db.workspace.count()).toBe(0);
  });

  it('marks clones cut short by a restart as failed and removes their partial directories at start-up', async () => {
    const dataDir = makeTempDir();
    const config = testConfig({}, dataDir);
    const quiet = () => new Writable({ write: (_chunk, _encoding, done) => done() });
    const first = await buildApp({ config, logStream: quiet() });
    const row = await first.db.workspace.create({
      data: { name: 'x/y', cloneUrl: 'https://example.com/x/y.git', localPath: path.join(dataDir, 'workspaces', 'x', 'y'), cloneState: 'cloning' },
    });
    await first.close();
    const partial = path.join(dataDir, 'workspaces', '.clones', row.id);
    mkdirSync(partial, { recursive: true });
    writeFileSync(path.join(partial, 'half'), 'written');

    const second = await buildApp({ config, logStream: quiet() });
    try {
      const after = await second.db.workspace.findUniqueOrThrow({ where: { id: row.id } });
      expect(after).toMatchObject({ cloneState: 'error', cloneError: 'The server restarted during the clone; clone it again.' });
      expect(existsSync(partial)).toBe(false);
    } finally {
      await second.close();
    }
  });
});
