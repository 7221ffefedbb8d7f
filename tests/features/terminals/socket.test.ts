import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectIo } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { onTransportReady } from '../../../src/features/terminals/socket.js';
import { makeTempDir } from '../../helpers/app.js';
import { connectClient, startTerminalApp, waitUntil } from './helpers.js';

describe('terminals over Socket.IO', () => {
  it('announces the protocol and echoes keystrokes back, one byte at a time', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create();
    const attached = await client.attach(session.id);
    expect(attached).toMatchObject({ ok: true, from: 0, reset: false, session: { id: session.id, status: 'active' } });
    for (const key of 'echo round-$((40+2))\n') client.input(session.id, key);
    await client.waitForText(session.id, 'round-42');
    expect(client.stream(session.id).discontinuities).toEqual([]);
    const metrics = await app.app.metrics.registry.getMetricsAsJSON();
    const bytes = metrics.find((metric) => metric.name === 'shellport_terminal_bytes_total');
    expect(bytes?.values.find((value) => value.labels.direction === 'in')?.value).toBeGreaterThanOrEqual(21);
    expect(bytes?.values.find((value) => value.labels.direction === 'out')?.value).toBeGreaterThan(0);
    expect(app.app.terminals.countActive()).toBe(1);
  });

  it('delivers output as binary, byte for byte, including UTF-8 split across writes and invalid bytes', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create();
    await client.attach(session.id);
    // -opost: the terminal passes bytes unchanged. The euro sign's three bytes are written in two
    // parts with a pause between, so they reach the server in two reads.
    client.input(session.id, "stty -opost; printf 'A\\342\\202'; sleep 0.2; printf '\\254B\\000\\001\\377\\376\\200Z\\n'\n");
    await client.waitForText(session.id, /Z\n/);
    const bytes = client.bytes(session.id);
    const expected = Buffer.from([0x41, 0xe2, 0x82, 0xac, 0x42, 0x00, 0x01, 0xff, 0xfe, 0x80, 0x5a, 0x0a]);
    expect(bytes.includes(expected)).toBe(true);
    expect(bytes.toString('utf8')).toContain('A€B');
    expect(client.stream(session.id).chunks.every((chunk) => Buffer.isBuffer(chunk))).toBe(true);
  });

  it('lets two clients share a terminal: both see all output and both can type', async () => {
    const app = await startTerminalApp();
    const laptop = await connectClient(app);
    const phone = await connectClient(app);
    const session = await laptop.create();
    await laptop.attach(session.id);
    await phone.attach(session.id);
    laptop.input(session.id, 'echo from-laptop-$((1+1))\n');
    await laptop.waitForText(session.id, 'from-laptop-2');
    await phone.waitForText(session.id, 'from-laptop-2');
    phone.input(session.id, 'echo from-phone-$((2+1))\n');
    await laptop.waitForText(session.id, 'from-phone-3');
    await phone.waitForText(session.id, 'from-phone-3');
    const listed = await laptop.ok('terminal:list');
    expect(listed.sessions.find((s: { id: string }) => s.id === session.id)).toMatchObject({ clients: 2, status: 'active' });
  });

  it('resizes the PTY; the most recently active client size wins', async () => {
    const app = await startTerminalApp();
    const a = await connectClient(app);
    const b = await connectClient(app);
    const session = await a.create({ cols: 80, rows: 24 });
    await a.attach(session.id, { cols: 100, rows: 30 });
    a.input(session.id, 'stty size\n');
    await a.waitForText(session.id, '30 100');
    await b.attach(session.id);
    await b.ok('terminal:resize', { sessionId: session.id, cols: 120, rows: 40 });
    b.input(session.id, 'stty size\n');
    await b.waitForText(session.id, '40 120');
    // a types next: its size is applied before its keystrokes reach the shell
    a.input(session.id, 'stty size\n');
    await waitUntil(() => a.text(session.id).split('30 100').length > 2);
    expect(b.text(session.id).split('30 100').length).toBeGreaterThan(1);
  });

  it('answers bad payloads, oversize input, bad sizes and unknown ids with errors, and keeps serving', async () => {
    const app = await startTerminalApp({ TERMINAL_MAX_INPUT_BYTES: '1024' });
    const client = await connectClient(app);
    const session = await client.create();
    await client.attach(session.id);

    const code = (reply: { ok: boolean; error?: { code: string } }) => (reply.ok ? 'ok' : reply.error?.code);
    for (const bad of [{ cols: 0 }, { cols: 1001 }, { cols: 'abc' }, { rows: Number.NaN }, { rows: 2.5 }, { extra: true }]) {
      expect(code(await client.request('terminal:create', bad))).toBe('validation_failed');
    }
    expect(code(await client.request('terminal:resize', { sessionId: session.id, cols: 0, rows: 10 }))).toBe('validation_failed');
    expect(code(await client.request('terminal:resize', { sessionId: session.id, cols: '80', rows: 10 }))).toBe('validation_failed');
    for (const payload of [null, 'garbage', 42, [], { sessionId: 'not-a-uuid' }]) {
      expect(code(await client.request('terminal:attach', payload))).toBe('validation_failed');
      expect(code(await client.request('terminal:input', payload))).toBe('validation_failed');
    }
    const unknownId = '00000000-0000-4000-8000-000000000000';
    expect(code(await client.request('terminal:attach', { sessionId: unknownId }))).toBe('not_found');
    expect(code(await client.request('terminal:kill', { sessionId: unknownId }))).toBe('not_found');
    expect(code(await client.request('terminal:input', { sessionId: unknownId, data: 'x' }))).toBe('not_attached');
    expect(code(await client.request('terminal:input', { sessionId: session.id, data: 'x'.repeat(2000) }))).toBe('input_too_large');
    expect(code(await client.request('terminal:nonsense', {}))).toBe('unknown_event');

    // Without an ack callback, failures arrive as terminal:error events.
    client.input(session.id, 'y'.repeat(1500));
    client.socket.emit('terminal:resize', { sessionId: session.id, cols: -1, rows: 5 });
    client.input(unknownId, 'z');
    await waitUntil(() => client.errors.length >= 3);
    expect(client.errors.map((e) => e.error.code)).toEqual(['input_too_large', 'validation_failed', 'not_attached']);
    expect(client.errors[0]).toMatchObject({ event: 'terminal:input', sessionId: session.id });

    client.input(session.id, 'echo still-$((3*3))-alive\n');
    await client.waitForText(session.id, 'still-9-alive');
    expect(client.socket.connected).toBe(true);
  });

  it('refuses a terminal over TERMINAL_MAX_SESSIONS and an unknown shell or workspace', async () => {
    const app = await startTerminalApp({ TERMINAL_MAX_SESSIONS: '2' });
    const client = await connectClient(app);
    const first = await client.create();
    await client.create();
    const refused = await client.request('terminal:create', { shell: 'bash' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'too_many_terminals' } });
    await client.ok('terminal:kill', { sessionId: first.id });
    expect(await client.request('terminal:create', { shell: 'definitely-not-a-shell' })).toMatchObject({ ok: false, error: { code: 'shell_not_allowed' } });
    expect(await client.request('terminal:create', { shell: process.execPath })).toMatchObject({ ok: false, error: { code: 'shell_not_allowed' } });
    expect(await client.request('terminal:create', { workspaceId: 'no-such-workspace' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const again = await client.create({ shell: 'sh' });
    expect(again.shell).toMatch(/\/sh$/);
  });

  it("uses the owner's default shell preference when no shell is asked for, and counts running terminals", async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const gauge = async () => (await app.app.metrics.activeTerminals.get()).values[0]?.value;
    const bash = await client.ok('terminal:create', {});
    expect(bash.session.shell).toMatch(/\/bash$/);
    await app.app.db.settings.upsert({ where: { id: 'singleton' }, create: { preferences: JSON.stringify({ defaultShell: 'sh' }) }, update: { preferences: JSON.stringify({ defaultShell: 'sh' }) } });
    const sh = await client.ok('terminal:create', {});
    expect(sh.session.shell).toMatch(/\/sh$/);
    expect(await gauge()).toBe(2);
    await client.ok('terminal:kill', { sessionId: bash.session.id });
    expect(await gauge()).toBe(1);
  });

  it('gives the shell a clean environment: no server secret is visible', async () => {
    const secrets = { SHELLPORT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'), GITHUB_CLIENT_SECRET: 'gh-client-secret-do-not-leak' };
    const saved = { ...process.env };
    Object.assign(process.env, secrets, { SHELLPORT_TEST_PROCESS_ONLY: 'process-env-only-value' });
    try {
      // A HOME of its own, not the machine's: root's dotfiles here run `pyenv init`, which a stale lock can hang.
      const app = await startTerminalApp({ ...process.env, HOME: makeTempDir('shellport-home-'), TZ: 'Europe/Berlin', LC_TIME: 'C.UTF-8' } as Record<string, string>);
      const client = await connectClient(app);
      const session = await client.create();
      await client.attach(session.id);
      client.input(session.id, 'env; echo END-$((1+1))\n');
      const text = await client.waitForText(session.id, 'END-2');
      expect(text).not.toContain(secrets.SHELLPORT_SECRET_KEY);
      expect(text).not.toContain(secrets.GITHUB_CLIENT_SECRET);
      expect(text).not.toContain('process-env-only-value');
      expect(text).not.toMatch(/^(SHELLPORT_SECRET_KEY|GITHUB_CLIENT_SECRET|SHELLPORT_TEST_PROCESS_ONLY|DATA_DIR|VITEST)=/m);
      expect(text).toMatch(/^TERM=xterm-256color\r?$/m);
      expect(text).toMatch(/^COLORTERM=truecolor\r?$/m);
      expect(text).toMatch(/^LANG=\S+/m);
      expect(text).toMatch(/^TZ=Europe\/Berlin\r?$/m);
      expect(text).toMatch(/^LC_TIME=C.UTF-8\r?$/m);
      expect(text).toMatch(/^PATH=/m);
      const row = await app.app.db.terminal.findUniqueOrThrow({ where: { id: session.id } });
      expect(row.env).not.toContain(secrets.GITHUB_CLIENT_SECRET);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("hears Engine.IO's transport become ready again after writes, before and after the upgrade from polling (Engine.IO internals flow control relies on)", async () => {
    const http = createServer();
    const server = new Server(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = connectIo(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['polling', 'websocket'], reconnection: false, forceNew: true });
    try {
      const conn = await new Promise<Parameters<typeof onTransportReady>[0]>((resolve) => server.once('connection', (socket) => resolve(socket.conn)));
      const readies: string[] = [];
      const stop = onTransportReady(conn, () => readies.push(conn.transport.name));
      const stalled = new Error("Engine.IO no longer emits 'ready' on its transport: terminal output would stall (see onTransportReady in src/features/terminals/socket.ts)");
      await waitUntil(() => conn.transport.name === 'websocket', 5_000);
      server.emit('hello', 'x'.repeat(1000));
      await waitUntil(() => readies.includes('websocket'), 5_000).catch(() => {
        throw stalled;
      });
      expect(readies[0]).toBe('polling');
      expect(conn.transport.writable).toBe(true);
      expect(conn.transport.listenerCount('ready')).toBe(2); // Engine.IO's own and ours
      stop();
      expect(conn.transport.listenerCount('ready')).toBe(1);
    } finally {
      client.disconnect();
      await server.close();
    }
  });
});
