import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../../src/features/github/oauth.js';
import { ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, type TestApp } from '../../helpers/app.js';
import { fakeGitHubEnv, setCookies, signInWithGitHub } from '../../helpers/github-sign-in.js';

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addUser({ login: 'owner', id: 1001, name: 'The Owner', avatarUrl: 'https://avatars.example/1001' });
  fake.addUser({ login: 'stranger', id: 2002 });
});
afterEach(() => {
  ensureNoUnexpectedRequests(fake);
});
afterAll(async () => {
  await fake.close();
});

function expectNoSecretsInLogs(testApp: TestApp, secrets: string[]) {
  const text = testApp.logText();
  for (const secret of secrets.filter(Boolean)) expect(text).not.toContain(secret);
}

describe('GitHub web flow', () => {
  it('signs the owner in with state and PKCE, stores the token encrypted, and logs no secret', async () => {
    const testApp = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    const { app } = testApp;
    const result = await signInWithGitHub(app, fake, 'owner');

    expect(result.authorizeUrl.origin).toBe(fake.url);
    expect(result.authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(result.authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(result.authorizeUrl.searchParams.get('redirect_uri')).toBe(`${testApp.config.server.publicUrl}/auth/github/callback`);
    expect(result.callback.statusCode).toBe(302);
    expect(result.callback.headers.location).toBe('/');
    expect(result.cookie).not.toBeNull();

    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: result.cookie! } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({
      owner: { githubId: 1001, login: 'owner', name: 'The Owner', avatarUrl: 'https://avatars.example/1001' },
      // With the web flow configured, the device flow is off unless GITHUB_DEVICE_FLOW=true.
      github: { state: 'connected', webFlow: true, deviceFlow: false },
    });

    // The token GitHub issued works through app.github, is not plaintext in the database file, and never reaches a log.
    const token = await app.github.getAccessToken();
    expect(token).toMatch(/^gho_/);
    const exchange = fake.requests.find((r) => r.path === '/login/oauth/access_token' && r.body?.includes(result.callbackUrl.searchParams.get('code')!));
    expect(exchange?.body).toContain('code_verifier');
    const settings = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    expect(settings.githubAccessToken).toMatch(/^v1:/);
    await app.close();
    const raw = readFileSync(testApp.config.storage.databaseFile);
    const wal = (() => {
      try {
        return readFileSync(`${testApp.config.storage.databaseFile}-wal`);
      } catch {
        return Buffer.alloc(0);
      }
    })();
    expect(raw.includes(token)).toBe(false);
    expect(wal.includes(token)).toBe(false);
    expect(raw.includes(settings.githubAccessToken!) || wal.includes(settings.githubAccessToken!)).toBe(true);

    const sessionValue = result.cookie!.split('=')[1]!;
    expectNoSecretsInLogs(testApp, [token, sessionValue, result.callbackUrl.searchParams.get('code')!, result.callbackUrl.searchParams.get('state')!, fake.clientSecret]);

    const log = await (await buildTestApp({ DATA_DIR: testApp.dataDir, ...fakeGitHubEnv(fake) })).app.db.authLog.findMany();
    expect(log).toEqual([expect.objectContaining({ action: 'login', success: true, ip: '127.0.0.1' })]);
    expect(JSON.parse(log[0]!.details)).toMatchObject({ login: 'owner', githubId: 1001, method: 'github_web' });
  });

  it('refuses a callback whose state does not match the cookie, or comes without the cookie', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    fake.signInBrowserAs('owner');
    const start = await app.inject({ method: 'GET', url: '/auth/github' });
    const stateCookie = setCookies(start).get('shellport_oauth_state')!;
    const back = new URL((await fetch(String(start.headers.location), { redirect: 'manual' })).headers.get('location')!);
    const code = back.searchParams.get('code')!;

    const forged = await app.inject({
      method: 'GET',
      url: `/auth/github/callback?code=${code}&state=forged-state`,
      headers: { cookie: `shellport_oauth_state=${stateCookie}` },
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.headers['content-type']).toContain('text/html');
    expect(forged.body).toContain('could not be verified');
    expect(setCookies(forged).get('shellport_session')).toBeUndefined();

    const noCookie = await app.inject({ method: 'GET', url: `/auth/github/callback${back.search}` });
    expect(noCookie.statusCode).toBe(400);
    expect(await app.db.authSession.count()).toBe(0);
    const denied = await app.db.authLog.findMany({ where: { action: 'denied' } });
    expect(denied.map((row) => JSON.parse(row.details).reason)).toEqual(['state_mismatch', 'state_mismatch']);
    // The code was never exchanged.
    expect(fake.requests.some((r) => r.path === '/login/oauth/access_token' && r.body?.includes(code))).toBe(false);
  });

  it('refuses a code obtained with another flow\'s PKCE challenge (wrong verifier), and the exchange needs the verifier', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    fake.signInBrowserAs('owner');
    // Flow A: the attacker's code. Flow B: the victim's state and cookie (and verifier).
    const startA = await app.inject({ method: 'GET', url: '/auth/github' });
    const codeA = new URL((await fetch(String(startA.headers.location), { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const startB = await app.inject({ method: 'GET', url: '/auth/github' });
    const stateB = setCookies(startB).get('shellport_oauth_state')!;
    const swapped = await app.inject({
      method: 'GET',
      url: `/auth/github/callback?code=${codeA}&state=${stateB}`,
      headers: { cookie: `shellport_oauth_state=${stateB}` },
    });
    expect(swapped.statusCode).toBe(400);
    expect(swapped.body).toContain('bad_verification_code');
    expect(await app.db.authSession.count()).toBe(0);

    // Missing or wrong verifier straight through the OAuth client: GitHub (the fake) refuses both.
    const startC = await app.inject({ method: 'GET', url: '/auth/github' });
    const codeC = new URL((await fetch(String(startC.headers.location), { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    const redirectUrl = new URL(String(startC.headers.location)).searchParams.get('redirect_uri')!;
    await expect(app.github.oauth.exchangeCode({ code: codeC, redirectUrl, codeVerifier: '' })).rejects.toBeInstanceOf(OAuthError);
    const startD = await app.inject({ method: 'GET', url: '/auth/github' });
    const codeD = new URL((await fetch(String(startD.headers.location), { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    await expect(app.github.oauth.exchangeCode({ code: codeD, redirectUrl, codeVerifier: 'x'.repeat(43) })).rejects.toMatchObject({ code: 'bad_verification_code' });
  });

  it('refuses a replayed callback (state and code are single-use)', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    const first = await signInWithGitHub(app, fake, 'owner');
    expect(first.callback.statusCode).toBe(302);
    const stateCookie = `shellport_oauth_state=${first.callbackUrl.searchParams.get('state')}`;
    const replay = await app.inject({ method: 'GET', url: `/auth/github/callback${first.callbackUrl.search}`, headers: { cookie: stateCookie } });
    expect(replay.statusCode).toBe(400);
    expect(setCookies(replay).get('shellport_session')).toBeUndefined();
    expect(await app.db.authSession.count()).toBe(1);

    // The code itself is single-use at GitHub too, even with the right verifier.
    const verifier = randomBytes(32).toString('base64url');
    const redirectUrl = first.authorizeUrl.searchParams.get('redirect_uri')!;
    const authorize = app.github.oauth.authorizationUrl({
      state: 'test-state',
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      redirectUrl,
    });
    const code = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!).searchParams.get('code')!;
    expect((await app.github.oauth.exchangeCode({ code, redirectUrl, codeVerifier: verifier })).accessToken).toMatch(/^gho_/);
    await expect(app.github.oauth.exchangeCode({ code, redirectUrl, codeVerifier: verifier })).rejects.toMatchObject({ code: 'bad_verification_code' });
  });

  it('shows a clear page when the user declines on GitHub', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    const result = await signInWithGitHub(app, fake, null);
    expect(result.callback.statusCode).toBe(400);
    expect(result.callback.body).toContain('You declined');
    // In the sign-in screen's look, with the way back as its button.
    expect(result.callback.body).toContain('<style>');
    expect(result.callback.body).toContain('<a class="button" href="/sign-in">Back to sign-in</a>');
    expect(result.cookie).toBeNull();
  });

  it('refuses a stranger when GITHUB_ALLOWED_USER is set (by login or by id), with a page and a denied AuthLog row', async () => {
    for (const allowed of ['owner', '1001']) {
      const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: allowed }));
      const result = await signInWithGitHub(app, fake, 'stranger');
      expect(result.callback.statusCode).toBe(403);
      expect(result.callback.body).toContain('belongs to another GitHub account');
      // It names the account GitHub signed in, and how to use another.
      expect(result.callback.body).toContain('GitHub signed you in as @stranger.');
      expect(result.callback.body).toContain('switch accounts');
      expect(result.cookie).toBeNull();
      const settings = await app.db.settings.findUnique({ where: { id: 'singleton' } });
      expect(settings?.githubAccessToken ?? null).toBeNull();
      const denied = await app.db.authLog.findMany({ where: { action: 'denied' } });
      expect(denied).toHaveLength(1);
      expect(JSON.parse(denied[0]!.details)).toMatchObject({ login: 'stranger', githubId: 2002, reason: 'not_allowed_user' });
      expect((await signInWithGitHub(app, fake, 'owner')).cookie).not.toBeNull();
    }
  });

  it('without GITHUB_ALLOWED_USER, only a sign-in presenting the setup token claims the server; everyone else is refused afterwards', async () => {
    const testApp = await buildTestApp(fakeGitHubEnv(fake));
    const { app } = testApp;
    const lines = await app.startupToken.describe('http://127.0.0.1:3000');
    expect(lines.join('\n')).toContain(`Claim this server by signing in with GitHub from this URL (it works once): http://127.0.0.1:3000/auth/setup?token=${app.startupToken.setupValue}`);

    const noToken = await signInWithGitHub(app, fake, 'stranger');
    expect(noToken.callback.statusCode).toBe(403);
    expect(noToken.callback.body).toContain('no owner yet');
    const wrongToken = await signInWithGitHub(app, fake, 'stranger', { setupToken: 'guess' });
    expect(wrongToken.callback.statusCode).toBe(403);

    const claim = await signInWithGitHub(app, fake, 'owner', { setupToken: app.startupToken.setupValue });
    expect(claim.cookie).not.toBeNull();
    const settings = await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    expect(settings.githubUserId).toBe(1001);
    expect(testApp.logLines().some((line) => line.level === 40 && String(line.msg).includes('OWNERSHIP'))).toBe(true);
    const login = await app.db.authLog.findFirstOrThrow({ where: { action: 'login' } });
    expect(JSON.parse(login.details)).toMatchObject({ claimed: true, githubId: 1001 });
    expect(await app.startupToken.describe('http://127.0.0.1:3000')).not.toContainEqual(expect.stringContaining('/auth/setup'));

    // Claimed: the setup token no longer helps anyone else.
    const late = await signInWithGitHub(app, fake, 'stranger', { setupToken: app.startupToken.setupValue });
    expect(late.callback.statusCode).toBe(403);
    expect(JSON.parse((await app.db.authLog.findFirstOrThrow({ where: { action: 'denied' }, orderBy: { id: 'desc' } })).details)).toMatchObject({
      reason: 'not_owner',
    });
    expect((await signInWithGitHub(app, fake, 'owner')).cookie).not.toBeNull();
    expectNoSecretsInLogs(testApp, [app.startupToken.value, app.startupToken.setupValue]);
  });

  it('has a setup link apart from the sign-in link: it works once, and its cookie goes once the claim is made', async () => {
    const testApp = await buildTestApp(fakeGitHubEnv(fake, { HOST: '127.0.0.1' }));
    const { app } = testApp;
    const setupToken = app.startupToken.setupValue;
    const signInToken = app.startupToken.value;
    expect(setupToken).not.toBe(signInToken);
    // Neither token opens the other's door.
    expect((await app.inject({ method: 'GET', url: `/auth/setup?token=${signInToken}` })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: `/auth/token?token=${setupToken}` })).statusCode).toBe(401);

    const setup = await app.inject({ method: 'GET', url: `/auth/setup?token=${setupToken}` });
    expect(setup.statusCode).toBe(302);
    // The cookie holds a grant of its own, not the token; the token is used up and a new one replaces it.
    const grant = setCookies(setup).get('shellport_setup')!;
    expect(grant).toMatch(/^[\w-]{43}$/);
    expect(grant).not.toBe(setupToken);
    expect(app.startupToken.setupValue).not.toBe(setupToken);
    const again = await app.inject({ method: 'GET', url: `/auth/setup?token=${setupToken}` });
    expect(again.statusCode).toBe(401);
    expect(setCookies(again).get('shellport_setup')).toBeUndefined();
    const options = async (cookie: string) => (await app.inject({ method: 'GET', url: '/auth/options', headers: { cookie } })).json() as { setupTokenReceived: boolean };
    expect(await options(`shellport_setup=${grant}`)).toMatchObject({ setupTokenReceived: true });

    const claim = await signInWithGitHub(app, fake, 'owner', { cookie: `shellport_setup=${grant}` });
    expect(claim.callback.statusCode).toBe(302);
    expect(setCookies(claim.callback).get('shellport_setup')).toBe('');
    expect((await app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } })).githubUserId).toBe(1001);
    // The grant is spent, and no setup link is offered any more.
    const after = await app.inject({ method: 'GET', url: '/auth/options', headers: { cookie: `shellport_setup=${grant}` } });
    expect(after.json()).toMatchObject({ hasOwner: true, setupTokenReceived: false });
    expect(setCookies(after).get('shellport_setup')).toBe('');
    expect((await app.startupToken.links('http://127.0.0.1:3000')).setupUrl).toBeNull();
    expectNoSecretsInLogs(testApp, [setupToken, grant, app.startupToken.setupValue]);
  });

  it('lets a browser already signed in with the start-up token claim the server by connecting GitHub', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake));
    const tokenSignIn = await app.inject({ method: 'GET', url: `/auth/token?token=${app.startupToken.value}` });
    const cookie = `shellport_session=${setCookies(tokenSignIn).get('shellport_session')}`;
    const before = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(before.json()).toMatchObject({ owner: null, github: { state: 'not_connected' } });
    const connect = await signInWithGitHub(app, fake, 'owner', { cookie });
    expect(connect.callback.statusCode).toBe(302);
    const me = await app.inject({ method: 'GET', url: '/api/me', headers: { cookie: connect.cookie! } });
    expect(me.json()).toMatchObject({ owner: { githubId: 1001 }, github: { state: 'connected' } });
  });

  it('rotates the session id at sign-in, and leaves the browser\'s earlier session running, so that its terminals stay connected', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: '1001' }));
    const first = await signInWithGitHub(app, fake, 'owner');
    // The transports close a session's terminal connections when the store says it ended.
    const ended: string[][] = [];
    app.auth.sessions.onEnded((ids) => ended.push([...ids]));
    const second = await signInWithGitHub(app, fake, 'owner', { cookie: first.cookie! });
    expect(second.cookie).not.toBeNull();
    expect(second.cookie).not.toBe(first.cookie);
    const probe = (cookie: string) => app.inject({ method: 'GET', url: '/api/me', headers: { cookie } }).then((r) => r.statusCode);
    expect(await probe(first.cookie!)).toBe(200);
    expect(await probe(second.cookie!)).toBe(200);
    expect(await app.db.authSession.count()).toBe(2);
    expect(ended).toEqual([]);
  });

  it('refuses a sign-in started from another site (Sec-Fetch-Site), and starts one from Shellport\'s own page, a bookmark or a typed address', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: '1001' }));
    const start = (fetchSite?: string) =>
      app.inject({ method: 'GET', url: '/auth/github', headers: { accept: 'text/html', ...(fetchSite ? { 'sec-fetch-site': fetchSite } : {}) } });
    for (const fetchSite of ['cross-site', 'same-site']) {
      const refused = await start(fetchSite);
      expect(refused.statusCode, fetchSite).toBe(403);
      expect(refused.headers.location).toBeUndefined();
      expect(refused.body).toContain('only start from Shellport');
      expect(setCookies(refused).get('shellport_oauth_state')).toBeUndefined();
    }
    const denied = await app.db.authLog.findMany({ where: { action: 'denied' } });
    expect(denied.map((row) => JSON.parse(row.details))).toEqual([
      { method: 'github_web', reason: 'cross_site_start' },
      { method: 'github_web', reason: 'cross_site_start' },
    ]);
    for (const fetchSite of ['same-origin', 'none', undefined]) {
      const started = await start(fetchSite);
      expect(started.statusCode, String(fetchSite)).toBe(302);
      expect(String(started.headers.location)).toMatch(new RegExp(`^${fake.url}/login/oauth/authorize\\?`));
    }
    // Signed in from the app itself, it still goes all the way.
    expect((await signInWithGitHub(app, fake, 'owner', { headers: { 'sec-fetch-site': 'same-origin' } })).cookie).not.toBeNull();
  });

  it('sets the session cookie httpOnly, SameSite=Lax, Path=/, and Secure when PUBLIC_URL is https', async () => {
    for (const [publicUrl, secure] of [
      ['http://127.0.0.1:3000', false],
      ['https://shell.example.com', true],
    ] as const) {
      const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', PUBLIC_URL: publicUrl }));
      const result = await signInWithGitHub(app, fake, 'owner');
      // On https the name carries the __Host- prefix (Secure, Path=/, no Domain, this host only).
      const name = secure ? '__Host-shellport_session' : 'shellport_session';
      const header = [result.callback.headers['set-cookie']].flat().find((value) => String(value).startsWith(`${name}=`))!;
      expect(header).toBeDefined();
      expect(header).not.toContain('Domain=');
      expect(header).toContain('HttpOnly');
      expect(header).toContain('SameSite=Lax');
      expect(header).toContain('Path=/');
      expect(header.includes('Secure')).toBe(secure);
      expect(result.cookie!.split('=')[1]).toMatch(/^[\w-]{43}$/); // 256 bits, base64url
    }
  });

  it('answers 409 with what to do when GitHub is not configured', async () => {
    const { app } = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/auth/github' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toMatchObject({ code: 'github_not_configured', message: expect.stringContaining('GITHUB_CLIENT_ID') });
    const options = await app.inject({ method: 'GET', url: '/auth/options' });
    expect(options.json()).toMatchObject({ github: { webFlow: false, deviceFlow: false }, tokenSignIn: true, signedIn: false });
  });

  it('tells the sign-in page whether this browser is signed in, without refusing anyone', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner' }));
    const signedInAs = async (cookie?: string) => {
      const response = await app.inject({ method: 'GET', url: '/auth/options', headers: cookie ? { cookie } : {} });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      return response.json().signedIn as boolean;
    };
    await expect(signedInAs()).resolves.toBe(false);
    await expect(signedInAs('shellport_session=not-a-session')).resolves.toBe(false);

    const { cookie } = await signInWithGitHub(app, fake, 'owner');
    await expect(signedInAs(cookie!)).resolves.toBe(true);

    const logout = await app.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: cookie! } });
    expect(logout.statusCode).toBe(200);
    await expect(signedInAs(cookie!)).resolves.toBe(false);
  });

  it('refuses new sign-ins when a cap is full, per address (IPv6: per /64) or in all, and never drops one in progress', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', SIGN_IN_WEB_FLOWS_MAX: '15' }));
    const start = (remoteAddress: string) => app.inject({ method: 'GET', url: '/auth/github', remoteAddress });
    // The owner starts first; strangers then fill every cap.
    fake.signInBrowserAs('owner');
    const owner = await start('198.51.100.7');
    const ownerState = setCookies(owner).get('shellport_oauth_state');

    const statuses = async (addresses: string[]) => {
      const codes: number[] = [];
      for (const address of addresses) codes.push((await start(address)).statusCode);
      return codes;
    };
    expect(await statuses(Array.from({ length: 10 }, () => '203.0.113.10'))).toEqual(Array(10).fill(302));
    const perAddress = await start('203.0.113.10');
    expect(perAddress.statusCode).toBe(429);
    expect(perAddress.body).toContain('Too many sign-ins are in progress from your address; finish one or wait 10 minutes');
    expect(Number(perAddress.headers['retry-after'])).toBeGreaterThan(590);
    // Another address in the same IPv6 /64 is the same client; 4 fill the server's 15.
    const sameSubnet = Array.from({ length: 5 }, (_, i) => `2001:db8:5:6::${i + 1}`);
    expect(await statuses(sameSubnet)).toEqual([302, 302, 302, 302, 429]);
    const serverFull = await start('2001:db8:5:7::1');
    expect(serverFull.statusCode).toBe(429);
    expect(serverFull.body).toContain('Too many sign-ins are in progress on this server; wait 10 minutes');

    // The owner's sign-in, started before all that, still completes.
    const atGitHub = await fetch(new URL(String(owner.headers.location)), { redirect: 'manual' });
    const back = new URL(atGitHub.headers.get('location')!);
    const callback = await app.inject({
      method: 'GET',
      url: `${back.pathname}${back.search}`,
      headers: { cookie: `shellport_oauth_state=${ownerState}` },
      remoteAddress: '198.51.100.7',
    });
    expect(callback.statusCode).toBe(302);
    expect(setCookies(callback).get('shellport_session')).toBeTruthy();
    // Its place is free again.
    expect((await start('198.51.100.7')).statusCode).toBe(302);
  });

  it('drops the flow a browser had when it starts again, so that restarting does not use up its address', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: 'owner', SIGN_IN_WEB_FLOWS_PER_ADDRESS: '2' }));
    let cookie = '';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const started = await app.inject({ method: 'GET', url: '/auth/github', headers: cookie ? { cookie } : {} });
      expect(started.statusCode).toBe(302);
      cookie = `shellport_oauth_state=${setCookies(started).get('shellport_oauth_state')}`;
    }
    // Another browser at the same address still has room for one more.
    expect((await app.inject({ method: 'GET', url: '/auth/github' })).statusCode).toBe(302);
    expect((await app.inject({ method: 'GET', url: '/auth/github' })).statusCode).toBe(429);
  });
});
