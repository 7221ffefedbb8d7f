import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../../helpers/app.js';
import { setCookies } from '../../helpers/github-sign-in.js';

const ORIGIN = 'http://127.0.0.1:3000';
const sameOrigin = { origin: ORIGIN, host: '127.0.0.1:3000' };

/** Signs in through the real token route, as a browser with this user agent. */
async function signIn(app: FastifyInstance, userAgent = 'browser-a'): Promise<string> {
  const response = await app.inject({ method: 'GET', url: `/auth/token?token=${app.startupToken.value}`, headers: { 'user-agent': userAgent } });
  return `shellport_session=${setCookies(response).get('shellport_session')}`;
}

describe('sign-in sessions', () => {
  it('lists active sessions with created, last seen, IP and user agent, and revokes one', async () => {
    const { app } = await buildTestApp();
    const a = await signIn(app, 'browser-a');
    const b = await signIn(app, 'browser-b');
    const list = await app.inject({ method: 'GET', url: '/api/auth/sessions', headers: { cookie: a } });
    expect(list.statusCode).toBe(200);
    const sessions = list.json().sessions as Array<Record<string, unknown>>;
    expect(sessions).toHaveLength(2);
    const current = sessions.find((s) => s.current)!;
    const other = sessions.find((s) => !s.current)!;
    expect(current).toMatchObject({ userAgent: 'browser-a', ip: '127.0.0.1', createdAt: expect.any(String), lastSeenAt: expect.any(String) });
    expect(other).toMatchObject({ userAgent: 'browser-b' });

    const revoked = await app.inject({ method: 'DELETE', url: `/api/auth/sessions/${other.id}`, headers: { cookie: a, ...sameOrigin } });
    expect(revoked.statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: b } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: a } })).statusCode).toBe(200);
    const again = await app.inject({ method: 'DELETE', url: `/api/auth/sessions/${other.id}`, headers: { cookie: a, ...sameOrigin } });
    expect(again.statusCode).toBe(404);
  });

  it('signs out this browser, and signs out everywhere', async () => {
    const { app } = await buildTestApp();
    const a = await signIn(app);
    const b = await signIn(app);
    const c = await signIn(app);
    const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: a, ...sameOrigin } });
    expect(logout.statusCode).toBe(200);
    expect(setCookies(logout).get('shellport_session')).toBe('');
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: a } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: b } })).statusCode).toBe(200);

    const everywhere = await app.inject({ method: 'POST', url: '/auth/logout-all', headers: { cookie: b, ...sameOrigin } });
    expect(everywhere.json()).toEqual({ signedOut: true, sessionsEnded: 2 });
    for (const cookie of [b, c]) expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    const actions = (await app.db.authLog.findMany({ orderBy: { id: 'asc' } })).map((row) => row.action);
    expect(actions).toEqual(['login', 'login', 'login', 'logout', 'logout']);
  });

  it('ends sessions after the idle timeout and after the absolute lifetime', async () => {
    const { app, clock } = await buildTestApp({ SESSION_IDLE_TIMEOUT_MINUTES: '60', SESSION_MAX_AGE_HOURS: '3' });
    const cookie = await signIn(app);
    const status = () => app.inject({ method: 'GET', url: '/api/me', headers: { cookie } }).then((r) => r.statusCode);
    for (let hour = 0; hour < 2; hour += 1) {
      clock.advance(55 * 60_000);
      expect(await status()).toBe(200);
    }
    clock.advance(55 * 60_000); // 2 h 45 min: still inside both limits
    expect(await status()).toBe(200);
    clock.advance(20 * 60_000); // 3 h 5 min: past the absolute lifetime although active
    expect(await status()).toBe(401);

    const idle = await signIn(app);
    clock.advance(61 * 60_000);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: idle } })).statusCode).toBe(401);
  });

  it('tells onEnded listeners the ids of every session that ends, however it ends', async () => {
    const { app, clock } = await buildTestApp({ SESSION_IDLE_TIMEOUT_MINUTES: '60' });
    const ended: string[][] = [];
    app.auth.sessions.onEnded((ids) => ended.push([...ids]));
    const idOf = async (cookie: string) => (await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).json().session.id as string;
    const [a, b, c] = [await signIn(app), await signIn(app), await signIn(app)];
    const [idA, idB, idC] = [await idOf(a), await idOf(b), await idOf(c)];

    await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: a, ...sameOrigin } });
    await app.inject({ method: 'DELETE', url: `/api/auth/sessions/${idB}`, headers: { cookie: c, ...sameOrigin } });
    // A new sign-in in the same browser ends nothing: the session it had runs on (its terminals stay connected).
    const again = await app.inject({ method: 'GET', url: `/auth/token?token=${app.startupToken.value}`, headers: { cookie: c } });
    const d = `shellport_session=${setCookies(again).get('shellport_session')}`;
    expect(ended).toEqual([[idA], [idB]]);

    const [e, f] = [await signIn(app), await signIn(app)];
    const ids = [idC, await idOf(d), await idOf(e), await idOf(f)];
    await app.inject({ method: 'POST', url: '/auth/logout-all', headers: { cookie: d, ...sameOrigin } });
    expect(new Set(ended[2])).toEqual(new Set(ids));

    // Expiry noticed on use.
    const g = await signIn(app);
    const idG = await idOf(g);
    clock.advance(61 * 60_000);
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: g } })).statusCode).toBe(401);
    expect(ended.at(-1)).toEqual([idG]);
    // Nothing more for a revoke of a session that no longer exists.
    expect(await app.auth.sessions.revoke(idG)).toBe(false);
    expect(ended).toHaveLength(4);
  });

  it('refuses cross-origin state-changing requests with 403', async () => {
    const { app } = await buildTestApp();
    const cookie = await signIn(app);
    for (const url of ['/auth/logout-all', '/auth/logout', '/auth/device']) {
      const response = await app.inject({ method: 'POST', url, headers: { cookie, origin: 'https://evil.example' } });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('cross_site_request');
    }
    expect((await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('shows the AuthLog to the owner only', async () => {
    const { app } = await buildTestApp();
    await app.inject({ method: 'GET', url: '/auth/token?token=wrong' });
    const cookie = await signIn(app);
    expect((await app.inject({ method: 'GET', url: '/api/auth/log' })).statusCode).toBe(401);
    const log = await app.inject({ method: 'GET', url: '/api/auth/log?limit=10', headers: { cookie } });
    expect(log.json().entries).toMatchObject([
      { action: 'login', success: true, details: { method: 'token' } },
      { action: 'denied', success: false, details: { reason: 'wrong_token' } },
    ]);
  });

  it('sends security headers with a CSP that allows only Shellport itself', async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: 'https://shell.example.com' });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toContain("connect-src 'self' wss://shell.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    const plain = await (await buildTestApp()).app.inject({ method: 'GET', url: '/healthz' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    expect(String(plain.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
  });
});
