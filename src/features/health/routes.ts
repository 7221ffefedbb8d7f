import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import { checkOperatorAccess } from '../auth/operator-access.js';
import type { ReadinessRegistry } from './readiness.js';
import { readOpenFileLimits } from '../../infra/file-descriptors.js';
import { createHealthService } from './service.js';
import type { ReadinessReport, ReadinessSummary } from '../../shared/health.js';

export interface HealthRoutesOptions {
  config: Config;
  readiness: ReadinessRegistry;
  migrationsDir: string;
}

export async function healthRoutes(app: FastifyInstance, { config, readiness, migrationsDir }: HealthRoutesOptions) {
  const health = createHealthService({ db: app.db, storage: config.storage, migrationsDir });
  readiness.add('database', health.checkDatabase);
  readiness.add('migrations', health.checkMigrations);
  readiness.add('dataDir', health.checkDataDirWritable);
  readiness.add('diskSpace', health.checkDiskSpace);
  readiness.add('fileDescriptors', health.checkFileDescriptors);
  logOpenFileLimits(app);

  // Liveness: no database, no I/O — answers as long as the event loop does.
  app.get('/healthz', { config: PUBLIC_ROUTE, logLevel: 'warn' }, async () => ({
    status: 'ok',
    version: config.version,
    uptimeSeconds: Math.round(process.uptime()),
  }));

  // Public, for load balancers and container health checks, which need only the status code. The
  // checks' messages (free disk space, backup files, error text) go only to the signed-in owner and
  // to monitoring with operator access (docs/api.md).
  app.get('/readyz', { config: PUBLIC_ROUTE, logLevel: 'warn' }, async (request, reply) => {
    const report = await readiness.run();
    reply.code(report.status === 'ready' ? 200 : 503);
    if (checkOperatorAccess(request, config).ok || (await app.auth.sessionOf(request)) !== null) return report;
    return summarise(report);
  });
}

/** Node raised the soft limit to the hard one at start; say what it is, and warn when it is low for many terminals. */
function logOpenFileLimits(app: FastifyInstance): void {
  const limits = readOpenFileLimits();
  if (!limits) return;
  const openFiles = { soft: limits.soft, hard: limits.hard };
  if (limits.soft < 4096) {
    app.log.warn({ openFiles }, `open files are limited to ${limits.soft}: each terminal takes one or two, so a few hundred terminals reach it. Raise the hard limit (systemd: LimitNOFILE=65536; Docker: --ulimit nofile=65536)`);
  } else {
    app.log.info({ openFiles }, 'open files limit');
  }
}

function summarise(report: ReadinessReport): ReadinessSummary {
  return {
    status: report.status,
    checks: Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, { status: check.status }])),
    details: 'Sign in, or send `Authorization: Bearer <METRICS_TOKEN>`, to see what each check found.',
  };
}
