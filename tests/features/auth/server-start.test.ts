import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import * as nodePty from 'node-pty';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STARTUP_LINK_FILE } from '../../../src/features/auth/startup-link.js';
import { makeTempDir } from '../../helpers/app.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const children: ChildProcess[] = [];
const terminals: nodePty.IPty[] = [];
afterEach(() => {
  children.splice(0).forEach((child) => child.exitCode === null && child.kill('SIGKILL'));
  for (const terminal of terminals.splice(0)) {
    try {
      terminal.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

const baseEnv = (dataDir: string) => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: makeTempDir('shellport-home-'), PORT: '0', DATA_DIR: dataDir });

/** Waits until `probe` returns a value (at most `timeoutMs`); on time-out, fails with `describeState()`. */
function waitFor<T>(probe: () => T | null | undefined, describeState: () => string, timeoutMs = 20_000): Promise<T> {
  return vi.waitFor(
    () => {
      const value = probe();
      if (value === null || value === undefined) throw new Error(`Timed out; so far:\n${describeState()}`);
      return value;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

/** `npm run sign-in-link`, as an operator runs it next to the server (same DATA_DIR). */
function signInLinkCommand(dataDir: string) {
  return spawnSync(process.execPath, ['scripts/cli.mjs', 'admin', 'sign-in-link'], { cwd: ROOT, env: baseEnv(dataDir), encoding: 'utf8' });
}

describe('start-up sign-in URL', () => {
  it('is never in a log line when the output is not a terminal: JSON lines say where to get it, and npm run sign-in-link prints it', async () => {
    const dataDir = makeTempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: baseEnv(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const file = path.join(dataDir, STARTUP_LINK_FILE);
    const [, url] = await waitFor(() => /Shellport is running: open (http:\/\/127\.0\.0\.1:\d+)/.exec(output), () => output);
    await waitFor(() => output.match(/npm run sign-in-link/), () => output);

    // The link file: the server's user only; the token in it works in a real request.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { signInUrl } = JSON.parse(readFileSync(file, 'utf8')) as { signInUrl: string };
    const token = new URL(signInUrl).searchParams.get('token')!;
    expect(signInUrl).toBe(`${url}/auth/token?token=${token}`);
    const response = await fetch(signInUrl, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('set-cookie')).toMatch(/^shellport_session=[\w-]{43};/);

    // The link worked once: the command prints the new one that replaced it.
    const command = signInLinkCommand(dataDir);
    expect(command.status, command.stderr).toBe(0);
    const [, fresh] = /^Sign in to Shellport with this URL \(it works once; run this command again for a new one\): (\S+)$/m.exec(command.stdout) ?? [];
    expect(fresh, command.stdout).toMatch(new RegExp(`^${url}/auth/token\\?token=[\\w-]{32}$`));
    expect(fresh).not.toBe(signInUrl);
    expect((await fetch(signInUrl, { redirect: 'manual' })).status).toBe(401);
    const freshToken = new URL(fresh!).searchParams.get('token')!;

    child.kill('SIGTERM');
    await exited;
    // Only JSON lines, none with the token; the file went with the server.
    const lines = output.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.find((line) => line.includes('npm run sign-in-link'))).toContain(file);
    expect(output).not.toContain(token);
    expect(output).not.toContain(freshToken);
    expect(existsSync(file)).toBe(false);
    const afterwards = signInLinkCommand(dataDir);
    expect(afterwards.status).toBe(1);
    expect(afterwards.stderr).toContain('Shellport is not running');
  }, 60_000);

  it('ends a short banner with the link on a terminal, and the requests that follow do not push it away', async () => {
    const dataDir = makeTempDir();
    const terminal = nodePty.spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: ROOT, env: baseEnv(dataDir), cols: 160, rows: 40 });
    terminals.push(terminal);
    let output = '';
    terminal.onData((data) => (output += data));
    const exited = new Promise((resolve) => terminal.onExit(resolve));
    const [, url, token] = await waitFor(() => /Sign in +(http:\/\/127\.0\.0\.1:\d+)\/auth\/token\?token=([\w-]+)/.exec(output), () => output);
    await waitFor(() => output.match(/Ctrl\+C stops Shellport/), () => output);
    const text = output.replace(/\r/g, '');
    expect(text).toContain(`Shellport is running: open ${url}`);
    expect(text).toContain(`Data      ${dataDir}`);
    expect(text).toContain('npm run sign-in-link prints the link again');
    // Readable lines, not JSON, and the token only in the banner.
    expect(text).not.toMatch(/^\{/m);
    expect(text.split(token!)).toHaveLength(2);

    const before = output.length;
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${url}/auth/options`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(output.slice(before)).toBe('');

    terminal.kill('SIGTERM');
    await exited;
    expect(existsSync(path.join(dataDir, STARTUP_LINK_FILE))).toBe(false);
  }, 60_000);
});
