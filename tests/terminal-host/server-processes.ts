// Shellport servers as processes of their own on one DATA_DIR, with a terminal host (TERMINAL_HOST=auto),
// for the tests that kill and restart them (tests/terminal-host/).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeTempDir } from '../helpers/app.js';
import type { TerminalTestApp } from '../features/terminals/helpers.js';
import { stopTerminalHosts } from '../helpers/terminal-host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  target: TerminalTestApp;
  exited: Promise<number | null>;
  /** With TEST_WORKSPACE_DIR: the workspace the server process made of it. */
  workspaceId: string | null;
}

let dataDirs: string[] = [];
let children: ChildProcess[] = [];

/** Starts src/app.ts in a process of its own (tests/terminal-host/server-process.ts) on DATA_DIR. */
export async function startServer(dataDir: string, home: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/terminal-host/server-process.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', TERMINAL_HOST: 'auto', MIN_FREE_DISK_MB: '1', SCHEDULER_ENABLED: 'false', TERMINAL_KILL_GRACE_MS: '300', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Log lines go to stdout too: the one with the cookie is ours.
      const found = stdout.split('\n').find((entry) => entry.startsWith('{"port"'));
      if (found) resolve(found);
    });
    void exited.then((code) => reject(new Error(`the server exited (${code}): ${stderr}`)));
  });
  const { port, cookie, workspaceId } = JSON.parse(line) as { port: number; cookie: string; workspaceId: string | null };
  const origin = `http://127.0.0.1:${port}`;
  return { child, exited, workspaceId, target: { port, origin, cookie } as TerminalTestApp };
}

/** For afterEach: kills the servers still running and the terminal hosts of their data directories. */
export function stopServers(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dataDirs) stopTerminalHosts(dir);
  children = [];
  dataDirs = [];
}

/** A fresh DATA_DIR (its terminal host stopped by stopServers) and HOME. */
export function setup() {
  const root = makeTempDir('sp-restart-');
  const dataDir = path.join(root, 'data');
  const home = path.join(root, 'home');
  mkdirSync(home);
  dataDirs.push(dataDir);
  return { root, dataDir, home };
}
