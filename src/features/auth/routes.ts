import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { AppError, notFound } from '../../http/errors.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { Clock } from '../../infra/clock.js';
import { OAuthError } from '../github/oauth.js';
import { recordAuthEvent } from './auth-log.js';
import { addressGroup, exceededCap } from './client-address.js';
import { deviceLinkRoutes } from './device-link-routes.js';
import { createDeviceFlows, DeviceFlowLimitError, isDeviceFlowEnabled, type DeviceFlow } from './device-flow.js';
import { createLinkGrants, type LinkGrantPurpose } from './link-grants.js';
import { isCrossSiteStart } from './origin.js';
import { hasOwner } from './owner.js';
import { loadOwnerIdentity, loadOwnerState } from './owner-identity.js';
import { renderMessagePage } from './pages.js';
import { signInRateLimit } from './security.js';
import { clientOf, createSignInService } from './sign-in.js';
import {
  extractStartupToken,
  type AuthLogEntry,
  type AuthOptions,
  type AuthSessionInfo,
  type DeviceState,
  type Me,
  type SignInRequest,
} from '../../shared/auth.js';
import { deviceNameOf } from '../../shared/device-link.js';

export interface AuthRoutesOptions {
  config: Config;
  clock: Clock;
}

const PRINT_AGAIN = 'Where Shellport runs, the command npm run sign-in-link prints the current link.';
const STATE_COOKIE = 'shellport_oauth_state';
const DEVICE_COOKIE = 'shellport_device';
/** A browser that opened the setup link: its next GitHub sign-in may claim the server. */
const SETUP_COOKIE = 'shellport_setup';
/** A browser that opened the sign-in link while it does not sign in: its next device-code sign-in needs no approval. */
const LINK_COOKIE = 'shellport_sign_in_link';
const LINK_GRANT_TTL_MS = 30 * 60_000;
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
/**
 * `setupToken` claims a server without owner; `token` (the sign-in link's) skips the approval on one with an owner.
 * No body at all is validated as `{}` (src/http/validation.ts): neither.
 */
const deviceStartBody = z.object({ setupToken: startupTokenInput.optional(), token: startupTokenInput.optional() });
const signInRequestParams = z.object({ id: z.string().regex(/^[\w-]{8,64}$/, { error: 'a sign-in request id' }) });
const logQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });

interface PendingWebFlow {
  codeVerifier: string;
  canClaim: boolean;
  /** Milliseconds on the app's clock, which decides when the flow expires. */
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
export async function authRoutes(fastify: FastifyInstance, { config, clock }: AuthRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // The GitHub connection asks this feature, which owns the owner's identity, who the owner is.
  const signIn = createSignInService({ db: app.db, clock, auth: app.auth, github: app.github, githubConfig: config.github, log: app.log });
  const oauth = app.github.oauth;
  const redirectUrl = `${config.server.publicUrl}/auth/github/callback`;
  const rateLimited = { ...PUBLIC_ROUTE, ...signInRateLimit(config) };
  const tempCookie = { httpOnly: true, sameSite: 'lax' as const, secure: config.server.isHttps };
  const webFlows = new Map<string, PendingWebFlow>();
  const grants = createLinkGrants({ ttlMs: LINK_GRANT_TTL_MS, clock });
  const deviceFlowEnabled = isDeviceFlowEnabled(config);

  const deviceFlows = createDeviceFlows({
    oauth,
    clock,
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
    grants.clear();
  });

  const page = (reply: FastifyReply, status: number, title: string, message: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderMessagePage({ title, message }));

  const isOwned = async () => hasOwner(await loadOwnerState(app.db), config.github.allowedUser);

  /** Leaves a grant in this browser for what opening a start-up link allows (link-grants.ts). */
  function grant(reply: FastifyReply, cookie: string, purpose: LinkGrantPurpose) {
    reply.setCookie(cookie, grants.issue(purpose), { ...tempCookie, path: '/auth', maxAge: LINK_GRANT_TTL_MS / 1000 });
  }

  const hasGrant = (request: FastifyRequest, cookie: string, purpose: LinkGrantPurpose) => grants.holds(request.cookies[cookie], purpose);

  /** Ends this browser's grant in `cookie`, if any: it has served, or can serve no more. */
  function dropGrant(request: FastifyRequest, reply: FastifyReply, cookie: string) {
    const id = request.cookies[cookie];
    if (id === undefined) return;
    grants.drop(id);
    reply.clearCookie(cookie, { ...tempCookie, path: '/auth' });
  }

  /** After a sign-in: the setup grant has served; once the server has an owner, nobody's can serve again. */
  async function afterSignIn(request: FastifyRequest, reply: FastifyReply) {
    dropGrant(request, reply, SETUP_COOKIE);
    if (await isOwned()) {
      grants.dropAll('claim');
      // The setup link goes from the link file.
      await app.startupToken.republish();
    }
  }

  /**
   * Whether this browser may claim an unowned server: it shows the setup token (which that uses up), holds
   * the grant /auth/setup gave it, or is already signed in (which only the token holder can be before a claim).
   */
  async function canClaim(request: FastifyRequest, setupToken: string | undefined): Promise<boolean> {
    if (await app.startupToken.consumeSetup(setupToken)) return true;
    if (hasGrant(request, SETUP_COOKIE, 'claim')) return true;
    return (await app.auth.sessionOf(request)) !== null;
  }

  function ensureDeviceFlowOn() {
    ensureGitHubConfigured(false);
    if (!deviceFlowEnabled) {
      throw new AppError(
        409,
        'device_flow_off',
        'Sign-in with a device code is turned off on this server (GITHUB_DEVICE_FLOW, see docs/configuration.md): sign in with GitHub instead.',
      );
    }
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
    const owned = await isOwned();
    reply.header('cache-control', 'no-store');
    const setupTokenReceived = !owned && hasGrant(request, SETUP_COOKIE, 'claim');
    const signInLinkReceived = owned && deviceFlowEnabled && hasGrant(request, LINK_COOKIE, 'device');
    // A cookie that can serve no more goes (after the claim, after a restart).
    if (!setupTokenReceived) dropGrant(request, reply, SETUP_COOKIE);
    if (!signInLinkReceived) dropGrant(request, reply, LINK_COOKIE);
    return {
      signedIn: (await app.auth.sessionOf(request)) !== null,
      github: {
        webFlow: config.github.clientId !== null && config.github.clientSecret !== null,
        deviceFlow: deviceFlowEnabled,
        url: config.github.webUrl,
      },
      tokenSignIn: app.startupToken.isTokenSignInEnabled,
      hasOwner: owned,
      setupTokenReceived,
      signInLinkReceived,
    };
  });

