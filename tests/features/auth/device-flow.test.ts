import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeviceFlows, DeviceFlowLimitError, type DeviceFlows } from '../../../src/features/auth/device-flow.js';
import { createOAuthClient } from '../../../src/features/github/oauth.js';
import { loadConfig } from '../../../src/config/index.js';
import { closeFakeGitHubs, ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import type { Env } from '../../../src/config/index.js';
import { buildTestApp, createTestClock, signInAsOwner } from '../../helpers/app.js';
import { fakeGitHubEnv, setCookies } from '../../helpers/github-sign-in.js';

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub({ deviceInterval: 0 });
  fake.addUser({ login: 'owner', id: 1001 });
  fake.addUser({ login: 'stranger', id: 2002 });
});
afterEach(() => {
  ensureNoUnexpectedRequests(fake);
});
afterAll(async () => {
  await fake.close();
});

/** The fake GitHub, with the device flow on (GITHUB_DEVICE_FLOW=auto turns it off when the web flow is configured). */
const deviceEnv = (extra: Env = {}) => fakeGitHubEnv(fake, { GITHUB_DEVICE_FLOW: 'true', ...extra });

const ORIGIN = 'http://127.0.0.1:3000';
/** What a browser sends with a request from Shellport's own page. */
const sameOrigin = { origin: ORIGIN, host: '127.0.0.1:3000' };

/** Starts a device-code sign-in with the current sign-in link's token, as the owner who ran `npm run sign-in-link` does. */
async function startDevice(app: FastifyInstance) {
  const response = await app.inject({ method: 'POST', url: '/auth/device', payload: { token: app.startupToken.value } });
  expect(response.statusCode).toBe(201);
  const deviceCookie = setCookies(response).get('shellport_device')!;
  return { body: response.json(), cookie: `shellport_device=${deviceCookie}` };
}

/** Starts one as a browser that nothing vouches for (no token, no session), from `remoteAddress`. */
async function startUnvouched(app: FastifyInstance, remoteAddress = '203.0.113.50', userAgent = 'Stranger/1.0') {
  const response = await app.inject({ method: 'POST', url: '/auth/device', remoteAddress, headers: { 'user-agent': userAgent } });
  expect(response.statusCode).toBe(201);
  return { response, body: response.json(), cookie: `shellport_device=${setCookies(response).get('shellport_device')}` };
}

