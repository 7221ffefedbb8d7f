import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { CLOSE_SIGNED_OUT, TERMINALS_WS_PATH } from '../../../src/shared/terminals.js';
import { signInAsOwner } from '../../helpers/app.js';
import { connectClient, startTerminalApp, waitUntil, type TerminalTestApp } from './helpers.js';

/** A raw client of the plain WebSocket route (docs/protocol.md, "Plain WebSocket"). */
async function openWs(app: TerminalTestApp, headers: Record<string, string>) {
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}${TERMINALS_WS_PATH}`, { headers });
  const events: { event: string; payload: any }[] = [];
  const acks = new Map<number, any>();
  const output: { sessionId: string; seq: number; data: Buffer }[] = [];
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (isBinary) {
      const n = raw[9]!;
      output.push({ sessionId: raw.toString('latin1', 10, 10 + n), seq: raw.readDoubleBE(1), data: raw.subarray(10 + n) });
      return;
    }
    const message = JSON.parse(raw.toString());
    if (message.ack !== undefined) acks.set(message.ack, message.payload);
    else events.push(message);
  });
  const opened = await new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (request, response) => {
      // Listening for this event makes the client responsible for ending the refused request.
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
    ws.once('error', () => resolve(-1));
  });
  const closes: number[] = [];
  ws.on('close', (code: number) => closes.push(code));
  let nextId = 0;
  return {
    ws,
    opened,
    closes,
    events,
    output,
    text: (sessionId: string) => Buffer.concat(output.filter((o) => o.sessionId === sessionId).map((o) => o.data)).toString(),
    async request(event: string, payload: unknown) {
      const id = ++nextId;
      ws.send(JSON.stringify({ event, payload, id }));
      return waitUntil(() => acks.get(id));
    },
    send: (event: string, payload: unknown) => ws.send(JSON.stringify({ event, payload })),
  };
}

describe('terminal protocol over a plain WebSocket', () => {
  it('echoes keystrokes as binary output frames, next to Socket.IO on the same server', async () => {
    const app = await startTerminalApp();
    const client = await openWs(app, { cookie: app.cookie, origin: app.origin });
    expect(client.opened).toBe(101);
    await waitUntil(() => client.events.find((e) => e.event === 'terminal:ready'));
    expect(client.events[0]).toMatchObject({ event: 'terminal:ready', payload: { protocolVersion: 1 } });
    const created = await client.request('terminal:create', { shell: 'bash', cols: 80, rows: 24 });
    expect(created.ok).toBe(true);
    const sessionId = created.session.id as string;
    expect(await client.request('terminal:attach', { sessionId, lastSeq: 0 })).toMatchObject({ ok: true, from: 0 });
    client.send('terminal:input', { sessionId, data: 'echo ws-$((6*7))\r' });
    await waitUntil(() => client.text(sessionId).includes('ws-42'));
    // Offsets are contiguous and the frame's seq is the end of its bytes.
    let seq = 0;
    for (const frame of client.output) {
      expect(frame.seq - frame.data.length).toBe(seq);
      seq = frame.seq;
    }
    // Socket.IO keeps working on the same HTTP server, and both see the same terminal.
    const io = await connectClient(app);
    await io.attach(sessionId);
    client.send('terminal:input', { sessionId, data: 'echo both-$((2+3))\r' });
    await io.waitForText(sessionId, 'both-5');
    // Malformed messages are answered, and the connection keeps serving.
    client.ws.send('not json');
    client.ws.send(JSON.stringify({ event: 'terminal:resize', payload: { sessionId, cols: 0, rows: 5 }, id: 99 }));
    await waitUntil(() => client.events.find((e) => e.event === 'terminal:error' && e.payload.event === 'message'));
    expect(await client.request('terminal:resize', { sessionId, cols: 0, rows: 5 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await client.request('terminal:nope', {})).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    expect((await client.request('terminal:kill', { sessionId })).ok).toBe(true);
    client.ws.close();
  });

  it('refuses per-keystroke messages the schemas refuse, although those skip zod when well-formed', async () => {
    const app = await startTerminalApp();
    const client = await openWs(app, { cookie: app.cookie, origin: app.origin });
    const created = await client.request('terminal:create', { shell: 'bash' });
    const sessionId = created.session.id as string;
    const other = (await client.request('terminal:create', { shell: 'bash' })).session.id as string;
    await client.request('terminal:attach', { sessionId, lastSeq: 0 });
    const errorsBefore = () => client.events.filter((e) => e.event === 'terminal:error').length;

    // Envelopes: an extra key, an empty event name.
    client.ws.send(JSON.stringify({ event: 'terminal:input', payload: { sessionId, data: 'MARK-1\r' }, extra: true }));
    client.ws.send(JSON.stringify({ event: '', payload: { sessionId, data: 'MARK-2\r' } }));
    await waitUntil(() => errorsBefore() >= 2 || undefined);
    expect(client.events.filter((e) => e.event === 'terminal:error').map((e) => e.payload.event)).toEqual(['message', 'message']);

    const refusals: [unknown, string][] = [
      [{ sessionId, data: 'MARK-3\r', more: 1 }, 'validation_failed'],
      [{ sessionId, data: 3 }, 'validation_failed'],
      [{ sessionId: other, data: 'MARK-4\r' }, 'not_attached'],
      [{ sessionId: sessionId.toUpperCase(), data: 'MARK-5\r' }, 'not_attached'],
    ];
    for (const [payload, code] of refusals) {
      expect(await client.request('terminal:input', payload), JSON.stringify(payload)).toMatchObject({ ok: false, error: { code } });
    }
    for (const seq of [-1, 1.5, '5', 2 ** 53, null]) {
      expect(await client.request('terminal:ack', { sessionId, seq }), String(seq)).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    }
    expect(await client.request('terminal:ack', { sessionId, seq: 0 })).toMatchObject({ ok: true });

    // None of it reached the shell; valid input still does.
    client.send('terminal:input', { sessionId, data: 'echo fine-$((4+4))\r' });
    await waitUntil(() => client.text(sessionId).includes('fine-8'));
    expect(client.text(sessionId)).not.toContain('MARK');
    await app.app.terminals.kill(sessionId);
    await app.app.terminals.kill(other);
  });

  it('logs a frame that breaks the protocol (not UTF-8, too big) as one warning without a stack, and closes with 1007 or 1009', async () => {
    const app = await startTerminalApp({ TERMINAL_MAX_INPUT_BYTES: '1024' });
    const open = async () => {
      const client = await openWs(app, { cookie: app.cookie, origin: app.origin });
      await waitUntil(() => client.events.find((e) => e.event === 'terminal:ready'));
      return client;
    };
    const garbled = await open();
    garbled.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    await waitUntil(() => garbled.closes.length > 0, 5_000);
    expect(garbled.closes).toEqual([1007]);
    // The limit is max(1 MiB, 4 × TERMINAL_MAX_INPUT_BYTES + 4 KiB).
    const flooding = await open();
    flooding.ws.send('x'.repeat(1024 * 1024 + 1));
    await waitUntil(() => flooding.closes.length > 0, 5_000);
    expect(flooding.closes).toEqual([1009]);

    const lines = app.logLines().filter((line) => String(line.msg).startsWith('terminal websocket'));
    expect(lines.map((line) => [line.level, line.code])).toEqual([
      [40, 'WS_ERR_INVALID_UTF8'],
      [40, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    ]);
    for (const line of lines) {
      expect(line.err).toBeUndefined();
      expect(JSON.stringify(line)).not.toContain('    at ');
    }
    expect(app.logLines().filter((line) => (line.level as number) >= 50)).toEqual([]);
    // Other connections are unaffected.
    const healthy = await open();
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('refuses a foreign or missing Origin and a missing sign-in before upgrading', async () => {
    const app = await startTerminalApp();
    expect((await openWs(app, { cookie: app.cookie, origin: "https://evil.example" })).opened).toBe(403);
    expect((await openWs(app, { cookie: app.cookie })).opened).toBe(403);
    expect((await openWs(app, { origin: app.origin })).opened).toBe(401);
    expect(app.app.terminals.countActive()).toBe(0);
  });

  it('closes with 4001 as soon as its sign-in ends, and drops what the client sends before it reads the close', async () => {
    const app = await startTerminalApp();
    const sameOrigin = { origin: app.origin, host: `127.0.0.1:${app.port}` };
    const watcherCookie = await signInAsOwner(app.app);
    const watcher = await connectClient(app, { cookie: watcherCookie });
    const client = await openWs(app, { cookie: app.cookie, origin: app.origin });
    const sessionId = (await client.request('terminal:create', { shell: 'bash' })).session.id as string;
    await client.request('terminal:attach', { sessionId, lastSeq: 0 });
    await watcher.attach(sessionId);

    // A client slow to read: it does not see the close frame, and keeps typing.
    const tcp = (client.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();
    expect((await app.app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: app.cookie, ...sameOrigin } })).statusCode).toBe(200);
    client.send('terminal:input', { sessionId, data: 'echo after-logout-$((6*7))\r' });
    tcp.resume();
    // Well inside the 60 s periodic re-check: only being told can be this quick.
    await waitUntil(() => client.closes.length > 0, 5_000);
    expect(client.closes).toEqual([CLOSE_SIGNED_OUT]);
    watcher.input(sessionId, 'echo marker-$((1+1))\r');
    await watcher.waitForText(sessionId, 'marker-2');
    expect(watcher.text(sessionId)).not.toContain('after-logout-42');

    // Revoking a session from Settings, and signing out everywhere, close its connections too.
    const revokedCookie = await signInAsOwner(app.app);
    const revokedId = (await app.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: revokedCookie } })).json().session.id as string;
    const revoked = await openWs(app, { cookie: revokedCookie, origin: app.origin });
    const everywhere = await openWs(app, { cookie: watcherCookie, origin: app.origin });
    expect((await app.app.inject({ method: 'DELETE', url: `/api/auth/sessions/${revokedId}`, headers: { cookie: watcherCookie, ...sameOrigin } })).statusCode).toBe(204);
    await waitUntil(() => revoked.closes.length > 0, 5_000);
    expect(revoked.closes).toEqual([CLOSE_SIGNED_OUT]);
    expect(everywhere.ws.readyState).toBe(WebSocket.OPEN);
    expect((await app.app.inject({ method: 'POST', url: '/auth/logout-all', headers: { cookie: watcherCookie, ...sameOrigin } })).statusCode).toBe(200);
    await waitUntil(() => everywhere.closes.length > 0, 5_000);
    expect(everywhere.closes).toEqual([CLOSE_SIGNED_OUT]);
    await app.app.terminals.kill(sessionId);
  });
});
