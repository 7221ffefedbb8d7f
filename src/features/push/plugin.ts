import type { Agent } from 'node:https';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import type { Approval, PushMessage } from '../../shared/attention.js';
import type { TerminalActivity } from '../../shared/terminals.js';
import { loadVapidKeys } from './keys.js';
import { createNotifier, DEFAULT_GRACE_MS, realSchedule, type Schedule } from './notifier.js';
import type { TerminalDescription } from './policy.js';
import { pushRoutes } from './routes.js';
import { createPushSender } from './sender.js';
import { createPushService, type PushDeliveryReport, type PushFilter } from './service.js';

/** What other features use of Web Push. */
export interface PushApi {
  /** The VAPID public key (base64url): browsers' applicationServerKey. */
  publicKey: string;
  /** Sends a message to the devices that want its kind now (or as `filter` says); one report per device considered. */
  send(message: PushMessage, filter?: PushFilter): Promise<PushDeliveryReport[]>;
  /** A subscribed device's name, or null. */
  deviceName(id: string): Promise<string | null>;
  /** Resolves once the notifier's pushes in flight are sent (tests; pending grace periods are not waited for). */
  settled(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Web Push (issue 20 §2): `send`, `deviceName`, `publicKey`. */
    push: PushApi;
  }
}

type Unsubscribe = (() => unknown) | void;

/** What the notifier needs of the approvals feature (`app.approvals`), without importing it. */
export interface ApprovalEvents {
  onRequested(listener: (approval: Approval) => void): Unsubscribe;
  /** The request a terminal's agent waits on, if any. */
  pendingFor?(sessionId: string): Awaitable<Approval | null | undefined>;
  /** A request by id, whatever its status (a request answered before its push went out is not pushed). */
  get?(id: string): Awaitable<Approval | null | undefined>;
}

type Awaitable<T> = T | Promise<T>;

export interface PushPluginOptions {
  config: Config;
  clock: Clock;
  /** Terminal activity changes (`app.terminals.onActivity`); none without. */
  onTerminalActivity?: (listener: (sessionId: string, activity: TerminalActivity) => void) => Unsubscribe;
  /** Names a terminal and its workspace for a notification (src/features/push/terminal-names.ts); null: nothing is sent. */
  describeTerminal?: (sessionId: string) => Promise<TerminalDescription | null>;
  /** Approval requests; none without. */
  approvals?: ApprovalEvents;
  /** How long a change waits for the owner to see it before it is pushed (default 3 s). */
  graceMs?: number;
  /** Each push request's deadline (default 10 s). */
  timeoutMs?: number;
  /** HTTPS agent for the push services (tests: one that trusts the fake push service's certificate). */
  agent?: Agent;
  schedule?: Schedule;
}

export const DEFAULT_PUSH_TIMEOUT_MS = 10_000;

/**
 * Web Push: the VAPID keys (made at first start, private key in the vault), /api/push, the notifier
 * that pushes terminal activity and approval requests, and `app.push` for other features.
 */
export const pushPlugin = fp(
  async (app: FastifyInstance, options: PushPluginOptions) => {
    const log = app.log.child({ feature: 'push' });
    const keys = await loadVapidKeys({ db: app.db, vault: app.vault, log });
    const deliver = createPushSender({ keys, subject: options.config.push.subject, timeoutMs: options.timeoutMs ?? DEFAULT_PUSH_TIMEOUT_MS, agent: options.agent });
    const service = createPushService({ db: app.db, clock: options.clock, log, deliver });
    const approvals = options.approvals;
    const notifier = createNotifier({
      clock: options.clock,
      graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
      schedule: options.schedule ?? realSchedule,
      describeTerminal: options.describeTerminal ?? (async () => null),
      pendingApproval: async (sessionId) => (await approvals?.pendingFor?.(sessionId)) ?? null,
      isApprovalPending: async (approval) => {
        if (approvals?.get) return (await approvals.get(approval.id))?.status === 'pending';
        if (approvals?.pendingFor) return (await approvals.pendingFor(approval.sessionId))?.id === approval.id;
        return true;
      },
      deliver: (message, approvalExpiresAt) => service.send(message, { approvalExpiresAt }),
      log,
    });
    const unsubscribes = [
      options.onTerminalActivity?.((sessionId, activity) => notifier.activity(sessionId, activity)),
      approvals?.onRequested((approval) => notifier.approvalRequested(approval)),
    ];
    app.addHook('onClose', async () => {
      for (const unsubscribe of unsubscribes) if (typeof unsubscribe === 'function') unsubscribe();
      await notifier.close();
    });
    app.decorate('push', { publicKey: keys.publicKey, send: service.send, deviceName: service.deviceName, settled: notifier.settled } satisfies PushApi);
    await app.register(pushRoutes, { service, publicKey: keys.publicKey });
  },
  { name: 'push', dependencies: ['database', 'vault'] },
);
