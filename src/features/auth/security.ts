import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import { AppError } from '../../http/errors.js';
import { PREVIEW_PATH_PREFIX } from '../../shared/preview.js';
import { previewHostsSource } from '../preview/hosts.js';
import { isServedHost } from './origin.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Throws the 421 `unknown_host` AppError unless a Host header names this server (origin.ts isServedHost). */
    ensureServedHost(host: string | undefined): void;
  }
}

/**
 * The Content-Security-Policy: everything from Shellport itself and nothing from anywhere else.
 * - scripts: only our bundled files ('self'), no inline script, no eval;
 * - styles: 'self' plus 'unsafe-inline', because xterm.js injects <style> elements for its themes
 *   and cell dimensions and has no nonce option; inline styles cannot run code;
 * - connect: 'self' (fetch, Socket.IO polling and WebSocket to our own host; ws(s):// spelled out
 *   for browsers that do not map 'self' to WebSockets);
 * - images and fonts: 'self' and data: URLs; frames: previews only (/preview/… and the preview hosts); forms may post to us and to GitHub's sign-in.
 */
export function contentSecurityPolicy(config: Config): Record<string, string[]> {
  const publicUrl = new URL(config.server.publicUrl);
  const webSocketOrigin = `${publicUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${publicUrl.host}`;
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", webSocketOrigin],
    'worker-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    // The preview pane beside the terminals (docs/preview.md): previews only, at Shellport's address
    // or on the preview hosts (PREVIEW_DOMAIN).
    'frame-src': [`${publicUrl.origin}${PREVIEW_PATH_PREFIX}`, ...(config.preview.domain === null ? [] : [previewHostsSource(config.preview.domain, config.server.publicUrl)])],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'", new URL(config.github.webUrl).origin],
  };
  if (config.server.isHttps) directives['upgrade-insecure-requests'] = [];
  return directives;
}

/** Security headers on every response, and rate limiting for routes that opt in (the sign-in endpoints). */
export const securityPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(config) },
      // HSTS only means something over https; on plain http it would only confuse a later https setup.
      strictTransportSecurity: config.server.isHttps ? { maxAge: 15_552_000, includeSubDomains: false } : false,
      referrerPolicy: { policy: 'no-referrer' },
      // For browsers without CSP frame-ancestors; says the same as its 'none'.
      xFrameOptions: { action: 'deny' },
    });
    const ensureServedHost = (host: string | undefined) => {
      if (!isServedHost(host, config.server)) {
        throw new AppError(
          421,
          'unknown_host',
          `This server answers at ${new URL(config.server.publicUrl).host}, an IP address or localhost, not at the name this request used. ` +
            'If that name is how you reach Shellport, set PUBLIC_URL to it (docs/configuration.md).',
        );
      }
    };
    // Also for the Socket.IO handshakes, which Engine.IO answers without Fastify's hooks.
    app.decorate('ensureServedHost', ensureServedHost);
    // Preview hosts' routes (subdomain mode) check their own Host: exactly `<port>.<PREVIEW_DOMAIN>`.
    app.addHook('onRequest', async (request) => {
      if (!request.routeOptions.config?.previewHost) ensureServedHost(request.headers.host);
    });
    await app.register(rateLimit, {
      global: false,
      // request.ip honours TRUST_PROXY, so behind a proxy each client has its own budget.
      keyGenerator: (request) => request.ip,
      errorResponseBuilder: (_request, context) =>
        new AppError(429, 'rate_limited', `Too many sign-in attempts from your address. Try again in ${Math.ceil(context.ttl / 1000)} seconds.`),
    });
  },
  { name: 'security' },
);

/** Route option for the sign-in endpoints. */
export function signInRateLimit(config: Config) {
  return { rateLimit: { max: config.auth.signInRateLimit.max, timeWindow: config.auth.signInRateLimit.windowMs } };
}
