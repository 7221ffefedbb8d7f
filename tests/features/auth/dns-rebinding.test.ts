// DNS rebinding: a page on a name its attacker re-points at this server (from the owner's own
// machine, too) sends Host and Origin of that name. Only PUBLIC_URL's host, IP addresses and
// localhost are served; without PUBLIC_URL, an Origin matching Host counts as ours only for those.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildTestApp, signInAsOwner } from '../../helpers/app.js';

const upgradeRequest = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('Host names', () => {
  it('without PUBLIC_URL: serves IP addresses and localhost, refuses any other name before anything else', async () => {
    const { app } = await buildTestApp();
    const cookie = await signInAsOwner(app);
    for (const host of ['127.0.0.1:3000', 'localhost:3000', '[::1]:3000', '192.168.1.20:3000', 'shellport.localhost']) {
      const response = await app.inject({ method: 'GET', url: '/readyz', headers: { host } });
      expect(response.statusCode, host).toBe(200);
    }
    for (const host of ['evil.example:3000', 'evil.example', '127.0.0.1.nip.io:3000']) {
      const response = await app.inject({ method: 'GET', url: '/metrics', headers: { host } });
      expect(response.statusCode, host).toBe(421);
      expect(response.json().error.code).toBe('unknown_host');
      expect(response.json().error.message).toContain('set PUBLIC_URL');
    }
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/settings',
      headers: { host: 'evil.example:3000', origin: 'http://evil.example:3000', cookie, 'content-type': 'application/json' },
      payload: { theme: 'light' },
    });
    expect(patch.statusCode).toBe(421);

    // Terminal handshakes do not pass through the HTTP hooks: the Origin check refuses the name itself.
    const rebound = { host: 'evil.example:3000', origin: 'http://evil.example:3000', cookie };
    expect(await app.auth.authenticateUpgrade(upgradeRequest(rebound))).toMatchObject({ ok: false, status: 403 });
    const byAddress = { host: '192.168.1.20:3000', origin: 'http://192.168.1.20:3000', cookie };
    expect(await app.auth.authenticateUpgrade(upgradeRequest(byAddress))).toMatchObject({ ok: true });
  });

  it("with PUBLIC_URL: serves its host and IP addresses, refuses other names", async () => {
    const { app } = await buildTestApp({ PUBLIC_URL: 'https://shell.example.com' });
    // The same name however a proxy spells it: with the default or another port, upper case, a trailing dot.
    for (const host of ['shell.example.com', 'shell.example.com:443', 'SHELL.example.com:8443', 'shell.example.com.', '10.0.0.5:3000']) {
      expect((await app.inject({ method: 'GET', url: '/readyz', headers: { host } })).statusCode, host).toBe(200);
    }
    // Other names, and headers that only parse to an allowed name (user info, spaces, paths).
    for (const host of ['other.example.com', 'shell.example.com.evil.example', 'evil.example@127.0.0.1', 'evil.example@shell.example.com', 'evil.example 127.0.0.1', '127.0.0.1/evil', 'shell.example.com..']) {
      expect((await app.inject({ method: 'GET', url: '/readyz', headers: { host } })).statusCode, host).toBe(421);
    }
  });
});
