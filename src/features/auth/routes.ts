import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { AppError, notFound } from '../../http/errors.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { Clock } from '../../infra/clock.js';
import { loadSettings } from '../github/access.js';
import { OAuthError } from '../github/oauth.js';
import { recordAuthEvent } from './auth-log.js';
import { addressGroup, exceededCap } from './client-address.js';
import { createDeviceFlows, DeviceFlowLimitError, type DeviceFlow } from './device-flow.js';
import { renderMessagePage } from './pages.js';
import { signInRateLimit } from './security.js';
import { clientOf, createSignInService } from './sign-in.js';
import { extractStartupToken, type AuthLogEntry, type AuthOptions, type AuthSessionInfo, type DeviceState, type Me } from './wire.js';

export interface AuthRoutesOptions {
  config: Config;
  clock: Clock;
}

const PRINT_AGAIN = 'Where Shellport runs, the command npm run sign-in-link prints the current link.';
const STATE_COOKIE = 'shellport_oauth_state';
const DEVICE_COOKIE = 'shellport_device';
const SETUP_COOKIE = 'shellport_setup';
const SETUP_COOKIE_MAX_AGE_S = 30 * 60;
const WEB_FLOW_TTL_MS = 10 * 60_000;

/** A start-up token as typed or pasted: the whole printed link, or the token alone (extractStartupToken). */
const startupTokenInput = z.string().max(2048).transform(extractStartupToken).pipe(z.string().max(256));
const githubStartQuery = z.object({ setup_token: startupTokenInput.optional() });
const callbackQuery = z.object({
  code: z.string().max(512).optional(),
  state: z.string().max(256).optional(),
  error: z.string().max(128).optional(),
});
const tokenQuery = z.object({ token: startupTokenInput.optional() });
const sessionParams = z.object({ id: z.uuid({ error: 'a session id' }) });
const deviceStartBody = z.object({ setupToken: startupTokenInput.optional() }).optional();
const logQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

interface PendingWebFlow {
  codeVerifier: string;
  canClaim: boolean;
  createdAt: number;
  /** The starting client's address group (client-address.ts), for the per-address cap. */
  group: string;
}

const inMinutes = (ms: number) => {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
};

/** The words of a refused sign-in start: whose sign-ins fill the cap, and how long until one ends. */
function tooManySignInsMessage(scope: 'address' | 'server', retryAfterMs: number): string {
  return scope === 'address'
    ? `Too many sign-ins are in progress from your address; finish one or wait ${inMinutes(retryAfterMs)}, then start again.`
    : `Too many sign-ins are in progress on this server; wait ${inMinutes(retryAfterMs)} and start again.`;
}

const tooManySignIns = (scope: 'address' | 'server', retryAfterMs: number) =>
  new AppError(429, 'too_many_sign_ins', tooManySignInsMessage(scope, retryAfterMs), { scope, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });

const sameText = (a: string, b: string) => {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
};

/**
 * Sign-in (GitHub web flow, GitHub device flow, start-up token), sign-out, the list of sign-in
 * sessions, /api/me and the AuthLog. Routes that must work before sign-in are PUBLIC_ROUTE; the
 * sign-in endpoints are rate limited per client address.
 */
