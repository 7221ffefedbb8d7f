// /preview/<port>/…: dev servers on this machine, for the signed-in owner (docs/preview.md, and
// docs/security.md "Previews" for why it is built this way).
//
// - `GET /preview/<port>/<path>` with the owner's session cookie redirects to a preview link,
//   `/preview/<port>/~<capability>/<path>`;
// - a preview link forwards any method, and WebSocket upgrades, to 127.0.0.1:<port> (or [::1]) at
//   `/<path>`, with the capability instead of the cookie, and every response is sandboxed.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import replyFrom from '@fastify/reply-from';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { AppError } from '../../http/errors.js';
import { PREVIEW_SANDBOX } from '../../shared/preview.js';
import { isCrossSiteStart } from '../auth/origin.js';
import type { CapabilityCheck, PreviewCapabilities } from './capability.js';
import type { GuessLimiter } from './guess-limiter.js';
import { PREVIEW_CSP, previewHostResponseHeaders, previewResponseHeaders, upstreamRequestHeaders, type PreviewTarget } from './headers.js';
import { HOST_ROUTE_PREFIX, previewHostOrigin, previewHostPort, TICKET_PATH } from './hosts.js';
import type { LiveSessions } from './live-sessions.js';
import { parsePort, previewRefusal, REFUSAL_MESSAGES, REFUSAL_STATUS } from './port-policy.js';
import { relayWebSocket, type Relay } from './ws-relay.js';

export interface PreviewProxyOptions {
  config: Config;
  capabilities: PreviewCapabilities;
  liveSessions: LiveSessions;
  guesses: GuessLimiter;
  /** The ports that are Shellport itself: where it listens (known once it does) and where browsers reach it. */
  ownPorts: () => ReadonlySet<number>;
  /** Subdomain mode: the one-time tickets that carry a sign-in from Shellport's host to a preview host. */
  tickets: PreviewTickets;
}

/** One-time capabilities, each accepted once, before it expires (a minute). */
export interface PreviewTickets {
  issue(port: number, sessionId: string): string;
  /** Verifies a ticket and uses it up. */
  redeem(ticket: string, port: number): CapabilityCheck;
}

/**
 * Tickets from a capability issuer of their own (its own key: a ticket is never a cookie's value, nor
 * the reverse). A capability names its port, session and expiry to the second, so two asked for in
 * the same second would be the same string — and the second one "used up" by the first (a pane's
 * framing check and a tab opened right after, for one): each ticket carries a random nonce, bound to
 * the capability by a MAC of its own, and is used up as a whole.
 */
export function createPreviewTickets(capabilities: PreviewCapabilities, clock: { now(): Date }): PreviewTickets {
  const used = new Map<string, number>();
  const nonceKey = randomBytes(32);
  const bind = (capability: string, nonce: string) => createHmac('sha256', nonceKey).update(capability).update('.').update(nonce).digest().subarray(0, 16).toString('base64url');
  return {
    issue(port, sessionId) {
      const capability = capabilities.issue(port, sessionId);
      const nonce = randomBytes(12).toString('base64url');
      return `${capability}.${nonce}.${bind(capability, nonce)}`;
    },
    redeem(ticket, port) {
      const now = clock.now().getTime();
      for (const [seen, expiresAt] of used) if (expiresAt <= now) used.delete(seen);
      const [capability = '', nonce = '', mac = '', ...rest] = ticket.split('.');
      const expected = Buffer.from(bind(capability, nonce));
      const given = Buffer.from(mac);
      if (rest.length > 0 || nonce.length !== 16 || given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
      if (used.has(ticket)) return { ok: false, reason: 'forged' };
      const check = capabilities.verify(capability, port);
      if (check.ok) used.set(ticket, check.expiresAt);
      return check;
    },
  };
}

/** The cookie that carries a preview host's capability: host-only, never sent to the dev server (its name is Shellport's). */
export function previewCookieName(isHttps: boolean): string {
  return isHttps ? '__Host-shellport_preview' : 'shellport_preview';
}

/** The largest WebSocket message relayed either way. */
const MAX_WS_PAYLOAD = 64 * 1024 * 1024;
const WS_PING_INTERVAL_MS = 30_000;
/** How long the address a port answered on (127.0.0.1 or ::1) is remembered. */
const UPSTREAM_HOST_TTL_MS = 10_000;

/**
 * Preview links: public (no cookie comes with a sandboxed page's requests: the capability is the
 * credential), exempt from the cross-site check for that reason (guard.ts), bodies that stream for
 * as long as they keep moving, no Shellport page headers (the preview gets its own, headers.ts),
 * and request lines logged at warn only: their URLs hold the capability, which is never logged.
 */
const LINK_ROUTE = {
  config: { public: true, capabilityUrl: true, streamingBody: true },
  helmet: false,
  logLevel: 'warn',
} as const;

const LINK_METHODS = ['DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/** Where a request is forwarded: through a preview link (`link`) or on a preview host (`host`, subdomain mode). */
interface ProxyTarget extends PreviewTarget {
  tag: string;
  mode: 'link' | 'host';
}

const upstreamOriginOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

interface LinkParams {
  port: string;
  cap: string;
}

const refused = (code: string, status: number, message: string) => new AppError(status, code, message);

/** The raw (still percent-encoded) path after the first `segments` segments, with a leading `/`, and the query. */
function rawRest(url: string, segments: number): { path: string; query: string } {
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  return { path: `/${path.split('/').slice(segments + 1).join('/')}`, query: queryAt < 0 ? '' : url.slice(queryAt) };
}

/** The port of `/preview/<port>/…`, or the refusal as an error. */
function ensurePreviewablePort(text: string, options: PreviewProxyOptions): number {
  const port = parsePort(text);
  if (port === null) throw refused('invalid_port', REFUSAL_STATUS.invalid_port, REFUSAL_MESSAGES.invalid_port(text.slice(0, 20)));
  const refusal = previewRefusal(port, options.config.preview, options.ownPorts());
  if (refusal) throw refused(refusal, REFUSAL_STATUS[refusal], REFUSAL_MESSAGES[refusal](String(port)));
  return port;
}

/** Ends the socket of an upgrade answered over HTTP (refused): no HTTP parser owns it any more. */
function destroyRefusedUpgrades(app: FastifyInstance) {
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade) request.raw.socket.destroy();
  });
}

