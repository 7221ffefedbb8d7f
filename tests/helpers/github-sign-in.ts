import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Env } from '../../src/config/index.js';
import type { FakeGitHub } from '../fake-github/index.js';

/** The variables that point Shellport at a fake GitHub (web flow, device flow and REST). */
export function fakeGitHubEnv(fake: FakeGitHub, extra: Env = {}): Env {
  return {
    GITHUB_CLIENT_ID: fake.clientId,
    GITHUB_CLIENT_SECRET: fake.clientSecret,
    GITHUB_URL: fake.url,
    GITHUB_API_URL: fake.apiUrl,
    ...extra,
  };
}

/** `name=value` pairs from a response's Set-Cookie headers (cleared cookies have an empty value). */
export function setCookies(response: LightMyRequestResponse): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const cookie of response.cookies as Array<{ name: string; value: string }>) cookies.set(cookie.name, cookie.value);
  return cookies;
}

export interface GitHubSignInResult {
  /** Shellport's answer to the callback: 302 to / on success, an HTML page otherwise. */
  callback: LightMyRequestResponse;
  /** `shellport_session=…` for the new session, or null when the sign-in was refused. */
  cookie: string | null;
  /** The authorize URL Shellport redirected to (state, PKCE challenge…). */
  authorizeUrl: URL;
  /** Where the fake GitHub sent the browser back to (code and state in the query). */
  callbackUrl: URL;
}

/**
 * Signs in through the fake GitHub's web flow as a browser would: GET /auth/github on the app
 * (inject), follow the redirect to the fake's authorize endpoint (real HTTP), then bring the
 * code and state back to /auth/github/callback with the state cookie.
 *
 * `login` is who is signed in at GitHub (null: the user declines). Pass `setupToken`
 * (`app.startupToken.value`) to claim an unowned server, `cookie` to sign in from a browser that
 * already has a session.
 */
export async function signInWithGitHub(
  app: FastifyInstance,
  fake: FakeGitHub,
  login: string | null,
  options: { setupToken?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<GitHubSignInResult> {
  fake.signInBrowserAs(login);
  const query = options.setupToken ? `?setup_token=${encodeURIComponent(options.setupToken)}` : '';
  const headers = { ...(options.headers ?? {}), ...(options.cookie ? { cookie: options.cookie } : {}) };
  const start = await app.inject({ method: 'GET', url: `/auth/github${query}`, headers });
  if (start.statusCode !== 302) throw new Error(`/auth/github answered ${start.statusCode}: ${start.body}`);
  const authorizeUrl = new URL(String(start.headers.location));
  const stateCookie = setCookies(start).get('shellport_oauth_state');

  const atGitHub = await fetch(authorizeUrl, { redirect: 'manual' });
  const back = atGitHub.headers.get('location');
  if (atGitHub.status !== 302 || !back) throw new Error(`the fake GitHub's authorize answered ${atGitHub.status}: ${await atGitHub.text()}`);
  const callbackUrl = new URL(back);

  const cookieHeader = [options.cookie, stateCookie ? `shellport_oauth_state=${stateCookie}` : undefined].filter(Boolean).join('; ');
  const callback = await app.inject({
    method: 'GET',
    url: `${callbackUrl.pathname}${callbackUrl.search}`,
    headers: { ...(options.headers ?? {}), ...(cookieHeader ? { cookie: cookieHeader } : {}) },
  });
  const session = setCookies(callback).get(app.auth.cookieName);
  return { callback, cookie: session ? `${app.auth.cookieName}=${session}` : null, authorizeUrl, callbackUrl };
}
