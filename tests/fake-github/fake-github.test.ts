import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { closeFakeGitHubs, ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './index.js';
import { createBareRepo, createLargeBareRepo, gitTestEnv, runGit } from './repos.js';

const fakes: FakeGitHub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await closeFakeGitHubs(fakes);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-github-test-'));
  dirs.push(dir);
  return dir;
}

async function start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const fake = await startFakeGitHub(options);
  fakes.push(fake);
  return fake;
}

function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) };
}

function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

async function postToken(fake: FakeGitHub, params: Record<string, string>, accept = 'application/json') {
  const response = await fetch(`${fake.url}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  expect(response.status).toBe(200);
  return accept === 'application/json' ? ((await response.json()) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(await response.text()));
}

async function authorize(fake: FakeGitHub, params: Record<string, string>) {
  const response = await fetch(`${fake.url}/login/oauth/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

function api(fake: FakeGitHub, path: string, token?: string) {
  return fetch(`${fake.apiUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('fake GitHub: OAuth web flow', () => {
  it('redirects with code and state, verifies PKCE, redirect_uri and the client secret, and answers with single-use codes', async () => {
    const fake = await start();
    fake.addUser({ login: 'octocat', name: 'The Octocat' });
    fake.signInBrowserAs('octocat');
    const { verifier, challenge } = pkcePair();
    const redirectUri = 'http://127.0.0.1:9/auth/callback';
    const authorizeParams = {
      client_id: fake.clientId,
      redirect_uri: redirectUri,
      state: 'st4te',
      scope: 'repo read:user',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    const back = await authorize(fake, authorizeParams);
    expect(back.origin + back.pathname).toBe(redirectUri);
    expect(back.searchParams.get('state')).toBe('st4te');
    const code = back.searchParams.get('code') ?? '';
    expect(code).toMatch(/^[0-9a-f]{20}$/);

    const base = { client_id: fake.clientId, client_secret: fake.clientSecret, code, redirect_uri: redirectUri };
    expect(await postToken(fake, { ...base, client_secret: 'wrong', code_verifier: verifier })).toMatchObject({ error: 'incorrect_client_credentials' });
    expect(await postToken(fake, { ...base, redirect_uri: 'http://127.0.0.1:9/elsewhere', code_verifier: verifier })).toMatchObject({ error: 'redirect_uri_mismatch' });
    expect(await postToken(fake, { ...base, code_verifier: pkcePair().verifier })).toMatchObject({ error: 'bad_verification_code' });
    expect(await postToken(fake, base)).toMatchObject({ error: 'bad_verification_code' });

    // Without Accept: application/json GitHub answers form-encoded.
    const granted = await postToken(fake, { ...base, code_verifier: verifier }, '*/*');
    expect(granted).toEqual({ access_token: expect.stringMatching(/^gho_/), token_type: 'bearer', scope: 'repo,read:user' });
    expect(await postToken(fake, { ...base, code_verifier: verifier })).toMatchObject({
      error: 'bad_verification_code',
      error_description: 'The code passed is incorrect or expired.',
      error_uri: expect.stringContaining('docs.github.com'),
    });

    const user = await api(fake, '/user', granted.access_token as string);
    expect(user.status).toBe(200);
    expect(user.headers.get('x-oauth-scopes')).toBe('repo, read:user');
    expect(await user.json()).toMatchObject({ login: 'octocat', name: 'The Octocat', type: 'User' });
  });

  it('redirects with access_denied when the user declines, and enforces a registered callback URL', async () => {
    const fake = await start({ callbackUrl: 'http://127.0.0.1:9/auth/callback' });
    fake.signInBrowserAs(null);
    const declined = await authorize(fake, { client_id: fake.clientId, redirect_uri: 'http://127.0.0.1:9/auth/callback', state: 's1' });
    expect(Object.fromEntries(declined.searchParams)).toMatchObject({ error: 'access_denied', state: 's1' });
    expect(declined.searchParams.has('code')).toBe(false);

    const mismatch = await authorize(fake, { client_id: fake.clientId, redirect_uri: 'http://evil.example/cb', state: 's2' });
    expect(mismatch.host).toBe('127.0.0.1:9');
    expect(Object.fromEntries(mismatch.searchParams)).toMatchObject({ error: 'redirect_uri_mismatch', state: 's2' });

    const unknownClient = await fetch(`${fake.url}/login/oauth/authorize?client_id=nope`, { redirect: 'manual' });
    expect(unknownClient.status).toBe(404);
  });
});

describe('fake GitHub: outages', () => {
  it('answers the sign-in endpoints with an HTML error page while an outage is set, and normally after', async () => {
    const fake = await start();
    fake.setSignInOutage(502);
    const token = await fetch(`${fake.url}/login/oauth/access_token`, {
      method: 'POST',
      headers: { accept: 'application/json' },
      body: new URLSearchParams({ client_id: fake.clientId, client_secret: fake.clientSecret, code: 'x' }),
    });
    expect(token.status).toBe(502);
    expect(token.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await token.text()).toContain('Unicorn!');
    const device = await fetch(`${fake.url}/login/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId }) });
    expect(device.status).toBe(502);
    fake.setSignInOutage(null);
    expect((await postToken(fake, { client_id: fake.clientId, client_secret: fake.clientSecret, code: 'x' })).error).toBe('bad_verification_code');
  });
});

