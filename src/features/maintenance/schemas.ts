import { z } from 'zod';
import { SAMPLED_METRICS } from './metrics-sampler.js';

export const jobParamsSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'a job name such as backup, prune, vacuum or metrics' }),
});

const DEFAULT_WINDOW_MS = 24 * 3_600_000;

/** `since`/`until`: an ISO 8601 time, or a duration back from now such as 15m, 6h, 7d. */
const timeOrDuration = z
  .string()
  .trim()
  .refine((value) => /^\d+[smhd]$/.test(value) || !Number.isNaN(Date.parse(value)), {
    error: 'an ISO 8601 time (2026-11-23T02:00:00Z) or a duration back from now (15m, 6h, 7d)',
  });

export const metricsQuerySchema = z.object({
  metric: z.enum(SAMPLED_METRICS, { error: `one of ${SAMPLED_METRICS.join(', ')}` }),
  since: timeOrDuration.optional(),
  until: timeOrDuration.optional(),
  /** At most this many points come back; samples are averaged into equal time buckets. */
  points: z.coerce.number().int().min(1).max(1000).default(120),
});

export type MetricsQuery = z.infer<typeof metricsQuerySchema>;

export function resolveTime(value: string | undefined, now: Date, fallbackAgoMs: number): Date {
  if (value === undefined) return new Date(now.getTime() - fallbackAgoMs);
  const duration = /^(\d+)([smhd])$/.exec(value);
  if (duration) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[duration[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(duration[1]) * unit);
  }
  return new Date(value);
}

export { DEFAULT_WINDOW_MS };
