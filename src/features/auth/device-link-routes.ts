import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import { ORIGIN_REQUIRED, PUBLIC_ROUTE } from '../../http/route-config.js';
import type { Clock } from '../../infra/clock.js';
import { deviceNameOf, type DeviceLinkResponse } from '../../shared/device-link.js';
import { recordAuthEvent } from './auth-log.js';
import { createDeviceLinks, DEVICE_LINK_TTL_MS, type DeviceLinkState } from './device-links.js';
import { loadOwnerIdentity } from './owner-identity.js';
import { escapeHtml, renderMessagePage, renderPage } from './pages.js';
import { signInRateLimit } from './security.js';
import { clientOf } from './sign-in.js';

export interface DeviceLinkRoutesOptions {
  config: Config;
  clock: Clock;
  /** Starts a sign-in session in the browser, exactly as the other sign-ins do (sign-in.ts startSession). */
  startSession(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** Any string up to a bound: a token of the wrong shape is simply unknown (device-links.ts), not a 400 that echoes it. */
const linkParams = z.object({ token: z.string().max(256) });

const ASK_AGAIN = 'On your signed-in computer, open Settings → Add a device for a new code, and scan that one.';

/** Refusal pages: what the link was, and what to do. */
const REFUSALS: Record<Exclude<DeviceLinkState, 'valid'>, { status: number; title: string; message: string }> = {
  used: { status: 410, title: 'This link was used already', message: `Each sign-in code works once, and this one has signed a device in already. ${ASK_AGAIN}` },
  expired: { status: 410, title: 'This link has expired', message: `Sign-in codes work for 60 seconds. ${ASK_AGAIN}` },
  unknown: { status: 404, title: 'This link is not valid', message: `It is not a sign-in code of this server, or the server restarted since it was shown. ${ASK_AGAIN}` },
};

/**
 * Signing a phone in from the desktop (issue 22 §3, docs/security.md "Adding a device"). The signed-in
 * owner asks for a single-use link, shown as a QR code; opening it shows a confirmation page (GET: a link
 * preview bot fetching it uses nothing), whose button (POST, same origin only) uses the link up and starts
 * a session. The link's URL holds the token: its routes log requests at warn only, like the preview links.
 */
export async function deviceLinkRoutes(fastify: FastifyInstance, { config, clock, startSession }: DeviceLinkRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const links = createDeviceLinks({ clock, ttlMs: DEVICE_LINK_TTL_MS });
  app.addHook('onClose', async () => links.clear());
  // The confirmation page's form posts no fields: its body is read (within a small bound) and dropped.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_request, _body, done) => done(null, {}));

  const linkRoute = { config: { ...PUBLIC_ROUTE, ...signInRateLimit(config) }, logLevel: 'warn', schema: { params: linkParams } } as const;

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  async function refuse(request: FastifyRequest, reply: FastifyReply, state: Exclude<DeviceLinkState, 'valid'>, step: 'open' | 'confirm') {
    await recordAuthEvent(app.db, clock, { action: 'denied', success: false, ...clientOf(request), details: { method: 'device_link', reason: `link_${state}`, step } });
    const refusal = REFUSALS[state];
    return html(reply, refusal.status, renderMessagePage({ title: refusal.title, message: refusal.message, action: { href: '/', label: 'Open Shellport' } }));
  }

  app.post('/api/auth/device-links', { config: ORIGIN_REQUIRED }, async (request, reply): Promise<DeviceLinkResponse> => {
    const { token, expiresAt } = links.issue();
    // Where the desktop reached Shellport, unless PUBLIC_URL says where it lives: without it, PUBLIC_URL is a
    // guess from HOST and PORT (often loopback, which a phone cannot reach). requireOrigin has checked the Origin.
    const base = config.server.isPublicUrlExplicit ? config.server.publicUrl : (request.headers.origin ?? config.server.publicUrl);
    const url = `${base}/auth/device-link/${token}`;
    const { default: QRCode } = await import('qrcode'); // loaded when first asked for, not at start-up
    const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    await recordAuthEvent(app.db, clock, {
      action: 'device_link',
      success: true,
      ...clientOf(request),
      details: { event: 'issued', bySession: request.authSession!.id, expiresAt: expiresAt.toISOString() },
    });
    reply.code(201).header('cache-control', 'no-store');
    return { url, expiresAt: expiresAt.toISOString(), ttlSeconds: DEVICE_LINK_TTL_MS / 1000, qrSvg };
  });

  // Step one: only asks. Whatever fetches this (a person, a chat app's link preview) uses nothing up.
  app.get('/auth/device-link/:token', linkRoute, async (request, reply) => {
    const state = links.peek(request.params.token);
    if (state !== 'valid') return refuse(request, reply, state, 'open');
    const owner = await loadOwnerIdentity(app.db);
    const who = owner?.login ? `@${owner.login}` : 'the owner';
    const device = deviceNameOf(request.headers['user-agent']);
    // The form posts back here. Under the app's usual no-referrer policy a browser sends `Origin: null`
    // with a form post, which the origin check refuses; same-origin keeps the real Origin (and sends
    // this URL as Referer to this server only).
    reply.header('referrer-policy', 'same-origin');
    return html(
      reply,
      200,
      renderPage({
        title: `Sign in this device as ${who}?`,
        body:
          `<p>This ${escapeHtml(device)} gets a sign-in session of its own, as ${escapeHtml(who)}. You can end it any time in Settings on any signed-in device.</p>` +
          `<p>Continue only if you scanned this code yourself, from your own signed-in computer.</p>` +
          `<form method="post" action="/auth/device-link/${encodeURIComponent(request.params.token)}"><button class="button" type="submit">Sign in this device</button></form>`,
      }),
    );
  });

  // Step two: uses the link up (once, whoever comes first) and signs this browser in. requireOrigin: only
  // the confirmation page itself can post here, not a page elsewhere that learned the link.
  app.post('/auth/device-link/:token', { ...linkRoute, config: { ...linkRoute.config, ...ORIGIN_REQUIRED } }, async (request, reply) => {
    const state = links.consume(request.params.token);
    if (state !== 'valid') return refuse(request, reply, state, 'confirm');
    await startSession(request, reply);
    await recordAuthEvent(app.db, clock, { action: 'login', success: true, ...clientOf(request), details: { method: 'device_link', device: deviceNameOf(request.headers['user-agent']) } });
    // 303: the browser follows with a GET to the app's home.
    return reply.header('cache-control', 'no-store').redirect('/', 303);
  });
}
