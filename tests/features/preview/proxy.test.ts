// /preview/<port>/: a real dev server (a node child process) through the real app on a real port.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signInAsOwner } from '../../helpers/app.js';
import { startTerminalApp } from '../terminals/helpers.js';
import { linkBase, openPreview, startDevServer, type DevServer } from './helpers.js';

let dev: DevServer;
beforeEach(async () => {
  dev = await startDevServer();
});
afterEach(() => dev.stop());

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** What fixtures/dev-server.mjs streams for /big: chunk i is 64 KiB of sha256(i) repeated. */
function expectedBig(chunks: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < chunks; i++) {
    const seed = createHash('sha256').update(String(i)).digest();
    const chunk = Buffer.alloc(64 * 1024);
    for (let at = 0; at < chunk.length; at += 32) seed.copy(chunk, at);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

function connectWs(url: string, options: { protocol?: string; headers?: Record<string, string> } = {}) {
  const socket = new WebSocket(url, options.protocol ? [options.protocol] : [], { headers: options.headers });
  const messages: { data: Buffer; isBinary: boolean }[] = [];
  socket.on('message', (data: Buffer, isBinary) => messages.push({ data, isBinary }));
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { socket, messages, opened, closed };
}

/** GET with the path exactly as given: no client-side normalisation of dot segments. */
function rawStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path }, (response) => {
      response.resume();
      resolve(response.statusCode!);
    });
    request.on('error', reject);
  });
}

