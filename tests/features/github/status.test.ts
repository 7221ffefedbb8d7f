// One GitHub status (issue 16): GET /api/me says what GitHub itself answers about the stored token,
// with a short cache and a deadline, and the repository list agrees with it.
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOwnerIdentity } from '../../../src/features/auth/owner-identity.js';
import { createGitHubAccess } from '../../../src/features/github/access.js';
import { closeFakeGitHubs, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { createBareRepo } from '../../fake-github/repos.js';
import { buildTestApp, makeTempDir, type TestApp, type TestClock } from '../../helpers/app.js';
import { fakeGitHubEnv, signInWithGitHub } from '../../helpers/github-sign-in.js';
import { cloneReady, OWNER, ownerApp } from '../workspaces/helpers.js';

const fakes: FakeGitHub[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await closeFakeGitHubs(fakes);
});

async function connectedApp(tokenKind: 'oauth-app' | 'github-app', env: Record<string, string> = {}): Promise<TestApp & { fake: FakeGitHub; cookie: string }> {
  let appClock: TestClock | undefined;
  const fake = await startFakeGitHub({ tokenKind, clock: { now: () => appClock?.now() ?? new Date() } });
  fakes.push(fake);
  fake.addUser({ login: 'owner', id: 1001 });
  fake.addRepo({ owner: 'owner', name: 'project' });
  const testApp = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', ...env }));
  appClock = testApp.clock;
  const { cookie } = await signInWithGitHub(testApp.app, fake, 'owner');
  return { ...testApp, fake, cookie: cookie! };
}

const storedToken = async (testApp: TestApp) => {
  const settings = await testApp.app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
  return settings.githubAccessToken ? testApp.app.vault.decrypt(settings.githubAccessToken) : null;
};
const stateOf = (testApp: TestApp & { cookie: string }) =>
  testApp.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: testApp.cookie } }).then((r) => r.json().github.state as string);
const checks = (fake: FakeGitHub) => fake.requests.filter((r) => r.path === '/api/v3/rate_limit').length;

/** A TCP server that accepts connections and never answers: GitHub hanging. */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v3`;
}

describe('the GitHub connection status', () => {
  it('says "needs renewal" once GitHub stops accepting the token, in /api/me and the repository list alike', async () => {
    const testApp = await connectedApp('oauth-app', { GITHUB_REPOS_CACHE_SECONDS: '600' });
    expect(await stateOf(testApp)).toBe('connected');
    expect(checks(testApp.fake)).toBe(1);
    // Cached: a screen loading again within the minute does not ask GitHub again.
    expect(await stateOf(testApp)).toBe('connected');
    expect(checks(testApp.fake)).toBe(1);
    const listed = await testApp.app.inject({ method: 'GET', url: '/api/github/repos', headers: { cookie: testApp.cookie } });
    expect(listed.json().repositories.map((repo: { fullName: string }) => repo.fullName)).toEqual(['owner/project']);

    const token = (await storedToken(testApp))!;
    testApp.fake.revokeToken(token);
    testApp.clock.advance(61_000);
    expect(await stateOf(testApp)).toBe('needs_renewal');
    expect(checks(testApp.fake)).toBe(2);
    // The token is dropped (the owner stays), so every other use says the same at once.
    expect(await storedToken(testApp)).toBeNull();
    const refused = await testApp.app.inject({ method: 'GET', url: '/api/github/repos', headers: { cookie: testApp.cookie } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('github_reauth_required');
    expect(testApp.logText()).not.toContain(token);

    // Signing in again: a new token, checked at once rather than taken from the cache.
    await signInWithGitHub(testApp.app, testApp.fake, 'owner');
    expect(await stateOf(testApp)).toBe('connected');
    expect(checks(testApp.fake)).toBe(3);
    expect((await testApp.app.inject({ method: 'GET', url: '/api/github/repos', headers: { cookie: testApp.cookie } })).statusCode).toBe(200);
  });

  it('renews an expiring token that GitHub refuses, and stays connected', async () => {
    const testApp = await connectedApp('github-app');
    const before = (await storedToken(testApp))!;
    testApp.fake.expireAccessToken(before);
    expect(await stateOf(testApp)).toBe('connected');
    const after = await storedToken(testApp);
    expect(after).toMatch(/^ghu_/);
    expect(after).not.toBe(before);
    expect(await testApp.app.db.authLog.count({ where: { action: 'token_refresh', success: true } })).toBe(1);
  });

  it('asks GitHub again at once when git is refused the token, rather than showing a minute-old "connected"', async () => {
    const fake = await startFakeGitHub();
    fakes.push(fake);
    fake.addUser({ login: OWNER, id: 1001 });
    const bare = await createBareRepo(path.join(makeTempDir(), 'private.git'), { branches: { main: ['first'] } });
    fake.addRepo({ owner: OWNER, name: 'private', private: true, bare: bare.path });
    const owner = await ownerApp(fake);
    const workspace = await cloneReady(owner, `${OWNER}/private`);
    const state = async () => (await owner.call({ method: 'GET', url: '/api/me' })).json().github.state as string;
    expect(await state()).toBe('connected');
    const before = checks(fake);

    fake.revokeToken(await owner.token());
    const pull = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/pull`, payload: {} });
    expect(pull.json().error.code).toBe('git_authentication_failed');
    // Within the cache's minute, yet checked again: the same status as the refusal.
    expect(await state()).toBe('needs_renewal');
    expect(checks(fake)).toBe(before + 1);
  });

  it('says GitHub did not answer when the check outlasts its deadline, keeping the token', async () => {
    const testApp = await connectedApp('oauth-app');
    const token = await storedToken(testApp);
    const github = createGitHubAccess({
      db: testApp.app.db,
      vault: testApp.app.vault,
      config: { ...testApp.config.github, apiUrl: await silentServer() },
      clock: testApp.clock,
      log: testApp.app.log,
      owner: () => loadOwnerIdentity(testApp.app.db),
      statusCheck: { cacheMs: 60_000, deadlineMs: 300 },
    });
    const started = Date.now();
    expect(await github.connectionState()).toBe('unreachable');
    expect(Date.now() - started).toBeLessThan(2_000);
    // Not a refusal: nothing to renew, and the repository list may still try.
    await expect(github.ensureConnected()).resolves.toBeUndefined();
    expect(await storedToken(testApp)).toBe(token);
    expect(testApp.logText()).toContain('GitHub did not answer the connection check in time');
  });
});
