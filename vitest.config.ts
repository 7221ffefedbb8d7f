import { configDefaults, defineConfig } from 'vitest/config';
import SlowFirstSequencer from './tests/setup/slow-first.js';

// Four lanes (docs/testing.md). `npm test` runs them all; `npm run test:fast` runs unit + integration,
// `npm run test:unit` the unit lane; `vitest run --project browser` (or deploy) runs one lane.

/**
 * unit: pure functions and DOM-free models. No app, no child processes, no sockets, no SQLite; only
 * reading the repository's own files. A new test file lands in integration unless listed here.
 */
const UNIT = [
  'tests/architecture/**/*.test.ts',
  'tests/config/**/*.test.ts',
  'tests/web/**/*.test.ts',
  'tests/e2e/console-problems.test.ts',
  'tests/features/approvals/tool-request.test.ts',
  'tests/features/health/readiness.test.ts',
  'tests/features/hooks/hook-events.test.ts',
  'tests/features/hooks/hook-settings.test.ts',
  'tests/features/maintenance/config.test.ts',
  'tests/features/preview/capability.test.ts',
  'tests/features/preview/tickets.test.ts',
  'tests/features/preview/headers.test.ts',
  'tests/features/preview/hosts.test.ts',
  'tests/features/preview/proc-net.test.ts',
  'tests/features/push/notifier.test.ts',
  'tests/features/push/policy.test.ts',
  'tests/features/runs/codex-json.test.ts',
  'tests/features/runs/line-reader.test.ts',
  'tests/features/runs/tool-rules.test.ts',
  'tests/features/runs/mcp-config.test.ts',
  'tests/features/runs/stream-json.test.ts',
  'tests/features/terminals/config.test.ts',
  'tests/features/terminals/foreground.test.ts',
  'tests/features/terminals/ring-buffer.test.ts',
  'tests/features/terminals/screen-mirror.test.ts',
  'tests/features/terminals/signals.test.ts',
  'tests/features/terminals/terminal-status.test.ts',
  'tests/features/web/messages.test.ts',
  'tests/features/web/styles.test.ts',
  'tests/features/workspaces/diff-parser.test.ts',
  'tests/features/workspaces/progress.test.ts',
  'tests/features/workspaces/review-proposal.test.ts',
  'tests/shared/**/*.test.ts',
];
/**
 * processes: whole Shellport servers (and terminal hosts) as processes of their own, started, signalled
 * and killed (`kill -9`, SIGTERM, a restart), and the 500-terminal run: the slowest integration files,
 * kept out of `npm run test:fast`'s edit-test loop; `npm test` runs them.
 */
const PROCESSES = [
  'tests/server.test.ts',
  'tests/features/auth/server-start.test.ts',
  'tests/features/github/shutdown.test.ts',
  'tests/terminal-host/server-restart.test.ts',
  'tests/terminal-host/run-restart.test.ts',
  'tests/features/terminals/many-terminals.test.ts',
  'tests/agents/**/*.test.ts',
  'tests/features/runs/runs.test.ts',
  'tests/features/runs/codex-runs.test.ts',
  'tests/features/runs/mcp-agents.test.ts',
];
/** browser: the real app driven by Debian's Chromium (playwright-core). */
const BROWSER = ['tests/e2e/**/*.test.ts'];
/** deploy: the deployment files, with real Caddy, nginx, systemd-analyze and an npm-ci'd image recipe. */
const DEPLOY = ['tests/deploy/**/*.test.ts'];

/** Builds the web app into public/ before the lane's tests: the web routes and the browser serve it. */
const WEB_BUILD = ['tests/global-setup.ts'];
/**
 * Unit and integration files share their worker's module cache (isolate: false): loading the app and
 * its dependencies (Fastify, Prisma, Octokit, Socket.IO...) again for each file cost about 1.3 s of
 * CPU per file, over a third of these lanes' CPU time. It relies on what docs/testing.md asks of
 * tests: no module-level state, and no fake timers, environment changes or mocks left behind.
 */
const SHARED_MODULES = { isolate: false };
/** Per-file clean-up hooks (apps closed, temp directories and sockets gone): see tests/setup/cleanup.ts. */
const CLEANUP = ['tests/setup/cleanup.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real PTYs, git processes and SQLite files: two cores are shared by everything, across lanes.
    pool: 'forks',
    maxWorkers: 2,
    // expect.poll waits up to 1 s by default: too short for a browser or a PTY on a loaded machine.
    expect: { poll: { timeout: 10_000 } },
    // In CI a test that fails is run once more (Playwright's own default for CI): real shells, Chromium
    // and servers on a loaded two-core machine now and then miss a deadline. A test that fails twice
    // fails the run, and the report names every test that needed its second try.
    retry: process.env.CI ? 1 : 0,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, ...SHARED_MODULES } },
      {
        extends: true,
        test: {
          // The real app, PTYs, git, SQLite, sockets on loopback, the fake GitHub.
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...BROWSER, ...DEPLOY, ...PROCESSES],
          globalSetup: WEB_BUILD,
          setupFiles: CLEANUP,
          ...SHARED_MODULES,
        },
      },
      { extends: true, test: { name: 'processes', include: PROCESSES, globalSetup: WEB_BUILD, setupFiles: CLEANUP, ...SHARED_MODULES } },
      { extends: true, test: { name: 'browser', include: BROWSER, exclude: [...configDefaults.exclude, ...UNIT], globalSetup: WEB_BUILD, setupFiles: CLEANUP } },
      { extends: true, test: { name: 'deploy', include: DEPLOY, globalSetup: WEB_BUILD, setupFiles: CLEANUP } },
    ],
  },
});