const deviceCodeRequests = () => fake.requests.filter((r) => r.path === '/login/device/code').length;

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
    const testApp = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: 'owner' }));
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
    const { app } = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: 'owner' }));
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
    const { app } = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: '1001' }));
    const { cookie } = await startDevice(app);
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'stranger');
    const result = await pollUntilSettled(app, cookie);
    expect(result.json()).toMatchObject({ status: 'refused', message: expect.stringContaining('another GitHub account') });
    expect(setCookies(result).get('shellport_session')).toBeUndefined();
    expect(await app.db.authLog.count({ where: { action: 'denied' } })).toBe(1);
  });

  it('claims an unowned server through the printed setup URL, which this browser then needs no more', async () => {
    const { app } = await buildTestApp(deviceEnv({ HOST: '0.0.0.0' }));
    const wrong = await app.inject({ method: 'GET', url: '/auth/setup?token=guess' });
    expect(wrong.statusCode).toBe(401);
    expect(setCookies(wrong).get('shellport_setup')).toBeUndefined();

    const setup = await app.inject({ method: 'GET', url: `/auth/setup?token=${app.startupToken.setupValue}` });
    expect(setup.statusCode).toBe(302);
    expect(setup.headers.location).toBe('/sign-in');
    const setupCookie = `shellport_setup=${setCookies(setup).get('shellport_setup')}`;

    // Without the setup cookie nobody may start one (GitHub is not even asked); with it, the claim succeeds.
    const asked = deviceCodeRequests();
    const plain = await app.inject({ method: 'POST', url: '/auth/device' });
    expect(plain.statusCode).toBe(403);
    expect(plain.json().error).toMatchObject({ code: 'setup_token_required', message: expect.stringContaining('no owner yet') });
    expect(setCookies(plain).get('shellport_device')).toBeUndefined();
    expect(deviceCodeRequests()).toBe(asked);

    const started = await app.inject({ method: 'POST', url: '/auth/device', headers: { cookie: setupCookie } });
    expect(started.json().status).toBe('pending');
    const deviceCookie = `shellport_device=${setCookies(started).get('shellport_device')}`;
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    const done = await pollUntilSettled(app, `${deviceCookie}; ${setupCookie}`);
    expect(done.json().status).toBe('approved');
    // The claim is made: the setup cookie goes with the answer that signs the browser in.
    expect(setCookies(done).get('shellport_setup')).toBe('');
    expect((await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } })).githubUserId).toBe(1001);
  });

  it('tells the sign-in page that the setup link arrived, and takes the whole setup link pasted instead of the token', async () => {
    const { app } = await buildTestApp(deviceEnv({ HOST: '0.0.0.0' }));
    const options = async (cookie?: string) =>
      (await app.inject({ method: 'GET', url: '/auth/options', headers: cookie ? { cookie } : {} })).json() as { hasOwner: boolean; setupTokenReceived: boolean };
    expect(await options()).toMatchObject({ hasOwner: false, setupTokenReceived: false });
    expect(await options('shellport_setup=guess')).toMatchObject({ setupTokenReceived: false });
    const setup = await app.inject({ method: 'GET', url: `/auth/setup?token=${app.startupToken.setupValue}` });
    expect(await options(`shellport_setup=${setCookies(setup).get('shellport_setup')}`)).toMatchObject({ hasOwner: false, setupTokenReceived: true });

    // Another browser pastes the printed setup link into the "Setup link or token" field.
    const setupUrl = `http://shell.local:3000/auth/setup?token=${app.startupToken.setupValue}`;
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
        clock,
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
      await closeFakeGitHubs([slowFake]);
    }
  });

  it('is not available without GITHUB_CLIENT_ID, and has no flow to poll without the cookie', async () => {
    const { app } = await buildTestApp();
    expect((await app.inject({ method: 'POST', url: '/auth/device' })).json().error.code).toBe('github_not_configured');
    expect((await app.inject({ method: 'GET', url: '/auth/device' })).statusCode).toBe(404);
  });

  it('is off by default where the web flow is configured (GITHUB_DEVICE_FLOW=auto), on without a client secret, and as GITHUB_DEVICE_FLOW says', async () => {
    for (const [extra, isOn] of [
      [{}, false],
      [{ GITHUB_CLIENT_SECRET: '' }, true],
      [{ GITHUB_DEVICE_FLOW: 'true' }, true],
      [{ GITHUB_CLIENT_SECRET: '', GITHUB_DEVICE_FLOW: 'false' }, false],
    ] as const) {
      const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', ...extra }));
      const label = JSON.stringify(extra);
      expect((await app.inject({ method: 'GET', url: '/auth/options' })).json().github.deviceFlow, label).toBe(isOn);
      const cookie = await signInAsOwner(app);
      expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json().github.deviceFlow, label).toBe(isOn);
      const started = await app.inject({ method: 'POST', url: '/auth/device', headers: { cookie } });
      expect(started.statusCode, label).toBe(isOn ? 201 : 409);
      if (!isOn) expect(started.json().error).toMatchObject({ code: 'device_flow_off', message: expect.stringContaining('GITHUB_DEVICE_FLOW') });
    }
  });

  it('makes a stranger\'s device sign-in on a server with an owner wait for a signed-in browser: GitHub gives no code to phish with, and a denial ends it', async () => {
    const testApp = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: 'owner' }));
    const { app } = testApp;
    const asked = deviceCodeRequests();
    const stranger = await startUnvouched(app);
    expect(stranger.body).toMatchObject({ status: 'awaiting_approval', userCode: null, verificationUri: null, requestCode: expect.stringMatching(/^[A-Z2-9]{3}-[A-Z2-9]{3}$/) });
    expect(deviceCodeRequests()).toBe(asked);
    // However long it waits, it is not signed in, and GitHub is not asked.
    for (let i = 0; i < 3; i += 1) {
      const state = await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie: stranger.cookie } });
      expect(state.json().status).toBe('awaiting_approval');
      expect(setCookies(state).get('shellport_session')).toBeUndefined();
    }
    expect(deviceCodeRequests()).toBe(asked);

    // Only a signed-in browser sees the request: its address, browser and code; not the flow's secret id.
    expect((await app.inject({ method: 'GET', url: '/api/auth/sign-in-requests' })).statusCode).toBe(401);
    const owner = await signInAsOwner(app);
    const list = await app.inject({ method: 'GET', url: '/api/auth/sign-in-requests', headers: { cookie: owner } });
    expect(list.json()).toEqual({
      requests: [
        { id: expect.any(String), code: stranger.body.requestCode, ip: '203.0.113.50', userAgent: 'Stranger/1.0', createdAt: expect.any(String), expiresAt: expect.any(String) },
      ],
    });
    const { id } = list.json().requests[0];
    expect(stranger.cookie).not.toContain(id);

    // Answering needs Shellport's own page, like every state-changing request.
    const forged = await app.inject({ method: 'POST', url: `/api/auth/sign-in-requests/${id}/approve`, headers: { cookie: owner, origin: 'https://evil.example' } });
    expect(forged.statusCode).toBe(403);
    const denied = await app.inject({ method: 'POST', url: `/api/auth/sign-in-requests/${id}/deny`, headers: { cookie: owner, ...sameOrigin, 'user-agent': 'Owner/2.0' } });
    expect(denied.statusCode).toBe(204);
    const ended = await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie: stranger.cookie } });
    expect(ended.json()).toMatchObject({ status: 'denied', message: expect.stringContaining('turned this sign-in down') });
    expect(setCookies(ended).get('shellport_session')).toBeUndefined();
    expect(deviceCodeRequests()).toBe(asked);
    expect((await app.inject({ method: 'GET', url: '/api/auth/sign-in-requests', headers: { cookie: owner } })).json().requests).toEqual([]);
    expect((await app.inject({ method: 'POST', url: `/api/auth/sign-in-requests/${id}/approve`, headers: { cookie: owner, ...sameOrigin } })).statusCode).toBe(404);

    const row = await app.db.authLog.findFirstOrThrow({ where: { action: 'sign_in_request' } });
    expect(row).toMatchObject({ success: false, userAgent: 'Owner/2.0' });
    expect(JSON.parse(row.details)).toEqual({ decision: 'denied', code: stranger.body.requestCode, requestIp: '203.0.113.50', requestUserAgent: 'Stranger/1.0' });
    expect(await app.db.authSession.count()).toBe(1);
  });

  it('goes on to GitHub once a signed-in browser approves, and signs the new browser in when the owner enters the code', async () => {
    const { app } = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: 'owner' }));
    const phone = await startUnvouched(app, '198.51.100.23', 'Phone/1.0');
    const owner = await signInAsOwner(app);
    const [request] = (await app.inject({ method: 'GET', url: '/api/auth/sign-in-requests', headers: { cookie: owner } })).json().requests;
    const approved = await app.inject({ method: 'POST', url: `/api/auth/sign-in-requests/${request.id}/approve`, headers: { cookie: owner, ...sameOrigin } });
    expect(approved.statusCode).toBe(204);
    // Answered once: a second approval finds nothing.
    expect((await app.inject({ method: 'POST', url: `/api/auth/sign-in-requests/${request.id}/approve`, headers: { cookie: owner, ...sameOrigin } })).statusCode).toBe(404);

    const pending = await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie: phone.cookie } });
    expect(pending.json()).toMatchObject({ status: 'pending', requestCode: phone.body.requestCode, userCode: fake.lastDeviceCode!.userCode, verificationUri: `${fake.url}/login/device` });
    fake.approveDevice(fake.lastDeviceCode!.userCode, 'owner');
    const done = await pollUntilSettled(app, phone.cookie);
    expect(done.json().status).toBe('approved');
    const session = setCookies(done).get('shellport_session')!;
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `shellport_session=${session}` } })).statusCode).toBe(200);
    const answer = await app.db.authLog.findFirstOrThrow({ where: { action: 'sign_in_request' } });
    expect(answer.success).toBe(true);
    expect(JSON.parse(answer.details)).toMatchObject({ decision: 'approved', requestIp: '198.51.100.23', requestUserAgent: 'Phone/1.0' });
    const login = await app.db.authLog.findFirstOrThrow({ where: { action: 'login' } });
    expect(login).toMatchObject({ ip: '198.51.100.23', userAgent: 'Phone/1.0' });
  });

  it('starts at once for a signed-in browser or with the sign-in link\'s token, which works once', async () => {
    const { app } = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: 'owner' }));
    const owner = await signInAsOwner(app);
    const fromSession = await app.inject({ method: 'POST', url: '/auth/device', headers: { cookie: owner } });
    expect(fromSession.json()).toMatchObject({ status: 'pending', userCode: fake.lastDeviceCode!.userCode });

    const token = app.startupToken.value;
    const pasted = await app.inject({ method: 'POST', url: '/auth/device', payload: { token: `http://127.0.0.1:3000/auth/token?token=${token}` } });
    expect(pasted.json()).toMatchObject({ status: 'pending', userCode: fake.lastDeviceCode!.userCode });
    expect(app.startupToken.value).not.toBe(token);
    const reused = await app.inject({ method: 'POST', url: '/auth/device', payload: { token } });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error).toMatchObject({ code: 'wrong_token', message: expect.stringContaining('npm run sign-in-link') });
    expect(setCookies(reused).get('shellport_device')).toBeUndefined();
  });

  it('with token sign-in off, lets the sign-in link spare one device sign-in of the browser that opened it the approval', async () => {
    const { app } = await buildTestApp(deviceEnv({ HOST: '0.0.0.0', GITHUB_ALLOWED_USER: 'owner' }));
    const links = await app.startupToken.links('http://shell.local:3000');
    const token = app.startupToken.value;
    expect(links).toMatchObject({ signInUrl: null, setupUrl: null, deviceSignInUrl: `http://shell.local:3000/auth/token?token=${token}` });

    const opened = await app.inject({ method: 'GET', url: `/auth/token?token=${token}` });
    expect(opened.statusCode).toBe(302);
    expect(opened.headers.location).toBe('/sign-in');
    expect(setCookies(opened).get('shellport_session')).toBeUndefined();
    const linkCookie = `shellport_sign_in_link=${setCookies(opened).get('shellport_sign_in_link')}`;
    expect(linkCookie).not.toContain(token);
    expect((await app.inject({ method: 'GET', url: `/auth/token?token=${token}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/auth/options', headers: { cookie: linkCookie } })).json()).toMatchObject({ hasOwner: true, signInLinkReceived: true });

    const started = await app.inject({ method: 'POST', url: '/auth/device', headers: { cookie: linkCookie } });
    expect(started.json()).toMatchObject({ status: 'pending', userCode: fake.lastDeviceCode!.userCode });
    expect(setCookies(started).get('shellport_sign_in_link')).toBe('');
    // Spent: the next one from the same browser waits for approval.
    expect((await app.inject({ method: 'POST', url: '/auth/device', headers: { cookie: linkCookie } })).json().status).toBe('awaiting_approval');
  });

  it('ends a request nobody approves in time, and one whose page stopped asking', async () => {
    let time = Date.now();
    const config = loadConfig({ ...fakeGitHubEnv(fake) });
    const client = { ip: '203.0.113.9', userAgent: null };
    const flows = createDeviceFlows({
      oauth: createOAuthClient({ config: config.github, clock: createTestClock() }),
      log: (await buildTestApp()).app.log,
      approvalLifetimeMs: 10 * 60_000,
      abandonAfterMs: 2 * 60_000,
      clock: { now: () => new Date(time) },
      onApproved: async () => ({ ok: true }),
    });
    const late = await flows.start({ canClaim: false, client, needsApproval: true });
    const gone = await flows.start({ canClaim: false, client, needsApproval: true });
    expect(flows.awaitingApproval().map((flow) => flow.id)).toEqual([late.id, gone.id]);
    // The first page keeps asking; the second stops.
    for (let minute = 1; minute <= 10; minute += 1) {
      time += 60_000;
      flows.ask(late.id);
    }
    expect(flows.ask(gone.id)).toBeNull();
    expect(flows.ask(late.id)).toMatchObject({ status: 'expired', message: expect.stringContaining('Nobody approved') });
    expect(flows.awaitingApproval()).toEqual([]);
    expect(await flows.approve(late.requestId)).toBeNull();
    await flows.close();
  });

  it('caps flows in progress per address (IPv6: per /64) and in all, refusing new ones without dropping any', async () => {
    // Flows waiting for approval count: strangers can start those.
    const { app } = await buildTestApp(deviceEnv({ GITHUB_ALLOWED_USER: 'owner', SIGN_IN_DEVICE_FLOWS_MAX: '7' }));
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
    for (const cookie of cookies) expect((await app.inject({ method: 'GET', url: '/auth/device', headers: { cookie } })).json().status).toBe('awaiting_approval');
    const owner = await signInAsOwner(app);
    const firstCode = JSON.parse(started[0]!.body).requestCode as string;
    const first = (await app.inject({ method: 'GET', url: '/api/auth/sign-in-requests', headers: { cookie: owner } })).json().requests.find((r: { code: string }) => r.code === firstCode);
    await app.inject({ method: 'POST', url: `/api/auth/sign-in-requests/${first.id}/deny`, headers: { cookie: owner, ...sameOrigin } });
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
      clock: { now: () => new Date(time) },
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
