import type { FastifyBaseLogger } from 'fastify';
import type { PushDevice as PushDeviceRow } from '../../generated/prisma/client.js';
import { AppError, notFound } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { PushDevice, PushMessage } from '../../shared/attention.js';
import { composeTestMessage, defaultPreferences, deliveryOptionsFor, deviceWants } from './policy.js';
import { applyPreferences, parseStoredPreferences, type DeviceUpdate, type SubscribeBody } from './schemas.js';
import type { DeliveryOutcome, PushSender } from './sender.js';

export interface PushServiceDeps {
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
  deliver: PushSender;
}

/** Which devices `send` considers. */
export interface PushFilter {
  /** Only these devices. */
  deviceIds?: readonly string[];
  /** Send whatever the devices' kinds and quiet hours say (a test push). */
  ignorePreferences?: boolean;
  /** For an approval: when it expires (the push is kept by the push service until then at most). */
  approvalExpiresAt?: string | null;
}

/** What became of a message at one device. `skipped`: its kinds or quiet hours said no. `removed`: the push service said the subscription is gone. */
export interface PushDeliveryReport {
  deviceId: string;
  deviceName: string;
  /** The push service's host. */
  service: string;
  result: 'delivered' | 'skipped' | 'removed' | 'failed';
  statusCode?: number | null;
  /** For `removed` and `failed`: what the push service answered, or that it did not. */
  reason?: string;
}

/** The push service's host: what the API and the log say of an endpoint (the URL itself is a capability). */
export const serviceOf = (endpoint: string): string => {
  try {
    return new URL(endpoint).host;
  } catch {
    return '(unknown)';
  }
};

function toDevice(row: PushDeviceRow): PushDevice {
  return {
    id: row.id,
    name: row.name,
    service: serviceOf(row.endpoint),
    createdAt: row.createdAt.toISOString(),
    lastSentAt: row.lastSentAt?.toISOString() ?? null,
    lastError: row.lastError,
    preferences: parseStoredPreferences(row.preferences),
  };
}

export type PushService = ReturnType<typeof createPushService>;

