// The fake GitHub: the only stand-in in Shellport's tests. A loopback node:http server that answers like
// github.com (OAuth, device flow, git smart HTTP) and GitHub Enterprise Server's /api/v3 REST API.
// See README.md in this folder for the API.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleGit, isGitPath, type GitContext } from './git-http.js';
import { parseParams, readTextBody, sendText } from './http-util.js';
import { findDevice, handleAccessToken, handleAuthorize, handleDeviceCode, handleDevicePage, type OAuthContext } from './oauth.js';
import { apiNotFound, handleApi, type ApiContext } from './rest-api.js';
import { handlePullPage, isPullPage, PullStore, type FakePull } from './pulls.js';
import { FakeStore } from './store.js';
import type { AddRepoInput, FakeGitHubOptions, FakeRepo, FakeUser, Hang, HangScope, IssuedToken, RecordedRequest } from './types.js';

export type { FakePull } from './pulls.js';
export type { AddRepoInput, FakeGitHubOptions, FakeRepo, FakeUser, Hang, HangScope, IssuedToken, RecordedRequest, TokenKind } from './types.js';

export interface FakeGitHub {
  /** Web base (github.com equivalent), e.g. http://127.0.0.1:PORT */
  readonly url: string;
  /** REST base (api.github.com equivalent, GHES layout): `${url}/api/v3` */
  readonly apiUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  addUser(input: { login: string; id?: number; name?: string; avatarUrl?: string }): FakeUser;
  /** Extension: an organization; its members see its repos with affiliation=organization_member. */
  addOrg(input: { login: string; id?: number; name?: string; members?: string[] }): FakeUser;
  /** Adds a repository; an unknown owner becomes an organization. The returned object is live: mutate it to change the repo. */
  addRepo(input: AddRepoInput): FakeRepo;
  findRepo(owner: string, name: string): FakeRepo | undefined;
  /** The pull requests of a repository (opened through POST /repos/{owner}/{repo}/pulls), live: mutate one to close it. */
  pullRequests(owner: string, name: string): FakePull[];
  /** Who is signed in at GitHub when the browser opens /login/oauth/authorize; null => the user declines (error=access_denied). */
  signInBrowserAs(login: string | null): void;
  /** A token without any OAuth dance. expiring defaults to tokenKind === 'github-app'. */
  issueToken(login: string, opts?: { expiring?: boolean; scopes?: string[] }): IssuedToken;
  revokeToken(accessToken: string): void;
  expireAccessToken(accessToken: string): void;
  expireRefreshToken(refreshToken: string): void;
  approveDevice(userCode: string, login: string): void;
  denyDevice(userCode: string): void;
  expireDevice(userCode: string): void;
  /** { deviceCode, userCode } of the latest POST /login/device/code. */
  readonly lastDeviceCode: { deviceCode: string; userCode: string } | undefined;
  setRateLimited(limited: boolean): void;
  /**
   * While set, GitHub's sign-in endpoints (POST /login/oauth/access_token, /login/device/code) answer
   * this HTTP status with an HTML error page, as github.com does during an outage (e.g. 502, 503).
   */
  setSignInOutage(status: number | null): void;
  /**
   * While set, GitHub accepts the requests of these scopes (default all: `api`, `sign-in`, `git`) and
   * holds them: never answered without `afterMs`, else answered as usual after `afterMs`. Held
   * requests are in `requests` with `held: true` (and no status until answered). `setHang(null)` lets
   * the requests still held go on and be answered; a client that gives up ends its own.
   */
  setHang(hang: Hang | null): void;
  /** Requests held by setHang() right now (accepted, not yet answered). */
  readonly heldRequests: RecordedRequest[];
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Requests to routes the fake does not know (strict mode) and requests that made the fake throw. */
  readonly unexpectedRequests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const clientId = options.clientId ?? 'test-client-id';
  const clientSecret = options.clientSecret ?? 'test-client-secret';
  const strict = options.strict ?? true;
  const clock = options.clock ?? { now: () => new Date() };
  const store = new FakeStore(options.tokenKind ?? 'oauth-app', () => clock.now().getTime());
  const requests: RecordedRequest[] = [];
  const unexpectedRequests: RecordedRequest[] = [];
  let signInOutage: number | null = null;
  let hang: Hang | null = null;
  const held = new Map<RecordedRequest, (outcome: 'answer' | 'gone') => void>();

