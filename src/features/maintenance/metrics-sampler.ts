import { statfs } from 'node:fs/promises';
import os from 'node:os';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import { databaseBytes } from './vacuum.js';

/** The series the sampler writes to `system_metrics`, one row each per tick. */
export const SAMPLED_METRICS = [
  'cpu_percent',
  'memory_used_bytes',
  'process_rss_bytes',
  'load_1m',
  'disk_used_bytes',
  'disk_used_percent',
  'database_bytes',
  'active_sessions',
] as const;

export type SampledMetric = (typeof SAMPLED_METRICS)[number];

export interface MetricSample {
  metric: SampledMetric;
  value: number;
  unit: string;
  metadata?: Record<string, unknown>;
}

export interface MetricsSamplerDeps {
  db: Database;
  clock: Clock;
  dataDir: string;
  databaseFile: string;
  metrics?: Metrics;
}

function cpuTimes() {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle: cpuIdle, irq } = cpu.times;
    idle += cpuIdle;
    total += user + nice + sys + cpuIdle + irq;
  }
  return { idle, total };
}

/** Samples the machine and Shellport's own state; CPU use is measured between two samples. */
export function createMetricsSampler({ db, clock, dataDir, databaseFile, metrics }: MetricsSamplerDeps) {
  // The first sample measures CPU since the sampler was created (normally server start).
  let previousCpu = cpuTimes();

  async function collect(): Promise<MetricSample[]> {
    const cpu = cpuTimes();
    const totalDelta = cpu.total - previousCpu.total;
    const cpuPercent = totalDelta > 0 ? (1 - (cpu.idle - previousCpu.idle) / totalDelta) * 100 : 0;
    previousCpu = cpu;

    const disk = await statfs(dataDir);
    const diskTotal = disk.blocks * disk.bsize;
    const diskUsed = (disk.blocks - disk.bfree) * disk.bsize;
    const [load1, load5, load15] = os.loadavg();
    const totalMemory = os.totalmem();
    const dbBytes = await databaseBytes(databaseFile);
    metrics?.databaseSize.set(dbBytes);
    const activeSessions = await db.terminal.count({ where: { status: 'active' } });

    return [
      { metric: 'cpu_percent', value: round(Math.max(0, Math.min(100, cpuPercent))), unit: 'percent', metadata: { cpus: os.cpus().length } },
      { metric: 'memory_used_bytes', value: totalMemory - os.freemem(), unit: 'bytes', metadata: { totalBytes: totalMemory } },
      { metric: 'process_rss_bytes', value: process.memoryUsage.rss(), unit: 'bytes' },
      { metric: 'load_1m', value: round(load1 ?? 0), unit: 'load', metadata: { load5m: round(load5 ?? 0), load15m: round(load15 ?? 0) } },
      { metric: 'disk_used_bytes', value: diskUsed, unit: 'bytes', metadata: { totalBytes: diskTotal, freeBytes: disk.bavail * disk.bsize } },
      { metric: 'disk_used_percent', value: diskTotal > 0 ? round((diskUsed / diskTotal) * 100) : 0, unit: 'percent' },
      { metric: 'database_bytes', value: dbBytes, unit: 'bytes' },
      { metric: 'active_sessions', value: activeSessions, unit: 'sessions' },
    ];
  }

  return {
    collect,
    /** Writes one row per metric, all stamped with the same time. */
    async sample(): Promise<{ samples: number }> {
      const samples = await collect();
      const createdAt = clock.now();
      await db.systemMetric.createMany({
        data: samples.map((s) => ({ metric: s.metric, value: s.value, unit: s.unit, metadata: JSON.stringify(s.metadata ?? {}), createdAt })),
      });
      return { samples: samples.length };
    },
  };
}

export type MetricsSampler = ReturnType<typeof createMetricsSampler>;

function round(value: number) {
  return Math.round(value * 100) / 100;
}
