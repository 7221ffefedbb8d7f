// The github.com side of sign-in: the web application flow (with PKCE), the device flow and token refresh.
// Shapes follow https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps,
// .../troubleshooting-oauth-app-access-token-request-errors and .../refreshing-user-access-tokens.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redirect, sendOAuth, sendText } from './http-util.js';
import { ACCESS_TOKEN_TTL_S, REFRESH_TOKEN_TTL_S, randomBase62, randomHex, type FakeStore } from './store.js';
import type { IssuedToken } from './types.js';

export interface OAuthContext {
  store: FakeStore;
  clientId: string;
  clientSecret: string;
  baseUrl: string;
  callbackUrl: string | undefined;
  deviceInterval: number;
  deviceFlowEnabled: boolean;
  /** Who is signed in at GitHub in the browser: undefined => the sign-in page is shown; null => the user declines. */
  browserLogin: string | null | undefined;
  lastDeviceCode: { deviceCode: string; userCode: string } | undefined;
}

const CODE_TTL_MS = 10 * 60_000;
const DEVICE_TTL_S = 900;
const DOCS = 'https://docs.github.com';
const TOKEN_ERRORS_URI = `${DOCS}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/`;
const AUTHORIZE_ERRORS_URI = `${DOCS}/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/`;
const DEVICE_ERRORS_URI = `${DOCS}/developers/apps/authorizing-oauth-apps#error-codes-for-the-device-flow`;

type OAuthError = { error: string; error_description: string; error_uri: string };

const errors = {
  incorrectClientCredentials: (): OAuthError => ({
    error: 'incorrect_client_credentials',
    error_description: 'The client_id and/or client_secret passed are incorrect.',
    error_uri: `${TOKEN_ERRORS_URI}#incorrect-client-credentials`,
  }),
  redirectUriMismatch: (): OAuthError => ({
    error: 'redirect_uri_mismatch',
    error_description: 'The redirect_uri MUST match the registered callback URL for this application.',
    error_uri: `${AUTHORIZE_ERRORS_URI}#redirect-uri-mismatch2`,
  }),
  badVerificationCode: (): OAuthError => ({
    error: 'bad_verification_code',
    error_description: 'The code passed is incorrect or expired.',
    error_uri: `${TOKEN_ERRORS_URI}#bad-verification-code`,
  }),
  badRefreshToken: (): OAuthError => ({
    error: 'bad_refresh_token',
    error_description: 'The refresh token passed is incorrect or expired.',
    error_uri: `${DOCS}/apps/creating-github-apps/authenticating-with-a-github-app/refreshing-user-access-tokens`,
  }),
  device: (error: string, description: string): OAuthError => ({ error, error_description: description, error_uri: DEVICE_ERRORS_URI }),
};

function splitScopes(scope: string | undefined): string[] {
  return (scope ?? '').split(/[\s,]+/).filter(Boolean);
}

/** GitHub accepts a redirect_uri on the callback's host and port whose path is the callback path or below it. */
function matchesCallback(redirectUri: URL, callback: URL): boolean {
  if (redirectUri.protocol !== callback.protocol || redirectUri.host !== callback.host) return false;
  const base = callback.pathname.replace(/\/$/, '');
  return redirectUri.pathname === callback.pathname || redirectUri.pathname.startsWith(`${base}/`) || base === '';
}

