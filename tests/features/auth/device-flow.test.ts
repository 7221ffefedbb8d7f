import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceFlows, DeviceFlowLimitError, type DeviceFlows } from '../../../src/features/auth/device-flow.js';
import { createOAuthClient } from '../../../src/features/github/oauth.js';
import { loadConfig } from '../../../src/config/index.js';
import { startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, createTestClock } from '../../helpers/app.js';
import { fakeGitHubEnv, setCookies } from '../../helpers/github-sign-in.js';

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub({ deviceInterval: 0 });
  fake.addUser({ login: 'owner', id: 1001 });
  fake.addUser({ login: 'stranger', id: 2002 });
});
afterEach(() => {
  expect(fake.unexpectedRequests).toEqual([]);
});
afterAll(async () => {
  await fake.close();
});

async function startDevice(app: FastifyInstance) {
  const response = await app.inject({ method: 'POST', url: '/auth/device' });
  expect(response.statusCode).toBe(201);
  const deviceCookie = setCookies(response).get('shellport_device')!;
  return { body: response.json(), cookie: `shellport_device=${deviceCookie}` };
}

/** Polls Shellport as the browser does until the flow leaves `pending` (bounded). */
async function pollUntilSettled(app: FastifyInstance, cookie: string) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const response = await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie } });
    if (response.statusCode !== 200 || response.json().status !== 'pending') return response;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the device flow stayed pending');
}

