import { randomBytes } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { OAuthError, type OAuthClient, type TokenSet } from '../github/oauth.js';
import { addressGroup, exceededCap } from './client-address.js';

/*
 * GitHub's device flow, polled by the server: the browser starts a flow, shows the user code,
 * and polls Shellport (never GitHub). The server polls GitHub's token endpoint itself, respecting
 * `interval` and raising it on `slow_down`, until approval, denial, expiry or the flow's lifetime ends,
 * or until the browser stops asking about it (an abandoned flow polls GitHub no more).
 * https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow
 *
 * Anyone may start a flow, so flows in progress are capped per client address (IPv6: per /64) and
 * in all; when full, new flows are refused and none in progress is dropped.
 */

export type DeviceFlowStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'refused' | 'failed';

export interface DeviceFlow {
  id: string;
  userCode: string;
  verificationUri: string;
  expiresAt: number;
  intervalMs: number;
  status: DeviceFlowStatus;
  /** Why the flow ended, in words, for statuses other than pending/approved. */
  message: string | null;
  /** Whether the browser that started it may claim an unowned server. */
  canClaim: boolean;
  /** Number of token-endpoint polls so far (tests and diagnostics). */
  polls: number;
  /** Address and user agent of the browser that started it, for the AuthLog row written on approval. */
  client: { ip: string; userAgent: string | null };
  /** When the browser last asked about it (epoch ms); long silence means it was abandoned. */
  askedAt: number;
}

/** A new flow would exceed a cap; `retryAfterMs` is when the first flow counted against it ends at the latest. */
export class DeviceFlowLimitError extends Error {
  constructor(
    readonly scope: 'address' | 'server',
    readonly retryAfterMs: number,
  ) {
    super(`too many device flows in progress (${scope})`);
    this.name = 'DeviceFlowLimitError';
  }
}

/** Called with the tokens once the user approved; decides whether that GitHub user may sign in. */
export type OnDeviceApproved = (flow: DeviceFlow, tokens: TokenSet) => Promise<{ ok: true } | { ok: false; message: string }>;

export interface DeviceFlowsDeps {
  oauth: OAuthClient;
  log: FastifyBaseLogger;
  onApproved: OnDeviceApproved;
  /** Waits between polls; tests substitute one that records the delays. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** A floor under GitHub's interval (it is 5 s on github.com; a test fake may say 0). */
  minIntervalMs?: number;
  /** Hard cap on a flow's life whatever expires_in says. */
  maxLifetimeMs?: number;
  /** Flows in progress at once, in all; more are refused. */
  maxFlows?: number;
  /** Flows in progress at once per client address group (client-address.ts); more are refused. */
  maxFlowsPerAddress?: number;
  /** A pending flow the browser has not asked about for this long is abandoned: it stops polling and is dropped. */
  abandonAfterMs?: number;
  /** Epoch milliseconds; tests substitute a controllable one. */
  now?: () => number;
}

const MAX_NETWORK_FAILURES = 5;