async function waitFor<T>(check: () => T | undefined, timeout = 5000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('opening a preview', () => {
  it('redirects the signed-in owner to a preview link that serves the dev server, keeping the path and query', async () => {
    const app = await startTerminalApp();
    const location = await openPreview(app, dev.port, '/some/page?x=1&y=%2F');
    expect(location).toMatch(/\/some\/page\?x=1&y=%2F$/);
    const response = await fetch(`${app.origin}${location}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('path /some/page?x=1&y=%2F');
  });

  it('refuses a stranger with 401: no session, no capability', async () => {
    const app = await startTerminalApp();
    const response = await fetch(`${app.origin}/preview/${dev.port}/`, { redirect: 'manual' });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthenticated');
    expect((await dev.received()).length).toBe(0);
  });

  it('refuses a start from a link on another site', async () => {
    const app = await startTerminalApp();
    const response = await fetch(`${app.origin}/preview/${dev.port}/`, { headers: { cookie: app.cookie, 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('cross_site_request');
  });
});

describe('forwarding HTTP', () => {
  it('forwards GET and POST (a body larger than the API accepts), streaming both ways', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const body = Buffer.alloc(3 * 1024 * 1024, 'a');
    const posted = await fetch(`${app.origin}${base}echo`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(posted.status).toBe(200);
    expect(sha256(Buffer.from(await posted.arrayBuffer()))).toBe(sha256(body));
    const got = await fetch(`${app.origin}${base}hello?q=1`);
    expect(await got.text()).toBe('path /hello?q=1');
  });

  it('streams a large response (30 MiB) intact', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const response = await fetch(`${app.origin}${base}big?chunks=480`);
    expect(response.status).toBe(200);
    const received = Buffer.from(await response.arrayBuffer());
    expect(received.length).toBe(480 * 64 * 1024);
    expect(sha256(received)).toBe(sha256(expectedBig(480)));
  });

  it("never passes the owner's cookie, Authorization or a proxy's headers to the dev server", async () => {
    const app = await startTerminalApp();
    const location = await openPreview(app, dev.port);
    await fetch(`${app.origin}${location}`, {
      headers: { cookie: `${app.cookie}; theme=dark`, authorization: 'Bearer shellport-secret', 'x-forwarded-for': '203.0.113.7' },
    });
    const [request] = await dev.received();
    expect(request!.headers.cookie).toBe('theme=dark');
    expect(request!.headers.authorization).toBeUndefined();
    expect(request!.headers['x-forwarded-for']).toBeUndefined();
    expect(request!.headers.host).toBe(`127.0.0.1:${dev.port}`);
    expect(JSON.stringify(request)).not.toContain(app.cookie.split('=')[1]!);
  });

  it('sends pages sandboxed (an opaque origin), frameable only by Shellport, without its own page policy', async () => {
    const app = await startTerminalApp();
    const response = await fetch(`${app.origin}${await openPreview(app, dev.port)}`);
    expect(response.headers.get('content-type')).toContain('text/html');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain('sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads allow-popups-to-escape-sandbox');
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).not.toContain('allow-same-origin');
    expect(csp).not.toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toContain('Hello from the dev server');
  });

  it("scopes the dev server's cookies to the preview and drops those named like Shellport's", async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const response = await fetch(`${app.origin}${base}cookies`);
    expect(response.headers.getSetCookie()).toEqual([`app_session=abc; HttpOnly; SameSite=Lax; Path=/preview/${dev.port}/`, `prefs=dark; Path=/preview/${dev.port}/`]);
  });

  it('rewrites redirects to the dev server under the preview link, follows none itself', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const absolute = await fetch(`${app.origin}${base}redirect-absolute`, { redirect: 'manual' });
    expect(absolute.status).toBe(302);
    expect(absolute.headers.get('location')).toBe(`${base}landing?from=abs`);
    const root = await fetch(`${app.origin}${base}redirect-root`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe(`${base}landing`);
    const away = await fetch(`${app.origin}${base}redirect-away`, { redirect: 'manual' });
    expect(away.status).toBe(302);
    expect(away.headers.get('location')).toBe('https://example.com/elsewhere');
  });

  it("drops response headers that would act on Shellport's origin (Clear-Site-Data, HSTS)", async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const response = await fetch(`${app.origin}${base}hostile-headers`);
    expect(await response.text()).toBe('hostile');
    expect(response.headers.get('clear-site-data')).toBeNull();
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it("answers the sandboxed page's own requests (origin null) with CORS, including preflights, and lets it POST", async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const preflight = await fetch(`${app.origin}${base}echo`, {
      method: 'OPTIONS',
      headers: { origin: 'null', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('null');
    // What a browser sends for a sandboxed page's POST: cross-site, origin null. The guard lets it through here only.
    const posted = await fetch(`${app.origin}${base}echo`, { method: 'POST', body: '{"a":1}', headers: { origin: 'null', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' } });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toBe('{"a":1}');
    expect(posted.headers.get('access-control-allow-origin')).toBe('null');
    const [request] = (await dev.received()).filter((entry) => entry.method === 'POST');
    expect(request!.headers.origin).toBe(`http://127.0.0.1:${dev.port}`);
    expect(request!.headers['sec-fetch-site']).toBe('same-origin');
    // Shellport's own API still refuses the same request.
    const api = await fetch(`${app.origin}/api/settings`, { method: 'PATCH', body: '{}', headers: { cookie: app.cookie, origin: 'null', 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' } });
    expect(api.status).toBe(403);
  });

  it('ends a wait on a silent dev server with 504 at its deadline', async () => {
    const app = await startTerminalApp({ PREVIEW_UPSTREAM_TIMEOUT_MS: '1000' });
    const base = linkBase(await openPreview(app, dev.port));
    const started = Date.now();
    const response = await fetch(`${app.origin}${base}silent`);
    expect(response.status).toBe(504);
    expect((await response.json()).error.code).toBe('preview_timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers 502 when nothing listens on the port', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    dev.stop();
    await waitFor(() => (dev.child.exitCode !== null || dev.child.signalCode !== null ? true : undefined));
    const response = await fetch(`${app.origin}${base}`);
    expect(response.status).toBe(502);
    expect((await response.json()).error.code).toBe('preview_unreachable');
  });
});

describe('which ports', () => {
  it('refuses anything but a port number: no host, address or user info in the path', async () => {
    const app = await startTerminalApp();
    for (const port of ['example.com', '127.0.0.2', '0x7f000001', `${dev.port}@example.com`, '0', '65536', '-1', `0${dev.port}`, '[::1]']) {
      const response = await fetch(`${app.origin}/preview/${encodeURIComponent(port)}/`, { headers: { cookie: app.cookie }, redirect: 'manual' });
      expect(response.status, port).toBe(400);
      expect((await response.json()).error.code, port).toBe('invalid_port');
    }
  });

  it('keeps a preview link on the dev server whatever its path says (another host, dot segments)', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const hostLike = await fetch(`${app.origin}${base}/example.com/x`);
    expect(await hostLike.text()).toBe('path //example.com/x');
    // Sent as written (fetch would resolve the dot segments itself).
    for (const path of [`${base}a/../../../etc/passwd`, `${base}a/%2E%2E/%2e%2e/x`, `${base}..%2F..%2Fx`]) {
      expect(await rawStatus(app.port, path), path).toBe(400);
    }
    expect((await dev.received()).map((request) => request.url)).toEqual(['//example.com/x']);
  });

  it("refuses Shellport's own port", async () => {
    const app = await startTerminalApp();
    const response = await fetch(`${app.origin}/preview/${app.port}/`, { headers: { cookie: app.cookie }, redirect: 'manual' });
    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('own_port');
  });

  it('refuses a port outside PREVIEW_PORTS, and every port with PREVIEW_ENABLED=false', async () => {
    const outside = await startTerminalApp({ PREVIEW_PORTS: '1-1023,5173' });
    const refused = await fetch(`${outside.origin}/preview/${dev.port}/`, { headers: { cookie: outside.cookie }, redirect: 'manual' });
    expect(refused.status).toBe(403);
    expect((await refused.json()).error).toMatchObject({ code: 'port_not_allowed', message: expect.stringContaining('PREVIEW_PORTS') });
    const inside = await startTerminalApp({ PREVIEW_PORTS: `5173,${dev.port - 1}-${dev.port + 1}` });
    expect((await fetch(`${inside.origin}/preview/${dev.port}/`, { headers: { cookie: inside.cookie }, redirect: 'manual' })).status).toBe(302);
    const off = await startTerminalApp({ PREVIEW_ENABLED: 'false' });
    const disabled = await fetch(`${off.origin}/preview/${dev.port}/`, { headers: { cookie: off.cookie }, redirect: 'manual' });
    expect((await disabled.json()).error.code).toBe('preview_disabled');
  });
});

describe('preview links', () => {
  it('refuses a forged link, and one issued for another port', async () => {
    const app = await startTerminalApp();
    const forged = await fetch(`${app.origin}/preview/${dev.port}/~${'A'.repeat(42)}/`);
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('preview_link_invalid');
    const other = await startDevServer();
    try {
      const capability = linkBase(await openPreview(app, other.port)).split('~')[1]!;
      const reused = await fetch(`${app.origin}/preview/${dev.port}/~${capability}`);
      expect(reused.status).toBe(403);
      expect((await reused.json()).error.code).toBe('preview_link_other_port');
    } finally {
      other.stop();
    }
    expect(await dev.received()).toEqual([]);
  });

  it('accepts the link of a sign-in made after the live sign-ins were last read', async () => {
    const app = await startTerminalApp();
    expect((await fetch(`${app.origin}${await openPreview(app, dev.port)}`)).status).toBe(200);
    // A second browser signs in; its first preview comes before the list of live sign-ins is read again.
    const later = { ...app, cookie: await signInAsOwner(app.app) };
    const response = await fetch(`${app.origin}${await openPreview(later, dev.port)}`);
    expect(response.status).toBe(200);
  });

  it('refuses a link once it expires, and once its sign-in ends', async () => {
    const app = await startTerminalApp({ PREVIEW_LINK_TTL_MINUTES: '10' });
    const base = linkBase(await openPreview(app, dev.port));
    expect((await fetch(`${app.origin}${base}`)).status).toBe(200);
    app.clock.advance(10 * 60_000);
    const expired = await fetch(`${app.origin}${base}`);
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.code).toBe('preview_link_expired');

    const fresh = linkBase(await openPreview(app, dev.port));
    expect((await fetch(`${app.origin}${fresh}`)).status).toBe(200);
    const [session] = await app.app.auth.sessions.list();
    await app.app.auth.sessions.revoke(session!.id);
    const signedOut = await fetch(`${app.origin}${fresh}`);
    expect(signedOut.status).toBe(401);
    expect((await signedOut.json()).error.code).toBe('preview_link_signed_out');
  });

  it('limits bad guesses per address: after 30, even a good link waits', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    for (let i = 0; i < 30; i++) {
      const guess = await fetch(`${app.origin}/preview/${dev.port}/~${String(i).padStart(42, 'B')}/`);
      expect(guess.status).toBe(401);
    }
    const limited = await fetch(`${app.origin}${base}`);
    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe('rate_limited');
    app.clock.advance(60_000);
    expect((await fetch(`${app.origin}${base}`)).status).toBe(200);
  });

  it('never writes a capability to the log', async () => {
    const app = await startTerminalApp({ LOG_LEVEL: 'trace' });
    const location = await openPreview(app, dev.port);
    const capability = linkBase(location).split('~')[1]!.slice(0, -1);
    await fetch(`${app.origin}${location}`);
    await fetch(`${app.origin}/preview/${dev.port}/~${capability}x/`);
    await fetch(`${app.origin}${linkBase(location)}silent-is-not-called`);
    expect(app.logText()).not.toContain(capability);
  });
});

describe('forwarding WebSockets', () => {
  it('relays a hot-reload socket both ways, text and binary, with its subprotocol', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const client = connectWs(`ws://127.0.0.1:${app.port}${base}hmr?token=abc`, { protocol: 'vite-hmr', headers: { cookie: app.cookie, origin: 'null' } });
    await client.opened;
    expect(client.socket.protocol).toBe('vite-hmr');
    await waitFor(() => client.messages.find((message) => message.data.toString() === '{"type":"connected"}'));
    client.socket.send('{"type":"ping"}');
    const binary = Buffer.from([0, 1, 2, 255]);
    client.socket.send(binary);
    await waitFor(() => (client.messages.length >= 3 ? true : undefined));
    expect(client.messages.slice(1).map((message) => [message.data.toString('hex'), message.isBinary])).toEqual([
      [Buffer.from('{"type":"ping"}').toString('hex'), false],
      [binary.toString('hex'), true],
    ]);
    const handshake = (await dev.received()).find((request) => request.method === 'WEBSOCKET')!;
    expect(handshake.url).toBe('/hmr?token=abc');
    expect(handshake.headers.cookie).toBeUndefined();
    expect(handshake.headers.origin).toBe(`http://127.0.0.1:${dev.port}`);
    client.socket.close();
  });

  it('relays a flood of large messages without losing or reordering any', async () => {
    const app = await startTerminalApp();
    const base = linkBase(await openPreview(app, dev.port));
    const client = connectWs(`ws://127.0.0.1:${app.port}${base}hmr`, { protocol: 'vite-hmr' });
    await client.opened;
    await waitFor(() => (client.messages.length >= 1 ? true : undefined));
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) {
      const message = Buffer.alloc(512 * 1024, i);
      sent.push(sha256(message));
      client.socket.send(message);
    }
    await waitFor(() => (client.messages.length >= 41 ? true : undefined), 20_000);
    expect(client.messages.slice(1).map((message) => sha256(message.data))).toEqual(sent);
    client.socket.close();
  });

  it("counts preview connections toward the per-address connection cap", async () => {
    const app = await startTerminalApp({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '4' });
    // The link through inject(), which holds no connection.
    const location = (await app.app.inject({ url: `/preview/${dev.port}/`, headers: { cookie: app.cookie } })).headers.location as string;
    const url = `ws://127.0.0.1:${app.port}${linkBase(location)}hmr`;
    const open = [];
    for (let i = 0; i < 4; i++) {
      const client = connectWs(url, { protocol: 'vite-hmr' });
      await client.opened;
      open.push(client);
    }
    const fifth = connectWs(url, { protocol: 'vite-hmr' });
    await expect(fifth.opened).rejects.toThrow();
    open[0]!.socket.close();
    await open[0]!.closed;
    await expect
      .poll(async () => {
        const retry = connectWs(url, { protocol: 'vite-hmr' });
        try {
          await retry.opened;
          retry.socket.close();
          return true;
        } catch {
          return false;
        }
      })
      .toBe(true);
    for (const client of open) client.socket.close();
  });

  it('refuses an upgrade without a valid link, and closes relayed sockets when the sign-in ends', async () => {
    const app = await startTerminalApp();
    const stranger = connectWs(`ws://127.0.0.1:${app.port}/preview/${dev.port}/~${'C'.repeat(42)}/hmr`, { protocol: 'vite-hmr' });
    await expect(stranger.opened).rejects.toThrow('HTTP 401');
    const noLink = connectWs(`ws://127.0.0.1:${app.port}/preview/${dev.port}/hmr`, { protocol: 'vite-hmr', headers: { cookie: app.cookie } });
    await expect(noLink.opened).rejects.toThrow(/HTTP 30\d/);

    const base = linkBase(await openPreview(app, dev.port));
    const client = connectWs(`ws://127.0.0.1:${app.port}${base}hmr`, { protocol: 'vite-hmr' });
    await client.opened;
    const [session] = await app.app.auth.sessions.list();
    await app.app.auth.sessions.revoke(session!.id);
    expect((await client.closed).code).toBe(1008);
  });
});

