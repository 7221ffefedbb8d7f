import type { FastifyLoggerOptions } from 'fastify';
import { type LoggerOptions, stdSerializers } from 'pino';
import type { LoggingConfig } from '../config/logging.js';

const CREDENTIAL_NAMES = 'token|secret|password|passphrase|authorization|cookie|api[-_]?key|credential|code_verifier|device[-_]?code';
const SENSITIVE_KEY = new RegExp(CREDENTIAL_NAMES, 'i');
// `code` alone is usually an error code (validation_failed, ENOENT, P2002) and stays readable. It is an
// OAuth code only where a request carries one: in a query string or a request body, redacted by path
// (with the OAuth `state` beside it).
const OAUTH_REQUEST_KEY = /^(code|state)$/i;
const REQUEST_PARTS = /^(query|body|params|form|searchParams)$/i;
/** Keys whose string values are URLs, and so may carry credentials in their query string. */
const URL_KEY = /url$|^(location|redirect|referr?er)$/i;
const SENSITIVE_QUERY_PARAM = /token|secret|code|state|password|key/i;
export const REDACTED = '[redacted]';
/**
 * Paths whose next segment is a credential: a device sign-in link (issue 22 §3), and a share link's
 * page, lookup and WebSocket (issue 23 §2). In a path or in a whole URL.
 */
const TOKEN_PATH = /(\/auth\/device-link|\/share|\/api\/shares|\/ws\/share)\/[^/?#]+/;

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
      // The log formatter has already turned errors into plain data; pino's own error serializer
      // would take that for an error and name its type "Object". (Fastify types the result as an error.)
      err: ((value: unknown) => (value instanceof Error ? serializeError(value, 0) : value)) as never,
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

/**
 * Log data with credentials masked: values under credential-like keys anywhere; `code` inside a
 * request's query or body (an OAuth code); the query string of URL-valued fields.
 */
export function redactSensitive(value: unknown, depth = 0, isRequestPart = false): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactSensitive(item, depth + 1, isRequestPart));
  if (value instanceof Error) return serializeError(value, depth);
  // Requests, errors and streams keep their own serializers; only plain data is walked.
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const isSensitive = SENSITIVE_KEY.test(key) || (isRequestPart && OAUTH_REQUEST_KEY.test(key));
    if (isSensitive && child !== undefined && child !== null) result[key] = REDACTED;
    else if (typeof child === 'string' && URL_KEY.test(key)) result[key] = redactUrl(child);
    else result[key] = redactSensitive(child, depth + 1, isRequestPart || REQUEST_PARTS.test(key));
  }
  return result;
}

/** Removes credentials from a URL before it is logged: a token in its path (TOKEN_PATH), OAuth codes, states and tokens in its query. */
export function redactUrl(rawUrl: string): string {
  const url = rawUrl.replace(TOKEN_PATH, `$1/${REDACTED}`);
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const params = new URLSearchParams(url.slice(queryStart + 1));
  for (const key of [...params.keys()]) {
    if (SENSITIVE_QUERY_PARAM.test(key)) params.set(key, REDACTED);
  }
  return `${url.slice(0, queryStart)}?${params.toString()}`;
}

/** pino's serialized errors (causes, nested errors, aggregateErrors) are built on this prototype. */
const SERIALIZED_ERROR_PROTOTYPE: unknown = Object.getPrototypeOf(stdSerializers.errWithCause(new Error('probe')));

/** An error as log data: type, message, stack and own fields, at every level without the request and response it may have kept. */
function serializeError(error: Error, depth: number): unknown {
  return sanitizeErrorData(stdSerializers.errWithCause(error), depth);
}

function sanitizeErrorData(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => sanitizeErrorData(item, depth + 1));
  if (value instanceof Error) return serializeError(value, depth + 1);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null && prototype !== SERIALIZED_ERROR_PROTOTYPE) {
    return value instanceof Date ? value : `[${value.constructor?.name ?? 'object'}]`;
  }
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (ERROR_TRANSPORT_KEYS.has(key)) continue;
    result[key] = SENSITIVE_KEY.test(key) && child !== undefined && child !== null ? REDACTED : sanitizeErrorData(child, depth + 1);
  }
  return result;
}
