import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { createReadableLogStream, QuietRequestLogController, type ConsoleFormat } from './console.js';
import { healthRoutes } from './features/health/routes.js';
import { createReadinessRegistry } from './features/health/readiness.js';
import { authGuardPlugin } from './features/auth/guard.js';
import { authRoutes } from './features/auth/routes.js';
import { securityPlugin } from './features/auth/security.js';
import { startupTokenPlugin } from './features/auth/startup-token.js';
import { githubPlugin } from './features/github/plugin.js';
import { githubRepoRoutes } from './features/github/repos-routes.js';
import { maintenanceRoutes } from './features/maintenance/routes.js';
import { settingsRoutes } from './features/settings/routes.js';
import { createSettingsService } from './features/settings/service.js';
import { terminalsPlugin } from './features/terminals/plugin.js';
import { webRoutes } from './features/web/routes.js';
import { workspacesPlugin } from './features/workspaces/plugin.js';
import { workspaceRoutes } from './features/workspaces/routes.js';
import { errorHandlerPlugin } from './http/errors.js';
import { databasePlugin } from './infra/database/plugin.js';
import { MIGRATIONS_DIR } from './infra/database/migrate.js';
import { systemClock, type Clock } from './infra/clock.js';
import { createLoggerOptions } from './infra/logger.js';
import { metricsPlugin } from './infra/metrics.js';
import { schedulerPlugin } from './infra/scheduler.js';
import { socketServerPlugin } from './infra/socket-server.js';
import { slowClientsPlugin } from './http/slow-clients.js';
import { vaultPlugin } from './infra/vault.js';

export interface BuildAppOptions {
  config: Config;
  /** Overrides where pino writes (tests capture log lines through it). */
  logStream?: NodeJS.WritableStream;
  /** `readable` (a person at a terminal, see src/console.ts): readable lines, request lines at debug. Default `json`. */
  consoleFormat?: ConsoleFormat;
  migrationsDir?: string;
  /** Time source for expiry and schedules; tests pass a controllable one. */
  clock?: Clock;
}

/** Assembles Shellport: infrastructure first, then features. Neither readies nor listens. */
export async function buildApp({ config, logStream, consoleFormat = 'json', migrationsDir = MIGRATIONS_DIR, clock = systemClock }: BuildAppOptions): Promise<FastifyInstance> {
  const stream = consoleFormat === 'readable' ? createReadableLogStream(logStream ?? process.stdout) : logStream;
  const app = Fastify({
    logger: { ...createLoggerOptions(config.logging), ...(stream ? { stream } : {}) },
    ...(consoleFormat === 'readable' ? { logController: new QuietRequestLogController() } : {}),
    // Fastify accepts a hop count at run time; its types omit it.
    trustProxy: config.server.trustProxy as boolean | string[],
    genReqId: () => randomUUID(),
    bodyLimit: 1024 * 1024,
    // Slow clients (src/http/slow-clients.ts): the head of a request within the limit, checked every
    // second; bodies have their own deadlines there (Node's requestTimeout cannot exempt uploads).
    http: { headersTimeout: config.server.limits.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: 1000 },
    requestTimeout: 0,
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Infrastructure: each decorates one thing and closes it in onClose.
  await app.register(errorHandlerPlugin);
  await app.register(slowClientsPlugin, { limits: config.server.limits, behindProxy: config.server.trustProxy !== false });
  await app.register(metricsPlugin);
  await app.register(databasePlugin, { databaseFile: config.storage.databaseFile, migrationsDir });
  await app.register(vaultPlugin, { secretKey: config.auth.secretKey, dataDir: config.storage.dataDir });
  await app.register(githubPlugin, { config: config.github, clock });
  await app.register(startupTokenPlugin, { config });
  await app.register(securityPlugin, { config });
  await app.register(authGuardPlugin, { config, clock });
  await app.register(schedulerPlugin, { config: config.maintenance, clock });
  // Terminal input messages up to TERMINAL_MAX_INPUT_BYTES reach the handler (which answers with an
  // error event); only a message far beyond it closes the connection.
  await app.register(socketServerPlugin, { maxHttpBufferSize: Math.max(1024 * 1024, 4 * config.terminals.maxInputBytes + 4096) });
  await app.register(workspacesPlugin, { config, clock });

  // Features.
  const readiness = createReadinessRegistry();
  await app.register(healthRoutes, { config, readiness, migrationsDir });
  await app.register(webRoutes);
  await app.register(authRoutes, { config, clock });
  await app.register(maintenanceRoutes, { config, clock, readiness });
  // The settings feature owns the Settings row; the terminals ask it for the default shell.
  const settings = createSettingsService({ db: app.db, config });
  await app.register(terminalsPlugin, { config, clock, contextProvider: app.workspaces.terminalContext, defaultShell: settings.defaultShell, readiness });
  // Deleting a workspace ends its terminals through the terminal manager.
  app.workspaces.service.onWorkspaceDeleted((workspaceId) => app.terminals.deleteWorkspaceSessions(workspaceId));
  await app.register(githubRepoRoutes, { config, clock });
  await app.register(workspaceRoutes);
  await app.register(settingsRoutes, { service: settings });

  return app;
}
