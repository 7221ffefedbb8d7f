import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import { PUBLIC_ROUTE } from '../../http/route-config.js';
import type { ReadinessRegistry } from './readiness.js';
import { createHealthService } from './service.js';

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

  // Liveness: no database, no I/O — answers as long as the event loop does.
  app.get('/healthz', { config: PUBLIC_ROUTE, logLevel: 'warn' }, async () => ({
    status: 'ok',
    version: config.version,
    uptimeSeconds: Math.round(process.uptime()),
  }));

  app.get('/readyz', { config: PUBLIC_ROUTE, logLevel: 'warn' }, async (_request, reply) => {
    const report = await readiness.run();
    return reply.code(report.status === 'ready' ? 200 : 503).send(report);
  });
}
