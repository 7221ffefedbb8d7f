import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { OAuthError, type DeviceCode, type OAuthClient, type TokenSet } from '../github/oauth.js';
import { addressGroup, exceededCap } from './client-address.js';

/*
 * GitHub's device flow, polled by the server: the browser starts a flow, shows the user code,
 * and polls Shellport (never GitHub). The server polls GitHub's token endpoint itself, respecting
 * `interval` and raising it on `slow_down`, until approval, denial, expiry or the flow's lifetime ends,
 * or until the browser stops asking about it (an abandoned flow polls GitHub no more).
 * https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#device-flow
 *
 * A flow that nothing vouches for (no setup or sign-in token, no session in the starting browser)
 * first waits for a signed-in browser to approve it (`awaiting_approval`): without that, a stranger
 * could start one and talk the owner into entering its code at GitHub, and get a session (issue 18).
 * Only an approved flow asks GitHub for a code at all.
 *
 * Anyone may start a flow, so flows in progress are capped per client address (IPv6: per /64) and
 * in all; when full, new flows are refused and none in progress is dropped.
 */

/** Whether "Use a device code" is offered (GITHUB_DEVICE_FLOW; `auto`: only when the web flow is not configured). */
export function isDeviceFlowEnabled(config: Config): boolean {
  if (config.github.clientId === null) return false;
  return config.auth.deviceFlow === 'true' || (config.auth.deviceFlow === 'auto' && config.github.clientSecret === null);
}

export type DeviceFlowStatus = 'awaiting_approval' | 'pending' | 'approved' | 'denied' | 'expired' | 'refused' | 'failed';

export interface DeviceFlow {
  /** The starting browser's secret (its cookie): never shown to anyone else. */
  id: string;
  /** Names the flow to the signed-in browser asked to approve it. */
  requestId: string;
  /** Shown on the starting page and on the approval page, so that the owner approves the right browser. */
  requestCode: string;
  /** GitHub's code and where to enter it; null until the flow is approved and GitHub has answered. */
  userCode: string | null;
  verificationUri: string | null;
  /** When the flow ends unless it is done: the approval's deadline, then the GitHub code's. */
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
  createdAt: number;
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
  /** How long a flow waits for a signed-in browser to approve it. */
  approvalLifetimeMs?: number;
  /** How often the starting page asks while the flow awaits approval. */
  approvalPollMs?: number;
  /** The app's clock, which decides when flows expire and are abandoned. */
  clock: Clock;
}

const MAX_NETWORK_FAILURES = 5;
// No 0/O or 1/I: the owner compares it by eye on two screens.
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** "K7Q-F2M": unlike GitHub's codes (XXXX-XXXX), so that nobody types it in at GitHub. */
function newRequestCode(): string {
  const pick = () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `${pick()}${pick()}${pick()}-${pick()}${pick()}${pick()}`;
}

