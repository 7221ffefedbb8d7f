// GET /api/terminal-host, POST /api/terminal-host/restart, the `terminalHost` readiness check and
// `npm run terminal-host` (docs/terminal-host.md, "Restarting the host on purpose"), with a real
// terminal host process where the mode has one.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runTerminalHostCli } from '../../../src/features/terminals/host-cli.js';
import { createTerminalHostService } from '../../../src/features/terminals/host-routes.js';
import { createTerminalHostReadinessCheck } from '../../../src/features/terminals/readiness.js';
import { createTerminalHostClient } from '../../../src/infra/terminal-host-client.js';
import type { RestartTerminalHostResult, TerminalHostView } from '../../../src/shared/terminal-host.js';
import { buildTestApp, injectAsOwner, makeTempDir, testConfig } from '../../helpers/app.js';
import { freePort } from '../../helpers/ports.js';
import { stopTerminalHosts, terminalHostPids } from '../../helpers/terminal-host.js';

const GRACE = { TERMINAL_KILL_GRACE_MS: '300' };
let dataDirs: string[] = [];
let children: ChildProcess[] = [];


const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dataDirs) stopTerminalHosts(dir);
  children = [];
  dataDirs = [];
});

async function autoApp() {
  const testApp = await buildTestApp({ TERMINAL_HOST: 'auto', ...GRACE });
  dataDirs.push(testApp.dataDir);
  return testApp;
}

async function createTerminal(app: Awaited<ReturnType<typeof buildTestApp>>['app'], name: string): Promise<string> {
  const response = await injectAsOwner(app, { method: 'POST', url: '/api/terminals', payload: { name } });
  expect(response.statusCode).toBe(201);
  return response.json().session.id as string;
}

