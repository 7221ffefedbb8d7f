// A GitHub that accepts connections and never answers (issue 18): every call to it has
// GITHUB_TIMEOUT_MS, the API answers 504 github_timeout naming GitHub within it, and closing the
// app ends the calls still waiting instead of waiting for them.
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createBareRepo } from '../../fake-github/repos.js';
import { type TestClock } from '../../helpers/app.js';
import { OWNER, cloneReady, createWorkspace, listen, ownerApp, useGitHubFixture, waitFor, waitForClone } from '../workspaces/helpers.js';

// The fake's clock follows the app of the running test (token expiry).
const clockRef: { clock?: TestClock } = {};
const github = useGitHubFixture({ tokenKind: 'github-app', clock: { now: () => clockRef.clock?.now() ?? new Date() } });

beforeAll(async () => {
  const bare = await createBareRepo(path.join(github.fixtures, 'hello.git'), { branches: { main: ['first', 'second'] } });
  github.fake.addRepo({ owner: OWNER, name: 'hello', private: true, bare: bare.path });
  github.fake.addRepo({ owner: OWNER, name: 'again', private: true, bare: bare.path });
});

/** Calls `request` and says how long the answer took. */
async function timed<T>(request: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await request();
  return { result, ms: Date.now() - started };
}

const requestsTo = (pathname: string) => github.fake.requests.filter((request) => request.path === pathname).length;