/** Waits until the server has polled GitHub at least `count` times for the latest device code. */
async function serverPolls(count: number) {
  const deviceCode = fake.lastDeviceCode!.deviceCode;
  const polls = () => fake.requests.filter((r) => r.path === '/login/oauth/access_token' && r.body?.includes(deviceCode)).length;
  for (let attempt = 0; attempt < 200 && polls() < count; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(polls()).toBeGreaterThanOrEqual(count);
}

describe('GitHub device flow', () => {
  it('shows the user code, stays pending while GitHub says authorization_pending, and signs the browser in on approval', async () => {
    const testApp = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    const { app } = testApp;
    const { body, cookie } = await startDevice(app);
    expect(body).toMatchObject({ status: 'pending', userCode: fake.lastDeviceCode!.userCode, verificationUri: `${fake.url}/login/device` });
    expect(JSON.stringify(body)).not.toContain(fake.lastDeviceCode!.deviceCode); // the device code stays on the server

    await serverPolls(2); // the server polls GitHub by itself
    const pending = await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie } });
    expect(pending.json().status).toBe('pending');
    expect(setCookies(pending).get('shellport_session')).toBeUndefined();

    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    const done = await pollUntilSettled(app, cookie);
    expect(done.json().status).toBe('approved');
    const session = setCookies(done).get('shellport_session');
    expect(session).toBeTruthy();
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `shellport_session=${session}` } });
    expect(me.json()).toMatchObject({ owner: { githubId: 1001 }, github: { state: 'connected' } });
    const login = await app.db.authLog.findFirstOrThrow({ where: { action: 'login' } });
    expect(JSON.parse(login.details)).toMatchObject({ method: 'github_device', login: 'owner' });
    expect(login.ip).toBe('127.0.0.1');

    // The flow is consumed: polling again finds nothing.
    expect((await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie } })).statusCode).toBe(404);
    expect(testApp.logText()).not.toContain(session!);
    expect(testApp.logText()).not.toContain(fake.lastDeviceCode!.deviceCode);
  });

  it('reports denial on GitHub and expiry of the code, without signing in', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    const denied = await startDevice(app);
    fake.denyDevice(fake.lastDeviceCode!.userCode);
    const deniedResult = await pollUntilSettled(app, denied.cookie);
    expect(deniedResult.json()).toMatchObject({ status: 'denied', message: expect.stringContaining('cancelled') });
    expect(setCookies(deniedResult).get('shellport_session')).toBeUndefined();

    const expired = await startDevice(app);
    fake.expireDevice(fake.lastDeviceCode!.userCode);
    const expiredResult = await pollUntilSettled(app, expired.cookie);
    expect(expiredResult.json()).toMatchObject({ status: 'expired', message: expect.stringContaining('expired') });
    expect(await app.db.authSession.count()).toBe(0);
  });

  it('refuses a stranger who approves the code', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: '1001' }));
    const { cookie } = await startDevice(app);
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'stranger');
    const result = await pollUntilSettled(app, cookie);
    expect(result.json()).toMatchObject({ status: 'refused', message: expect.stringContaining('another GitHub account') });
    expect(setCookies(result).get('shellport_session')).toBeUndefined();
    expect(await app.db.authLog.count({ where: { action: 'denied' } })).toBe(1);
  });

  it('claims an unowned server through the printed setup URL, which remembers the token for the device flow', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { HOST: '0.0.0.0' }));
    const wrong = await app.inject({ method: 'GET', url: '/auth/setup?token=guess' });
    expect(wrong.statusCode).toBe(401);
    expect(setCookies(wrong).get('shellport_setup')).toBeUndefined();

    const setup = await app.inject({ method: 'GET', url: `/auth/setup?token=${app.startupToken.value}` });
    expect(setup.statusCode).toBe(302);
    expect(setup.headers.location).toBe('/sign-in');
    const setupCookie = `shellport_setup=${setCookies(setup).get('shellport_setup')}`;

    // Without the setup cookie the owner-to-be is refused; with it, the claim succeeds.
    const plain = await startDevice(app);
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    expect((await pollUntilSettled(app, plain.cookie)).json()).toMatchObject({ status: 'refused', message: expect.stringContaining('no owner yet') });

    const started = await app.inject({ method: 'POST', url: '/auth/device', headers: { cookie: setupCookie } });
    const deviceCookie = `shellport_device=${setCookies(started).get('shellport_device')}`;
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    const done = await pollUntilSettled(app, deviceCookie);
    expect(done.json().status).toBe('approved');
    expect((await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } })).githubUserId).toBe(1001);
  });

  it('tells the sign-in page that the setup link arrived, and takes the whole setup link pasted instead of the token', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { HOST: '0.0.0.0' }));
    const options = async (cookie?: string) =>
      (await app.inject({ method: 'GET', url: '/auth/options', headers: cookie ? { cookie } : {} })).json() as { hasOwner: boolean; setupTokenReceived: boolean };
    expect(await options()).toMatchObject({ hasOwner: false, setupTokenReceived: false });
    expect(await options('shellport_setup=guess')).toMatchObject({ setupTokenReceived: false });
    const setup = await app.inject({ method: 'GET', url: `/auth/setup?token=${app.startupToken.value}` });
    expect(await options(`shellport_setup=${setCookies(setup).get('shellport_setup')}`)).toMatchObject({ hasOwner: false, setupTokenReceived: true });

    // Another browser pastes the printed setup link into the "Setup link or token" field.
    const setupUrl = `http://shell.local:3000/auth/setup?token=${app.startupToken.value}`;
    const started = await app.inject({ method: 'POST', url: '/auth/device', payload: { setupToken: setupUrl } });
    expect(started.statusCode).toBe(201);
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    const done = await pollUntilSettled(app, `shellport_device=${setCookies(started).get('shellport_device')}`);
    expect(done.json().status).toBe('approved');
    expect((await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } })).githubUserId).toBe(1001);
  });

  it('waits the interval between polls and adds 5 seconds after slow_down', async () => {
    // The fake judges "too soon" with this clock; the recording sleep advances it as real time would.
    const clock = createTestClock();
    const slowFake = await startFakeGitHub({ deviceInterval: 1, clock });
    try {
      slowFake.addUser({ login: 'owner', id: 1001 });
      const config = loadConfig({ ...fakeGitHubEnv(slowFake) });
      const oauth = createOAuthClient({ config: config.github, clock });
      const sleeps: number[] = [];
      let approved = false;
      const flows = createDeviceFlows({
        oauth,
        log: (await buildTestApp()).app.log,
        minIntervalMs: 0,
        sleep: async (ms) => {
          sleeps.push(ms);
          // The second wait ends early, as if the server's timer fired too soon: GitHub answers slow_down.
          clock.advance(sleeps.length === 2 ? ms / 2 : ms);
          if (sleeps.length === 4) slowFake.approveDevice(slowFake.lastDeviceCode!.userCode, 'owner');
        },
        onApproved: async () => {
          approved = true;
          return { ok: true };
        },
      });
      const flow = await flows.start({ canClaim: false, client: { ip: '127.0.0.1', userAgent: null } });
      await flows.settled(flow.id);
      expect(flow.status).toBe('approved');
      expect(approved).toBe(true);
      expect(sleeps).toEqual([1000, 1000, 6000, 6000]);
      const answers = slowFake.requests.filter((r) => r.path === '/login/oauth/access_token').length;
      expect(answers).toBe(4);
      await flows.close();
    } finally {
      await slowFake.close();
    }
  });

  it('is not available without GITHUB_CLIENT_ID, and has no flow to poll without the cookie', async () => {
    const { app } = await buildTestApp();
    expect((await app.inject({ method: 'POST', url: '/auth/device' })).json().error.code).toBe('github_not_configured');
    expect((await app.inject({ method: 'GET', url: '/auth/device' })).statusCode).toBe(404);
  });

  it('caps flows in progress per address (IPv6: per /64) and in all, refusing new ones without dropping any', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', SIGN_IN_DEVICE_FLOWS_MAX: '7' }));
    const start = (remoteAddress: string) => app.inject({ method: 'POST', url: '/auth/device', remoteAddress });
    const started = [];
    for (let i = 0; i < 3; i += 1) started.push(await start('203.0.113.9'));
    expect(started.map((response) => response.statusCode)).toEqual([201, 201, 201]);

    const perAddress = await start('203.0.113.9');
    expect(perAddress.statusCode).toBe(429);
    expect(perAddress.json().error).toMatchObject({ code: 'too_many_sign_ins', details: { scope: 'address' } });
    expect(perAddress.json().error.message).toMatch(/^Too many sign-ins are in progress from your address; finish one or wait \d+ minutes?/);
    expect(Number(perAddress.headers['retry-after'])).toBeGreaterThan(0);
    // Addresses in one IPv6 /64 count as one client.
    const subnet = [];
    for (let i = 1; i <= 4; i += 1) subnet.push((await start(`2001:db8:1:2::${i}`)).statusCode);
    expect(subnet).toEqual([201, 201, 201, 429]);
    expect((await start('2001:db8:1:3::1')).statusCode).toBe(201);
    const serverFull = await start('198.51.100.7');
    expect(serverFull.statusCode).toBe(429);
    expect(serverFull.json().error).toMatchObject({ code: 'too_many_sign_ins', details: { scope: 'server' } });
    expect(serverFull.json().error.message).toMatch(/^Too many sign-ins are in progress on this server; wait \d+ minutes?/);

    // Every flow in progress is still there; when one ends, there is room again.
    const cookies = started.map((response) => `shellport_device=${setCookies(response).get('shellport_device')}`);
    for (const cookie of cookies) expect((await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie } })).json().status).toBe('pending');
    const firstCode = JSON.parse(started[0]!.body).userCode as string;
    fake.denyDevice(firstCode);
    expect((await pollUntilSettled(app, cookies[0]!)).json().status).toBe('denied');
    expect((await start('198.51.100.7')).statusCode).toBe(201);
  });

  it('stops polling GitHub for a flow whose page stopped asking, and frees its place', async () => {
    let time = Date.now();
    const asking = new Set<string>();
    const config = loadConfig({ ...fakeGitHubEnv(fake) });
    const client = { ip: '203.0.113.9', userAgent: null };
    const flows: DeviceFlows = createDeviceFlows({
      oauth: createOAuthClient({ config: config.github, clock: createTestClock() }),
      log: (await buildTestApp()).app.log,
      minIntervalMs: 5_000,
      abandonAfterMs: 60_000,
      maxFlowsPerAddress: 1,
      now: () => time,
      // Time passes only in the waits; the page of every flow in `asking` asks during each of them.
      sleep: async (ms) => {
        time += ms;
        for (const id of asking) flows.ask(id);
        await new Promise((resolve) => setImmediate(resolve));
      },
      onApproved: async () => ({ ok: true }),
    });
    const pollsFor = (deviceCode: string) => fake.requests.filter((r) => r.path === '/login/oauth/access_token' && r.body?.includes(deviceCode)).length;

    const abandoned = await flows.start({ canClaim: false, client });
    const abandonedCode = fake.lastDeviceCode!.deviceCode;
    await expect(flows.start({ canClaim: false, client })).rejects.toBeInstanceOf(DeviceFlowLimitError);
    await flows.settled(abandoned.id);
    expect(abandoned).toMatchObject({ status: 'expired', message: expect.stringContaining('abandoned') });
    // One poll per 5 s until nobody had asked for 60 s, and none after.
    expect(abandoned.polls).toBe(11);
    expect(pollsFor(abandonedCode)).toBe(11);
    expect(flows.ask(abandoned.id)).toBeNull();

    // Its place is free; a flow whose page keeps asking goes on past that time, until GitHub answers.
    const wanted = await flows.start({ canClaim: false, client });
    asking.add(wanted.id);
    for (let attempt = 0; attempt < 200 && wanted.polls < 20; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(wanted.status).toBe('pending');
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    await flows.settled(wanted.id);
    expect(wanted.status).toBe('approved');
    expect(pollsFor(abandonedCode)).toBe(11);

    // Approved, but its page stopped asking before it took the sign-in: the place is free once
    // nobody has asked for 60 s, as the refusal says.
    asking.delete(wanted.id);
    flows.ask(wanted.id);
    const refusal = await flows.start({ canClaim: false, client }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(DeviceFlowLimitError);
    expect((refusal as DeviceFlowLimitError).retryAfterMs).toBe(60_000);
    time += 60_000;
    const next = await flows.start({ canClaim: false, client });
    expect(next.status).toBe('pending');
    expect(flows.ask(wanted.id)).toBeNull();
    await flows.close();
  });
});
