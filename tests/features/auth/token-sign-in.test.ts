import { describe, expect, it } from 'vitest';
import { readSignInLinks } from '../../../src/features/auth/startup-link.js';
import { extractStartupToken } from '../../../src/shared/auth.js';
import { buildTestApp } from '../../helpers/app.js';
import { setCookies } from '../../helpers/github-sign-in.js';

describe('start-up token sign-in', () => {
  it('is accepted when the server listens on loopback, redirects to / without the token, and logs neither token nor cookie', async () => {
    const testApp = await buildTestApp({ HOST: '127.0.0.1' });
    const { app } = testApp;
    const token = app.startupToken.value;
    const lines = await app.startupToken.describe('http://127.0.0.1:3000');
    expect(lines).toContainEqual(`Sign in to Shellport with this URL (it works once; run this command again for a new one): http://127.0.0.1:3000/auth/token?token=${token}`);

    const response = await app.inject({ method: 'GET', url: `/auth/token?token=${token}`, headers: { 'user-agent': 'test-browser' } });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toBe('/');
    const session = setCookies(response).get('shellport_session')!;
    expect(session).toBeTruthy();
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: `shellport_session=${session}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ owner: null, github: { state: 'not_configured' } });

    const row = await app.db.authLog.findFirstOrThrow({ where: { action: 'login' } });
    expect(row).toMatchObject({ success: true, ip: '127.0.0.1', userAgent: 'test-browser' });
    expect(testApp.logText()).not.toContain(token);
    expect(testApp.logText()).not.toContain(session);
    expect(testApp.logText()).toContain('/auth/token?token=%5Bredacted%5D');
  });

  it('accepts the whole printed link pasted into the token field, as well as the bare token', async () => {
    const { app } = await buildTestApp({ HOST: '127.0.0.1' });
    // The sign-in page's form sends whatever was pasted as `token`; each link works once.
    const pasted = (value: string) => app.inject({ method: 'GET', url: `/auth/token?token=${encodeURIComponent(value)}` });
    for (const shape of [(token: string) => `http://127.0.0.1:3000/auth/token?token=${token}`, (token: string) => ` ${token}\n`, (token: string) => `?token=${token}`]) {
      const value = shape(app.startupToken.value);
      const response = await pasted(value);
      expect(response.statusCode, value).toBe(302);
      expect(setCookies(response).get('shellport_session')).toBeTruthy();
    }
    const stale = await pasted('http://127.0.0.1:3000/auth/token?token=from-an-earlier-start');
    expect(stale.statusCode).toBe(401);
    expect(stale.body).toContain('npm run sign-in-link');
  });

  it('finds the token in a link, a query string or on its own', () => {
    expect(extractStartupToken('http://127.0.0.1:3000/auth/token?token=abc_-1')).toBe('abc_-1');
    expect(extractStartupToken('https://shell.example.com/auth/github?setup_token=abc&x=1')).toBe('abc');
    expect(extractStartupToken('?token=a%2Db')).toBe('a-b');
    expect(extractStartupToken('token=abc')).toBe('abc');
    expect(extractStartupToken('  abc \n')).toBe('abc');
    expect(extractStartupToken('')).toBe('');
  });

  it('works once: a new link replaces it, in the link file too, and the used one is refused', async () => {
    const testApp = await buildTestApp({ HOST: '127.0.0.1' });
    const { app, dataDir } = testApp;
    await app.startupToken.publish('http://127.0.0.1:3000');
    const used = app.startupToken.value;
    const first = await app.inject({ method: 'GET', url: `/auth/token?token=${used}`, headers: { 'user-agent': 'browser-a' } });
    expect(first.statusCode).toBe(302);
    expect(setCookies(first).get('shellport_session')).toBeTruthy();

    // Another browser with the same link gets nothing.
    const second = await app.inject({ method: 'GET', url: `/auth/token?token=${used}`, headers: { 'user-agent': 'browser-b' } });
    expect(second.statusCode).toBe(401);
    expect(second.body).toContain('each works once');
    expect(setCookies(second).get('shellport_session')).toBeUndefined();

    // npm run sign-in-link prints the new one, which works (once).
    const fresh = app.startupToken.value;
    expect(fresh).not.toBe(used);
    const printed = readSignInLinks(dataDir);
    expect(printed).toEqual({ ok: true, lines: [expect.stringContaining(`/auth/token?token=${fresh}`)] });
    expect(JSON.stringify(printed)).not.toContain(used);
    expect((await app.inject({ method: 'GET', url: `/auth/token?token=${fresh}` })).statusCode).toBe(302);
    expect((await app.inject({ method: 'GET', url: `/auth/token?token=${fresh}` })).statusCode).toBe(401);
    // Neither token is in a log line.
    for (const token of [used, fresh, app.startupToken.value]) expect(testApp.logText()).not.toContain(token);
  });

  it('refuses a wrong token with 401 and a denied AuthLog row', async () => {
    const { app } = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/auth/token?token=wrong' });
    expect(response.statusCode).toBe(401);
    expect(response.body).toContain('Wrong sign-in link');
    expect(setCookies(response).get('shellport_session')).toBeUndefined();
    expect(JSON.parse((await app.db.authLog.findFirstOrThrow({ where: { action: 'denied' } })).details)).toMatchObject({ reason: 'wrong_token' });
  });

  it('is refused when the server listens on a non-loopback address, even from a loopback peer, unless TOKEN_SIGN_IN=true', async () => {
    const { app } = await buildTestApp({ HOST: '0.0.0.0' });
    expect(await app.startupToken.describe('http://localhost:3000')).toEqual([]);
    const refused = await app.inject({ method: 'GET', url: `/auth/token?token=${app.startupToken.value}`, remoteAddress: '127.0.0.1' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('turned off');
    expect(setCookies(refused).get('shellport_session')).toBeUndefined();

    const enabled = (await buildTestApp({ HOST: '0.0.0.0', TOKEN_SIGN_IN: 'true' })).app;
    expect((await enabled.inject({ method: 'GET', url: `/auth/token?token=${enabled.startupToken.value}` })).statusCode).toBe(302);

    const disabled = (await buildTestApp({ HOST: '127.0.0.1', TOKEN_SIGN_IN: 'false' })).app;
    expect((await disabled.inject({ method: 'GET', url: `/auth/token?token=${disabled.startupToken.value}` })).statusCode).toBe(403);
  });

  it('rate-limits the sign-in endpoints per client address (X-Forwarded-For believed only with TRUST_PROXY)', async () => {
    const { app } = await buildTestApp({ SIGN_IN_RATE_LIMIT_MAX: '3', TRUST_PROXY: '127.0.0.1', TOKEN_SIGN_IN: 'true' });
    const attempt = (clientIp: string) =>
      app.inject({ method: 'GET', url: '/auth/token?token=guess', headers: { 'x-forwarded-for': clientIp } });
    for (let i = 0; i < 3; i += 1) expect((await attempt('203.0.113.7')).statusCode).toBe(401);
    const limited = await attempt('203.0.113.7');
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('Try again in') });
    // Another client behind the same proxy has its own budget, and the AuthLog names the real client.
    expect((await attempt('198.51.100.9')).statusCode).toBe(401);
    const ips = (await app.db.authLog.findMany({ where: { action: 'denied' } })).map((row) => row.ip);
    expect(new Set(ips)).toEqual(new Set(['203.0.113.7', '198.51.100.9']));
  });
});
