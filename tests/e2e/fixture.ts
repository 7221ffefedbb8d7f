// The end-to-end fixture: the REAL app (buildApp) listening on a loopback port, pointed at the fake
// GitHub, and Debian's Chromium driven by playwright-core. One fixture (one app, one browser) per
// test file: call `useE2E()` at the top of the file, then `const e2e = fixture();` inside tests.
//
// Chromium is required: when /usr/bin/chromium is missing the suite FAILS with instructions (CI
// installs it with apt in .ci/run); it is never skipped silently.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Env } from '../../src/config/index.js';
import { ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub } from '../fake-github/index.js';
import { createBareRepo, createLargeBareRepo, type BareRepoSpec } from '../fake-github/repos.js';
import { startFakePushService, type FakePushService } from '../helpers/fake-push-service.js';
import { fakeGitHubEnv } from '../helpers/github-sign-in.js';
import { freePort } from '../helpers/ports.js';
import { isConsoleProblem } from './console-problems.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const OWNER_LOGIN = 'octocat';
/** Screenshots land here (gitignored). */
export const ARTIFACTS_DIR = path.resolve(import.meta.dirname, '../../test-artifacts');

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface NewPageOptions {
  /** Default 1280×800; phones: { width: 390, height: 844 }. */
  viewport?: { width: number; height: number };
  isMobile?: boolean;
  hasTouch?: boolean;
  /** The device's preference, which the default theme (`system`) follows; dark unless given. */
  colorScheme?: 'light' | 'dark';
  /** Another browser's user agent (an iPhone's Safari…); Chromium's own unless given. */
  userAgent?: string;
}

export interface E2E {
  /** http://127.0.0.1:PORT — the app's PUBLIC_URL. */
  baseUrl: string;
  app: FastifyInstance;
  fake: FakeGitHub;
  browser: Browser;
  dataDir: string;
  /** The fake Web Push service the app delivers to (with `useE2E({ push: true })`), else null. */
  push: FakePushService | null;
  /** A new page in its own browser context (own cookies and localStorage), tracked for console problems. */
  newPage(options?: NewPageOptions): Promise<Page>;
  /**
   * Signs the owner in through the real GitHub web flow, in the browser: /auth/github → the fake's
   * authorize page (auto-approved) → /auth/github/callback → `/`. Resolves once the browser is back on
   * the app with a session cookie (the app then routes / to /workspaces by itself).
   */
  signIn(page: Page, login?: string): Promise<void>;
  /** Console errors and warnings (and uncaught page errors) this page has produced so far. */
  consoleProblems(page: Page): string[];
  /** Writes test-artifacts/<name>.png (full page). */
  screenshot(page: Page, name: string): Promise<string>;
  /**
   * A real bare repository served by the fake GitHub as `octocat/<name>` (for the repository picker):
   * branches main + feature by default, `spec` for others, or `megabytes` of random content for a
   * clone slow enough to show its progress.
   */
  addRepo(name: string, options?: { spec?: BareRepoSpec; megabytes?: number; private?: boolean; description?: string }): Promise<void>;
  /** Everything the app logged (level warn and above by default). */
  logText(): string;
  /**
   * Closes the app (as a restart or an upgrade does; a kill -9 of a server process is tested in
   * tests/terminal-host/) and starts a new one on the same port and DATA_DIR; `app` is the new one afterwards.
   */
  restartApp(): Promise<void>;
}

export interface E2EOptions {
  /** Extra environment for the app (e.g. TOKEN_SIGN_IN). */
  env?: Env;
  /**
   * A fake Web Push service (tests/helpers/fake-push-service.ts) that the app sends to, and a short
   * grace period before a push (the time a page showing the terminal has to take it).
   */
  push?: boolean;
}

/** The push grace period with `push: true`: long enough for a page to mark a terminal seen, short for a test. */
export const E2E_PUSH_GRACE_MS = 500;

/** Fails with instructions when Debian's Chromium is not installed: the e2e suite must not be skipped. */
export function ensureChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `The end-to-end tests need Debian's Chromium at ${CHROMIUM_PATH}. Install it with ` +
        '`sudo apt-get install -y chromium` (.ci/run does this in CI).',
    );
  }
}