interface Entry {
  flow: DeviceFlow;
  group: string;
  abort: AbortController;
  done: Promise<void>;
  forgetTimer: NodeJS.Timeout;
}

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
  approvalLifetimeMs = 10 * 60_000,
  approvalPollMs = 3000,
  clock,
}: DeviceFlowsDeps) {
  const now = () => clock.now().getTime();
  const flows = new Map<string, Entry>();

  /** Drops a flow and stops its polling. */
  function forget(id: string) {
    const entry = flows.get(id);
    if (!entry) return;
    entry.abort.abort();
    clearTimeout(entry.forgetTimer);
    flows.delete(id);
  }

  const isLive = (flow: DeviceFlow) => flow.status === 'awaiting_approval' || flow.status === 'pending' || flow.status === 'approved';
  const isAbandoned = (flow: DeviceFlow) => now() - flow.askedAt >= abandonAfterMs;
  /** The latest time a flow in progress ends by itself: when abandoned, or (not yet approved on GitHub) at expiry. */
  const endsBy = (flow: DeviceFlow) => Math.min(flow.status !== 'approved' ? flow.expiresAt : Infinity, flow.askedAt + abandonAfterMs);

  /**
   * Ends what has run out without a poll to notice it: abandoned flows (approved ones nobody took have
   * no poll), and flows nobody approved in time.
   */
  function sweep(entry: Entry) {
    const { flow } = entry;
    if (isLive(flow) && isAbandoned(flow)) abandon(flow, flow.id);
    else if (flow.status === 'awaiting_approval' && now() >= flow.expiresAt) end(flow, 'expired', 'Nobody approved this sign-in in time. Start again.');
  }

  /** Refuses a new flow from `group` when a cap is reached; ended flows nobody picked up do not count. */
  function ensureRoomFor(group: string) {
    for (const entry of [...flows.values()]) sweep(entry);
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

  function track(flow: DeviceFlow, group: string): Entry {
    // Forget the flow a while after it ends so that a finished flow does not linger.
    const forgetTimer = setTimeout(() => flows.delete(flow.id), approvalLifetimeMs + maxLifetimeMs + 60_000);
    forgetTimer.unref();
    const entry: Entry = { flow, group, abort: new AbortController(), done: Promise.resolve(), forgetTimer };
    flows.set(flow.id, entry);
    return entry;
  }

  /** Gives an approved flow GitHub's code and starts polling GitHub for it in the background. */
  function connect(entry: Entry, code: DeviceCode) {
    const { flow, abort } = entry;
    flow.status = 'pending';
    flow.userCode = code.userCode;
    flow.verificationUri = code.verificationUri;
    flow.expiresAt = now() + Math.min(code.expiresInSeconds * 1000, maxLifetimeMs);
    flow.intervalMs = Math.max(code.intervalSeconds * 1000, minIntervalMs);
    entry.done = poll(flow, code.deviceCode, abort.signal).catch((error: unknown) => {
      if (abort.signal.aborted) return;
      log.error({ err: error }, 'device flow failed');
      end(flow, 'failed', 'The sign-in failed on the server. Start again.');
    });
  }

  const newFlow = (options: { canClaim: boolean; client: { ip: string; userAgent: string | null } }): DeviceFlow => ({
    id: randomBytes(32).toString('base64url'),
    requestId: randomBytes(16).toString('base64url'),
    requestCode: newRequestCode(),
    userCode: null,
    verificationUri: null,
    expiresAt: now() + approvalLifetimeMs,
    intervalMs: approvalPollMs,
    status: 'awaiting_approval',
    message: null,
    canClaim: options.canClaim,
    polls: 0,
    client: options.client,
    askedAt: now(),
    createdAt: now(),
  });

  /** The flow awaiting approval with this request id, if it is still waiting. */
  function awaitingEntry(requestId: string): Entry | null {
    for (const entry of flows.values()) {
      if (entry.flow.requestId !== requestId) continue;
      sweep(entry);
      return entry.flow.status === 'awaiting_approval' && flows.has(entry.flow.id) ? entry : null;
    }
    return null;
  }

  return {
    /**
     * Starts a flow. Vouched for (a setup or sign-in token, or a signed-in browser), it asks GitHub for a
     * device code and starts polling in the background; otherwise it awaits a signed-in browser's approval.
     */
    async start(options: { canClaim: boolean; client: { ip: string; userAgent: string | null }; needsApproval?: boolean }): Promise<DeviceFlow> {
      const group = addressGroup(options.client.ip);
      ensureRoomFor(group);
      if (options.needsApproval) {
        const flow = newFlow(options);
        track(flow, group);
        return flow;
      }
      const code = await oauth.createDeviceCode();
      // Checked again: other starts may have filled the caps while GitHub answered.
      ensureRoomFor(group);
      const flow = newFlow(options);
      connect(track(flow, group), code);
      return flow;
    },

    /** Flows waiting for a signed-in browser's approval, oldest first. */
    awaitingApproval(): DeviceFlow[] {
      for (const entry of [...flows.values()]) sweep(entry);
      return [...flows.values()].map((entry) => entry.flow).filter((flow) => flow.status === 'awaiting_approval');
    },

    /**
     * A signed-in browser approves a waiting flow: GitHub is asked for its code, which the starting page
     * then shows. Null when no flow awaits approval under that id (ended, turned down, or never was).
     */
    async approve(requestId: string): Promise<DeviceFlow | null> {
      const entry = awaitingEntry(requestId);
      if (!entry) return null;
      const { flow } = entry;
      // No longer awaiting while GitHub answers, so that a second approval finds nothing.
      flow.status = 'pending';
      let code: DeviceCode;
      try {
        code = await oauth.createDeviceCode();
      } catch (error) {
        end(flow, 'failed', 'GitHub could not give a code for this sign-in. Start again.');
        throw error;
      }
      if (flows.get(flow.id) === entry && flow.status === 'pending') connect(entry, code);
      return flow;
    },

    /** A signed-in browser turns a waiting flow down. Null when no flow awaits approval under that id. */
    deny(requestId: string): DeviceFlow | null {
      const entry = awaitingEntry(requestId);
      if (!entry) return null;
      end(entry.flow, 'denied', 'A signed-in browser turned this sign-in down.');
      return entry.flow;
    },

    /** The browser asks about its flow: returns it, and keeps it from being abandoned. */
    ask(id: string | undefined): DeviceFlow | null {
      const entry = (id && flows.get(id)) || null;
      if (!entry) return null;
      sweep(entry);
      if (!flows.has(entry.flow.id)) return null;
      entry.flow.askedAt = now();
      return entry.flow;
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
