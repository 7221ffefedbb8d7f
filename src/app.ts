import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { healthRoutes } from './features/health/routes.js';
import { createReadinessRegistry } from './features/health/readiness.js';
import { authGuardPlugin } from './features/auth/guard.js';
import { webRoutes } from './features/web/routes.js';
import { errorHandlerPlugin } from './http/errors.js';
import { databasePlugin } from './infra/database/plugin.js';
import { MIGRATIONS_DIR } from './infra/database/migrate.js';
import { systemClock, type Clock } from './infra/clock.js';
import { createLoggerOptions } from './infra/logger.js';
import { metricsPlugin } from './infra/metrics.js';

export interface BuildAppOptions {
  config: Config;
  /** Overrides where pino writes (tests capture log lines through it). */
  logStream?: NodeJS.WritableStream;
  migrationsDir?: string;
  /** Time source for expiry and schedules; tests pass a controllable one. */
  clock?: Clock;
}

/** Assembles Shellport: infrastructure first, then features. Neither readies nor listens. */
export async function buildApp({ config, logStream, migrationsDir = MIGRATIONS_DIR, clock = systemClock }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { ...createLoggerOptions(config.logging), ...(logStream ? { stream: logStream } : {}) },
    // Fastify accepts a hop count at run time; its types omit it.
    trustProxy: config.server.trustProxy as boolean | string[],
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Infrastructure: each decorates one thing and closes it in onClose.
  await app.register(errorHandlerPlugin);
  await app.register(metricsPlugin);
  await app.register(databasePlugin, { databaseFile: config.storage.databaseFile, migrationsDir });
  await app.register(authGuardPlugin, { config, clock });

  // Features.
  const readiness = createReadinessRegistry();
  await app.register(healthRoutes, { config, readiness, migrationsDir });
  await app.register(webRoutes);

  return app;
}