export function createDeviceFlows({
  oauth,
  log,
  onApproved,
  sleep = (ms, signal) => sleepFor(ms, undefined, { signal }),
  minIntervalMs = 250,
  maxLifetimeMs = 15 * 60_000,
  maxFlows = 50,
  maxFlowsPerAddress = 3,
  // Browsers slow the timers of hidden tabs (to once a minute at worst): leave room for that.
  abandonAfterMs = 2 * 60_000,
  now = Date.now,
}: DeviceFlowsDeps) {
  const flows = new Map<string, { flow: DeviceFlow; group: string; abort: AbortController; done: Promise<void>; forgetTimer: NodeJS.Timeout }>();

  /** Drops a flow and stops its polling. */
  function forget(id: string) {
    const entry = flows.get(id);
    if (!entry) return;
    entry.abort.abort();
    clearTimeout(entry.forgetTimer);
    flows.delete(id);
  }

  const isLive = (flow: DeviceFlow) => flow.status === 'pending' || flow.status === 'approved';
  const isAbandoned = (flow: DeviceFlow) => now() - flow.askedAt >= abandonAfterMs;
  /** The latest time a flow in progress ends by itself: when abandoned, or (pending) at expiry. */
  const endsBy = (flow: DeviceFlow) => Math.min(flow.status === 'pending' ? flow.expiresAt : Infinity, flow.askedAt + abandonAfterMs);

  /** Refuses a new flow from `group` when a cap is reached; ended flows nobody picked up do not count. */
  function ensureRoomFor(group: string) {
    // Abandoned flows go now rather than at their next poll; approved ones nobody took have no poll.
    for (const [id, entry] of flows) if (isLive(entry.flow) && isAbandoned(entry.flow)) abandon(entry.flow, id);
    const live = [...flows.values()].filter((entry) => isLive(entry.flow));
    const full = exceededCap(live, group, { perAddress: maxFlowsPerAddress, total: maxFlows }, (entry) => endsBy(entry.flow) - now());
    if (full) throw new DeviceFlowLimitError(full.scope, full.retryAfterMs);
  }

  function abandon(flow: DeviceFlow, id: string) {
    end(flow, 'expired', 'This sign-in was abandoned: its page stopped asking about it. Start again.');
    forget(id);
  }

  function end(flow: DeviceFlow, status: DeviceFlowStatus, message: string | null) {
    flow.status = status;
    flow.message = message;
  }

  async function poll(flow: DeviceFlow, deviceCode: string, signal: AbortSignal): Promise<void> {
    let networkFailures = 0;
    while (!signal.aborted) {
      if (now() >= flow.expiresAt) return end(flow, 'expired', 'The code expired before it was entered. Start again.');
      await sleep(flow.intervalMs, signal);
      if (signal.aborted) return;
      if (isAbandoned(flow)) return abandon(flow, flow.id);
      flow.polls += 1;
      let tokens: TokenSet;
      try {
        tokens = await oauth.exchangeDeviceCode(deviceCode);
      } catch (error) {
        if (!(error instanceof OAuthError)) {
          networkFailures += 1;
          log.warn({ err: error }, 'device flow: GitHub could not be reached');
          if (networkFailures >= MAX_NETWORK_FAILURES) return end(flow, 'failed', 'GitHub could not be reached. Start again later.');
          continue;
        }
        switch (error.code) {
          case 'authorization_pending':
            continue;
          case 'slow_down':
            // GitHub adds 5 s to the minimum interval and says the new one; keep whichever is longer.
            flow.intervalMs = Math.max(flow.intervalMs + 5000, (error.interval ?? 0) * 1000);
            continue;
          case 'expired_token':
            return end(flow, 'expired', 'The code expired before it was entered. Start again.');
          case 'access_denied':
            return end(flow, 'denied', 'The sign-in was cancelled on GitHub.');
          default:
            log.warn({ code: error.code }, 'device flow refused by GitHub');
            return end(flow, 'failed', `GitHub refused the device sign-in (${error.code}). Start again.`);
        }
      }
      const result = await onApproved(flow, tokens);
      return result.ok ? end(flow, 'approved', null) : end(flow, 'refused', result.message);
    }
  }

  return {
    /** Asks GitHub for a device code and starts polling in the background. */
    async start(options: { canClaim: boolean; client: { ip: string; userAgent: string | null } }): Promise<DeviceFlow> {
      const group = addressGroup(options.client.ip);
      ensureRoomFor(group);
      const code = await oauth.createDeviceCode();
      // Checked again: other starts may have filled the caps while GitHub answered.
      ensureRoomFor(group);
      const flow: DeviceFlow = {
        id: randomBytes(32).toString('base64url'),
        userCode: code.userCode,
        verificationUri: code.verificationUri,
        expiresAt: now() + Math.min(code.expiresInSeconds * 1000, maxLifetimeMs),
        intervalMs: Math.max(code.intervalSeconds * 1000, minIntervalMs),
        status: 'pending',
        message: null,
        canClaim: options.canClaim,
        polls: 0,
        client: options.client,
        askedAt: now(),
      };
      const abort = new AbortController();
      const done = poll(flow, code.deviceCode, abort.signal).catch((error: unknown) => {
        if (abort.signal.aborted) return;
        log.error({ err: error }, 'device flow failed');
        end(flow, 'failed', 'The sign-in failed on the server. Start again.');
      });
      // Forget the flow a while after it ends so that a finished flow does not linger.
      const forgetLater = setTimeout(() => flows.delete(flow.id), maxLifetimeMs + 60_000);
      forgetLater.unref();
      flows.set(flow.id, { flow, group, abort, done, forgetTimer: forgetLater });
      return flow;
    },

    /** The browser asks about its flow: returns it, and keeps it from being abandoned. */
    ask(id: string | undefined): DeviceFlow | null {
      const flow = (id && flows.get(id)?.flow) || null;
      if (flow) flow.askedAt = now();
      return flow;
    },

    /** Removes a flow (after its approval has been turned into a session). */
    take(id: string): DeviceFlow | null {
      const flow = flows.get(id)?.flow ?? null;
      forget(id);
      return flow;
    },

    /** Resolves when the flow's polling has ended (tests). */
    async settled(id: string): Promise<void> {
      await flows.get(id)?.done;
    },

    /** Stops every poll (app close). */
    async close(): Promise<void> {
      const entries = [...flows.values()];
      for (const entry of entries) {
        entry.abort.abort();
        clearTimeout(entry.forgetTimer);
      }
      await Promise.all(entries.map((entry) => entry.done));
      flows.clear();
    },
  };
}

export type DeviceFlows = ReturnType<typeof createDeviceFlows>;
