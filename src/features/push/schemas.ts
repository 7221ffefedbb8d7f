import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { MAX_DEVICE_NAME_LENGTH, PUSH_EVENT_KINDS, type PushPreferences } from '../../shared/attention.js';
import { defaultPreferences, isKnownTimeZone, QUIET_TIME_PATTERN } from './policy.js';

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const decode = (value: string) => Buffer.from(value.replace(/=+$/, ''), 'base64url');

/** An uncompressed P-256 point (65 bytes, 0x04 first) that is on the curve. */
function isP256Point(value: string): boolean {
  const point = decode(value);
  if (point.length !== 65 || point[0] !== 0x04) return false;
  try {
    createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    return true;
  } catch {
    return false;
  }
}

/** Push services are https (RFC 8030 §8); the endpoint is a capability URL, so it carries no user info either. */
function isPushEndpoint(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.username && !url.password && url.hostname !== '';
  } catch {
    return false;
  }
}

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export const deviceNameSchema = z
  .string()
  .trim()
  .min(1, { error: 'a name for this device, such as "Phone"' })
  .max(MAX_DEVICE_NAME_LENGTH)
  .refine((name) => !CONTROL_CHARACTERS.test(name), { error: 'no control characters' });

/** PushSubscription.toJSON() as a browser gives it (`expirationTime` is accepted and ignored). */
export const subscriptionSchema = z.object({
  endpoint: z.string().max(2048).refine(isPushEndpoint, { error: "an https:// URL: the push service's endpoint from PushSubscription" }),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: z
      .string()
      .max(200)
      .regex(BASE64URL, { error: 'base64url' })
      .refine(isP256Point, { error: 'the base64url of an uncompressed P-256 public key (65 bytes)' }),
    auth: z
      .string()
      .max(100)
      .regex(BASE64URL, { error: 'base64url' })
      .refine((value) => decode(value).length === 16, { error: 'the base64url of a 16-byte auth secret' }),
  }),
});

const timeOfDay = z.string().regex(QUIET_TIME_PATTERN, { error: 'a time of day as HH:MM (24-hour), such as 22:00' });

export const quietHoursSchema = z
  .object({ start: timeOfDay, end: timeOfDay })
  .strict()
  .refine((hours) => hours.start !== hours.end, { error: 'a different time than start', path: ['end'] });

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isKnownTimeZone, { error: 'an IANA time zone such as Europe/Berlin or UTC' });

/** Any subset of the preferences; `kinds` may name only the kinds to change. */
export const preferencesPatchSchema = z
  .object({
    kinds: z.partialRecord(z.enum(PUSH_EVENT_KINDS), z.boolean()).optional(),
    quietHours: quietHoursSchema.nullable().optional(),
    timeZone: timeZoneSchema.optional(),
  })
  .strict();
export type PreferencesPatch = z.infer<typeof preferencesPatchSchema>;

/** POST /api/push/devices (PushSubscribeRequest). */
export const subscribeBodySchema = z
  .object({
    name: deviceNameSchema,
    subscription: subscriptionSchema,
    preferences: preferencesPatchSchema.optional(),
  })
  .strict();
export type SubscribeBody = z.infer<typeof subscribeBodySchema>;

/** PATCH /api/push/devices/:id (PushDeviceUpdate). */
export const deviceUpdateSchema = z
  .object({
    name: deviceNameSchema.optional(),
    preferences: preferencesPatchSchema.optional(),
  })
  .strict();
export type DeviceUpdate = z.infer<typeof deviceUpdateSchema>;

export const deviceParamsSchema = z.object({ id: z.string().min(1).max(100) });

/** The preferences as stored (push_devices.preferences, JSON text): anything unreadable falls back to its default. */
const storedPreferencesSchema = z.object({
  kinds: z.partialRecord(z.string(), z.unknown()).optional().catch(undefined),
  quietHours: quietHoursSchema.nullable().optional().catch(null),
  timeZone: timeZoneSchema.optional().catch(undefined),
});

export function parseStoredPreferences(text: string): PushPreferences {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = {};
  }
  const stored = storedPreferencesSchema.safeParse(value);
  const defaults = defaultPreferences(stored.success ? stored.data.timeZone : undefined);
  if (!stored.success) return defaults;
  const kinds = { ...defaults.kinds };
  for (const kind of PUSH_EVENT_KINDS) {
    const on = stored.data.kinds?.[kind];
    if (typeof on === 'boolean') kinds[kind] = on;
  }
  return { kinds, quietHours: stored.data.quietHours ?? null, timeZone: defaults.timeZone };
}

/** `current` with a patch applied (`quietHours: null` turns them off). */
export function applyPreferences(current: PushPreferences, patch: PreferencesPatch | undefined): PushPreferences {
  if (!patch) return current;
  const kinds = { ...current.kinds };
  for (const kind of PUSH_EVENT_KINDS) {
    const on = patch.kinds?.[kind];
    if (on !== undefined) kinds[kind] = on;
  }
  return {
    kinds,
    quietHours: patch.quietHours === undefined ? current.quietHours : patch.quietHours,
    timeZone: patch.timeZone ?? current.timeZone,
  };
}