function withParams(target: string, params: Record<string, string | undefined>): string {
  const url = new URL(target);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

export function handleAuthorize(ctx: OAuthContext, res: ServerResponse, query: URLSearchParams): void {
  if (query.get('client_id') !== ctx.clientId) {
    // github.com shows its HTML 404 page for an unknown client_id.
    sendText(res, 404, '<!DOCTYPE html><title>Page not found · GitHub</title><h1>404</h1>', 'text/html; charset=utf-8');
    return;
  }
  const state = query.get('state') ?? undefined;
  const rawRedirect = query.get('redirect_uri') ?? ctx.callbackUrl;
  let redirectUrl: URL;
  try {
    if (!rawRedirect) throw new Error('missing');
    redirectUrl = new URL(rawRedirect);
  } catch {
    sendText(res, 400, 'redirect_uri is missing or invalid and no callback URL is registered');
    return;
  }
  if (ctx.callbackUrl && !matchesCallback(redirectUrl, new URL(ctx.callbackUrl))) {
    redirect(res, withParams(ctx.callbackUrl, { ...errors.redirectUriMismatch(), state }));
    return;
  }
  const challenge = query.get('code_challenge') ?? undefined;
  const method = query.get('code_challenge_method') ?? undefined;
  if ((challenge !== undefined || method !== undefined) && (method !== 'S256' || !challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge))) {
    redirect(
      res,
      withParams(redirectUrl.toString(), {
        error: 'invalid_request',
        error_description: 'code_challenge must be a 43-character base64url SHA-256 digest and code_challenge_method must be S256.',
        error_uri: AUTHORIZE_ERRORS_URI,
        state,
      }),
    );
    return;
  }
  if (ctx.browserLogin === undefined) {
    sendText(res, 200, '<!DOCTYPE html><title>Sign in to GitHub · GitHub</title><form><input name="login"></form>', 'text/html; charset=utf-8');
    return;
  }
  if (ctx.browserLogin === null) {
    redirect(
      res,
      withParams(redirectUrl.toString(), {
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        error_uri: `${AUTHORIZE_ERRORS_URI}#access-denied`,
        state,
      }),
    );
    return;
  }
  const user = ctx.store.requireUser(ctx.browserLogin);
  const code = randomHex(20);
  ctx.store.codes.set(code, {
    code,
    login: user.login,
    clientId: ctx.clientId,
    redirectUri: redirectUrl.toString(),
    scopes: splitScopes(query.get('scope') ?? undefined),
    codeChallenge: challenge,
    expiresAt: ctx.store.now() + CODE_TTL_MS,
    used: false,
  });
  redirect(res, withParams(redirectUrl.toString(), { code, state }));
}

function tokenResponse(ctx: OAuthContext, issued: IssuedToken): Record<string, string | number> {
  const record = ctx.store.tokens.get(issued.accessToken);
  const body: Record<string, string | number> = {
    access_token: issued.accessToken,
    token_type: 'bearer',
    scope: record?.scopes.join(',') ?? '',
  };
  if (issued.refreshToken) {
    body.expires_in = ACCESS_TOKEN_TTL_S;
    body.refresh_token = issued.refreshToken;
    body.refresh_token_expires_in = REFRESH_TOKEN_TTL_S;
  }
  return body;
}

