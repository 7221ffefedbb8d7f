import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import type { AuthSession } from '../../generated/prisma/client.js';
import { AppError } from '../../http/errors.js';
import { isCrossSiteRequest, isOwnOrigin } from './origin.js';
import { createSessionStore, type SessionStore } from './session-store.js';

export const SESSION_COOKIE = 'shellport_session';

/**
 * On https the cookie carries the `__Host-` prefix: browsers then accept it only Secure, for the whole
 * host (Path=/, no Domain) and from this host itself, so a sibling subdomain cannot plant or shadow it.
 */
export function sessionCookieName(isHttps: boolean): string {
  return isHttps ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
}

export type UpgradeCheck = { ok: true; session: AuthSession } | { ok: false; status: 401 | 403; message: string };

export interface AuthGuard {
  sessions: SessionStore;
  /** The session cookie's name (sessionCookieName). */
  readonly cookieName: string;
  /** Puts a new session id in the browser (httpOnly, SameSite=Lax, Secure over https). */
  setSessionCookie(reply: FastifyReply, token: string): void;
  clearSessionCookie(reply: FastifyReply): void;
  /** The valid session the request's cookie names, or null: for public routes that treat a signed-in browser differently. */
  sessionOf(request: FastifyRequest): Promise<AuthSession | null>;
  /** Whether the sign-in a long-lived response was opened under is still valid; a check, not activity (the idle timeout is not extended). */
  isStillSignedIn(request: FastifyRequest): Promise<boolean>;
  /**
   * The check for WebSocket/Socket.IO handshakes: the same session cookie as HTTP, and an Origin
   * that must be present and ours (browsers do not apply CORS to WebSockets).
   */
  authenticateUpgrade(request: IncomingMessage, options?: { touch?: boolean }): Promise<UpgradeCheck>;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: AuthGuard;
  }
  interface FastifyRequest {
    /** The signed-in session; set on every non-public route by the auth guard. */
    authSession: AuthSession | null;
  }
}

export interface AuthGuardOptions {
  config: Config;
  clock: Clock;
}

export const unauthenticated = () =>
  new AppError(401, 'unauthenticated', 'Sign in to Shellport first: your session is missing or has expired.');

/**
 * Every route needs a signed-in session unless it declares `config: { public: true }`, and every
 * state-changing request must come from Shellport's own origin (with `config: { requireOrigin: true }`,
 * an Origin header saying so is required).
 */
export const authGuardPlugin = fp(
  async (app: FastifyInstance, { config, clock }: AuthGuardOptions) => {
    await app.register(fastifyCookie);
    const sessions = createSessionStore({ db: app.db, clock, config: config.auth, log: app.log });
    const cookieOptions = {
      httpOnly: true,
      sameSite: 'lax' as const,
      secure: config.server.isHttps,
      path: '/',
    };

    const cookieName = sessionCookieName(config.server.isHttps);
    const guard: AuthGuard = {
      sessions,
      cookieName,
      setSessionCookie(reply, token) {
        reply.setCookie(cookieName, token, { ...cookieOptions, maxAge: Math.floor(config.auth.sessionMaxAgeMs / 1000) });
      },
      clearSessionCookie(reply) {
        reply.clearCookie(cookieName, cookieOptions);
      },
      sessionOf(request) {
        return sessions.findValid(request.cookies[cookieName]);
      },
      async isStillSignedIn(request) {
        return (await sessions.findValid(request.cookies[cookieName], { touch: false })) !== null;
      },
      async authenticateUpgrade(request, options = {}) {
        const origin = request.headers.origin;
        if (!origin || !isOwnOrigin(origin, request.headers.host, config.server)) {
          return { ok: false, status: 403, message: 'Connections must come from Shellport\'s own web page (Origin refused).' };
        }
        const session = await sessions.findValid(app.parseCookie(request.headers.cookie ?? '')[cookieName], options);
        if (!session) return { ok: false, status: 401, message: 'Sign in to Shellport first: your session is missing or has expired.' };
        return { ok: true, session };
      },
    };
    app.decorate('auth', guard);
    app.decorateRequest('authSession', null);

    app.addHook('onRequest', async (request: FastifyRequest) => {
      // A public route that authenticates by a capability in its URL (previews: their pages are
      // sandboxed, so their own requests are cross-site by design) carries no cookie to forge with.
      const isCapabilityUrl = request.routeOptions.config?.public === true && request.routeOptions.config.capabilityUrl === true;
      if (!isCapabilityUrl && isCrossSiteRequest(request.method, request.headers, config.server)) {
        throw new AppError(403, 'cross_site_request', 'This request came from another site and was refused.');
      }
      // Routes whose answers let an agent act want a browser's own Origin, not merely no foreign one.
      if (request.routeOptions.config?.requireOrigin && request.method !== 'GET' && request.method !== 'HEAD') {
        const origin = request.headers.origin;
        if (!origin || !isOwnOrigin(origin, request.headers.host, config.server)) {
          throw new AppError(403, 'cross_site_request', 'This request must come from Shellport\'s own web page (its Origin header is missing or foreign).');
        }
      }
      if (request.routeOptions.config?.public) return;
      request.authSession = await guard.sessionOf(request);
      if (!request.authSession) throw unauthenticated();
    });
  },
  { name: 'auth-guard', dependencies: ['database'] },
);
