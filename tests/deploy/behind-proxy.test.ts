// Shellport behind a header-forwarding reverse proxy (as deployed behind Caddy or nginx): with
// TRUST_PROXY naming the proxy, request logs, auth logs, sessions and sign-in rate limits see the
// browser's address, not the proxy's; nobody else can set that address; and cookies are Secure
// because PUBLIC_URL is https. Clients are distinct loopback addresses (127.0.0.2, 127.0.0.3).
import type { Env } from '../../src/config/index.js';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../helpers/app.js';
import { requestFrom, startForwardingProxy } from './forwarding-proxy.js';

const PUBLIC_HOST = 'shell.example.com';
const BEHIND_PROXY: Env = { TRUST_PROXY: '127.0.0.1', PUBLIC_URL: `https://${PUBLIC_HOST}` };

// The tests sign in with the start-up token, which behind a proxy must be enabled explicitly.
async function appBehindProxy(env: Env) {
  const testApp = await buildTestApp({ TOKEN_SIGN_IN: 'true', ...env });
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  const appPort = (testApp.app.server.address() as { port: number }).port;
  const proxy = await startForwardingProxy(appPort);
  return { ...testApp, appPort, proxyPort: proxy.port };
}

/** The address the request log recorded for the request with this id. */
function loggedAddress(logLines: () => Record<string, unknown>[], requestId: string | string[] | undefined): unknown {
  const line = logLines().find((l) => l.reqId === requestId && typeof l.req === 'object');
  expect(line, `a request log line for ${String(requestId)}`).toBeDefined();
  return (line!.req as { remoteAddress?: string }).remoteAddress;
}

describe('behind a reverse proxy', () => {
  it('logs the browser’s address, ignoring an X-Forwarded-For the browser made up', async () => {
    const { proxyPort, logLines } = await appBehindProxy(BEHIND_PROXY);
    const response = await requestFrom('127.0.0.2', proxyPort, '/api/me', {
      headers: { host: PUBLIC_HOST, 'x-forwarded-for': '198.51.100.66' },
    });
    expect(response.status).toBe(401);
    expect(loggedAddress(logLines, response.headers['x-request-id'])).toBe('127.0.0.2');
  });

  it('without TRUST_PROXY logs the proxy’s address (what the setting fixes)', async () => {
    const { proxyPort, logLines } = await appBehindProxy({ PUBLIC_URL: BEHIND_PROXY.PUBLIC_URL });
    const response = await requestFrom('127.0.0.2', proxyPort, '/api/me', { headers: { host: PUBLIC_HOST } });
    expect(loggedAddress(logLines, response.headers['x-request-id'])).toBe('127.0.0.1');
  });

  it('does not let a client that is not the proxy choose its logged address', async () => {
    const { appPort, logLines } = await appBehindProxy(BEHIND_PROXY);
    const response = await requestFrom('127.0.0.3', appPort, '/api/me', { headers: { host: PUBLIC_HOST, 'x-forwarded-for': '198.51.100.66' } });
    expect(loggedAddress(logLines, response.headers['x-request-id'])).toBe('127.0.0.3');
  });

  it('signs in through the proxy with a Secure session cookie and the browser’s address in the auth log', async () => {
    const { app, proxyPort } = await appBehindProxy(BEHIND_PROXY);
    const response = await requestFrom('127.0.0.2', proxyPort, `/auth/token?token=${encodeURIComponent(app.startupToken.value)}`, {
      headers: { host: PUBLIC_HOST },
    });
    expect(response.status).toBe(302);
    const session = [response.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('__Host-shellport_session='));
    expect(session).toBeDefined();
    expect(session).toMatch(/;\s*Secure/i);
    expect(session).toMatch(/;\s*HttpOnly/i);
    expect(session).toMatch(/;\s*SameSite=Lax/i);
    expect(response.headers['strict-transport-security']).toBeDefined();

    const [login] = await app.db.authLog.findMany({ where: { action: 'login' } });
    expect(login?.ip).toBe('127.0.0.2');
    const [signedIn] = await app.auth.sessions.list();
    expect(signedIn?.ip).toBe('127.0.0.2');
  });

  it('sets no Secure flag when PUBLIC_URL is plain http (a browser would drop such a cookie)', async () => {
    const { app, proxyPort } = await appBehindProxy({ TRUST_PROXY: '127.0.0.1', PUBLIC_URL: `http://${PUBLIC_HOST}` });
    const response = await requestFrom('127.0.0.2', proxyPort, `/auth/token?token=${encodeURIComponent(app.startupToken.value)}`, {
      headers: { host: PUBLIC_HOST },
    });
    const session = [response.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('shellport_session='));
    expect(session).toBeDefined();
    expect(session).not.toMatch(/;\s*Secure/i);
  });

  it('rate-limits sign-in attempts per browser address, not for everyone behind the proxy', async () => {
    const { proxyPort } = await appBehindProxy({ ...BEHIND_PROXY, SIGN_IN_RATE_LIMIT_MAX: '2' });
    const attempt = (client: string) => requestFrom(client, proxyPort, '/auth/token?token=wrong', { headers: { host: PUBLIC_HOST } });
    expect((await attempt('127.0.0.2')).status).toBe(401);
    expect((await attempt('127.0.0.2')).status).toBe(401);
    expect((await attempt('127.0.0.2')).status).toBe(429);
    expect((await attempt('127.0.0.3')).status).toBe(401);
  });
});