function base64url(buf: Buffer): string {
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function exchangeCode(ctx: OAuthContext, p: Record<string, string>): Record<string, string | number> {
  if (p.client_id !== ctx.clientId || p.client_secret !== ctx.clientSecret) return errors.incorrectClientCredentials();
  const record = p.code ? ctx.store.codes.get(p.code) : undefined;
  if (!record || record.used || record.expiresAt <= ctx.store.now() || record.clientId !== p.client_id) return errors.badVerificationCode();
  if (p.redirect_uri !== undefined && p.redirect_uri !== record.redirectUri) {
    // Compare as URLs so that an equivalent spelling (trailing '?', encoding) is accepted like GitHub does.
    let same = false;
    try {
      same = new URL(p.redirect_uri).toString() === record.redirectUri;
    } catch {
      same = false;
    }
    if (!same) return errors.redirectUriMismatch();
  }
  if (record.codeChallenge !== undefined) {
    const verifier = p.code_verifier ?? '';
    const ok = /^[A-Za-z0-9._~-]{43,128}$/.test(verifier) && base64url(createHash('sha256').update(verifier).digest()) === record.codeChallenge;
    if (!ok) return errors.badVerificationCode();
  }
  record.used = true;
  return tokenResponse(ctx, ctx.store.issueToken(record.login, { scopes: record.scopes }));
}

function pollDevice(ctx: OAuthContext, p: Record<string, string>): Record<string, string | number> {
  if (p.client_id !== ctx.clientId) return errors.incorrectClientCredentials();
  const device = p.device_code ? ctx.store.devices.get(p.device_code) : undefined;
  if (!device || device.clientId !== p.client_id || device.state === 'consumed') {
    return errors.device('incorrect_device_code', 'The device_code provided is not valid.');
  }
  const now = ctx.store.now();
  if (device.expiresAt <= now) return errors.device('expired_token', 'The device_code has expired.');
  // Polling faster than the interval: GitHub answers slow_down and adds 5 seconds to the interval.
  const tooSoon = device.lastPollAt !== undefined && now - device.lastPollAt < device.interval * 1000;
  device.lastPollAt = now;
  if (tooSoon) {
    device.interval += 5;
    return { ...errors.device('slow_down', 'Too many requests have been made in the same timeframe.'), interval: device.interval };
  }
  if (device.state === 'denied') return errors.device('access_denied', 'The authorization request was denied.');
  if (device.state === 'pending' || !device.login) {
    return errors.device('authorization_pending', 'The authorization request is still pending.');
  }
  device.state = 'consumed';
  return tokenResponse(ctx, ctx.store.issueToken(device.login, { scopes: device.scopes, fromDevice: true }));
}

function refresh(ctx: OAuthContext, p: Record<string, string>): Record<string, string | number> {
  if (p.client_id !== ctx.clientId) return errors.incorrectClientCredentials();
  const record = p.refresh_token ? ctx.store.refreshTokens.get(p.refresh_token) : undefined;
  if (!record?.fromDevice || p.client_secret !== undefined) {
    if (p.client_secret !== ctx.clientSecret) return errors.incorrectClientCredentials();
  }
  if (!record || record.used || record.expiresAt <= ctx.store.now()) return errors.badRefreshToken();
  // Rotation: the used refresh token and the access token it came with stop working.
  record.used = true;
  const old = ctx.store.tokens.get(record.accessToken);
  if (old) old.revoked = true;
  return tokenResponse(ctx, ctx.store.issueToken(record.login, { expiring: true, fromDevice: record.fromDevice }));
}

export function handleAccessToken(ctx: OAuthContext, req: IncomingMessage, res: ServerResponse, p: Record<string, string>): void {
  const grant = p.grant_type ?? 'authorization_code';
  let body: Record<string, string | number>;
  if (grant === 'authorization_code') body = exchangeCode(ctx, p);
  else if (grant === 'urn:ietf:params:oauth:grant-type:device_code') body = pollDevice(ctx, p);
  else if (grant === 'refresh_token') body = refresh(ctx, p);
  else body = errors.device('unsupported_grant_type', 'The grant type is not supported.');
  sendOAuth(req, res, body);
}

function userCode(): string {
  const alphabet = 'BCDFGHJKLMNPQRSTVWXZ0123456789';
  const raw = randomBase62(8)
    .split('')
    .map((c) => alphabet[c.charCodeAt(0) % alphabet.length])
    .join('');
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

export function handleDeviceCode(ctx: OAuthContext, req: IncomingMessage, res: ServerResponse, p: Record<string, string>): void {
  if (p.client_id !== ctx.clientId) {
    sendOAuth(req, res, errors.incorrectClientCredentials());
    return;
  }
  if (!ctx.deviceFlowEnabled) {
    sendOAuth(req, res, errors.device('device_flow_disabled', 'Device flow must be explicitly enabled for this App'));
    return;
  }
  const deviceCode = randomHex(40);
  const code = userCode();
  ctx.store.devices.set(deviceCode, {
    deviceCode,
    userCode: code,
    clientId: ctx.clientId,
    scopes: splitScopes(p.scope),
    expiresAt: ctx.store.now() + DEVICE_TTL_S * 1000,
    interval: ctx.deviceInterval,
    lastPollAt: undefined,
    state: 'pending',
    login: undefined,
  });
  ctx.lastDeviceCode = { deviceCode, userCode: code };
  sendOAuth(req, res, {
    device_code: deviceCode,
    user_code: code,
    verification_uri: `${ctx.baseUrl}/login/device`,
    expires_in: DEVICE_TTL_S,
    interval: ctx.deviceInterval,
  });
}

export function handleDevicePage(res: ServerResponse): void {
  sendText(res, 200, '<!DOCTYPE html><title>Device Activation · GitHub</title><form><input name="user-code"></form>', 'text/html; charset=utf-8');
}

export function findDevice(ctx: OAuthContext, userCode: string) {
  const wanted = userCode.toUpperCase();
  for (const device of ctx.store.devices.values()) if (device.userCode === wanted) return device;
  throw new Error(`fake-github: no device code with user code ${userCode}`);
}