/** Opening a preview: the signed-in owner's browser is sent to a preview link for the port. */
export async function previewOpenRoutes(app: FastifyInstance, options: PreviewProxyOptions) {
  destroyRefusedUpgrades(app);
  const open = async (request: FastifyRequest<{ Params: { port: string } }>, reply: FastifyReply) => {
    const port = ensurePreviewablePort(request.params.port, options);
    // A link on another site must not make the owner's browser open (and so GET) a local service.
    if (isCrossSiteStart(request.headers)) {
      throw refused('cross_site_request', 403, 'Previews open from Shellport itself or an address typed in the browser, not from a link on another site.');
    }
    options.liveSessions.noteLive(request.authSession!.id);
    const { path, query } = rawRest(request.url, 2);
    const domain = options.config.preview.domain;
    if (domain !== null) {
      // Subdomain mode: a one-time ticket, which the preview host trades for a cookie of its own.
      const ticket = options.tickets.issue(port, request.authSession!.id);
      const to = encodeURIComponent(`${path}${query}`);
      return reply.header('cache-control', 'no-store').redirect(`${previewHostOrigin(port, domain, options.config.server.publicUrl)}${TICKET_PATH}?ticket=${ticket}&to=${to}`, 302);
    }
    const capability = options.capabilities.issue(port, request.authSession!.id);
    return reply.header('cache-control', 'no-store').redirect(`/preview/${port}/~${capability}${path}${query}`, 302);
  };
  app.get('/preview/:port', open);
  app.get('/preview/:port/*', open);
}

