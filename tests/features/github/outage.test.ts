// GitHub's sign-in endpoints failing (an outage answers 502/503 with an HTML page): sign-in and token
// refresh say GitHub could not be reached, and no log line carries what the failed request carried
// (client secret, code, PKCE verifier, device code, refresh token).
import { afterEach, describe, expect, it } from 'vitest';
import type { Env } from '../../../src/config/index.js';
import { closeFakeGitHubs, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, type TestApp, type TestClock } from '../../helpers/app.js';
import { fakeGitHubEnv, setCookies, signInWithGitHub } from '../../helpers/github-sign-in.js';

const fakes: FakeGitHub[] = [];
afterEach(async () => {
  await closeFakeGitHubs(fakes);
});

async function appWithFake(options: Parameters<typeof startFakeGitHub>[0] = {}, env: Env = {}): Promise<TestApp & { fake: FakeGitHub }> {
  let appClock: TestClock | undefined;
  const fake = await startFakeGitHub({ ...options, clock: { now: () => appClock?.now() ?? new Date() } });
  fakes.push(fake);
  fake.addUser({ login: 'owner', id: 1001 });
  const testApp = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', ...env }));
  appClock = testApp.clock;
  return { ...testApp, fake };
}

/** Every value the fake received in a form body of a failed sign-in request. */
function secretsSentDuringOutage(fake: FakeGitHub): string[] {
  const failed = fake.requests.filter((request) => request.path.startsWith('/login/') && request.status !== undefined && request.status >= 500);
  expect(failed.length).toBeGreaterThan(0);
  const secrets = failed.flatMap((request) =>
    Object.entries(bodyFields(request.body ?? ''))
      .filter(([key]) => key !== 'client_id' && key !== 'grant_type')
      .map(([, value]) => String(value)),
  );
  expect(secrets.length).toBeGreaterThan(0);
  return secrets;
}

/** octokit posts JSON; GitHub also takes forms. */
function bodyFields(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(new URLSearchParams(body));
  }
}

function expectLogsFree(testApp: TestApp, secrets: string[]) {
  const text = testApp.logText();
  for (const secret of secrets) expect(text, `a log line holds ${secret}`).not.toContain(secret);
}

describe('GitHub sign-in endpoints during an outage', () => {
  it('web flow: the code exchange fails with a page saying what to do, and logs no secret', async () => {
    for (const status of [502, 503]) {
      const testApp = await appWithFake();
      testApp.fake.setSignInOutage(status);
      const { callback } = await signInWithGitHub(testApp.app, testApp.fake, 'owner');
      expect(callback.statusCode).toBe(502);
      expect(callback.body).toContain('Try again in a minute');
      const secrets = secretsSentDuringOutage(testApp.fake);
      expect(secrets).toContain(testApp.fake.clientSecret);
      expectLogsFree(testApp, secrets);
      // The failure is still logged, with what happened.
      expect(testApp.logText()).toContain(`answered HTTP ${status}`);
    }
  });

  it('token refresh: the owner is told GitHub is unavailable, and the refresh token stays out of the logs', async () => {
    const testApp = await appWithFake({ tokenKind: 'github-app' });
    await signInWithGitHub(testApp.app, testApp.fake, 'owner');
    testApp.fake.setSignInOutage(502);
    testApp.clock.advance(8 * 3_600_000);
    await expect(testApp.app.github.getAccessToken()).rejects.toMatchObject({ statusCode: 502, code: 'github_unavailable' });
    expectLogsFree(testApp, secretsSentDuringOutage(testApp.fake));
  });

  it('device flow: polling through the outage logs no device code', async () => {
    const testApp = await appWithFake({ deviceInterval: 0 }, { GITHUB_DEVICE_FLOW: 'true' });
    // Started with the sign-in link's token: a server with an owner asks GitHub for nobody else's.
    const started = await testApp.app.inject({ method: 'POST', url: '/auth/device', payload: { token: testApp.app.startupToken.value } });
    expect(started.statusCode).toBe(201);
    const cookie = `shellport_device=${setCookies(started).get('shellport_device')}`;
    testApp.fake.setSignInOutage(503);
    const deviceCode = testApp.fake.lastDeviceCode!.deviceCode;
    const failedPolls = () => testApp.fake.requests.filter((r) => r.path === '/login/oauth/access_token' && r.body?.includes(deviceCode) && r.status === 503).length;
    for (let attempt = 0; attempt < 200 && failedPolls() < 2; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(failedPolls()).toBeGreaterThanOrEqual(2);
    expectLogsFree(testApp, [deviceCode, ...secretsSentDuringOutage(testApp.fake)]);
    const state = await testApp.app.inject({ method: 'GET', url: '/auth/device', headers: { cookie } });
    expect(state.statusCode).toBe(200);
  });
});
