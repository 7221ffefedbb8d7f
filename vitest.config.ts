import { configDefaults, defineConfig } from 'vitest/config';

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
  'tests/features/health/readiness.test.ts',
  'tests/features/maintenance/config.test.ts',
  'tests/features/terminals/config.test.ts',
  'tests/features/terminals/ring-buffer.test.ts',
  'tests/features/web/messages.test.ts',
  'tests/features/web/styles.test.ts',
  'tests/features/workspaces/progress.test.ts',
  'tests/shared/**/*.test.ts',
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
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT, ...SHARED_MODULES } },
      {
        extends: true,
        test: {
          // The real app, PTYs, git, SQLite, sockets on loopback, the fake GitHub.
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...UNIT, ...BROWSER, ...DEPLOY],
          globalSetup: WEB_BUILD,
          setupFiles: CLEANUP,
          ...SHARED_MODULES,
        },
      },
      { extends: true, test: { name: 'browser', include: BROWSER, exclude: [...configDefaults.exclude, ...UNIT], globalSetup: WEB_BUILD, setupFiles: CLEANUP } },
      { extends: true, test: { name: 'deploy', include: DEPLOY, globalSetup: WEB_BUILD, setupFiles: CLEANUP } },
    ],
  },
});
