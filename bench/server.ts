/**
 * The real Shellport app (buildApp) on loopback with a temp DATA_DIR, run as a child process of
 * bench/run.ts so that the server's CPU and memory can be read from /proc/<pid> apart from the
 * client's. Argument: a JSON object of extra environment settings for loadConfig.
 * Reports `{ type: 'ready', port, cookie }` over IPC; answers `gc` and `close`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { SESSION_COOKIE } from '../src/features/auth/guard.js';

// Settings from the bench itself, then BENCH_SERVER_ENV (a JSON object) to try other configurations.
const extra = { ...(JSON.parse(process.argv[2] ?? '{}') as Record<string, string>), ...(JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>) };
const dataDir = (JSON.parse(process.argv[2] ?? '{}') as { DATA_DIR?: string }).DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'shellport-bench-data-'));
const home = mkdtempSync(path.join(tmpdir(), 'shellport-bench-home-'));
// A fixed prompt the bench can recognise; no history file.
writeFileSync(path.join(home, '.bashrc'), "PS1='sp> '\nunset PROMPT_COMMAND\nHISTFILE=/dev/null\n");

const config = loadConfig({
  LOG_LEVEL: 'warn',
  MIN_FREE_DISK_MB: '1',
  SCHEDULER_ENABLED: 'false',
  TERMINAL_MAX_SESSIONS: '1000',
  // The in-process PTYs unless a section asks for the terminal host (its `host` section does).
  TERMINAL_HOST: 'in-process',
  PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
  HOME: home,
  ...extra,
  DATA_DIR: dataDir,
});
const app = await buildApp({ config });
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as AddressInfo;
const { token } = await app.auth.sessions.create({ ip: '127.0.0.1', userAgent: 'shellport-bench' });
process.send?.({ type: 'ready', port, cookie: `${SESSION_COOKIE}=${token}`, dataDir });

// The main thread's event-loop delay since the previous `inspect`: what every terminal waits for.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
const takeLoopDelay = () => {
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const result = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  loopDelay.reset();
  return result;
};

process.on('message', (message: { type: string }) => {
  if (message.type === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    // What the app holds in JavaScript after the collection: V8's heap and the memory of its Buffers.
    const { heapUsed, external } = process.memoryUsage();
    process.send?.({ type: 'gc-done', heapUsed, external });
  } else if (message.type === 'inspect') {
    const { sessionId } = message as unknown as { sessionId: string };
    process.send?.({ type: 'inspect-done', state: { ...app.terminals.inspect(sessionId), loopDelayMs: takeLoopDelay() } });
  } else if (message.type === 'close') {
    void app
      .close()
      .catch((error: unknown) => console.error(error))
      .finally(() => {
        // A terminal host outlives the server by design: the bench ends it with the run.
        spawnSync('pkill', ['-f', '--', `--dir ${path.join(dataDir, 'terminal-host')}`]);
        rmSync(dataDir, { recursive: true, force: true });
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      });
  }
});
process.on('disconnect', () => process.exit(0));
