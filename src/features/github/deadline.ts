import type { Octokit } from 'octokit';
import { AppError } from '../../http/errors.js';

/*
 * Deadlines for calls to GitHub (issue 18): a GitHub that accepts the connection and never answers
 * must cost a request GITHUB_TIMEOUT_MS at most, and a shutdown must not wait for it at all.
 */

export interface OutboundLimits {
  /** How long one call may take, retries and a token renewal included (GITHUB_TIMEOUT_MS). */
  timeoutMs: number;
  /** Aborted when the server shuts down: every call still waiting ends at once. */
  shutdown: AbortSignal;
}

/** Whole seconds as people read them: 15 000 ms is "15 s", 1 500 ms "1.5 s". */
export const inSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

export const githubTimeout = (timeoutMs: number, action?: string) =>
  new AppError(
    504,
    'github_timeout',
    `${action ? `${action} failed: ` : ''}GitHub did not answer within ${inSeconds(timeoutMs)}; try again in a minute. If it keeps happening, check GitHub's status page and this server's network.`,
  );

export const shuttingDown = () => new AppError(503, 'server_shutting_down', 'Shellport is shutting down; try again once it is back.');

/**
 * Runs `operation` with a signal that aborts after `timeoutMs` or at shutdown, and rejects at that
 * moment with 504 `github_timeout` or 503 `server_shutting_down`, whatever the operation does with
 * its signal. The signal aborts with a plain AbortError, which octokit's retry plugin does not retry.
 */
export async function withDeadline<T>({ timeoutMs, shutdown }: OutboundLimits, operation: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (shutdown.aborted) throw shuttingDown();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onShutdown: (() => void) | undefined;
  const stopped = new Promise<never>((_resolve, reject) => {
    const stop = (error: AppError) => {
      controller.abort();
      reject(error);
    };
    timer = setTimeout(() => stop(githubTimeout(timeoutMs)), timeoutMs);
    onShutdown = () => stop(shuttingDown());
    shutdown.addEventListener('abort', onShutdown, { once: true });
  });
  try {
    return await Promise.race([operation(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener('abort', onShutdown!);
  }
}

/** Both signals in one (a caller's own signal and a deadline's). */
export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal): AbortSignal {
  return a ? AbortSignal.any([a, b]) : b;
}

/**
 * An octokit plugin giving every request a deadline around everything under it (the 401 renewal,
 * the retry plugin's retries and their waits): registered last, it wraps all the others.
 */
export function deadlinePlugin(limits: OutboundLimits) {
  return (octokit: Pick<Octokit, 'hook'>) => {
    octokit.hook.wrap('request', (request, options) =>
      withDeadline(limits, async (signal) => {
        // The hooks below were bound to this very options object (before-after-hook): set the
        // signal on it, as a fresh `request` object so that no shared default is changed.
        options.request = { ...options.request, signal: eitherSignal(options.request?.signal, signal) };
        return request(options);
      }),
    );
  };
}

/**
 * Octokit with the deadline plugin, loaded at its first use rather than at start-up: it is the largest
 * module tree the server loads, and a restarting server should accept its terminals' clients first
 * (issue 19). Loaded once per caller.
 */
export function lazyTimedOctokit(limits: OutboundLimits): () => Promise<typeof Octokit> {
  let loading: Promise<typeof Octokit> | null = null;
  return () => (loading ??= import('octokit').then(({ Octokit: Loaded }) => Loaded.plugin(deadlinePlugin(limits))));
}
