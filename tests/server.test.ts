import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, readMigrations } from '../src/infra/database/migrate.js';
import { makeTempDir } from './helpers/app.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

interface RunningServer {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts src/server.ts in its own process, exactly as `npm start` runs dist/server.js. */
function startServer(env: Record<string, string>): RunningServer {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(server: RunningServer, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = server.output().match(pattern);
    if (match) return match;
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Server output never matched ${pattern}:\n${server.output()}`);
}

describe('the server process', () => {
  it('exits 1 with a message naming each bad variable', async () => {
    const server = startServer({ PORT: 'abc', LOG_LEVEL: 'chatty', DATA_DIR: makeTempDir() });
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('PORT="abc": expected a whole number from 0 to 65535');
    expect(server.output()).toContain('LOG_LEVEL="chatty"');
    expect(server.output()).toContain('docs/configuration.md');
  });

  it('starts on a fresh DATA_DIR, prints where to open it, migrates, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = path.join(makeTempDir(), 'data');
    const server = startServer({ PORT: '0', DATA_DIR: dataDir });
    const [, url] = await waitForOutput(server, /Shellport is running: open (http:\/\/127\.0\.0\.1:\d+)/);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const databaseFile = path.join(dataDir, 'shellport.db');
    expect(existsSync(`${databaseFile}-wal`)).toBe(true);

    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"database closed"');
    // SQLite removes the WAL file when the last connection closes cleanly.
    expect(existsSync(`${databaseFile}-wal`)).toBe(false);

    const db = new BetterSqlite3(databaseFile, { readonly: true });
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[];
    const migrations = db.prepare('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name').all();
    db.close();
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['_prisma_migrations', 'settings', 'workspaces', 'sessions', 'auth_sessions', 'auth_logs', 'system_metrics', 'job_runs']),
    );
    expect(migrations).toEqual(
      readMigrations(MIGRATIONS_DIR).map((migration) => ({ migration_name: migration.name, finished_at: expect.any(Number) })),
    );
  });

  it('shuts down on SIGINT too', async () => {
    const server = startServer({ PORT: '0', DATA_DIR: makeTempDir() });
    await waitForOutput(server, /Shellport is running/);
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });

  it('explains a port that is already taken', async () => {
    const first = startServer({ PORT: '0', DATA_DIR: makeTempDir() });
    const [, port] = await waitForOutput(first, /Shellport is running: open http:\/\/127\.0\.0\.1:(\d+)/);
    const second = startServer({ PORT: port!, DATA_DIR: makeTempDir() });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`Port ${port} is taken: set PORT to a free one.`);
  });
});
