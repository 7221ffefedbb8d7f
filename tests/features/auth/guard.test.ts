import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildTestApp, signInAsOwner } from '../../helpers/app.js';

async function appWithPrivateRoute(env = {}) {
  const testApp = await buildTestApp(env);
  testApp.app.get('/api/probe', async (request) => ({ sessionId: request.authSession?.id }));
  testApp.app.post('/api/probe', async () => ({ changed: true }));
  return testApp;
}

function upgradeRequest(headers: Record<string, string>) {
  return { headers } as unknown as IncomingMessage;
}

describe('the auth guard', () => {
  it('refuses a route without a session with 401 in the error shape, and lets the owner through', async () => {
    const { app } = await appWithPrivateRoute();
    const refused = await app.inject({ method: 'GET', url: '/api/probe' });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.code).toBe('unauthenticated');

    const cookie = await signInAsOwner(app);
    const allowed = await app.inject({ method: 'GET', url: '/api/probe', headers: { cookie } });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().sessionId).toEqual(expect.any(String));
  });

  it('refuses a forged or unknown session id', async () => {
    const { app } = await appWithPrivateRoute();
    const response = await app.inject({ method: 'GET', url: '/api/probe', headers: { cookie: 'shellport_session=forged' } });
    expect(response.statusCode).toBe(401);
  });

  it('ends a session after the idle timeout and after the absolute lifetime', async () => {
    const { app, clock } = await appWithPrivateRoute({ SESSION_IDLE_TIMEOUT_MINUTES: '30', SESSION_MAX_AGE_HOURS: '2' });
    const cookie = await signInAsOwner(app);
    const probe = () => app.inject({ method: 'GET', url: '/api/probe', headers: { cookie } }).then((r) => r.statusCode);

    clock.advance(29 * 60_000);
    expect(await probe()).toBe(200); // activity resets the idle timer
    clock.advance(29 * 60_000);
    expect(await probe()).toBe(200);
    clock.advance(29 * 60_000);
    expect(await probe()).toBe(200);
    clock.advance(29 * 60_000);
    expect(await probe()).toBe(200);
    clock.advance(5 * 60_000); // 2 h 1 min after sign-in: past the absolute limit although active
    expect(await probe()).toBe(401);

    const idleCookie = await signInAsOwner(app);
    clock.advance(31 * 60_000);
    const idle = await app.inject({ method: 'GET', url: '/api/probe', headers: { cookie: idleCookie } });
    expect(idle.statusCode).toBe(401);
    expect(await app.db.authSession.count()).toBe(0);
  });

  it('refuses state-changing requests from another site, before checking the session', async () => {
    const { app } = await appWithPrivateRoute();
    const cookie = await signInAsOwner(app);
    const crossOrigin = await app.inject({ method: 'POST', url: '/api/probe', headers: { cookie, origin: 'https://evil.example' } });
    expect(crossOrigin.statusCode).toBe(403);
    expect(crossOrigin.json().error.code).toBe('cross_site_request');
    const crossSite = await app.inject({ method: 'POST', url: '/api/probe', headers: { cookie, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.statusCode).toBe(403);

    const sameOrigin = await app.inject({
      method: 'POST',
      url: '/api/probe',
      headers: { cookie, origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000', 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.statusCode).toBe(200);
  });

  it('with PUBLIC_URL set, accepts only that origin', async () => {
    const { app } = await appWithPrivateRoute({ PUBLIC_URL: 'https://shell.example.com' });
    const cookie = await signInAsOwner(app);
    const post = (origin: string, host: string) =>
      app.inject({ method: 'POST', url: '/api/probe', headers: { cookie, origin, host } }).then((r) => r.statusCode);
    expect(await post('https://shell.example.com', 'shell.example.com')).toBe(200);
    expect(await post('http://evil.example', 'shell.example.com')).toBe(403);
    expect(await post('http://10.0.0.5:3000', '10.0.0.5:3000')).toBe(403);
    // A Host naming another server is refused before any of this (DNS rebinding, dns-rebinding.test.ts).
    expect(await post('http://evil.example', 'evil.example')).toBe(421);
  });

  it('checks WebSocket handshakes for both Origin and session', async () => {
    const { app } = await appWithPrivateRoute();
    const cookie = await signInAsOwner(app);
    const host = '127.0.0.1:4321';
    expect(await app.auth.authenticateUpgrade(upgradeRequest({ host, cookie }))).toMatchObject({ ok: false, status: 403 });
    expect(await app.auth.authenticateUpgrade(upgradeRequest({ host, cookie, origin: 'https://evil.example' }))).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(await app.auth.authenticateUpgrade(upgradeRequest({ host, origin: `http://${host}` }))).toMatchObject({ ok: false, status: 401 });
    expect(await app.auth.authenticateUpgrade(upgradeRequest({ host, cookie, origin: `http://${host}` }))).toMatchObject({ ok: true });
  });

  it('sets the session cookie httpOnly, SameSite=Lax, and Secure with the __Host- prefix only over https', async () => {
    for (const [publicUrl, secure] of [
      ['http://127.0.0.1:3000', false],
      ['https://shell.example.com', true],
    ] as const) {
      const { app } = await buildTestApp({ PUBLIC_URL: publicUrl });
      app.get('/probe/sign-in', { config: { public: true } }, async (_request, reply) => {
        app.auth.setSessionCookie(reply, 'value');
        return {};
      });
      const response = await app.inject({ method: 'GET', url: '/probe/sign-in' });
      const header = String(response.headers['set-cookie']);
      expect(header).toMatch(secure ? /^__Host-shellport_session=value;/ : /^shellport_session=value;/);
      expect(header).not.toContain('Domain=');
      expect(header).toContain('HttpOnly');
      expect(header).toContain('SameSite=Lax');
      expect(header).toContain('Path=/');
      expect(header.includes('Secure')).toBe(secure);
    }
  });
});