/** The subscribed devices (push_devices) and sending to them. */
export function createPushService({ db, clock, log, deliver }: PushServiceDeps) {
  async function findDevice(id: string): Promise<PushDeviceRow> {
    const row = await db.pushDevice.findUnique({ where: { id } });
    if (!row) throw notFound(`No device ${id} is subscribed to notifications.`);
    return row;
  }

  /** Records one outcome on the device: sent time and error cleared, the error, or the device removed. */
  async function record(row: PushDeviceRow, message: PushMessage, outcome: DeliveryOutcome): Promise<PushDeliveryReport> {
    const report = { deviceId: row.id, deviceName: row.name, service: serviceOf(row.endpoint), statusCode: outcome.statusCode };
    const context = { deviceId: row.id, service: report.service, kind: message.kind, statusCode: outcome.statusCode };
    switch (outcome.status) {
      case 'delivered':
        await db.pushDevice.updateMany({ where: { id: row.id }, data: { lastSentAt: clock.now(), lastError: null } });
        log.debug(context, 'push delivered to the push service');
        return { ...report, result: 'delivered' };
      case 'gone':
        // Only this subscription: the same device may have subscribed again meanwhile.
        await db.pushDevice.deleteMany({ where: { id: row.id, endpoint: row.endpoint } });
        log.info({ ...context, reason: outcome.reason }, 'push subscription gone: device removed');
        return { ...report, result: 'removed', reason: outcome.reason };
      case 'failed':
        await db.pushDevice.updateMany({ where: { id: row.id }, data: { lastError: `The push service ${outcome.reason} (${clock.now().toISOString()}).` } });
        log.warn({ ...context, reason: outcome.reason }, 'push failed');
        return { ...report, result: 'failed', reason: outcome.reason };
    }
  }

  /** Sends `message` to each device that wants it (its kinds and quiet hours), all at once; never throws for a device. */
  async function send(message: PushMessage, filter: PushFilter = {}): Promise<PushDeliveryReport[]> {
    const rows = await db.pushDevice.findMany({
      where: filter.deviceIds ? { id: { in: [...filter.deviceIds] } } : {},
      orderBy: { createdAt: 'asc' },
    });
    const now = clock.now();
    const options = deliveryOptionsFor(message, now, filter.approvalExpiresAt);
    return Promise.all(
      rows.map(async (row): Promise<PushDeliveryReport> => {
        if (!filter.ignorePreferences && !deviceWants(parseStoredPreferences(row.preferences), message.kind, now)) {
          return { deviceId: row.id, deviceName: row.name, service: serviceOf(row.endpoint), result: 'skipped' };
        }
        // Each device's copy names it, so that an answer from its notification says which device answered.
        const own = { ...message, deviceId: row.id };
        return record(row, own, await deliver({ endpoint: row.endpoint, p256dh: row.p256dh, auth: row.auth }, own, options));
      }),
    );
  }

  return {
    async list(): Promise<PushDevice[]> {
      return (await db.pushDevice.findMany({ orderBy: { createdAt: 'asc' } })).map(toDevice);
    },

    /**
     * Subscribes a device; the same endpoint again (a browser subscribing anew) replaces that entry,
     * keeping its id. Preferences not given: every kind, no quiet hours, UTC.
     */
    async subscribe(body: SubscribeBody): Promise<{ device: PushDevice; created: boolean }> {
      const { endpoint, keys } = body.subscription;
      const existing = await db.pushDevice.findUnique({ where: { endpoint } });
      const preferences = applyPreferences(existing ? parseStoredPreferences(existing.preferences) : defaultPreferences(), body.preferences);
      const data = { name: body.name, p256dh: keys.p256dh, auth: keys.auth, preferences: JSON.stringify(preferences), lastError: null };
      const row = await db.pushDevice.upsert({ where: { endpoint }, create: { endpoint, ...data }, update: data });
      log.info({ deviceId: row.id, service: serviceOf(endpoint), replaced: Boolean(existing) }, 'push device subscribed');
      return { device: toDevice(row), created: !existing };
    },

    async update(id: string, patch: DeviceUpdate): Promise<PushDevice> {
      const row = await findDevice(id);
      const preferences = applyPreferences(parseStoredPreferences(row.preferences), patch.preferences);
      const updated = await db.pushDevice.update({
        where: { id },
        data: { ...(patch.name !== undefined ? { name: patch.name } : {}), preferences: JSON.stringify(preferences) },
      });
      return toDevice(updated);
    },

    async remove(id: string): Promise<void> {
      const { count } = await db.pushDevice.deleteMany({ where: { id } });
      if (count === 0) throw notFound(`No device ${id} is subscribed to notifications.`);
    },

    /**
     * Sends a `test` message to one device, whatever its preferences. Throws 410 `push_subscription_gone`
     * (the device is removed) or 502 `push_failed`, each saying what the push service answered.
     */
    async sendTest(id: string): Promise<{ device: PushDevice; statusCode: number }> {
      const row = await findDevice(id);
      const [report] = await send(composeTestMessage(row.name, clock.now()), { deviceIds: [id], ignorePreferences: true });
      if (!report) throw notFound(`No device ${id} is subscribed to notifications.`);
      if (report.result === 'removed') {
        throw new AppError(
          410,
          'push_subscription_gone',
          `The push service (${report.service}) ${report.reason}: this subscription no longer exists, so “${row.name}” was removed. Turn notifications on again on that device.`,
          { service: report.service, statusCode: report.statusCode },
        );
      }
      if (report.result !== 'delivered') {
        throw new AppError(502, 'push_failed', `The push service (${report.service}) ${report.reason ?? 'did not take the message'}. The device was kept; try again later.`, {
          service: report.service,
          statusCode: report.statusCode ?? null,
        });
      }
      return { device: toDevice(await findDevice(id)), statusCode: report.statusCode ?? 201 };
    },

    send,

    /** A device's name (approvals record which device answered), or null. */
    async deviceName(id: string): Promise<string | null> {
      return (await db.pushDevice.findUnique({ where: { id }, select: { name: true } }))?.name ?? null;
    },
  };
}
