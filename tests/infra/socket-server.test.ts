import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connectClient, connectSocket, startTerminalApp, type TerminalTestApp } from '../features/terminals/helpers.js';

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

describe('the socket server', () => {
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
    await app.app.auth.sessions.revokeAll();
    const disconnected = new Promise((resolve) => client.socket.once('disconnect', resolve));
    expect(await client.request('terminal:create', {})).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    await disconnected;
    expect(app.app.terminals.countActive()).toBe(0);
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