/** Starts the fake GitHub, the real app and Chromium. Prefer `useE2E()` in test files. */
export async function startE2E(options: E2EOptions = {}): Promise<E2E & { close(): Promise<void> }> {
  ensureChromium();
  const tempRoot = mkdtempSync(path.join(tmpdir(), 'shellport-e2e-'));
  const dataDir = path.join(tempRoot, 'data');
  const home = path.join(tempRoot, 'home');
  const reposDir = path.join(tempRoot, 'repos');
  for (const dir of [dataDir, home, reposDir]) mkdirSync(dir, { recursive: true });

  const fake = await startFakeGitHub({ deviceInterval: 1 });
  fake.addUser({ login: OWNER_LOGIN, name: 'The Octocat' });

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig(
    fakeGitHubEnv(fake, {
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      HOME: home,
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      GITHUB_ALLOWED_USER: OWNER_LOGIN,
      LOG_LEVEL: 'warn',
      MIN_FREE_DISK_MB: '1',
      SCHEDULER_ENABLED: 'false',
      TERMINAL_KILL_GRACE_MS: '300',
      TERMINAL_HOST: 'in-process',
      ...options.env,
    }),
  );
  const logChunks: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logChunks.push(chunk.toString());
      done();
    },
  });
  const push = options.push ? await startFakePushService() : null;
  const appOptions = { config, logStream, ...(push ? { push: { agent: push.agent, graceMs: E2E_PUSH_GRACE_MS } } : {}) };
  let app = await buildApp(appOptions);
  await app.listen({ host: '127.0.0.1', port });

  // playwright-core's launch() gives every browser a fresh temporary profile (user-data-dir).
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });

  const problems = new WeakMap<Page, string[]>();
  const contexts: BrowserContext[] = [];

  const describeMessage = (message: ConsoleMessage) => {
    const location = message.location();
    return `console.${message.type()}: ${message.text()}${location.url ? ` (${location.url}:${location.lineNumber})` : ''}`;
  };

  const e2e: E2E & { close(): Promise<void> } = {
    baseUrl,
    app,
    fake,
    browser,
    dataDir,
    push,
    async newPage(pageOptions = {}) {
      const context = await browser.newContext({
        baseURL: baseUrl,
        viewport: pageOptions.viewport ?? { width: 1280, height: 800 },
        isMobile: pageOptions.isMobile,
        colorScheme: pageOptions.colorScheme ?? 'dark',
        hasTouch: pageOptions.hasTouch,
        userAgent: pageOptions.userAgent,
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      contexts.push(context);
      const page = await context.newPage();
      const list: string[] = [];
      problems.set(page, list);
      page.on('console', (message) => {
        if (isConsoleProblem(message.type(), message.text())) list.push(describeMessage(message));
      });
      page.on('pageerror', (error) => list.push(`uncaught: ${error.stack ?? error.message}`));
      page.setDefaultTimeout(10_000);
      return page;
    },
    async signIn(page, login = OWNER_LOGIN) {
      fake.signInBrowserAs(login);
      // goto() follows the redirects (app → fake GitHub → callback → /) and waits for the final load;
      // the app itself then moves on from / to /workspaces.
      await page.goto(`${baseUrl}/auth/github`);
      await page
        .waitForURL((url) => url.origin === baseUrl && !url.pathname.startsWith('/auth/') && url.pathname !== '/sign-in', { timeout: 20_000 })
        .catch(async (error: Error) => {
          const text = await page.locator('body').innerText().catch(() => '(no body)');
          throw new Error(`The web-flow sign-in as ${login} stopped at ${page.url()}: ${error.message}\nIt shows:\n${text.slice(0, 2000)}`);
        });
      const cookies = await page.context().cookies(baseUrl);
      if (!cookies.some((cookie) => cookie.name === 'shellport_session')) throw new Error(`The web-flow sign-in as ${login} did not set a session cookie (page: ${page.url()}).`);
    },
    consoleProblems(page) {
      return [...(problems.get(page) ?? [])];
    },
    async screenshot(page, name) {
      mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const file = path.join(ARTIFACTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async addRepo(name, repoOptions = {}) {
      const dir = path.join(reposDir, `${name}.git`);
      const bare = repoOptions.megabytes
        ? await createLargeBareRepo(dir, { megabytes: repoOptions.megabytes })
        : await createBareRepo(dir, repoOptions.spec ?? { branches: { main: ['first commit', 'second commit'], feature: ['feature work'] } });
      fake.addRepo({ owner: OWNER_LOGIN, name, private: repoOptions.private ?? true, description: repoOptions.description, bare: bare.path });
    },
    logText: () => logChunks.join(''),
    async restartApp() {
      await app.close();
      app = await buildApp(appOptions);
      await app.listen({ host: '127.0.0.1', port });
      e2e.app = app;
    },
    async close() {
      for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await app.close();
      await fake.close();
      await push?.close();
      rmSync(tempRoot, { recursive: true, force: true });
      ensureNoUnexpectedRequests(fake);
    },
  };
  return e2e;
}

/**
 * Registers the fixture for this test file: one app and one browser, started before the first test
 * and closed after the last. Browser contexts opened by a test are closed after it.
 */
export function useE2E(options: E2EOptions = {}): () => E2E {
  let current: (E2E & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    current = await startE2E(options);
  }, 60_000);
  afterEach(async () => {
    if (!current) return;
    for (const context of current.browser.contexts()) await context.close().catch(() => undefined);
    ensureNoUnexpectedRequests(current.fake);
  });
  afterAll(async () => {
    await current?.close();
  }, 30_000);
  return () => {
    if (!current) throw new Error('The e2e fixture did not start; see the beforeAll error above.');
    return current;
  };
}
