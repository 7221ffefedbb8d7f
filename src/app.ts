import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { healthRoutes } from './features/health/routes.js';
import { createReadinessRegistry } from './features/health/readiness.js';
import { errorHandlerPlugin } from './http/errors.js';
import { databasePlugin } from './infra/database/plugin.js';
import { MIGRATIONS_DIR } from './infra/database/migrate.js';
import { createLoggerOptions } from './infra/logger.js';

export interface BuildAppOptions {
  config: Config;
  /** Overrides where pino writes (tests capture log lines through it). */
  logStream?: NodeJS.WritableStream;
  migrationsDir?: string;
}

/** Assembles Shellport: infrastructure first, then features. Neither readies nor listens. */
export async function buildApp({ config, logStream, migrationsDir = MIGRATIONS_DIR }: BuildAppOptions): Promise<FastifyInstance> {
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

  await app.register(errorHandlerPlugin);
  await app.register(databasePlugin, { databaseFile: config.storage.databaseFile, migrationsDir });

  const readiness = createReadinessRegistry();
  await app.register(healthRoutes, { config, readiness, migrationsDir });

  return app;
}