/** Preview links: the proxy itself, for HTTP and WebSocket. */
export async function previewLinkRoutes(app: FastifyInstance, options: PreviewProxyOptions) {
  const { config, capabilities, liveSessions, guesses, tickets } = options;
  const preview = config.preview;
  const targets = new WeakMap<FastifyRequest, ProxyTarget>();
  const shellportOrigin = new URL(config.server.publicUrl).origin;
  const cookieName = previewCookieName(config.server.isHttps);
  const upstreamHosts = new Map<number, { host: string; at: number }>();

  // Bodies go to the dev server as they arrive, whatever their type and size.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  await app.register(replyFrom, {
    undici: {
      connections: 64,
      pipelining: 1,
      connect: { timeout: preview.connectTimeoutMs },
      headersTimeout: preview.upstreamTimeoutMs,
      bodyTimeout: preview.upstreamTimeoutMs,
    },
    destroyAgent: true,
    disableRequestLogging: true,
  });

  // WebSocket upgrades under /preview/ reach this plugin's routes (Socket.IO and the terminals'
  // socket listen to the server's `upgrade` events for their own paths).
  const upgrades = new EventEmitter();
  const relayUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((request.url ?? '').startsWith('/preview/') || previewHostPort(request.headers.host, preview.domain) !== null) upgrades.emit('upgrade', request, socket, head);
  };
  app.server.on('upgrade', relayUpgrade);
  await app.register(websocket, {
    options: { server: upgrades as never, maxPayload: MAX_WS_PAYLOAD, perMessageDeflate: false },
    errorHandler: (error, socket, request) => {
      request.log.warn({ err: error }, 'preview websocket failed');
      socket.terminate();
    },
  });
  destroyRefusedUpgrades(app);

  const relays = new Map<Relay, string>();
  const stopWatching = liveSessions.onEnded((tags) => {
    for (const [relay, tag] of relays) if (tags.has(tag)) relay.close(1008, 'signed out of Shellport');
  });
  app.addHook('preClose', async () => {
    for (const relay of relays.keys()) relay.close(1001, 'Shellport is shutting down');
  });
  app.addHook('onClose', async () => {
    stopWatching();
    app.server.off('upgrade', relayUpgrade);
  });

  // Every answer on a preview link, refusals included, is sandboxed and never framed elsewhere.
  // On a preview host, Shellport's pane (another origin) may frame its refusals too, so that it can show them.
  const hostRefusalCsp = `sandbox ${PREVIEW_SANDBOX}; frame-ancestors 'self' ${shellportOrigin}`;
  app.addHook('onSend', async (request, reply) => {
    if (!reply.hasHeader('content-security-policy')) {
      reply.header('content-security-policy', previewHostPort(request.headers.host, preview.domain) === null ? PREVIEW_CSP : hostRefusalCsp);
    }
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('x-content-type-options')) reply.header('x-content-type-options', 'nosniff');
  });

  /** Which loopback address the port answers on: 127.0.0.1, else ::1 (a dev server that bound `localhost` on a v6-first system). */
  const resolveUpstreamHost = async (port: number): Promise<string | null> => {
    const known = upstreamHosts.get(port);
    if (known && performance.now() - known.at < UPSTREAM_HOST_TTL_MS) return known.host;
    for (const host of ['127.0.0.1', '::1']) {
      const answered = await new Promise<boolean>((resolve) => {
        const socket = connect({ host, port, timeout: preview.connectTimeoutMs });
        const done = (ok: boolean) => {
          socket.destroy();
          resolve(ok);
        };
        socket.once('connect', () => done(true));
        socket.once('timeout', () => done(false));
        socket.once('error', () => done(false));
      });
      if (answered) {
        upstreamHosts.set(port, { host, at: performance.now() });
        return host;
      }
    }
    upstreamHosts.delete(port);
    return null;
  };

  /** Checks the link before anything is read or forwarded; remembers where it leads. */
  const authorizeLink = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as LinkParams;
    const port = ensurePreviewablePort(params.port, options);
    const blocked = guesses.blocked(request.ip);
    if (blocked) {
      throw new AppError(429, 'rate_limited', `Too many invalid preview links from your address. Try again in ${blocked.retryAfterSeconds} seconds.`);
    }
    const check = capabilities.verify(params.cap, port);
    if (!check.ok) {
      if (check.reason === 'expired') {
        throw refused('preview_link_expired', 401, `This preview link has expired. Open the preview again from Shellport (/preview/${port}/).`);
      }
      guesses.record(request.ip);
      request.log.warn({ port, reason: check.reason }, 'preview link refused');
      if (check.reason === 'other_port') throw refused('preview_link_other_port', 403, `This preview link is for another port, not ${port}.`);
      throw refused('preview_link_invalid', 401, `This is not a valid preview link. Open the preview from Shellport (/preview/${port}/).`);
    }
    if (!(await liveSessions.isLive(check.sessionTag))) {
      throw refused('preview_link_signed_out', 401, `The sign-in this preview link was opened with has ended. Sign in and open the preview again (/preview/${port}/).`);
    }
    const host = await resolveUpstreamHost(port);
    if (host === null) {
      // Answered here, not thrown: a stopped dev server is no server error, and its page retries every second.
      const message = `Nothing answers on port ${port} of this machine (127.0.0.1 or ::1). Start the dev server in a terminal, then reload.`;
      return reply.code(502).send({ error: { code: 'preview_unreachable', message } });
    }
    targets.set(request, { port, upstreamOrigin: upstreamOriginOf(host, port), linkBase: `/preview/${port}/~${params.cap}/`, tag: check.sessionTag, mode: 'link' });
  };

  /**
   * Subdomain mode: a request to `<port>.<domain>`, routed here whatever its path (hosts.ts). Its
   * credential is the host's own preview cookie, set from a one-time ticket at TICKET_PATH.
   */
  const authorizeHost = async (request: FastifyRequest, reply: FastifyReply) => {
    const params = request.params as { port: string };
    // Only a preview host's requests are routed here; the same path asked of Shellport's host is nothing.
    if (previewHostPort(request.headers.host, preview.domain) !== Number(params.port)) throw new AppError(404, 'not_found', 'There is nothing here.');
    const port = ensurePreviewablePort(params.port, options);
    const blocked = guesses.blocked(request.ip);
    if (blocked) {
      throw new AppError(429, 'rate_limited', `Too many invalid preview credentials from your address. Try again in ${blocked.retryAfterSeconds} seconds.`);
    }
    const openAgain = `Open it from Shellport: ${new URL(`/preview/${port}/`, config.server.publicUrl).href}`;
    const { path } = rawRest(request.url, 2);
    if (path === TICKET_PATH) return redeemTicket(request, reply, port, openAgain);
    const cookie = request.cookies[cookieName];
    if (cookie === undefined) {
      // A frame on a page of another site (Shellport's pane, when PREVIEW_DOMAIN is not under Shellport's
      // registrable domain): browsers keep SameSite=Lax cookies out of it, so only a tab can work.
      const framedCrossSite = request.headers['sec-fetch-dest'] === 'iframe' && request.headers['sec-fetch-site'] === 'cross-site';
      const message = framedCrossSite
        ? `Browsers keep this preview's sign-in out of frames on another site: open it in a new tab (${new URL(`/preview/${port}/`, config.server.publicUrl).href}).`
        : `This preview needs Shellport's sign-in. ${openAgain}`;
      throw refused('preview_sign_in_required', 401, message);
    }
    const check = capabilities.verify(cookie, port);
    if (!check.ok) {
      if (check.reason !== 'expired') guesses.record(request.ip);
      throw refused(check.reason === 'expired' ? 'preview_link_expired' : 'preview_link_invalid', 401, `This preview's sign-in has expired or is not valid. ${openAgain}`);
    }
    if (!(await liveSessions.isLive(check.sessionTag))) throw refused('preview_link_signed_out', 401, `The sign-in this preview was opened with has ended. ${openAgain}`);
    const host = await resolveUpstreamHost(port);
    if (host === null) {
      const message = `Nothing answers on port ${port} of this machine (127.0.0.1 or ::1). Start the dev server in a terminal, then reload.`;
      return reply.code(502).send({ error: { code: 'preview_unreachable', message } });
    }
    targets.set(request, { port, upstreamOrigin: upstreamOriginOf(host, port), linkBase: '/', tag: check.sessionTag, mode: 'host' });
  };

  const ticketQuery = z.object({ ticket: z.string().min(1).max(200), to: z.string().max(8192).optional() });

  /** TICKET_PATH?ticket=…&to=/path: a ticket from Shellport's /preview/<port>/ becomes this host's preview cookie. */
  const redeemTicket = async (request: FastifyRequest, reply: FastifyReply, port: number, openAgain: string) => {
    if (request.method !== 'GET') throw new AppError(405, 'method_not_allowed', `${TICKET_PATH} takes GET only.`);
    const query = ticketQuery.safeParse(request.query);
    if (!query.success) throw new AppError(400, 'invalid_ticket', `${TICKET_PATH} needs a ticket from Shellport. ${openAgain}`);
    const check = tickets.redeem(query.data.ticket, port);
    if (!check.ok) {
      if (check.reason !== 'expired') guesses.record(request.ip);
      request.log.warn({ port, reason: check.reason }, 'preview ticket refused');
      throw refused('preview_ticket_invalid', 401, `This preview ticket is used up, expired or not valid. ${openAgain}`);
    }
    if (!(await liveSessions.isLive(check.sessionTag))) throw refused('preview_link_signed_out', 401, `The sign-in this preview was opened with has ended. ${openAgain}`);
    const to = query.data.to ?? '/';
    // Only a path on this host: never another site (`//evil.example`, `/\evil.example`).
    const target = to.startsWith('/') && !to.startsWith('//') && !to.startsWith('/\\') ? to : '/';
    return reply
      .header('cache-control', 'no-store')
      .setCookie(cookieName, capabilities.issueForTag(port, check.sessionTag), {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: config.server.isHttps,
        maxAge: Math.floor(preview.linkTtlMs / 1000),
      })
      .redirect(target, 303);
  };

  const proxyHttp = async (request: FastifyRequest, reply: FastifyReply) => {
    const target = targets.get(request)!;
    const isLink = target.mode === 'link';
    const { path, query } = rawRest(request.url, isLink ? 3 : 2);
    // `/preview/<port>/~<capability>` without its slash: relative URLs need the slash to resolve under the link.
    if (isLink && !request.url.split('?')[0]!.startsWith(target.linkBase)) return reply.redirect(`${target.linkBase}${query}`, 308);
    // The sandboxed page's CORS preflights (origin `null`) are answered here: its own requests, to its own dev server.
    if (isLink && request.method === 'OPTIONS' && request.headers.origin === 'null' && request.headers['access-control-request-method']) {
      return reply
        .code(204)
        .header('access-control-allow-origin', 'null')
        .header('access-control-allow-methods', String(request.headers['access-control-request-method']))
        .header('access-control-allow-headers', String(request.headers['access-control-request-headers'] ?? ''))
        .header('access-control-max-age', '600')
        .header('vary', 'Origin')
        .send();
    }
    return reply.from(path, {
      getUpstream: () => target.upstreamOrigin,
      rewriteRequestHeaders: (_request, headers) =>
        ({ ...upstreamRequestHeaders(headers, target, { forwardAuthorization: !isLink }), host: new URL(target.upstreamOrigin).host }) as never,
      rewriteHeaders: (headers) =>
        (isLink ? previewResponseHeaders(headers, target, request.headers.origin) : previewHostResponseHeaders(headers, target, shellportOrigin)) as never,
      onError: (failed, { error }) => {
        const cause = (error as { cause?: { code?: string } }).cause;
        if (cause?.code === 'ECONNREFUSED') upstreamHosts.delete(target.port);
        const timedOut = (error as { statusCode?: number }).statusCode === 504;
        const problem = timedOut
          ? { status: 504, code: 'preview_timeout', message: `The dev server on port ${target.port} did not answer in time (PREVIEW_UPSTREAM_TIMEOUT_MS).` }
          : { status: 502, code: 'preview_failed', message: `The dev server on port ${target.port} could not be reached or broke off its answer.` };
        void failed.code(problem.status).send({ error: { code: problem.code, message: problem.message } });
      },
    });
  };

  const proxyWebSocket = (client: WebSocket, request: FastifyRequest) => {
    const target = targets.get(request)!;
    const { path, query } = rawRest(request.url, target.mode === 'link' ? 3 : 2);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(upstreamRequestHeaders(request.headers, target, { forwardAuthorization: target.mode === 'host' }))) {
      if (value === undefined || name.startsWith('sec-websocket-')) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const relay = relayWebSocket({
      client,
      url: `${target.upstreamOrigin.replace(/^http/, 'ws')}${path}${query}`,
      protocol: client.protocol,
      headers,
      connectTimeoutMs: preview.connectTimeoutMs,
      pingIntervalMs: WS_PING_INTERVAL_MS,
      maxPayload: MAX_WS_PAYLOAD,
      log: request.log,
    });
    relays.set(relay, target.tag);
    void relay.closed.then(() => relays.delete(relay));
  };

  for (const url of ['/preview/:port/~:cap', '/preview/:port/~:cap/*']) {
    app.route({ method: 'GET', url, ...LINK_ROUTE, exposeHeadRoute: false, onRequest: authorizeLink, handler: proxyHttp, wsHandler: proxyWebSocket });
    app.route({ method: [...LINK_METHODS], url, ...LINK_ROUTE, onRequest: authorizeLink, handler: proxyHttp });
  }
  if (preview.domain !== null) {
    // Every request to a preview host lands here (hosts.ts previewHostRewrite); the host is checked by authorizeHost, not the security plugin.
    const hostRoute = { ...LINK_ROUTE, config: { ...LINK_ROUTE.config, previewHost: true } };
    const url = `${HOST_ROUTE_PREFIX}:port/*`;
    app.route({ method: 'GET', url, ...hostRoute, exposeHeadRoute: false, onRequest: authorizeHost, handler: proxyHttp, wsHandler: proxyWebSocket });
    app.route({ method: [...LINK_METHODS], url, ...hostRoute, onRequest: authorizeHost, handler: proxyHttp });
  }
}