  // Filled in once the server listens and the port is known.
  let oauth!: OAuthContext;
  let api!: ApiContext;
  let git!: GitContext;

  const record = (req: IncomingMessage, res: ServerResponse, url: URL, body: string | undefined): RecordedRequest => {
    const entry: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      url: req.url ?? '/',
      query: Object.fromEntries(url.searchParams),
      headers: { ...req.headers },
      body,
    };
    requests.push(entry);
    res.once('finish', () => {
      entry.status = res.statusCode;
    });
    return entry;
  };

  const scopeOf = (path: string): HangScope | null =>
    isGitPath(path) ? 'git' : path.startsWith('/login/') ? 'sign-in' : path === '/api/v3' || path.startsWith('/api/v3/') ? 'api' : null;

  /** Holds a request while a hang covers it; 'gone' when the client left (or the fake closed) meanwhile. */
  const holdIfHung = (entry: RecordedRequest, res: ServerResponse): Promise<'answer' | 'gone'> => {
    const scope = scopeOf(entry.path);
    if (!hang || !scope || !(hang.scopes ?? ['api', 'sign-in', 'git']).includes(scope)) return Promise.resolve('answer');
    entry.held = true;
    const afterMs = hang.afterMs;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: 'answer' | 'gone') => {
        if (!held.delete(entry)) return;
        clearTimeout(timer);
        res.off('close', onClose);
        resolve(outcome);
      };
      const onClose = () => settle('gone');
      held.set(entry, settle);
      res.on('close', onClose);
      if (afterMs !== undefined) timer = setTimeout(() => settle('answer'), afterMs);
    });
  };

  const notFound = (entry: RecordedRequest, res: ServerResponse) => {
    if (strict) unexpectedRequests.push(entry);
    if (entry.path.startsWith('/api/v3')) apiNotFound(res);
    else sendText(res, 404, 'Not Found');
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const method = req.method ?? 'GET';
    if (isGitPath(url.pathname)) {
      const entry = record(req, res, url, undefined);
      if ((await holdIfHung(entry, res)) === 'gone') return;
      await handleGit(git, req, res, url);
      return;
    }
    const body = await readTextBody(req);
    const entry = record(req, res, url, body);
    if ((await holdIfHung(entry, res)) === 'gone') return;
    const path = url.pathname;
    try {
      if (signInOutage !== null && method === 'POST' && path.startsWith('/login/')) {
        const page = '<!DOCTYPE html><html><head><title>Unicorn! · GitHub</title></head><body><p>No server is currently available to service your request.</p></body></html>';
        return sendText(res, signInOutage, page, 'text/html; charset=utf-8');
      }
      if (method === 'GET' && path === '/login/oauth/authorize') return handleAuthorize(oauth, res, url.searchParams);
      if (method === 'POST' && path === '/login/oauth/access_token') {
        return handleAccessToken(oauth, req, res, parseParams(req, body, url.searchParams));
      }
      if (method === 'POST' && path === '/login/device/code') return handleDeviceCode(oauth, req, res, parseParams(req, body, url.searchParams));
      if (method === 'GET' && path === '/login/device') return handleDevicePage(res);
      if (method === 'GET' && isPullPage(path)) return handlePullPage(api, res, path);
      if (path === '/api/v3' || path.startsWith('/api/v3/')) {
        const apiPath = path.slice('/api/v3'.length) || '/';
        if (await handleApi(api, { req, res, path: apiPath, query: url.searchParams, body })) return;
      }
      notFound(entry, res);
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
      unexpectedRequests.push(entry);
      if (!res.headersSent) sendText(res, 500, `fake-github failed: ${entry.error}`);
      else res.destroy();
    }
  };

  const server = createServer((req, res) => {
    dispatch(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, `fake-github failed: ${err instanceof Error ? err.message : String(err)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const apiUrl = `${url}/api/v3`;

  oauth = {
    store,
    clientId,
    clientSecret,
    baseUrl: url,
    callbackUrl: options.callbackUrl,
    deviceInterval: options.deviceInterval ?? 5,
    deviceFlowEnabled: options.deviceFlowEnabled ?? true,
    browserLogin: undefined,
    lastDeviceCode: undefined,
  };
  api = { store, baseUrl: url, apiUrl, clientId, clientSecret, rateLimited: false, rateWindows: new Map(), pulls: new PullStore() };
  git = { store, children: new Set() };

  const token = (accessToken: string) => {
    const t = store.tokens.get(accessToken);
    if (!t) throw new Error('fake-github: unknown access token');
    return t;
  };

  return {
    url,
    apiUrl,
    clientId,
    clientSecret,
    addUser: (input) => store.addAccount({ ...input, type: 'User' }),
    addOrg: (input) => store.addAccount({ ...input, type: 'Organization' }),
    addRepo: (input) => store.addRepo(input),
    findRepo: (owner, name) => store.findRepo(owner, name),
    pullRequests: (owner, name) => {
      const repo = store.findRepo(owner, name);
      return repo ? api.pulls.list(repo) : [];
    },
    signInBrowserAs: (login) => {
      oauth.browserLogin = login === null ? null : store.requireUser(login).login;
    },
    issueToken: (login, opts) => store.issueToken(login, opts),
    revokeToken: (accessToken) => {
      token(accessToken).revoked = true;
    },
    expireAccessToken: (accessToken) => {
      token(accessToken).expiresAt = store.now() - 1;
    },
    expireRefreshToken: (refreshToken) => {
      const r = store.refreshTokens.get(refreshToken);
      if (!r) throw new Error('fake-github: unknown refresh token');
      r.expiresAt = store.now() - 1;
    },
    approveDevice: (userCode, login) => {
      const device = findDevice(oauth, userCode);
      device.state = 'approved';
      device.login = store.requireUser(login).login;
    },
    denyDevice: (userCode) => {
      findDevice(oauth, userCode).state = 'denied';
    },
    expireDevice: (userCode) => {
      findDevice(oauth, userCode).expiresAt = store.now() - 1;
    },
    get lastDeviceCode() {
      return oauth.lastDeviceCode;
    },
    setRateLimited: (limited) => {
      api.rateLimited = limited;
    },
    setSignInOutage: (status) => {
      signInOutage = status;
    },
    setHang: (next) => {
      hang = next;
      if (next === null) for (const settle of [...held.values()]) settle('answer');
    },
    get heldRequests() {
      return [...held.keys()];
    },
    requests,
    unexpectedRequests,
    close: async () => {
      for (const settle of [...held.values()]) settle('gone');
      for (const child of git.children) child.kill('SIGKILL');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Fails (throws) when the fake saw a request it does not serve or one that made it throw, naming each,
 * and empties the list so that the next test starts clean. Every suite that starts a fake calls this
 * after each test or after all of them: `afterEach(() => ensureNoUnexpectedRequests(fake))`.
 */
export function ensureNoUnexpectedRequests(fake: FakeGitHub | undefined): void {
  if (!fake) return;
  const seen = fake.unexpectedRequests.splice(0);
  if (seen.length === 0) return;
  const lines = seen.map((r) => `  ${r.method} ${r.url}${r.status !== undefined ? ` → ${r.status}` : ''}${r.error ? ` (the fake threw: ${r.error})` : ''}`);
  throw new Error(`The fake GitHub received ${seen.length} unexpected request(s):\n${lines.join('\n')}`);
}

/** Closes the fakes, then fails like ensureNoUnexpectedRequests() if any saw an unexpected request. */
export async function closeFakeGitHubs(fakes: FakeGitHub[]): Promise<void> {
  const closing = fakes.splice(0);
  for (const fake of closing) await fake.close();
  const failures: string[] = [];
  for (const fake of closing) {
    try {
      ensureNoUnexpectedRequests(fake);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('\n'));
}
