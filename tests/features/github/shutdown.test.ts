// Stopping the server while a call to GitHub hangs (issue 18): SIGTERM aborts the call, so the
// documented shutdown runs to its end (terminals ended with server-shutdown, database closed with
// its WAL checkpointed) and the process exits 0 at once, not after the 10 s forced exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { closeFakeGitHubs, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { makeTempDir, testConfig } from '../../helpers/app.js';
import { fakeGitHubEnv, signInWithGitHub } from '../../helpers/github-sign-in.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const children: ChildProcess[] = [];
const fakes: FakeGitHub[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await closeFakeGitHubs(fakes);
});

/** Waits until `probe` returns a value (at most `timeoutMs`); on time-out, fails with `describeState()`. */
function waitFor<T>(probe: () => T | null | undefined | false, describeState: () => string, timeoutMs = 20_000): Promise<T> {
  return vi.waitFor(
    () => {
      const value = probe();
      if (value === null || value === undefined || value === false) throw new Error(`Timed out; so far:\n${describeState()}`);
      return value;
    },
    { timeout: timeoutMs, interval: 50 },
  );
}

describe('stopping the server while GitHub does not answer', () => {
  it('aborts the pending call on SIGTERM and completes the shutdown: terminals ended, database closed, exit 0', async () => {
    const fake = await startFakeGitHub();
    fakes.push(fake);
    fake.addUser({ login: 'owner', id: 1001 });
    const dataDir = makeTempDir();
    // Far longer than the 10 s the server gives its shutdown: only aborting the call ends it in time.
    const env = { ...fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', GITHUB_TIMEOUT_MS: '120000' }), DATA_DIR: dataDir, TERMINAL_HOST: 'in-process' } as Record<string, string>;

    // The owner connects GitHub once (through the app on the same DATA_DIR); the server process
    // then starts with the stored token and the sign-in session.
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const setup = await buildApp({ config: testConfig(env, dataDir), logStream: quiet });
    const { cookie } = await signInWithGitHub(setup, fake, 'owner');
    await setup.close();
    expect(cookie).toBeTruthy();

    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: makeTempDir('shellport-home-'), PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const [, url] = await waitFor(() => /Shellport is running: open (http:\/\/127\.0\.0\.1:\d+)/.exec(output), () => output);
    const headers = { cookie: cookie!, origin: url!, 'content-type': 'application/json' };

    const terminal = await fetch(`${url}/api/terminals`, { method: 'POST', headers, body: '{}' });
    expect(terminal.status, await terminal.clone().text()).toBe(201);
    const terminalId = ((await terminal.json()) as { session: { id: string } }).session.id;

    fake.setHang({ scopes: ['api'] });
    const pending = fetch(`${url}/api/github/repos?refresh=true`, { headers }).then(
      (response) => response.status,
      () => 'connection closed',
    );
    // Past the connection check (4 s), the list itself is waiting on GitHub.
    await waitFor(() => fake.heldRequests.some((request) => request.path === '/api/v3/user/repos'), () => output, 15_000);

    const stopping = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(8_000);
    expect(await pending).toBe(503);
    expect(output).not.toContain('graceful shutdown timed out');
    expect(output).toContain('"msg":"database closed"');

    const databaseFile = path.join(dataDir, 'shellport.db');
    // SQLite removes the WAL file when the last connection closes cleanly (after its checkpoint).
    expect(existsSync(`${databaseFile}-wal`)).toBe(false);
    const db = new BetterSqlite3(databaseFile, { readonly: true });
    const row = db.prepare('SELECT status, end_reason AS endReason FROM sessions WHERE id = ?').get(terminalId);
    db.close();
    expect(row).toEqual({ status: 'terminated', endReason: 'server-shutdown' });
    fake.setHang(null);
  }, 60_000);
});
