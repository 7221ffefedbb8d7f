// What the server process writes to its console. A person at a terminal gets readable log lines,
// no per-request lines, and a short banner last (where it listens, how to sign in, where data
// lives); anything else (journald, `docker logs`, a pipe) gets JSON lines, and never the start-up token.
import { Writable } from 'node:stream';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { LoggingConfig } from './config/logging.js';
import { redactUrl } from './infra/logger.js';

export type ConsoleFormat = 'readable' | 'json';

/** Readable lines and the banner only for a person at a terminal, unless LOG_FORMAT=json asks for JSON. */
export function resolveConsoleFormat(format: LoggingConfig['format'], isTTY: boolean): ConsoleFormat {
  return format === 'auto' && isTTY ? 'readable' : 'json';
}

/** Whether request lines are out of sight: on a terminal they are debug lines (QuietRequestLogController). */
export function isRequestLoggingQuiet(format: ConsoleFormat, level: LoggingConfig['level']): boolean {
  return format === 'readable' && level !== 'debug' && level !== 'trace';
}

/**
 * Fastify's two lines per request (and its "route not found") at debug instead of info: on a terminal
 * they would push the banner out of sight within minutes. Failed requests keep their error line.
 */
export class QuietRequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) return super.requestCompleted(error, request, reply);
    reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }

  override routeNotFound(request: FastifyRequest): void {
    request.log.debug(`Route ${request.raw.method}:${redactUrl(request.raw.url ?? '')} not found`);
  }
}

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, or that the line shows in its own place. */
const OMITTED_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'err']);

const pad2 = (value: number) => String(value).padStart(2, '0');

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as `12:04:05 WARN  message key=value …`, with an error's stack indented below. Anything else passes unchanged. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return line;
  const time = typeof entry.time === 'number' ? new Date(entry.time) : new Date();
  const clock = `${pad2(time.getHours())}:${pad2(time.getMinutes())}:${pad2(time.getSeconds())}`;
  const level = (LEVEL_NAMES[entry.level as number] ?? String(entry.level ?? '')).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([key, value]) => !OMITTED_FIELDS.has(key) && value !== undefined)
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const parts = [clock, level, typeof entry.msg === 'string' ? entry.msg : ''];
  const error = entry.err as { type?: string; message?: string; stack?: string } | undefined;
  if (error && typeof error === 'object') parts.push(`(${error.type ?? 'Error'}: ${error.message ?? ''})`);
  let text = [...parts.filter(Boolean), ...fields].join(' ');
  if (error && typeof error.stack === 'string') {
    const stack = error.stack.split('\n').slice(1).map((frame) => `    ${frame.trim()}`);
    if (stack.length > 0) text += `\n${stack.join('\n')}`;
  }
  return text;
}

/** A stream for pino that writes each JSON line to `out` as formatLogLine() shows it. */
export function createReadableLogStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) out.write(`${formatLogLine(line)}\n`);
      done();
    },
  });
}

export interface StartupBannerInfo {
  /** Where browsers open Shellport. */
  url: string;
  /** The start-up sign-in URL (with its token), when token sign-in is on. */
  signInUrl: string | null;
  /** The "claim this server" URL (with the token), while nobody owns the server. */
  setupUrl: string | null;
  isGitHubConfigured: boolean;
  dataDir: string;
  /** The command that prints the current link again. */
  linkCommand: string;
  /** Whether per-request log lines are held back (isRequestLoggingQuiet). */
  isRequestLoggingQuiet: boolean;
}

/** The banner printed last at start-up on a terminal. It is the only place the token is written to the console. */
export function renderStartupBanner(info: StartupBannerInfo): string {
  const row = (label: string, value: string, note?: string) =>
    [`  ${label.padEnd(9)} ${value}`, ...(note ? [`  ${''.padEnd(9)} ${note}`] : [])];
  const lines = ['', `Shellport is running: open ${info.url}`, ''];
  if (info.signInUrl) lines.push(...row('Sign in', info.signInUrl, 'it signs one browser in, without GitHub, once; then a new link replaces it'));
  if (info.setupUrl) {
    lines.push(...row('Claim', info.setupUrl, 'no owner yet: the GitHub account that signs in from this link becomes the owner'));
  }
  if (!info.signInUrl && !info.setupUrl) {
    lines.push(
      ...(info.isGitHubConfigured
        ? row('Sign in', `with GitHub at ${info.url}/sign-in`)
        : row('Sign in', 'no way to sign in is on: set GITHUB_CLIENT_ID or TOKEN_SIGN_IN=true (docs/configuration.md)')),
    );
  }
  if (info.signInUrl || info.setupUrl) lines.push(...row('Again', `${info.linkCommand} prints the link again (a new one after each use)`));
  lines.push(...row('Data', info.dataDir));
  lines.push(
    ...row(
      'Logs',
      info.isRequestLoggingQuiet ? 'no line per request here; LOG_LEVEL=debug shows them' : 'a line per request (LOG_LEVEL=debug)',
      'Ctrl+C stops Shellport and the shells it runs',
    ),
  );
  lines.push('');
  return `${lines.join('\n')}\n`;
}
