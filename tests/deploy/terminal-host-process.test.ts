// The compiled terminal host, started with the command line of its systemd unit and of its compose
// service (issue 19): it makes its directory 0700 and its socket 0600, serves a server that knows the
// token, and SIGTERM ends it together with its shells. Built with the same esbuild settings as
// scripts/build.mjs into a temp directory (dist/ in the checkout is left alone), with the checkout's
// node_modules beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, copyFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, HOST_PROTOCOL_VERSION, type HostMessage } from '../../src/terminal-host/protocol.js';
import { parseUnit, readCompose, readRepoFile, ROOT } from './files.js';

const work = mkdtempSync(path.join(tmpdir(), 'shellport-host-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function serverSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return full === path.join(ROOT, 'src/web') ? [] : serverSources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

beforeAll(async () => {
  await build({
    entryPoints: serverSources(path.join(ROOT, 'src')),
    outdir: path.join(work, 'dist'),
    outbase: path.join(ROOT, 'src'),
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  copyFileSync(path.join(ROOT, 'package.json'), path.join(work, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
}, 60_000);

/** The arguments after `node`, with `--dir` moved to `dir` and `--user` (if any) to this machine's user. */
function hostArgs(commandLine: string[], dir: string): string[] {
  return commandLine.map((arg, index) => {
    const previous = commandLine[index - 1];
    if (previous === '--dir') return dir;
    if (previous === '--user') return userInfo().username;
    return arg;
  });
}

async function waitFor(probe: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Says hello with the token, starts a shell, returns its pid. */
async function spawnShell(socketPath: string, token: string): Promise<{ pid: number; socket: net.Socket }> {
  const socket = net.connect(socketPath);
  await once(socket, 'connect');
  const decoder = new FrameDecoder<HostMessage>();
  const messages: HostMessage[] = [];
  socket.on('data', (chunk: Buffer) => messages.push(...decoder.push(chunk).map((frame) => frame.header)));
  socket.write(encodeFrame({ t: 'hello', protocol: HOST_PROTOCOL_VERSION, token, window: 1 << 20 }));
  socket.write(
    encodeFrame({
      t: 'spawn',
      req: 1,
      id: 'deploy-test',
      spawn: { file: '/bin/sh', args: ['-c', 'exec sleep 300'], cwd: work, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cols: 80, rows: 24 },
    }),
  );
  await waitFor(() => messages.some((m) => m.t === 'reply'), 10_000, () => JSON.stringify(messages));
  expect(messages[0]).toMatchObject({ t: 'welcome', protocol: HOST_PROTOCOL_VERSION });
  const reply = messages.find((m) => m.t === 'reply')!;
  expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
  return { pid: (reply as { pid: number }).pid, socket };
}

async function runHost(name: string, args: string[]): Promise<void> {
  const dir = path.join(work, name, 'data', 'terminal-host');
  mkdirSync(path.dirname(dir), { recursive: true, mode: 0o700 });
  let output = '';
  const host: ChildProcess = spawn(process.execPath, hostArgs(args, dir), {
    cwd: work,
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  host.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  host.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(host, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const socketPath = path.join(dir, 'host.sock');
  let shell: { pid: number; socket: net.Socket } | null = null;
  try {
    // Once it says so: the socket exists a moment before its mode is set (inside the 0700 directory).
    await waitFor(() => output.includes('terminal host listening'), 15_000, () => output);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'token')).mode & 0o777).toBe(0o600);
    shell = await spawnShell(socketPath, readFileSync(path.join(dir, 'token'), 'utf8').trim());
    expect(isAlive(shell.pid)).toBe(true);
    // A service's host does not exit for being idle; the server going away leaves the shell running.
    shell.socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(host.exitCode).toBeNull();
    expect(isAlive(shell.pid)).toBe(true);
  } finally {
    host.kill('SIGTERM');
  }
  const [code] = await exited;
  expect(code, output).toBe(0);
  expect(existsSync(socketPath)).toBe(false);
  // Its PTYs closed with it: the shell got its hangup.
  await waitFor(() => !isAlive(shell!.pid), 5_000, () => `shell ${shell!.pid} still runs after the host ended`);
}

describe('the compiled terminal host', () => {
  it('runs with the systemd unit’s command line: a 0600 socket in a 0700 directory, ended with its shells by SIGTERM', async () => {
    const service = parseUnit(readRepoFile('scripts/shellport-terminal-host.service')).Service!;
    const workingDirectory = service.WorkingDirectory!.at(-1)!;
    const [, ...args] = service.ExecStart!.at(-1)!.split(/\s+/);
    await runHost('systemd', args.map((arg) => (arg.startsWith(`${workingDirectory}/`) ? path.relative(workingDirectory, arg) : arg)));
  });

  it('runs with the compose service’s command', async () => {
    const command = readCompose().services['terminal-host']!.command as string[];
    expect(command[0]).toBe('node');
    await runHost('compose', command.slice(1));
  });
});
