import type { Database } from '../../infra/database/client.js';
import type { SampledMetric } from './metrics-sampler.js';

export interface SeriesPoint {
  /** Start of the bucket. */
  at: Date;
  avg: number;
  min: number;
  max: number;
  samples: number;
}

export interface Series {
  metric: SampledMetric;
  unit: string | null;
  since: Date;
  until: Date;
  bucketMs: number;
  points: SeriesPoint[];
}

/** Averages a metric's samples into at most `points` equal time buckets; empty buckets are left out. */
export async function readSeries(
  db: Database,
  { metric, since, until, points }: { metric: SampledMetric; since: Date; until: Date; points: number },
): Promise<Series> {
  const rows = await db.systemMetric.findMany({
    where: { metric, createdAt: { gte: since, lte: until } },
    select: { value: true, createdAt: true, unit: true },
    orderBy: { createdAt: 'asc' },
  });
  const span = Math.max(1, until.getTime() - since.getTime());
  const bucketMs = Math.max(1_000, Math.ceil(span / points));
  const buckets = new Map<number, SeriesPoint>();
  for (const row of rows) {
    const index = Math.min(points - 1, Math.floor((row.createdAt.getTime() - since.getTime()) / bucketMs));
    const bucket = buckets.get(index);
    if (!bucket) {
      buckets.set(index, { at: new Date(since.getTime() + index * bucketMs), avg: row.value, min: row.value, max: row.value, samples: 1 });
      continue;
    }
    bucket.avg += (row.value - bucket.avg) / (bucket.samples + 1);
    bucket.min = Math.min(bucket.min, row.value);
    bucket.max = Math.max(bucket.max, row.value);
    bucket.samples += 1;
  }
  const series = [...buckets.entries()].sort(([a], [b]) => a - b).map(([, point]) => ({ ...point, avg: Math.round(point.avg * 100) / 100 }));
  return { metric, unit: rows[0]?.unit ?? null, since, until, bucketMs, points: series };
}