describe('fake GitHub: hanging', () => {
  it('holds the requests of the hung scopes: for good, or answered after afterMs; released by setHang(null); a client that gives up ends its own', async () => {
    const fake = await start();
    fake.addUser({ login: 'octocat' });
    const { accessToken } = fake.issueToken('octocat');
    const api = (signal?: AbortSignal) => fetch(`${fake.apiUrl}/user`, { headers: { authorization: `token ${accessToken}` }, signal });

    fake.setHang({ scopes: ['api'] });
    const held = api();
    // Another scope is not held.
    const device = await fetch(`${fake.url}/login/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId }) });
    expect(device.status).toBe(200);
    await expect.poll(() => fake.heldRequests.map((request) => request.path)).toEqual(['/api/v3/user']);
    const gaveUp = new AbortController();
    const abandoned = api(gaveUp.signal).catch((error: Error) => error.name);
    await expect.poll(() => fake.heldRequests.length).toBe(2);
    gaveUp.abort();
    expect(await abandoned).toBe('AbortError');
    await expect.poll(() => fake.heldRequests.length).toBe(1);

    fake.setHang(null);
    const released = await held;
    expect(released.status).toBe(200);
    expect(((await released.json()) as { login: string }).login).toBe('octocat');
    expect(fake.requests.filter((request) => request.path === '/api/v3/user').map((request) => [request.held, request.status])).toEqual([
      [true, 200],
      [true, undefined],
    ]);

    fake.setHang({ afterMs: 300 });
    const started = Date.now();
    expect((await api()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(fake.heldRequests).toEqual([]);
  });

  it('holds git smart HTTP too, until the client gives up', async () => {
    const fake = await start();
    fake.addUser({ login: 'octocat' });
    const bare = await createBareRepo(path.join(tempDir(), 'hello.git'), { branches: { main: ['first'] } });
    fake.addRepo({ owner: 'octocat', name: 'hello', bare: bare.path });
    fake.setHang({ scopes: ['git'] });
    const env = gitTestEnv(tempDir(), { GIT_CONFIG_COUNT: '2', GIT_CONFIG_KEY_0: 'http.lowSpeedLimit', GIT_CONFIG_VALUE_0: '1', GIT_CONFIG_KEY_1: 'http.lowSpeedTime', GIT_CONFIG_VALUE_1: '1' });
    const clone = await runGit(['clone', '--quiet', `${fake.url}/octocat/hello.git`, path.join(tempDir(), 'hello')], { env });
    expect(clone.code).not.toBe(0);
    expect(clone.stderr).toMatch(/Operation too slow/);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/octocat/hello.git/info/refs', held: true });
    await expect.poll(() => fake.heldRequests).toEqual([]);
  });
});

describe('fake GitHub: device flow', () => {
  it('answers pending, slows down by 5 s, then grants once; denied and expired codes fail as on GitHub', async () => {
    const clock = manualClock();
    const fake = await start({ deviceInterval: 1, clock });
    fake.addUser({ login: 'octocat' });
    const started = await fetch(`${fake.url}/login/device/code`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: fake.clientId, scope: 'repo' }),
    });
    const device = (await started.json()) as Record<string, unknown>;
    expect(device).toMatchObject({ user_code: expect.stringMatching(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/), verification_uri: `${fake.url}/login/device`, expires_in: 900, interval: 1 });
    expect(fake.lastDeviceCode).toEqual({ deviceCode: device.device_code, userCode: device.user_code });

    const poll = { client_id: fake.clientId, device_code: String(device.device_code), grant_type: 'urn:ietf:params:oauth:grant-type:device_code' };
    expect(await postToken(fake, poll)).toMatchObject({ error: 'authorization_pending' });
    expect(await postToken(fake, poll)).toMatchObject({ error: 'slow_down', interval: 6 });
    clock.advance(6_000);
    fake.approveDevice(String(device.user_code), 'octocat');
    expect(await postToken(fake, poll)).toMatchObject({ access_token: expect.stringMatching(/^gho_/), scope: 'repo' });
    clock.advance(6_000);
    expect(await postToken(fake, poll)).toMatchObject({ error: 'incorrect_device_code' });

    await fetch(`${fake.url}/login/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId }) });
    const denied = fake.lastDeviceCode!;
    fake.denyDevice(denied.userCode);
    expect(await postToken(fake, { ...poll, device_code: denied.deviceCode })).toMatchObject({ error: 'access_denied' });

    await fetch(`${fake.url}/login/device/code`, { method: 'POST', body: new URLSearchParams({ client_id: fake.clientId }) });
    const expired = fake.lastDeviceCode!;
    clock.advance(901_000);
    expect(await postToken(fake, { ...poll, device_code: expired.deviceCode })).toMatchObject({ error: 'expired_token' });
    expect(await postToken(fake, { ...poll, client_id: 'other' })).toMatchObject({ error: 'incorrect_client_credentials' });

    const disabled = await start({ deviceFlowEnabled: false });
    const refused = await fetch(`${disabled.url}/login/device/code`, { method: 'POST', headers: { accept: 'application/json' }, body: new URLSearchParams({ client_id: disabled.clientId }) });
    expect(await refused.json()).toMatchObject({ error: 'device_flow_disabled' });
  });
});