describe('the terminal host routes in in-process mode', () => {
  it('say there is no host to restart, refuse a restart, and keep /readyz ok', async () => {
    const { app } = await buildTestApp();
    const view = (await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json() as TerminalHostView;
    expect(view).toMatchObject({ mode: 'in-process', state: 'in-process', isRestartable: false, connected: false, pid: null, terminals: [] });
    expect(view.message).toMatch(/in-process.*no terminal host to restart/);

    const restart = await injectAsOwner(app, { method: 'POST', url: '/api/terminal-host/restart', payload: { confirm: 0 } });
    expect(restart.statusCode).toBe(409);
    expect(restart.json().error).toMatchObject({ code: 'terminal_host_not_applicable', message: expect.stringMatching(/Restart the Shellport server instead/) });

    const ready = (await injectAsOwner(app, { method: 'GET', url: '/readyz' })).json();
    expect(ready.checks.terminalHost).toMatchObject({ status: 'ok', message: expect.stringMatching(/in-process/) });
  });

  it('require a session and a count', async () => {
    const { app } = await buildTestApp();
    expect((await app.inject({ method: 'GET', url: '/api/terminal-host' })).statusCode).toBe(401);
    const missing = await injectAsOwner(app, { method: 'POST', url: '/api/terminal-host/restart', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'validation_failed', details: [{ field: 'confirm', message: expect.any(String) }] });
    const negative = await injectAsOwner(app, { method: 'POST', url: '/api/terminal-host/restart', payload: { confirm: -1 } });
    expect(negative.statusCode).toBe(400);
  });

  it('list the running terminals with their workspace-less names', async () => {
    const { app } = await buildTestApp();
    const id = await createTerminal(app, 'build');
    const view = (await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json() as TerminalHostView;
    expect(view.terminals).toEqual([{ id, name: 'build', workspaceId: null, workspaceName: null, pid: expect.any(Number), startedAt: expect.any(String) }]);
  });
});

describe('the terminal host routes with a real host (TERMINAL_HOST=auto)', () => {
  it('report no host until a terminal starts one, then the host; a restart needs the right count, ends the terminals as host-restarted, and the next terminal runs on a new host', async () => {
    const { app, dataDir } = await autoApp();
    const before = (await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json() as TerminalHostView;
    expect(before).toMatchObject({ mode: 'auto', state: 'not-running', connected: false, isRestartable: false, terminals: [] });
    expect((await injectAsOwner(app, { method: 'GET', url: '/readyz' })).json().checks.terminalHost).toMatchObject({ status: 'ok', message: expect.stringMatching(/next terminal starts one/) });

    const first = await createTerminal(app, 'first');
    const second = await createTerminal(app, 'second');
    const view = (await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json() as TerminalHostView;
    expect(view).toMatchObject({ mode: 'auto', state: 'connected', connected: true, isRestartable: true, protocol: 1, problem: null, version: expect.any(String), startedAt: expect.any(String) });
    expect(view.pid).toBe(terminalHostPids(dataDir)[0]);
    expect(view.terminals.map((terminal) => terminal.name).sort()).toEqual(['first', 'second']);
    expect((await injectAsOwner(app, { method: 'GET', url: '/readyz' })).json().checks.terminalHost).toMatchObject({ status: 'ok', pid: view.pid });

    // The owner saw one terminal; two run: nothing ends, and the answer lists them.
    const refused = await injectAsOwner(app, { method: 'POST', url: '/api/terminal-host/restart', payload: { confirm: 1 } });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'terminal_host_changed', message: expect.stringMatching(/2 terminal\(s\) are running now, not the 1 you confirmed: nothing was ended/) });
    expect(refused.json().error.details).toMatchObject({ confirmed: 1, running: 2 });
    expect(refused.json().error.details.terminals).toHaveLength(2);
    expect(isAlive(view.pid!)).toBe(true);

    const restart = await injectAsOwner(app, { method: 'POST', url: '/api/terminal-host/restart', payload: { confirm: 2 } });
    expect(restart.statusCode).toBe(200);
    const result = restart.json() as RestartTerminalHostResult;
    expect(result.previousPid).toBe(view.pid);
    expect(result.ended.map((terminal) => terminal.id).sort()).toEqual([first, second].sort());
    expect(result.message).toMatch(/Restarted the terminal host .*2 terminal\(s\) ended; the next terminal starts a new one/);
    for (const id of [first, second]) {
      const session = (await injectAsOwner(app, { method: 'GET', url: `/api/terminals/${id}` })).json().session;
      expect(session).toMatchObject({ status: 'terminated', endReason: 'host-restarted' });
    }
    await vi.waitFor(() => expect(isAlive(view.pid!)).toBe(false), { timeout: 10_000, interval: 50 });
    expect((await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json()).toMatchObject({ state: 'not-running', terminals: [] });

    const third = await createTerminal(app, 'third');
    const after = (await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json() as TerminalHostView;
    expect(after).toMatchObject({ state: 'connected', terminals: [{ id: third, name: 'third' }] });
    expect(after.pid).not.toBe(view.pid);
    // The new host runs the shell: its output comes back.
    const output = async () => {
      const response = await injectAsOwner(app, { method: 'GET', url: `/api/terminals/${third}/output` });
      return response.body;
    };
    const socket = await injectAsOwner(app, { method: 'GET', url: `/api/terminals/${third}` });
    expect(socket.json().session.status).toBe('active');
    await vi.waitFor(async () => expect((await output()).length).toBeGreaterThan(0), { timeout: 10_000, interval: 100 });
  });

  it('say a host that refuses this server must be restarted (readiness fails), and stop it on request', async () => {
    const { app, dataDir } = await autoApp();
    // A host of another protocol: it answers every hello with a bye (as src/terminal-host/host.ts does).
    const socketPath = path.join(dataDir, 'terminal-host', 'host.sock');
    mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    const script = `
      const net = require('node:net');
      const frame = (header) => { const h = Buffer.from(JSON.stringify(header)); const b = Buffer.alloc(8); b.writeUInt32BE(4 + h.length, 0); b.writeUInt32BE(h.length, 4); return Buffer.concat([b, h]); };
      net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.end(frame({ t: 'bye', reason: 'this host speaks protocol 99, not 1' }))); })
        .listen(process.argv[1], () => process.stdout.write('listening\\n'));`;
    const old = spawn(process.execPath, ['-e', script, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(old);
    await new Promise<void>((resolve) => old.stdout!.once('data', () => resolve()));

    const view = (await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json() as TerminalHostView;
    expect(view).toMatchObject({ state: 'refused', connected: false, isRestartable: true, problem: expect.stringMatching(/refused this server: this host speaks protocol 99, not 1\. Restart the host/) });
    const ready = await injectAsOwner(app, { method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.terminalHost).toMatchObject({ status: 'fail', message: expect.stringMatching(/protocol 99.*npm run terminal-host -- restart/) });

    const exited = new Promise((resolve) => old.once('exit', (_code, signal) => resolve(signal)));
    const restart = await injectAsOwner(app, { method: 'POST', url: '/api/terminal-host/restart', payload: { confirm: 0 } });
    expect(restart.statusCode).toBe(200);
    expect(restart.json()).toMatchObject({ previousPid: old.pid, ended: [], message: expect.stringMatching(/Stopped the terminal host \(pid \d+\), which this server could not use/) });
    expect(await exited).toBe('SIGTERM');
    expect((await injectAsOwner(app, { method: 'GET', url: '/readyz' })).json().checks.terminalHost.status).toBe('ok');
    const id = await createTerminal(app, 'after');
    expect((await injectAsOwner(app, { method: 'GET', url: '/api/terminal-host' })).json()).toMatchObject({ state: 'connected', terminals: [{ id }] });
  });

  it('in service mode, say that no host answers: readiness fails and a restart is refused', async () => {
    // The service itself is not started: the routes' service is built around a client that never connects.
    const dataDir = makeTempDir('sp-host-service-');
    const service = createTerminalHostService({
      mode: 'service',
      client: {
        status: () => ({ connected: false, pid: null, version: null, protocol: null, startedAt: null, problem: null }),
        connect: () => Promise.reject(new Error('not expected')),
        restartHost: () => Promise.reject(new Error('not expected')),
      },
      socketPath: path.join(dataDir, 'host.sock'),
      manager: { list: () => Promise.resolve([]), kill: () => Promise.reject(new Error('not expected')) },
      db: { workspace: { findMany: () => Promise.resolve([]) } } as never,
      graceMs: 300,
    });
    expect(await service.inspect()).toMatchObject({ state: 'unreachable', isRestartable: false, problem: expect.stringMatching(/No terminal host answers on .*host\.sock: start its service/) });
    expect(await createTerminalHostReadinessCheck(service)()).toMatchObject({ status: 'fail', message: expect.stringMatching(/start its service/) });
    await expect(service.restart(0)).rejects.toMatchObject({ statusCode: 503, code: 'terminal_host_unreachable' });
  });
});

describe('npm run terminal-host', () => {
  /** A host started as the server would, running one shell, with nobody connected. */
  async function hostWithTerminal(dataDir: string) {
    dataDirs.push(dataDir);
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const client = createTerminalHostClient({ dir: path.join(dataDir, 'terminal-host'), log: quiet, window: 1024 * 1024, start: 'auto', user: null });
    const id = randomUUID();
    const pty = await client.spawn({ id, file: '/bin/sh', args: [], cwd: dataDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cols: 80, rows: 24 });
    const hostPid = client.status().pid!;
    await client.close();
    return { id, shellPid: pty.pid, hostPid };
  }

  async function run(argv: string[], env: Record<string, string>, dataDir: string) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runTerminalHostCli(argv, { config: testConfig({ TERMINAL_HOST: 'auto', ...GRACE, ...env }, dataDir), out: (text) => out.push(text), err: (text) => err.push(text) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('status shows the host and its terminals; restart lists them, asks for --yes, then ends them and the host', async () => {
    const dataDir = makeTempDir('sp-host-cli-');
    const env = { PORT: String(await freePort()) };
    expect(await run(['status'], env, dataDir)).toMatchObject({ code: 0, out: expect.stringMatching(/No terminal host is running/) });
    const { id, shellPid, hostPid } = await hostWithTerminal(dataDir);

    const status = await run(['status'], env, dataDir);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(new RegExp(`Terminal host: pid ${hostPid}, version \\S+, protocol 1, running since `));
    expect(status.out).toMatch(new RegExp(`1 terminal\\(s\\) running:\\n  terminal — shell pid ${shellPid}, started .* \\(${id}\\)`));

    const asked = await run(['restart'], env, dataDir);
    expect(asked.code).toBe(1);
    expect(asked.out).toMatch(new RegExp(`Restarting the terminal host \\(pid ${hostPid}\\) ends these 1 terminal\\(s\\):\\n.*${id}`));
    expect(asked.err).toMatch(/Nothing was done\. Run `npm run terminal-host -- restart --yes`/);
    expect(isAlive(hostPid)).toBe(true);

    const restarted = await run(['restart', '--yes'], env, dataDir);
    expect(restarted).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`Restarted the terminal host \\(pid ${hostPid}\\): 1 terminal\\(s\\) ended`)) });
    await vi.waitFor(() => expect([isAlive(hostPid), isAlive(shellPid)]).toEqual([false, false]), { timeout: 10_000, interval: 50 });
    expect(await run(['status'], env, dataDir)).toMatchObject({ code: 0, out: expect.stringMatching(/No terminal host is running/) });
  });

  it('works beside a connected server without taking its connection: the server sees the restart as host-restarted; and checks its usage', async () => {
    const dataDir = makeTempDir('sp-host-cli-');
    dataDirs.push(dataDir);
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const server = createTerminalHostClient({ dir: path.join(dataDir, 'terminal-host'), log: quiet, window: 1024 * 1024, start: 'auto', user: null });
    const pty = await server.spawn({ id: randomUUID(), file: '/bin/sh', args: [], cwd: dataDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cols: 80, rows: 24 });
    const exit = new Promise<{ reason?: string }>((resolve) => pty.onExit(resolve));
    try {
      const env = { PORT: String(await freePort()) };
      const status = await run(['status'], env, dataDir);
      expect(status).toMatchObject({ code: 0, out: expect.stringMatching(/1 terminal\(s\) running/) });
      // The server's connection is still the host's: it still drives its terminal.
      expect(server.status().connected).toBe(true);
      expect((await server.list()).map((terminal) => terminal.id)).toHaveLength(1);
      expect((await run(['stop'], env, dataDir)).code).toBe(2);
      expect((await run(['restart', '--force'], env, dataDir)).code).toBe(2);
      expect((await run(['restart', '--yes'], env, dataDir)).code).toBe(0);
      expect(await exit).toMatchObject({ reason: 'host-restarted' });
    } finally {
      await server.close();
    }
  });
});
