import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/index.js';

/** Whether a request may read what operators read (/metrics, /readyz details) without signing in. */
export type OperatorAccess = { ok: true } | { ok: false; status: 401 | 403; code: string; message: string };

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests so that neither the token's content nor its length leaks through timing. */
export function isTokenEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Monitoring cannot sign in with GitHub. With METRICS_TOKEN set it sends
 * `Authorization: Bearer <token>`; without one, access is open only while the server is
 * local-only (loopback HOST and PUBLIC_URL, no proxy trusted). The configuration decides, not the
 * peer's address: behind a local reverse proxy every peer is 127.0.0.1.
 */
export function checkOperatorAccess(request: FastifyRequest, config: Config): OperatorAccess {
  const token = config.metrics.token;
  if (token) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (match && isTokenEqual(match[1]!, token)) return { ok: true };
    return { ok: false, status: 401, code: 'metrics_token_required', message: 'Send the metrics token as `Authorization: Bearer <METRICS_TOKEN>`.' };
  }
  if (config.server.isLoopbackOnly) return { ok: true };
  return {
    ok: false,
    status: 403,
    code: 'metrics_not_exposed',
    message: 'Set METRICS_TOKEN to expose /metrics: without a token it is served only while Shellport is local-only (HOST and PUBLIC_URL on loopback, TRUST_PROXY=false).',
  };
}
