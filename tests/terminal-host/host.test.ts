import { mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPtyHost } from '../../src/infra/pty-host.js';
import { createTerminalHostClient, ensureHostToken, type TerminalHostClient } from '../../src/infra/terminal-host-client.js';
import { startTerminalHost, type TerminalHost } from '../../src/terminal-host/host.js';
import { encodeFrame, FrameDecoder } from '../../src/terminal-host/protocol.js';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let dirs: string[] = [];
let hosts: TerminalHost[] = [];
let clients: TerminalHostClient[] = [];

afterEach(async () => {
  for (const client of clients) await client.close();
  for (const host of hosts) await host.stop('test over');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
  hosts = [];
  clients = [];
});

async function setup(holdBytes?: number) {
  const root = mkdtempSync(path.join(tmpdir(), 'sp-host-'));
  dirs.push(root);
  const dir = path.join(root, 'terminal-host');
  const home = path.join(root, 'home');
  ensureHostToken(dir);
  const host = await startTerminalHost({ dir, ptyHost: createPtyHost(), log: silent, version: 'test', idleExitMs: null, holdBytes });
  hosts.push(host);
  const connectClient = () => {
    const client = createTerminalHostClient({ dir, log: silent, window: 256 * 1024, start: 'never', user: null, connectTimeoutMs: 2_000 });
    clients.push(client);
    return client;
  };
  const spawnOptions = (id: string, command: string) => ({
    id,
    file: '/bin/sh',
    args: ['-c', command],
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TERM: 'xterm-256color' },
    cols: 80,
    rows: 24,
  });
  return { root, dir, host, connectClient, spawnOptions };
}

function collect(pty: { onData(listener: (data: Buffer) => void): void }) {
  const chunks: Buffer[] = [];
  pty.onData((chunk) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

describe('terminal host', () => {
  it('keeps the socket directory to its own user and refuses a process without the token', async () => {
    const { dir, host } = await setup();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(host.socketPath).mode & 0o777).toBe(0o600);
    const intruder = net.connect(host.socketPath);
    await new Promise((resolve) => intruder.once('connect', resolve));
    const decoder = new FrameDecoder<{ t: string }>();
    const received: string[] = [];
    intruder.on('data', (chunk: Buffer) => received.push(...decoder.push(chunk).map((frame) => frame.header.t)));
    intruder.write(encodeFrame({ t: 'hello', protocol: 1, token: 'x'.repeat(43), window: 65536 }));
    intruder.write(encodeFrame({ t: 'list', req: 1 }));
    await new Promise((resolve) => intruder.once('close', resolve));
    expect(received).toEqual([]);
  });

  it('runs a terminal, and a second server picks its output up where the first one stored it, with nothing lost or doubled', async () => {
    const { connectClient, spawnOptions } = await setup();
    const first = connectClient();
    const pty = await first.spawn(spawnOptions('t1', 'for i in $(seq 1 3000); do echo line-$i; done; read x; echo got-$x; sleep 30'));
    const firstText = collect(pty);
    await vi.waitFor(() => expect(firstText()).toContain('line-3000'), { timeout: 10_000 });
    // The first server stored everything up to the middle of line 1000, then died.
    const cut = firstText().indexOf('line-1000') + 4;
    pty.stored?.(Buffer.byteLength(firstText().slice(0, cut)));
    await first.close();

    const second = connectClient();
    const [listed] = await second.list();
    expect(listed).toMatchObject({ id: 't1', exit: null });
    const adopted = await second.adopt('t1', Buffer.byteLength(firstText().slice(0, cut)));
    const secondText = collect(adopted.pty);
    await vi.waitFor(() => expect(secondText()).toContain('line-3000'), { timeout: 10_000 });
    expect(firstText().slice(0, cut) + secondText()).toBe(firstText());
    adopted.pty.write('hello\r', { device: 'd1', inputId: 1 });
    adopted.pty.write('hello\r', { device: 'd1', inputId: 1 });
    await vi.waitFor(() => expect(secondText()).toContain('got-hello'), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(secondText().match(/hello/g)?.length).toBe(2); // the echo and got-hello: the second copy never ran
  });

  it('holds output while no server is connected, and the program waits when the hold is full', async () => {
    const { connectClient, spawnOptions } = await setup(64 * 1024);
    const first = connectClient();
    const pty = await first.spawn(spawnOptions('t2', 'i=0; while [ $i -lt 20000 ]; do echo row-$i; i=$((i+1)); done; echo done'));
    collect(pty);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = connectClient();
    const [listed] = await second.list();
    expect(listed!.seq - listed!.heldFrom).toBeLessThan(64 * 1024 + 70 * 1024);
    const adopted = await second.adopt('t2', 0);
    const chunks: Buffer[] = [];
    let storedUpTo = adopted.from;
    adopted.pty.onData((chunk) => {
      chunks.push(chunk);
      storedUpTo += chunk.length;
      adopted.pty.stored?.(storedUpTo);
    });
    const text = () => Buffer.concat(chunks).toString('utf8');
    await vi.waitFor(() => expect(text()).toContain('done'), { timeout: 20_000 });
    const rows = text().match(/row-\d+/g) ?? [];
    expect(rows).toEqual(Array.from({ length: 20000 }, (_, i) => `row-${i}`));
  });

  it('reports an exit that happened while no server was connected to the next one', async () => {
    const { connectClient, spawnOptions } = await setup();
    const first = connectClient();
    const pty = await first.spawn(spawnOptions('t3', 'sleep 0.3; echo bye; exit 7'));
    collect(pty);
    await first.close();
    await new Promise((resolve) => setTimeout(resolve, 800));
    const second = connectClient();
    const adopted = await second.adopt('t3', 0);
    const text = collect(adopted.pty);
    const exit = await new Promise((resolve) => adopted.pty.onExit(resolve));
    expect(exit).toMatchObject({ exitCode: 7 });
    expect(text()).toContain('bye');
  });

  it('ends the terminals with host-exited when the host goes away', async () => {
    const { connectClient, spawnOptions, host } = await setup();
    const client = connectClient();
    const pty = await client.spawn(spawnOptions('t4', 'sleep 30'));
    const exit = new Promise((resolve) => pty.onExit(resolve));
    await host.stop('test');
    hosts = [];
    // stop() closes the listening socket and the connection; the PTYs go with the host process.
    expect(await exit).toMatchObject({ reason: 'host-exited' });
    await client.killSession(pty.pid, 100).catch(() => undefined);
    process.kill(pty.pid, 'SIGKILL');
  });

  it('tells an operator\'s command what it holds in memory, without taking the server\'s place', async () => {
    const { dir, connectClient, spawnOptions } = await setup();
    const server = connectClient();
    const pty = await server.spawn(spawnOptions('t-memory', 'read line; echo "got $line"'));
    const output = collect(pty);
    const control = createTerminalHostClient({ dir, log: silent, window: 64 * 1024, start: 'never', user: null, connectTimeoutMs: 2_000, control: true });
    clients.push(control);
    const memory = await control.memory(true);
    expect(memory).not.toBeNull();
    expect(memory!.heapUsed).toBeGreaterThan(1024 * 1024);
    expect(memory!.rss).toBeGreaterThan(memory!.heapUsed);
    expect(memory!.external).toBeGreaterThan(0);
    // The control connection did not replace the server's: the terminal still answers the server.
    pty.write('still-here\n');
    await vi.waitFor(() => expect(output()).toContain('got still-here'), { timeout: 10_000 });
  });
});