describe('fake GitHub: GitHub App user tokens', () => {
  it('expire after 8 hours and rotate on refresh; used or expired refresh tokens fail', async () => {
    const clock = manualClock();
    const fake = await start({ tokenKind: 'github-app', clock });
    fake.addUser({ login: 'octocat' });
    fake.signInBrowserAs('octocat');
    const code = (await authorize(fake, { client_id: fake.clientId, redirect_uri: 'http://127.0.0.1:9/cb' })).searchParams.get('code') ?? '';
    const first = await postToken(fake, { client_id: fake.clientId, client_secret: fake.clientSecret, code });
    expect(first).toEqual({
      access_token: expect.stringMatching(/^ghu_/),
      token_type: 'bearer',
      scope: '',
      expires_in: 28800,
      refresh_token: expect.stringMatching(/^ghr_/),
      refresh_token_expires_in: 15897600,
    });
    const firstUser = await api(fake, '/user', first.access_token as string);
    expect(firstUser.headers.get('github-authentication-token-expiration')).toBe('2026-01-01 08:00:00 UTC');

    clock.advance(8 * 3600_000);
    expect((await api(fake, '/user', first.access_token as string)).status).toBe(401);

    const refresh = { client_id: fake.clientId, client_secret: fake.clientSecret, grant_type: 'refresh_token' };
    const second = await postToken(fake, { ...refresh, refresh_token: first.refresh_token as string });
    expect(second.access_token).toMatch(/^ghu_/);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await api(fake, '/user', second.access_token as string)).status).toBe(200);
    expect(await postToken(fake, { ...refresh, refresh_token: first.refresh_token as string })).toMatchObject({ error: 'bad_refresh_token' });

    const third = await postToken(fake, { ...refresh, refresh_token: second.refresh_token as string });
    expect((await api(fake, '/user', second.access_token as string)).status).toBe(401);
    fake.expireRefreshToken(third.refresh_token as string);
    expect(await postToken(fake, { ...refresh, refresh_token: third.refresh_token as string })).toMatchObject({ error: 'bad_refresh_token' });
    expect(await postToken(fake, { ...refresh, client_secret: 'wrong', refresh_token: 'ghr_x' })).toMatchObject({ error: 'incorrect_client_credentials' });
  });
});

