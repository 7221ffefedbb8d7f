import { randomBytes } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { OAuthError, type OAuthClient, type TokenSet } from '../github/oauth.js';

/*
 * GitHub's device flow, polled by the server: the browser starts a flow, shows the user code,
 * and polls Shellport (never GitHub). The server polls GitHub's token endpoint itself, respecting
 * `interval` and raising it on `slow_down`, until approval, denial, expiry or the flow's lifetime ends.
 * https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow
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
  /** Flows kept at once; more are refused. */
  maxFlows?: number;
}

const MAX_NETWORK_FAILURES = 5;

export function createDeviceFlows({
  oauth,
  log,
  onApproved,
  sleep = (ms, signal) => sleepFor(ms, undefined, { signal }),
  minIntervalMs = 250,
  maxLifetimeMs = 15 * 60_000,
  maxFlows = 20,
}: DeviceFlowsDeps) {
  const flows = new Map<string, { flow: DeviceFlow; abort: AbortController; done: Promise<void>; forget: NodeJS.Timeout }>();

  function end(flow: DeviceFlow, status: DeviceFlowStatus, message: string | null) {
    flow.status = status;
    flow.message = message;
  }

  async function poll(flow: DeviceFlow, deviceCode: string, signal: AbortSignal): Promise<void> {
    let networkFailures = 0;
    while (!signal.aborted) {
      if (Date.now() >= flow.expiresAt) return end(flow, 'expired', 'The code expired before it was entered. Start again.');
      await sleep(flow.intervalMs, signal);
      if (signal.aborted) return;
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
      if (flows.size >= maxFlows) {
        for (const [id, entry] of flows) if (entry.flow.status !== 'pending') flows.delete(id);
        if (flows.size >= maxFlows) throw new Error('too many device flows');
      }
      const code = await oauth.createDeviceCode();
      const flow: DeviceFlow = {
        id: randomBytes(32).toString('base64url'),
        userCode: code.userCode,
        verificationUri: code.verificationUri,
        expiresAt: Date.now() + Math.min(code.expiresInSeconds * 1000, maxLifetimeMs),
        intervalMs: Math.max(code.intervalSeconds * 1000, minIntervalMs),
        status: 'pending',
        message: null,
        canClaim: options.canClaim,
        polls: 0,
        client: options.client,
      };
      const abort = new AbortController();
      const done = poll(flow, code.deviceCode, abort.signal).catch((error: unknown) => {
        if (abort.signal.aborted) return;
        log.error({ err: error }, 'device flow failed');
        end(flow, 'failed', 'The sign-in failed on the server. Start again.');
      });
      // Forget the flow a while after it ends so that a finished flow does not linger.
      const forget = setTimeout(() => flows.delete(flow.id), maxLifetimeMs + 60_000);
      forget.unref();
      flows.set(flow.id, { flow, abort, done, forget });
      return flow;
    },

    get(id: string | undefined): DeviceFlow | null {
      return (id && flows.get(id)?.flow) || null;
    },

    /** Removes a flow (after its approval has been turned into a session). */
    take(id: string): DeviceFlow | null {
      const entry = flows.get(id);
      if (!entry) return null;
      entry.abort.abort();
      clearTimeout(entry.forget);
      flows.delete(id);
      return entry.flow;
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
        clearTimeout(entry.forget);
      }
      await Promise.all(entries.map((entry) => entry.done));
      flows.clear();
    },
  };
}

export type DeviceFlows = ReturnType<typeof createDeviceFlows>;