export async function authRoutes(app: FastifyInstance, { config, clock }: AuthRoutesOptions) {
  const signIn = createSignInService({ db: app.db, clock, auth: app.auth, github: app.github, githubConfig: config.github, log: app.log });
  const oauth = app.github.oauth;
  const redirectUrl = `${config.server.publicUrl}/auth/github/callback`;
  const rateLimited = { ...PUBLIC_ROUTE, ...signInRateLimit(config) };
  const tempCookie = { httpOnly: true, sameSite: 'lax' as const, secure: config.server.isHttps };
  const webFlows = new Map<string, PendingWebFlow>();

  const deviceFlows = createDeviceFlows({
    oauth,
    log: app.log.child({ component: 'device-flow' }),
    maxFlows: config.auth.pendingSignIns.deviceFlows,
    maxFlowsPerAddress: config.auth.pendingSignIns.deviceFlowsPerAddress,
    onApproved: async (flow, tokens) => {
      const result = await signIn.authorizeGitHubUser(tokens, { canClaim: flow.canClaim, method: 'github_device', client: flow.client });
      return result.ok ? { ok: true } : { ok: false, message: result.message };
    },
  });
  app.addHook('onClose', async () => {
    await deviceFlows.close();
    webFlows.clear();
  });

  const page = (reply: FastifyReply, status: number, title: string, message: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderMessagePage({ title, message }));

  /**
   * Whether this browser may claim an unowned server: it shows the setup token (in the request or in the
   * cookie /auth/setup gave it), or is already signed in (which only the token holder can be before a claim).
   */
  async function canClaim(request: FastifyRequest, setupToken: string | undefined): Promise<boolean> {
    if (app.startupToken.matches(setupToken) || app.startupToken.matches(request.cookies[SETUP_COOKIE])) return true;
    return (await app.auth.sessionOf(request)) !== null;
  }

  function ensureGitHubConfigured(needsSecret: boolean) {
    if (!config.github.clientId || (needsSecret && !config.github.clientSecret)) {
      throw new AppError(
        409,
        'github_not_configured',
        needsSecret
          ? 'GitHub sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (see "Create a GitHub OAuth App" in docs/configuration.md).'
          : 'GitHub sign-in is not configured: set GITHUB_CLIENT_ID (see docs/configuration.md).',
      );
    }
  }

  // What the sign-in page can offer, and whether this browser is signed in already (so that the app
  // need not probe /api/me and have the browser log a 401).
  app.get('/auth/options', { config: PUBLIC_ROUTE }, async (request, reply): Promise<AuthOptions> => {
    const settings = await loadSettings(app.db);
    reply.header('cache-control', 'no-store');
    return {
      signedIn: (await app.auth.sessionOf(request)) !== null,
      github: {
        webFlow: config.github.clientId !== null && config.github.clientSecret !== null,
        deviceFlow: config.github.clientId !== null,
        url: config.github.webUrl,
      },
      tokenSignIn: app.startupToken.isTokenSignInEnabled,
      hasOwner: settings.githubUserId !== null || settings.githubLogin !== null || config.github.allowedUser !== null,
      setupTokenReceived: app.startupToken.matches(request.cookies[SETUP_COOKIE]),
    };
  });

  // The "claim this server" URL printed at start-up: remembers the setup token for the next
  // GitHub sign-in (web or device flow) in this browser, then shows the sign-in page.
  app.get('/auth/setup', { config: rateLimited }, async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    if (!app.startupToken.matches(token)) {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...clientOf(request), details: { method: 'setup', reason: 'wrong_token' } });
      return page(reply, 401, 'Wrong setup link', `This setup link is not the current one: its token changes at every start of the server. ${PRINT_AGAIN}`);
    }
    reply.setCookie(SETUP_COOKIE, token!, { ...tempCookie, path: '/auth', maxAge: SETUP_COOKIE_MAX_AGE_S });
    return reply.header('cache-control', 'no-store').redirect('/sign-in');
  });

  // --- GitHub web flow -------------------------------------------------------------------------

  app.get('/auth/github', { config: rateLimited }, async (request, reply) => {
    ensureGitHubConfigured(true);
    const query = githubStartQuery.parse(request.query);
    // Before the caps are checked, so that no await falls between the check and the new entry.
    const mayClaim = await canClaim(request, query.setup_token);
    const now = Date.now();
    for (const [state, flow] of webFlows) if (now - flow.createdAt > WEB_FLOW_TTL_MS) webFlows.delete(state);
    // A browser starting again replaces its state cookie, so its previous flow could never complete.
    const previousState = request.cookies[STATE_COOKIE];
    if (previousState) webFlows.delete(previousState);
    // Full: refuse rather than drop a flow in progress (it may be the owner's).
    const group = addressGroup(request.ip);
    const caps = { perAddress: config.auth.pendingSignIns.webFlowsPerAddress, total: config.auth.pendingSignIns.webFlows };
    const full = exceededCap([...webFlows.values()], group, caps, (flow) => flow.createdAt + WEB_FLOW_TTL_MS - now);
    if (full) {
      reply.header('retry-after', Math.ceil(full.retryAfterMs / 1000));
      return page(reply, 429, 'Too many sign-ins in progress', tooManySignInsMessage(full.scope, full.retryAfterMs));
    }

    const state = randomBytes(32).toString('base64url');
    const codeVerifier = randomBytes(32).toString('base64url');
    const codeChallenge = createHash('sha256').update(codeVerifier).digest('base64url');
    webFlows.set(state, { codeVerifier, canClaim: mayClaim, createdAt: now, group });
    reply.setCookie(STATE_COOKIE, state, { ...tempCookie, path: '/auth/github', maxAge: WEB_FLOW_TTL_MS / 1000 });
    return reply.header('cache-control', 'no-store').redirect(oauth.authorizationUrl({ state, codeChallenge, redirectUrl }));
  });

  app.get('/auth/github/callback', { config: rateLimited }, async (request, reply) => {
    const query = callbackQuery.parse(request.query);
    const client = clientOf(request);
    const cookieState = request.cookies[STATE_COOKIE];
    reply.clearCookie(STATE_COOKIE, { ...tempCookie, path: '/auth/github' });
    const deny = async (reason: string, status: number, title: string, message: string) => {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'github_web', reason } });
      return page(reply, status, title, message);
    };

    // The state must match the cookie this browser got when it started, and be one we issued, once.
    if (!query.state || !cookieState || !sameText(query.state, cookieState)) {
      return deny('state_mismatch', 400, 'Sign-in could not be verified', 'This sign-in did not start in this browser, or it took too long. Start again from the sign-in page.');
    }
    const flow = webFlows.get(query.state);
    webFlows.delete(query.state);
    if (!flow || Date.now() - flow.createdAt > WEB_FLOW_TTL_MS) {
      return deny('state_unknown', 400, 'Sign-in could not be verified', 'This sign-in has expired or was already used. Start again from the sign-in page.');
    }
    if (query.error || !query.code) {
      const declined = query.error === 'access_denied';
      return deny(declined ? 'access_denied' : 'no_code', 400, 'Sign-in cancelled', declined ? 'You declined the sign-in on GitHub, so nothing has changed. Sign in again when you are ready.' : 'GitHub did not return a sign-in code. Start again.');
    }

    let tokens;
    try {
      tokens = await oauth.exchangeCode({ code: query.code, redirectUrl, codeVerifier: flow.codeVerifier });
    } catch (error) {
      if (error instanceof OAuthError) {
        request.log.warn({ oauthError: error.code }, 'GitHub refused the sign-in code');
        return deny(error.code, 400, 'GitHub refused the sign-in', `GitHub did not accept the sign-in code (${error.code}). Start again from the sign-in page.`);
      }
      request.log.error({ err: error }, 'GitHub code exchange failed');
      return page(reply, 502, 'GitHub could not be reached', 'Shellport could not reach GitHub to finish the sign-in. Try again in a minute.');
    }

    const result = await signIn.authorizeGitHubUser(tokens, { canClaim: flow.canClaim, method: 'github_web', client });
    if (!result.ok) return page(reply, 403, 'Sign-in refused', result.message);
    await signIn.startSession(request, reply);
    return reply.header('cache-control', 'no-store').redirect('/');
  });

  // --- GitHub device flow ----------------------------------------------------------------------

  const deviceView = (flow: DeviceFlow): DeviceState => ({
    status: flow.status,
    userCode: flow.userCode,
    verificationUri: flow.verificationUri,
    expiresAt: new Date(flow.expiresAt).toISOString(),
    intervalSeconds: Math.ceil(flow.intervalMs / 1000),
    message: flow.message,
  });

  app.post('/auth/device', { config: rateLimited }, async (request, reply) => {
    ensureGitHubConfigured(false);
    const body = deviceStartBody.parse(request.body ?? undefined);
    let flow: DeviceFlow;
    try {
      flow = await deviceFlows.start({ canClaim: await canClaim(request, body?.setupToken), client: clientOf(request) });
    } catch (error) {
      if (error instanceof OAuthError) {
        throw new AppError(
          502,
          'github_device_flow_refused',
          `GitHub refused to start a device sign-in (${error.code}). Check that "Enable Device Flow" is ticked in the OAuth App's settings.`,
        );
      }
      if (error instanceof DeviceFlowLimitError) {
        reply.header('retry-after', Math.ceil(error.retryAfterMs / 1000));
        throw tooManySignIns(error.scope, error.retryAfterMs);
      }
      request.log.error({ err: error }, 'could not start the device flow');
      throw new AppError(502, 'github_unavailable', 'GitHub could not be reached to start the sign-in. Try again in a minute.');
    }
    reply.setCookie(DEVICE_COOKIE, flow.id, { ...tempCookie, path: '/auth/device', maxAge: Math.ceil((flow.expiresAt - Date.now()) / 1000) });
    return reply.code(201).header('cache-control', 'no-store').send(deviceView(flow));
  });

  // The browser polls this; the server itself polls GitHub.
  app.get('/auth/device', { config: PUBLIC_ROUTE }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const id = request.cookies[DEVICE_COOKIE];
    const flow = deviceFlows.ask(id);
    if (!id || !flow) throw notFound('No device sign-in is in progress in this browser. Start one from the sign-in page.');
    if (flow.status === 'pending') return deviceView(flow);
    deviceFlows.take(id);
    reply.clearCookie(DEVICE_COOKIE, { ...tempCookie, path: '/auth/device' });
    if (flow.status === 'approved') await signIn.startSession(request, reply);
    return deviceView(flow);
  });

  // --- Start-up token sign-in ------------------------------------------------------------------

  app.get('/auth/token', { config: rateLimited }, async (request, reply) => {
    const { token } = tokenQuery.parse(request.query);
    const client = clientOf(request);
    if (!app.startupToken.isTokenSignInEnabled) {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'token', reason: 'token_sign_in_disabled' } });
      return page(
        reply,
        403,
        'Token sign-in is turned off',
        'This server accepts the start-up sign-in URL only while it is local-only (HOST and PUBLIC_URL on loopback, TRUST_PROXY=false) or when TOKEN_SIGN_IN=true. Sign in with GitHub instead.',
      );
    }
    if (!app.startupToken.matches(token)) {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'token', reason: 'wrong_token' } });
      return page(reply, 401, 'Wrong sign-in link', `This sign-in link or token is not the current one: it changes at every start of the server. ${PRINT_AGAIN}`);
    }
    await signIn.startSession(request, reply);
    await recordAuthEvent(app.db, clock, { action: 'login', success: true, ...client, details: { method: 'token' } });
    // Redirecting drops the token from the address bar.
    return reply.header('cache-control', 'no-store').redirect('/');
  });

  // --- Sign-out and sessions -------------------------------------------------------------------

  app.post('/auth/logout', { config: PUBLIC_ROUTE }, async (request, reply) => {
    const session = await app.auth.sessionOf(request);
    if (session) {
      await app.auth.sessions.revoke(session.id);
      await recordAuthEvent(app.db, clock, { action: 'logout', success: true, ...clientOf(request), details: { sessionId: session.id } });
    }
    app.auth.clearSessionCookie(reply);
    return { signedOut: true };
  });

  app.post('/auth/logout-all', async (request, reply) => {
    const count = await app.auth.sessions.revokeAll();
    await recordAuthEvent(app.db, clock, { action: 'logout', success: true, ...clientOf(request), details: { everywhere: true, sessionsEnded: count } });
    app.auth.clearSessionCookie(reply);
    return { signedOut: true, sessionsEnded: count };
  });

  app.get('/api/auth/sessions', async (request): Promise<{ sessions: AuthSessionInfo[] }> => {
    const sessions = await app.auth.sessions.list();
    return {
      sessions: sessions.map((session) => ({
        id: session.id,
        createdAt: session.createdAt.toISOString(),
        lastSeenAt: session.lastSeenAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
        ip: session.ip,
        userAgent: session.userAgent,
        current: session.id === request.authSession?.id,
      })),
    };
  });

  app.delete('/api/auth/sessions/:id', async (request, reply) => {
    const { id } = sessionParams.parse(request.params);
    if (!(await app.auth.sessions.revoke(id))) throw notFound('No such sign-in session; it may have ended already.');
    await recordAuthEvent(app.db, clock, { action: 'logout', success: true, ...clientOf(request), details: { sessionId: id, revoked: true } });
    if (id === request.authSession?.id) app.auth.clearSessionCookie(reply);
    return reply.code(204).send();
  });

  // --- Who am I, and the security log ----------------------------------------------------------

  app.get('/api/me', async (request): Promise<Me> => {
    const settings = await loadSettings(app.db);
    const session = request.authSession!;
    return {
      owner:
        settings.githubUserId !== null
          ? { githubId: settings.githubUserId, login: settings.githubLogin, name: settings.githubName, avatarUrl: settings.githubAvatarUrl }
          : null,
      github: {
        state: await app.github.connectionState(),
        url: config.github.webUrl,
        webFlow: config.github.clientId !== null && config.github.clientSecret !== null,
        deviceFlow: config.github.clientId !== null,
      },
      session: { id: session.id, createdAt: session.createdAt.toISOString(), expiresAt: session.expiresAt.toISOString() },
    };
  });

  app.get('/api/auth/log', async (request): Promise<{ entries: AuthLogEntry[] }> => {
    const { limit } = logQuery.parse(request.query);
    const rows = await app.db.authLog.findMany({ orderBy: { id: 'desc' }, take: limit });
    return {
      entries: rows.map((row) => ({
        id: row.id,
        action: row.action,
        success: row.success,
        ip: row.ip,
        userAgent: row.userAgent,
        details: JSON.parse(row.details) as Record<string, unknown> | null,
        createdAt: row.createdAt.toISOString(),
      })),
    };
  });
}
