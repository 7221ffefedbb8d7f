import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';

import { buildApp, type BuildAppOptions } from '../../src/app.js';
import { loadConfig, type Config, type Env } from '../../src/config/index.js';
import type { Clock } from '../../src/infra/clock.js';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  dataDir: string;
  /** Every log line the app has written so far, parsed. */
  logLines: () => Record<string, unknown>[];
  /** The raw log text, for "this secret never appears" checks. */
  logText: () => string;
  /** The app's clock: starts at the real time and moves only when a test advances it. */
  clock: TestClock;
}

export interface TestClock extends Clock {
  advance(ms: number): void;
  set(date: Date): void;
}

export function createTestClock(start = new Date()): TestClock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    set: (date) => {
      current = date.getTime();
    },
  };
}

const openApps: FastifyInstance[] = [];
const tempDirs: string[] = [];

/**
 * Closes the apps and removes the temp directories of the test that just ran. Registered for every
 * test file by tests/setup/cleanup.ts: with a shared module cache (vitest.config.ts) a hook registered
 * here, at module level, would run for the first file that imports this module only.
 */
export async function closeTestResources(): Promise<void> {
  for (const app of openApps.splice(0)) await app.close();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A temp directory removed after the current test. */
export function makeTempDir(prefix = 'shellport-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A config for tests: a fresh temp DATA_DIR, debug-level logs captured in memory, no cron jobs. */
export function testConfig(env: Env = {}, dataDir = makeTempDir()): Config {
  // PTYs inside the app unless a test asks for the terminal host (tests/terminal-host/). A HOME of the
  // test's own unless it sets one: without it a test's shell reads root's dotfiles on this machine,
  // whose `pyenv init` can hang every later bash for 60 s on a lock a killed terminal left behind.
  const home = env.HOME ?? makeTempDir('shellport-home-');
  return loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'debug', MIN_FREE_DISK_MB: '1', SCHEDULER_ENABLED: 'false', TERMINAL_HOST: 'in-process', HOME: home, ...env });
}

/** Builds the real app on a temp DATA_DIR with a real SQLite file; closed after the test. */
export async function buildTestApp(
  env: Env = {},
  options: Omit<BuildAppOptions, 'config' | 'logStream' | 'clock'> = {},
): Promise<TestApp> {
  const config = testConfig(env);
  const clock = createTestClock();
  const chunks: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const app = await buildApp({ config, logStream, clock, ...options });
  openApps.push(app);
  return {
    app,
    config,
    dataDir: config.storage.dataDir,
    logLines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    logText: () => chunks.join(''),
    clock,
  };
}

/**
 * Signs the owner in without GitHub by creating a sign-in session the way a successful sign-in does.
 * Returns the Cookie header value; pass it as `headers: { cookie }` to inject() or a socket client.
 */
export async function signInAsOwner(app: FastifyInstance): Promise<string> {
  const { token } = await app.auth.sessions.create({ ip: '127.0.0.1', userAgent: 'vitest' });
  return `${app.auth.cookieName}=${token}`;
}

/** inject() as the signed-in owner. */
export async function injectAsOwner(app: FastifyInstance, options: InjectOptions) {
  const cookie = await signInAsOwner(app);
  return app.inject({ ...options, headers: { ...(options.headers ?? {}), cookie } });
}