describe('a GitHub that never answers', () => {
  it('gets the repository list and a new workspace a 504 naming GitHub within GITHUB_TIMEOUT_MS, without retrying past it', async () => {
    // The least GITHUB_TIMEOUT_MS there is: every call below waits it out.
    const owner = await ownerApp(github.fake, { GITHUB_TIMEOUT_MS: '500' }, clockRef);
    github.fake.setHang({ scopes: ['api'] });
    try {
      const listsBefore = requestsTo('/api/v3/user/repos');
      const lookupsBefore = requestsTo(`/api/v3/repos/${OWNER}/hello`);
      // The connection check (its deadline capped at GITHUB_TIMEOUT_MS) and then the list itself.
      const list = await timed(() => owner.call({ method: 'GET', url: '/api/github/repos?refresh=true' }));
      expect(list.result.statusCode, list.result.body).toBe(504);
      expect(list.result.json().error).toMatchObject({ code: 'github_timeout', message: expect.stringMatching(/^GitHub did not answer within 0\.5 s; try again/) });
      expect(list.ms).toBeLessThan(4_000);

      const created = await timed(() => createWorkspace(owner, { repo: `${OWNER}/hello` }));
      expect(created.result.statusCode, created.result.body).toBe(504);
      expect(created.result.json().error.code).toBe('github_timeout');
      expect(created.ms).toBeLessThan(3_000);
      expect(await owner.app.db.workspace.count()).toBe(0);

      // One request each, abandoned at the deadline: octokit's retries do not go on behind the answer.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(requestsTo('/api/v3/user/repos') - listsBefore).toBe(1);
      expect(requestsTo(`/api/v3/repos/${OWNER}/hello`) - lookupsBefore).toBe(1);
      // Shellport gave up on them: nothing is left waiting at GitHub.
      // (A failure names the requests still held.)
      await vi.waitFor(() => expect(github.fake.heldRequests.map((request) => `${request.method} ${request.path}`)).toEqual([]), { timeout: 5_000, interval: 25 });
    } finally {
      github.fake.setHang(null);
    }
  });

  it('waits for a GitHub that is slow but answers within the deadline', async () => {
    const owner = await ownerApp(github.fake, { GITHUB_TIMEOUT_MS: '5000' }, clockRef);
    github.fake.setHang({ scopes: ['api'], afterMs: 300 });
    try {
      const list = await owner.call({ method: 'GET', url: '/api/github/repos?refresh=true' });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().repositories.map((repo: { fullName: string }) => repo.fullName)).toContain(`${OWNER}/hello`);
      expect(github.fake.requests.some((request) => request.path === '/api/v3/user/repos' && request.held && request.status === 200)).toBe(true);
    } finally {
      github.fake.setHang(null);
    }
  });

  it('gives up on a token renewal GitHub does not answer', async () => {
    const owner = await ownerApp(github.fake, { GITHUB_TIMEOUT_MS: '500' }, clockRef);
    github.fake.setHang({ scopes: ['sign-in'] });
    try {
      owner.clock.advance(8 * 3_600_000);
      const created = await timed(() => createWorkspace(owner, { repo: `${OWNER}/hello` }));
      expect(created.result.statusCode, created.result.body).toBe(504);
      expect(created.result.json().error.code).toBe('github_timeout');
      expect(created.ms).toBeLessThan(3_000);
      expect(github.fake.requests.at(-1)).toMatchObject({ path: '/login/oauth/access_token', held: true });
      // Shellport hung up: GitHub never gets to use the refresh token it was sent.
      await waitFor(() => github.fake.heldRequests.length === 0, 'the abandoned renewal to close', 5_000);
    } finally {
      github.fake.setHang(null);
    }
    // Not a refusal: the stored tokens stay, and the renewal works once GitHub answers.
    await expect(owner.app.github.getAccessToken()).resolves.toMatch(/^ghu_/);
  });

  it('stops a clone, fetch or pull whose git transfer stalls, naming GitHub', async () => {
    // Not shorter: git's low-speed time (http.lowSpeedTime) is whole seconds.
    const owner = await ownerApp(github.fake, { GITHUB_TIMEOUT_MS: '1000' }, clockRef);
    const workspace = await cloneReady(owner, `${OWNER}/hello`);
    github.fake.setHang({ scopes: ['git'] });
    try {
      for (const action of ['fetch', 'pull'] as const) {
        const response = await timed(() => owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/${action}` }));
        expect(response.result.statusCode, response.result.body).toBe(504);
        const label = action === 'fetch' ? 'Fetch' : 'Pull';
        expect(response.result.json().error).toMatchObject({ code: 'github_timeout', message: expect.stringMatching(new RegExp(`^${label} failed: GitHub did not answer within 1 s`)) });
        expect(response.ms).toBeLessThan(6_000);
      }

      const created = await createWorkspace(owner, { repo: `${OWNER}/again` });
      expect(created.statusCode, created.body).toBe(202);
      const failed = await waitForClone(owner, created.json().workspace.id, 10_000);
      expect(failed.cloneState).toBe('error');
      expect(failed.cloneError).toMatch(/^Clone failed: GitHub did not answer within 1 s/);
      await waitFor(() => github.fake.heldRequests.length === 0, 'git to hang up', 5_000);
    } finally {
      github.fake.setHang(null);
    }
  }, 60_000);

  it('ends the calls still waiting when the app closes, instead of waiting for them', async () => {
    const owner = await ownerApp(github.fake, { GITHUB_TIMEOUT_MS: '120000' }, clockRef);
    const workspace = await cloneReady(owner, `${OWNER}/hello`);
    const baseUrl = await listen(owner.app);
    github.fake.setHang({});
    try {
      const headers = { cookie: owner.cookie, origin: baseUrl };
      const list = fetch(`${baseUrl}/api/github/repos?refresh=true`, { headers });
      const fetched = fetch(`${baseUrl}/api/workspaces/${workspace.id}/fetch`, { method: 'POST', headers });
      await waitFor(
        () => github.fake.heldRequests.some((r) => r.path === '/api/v3/user/repos') && github.fake.heldRequests.some((r) => r.path.endsWith('/info/refs')),
        'both calls to reach GitHub',
        10_000,
      );
      const closed = await timed(() => owner.app.close());
      expect(closed.ms).toBeLessThan(5_000);
      for (const response of [await list, await fetched]) {
        expect(response.status).toBe(503);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('server_shutting_down');
      }
    } finally {
      github.fake.setHang(null);
    }
  }, 30_000);
});
