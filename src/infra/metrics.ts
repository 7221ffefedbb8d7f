import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The Prometheus instruments, one registry per app instance (prom-client's global registry would
 * be shared by every app a test builds). Features update them; /metrics serialises the registry.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'shellport_' });
  return {
    registry,
    terminalBytes: new Counter({
      name: 'shellport_terminal_bytes_total',
      help: 'Bytes through terminals: direction="out" is PTY output delivered to the server, "in" is input written to PTYs.',
      labelNames: ['direction'] as const,
      registers: [registry],
    }),
    activeTerminals: new Gauge({
      name: 'shellport_terminal_sessions_active',
      help: 'Terminals whose shell is running.',
      registers: [registry],
    }),
    clonesInProgress: new Gauge({
      name: 'shellport_clones_in_progress',
      help: 'Workspace clones currently running.',
      registers: [registry],
    }),
    httpRequestDuration: new Histogram({
      name: 'shellport_http_request_duration_seconds',
      help: 'HTTP request durations by method, route pattern (not the raw URL) and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    lastSuccessfulBackup: new Gauge({
      name: 'shellport_backup_last_success_timestamp_seconds',
      help: 'Unix time of the newest verified backup in BACKUP_DIR; 0 when there is none.',
      registers: [registry],
    }),
    backupSize: new Gauge({
      name: 'shellport_backup_last_size_bytes',
      help: 'Size of the newest verified backup file (gzip) in bytes.',
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'shellport_job_runs_total',
      help: 'Maintenance job runs by job and outcome (ok or failed).',
      labelNames: ['job', 'outcome'] as const,
      registers: [registry],
    }),
    jobFailures: new Counter({
      name: 'shellport_job_failures_total',
      help: 'Maintenance job runs that failed, by job.',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'shellport_job_duration_seconds',
      help: 'How long maintenance job runs take, by job.',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 1800],
      registers: [registry],
    }),
    jobsRunning: new Gauge({
      name: 'shellport_jobs_running',
      help: 'Maintenance jobs running right now, by job (0 or 1).',
      labelNames: ['job'] as const,
      registers: [registry],
    }),
    databaseSize: new Gauge({
      name: 'shellport_database_size_bytes',
      help: 'Size of the SQLite database file plus its WAL, in bytes, at the last sample.',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance) => {
    const metrics = createMetrics();
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern keeps the label set small; unmatched URLs share one label.
      const route = request.routeOptions.url ?? '(unmatched)';
      metrics.httpRequestDuration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });
    app.addHook('onClose', async () => metrics.registry.clear());
  },
  { name: 'metrics' },
);
