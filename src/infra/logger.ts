import type { FastifyLoggerOptions } from 'fastify';
import { type LoggerOptions, stdSerializers } from 'pino';
import type { LoggingConfig } from '../config/logging.js';

const SENSITIVE_KEY = /token|secret|password|passphrase|authorization|cookie|api[-_]?key|credential|^code$|code_verifier/i;
const SENSITIVE_QUERY_PARAM = /token|secret|code|state|password|key/i;
export const REDACTED = '[redacted]';

/**
 * pino options shared by every log line: request ids, and redaction of anything that looks like a
 * credential, whatever object it sits in. Key-name matching (rather than pino's fixed redact paths)
 * also catches tokens inside error details and job results written by later features.
 */
export function createLoggerOptions(config: LoggingConfig): FastifyLoggerOptions & LoggerOptions {
  return {
    level: config.level,
    formatters: {
      log: (object) => redactSensitive(object) as Record<string, unknown>,
    },
    serializers: {
      req: (request: { method: string; url: string; ip?: string; headers?: Record<string, unknown> }) => ({
        method: request.method,
        url: redactUrl(request.url),
        remoteAddress: request.ip,
        userAgent: request.headers?.['user-agent'],
      }),
    },
  };
}

/** What HTTP client errors (octokit's RequestError and the like) carry of the exchange: a request body may hold client secrets, codes and refresh tokens. */
const ERROR_TRANSPORT_KEYS = new Set(['request', 'response', 'config', 'headers']);

export function redactSensitive(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSensitive(item, depth + 1));
  if (value instanceof Error) return redactSensitive(withoutTransport(stdSerializers.err(value), depth), depth);
  // Requests, errors and streams keep their own serializers; only plain data is walked.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    result[key] = SENSITIVE_KEY.test(key) && child !== undefined && child !== null ? REDACTED : redactSensitive(child, depth + 1);
  }
  return result;
}

/** Removes credentials from a URL's query string (OAuth codes, states, tokens) before it is logged. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const key of [...params.keys()]) {
    if (SENSITIVE_QUERY_PARAM.test(key)) params.set(key, REDACTED);
  }
  return `${url.slice(0, queryStart)}?${params.toString()}`;
}

/** A serialized error (and its causes) without the request and response it may have kept. */
function withoutTransport(serialized: unknown, depth: number): unknown {
  if (depth > 8 || serialized === null || typeof serialized !== 'object' || Array.isArray(serialized)) return serialized;
  return Object.fromEntries(
    Object.entries(serialized)
      .filter(([key]) => !ERROR_TRANSPORT_KEYS.has(key))
      .map(([key, child]) => [key, key === 'cause' ? withoutTransport(child, depth + 1) : child]),
  );
}
