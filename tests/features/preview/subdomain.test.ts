// The subdomain mode of previews (PREVIEW_DOMAIN, docs/preview.md): `<port>.<domain>` serves a real
// dev server (a node child process) at `/`, through the real app on a real port, with Host headers
// on loopback. The sign-in crosses over as a one-time ticket that becomes a host-only cookie, which
// the dev server never sees; Shellport's own routes never answer on a preview host.
import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTerminalApp, type TerminalTestApp } from '../terminals/helpers.js';
import { startDevServer, type DevServer } from './helpers.js';

const DOMAIN = 'preview.example.test';
/** Where browsers reach Shellport: preview hosts are at its scheme and port. */
const PUBLIC_URL = 'http://127.0.0.1:3999';
const ENV = { PREVIEW_DOMAIN: DOMAIN, PUBLIC_URL };

let dev: DevServer;
beforeEach(async () => {
  dev = await startDevServer();
});
afterEach(() => dev.stop());

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request to the app's port with the Host header given (fetch cannot set Host). */
function request(app: TerminalTestApp, host: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: '127.0.0.1', port: app.port, path, method, headers: { ...headers, host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const previewHost = (_app: TerminalTestApp, port = dev.port) => `${port}.${DOMAIN}:3999`;
const errorCode = (answer: Answer) => (JSON.parse(answer.body) as { error: { code: string } }).error.code;

/** Opens `/preview/<port><path>` on Shellport as the owner and redeems the ticket on the preview host; returns the preview cookie. */
async function signInToPreview(app: TerminalTestApp, path = '/'): Promise<{ cookie: string; landing: string; ticketUrl: string }> {
  const opened = await request(app, `127.0.0.1:${app.port}`, `/preview/${dev.port}${path}`, { cookie: app.cookie });
  expect(opened.status).toBe(302);
  const ticketUrl = new URL(opened.headers.location!);
  expect(ticketUrl.origin).toBe(`http://${previewHost(app)}`);
  expect(ticketUrl.pathname).toBe('/__shellport_preview');
  const redeemed = await request(app, previewHost(app), `${ticketUrl.pathname}${ticketUrl.search}`);
  expect(redeemed.status).toBe(303);
  const setCookie = redeemed.headers['set-cookie']!;
  expect(setCookie).toHaveLength(1);
  // Host-only (no Domain), for the whole host, out of the page's reach.
  expect(setCookie[0]).toMatch(/^shellport_preview=[A-Za-z0-9_-]{42}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/);
  return { cookie: setCookie[0]!.split(';')[0]!, landing: redeemed.headers.location!, ticketUrl: `${ticketUrl.pathname}${ticketUrl.search}` };
}

describe('previews on their own host names', () => {
  it('trades a one-time ticket for a host-only cookie, then serves the app at / with its root-relative assets', async () => {
    const app = await startTerminalApp(ENV);
    const { cookie, landing, ticketUrl } = await signInToPreview(app, '/app.js?v=1');
    expect(landing).toBe('/app.js?v=1');
    // A ticket works once.
    const again = await request(app, previewHost(app), ticketUrl);
    expect(again.status).toBe(401);
    expect(errorCode(again)).toBe('preview_ticket_invalid');

    const page = await request(app, previewHost(app), '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Hello from the dev server');
    // No sandbox on a host of its own (the app keeps its storage); Shellport's pane may frame it.
    expect(page.headers['content-security-policy']).toBe(`frame-ancestors 'self' ${PUBLIC_URL}`);
    // Root-relative URLs stay on the preview host: what path mode cannot do.
    const module = await request(app, previewHost(app), '/mod.js', { cookie });
    expect(module.status).toBe(200);
    expect(module.body).toContain('module ran');
    // A path that is Shellport's on its own host is the app's here.
    const api = await request(app, previewHost(app), '/api/me', { cookie: `${cookie}; ${app.cookie}` });
    expect(api.body).toBe('path /api/me');
    // Redirects stay on the host.
    expect((await request(app, previewHost(app), '/redirect-absolute', { cookie })).headers.location).toBe('/landing?from=abs');

    // Shellport's pages may frame preview hosts, and nothing else.
    const shell = await request(app, `127.0.0.1:${app.port}`, '/workspaces', { cookie: app.cookie });
    expect(shell.headers['content-security-policy']).toContain(`frame-src ${PUBLIC_URL}/preview/ http://*.${DOMAIN}:3999;`);
  });

  it("keeps Shellport's cookies and the preview cookie from the app, and the app's cookies on its own host", async () => {
    const app = await startTerminalApp(ENV);
    const { cookie } = await signInToPreview(app);
    const set = await request(app, previewHost(app), '/cookies', { cookie: `${cookie}; ${app.cookie}; theme=dark`, authorization: 'Bearer app-token' });
    expect(set.headers['set-cookie']).toEqual(['app_session=abc; Path=/; HttpOnly; SameSite=Lax', 'prefs=dark; Path=/settings']);
    const received = await dev.received();
    const last = received.at(-1)!;
    expect(last.url).toBe('/cookies');
    expect(last.headers.cookie).toBe('theme=dark');
    expect(last.headers.host).toBe(`127.0.0.1:${dev.port}`);
    // The app's own Authorization is its own on its host (Shellport's credentials never come there).
    expect(last.headers.authorization).toBe('Bearer app-token');
    for (const entry of received) expect(entry.headers.cookie ?? '').not.toMatch(/shellport/);
  });

  it('relays the WebSocket of a preview host, for the cookie holder only', async () => {
    const app = await startTerminalApp(ENV);
    const { cookie } = await signInToPreview(app);
    const socket = new WebSocket(`ws://127.0.0.1:${app.port}/hmr`, ['vite-hmr'], { headers: { host: previewHost(app), cookie } });
    const messages: string[] = [];
    socket.on('message', (data: Buffer) => messages.push(data.toString()));
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    socket.send('hot update');
    await expect.poll(() => messages).toEqual(['{"type":"connected"}', 'hot update']);
    socket.close();
    const handshake = (await dev.received()).find((entry) => entry.method === 'WEBSOCKET')!;
    expect(handshake.headers.cookie).toBeUndefined();

    const stranger = new WebSocket(`ws://127.0.0.1:${app.port}/hmr`, ['vite-hmr'], { headers: { host: previewHost(app) } });
    const status = await new Promise<number>((resolve) => {
      stranger.once('unexpected-response', (_request, response) => resolve(response.statusCode!));
      stranger.once('open', () => resolve(101));
    });
    expect(status).toBe(401);
  });

  it('refuses a stranger, a cookie of another port, and answers exactly the preview hosts', async () => {
    const app = await startTerminalApp(ENV);
    const stranger = await request(app, previewHost(app), '/');
    expect(stranger.status).toBe(401);
    expect(errorCode(stranger)).toBe('preview_sign_in_required');
    expect(JSON.parse(stranger.body).error.message).toContain(`${PUBLIC_URL}/preview/${dev.port}/`);
    // Shellport's session cookie is no credential here.
    expect((await request(app, previewHost(app), '/', { cookie: app.cookie })).status).toBe(401);
    expect(errorCode(await request(app, previewHost(app), '/', { cookie: 'shellport_preview=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }))).toBe('preview_link_invalid');
    expect(errorCode(await request(app, previewHost(app), '/__shellport_preview?ticket=forged'))).toBe('preview_ticket_invalid');
    const { cookie } = await signInToPreview(app);
    const other = await request(app, previewHost(app, dev.port === 65535 ? 65534 : dev.port + 1), '/', { cookie });
    expect(other.status).toBe(401);
    // Nothing reached the dev server.
    expect((await dev.received()).filter((entry) => entry.url !== '/__received')).toEqual([]);

    // Exactly `<port>.<domain>`: other names are refused as before, and Shellport's own port never.
    for (const host of ['evil.example:3999', `abc.${DOMAIN}:3999`, `99999.${DOMAIN}:3999`, `${dev.port}.x.${DOMAIN}:3999`, `x${dev.port}.${DOMAIN}`, `${DOMAIN}:3999`]) {
      const answer = await request(app, host, '/');
      expect([host, answer.status]).toEqual([host, 421]);
    }
    expect(errorCode(await request(app, previewHost(app, app.port), '/', { cookie }))).toBe('own_port');
    expect(errorCode(await request(app, previewHost(app, 3999), '/', { cookie }))).toBe('own_port');
    // The preview hosts' internal route is nothing on Shellport's own host.
    expect((await request(app, `127.0.0.1:${app.port}`, `/__preview-host/${dev.port}/`, { cookie: app.cookie })).status).toBe(404);
  });

  it('keeps the path mode when PREVIEW_DOMAIN is not set', async () => {
    const app = await startTerminalApp();
    const opened = await request(app, `127.0.0.1:${app.port}`, `/preview/${dev.port}/`, { cookie: app.cookie });
    expect(opened.headers.location).toMatch(new RegExp(`^/preview/${dev.port}/~[A-Za-z0-9_-]{42}/$`));
    expect((await request(app, previewHost(app), '/')).status).toBe(421);
  });
});
