import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Env } from '../../../src/config/index.js';
import type { CloneEvent } from '../../../src/shared/workspaces.js';
import { ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, type TestApp, type TestClock } from '../../helpers/app.js';
import { fakeGitHubEnv, signInWithGitHub } from '../../helpers/github-sign-in.js';

export const OWNER = 'owner';

export interface GitHubFixture {
  /** The fake GitHub of this test file, with the owner as a user. */
  readonly fake: FakeGitHub;
  /** A temporary folder for this file's bare repositories and other fixtures. */
  readonly fixtures: string;
}

/**
 * One fake GitHub (with the owner) and a fixtures folder for the test file, started before its
 * tests and removed after them; after each test, no request reached the fake that it does not serve.
 */
export function useGitHubFixture(options: Parameters<typeof startFakeGitHub>[0] = {}): GitHubFixture {
  let fake: FakeGitHub | undefined;
  let fixtures: string | undefined;
  beforeAll(async () => {
    fixtures = mkdtempSync(path.join(tmpdir(), 'shellport-workspaces-fixtures-'));
    fake = await startFakeGitHub(options);
    fake.addUser({ login: OWNER, id: 1001 });
  }, 30_000);
  afterEach(() => ensureNoUnexpectedRequests(fake));
  afterAll(async () => {
    await fake?.close();
    if (fixtures) rmSync(fixtures, { recursive: true, force: true });
  });
  return {
    get fake() {
      if (!fake) throw new Error('the fake GitHub starts in beforeAll');
      return fake;
    },
    get fixtures() {
      if (!fixtures) throw new Error('the fixtures folder is made in beforeAll');
      return fixtures;
    },
  };
}

export interface OwnerApp extends TestApp {
  cookie: string;
  /** The owner's GitHub token as the app stored it (decrypted here only to look for leaks). */
  token: () => Promise<string>;
  call: (options: InjectOptions) => Promise<LightMyRequestResponse>;
}

/**
 * The real app pointed at the fake GitHub, with the owner signed in through the web flow (the
 * auth feature stores the token encrypted in Settings, as in production).
 */
export async function ownerApp(fake: FakeGitHub, env: Env = {}, clockRef?: { clock?: TestClock }): Promise<OwnerApp> {
  const testApp = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: OWNER, ...env }));
  if (clockRef) clockRef.clock = testApp.clock;
  const { cookie } = await signInWithGitHub(testApp.app, fake, OWNER);
  if (!cookie) throw new Error('sign-in through the fake GitHub failed');
  const token = async () => {
    const settings = await testApp.app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    return testApp.app.vault.decrypt(settings.githubAccessToken!);
  };
  const call = (options: InjectOptions) => testApp.app.inject({ ...options, headers: { ...(options.headers ?? {}), cookie } });
  return { ...testApp, cookie, token, call };
}

/** Polls `check` until it returns a value (not undefined/false) or the time is up. */
export async function waitFor<T>(check: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function createWorkspace(owner: OwnerApp, body: Record<string, unknown>) {
  return owner.call({ method: 'POST', url: '/api/workspaces', payload: body });
}

/** Waits until the workspace's clone is ready or failed; returns the workspace JSON. */
export async function waitForClone(owner: OwnerApp, id: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const response = await owner.call({ method: 'GET', url: `/api/workspaces/${id}` });
      const workspace = response.json().workspace;
      return workspace.cloneState === 'ready' || workspace.cloneState === 'error' ? workspace : undefined;
    },
    `the clone of ${id}`,
    timeoutMs,
  );
}

export async function cloneReady(owner: OwnerApp, repo: string) {
  const created = await createWorkspace(owner, { repo });
  expect(created.statusCode, created.body).toBe(202);
  const workspace = await waitForClone(owner, created.json().workspace.id);
  expect(workspace.cloneState, workspace.cloneError).toBe('ready');
  return workspace as { id: string; name: string; localPath: string; cloneState: string };
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export interface EventStream {
  events: CloneEvent[];
  /** Resolves with all events once `until` matched one (or rejects on timeout). */
  until(predicate: (event: CloneEvent) => boolean, timeoutMs?: number): Promise<CloneEvent[]>;
  close(): void;
  contentType: string;
  /** True once the server ended the response. */
  ended(): boolean;
}

/** Opens GET `path` (server-sent events) on a listening app and parses `data:` lines. */
export async function openEventStream(baseUrl: string, path: string, cookie: string): Promise<EventStream> {
  // node:http without an agent: one connection, closed for sure by close().
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = httpGet(`${baseUrl}${path}`, { headers: { cookie }, agent: false }, resolve);
    request.on('error', reject);
  });
  if (response.statusCode !== 200) {
    response.resume();
    throw new Error(`${path} answered ${response.statusCode}`);
  }
  const events: CloneEvent[] = [];
  const waiters: Array<{ predicate: (event: CloneEvent) => boolean; resolve: (events: CloneEvent[]) => void }> = [];
  let ended = false;
  let buffer = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let index: number;
    while ((index = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, index);
      buffer = buffer.slice(index + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (!data) continue;
      const event = JSON.parse(data) as CloneEvent;
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve([...events]);
        }
      }
    }
  });
  response.on('close', () => {
    ended = true;
  });
  response.on('error', () => {});
  return {
    events,
    contentType: String(response.headers['content-type'] ?? ''),
    until(predicate, timeoutMs = 30_000) {
      if (events.some(predicate)) return Promise.resolve([...events]);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms (ended: ${ended}); got ${JSON.stringify(events.slice(-5))}`)), timeoutMs);
        waiters.push({
          predicate,
          resolve: (all) => {
            clearTimeout(timer);
            resolve(all);
          },
        });
      });
    },
    close: () => response.destroy(),
    ended: () => ended,
  };
}

export { shellEnvironment } from '../../helpers/terminal-env.js';
