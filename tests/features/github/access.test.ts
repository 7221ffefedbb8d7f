import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/http/errors.js';
import { closeFakeGitHubs, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, type TestApp, type TestClock } from '../../helpers/app.js';
import { fakeGitHubEnv, signInWithGitHub } from '../../helpers/github-sign-in.js';

const HOUR = 3_600_000;
const fakes: FakeGitHub[] = [];
afterEach(async () => {
  await closeFakeGitHubs(fakes);
});

/** A fake GitHub and an app that share one clock, with the owner signed in through the web flow. */
async function connectedApp(tokenKind: 'oauth-app' | 'github-app'): Promise<TestApp & { fake: FakeGitHub; cookie: string }> {
  let appClock: TestClock | undefined;
  const fake = await startFakeGitHub({ tokenKind, clock: { now: () => appClock?.now() ?? new Date() } });
  fakes.push(fake);
  fake.addUser({ login: 'owner', id: 1001 });
  const testApp = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
  appClock = testApp.clock;
  const { cookie } = await signInWithGitHub(testApp.app, fake, 'owner');
  return { ...testApp, fake, cookie: cookie! };
}

async function storedTokens(testApp: TestApp) {
  const settings = await testApp.app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
  return {
    settings,
    accessToken: testApp.app.vault.decrypt(settings.githubAccessToken!),
    refreshToken: settings.githubRefreshToken ? testApp.app.vault.decrypt(settings.githubRefreshToken) : null,
  };
}

const connectionOf = (testApp: TestApp & { cookie: string }) =>
  testApp.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: testApp.cookie } }).then((r) => r.json().github.state as string);

describe('app.github', () => {
  it('refreshes an expiring token shortly before it expires, storing the new pair and a token_refresh row', async () => {
    const testApp = await connectedApp('github-app');
    const before = await storedTokens(testApp);
    expect(before.accessToken).toMatch(/^ghu_/);
    expect(before.refreshToken).toMatch(/^ghr_/);
    expect(before.settings.githubTokenExpiresAt!.getTime() - testApp.clock.now().getTime()).toBe(8 * HOUR);

    expect(await testApp.app.github.getAccessToken()).toBe(before.accessToken); // far from expiry: no refresh
    testApp.clock.advance(8 * HOUR - 2 * 60_000); // 2 minutes left
    const refreshed = await testApp.app.github.getAccessToken();
    expect(refreshed).not.toBe(before.accessToken);
    const after = await storedTokens(testApp);
    expect(after.accessToken).toBe(refreshed);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.settings.githubTokenExpiresAt!.getTime()).toBe(testApp.clock.now().getTime() + 8 * HOUR);
    const row = await testApp.app.db.authLog.findFirstOrThrow({ where: { action: 'token_refresh' } });
    expect(row.success).toBe(true);

    const octokit = await testApp.app.github.octokit();
    const { data } = await octokit.rest.users.getAuthenticated();
    expect(data.login).toBe('owner');
    for (const secret of [before.accessToken, before.refreshToken!, refreshed, after.refreshToken!]) {
      expect(testApp.logText()).not.toContain(secret);
      expect(testApp.fake.requests.some((r) => r.url.includes(secret))).toBe(false);
    }
  });

  it('refreshes once and retries when GitHub answers 401, and concurrent 401s share one refresh', async () => {
    const testApp = await connectedApp('github-app');
    const { accessToken } = await storedTokens(testApp);
    testApp.fake.expireAccessToken(accessToken);
    const octokit = await testApp.app.github.octokit();
    const [a, b] = await Promise.all([octokit.rest.users.getAuthenticated(), octokit.rest.users.getAuthenticated()]);
    expect([a.data.login, b.data.login]).toEqual(['owner', 'owner']);
    expect(await testApp.app.db.authLog.count({ where: { action: 'token_refresh', success: true } })).toBe(1);
    expect(await connectionOf(testApp)).toBe('connected');
  });

  it('marks the connection as needing renewal when the refresh fails, and says so', async () => {
    const testApp = await connectedApp('github-app');
    const { accessToken, refreshToken } = await storedTokens(testApp);
    testApp.fake.expireAccessToken(accessToken);
    testApp.fake.expireRefreshToken(refreshToken!);
    const octokit = await testApp.app.github.octokit();
    const failure = await octokit.rest.users.getAuthenticated().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ statusCode: 409, code: 'github_reauth_required', message: expect.stringContaining('sign in with GitHub again') });
    expect(await connectionOf(testApp)).toBe('needs_renewal');
    await expect(testApp.app.github.getAccessToken()).rejects.toMatchObject({ code: 'github_reauth_required' });
    const row = await testApp.app.db.authLog.findFirstOrThrow({ where: { action: 'token_refresh' } });
    expect(row.success).toBe(false);

    // Signing in again renews it.
    await signInWithGitHub(testApp.app, testApp.fake, 'owner');
    expect(await connectionOf(testApp)).toBe('connected');
  });

  it('treats a revoked non-expiring token as needing renewal', async () => {
    const testApp = await connectedApp('oauth-app');
    const { accessToken, refreshToken } = await storedTokens(testApp);
    expect(refreshToken).toBeNull();
    testApp.fake.revokeToken(accessToken);
    const octokit = await testApp.app.github.octokit();
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({ code: 'github_reauth_required' });
    expect(await connectionOf(testApp)).toBe('needs_renewal');
  });

  it('reports tampered ciphertext as "needs renewal", without crashing or logging the value', async () => {
    const testApp = await connectedApp('oauth-app');
    const { settings } = await storedTokens(testApp);
    const parts = settings.githubAccessToken!.split(':');
    const body = Buffer.from(parts[3]!, 'base64');
    body[0]! ^= 0xff;
    const tampered = [...parts.slice(0, 3), body.toString('base64')].join(':');
    await testApp.app.db.settings.update({ where: { id: 'singleton' }, data: { githubAccessToken: tampered } });

    expect(await connectionOf(testApp)).toBe('needs_renewal');
    await expect(testApp.app.github.getAccessToken()).rejects.toMatchObject({ code: 'github_reauth_required', message: expect.stringContaining('renewed') });
    await expect(testApp.app.github.octokit()).rejects.toMatchObject({ code: 'github_reauth_required' });
    expect(testApp.logText()).not.toContain(tampered);
  });

  it('says "not connected" or "not configured" with what to do', async () => {
    const fake = await startFakeGitHub();
    fakes.push(fake);
    const { app } = await buildTestApp(fakeGitHubEnv(fake));
    expect(await app.github.connectionState()).toBe('not_connected');
    await expect(app.github.getAccessToken()).rejects.toMatchObject({ statusCode: 409, code: 'github_not_connected' });
    expect(app.github.webUrl).toBe(fake.url);
    expect(app.github.apiUrl).toBe(fake.apiUrl);

    const bare = (await buildTestApp()).app;
    expect(await bare.github.connectionState()).toBe('not_configured');
    await expect(bare.github.getAccessToken()).rejects.toMatchObject({ code: 'github_not_configured', message: expect.stringContaining('GITHUB_CLIENT_ID') });
    expect(bare.github.webUrl).toBe('https://github.com');
    expect(bare.github.apiUrl).toBe('https://api.github.com');
  });

  it('fails at once on a rate limit instead of waiting for the reset', async () => {
    const testApp = await connectedApp('oauth-app');
    testApp.fake.setRateLimited(true);
    const octokit = await testApp.app.github.octokit();
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
    testApp.fake.setRateLimited(false);
  });
});
