import { request as httpRequest } from 'node:http';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { injectAsOwner, signInAsOwner } from '../helpers/app.js';
import { connectClient, connectSocket, startTerminalApp, waitUntil, type TerminalTestApp } from '../features/terminals/helpers.js';

/** A raw WebSocket handshake to Socket.IO; resolves with the HTTP status of a refusal, or 101. */
function rawHandshake(app: TerminalTestApp, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/socket.io/?EIO=4&transport=websocket`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (error) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

function connectError(app: TerminalTestApp, options: Parameters<typeof connectSocket>[1]): Promise<string> {
  const socket = connectSocket(app, options);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected although it should have been refused')));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

/** A plain HTTP request to the app (no client rewrites Host): status, headers and body. */
function rawGet(app: TerminalTestApp, url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: app.port, path: url, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** A real Socket.IO client; resolves 'connected' or the connect_error message. */
function socketIoHandshake(app: TerminalTestApp, headers: Record<string, string>): Promise<string> {
  const socket = io(`http://127.0.0.1:${app.port}/terminals`, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
  return new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  }).finally(() => socket.close());
}

describe('the socket server', () => {
  // Engine.IO answers /socket.io/ before Fastify: the review found neither the Host rule nor the
  // security headers there (issue 18, finding 9).
  it('applies the Host check and the security headers to /socket.io/ over plain HTTP', async () => {
    const app = await startTerminalApp({ PUBLIC_URL: 'https://shell.example.com' });
    const polling = '/socket.io/?EIO=4&transport=polling';

    const foreign = await rawGet(app, polling, { host: 'evil.example', origin: 'https://shell.example.com' });
    expect(foreign.status).toBe(421);
    expect(JSON.parse(foreign.body).error.code).toBe('unknown_host');

    // Our own name: Engine.IO answers (long polling is off), with the same headers as every page.
    const ours = await rawGet(app, polling, { host: 'shell.example.com', origin: 'https://shell.example.com' });
    expect(ours.status).toBe(400);
    expect(JSON.parse(ours.body)).toMatchObject({ message: 'Transport unknown' });
    for (const answer of [foreign, ours]) {
      expect(answer.headers['content-security-policy']).toContain("default-src 'self'");
      expect(answer.headers['x-frame-options']).toBe('DENY');
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['strict-transport-security']).toContain('max-age=');
    }
    // Everything else still reaches Fastify.
    expect((await rawGet(app, '/healthz', { host: 'shell.example.com' })).status).toBe(200);
  });

  it('refuses a Socket.IO handshake that names a foreign Host, even with our Origin and a valid session', async () => {
    const app = await startTerminalApp({ PUBLIC_URL: 'https://shell.example.com' });
    const ours = { origin: 'https://shell.example.com', cookie: app.cookie };
    expect(await socketIoHandshake(app, { ...ours, host: 'shell.example.com' })).toBe('connected');
    expect(await socketIoHandshake(app, { ...ours, host: 'evil.example' })).toBe('websocket error');
    expect(await rawHandshake(app, { ...ours, host: 'evil.example:443' })).toBe(421);
    expect(await rawHandshake(app, { ...ours, host: 'shell.example.com' })).toBe(101);
    expect(app.logText()).toContain('socket handshake refused: unknown host');
  });

  it('accepts our origin with a session cookie, over a raw WebSocket too', async () => {
    const app = await startTerminalApp();
    expect(await rawHandshake(app, { origin: app.origin, cookie: app.cookie })).toBe(101);
    const client = await connectClient(app);
    expect(client.socket.connected).toBe(true);
  });

  it('refuses a WebSocket from a foreign origin even with a valid session cookie (cross-site WebSocket hijacking)', async () => {
    const app = await startTerminalApp();
    expect(await rawHandshake(app, { origin: 'https://evil.example', cookie: app.cookie })).toBeGreaterThanOrEqual(400);
    expect(await rawHandshake(app, { origin: `http://localhost.evil.example:${app.port}`, cookie: app.cookie })).toBeGreaterThanOrEqual(400);
    expect(await rawHandshake(app, { cookie: app.cookie })).toBeGreaterThanOrEqual(400); // no Origin at all
    expect(app.logText()).toContain('socket handshake refused');
  });

  it('refuses handshakes without a valid session', async () => {
    const app = await startTerminalApp();
    expect(await connectError(app, { cookie: null })).toMatch(/websocket error|Sign in/i);
    expect(await connectError(app, { cookie: 'shellport_session=forged' })).toMatch(/websocket error|Sign in/i);
    expect(await rawHandshake(app, { origin: app.origin })).toBeGreaterThanOrEqual(400);
  });

  it('re-checks the sign-in on state-changing events and disconnects a revoked one', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    // Deleted behind the session store's back (as the owner CLI does), so no one is told.
    await app.app.db.authSession.deleteMany({});
    const disconnected = new Promise((resolve) => client.socket.once('disconnect', resolve));
    expect(await client.request('terminal:create', {})).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    await disconnected;
    expect(app.app.terminals.countActive()).toBe(0);
  });

  it('disconnects at once the sockets of a sign-in that ends (sign-out, revoke, sign out everywhere, expiry), and only those', async () => {
    const app = await startTerminalApp();
    const sameOrigin = { origin: app.origin, host: `127.0.0.1:${app.port}` };
    const me = (cookie: string) => app.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    const connect = async () => {
      const cookie = await signInAsOwner(app.app);
      const client = await connectClient(app, { cookie });
      const id = (await me(cookie)).json().session.id as string;
      const reasons: string[] = [];
      client.socket.on('disconnect', (reason) => reasons.push(reason));
      return { cookie, client, id, reasons };
    };
    // Well inside the 60 s periodic re-check: only being told can be this quick.
    const disconnected = (who: { reasons: string[] }) => waitUntil(() => who.reasons.length > 0, 2_000).then(() => who.reasons);
    const [signsOut, revoked, expired, pruned, watcher] = [await connect(), await connect(), await connect(), await connect(), await connect()];

    // Sign-out: input sent after it does not reach the shell another session watches.
    const terminal = await signsOut.client.create();
    await signsOut.client.attach(terminal.id);
    await watcher.client.attach(terminal.id);
    expect((await app.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: signsOut.cookie, ...sameOrigin } })).statusCode).toBe(200);
    signsOut.client.input(terminal.id, 'echo after-logout-$((6*7))\r');
    // The server's disconnect: socket.io-client does not reconnect after it.
    expect(await disconnected(signsOut)).toEqual(['io server disconnect']);
    watcher.client.input(terminal.id, 'echo marker-$((1+1))\r');
    await watcher.client.waitForText(terminal.id, 'marker-2');
    expect(watcher.client.text(terminal.id)).not.toContain('after-logout-42');

    // Revoked from Settings by another session.
    expect((await app.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${revoked.id}`, headers: { cookie: watcher.cookie, ...sameOrigin } })).statusCode).toBe(204);
    expect(await disconnected(revoked)).toEqual(['io server disconnect']);

    // Expired: found on its next use, or deleted by the prune job.
    await app.app.db.authSession.updateMany({ where: { id: { in: [expired.id, pruned.id] } }, data: { expiresAt: new Date(app.clock.now().getTime() - 1000) } });
    expect((await me(expired.cookie)).statusCode).toBe(401);
    expect(await disconnected(expired)).toEqual(['io server disconnect']);
    const prune = await injectAsOwner(app.app, { method: 'POST', url: '/api/maintenance/jobs/prune/run' });
    expect(prune.json().run.details.deleted.authSessions).toBe(1);
    expect(await disconnected(pruned)).toEqual(['io server disconnect']);

    // Only the sockets of the sessions that ended.
    expect(watcher.client.socket.connected).toBe(true);
    expect((await app.app.inject({ method: 'POST', url: '/auth/logout-all', headers: { cookie: watcher.cookie, ...sameOrigin } })).statusCode).toBe(200);
    expect(await disconnected(watcher)).toEqual(['io server disconnect']);
    await app.app.terminals.kill(terminal.id);
  });

  it('disconnects sockets when the app closes', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const closed = new Promise((resolve) => client.socket.once('disconnect', resolve));
    await app.app.close();
    await closed;
    expect(client.socket.connected).toBe(false);
  });
});