describe('fake GitHub: REST API', () => {
  it('paginates /user/repos with Link headers and honours affiliation, visibility, sort and direction', async () => {
    const fake = await start();
    fake.addUser({ login: 'octocat' });
    fake.addUser({ login: 'hubot' });
    fake.addOrg({ login: 'acme', members: ['octocat'] });
    for (let i = 1; i <= 5; i++) fake.addRepo({ owner: 'octocat', name: `own-${i}`, private: i % 2 === 0, pushedAt: `2025-01-0${i}T00:00:00Z` });
    fake.addRepo({ owner: 'hubot', name: 'shared', private: true, collaborators: ['octocat'] });
    fake.addRepo({ owner: 'hubot', name: 'secret', private: true });
    fake.addRepo({ owner: 'acme', name: 'tools', private: true });
    const { accessToken } = fake.issueToken('octocat');

    const page1 = await api(fake, '/user/repos?per_page=3', accessToken);
    expect(page1.status).toBe(200);
    expect(((await page1.json()) as { full_name: string }[]).map((r) => r.full_name)).toEqual(['acme/tools', 'hubot/shared', 'octocat/own-1']);
    expect(page1.headers.get('link')).toBe(
      `<${fake.apiUrl}/user/repos?per_page=3&page=2>; rel="next", <${fake.apiUrl}/user/repos?per_page=3&page=3>; rel="last"`,
    );
    const page3 = await api(fake, '/user/repos?per_page=3&page=3', accessToken);
    expect(((await page3.json()) as { full_name: string }[]).map((r) => r.full_name)).toEqual(['octocat/own-5']);
    expect(page3.headers.get('link')).toBe(
      `<${fake.apiUrl}/user/repos?per_page=3&page=2>; rel="prev", <${fake.apiUrl}/user/repos?per_page=3&page=1>; rel="first"`,
    );

    const owned = (await (await api(fake, '/user/repos?affiliation=owner&visibility=private&sort=pushed', accessToken)).json()) as Record<string, unknown>[];
    expect(owned.map((r) => r.name)).toEqual(['own-4', 'own-2']);
    expect(owned[0]).toMatchObject({ private: true, visibility: 'private', permissions: { admin: true, push: true }, clone_url: `${fake.url}/octocat/own-4.git` });
    const collab = (await (await api(fake, '/user/repos?affiliation=collaborator', accessToken)).json()) as Record<string, unknown>[];
    expect(collab.map((r) => r.full_name)).toEqual(['hubot/shared']);
    expect(collab[0]?.permissions).toMatchObject({ admin: false, push: true });
    const asc = (await (await api(fake, '/user/repos?affiliation=owner&sort=pushed&direction=asc&per_page=2', accessToken)).json()) as Record<string, unknown>[];
    expect(asc.map((r) => r.name)).toEqual(['own-1', 'own-2']);

    const conflict = await api(fake, '/user/repos?type=owner&visibility=all', accessToken);
    expect(conflict.status).toBe(422);
  });

  it('answers GitHub error shapes: 401 Bad credentials, 404 for hidden repos, rate-limit 403, and records unknown routes', async () => {
    const fake = await start();
    fake.addUser({ login: 'octocat' });
    fake.addUser({ login: 'hubot' });
    fake.addRepo({ owner: 'hubot', name: 'secret', private: true });
    fake.addRepo({ owner: 'hubot', name: 'open', defaultBranch: 'trunk' });
    const { accessToken } = fake.issueToken('octocat');

    const bad = await api(fake, '/user', 'gho_nope');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials', status: '401' });
    expect(bad.headers.get('x-ratelimit-limit')).toBe('60');
    const anonymous = await api(fake, '/user');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ message: 'Requires authentication' });
    fake.revokeToken(fake.issueToken('octocat').accessToken);

    const hidden = await api(fake, '/repos/hubot/secret', accessToken);
    expect(hidden.status).toBe(404);
    expect(await hidden.json()).toMatchObject({ message: 'Not Found' });
    const open = await api(fake, '/repos/hubot/open', accessToken);
    expect(await open.json()).toMatchObject({ full_name: 'hubot/open', default_branch: 'trunk', permissions: { push: false, pull: true } });
    expect(open.headers.get('x-ratelimit-limit')).toBe('5000');
    // Two counted requests so far (the 404 counts too).
    expect(Number(open.headers.get('x-ratelimit-remaining'))).toBe(4998);
    expect(Number(open.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);

    fake.setRateLimited(true);
    const limited = await api(fake, '/user', accessToken);
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await limited.json()) as { message: string }).message).toMatch(/^API rate limit exceeded for user ID \d+\./);
    fake.setRateLimited(false);
    expect((await api(fake, '/user', accessToken)).status).toBe(200);

    expect(fake.unexpectedRequests).toEqual([]);
    const unknown = await api(fake, '/user/emails', accessToken);
    expect(unknown.status).toBe(404);
    expect(fake.unexpectedRequests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v3/user/emails']);
    // The check every suite runs after its tests names it, and takes it: the next test starts clean.
    expect(() => ensureNoUnexpectedRequests(fake)).toThrow(/1 unexpected request\(s\):\n {2}GET \/api\/v3\/user\/emails → 404/);
    expect(fake.unexpectedRequests).toEqual([]);
    expect(fake.requests.every((r) => !r.url.includes(accessToken))).toBe(true);
  });
});