  // The "claim this server" URL: uses up its token (a new link replaces it) and lets the next GitHub
  // sign-in (web or device flow) of this browser claim the server, then shows the sign-in page.
  app.get('/auth/setup', { config: rateLimited, schema: { querystring: tokenQuery } }, async (request, reply) => {
    const { token } = request.query;
    if (!(await app.startupToken.consumeSetup(token))) {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...clientOf(request), details: { method: 'setup', reason: 'wrong_token' } });
      return page(
        reply,
        401,
        'Wrong setup link',
        `This setup link is not the current one: each works once, and a new one replaces it at every use and every start of the server. ${PRINT_AGAIN}`,
      );
    }
    grant(reply, SETUP_COOKIE, 'claim');
    return reply.header('cache-control', 'no-store').redirect('/sign-in');
  });

  // --- GitHub web flow -------------------------------------------------------------------------

  app.get(
    '/auth/github',
    {
      config: rateLimited,
      schema: { querystring: githubStartQuery },
      // A start from another site, and a server without GitHub sign-in, are refused before the query is
      // looked at. Returning the reply ends the request with the page (Fastify, "Respond to a request from a hook").
      preValidation: async (request, reply) => {
        if (isCrossSiteStart(request.headers)) {
          await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...clientOf(request), details: { method: 'github_web', reason: 'cross_site_start' } });
          return page(
            reply,
            403,
            'Sign-in refused',
            'A sign-in can only start from Shellport\'s own sign-in page, not from a link on another site. Open Shellport and sign in there.',
          );
        }
        ensureGitHubConfigured(true);
      },
    },
    async (request, reply) => {
      const query = request.query;
      // Before the caps are checked, so that no await falls between the check and the new entry.
      const mayClaim = await canClaim(request, query.setup_token);
      const now = clock.now().getTime();
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
    },
  );

  // GitHub's redirect back. Its refusals are pages, but a query that fails its schema has always been
  // answered as JSON 400, before any page: declaring the schema on the route keeps that answer.
  app.get('/auth/github/callback', { config: rateLimited, schema: { querystring: callbackQuery } }, async (request, reply) => {
    const query = request.query;
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
    if (!flow || clock.now().getTime() - flow.createdAt > WEB_FLOW_TTL_MS) {
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
    await afterSignIn(request, reply);
    return reply.header('cache-control', 'no-store').redirect('/');
  });

  // --- GitHub device flow ----------------------------------------------------------------------

  const deviceView = (flow: DeviceFlow): DeviceState => ({
    status: flow.status,
    requestCode: flow.requestCode,
    userCode: flow.userCode,
    verificationUri: flow.verificationUri,
    expiresAt: new Date(flow.expiresAt).toISOString(),
    intervalSeconds: Math.ceil(flow.intervalMs / 1000),
    message: flow.message,
  });

  /**
   * Who may start a device-code sign-in, and whether it must wait for a signed-in browser's approval.
   * Without an owner: only the setup token's holder (as for the web flow). With one: a signed-in browser,
   * or the sign-in link's holder, start at once; any other browser waits for approval, so that a stranger
   * cannot talk the owner into entering their code at GitHub and get a session (issue 18).
   */
  async function deviceStartRights(request: FastifyRequest, body: z.output<typeof deviceStartBody>) {
    const client = clientOf(request);
    const refuse = async (reason: string, message: string): Promise<never> => {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'github_device', reason } });
      throw new AppError(403, 'setup_token_required', message);
    };
    if (!(await isOwned())) {
      if (await canClaim(request, body.setupToken)) return { canClaim: true, needsApproval: false, usesLinkGrant: false };
      return refuse(
        body.setupToken ? 'wrong_token' : 'setup_token_required',
        body.setupToken
          ? `This setup link is not the current one: each works once. ${PRINT_AGAIN}`
          : `This server has no owner yet: open its setup link first, or paste it on the sign-in page. ${PRINT_AGAIN}`,
      );
    }
    if (body.token !== undefined) {
      if (await app.startupToken.consumeSignIn(body.token)) return { canClaim: false, needsApproval: false, usesLinkGrant: false };
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'github_device', reason: 'wrong_token' } });
      throw new AppError(401, 'wrong_token', `This sign-in link is not the current one: each works once. ${PRINT_AGAIN}`);
    }
    if ((await app.auth.sessionOf(request)) !== null) return { canClaim: false, needsApproval: false, usesLinkGrant: false };
    const usesLinkGrant = hasGrant(request, LINK_COOKIE, 'device');
    return { canClaim: false, needsApproval: !usesLinkGrant, usesLinkGrant };
  }

  // Whether the device flow is on is said before the body is looked at.
  app.post('/auth/device', { config: rateLimited, schema: { body: deviceStartBody }, preValidation: async () => ensureDeviceFlowOn() }, async (request, reply) => {
    const rights = await deviceStartRights(request, request.body);
    let flow: DeviceFlow;
    try {
      flow = await deviceFlows.start({ canClaim: rights.canClaim, needsApproval: rights.needsApproval, client: clientOf(request) });
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
    // The grant has served: one link, one sign-in.
    if (rights.usesLinkGrant) dropGrant(request, reply, LINK_COOKIE);
    // The flow may wait for approval, then for the code to be entered at GitHub.
    reply.setCookie(DEVICE_COOKIE, flow.id, { ...tempCookie, path: '/auth/device', maxAge: 30 * 60 });
    return reply.code(201).header('cache-control', 'no-store').send(deviceView(flow));
  });

  // The browser polls this; the server itself polls GitHub.
  app.get('/auth/device', { config: PUBLIC_ROUTE }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const id = request.cookies[DEVICE_COOKIE];
    const flow = deviceFlows.ask(id);
    if (!id || !flow) throw notFound('No device sign-in is in progress in this browser. Start one from the sign-in page.');
    if (flow.status === 'awaiting_approval' || flow.status === 'pending') return deviceView(flow);
    deviceFlows.take(id);
    reply.clearCookie(DEVICE_COOKIE, { ...tempCookie, path: '/auth/device' });
    if (flow.status === 'approved') {
      await signIn.startSession(request, reply);
      await afterSignIn(request, reply);
    }
    return deviceView(flow);
  });

  // --- Approving another browser's device-code sign-in (signed-in browsers only) ------------------

  app.get('/api/auth/sign-in-requests', async (_request, reply): Promise<{ requests: SignInRequest[] }> => {
    reply.header('cache-control', 'no-store');
    return {
      requests: deviceFlows.awaitingApproval().map((flow) => ({
        id: flow.requestId,
        code: flow.requestCode,
        ip: flow.client.ip,
        userAgent: flow.client.userAgent,
        createdAt: new Date(flow.createdAt).toISOString(),
        expiresAt: new Date(flow.expiresAt).toISOString(),
      })),
    };
  });

  const answerSignInRequest = async (request: FastifyRequest, flow: DeviceFlow, approved: boolean) => {
    const details = { decision: approved ? 'approved' : 'denied', code: flow.requestCode, requestIp: flow.client.ip, requestUserAgent: flow.client.userAgent };
    await recordAuthEvent(app.db, clock, { action: 'sign_in_request', success: approved, ...clientOf(request), details });
    request.log.info({ decision: details.decision, requestIp: flow.client.ip }, 'device-code sign-in request answered');
  };
  const noSuchRequest = () => notFound('No sign-in request waits under this id: it was answered already, or it ended. Ask for a new one.');

  const bySignInRequestId = { schema: { params: signInRequestParams } };

  app.post('/api/auth/sign-in-requests/:id/approve', bySignInRequestId, async (request, reply) => {
    const { id } = request.params;
    let flow: DeviceFlow | null;
    try {
      flow = await deviceFlows.approve(id);
    } catch (error) {
      request.log.error({ err: error }, 'could not get a device code for an approved sign-in request');
      throw error instanceof OAuthError
        ? new AppError(502, 'github_device_flow_refused', `GitHub refused to start a device sign-in (${error.code}). Check that "Enable Device Flow" is ticked in the OAuth App's settings.`)
        : new AppError(502, 'github_unavailable', 'GitHub could not be reached to start the sign-in. Try again in a minute.');
    }
    if (!flow) throw noSuchRequest();
    await answerSignInRequest(request, flow, true);
    return reply.code(204).send();
  });

  app.post('/api/auth/sign-in-requests/:id/deny', bySignInRequestId, async (request, reply) => {
    const { id } = request.params;
    const flow = deviceFlows.deny(id);
    if (!flow) throw noSuchRequest();
    await answerSignInRequest(request, flow, false);
    return reply.code(204).send();
  });

  // --- Start-up token sign-in ------------------------------------------------------------------

  app.get('/auth/token', { config: rateLimited, schema: { querystring: tokenQuery } }, async (request, reply) => {
    const { token } = request.query;
    const client = clientOf(request);
    const wrongLink = async () => {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'token', reason: 'wrong_token' } });
      return page(
        reply,
        401,
        'Wrong sign-in link',
        `This sign-in link or token is not the current one: each works once, and a new one replaces it at every use and every start of the server. ${PRINT_AGAIN}`,
      );
    };
    if (!app.startupToken.isTokenSignInEnabled && deviceFlowEnabled && (await isOwned())) {
      // The link does not sign in here, but spares this browser's next device-code sign-in the approval.
      if (!(await app.startupToken.consumeSignIn(token))) return wrongLink();
      grant(reply, LINK_COOKIE, 'device');
      return reply.header('cache-control', 'no-store').redirect('/sign-in');
    }
    if (!app.startupToken.isTokenSignInEnabled) {
      await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...client, details: { method: 'token', reason: 'token_sign_in_disabled' } });
      return page(
        reply,
        403,
        'Token sign-in is turned off',
        'This server accepts the start-up sign-in URL only while it is local-only (HOST and PUBLIC_URL on loopback, TRUST_PROXY=false) or when TOKEN_SIGN_IN=true. Sign in with GitHub instead.',
      );
    }
    if (!(await app.startupToken.consumeSignIn(token))) return wrongLink();
    await signIn.startSession(request, reply);
    await recordAuthEvent(app.db, clock, { action: 'login', success: true, ...client, details: { method: 'token' } });
    // Redirecting drops the token from the address bar.
    return reply.header('cache-control', 'no-store').redirect('/');
  });

  // --- Signing a phone in from a signed-in browser (issue 22 §3) --------------------------------

  await app.register(deviceLinkRoutes, { config, clock, startSession: signIn.startSession });

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
        deviceName: deviceNameOf(session.userAgent),
        current: session.id === request.authSession?.id,
      })),
    };
  });

  app.delete('/api/auth/sessions/:id', { schema: { params: sessionParams } }, async (request, reply) => {
    const { id } = request.params;
    if (!(await app.auth.sessions.revoke(id))) throw notFound('No such sign-in session; it may have ended already.');
    await recordAuthEvent(app.db, clock, { action: 'logout', success: true, ...clientOf(request), details: { sessionId: id, revoked: true } });
    if (id === request.authSession?.id) app.auth.clearSessionCookie(reply);
    return reply.code(204).send();
  });

  // --- Who am I, and the security log ----------------------------------------------------------

  app.get('/api/me', async (request): Promise<Me> => {
    const session = request.authSession!;
    return {
      owner: await loadOwnerIdentity(app.db),
      github: {
        state: await app.github.connectionState(),
        url: config.github.webUrl,
        webFlow: config.github.clientId !== null && config.github.clientSecret !== null,
        deviceFlow: deviceFlowEnabled,
      },
      session: { id: session.id, createdAt: session.createdAt.toISOString(), expiresAt: session.expiresAt.toISOString() },
    };
  });

  app.get('/api/auth/log', { schema: { querystring: logQuery } }, async (request): Promise<{ entries: AuthLogEntry[] }> => {
    const { limit } = request.query;
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
