import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BAD_SHARE_TOKENS_PER_MINUTE } from '../../../src/features/shares/plugin.js';
import { MAX_VIEWERS_PER_TERMINAL } from '../../../src/features/shares/service.js';
import { CLOSE_SHARE_ENDED, CLOSE_SHARE_EXPIRED, CLOSE_SHARE_REVOKED, SHARE_WS_PREFIX } from '../../../src/shared/shares.js';
import { startTerminalApp, trackConnection, waitUntil, type TerminalTestApp } from '../terminals/helpers.js';
import { connectWsClient, WsTerminalClient } from '../terminals/transports.js';

/** Creates a share link of the terminal as the owner; returns the token and the share's id. */
async function share(app: TerminalTestApp, terminalId: string, body: Record<string, unknown> = {}) {
  const response = await app.app.inject({
    method: 'POST',
    url: `/api/terminals/${terminalId}/shares`,
    headers: { cookie: app.cookie, origin: app.origin, host: new URL(app.origin).host },
    payload: body,
  });
  expect(response.statusCode, response.body).toBe(201);
  const created = response.json<{ share: { id: string; expiresAt: string; viewers: number }; path: string }>();
  const token = created.path.replace('/share/', '');
  return { ...created, token };
}

/** A viewer's WebSocket (no cookie): the HTTP status of a refused handshake, or the open client with its close codes. */
async function openViewer(app: TerminalTestApp, token: string, origin: string | null = app.origin) {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}${SHARE_WS_PREFIX}${token}`, { headers: origin ? { origin } : {} });
  trackConnection(() => ws.close());
  const client = new WsTerminalClient(ws);
  const closes: number[] = [];
  ws.on('close', (code: number) => closes.push(code));
  const status = await new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (request, response) => {
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
    // Dropped before any answer (the per-address connection cap).
    ws.once('close', () => resolve(-1));
  });
  return { status, client, closes };
}

async function ownerWithTerminal(env: Record<string, string> = {}) {
  const app = await startTerminalApp(env);
  const owner = await connectWsClient(app);
  const terminal = await owner.create({ cols: 100, rows: 30 });
  await owner.attach(terminal.id, { lastSeq: 0, cols: 100, rows: 30 });
  return { app, owner, terminal };
}

const lookUp = (app: TerminalTestApp, token: string) => app.app.inject({ method: 'GET', url: `/api/shares/${token}` });

describe('read-only share links', () => {
  it('a viewer replays the scrollback and follows live output with no gap or duplicate, and learns only the title and size', async () => {
    const { app, owner, terminal } = await ownerWithTerminal();
    owner.input(terminal.id, 'echo before-$((40+2))\r');
    await owner.waitForText(terminal.id, 'before-42');
    const { token, share: created } = await share(app, terminal.id, { expiresIn: '15m', label: 'pairing' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(created.expiresAt) - app.clock.now().getTime()).toBe(15 * 60_000);

    const described = await lookUp(app, token);
    expect(described.statusCode).toBe(200);
    expect(described.json()).toEqual({ terminalId: terminal.id, title: 'bash', sharedBy: null, expiresAt: created.expiresAt, cols: 100, rows: 30 });

    // A flood is running while the viewer attaches: its replay and the live output must join exactly.
    owner.input(terminal.id, 'for i in $(seq 1 4000); do echo flood-line-$i; done; echo flood-$((1+1))-done\r');
    await owner.waitForText(terminal.id, 'flood-line-200');
    const viewer = await openViewer(app, token);
    expect(viewer.status).toBe(101);
    const attached = await viewer.client.ok('terminal:attach', { sessionId: terminal.id, lastSeq: 0, cols: 20, rows: 5 });
    expect(attached.from).toBe(0);
    // Nothing of the owner's workspace, directory or process reaches the viewer; its size changed nothing.
    expect(attached.session).toMatchObject({ id: terminal.id, workspaceId: null, cwd: '', pid: null, shell: '', lastCwd: null, cols: 100, rows: 30 });
    await viewer.client.waitForText(terminal.id, 'flood-2-done', 20_000);
    owner.input(terminal.id, 'echo after-$((6*7))\r');
    await viewer.client.waitForText(terminal.id, 'after-42');
    await owner.waitForText(terminal.id, 'after-42');
    await waitUntil(() => owner.stream(terminal.id).seq === viewer.client.stream(terminal.id).seq || undefined);
    expect(viewer.client.stream(terminal.id).discontinuities).toEqual([]);
    expect(viewer.client.stream(terminal.id).resets).toEqual([]);
    expect(viewer.client.bytes(terminal.id).equals(owner.bytes(terminal.id))).toBe(true);
    // It was never the client that answers queries.
    expect(viewer.client.answering.length).toBeGreaterThan(0);
    expect(viewer.client.answering.every((event) => !event.answering)).toBe(true);

    const listed = await app.app.inject({ method: 'GET', url: '/api/shares', headers: { cookie: app.cookie } });
    expect(listed.json().shares).toEqual([expect.objectContaining({ id: created.id, terminalId: terminal.id, terminalTitle: 'bash', label: 'pairing', viewers: 1 })]);
    // The token is never in a log line, neither is the share page's path.
    await app.app.inject({ method: 'GET', url: `/share/${token}`, headers: { accept: 'text/html' } });
    expect(app.logText()).not.toContain(token);
    expect(app.logText()).not.toContain(token.slice(0, 20));
  }, 60_000);

  it('refuses a viewer\'s input, resize, other terminals and every owner event, and nothing reaches the PTY', async () => {
    const { app, owner, terminal } = await ownerWithTerminal();
    const other = await owner.create();
    const { token } = await share(app, terminal.id);
    const viewer = await openViewer(app, token);
    await viewer.client.ok('terminal:attach', { sessionId: terminal.id, lastSeq: 0 });
    viewer.client.send('terminal:input', { sessionId: terminal.id, data: 'echo viewer-typed-$((3*3))\r' });
    viewer.client.send('terminal:resize', { sessionId: terminal.id, cols: 40, rows: 10 });
    viewer.client.send('terminal:seen', { sessionId: terminal.id });
    for (const [event, payload] of [
      ['terminal:input', { sessionId: terminal.id, data: 'x' }],
      ['terminal:resize', { sessionId: terminal.id, cols: 40, rows: 10 }],
      ['terminal:attach', { sessionId: other.id, lastSeq: 0 }],
      ['terminal:create', { shell: 'bash' }],
      ['terminal:kill', { sessionId: terminal.id }],
      ['terminal:rename', { sessionId: terminal.id, name: 'mine' }],
      ['terminal:list', {}],
    ] as const) {
      expect(await viewer.client.request(event, payload), event).toMatchObject({ ok: false, error: { code: 'read_only' } });
    }
    await waitUntil(() => viewer.client.errors.length >= 3 || undefined);
    expect(viewer.client.errors.map((e) => [e.event, e.error.code])).toEqual([
      ['terminal:input', 'read_only'],
      ['terminal:resize', 'read_only'],
      ['terminal:seen', 'read_only'],
    ]);
    // The owner's own echo comes after anything the viewer's messages could have caused.
    owner.input(terminal.id, 'echo owner-$((2*2))\r');
    await owner.waitForText(terminal.id, 'owner-4');
    expect(owner.text(terminal.id)).not.toContain('viewer-typed');
    const info = (await app.app.inject({ method: 'GET', url: `/api/terminals/${terminal.id}`, headers: { cookie: app.cookie } })).json().session;
    expect([info.cols, info.rows, info.name]).toEqual([100, 30, null]);
    expect((await app.app.inject({ method: 'GET', url: `/api/terminals/${other.id}`, headers: { cookie: app.cookie } })).json().session.status).toBe('active');
    // The owner leaves: the answering role goes to nobody rather than to the viewer.
    await owner.ok('terminal:detach', { sessionId: terminal.id });
    owner.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(viewer.client.answering.every((event) => !event.answering)).toBe(true);
  }, 30_000);

  it('a token for terminal A cannot attach B, and its viewers get nothing of B', async () => {
    const { app, owner, terminal } = await ownerWithTerminal();
    const b = await owner.create();
    await owner.attach(b.id, { lastSeq: 0 });
    const { token } = await share(app, terminal.id);
    const viewer = await openViewer(app, token);
    expect(await viewer.client.request('terminal:attach', { sessionId: b.id, lastSeq: 0 })).toMatchObject({ ok: false, error: { code: 'read_only' } });
    owner.input(b.id, 'echo only-in-b\r');
    await owner.waitForText(b.id, 'only-in-b');
    expect(viewer.client.streams.has(b.id)).toBe(false);
  }, 30_000);

  it('revoking disconnects open viewers at once and the link stops working', async () => {
    const { app, terminal } = await ownerWithTerminal();
    const { token, share: created } = await share(app, terminal.id);
    const viewer = await openViewer(app, token);
    await viewer.client.ok('terminal:attach', { sessionId: terminal.id, lastSeq: 0 });
    const revoked = await app.app.inject({ method: 'DELETE', url: `/api/shares/${created.id}`, headers: { cookie: app.cookie, origin: app.origin, host: new URL(app.origin).host } });
    expect(revoked.statusCode).toBe(204);
    await waitUntil(() => viewer.closes.length > 0 || undefined, 2000);
    expect(viewer.closes).toEqual([CLOSE_SHARE_REVOKED]);
    expect((await lookUp(app, token)).statusCode).toBe(404);
    expect((await openViewer(app, token)).status).toBe(404);
    expect((await app.app.inject({ method: 'GET', url: '/api/shares', headers: { cookie: app.cookie } })).json().shares).toEqual([]);
  }, 30_000);

  it('expiry (the app clock) disconnects open viewers and the link stops working', async () => {
    const { app, terminal } = await ownerWithTerminal();
    const { token } = await share(app, terminal.id, { expiresIn: '1h' });
    const viewer = await openViewer(app, token);
    await viewer.client.ok('terminal:attach', { sessionId: terminal.id, lastSeq: 0 });
    app.clock.advance(60 * 60_000 - 1000);
    expect((await lookUp(app, token)).statusCode).toBe(200);
    app.clock.advance(1000);
    await waitUntil(() => viewer.closes.length > 0 || undefined, 3000);
    expect(viewer.closes).toEqual([CLOSE_SHARE_EXPIRED]);
    expect((await lookUp(app, token)).statusCode).toBe(404);
    expect((await openViewer(app, token)).status).toBe(404);
  }, 30_000);

  it('the terminal ending shows viewers the end and closes them; the link dies with it', async () => {
    const { app, owner, terminal } = await ownerWithTerminal();
    const { token } = await share(app, terminal.id);
    const viewer = await openViewer(app, token);
    await viewer.client.ok('terminal:attach', { sessionId: terminal.id, lastSeq: 0 });
    owner.input(terminal.id, 'echo last-words; exit 3\r');
    await waitUntil(() => viewer.closes.length > 0 || undefined);
    expect(viewer.client.text(terminal.id)).toContain('last-words');
    expect(viewer.client.stream(terminal.id).exit).toMatchObject({ exitCode: 3, reason: 'exited' });
    expect(viewer.closes).toEqual([CLOSE_SHARE_ENDED]);
    expect((await lookUp(app, token)).statusCode).toBe(404);
    expect((await openViewer(app, token)).status).toBe(404);
    // Sharing an ended terminal is refused.
    const again = await app.app.inject({ method: 'POST', url: `/api/terminals/${terminal.id}/shares`, headers: { cookie: app.cookie, origin: app.origin, host: new URL(app.origin).host }, payload: {} });
    expect(again.json().error.code).toBe('session_ended');
  }, 30_000);

  it('checks the viewer\'s Origin and Host like the owner\'s, and the owner routes need the session and our Origin', async () => {
    const { app, terminal } = await ownerWithTerminal();
    const { token, share: created } = await share(app, terminal.id);
    expect((await openViewer(app, token, 'https://evil.example')).status).toBe(403);
    expect((await openViewer(app, token, null)).status).toBe(403);
    const foreignHost = new WebSocket(`ws://127.0.0.1:${app.port}${SHARE_WS_PREFIX}${token}`, { headers: { origin: 'http://evil.example', host: 'evil.example' } });
    const hostStatus = await new Promise<number>((resolve) => {
      foreignHost.once('open', () => resolve(101));
      foreignHost.once('unexpected-response', (request, response) => {
        request.destroy();
        resolve(response.statusCode ?? 0);
      });
    });
    expect(hostStatus).toBe(421);
    // A state-changing owner route wants the session and our own Origin.
    const noOrigin = await app.app.inject({ method: 'POST', url: `/api/terminals/${terminal.id}/shares`, headers: { cookie: app.cookie, host: new URL(app.origin).host }, payload: {} });
    expect(noOrigin.statusCode).toBe(403);
    const noCookie = await app.app.inject({ method: 'POST', url: `/api/terminals/${terminal.id}/shares`, headers: { origin: app.origin, host: new URL(app.origin).host }, payload: {} });
    expect(noCookie.statusCode).toBe(401);
    expect((await app.app.inject({ method: 'GET', url: '/api/shares' })).statusCode).toBe(401);
    const foreignRevoke = await app.app.inject({ method: 'DELETE', url: `/api/shares/${created.id}`, headers: { cookie: app.cookie, origin: 'https://evil.example' } });
    expect(foreignRevoke.statusCode).toBe(403);
    const bad = await app.app.inject({ method: 'POST', url: `/api/terminals/${terminal.id}/shares`, headers: { cookie: app.cookie, origin: app.origin, host: new URL(app.origin).host }, payload: { expiresIn: '1y' } });
    expect(bad.json().error.code).toBe('validation_failed');
  }, 30_000);

  it('rate-limits token guessing per address: then even a right token is refused, over HTTP and the WebSocket', async () => {
    const { app, terminal } = await ownerWithTerminal();
    const { token } = await share(app, terminal.id);
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (let i = 0; i < BAD_SHARE_TOKENS_PER_MINUTE; i++) expect((await lookUp(app, i % 2 ? wrong : `guess-${i}`)).statusCode).toBe(404);
    const limited = await lookUp(app, token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect((await openViewer(app, token)).status).toBe(429);
    // Another address is not affected, and the window passes.
    expect((await app.app.inject({ method: 'GET', url: `/api/shares/${token}`, remoteAddress: '10.1.2.3' })).statusCode).toBe(200);
    app.clock.advance(61_000);
    expect((await lookUp(app, token)).statusCode).toBe(200);
    expect(app.logText()).not.toContain(token);
    expect(app.logText()).not.toContain(wrong);
  }, 30_000);

  it('viewers count toward the per-address connection cap and the terminal\'s viewer limit', async () => {
    const { app, terminal } = await ownerWithTerminal({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '4' });
    const { token } = await share(app, terminal.id);
    // The owner's WebSocket is one connection of this address: three viewers fit, a fourth is dropped.
    const viewers = [await openViewer(app, token), await openViewer(app, token), await openViewer(app, token)];
    expect(viewers.map((viewer) => viewer.status)).toEqual([101, 101, 101]);
    expect((await openViewer(app, token)).status).toBe(-1);
    viewers[0]!.client.close();
    await waitUntil(() => viewers[0]!.closes.length > 0 || undefined);
    await waitUntil(async () => ((await openViewer(app, token)).status === 101 ? true : undefined), 3000);
  }, 30_000);

  it(`takes at most ${MAX_VIEWERS_PER_TERMINAL} viewers per terminal`, async () => {
    const { app, terminal } = await ownerWithTerminal();
    const { token } = await share(app, terminal.id);
    const { token: second } = await share(app, terminal.id);
    for (let i = 0; i < MAX_VIEWERS_PER_TERMINAL; i++) expect((await openViewer(app, i % 2 ? token : second)).status).toBe(101);
    const extra = await openViewer(app, token);
    await waitUntil(() => extra.closes.length > 0 || undefined);
    expect(extra.closes).toEqual([1013]);
  }, 30_000);
});