describe('fake GitHub: git smart HTTP', () => {
  // A credential helper answers git's 401 challenge (the other way clients send a token, besides an extra header).
  const helper = (token: string) => `credential.helper=!f() { echo username=x-access-token; echo password=${token}; }; f`;
  const authHeader = (token: string) => `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;

  it('clones and pushes a private repo with a token; 401 without credentials, 404 without access, 403 without write access', async () => {
    const fake = await start();
    const work = tempDir();
    const env = gitTestEnv(work);
    fake.addUser({ login: 'octocat' });
    fake.addUser({ login: 'hubot' });
    fake.addUser({ login: 'reader' });
    fake.addOrg({ login: 'acme', members: ['reader'] });
    const bare = await createBareRepo(path.join(work, 'hello.git'), {
      branches: { main: ['first', { message: 'second', files: { 'src/app.ts': 'export {};\n' } }], feature: ['feature work'] },
    });
    fake.addRepo({ owner: 'acme', name: 'hello', private: true, collaborators: ['octocat'], bare: bare.path });
    const remote = `${fake.url}/acme/hello.git`;
    const { accessToken } = fake.issueToken('octocat');

    const clone = await runGit(['-c', authHeader(accessToken), 'clone', '--quiet', remote, path.join(work, 'clone')], { env });
    expect(clone.stderr).toBe('');
    expect(clone.code).toBe(0);
    expect(readFileSync(path.join(work, 'clone', 'src', 'app.ts'), 'utf8')).toBe('export {};\n');
    const branches = await runGit(['branch', '-r'], { cwd: path.join(work, 'clone'), env });
    expect(branches.stdout).toContain('origin/feature');

    const cwd = path.join(work, 'clone');
    const ident = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid'];
    expect((await runGit([...ident, 'commit', '--allow-empty', '-q', '-m', 'pushed'], { cwd, env })).code).toBe(0);
    const push = await runGit(['-c', helper(accessToken), 'push', '-q', 'origin', 'HEAD:refs/heads/pushed'], { cwd, env });
    expect(push.stderr).toBe('');
    expect(push.code).toBe(0);
    const pushed = await runGit(['--git-dir', bare.path, 'log', '-1', '--format=%s', 'pushed'], { env });
    expect(pushed.stdout.trim()).toBe('pushed');
    // git asked without credentials first, got GitHub's challenge, then sent the helper's token.
    const pushAdverts = fake.requests.filter((r) => r.query.service === 'git-receive-pack');
    expect(pushAdverts.map((r) => [r.status, Boolean(r.headers.authorization)])).toEqual([
      [401, false],
      [200, true],
    ]);

    // A second clone pushes to main; the first one fetches it.
    const second = path.join(work, 'second');
    expect((await runGit(['-c', authHeader(accessToken), 'clone', '-q', remote, second], { env })).code).toBe(0);
    await runGit([...ident, 'commit', '--allow-empty', '-q', '-m', 'from second'], { cwd: second, env });
    expect((await runGit(['-c', authHeader(accessToken), 'push', '-q', 'origin', 'HEAD:main'], { cwd: second, env })).code).toBe(0);
    const fetched = await runGit(['-c', authHeader(accessToken), 'fetch', '-q', 'origin'], { cwd, env });
    expect(fetched.code).toBe(0);
    expect((await runGit(['log', '-1', '--format=%s', 'origin/main'], { cwd, env })).stdout.trim()).toBe('from second');
    expect(fake.findRepo('acme', 'hello')?.pushedAt).not.toBe('2024-01-01T00:00:00Z');

    const anonymous = await runGit(['clone', remote, path.join(work, 'anon')], { env });
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.stderr).toMatch(/terminal prompts disabled|could not read Username/);
    const stranger = await runGit(['-c', authHeader(fake.issueToken('hubot').accessToken), 'clone', remote, path.join(work, 'x')], { env });
    expect(stranger.code).not.toBe(0);
    expect(stranger.stderr).toMatch(/Repository not found|not found/);
    const badToken = await runGit(['-c', helper('gho_invalid'), 'ls-remote', remote], { env });
    expect(badToken.code).not.toBe(0);
    expect(badToken.stderr).toMatch(/Authentication failed|Invalid username or token/);
    const readerToken = fake.issueToken('reader').accessToken;
    expect((await runGit(['-c', authHeader(readerToken), 'ls-remote', remote], { env })).code).toBe(0);
    const denied = await runGit(['-c', authHeader(readerToken), 'push', 'origin', 'HEAD:refs/heads/nope'], { cwd, env });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/403|denied/);

    expect(fake.requests.every((r) => !r.url.includes(accessToken))).toBe(true);
    expect(fake.unexpectedRequests).toEqual([]);
  });

  it('serves public repos anonymously and inflates gzip-encoded request bodies', async () => {
    const fake = await start();
    const work = tempDir();
    fake.addUser({ login: 'octocat' });
    const bare = await createBareRepo(path.join(work, 'pub.git'), { branches: { main: ['one'], dev: ['two'] } });
    fake.addRepo({ owner: 'octocat', name: 'pub', bare: bare.path });
    const again = await createBareRepo(path.join(work, 'again', 'pub.git'), { branches: { main: ['one'], dev: ['two'] } });
    expect(again.heads).toEqual(bare.heads);

    const listed = await runGit(['ls-remote', `${fake.url}/octocat/pub`], { env: gitTestEnv(work) });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${bare.heads.dev}\trefs/heads/dev`);
    const anonymousPush = await fetch(`${fake.url}/octocat/pub.git/info/refs?service=git-receive-pack`);
    expect(anonymousPush.status).toBe(401);
    expect(anonymousPush.headers.get('www-authenticate')).toBe('Basic realm="GitHub"');

    // A protocol v2 ls-refs request, gzip-encoded as git sends large request bodies.
    const pkt = (line: string) => (line.length + 4).toString(16).padStart(4, '0') + line;
    const request = `${pkt('command=ls-refs\n')}0001${pkt('ref-prefix refs/heads/\n')}0000`;
    const response = await fetch(`${fake.url}/octocat/pub.git/git-upload-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-upload-pack-request', 'content-encoding': 'gzip', 'git-protocol': 'version=2' },
      body: gzipSync(Buffer.from(request)),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    const text = await response.text();
    expect(text).toContain(`${bare.heads.main} refs/heads/main`);
    expect(text).toContain(`${bare.heads.dev} refs/heads/dev`);
  });

  it('builds a large repo of incompressible content whose clone reports progress', async () => {
    const fake = await start();
    const work = tempDir();
    fake.addUser({ login: 'octocat' });
    const large = await createLargeBareRepo(path.join(work, 'large.git'), { megabytes: 4, files: 40 });
    expect(large.bytes).toBe(4 * 1024 * 1024);
    expect(large.files).toBe(40);
    fake.addRepo({ owner: 'octocat', name: 'large', private: true, bare: large.path });
    const { accessToken } = fake.issueToken('octocat');
    const clone = await runGit(['-c', authHeader(accessToken), 'clone', '--progress', `${fake.url}/octocat/large.git`, path.join(work, 'c')], {
      env: gitTestEnv(work),
    });
    expect(clone.code).toBe(0);
    expect(clone.stderr).toMatch(/Receiving objects: 100% \(\d+\/\d+\), [\d.]+ MiB/);
    const size = await runGit(['count-objects', '-v'], { cwd: path.join(work, 'c'), env: gitTestEnv(work) });
    expect(Number(/size-pack: (\d+)/.exec(size.stdout)?.[1])).toBeGreaterThan(4000);
  });
});

describe('fake GitHub: pull requests', () => {
  const DOCS_CREATE = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';

  async function withRepo() {
    const fake = await start();
    const work = tempDir();
    fake.addUser({ login: 'octocat', name: 'The Octocat' });
    fake.addUser({ login: 'stranger' });
    const bare = await createBareRepo(path.join(work, 'hello.git'), {
      branches: { main: ['first', 'second'], feature: ['feature one', { message: 'feature two', files: { 'src/a.ts': 'a\nb\n' } }], level: [] },
    });
    fake.addRepo({ owner: 'octocat', name: 'hello', private: true, bare: bare.path });
    const { accessToken } = fake.issueToken('octocat');
    const call = (method: string, url: string, body?: unknown, token: string | null = accessToken) =>
      fetch(`${fake.apiUrl}${url}`, {
        method,
        headers: { ...(token ? { authorization: `token ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    return { fake, bare, work, accessToken, call };
  }

  it('creates a pull request with GitHub’s shape (201, Location), numbered per repository', async () => {
    const { fake, bare, call } = await withRepo();
    const response = await call('POST', '/repos/octocat/hello/pulls', { title: 'Feature', body: 'Details', head: 'feature', base: 'main', draft: true });
    expect(response.status).toBe(201);
    const pull = (await response.json()) as Record<string, any>;
    expect(response.headers.get('location')).toBe(`${fake.apiUrl}/repos/octocat/hello/pulls/1`);
    expect(pull).toMatchObject({
      number: 1,
      url: `${fake.apiUrl}/repos/octocat/hello/pulls/1`,
      html_url: `${fake.url}/octocat/hello/pull/1`,
      state: 'open',
      locked: false,
      title: 'Feature',
      body: 'Details',
      draft: true,
      merged: false,
      merged_at: null,
      user: { login: 'octocat', type: 'User' },
      head: { ref: 'feature', sha: bare.heads.feature, label: 'octocat:feature', repo: { full_name: 'octocat/hello' } },
      base: { ref: 'main', sha: bare.heads.main, label: 'octocat:main' },
      author_association: 'OWNER',
      commits: 2,
      additions: 3,
      deletions: 0,
      changed_files: 2,
    });
    expect(pull.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(fake.pullRequests('octocat', 'hello').map((p) => [p.number, p.head, p.base])).toEqual([[1, 'feature', 'main']]);

    // "owner:branch" names the same head; the single pull request answers the same number.
    const single = await call('GET', '/repos/octocat/hello/pulls/1');
    expect(single.status).toBe(200);
    expect(await single.json()).toMatchObject({ number: 1, head: { ref: 'feature' } });
    expect((await call('GET', '/repos/octocat/hello/pulls/2')).status).toBe(404);
  });

  it('refuses like GitHub: an open duplicate, no commits between the branches, unknown branches, missing fields, bad JSON', async () => {
    const { call } = await withRepo();
    expect((await call('POST', '/repos/octocat/hello/pulls', { title: 'One', head: 'octocat:feature', base: 'main' })).status).toBe(201);

    const duplicate = await call('POST', '/repos/octocat/hello/pulls', { title: 'Two', head: 'feature', base: 'main' });
    expect(duplicate.status).toBe(422);
    expect(await duplicate.json()).toEqual({
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for octocat:feature.' }],
      documentation_url: DOCS_CREATE,
      status: '422',
    });
    // "level" points at main's tip: nothing to merge.
    const empty = await call('POST', '/repos/octocat/hello/pulls', { title: 'Nothing', head: 'level', base: 'main' });
    expect(empty.status).toBe(422);
    expect(((await empty.json()) as { errors: unknown[] }).errors).toEqual([{ resource: 'PullRequest', code: 'custom', message: 'No commits between main and level' }]);

    const unknown = await call('POST', '/repos/octocat/hello/pulls', { title: 'X', head: 'nope', base: 'gone' });
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { errors: unknown[] }).errors).toEqual([
      { resource: 'PullRequest', field: 'base', code: 'invalid' },
      { resource: 'PullRequest', field: 'head', code: 'invalid' },
    ]);
    const foreign = await call('POST', '/repos/octocat/hello/pulls', { title: 'X', head: 'stranger:feature', base: 'main' });
    expect(((await foreign.json()) as { errors: unknown[] }).errors).toEqual([{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
    const missing = await call('POST', '/repos/octocat/hello/pulls', { head: 'feature' });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { errors: unknown[] }).errors).toEqual([
      { resource: 'PullRequest', code: 'missing_field', field: 'title' },
      { resource: 'PullRequest', code: 'missing_field', field: 'base' },
    ]);
    const badJson = await call('POST', '/repos/octocat/hello/pulls', '{"title":');
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { message: string }).message).toBe('Problems parsing JSON');
  });

  it('hides private repositories (404) and needs a token to create (401), creating nothing then', async () => {
    const { fake, call } = await withRepo();
    const stranger = fake.issueToken('stranger').accessToken;
    expect((await call('POST', '/repos/octocat/hello/pulls', { title: 'X', head: 'feature', base: 'main' }, stranger)).status).toBe(404);
    expect((await call('GET', '/repos/octocat/hello/pulls', undefined, stranger)).status).toBe(404);
    expect((await call('POST', '/repos/octocat/missing/pulls', { title: 'X', head: 'feature', base: 'main' })).status).toBe(404);
    const anonymous = await call('POST', '/repos/octocat/hello/pulls', { title: 'X', head: 'feature', base: 'main' }, null);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { message: string }).message).toBe('Requires authentication');
    expect(fake.pullRequests('octocat', 'hello')).toEqual([]);
  });

  it('lists pull requests by state, head (owner:branch) and base, newest first', async () => {
    const { fake, call } = await withRepo();
    await call('POST', '/repos/octocat/hello/pulls', { title: 'Feature', head: 'feature', base: 'main' });
    await call('POST', '/repos/octocat/hello/pulls', { title: 'Into level', head: 'feature', base: 'level' });
    fake.pullRequests('octocat', 'hello')[0]!.state = 'closed';
    const list = async (query: string) => {
      const response = await call('GET', `/repos/octocat/hello/pulls${query}`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { number: number }[]).map((p) => p.number);
    };
    expect(await list('')).toEqual([2]);
    expect(await list('?state=all')).toEqual([2, 1]);
    expect(await list('?state=all&direction=asc')).toEqual([1, 2]);
    expect(await list('?state=closed')).toEqual([1]);
    expect(await list('?state=all&head=octocat:feature&base=main')).toEqual([1]);
    expect(await list('?state=all&head=stranger:feature')).toEqual([]);
    expect(await list('?state=all&head=octocat')).toEqual([2, 1]);
    expect(await list('?state=all&per_page=1&page=2')).toEqual([1]);
    const listed = (await (await call('GET', '/repos/octocat/hello/pulls')).json()) as Record<string, unknown>[];
    expect(listed[0]).toMatchObject({ number: 2, base: { ref: 'level' } });
    expect(listed[0]).not.toHaveProperty('merged');
    const invalid = await call('GET', '/repos/octocat/hello/pulls?state=merged');
    expect(invalid.status).toBe(422);
    expect(((await invalid.json()) as { errors: unknown[] }).errors).toEqual([{ resource: 'PullRequest', field: 'state', code: 'invalid' }]);
  });

  it('follows pushes to the head branch, and serves the pull request’s page', async () => {
    const { fake, bare, work, accessToken, call } = await withRepo();
    await call('POST', '/repos/octocat/hello/pulls', { title: 'Feature <b>', head: 'feature', base: 'main' });
    const env = gitTestEnv(work);
    const clone = path.join(work, 'clone');
    const auth = `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${accessToken}`).toString('base64')}`;
    expect((await runGit(['-c', auth, 'clone', '-q', '--branch', 'feature', `${fake.url}/octocat/hello.git`, clone], { env })).code).toBe(0);
    await runGit(['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', 'commit', '--allow-empty', '-q', '-m', 'more'], { cwd: clone, env });
    expect((await runGit(['-c', auth, 'push', '-q', 'origin', 'HEAD:feature'], { cwd: clone, env })).code).toBe(0);
    const tip = (await runGit(['--git-dir', bare.path, 'rev-parse', 'feature'], { env })).stdout.trim();
    const pull = (await (await call('GET', '/repos/octocat/hello/pulls/1')).json()) as { head: { sha: string }; commits: number };
    expect(pull.head.sha).toBe(tip);
    expect(pull.commits).toBe(3);

    const page = await fetch(`${fake.url}/octocat/hello/pull/1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>Feature &#60;b&#62; by octocat · Pull Request #1 · octocat/hello</title>');
    expect((await fetch(`${fake.url}/octocat/hello/pull/9`)).status).toBe(404);
  });
});
