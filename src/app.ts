import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { createReadableLogStream, QuietRequestLogController, type ConsoleFormat } from './console.js';
import { healthRoutes } from './features/health/routes.js';
import { createReadinessRegistry } from './features/health/readiness.js';
import { authGuardPlugin } from './features/auth/guard.js';
import { authRoutes } from './features/auth/routes.js';
import { securityPlugin } from './features/auth/security.js';
import { startupTokenPlugin } from './features/auth/startup-token.js';
import { loadOwnerIdentity } from './features/auth/owner-identity.js';
import { githubPlugin } from './features/github/plugin.js';
import { githubRepoRoutes } from './features/github/repos-routes.js';
import { approvalsPlugin } from './features/approvals/plugin.js';
import { agentHooksPlugin } from './features/hooks/plugin.js';
import { dashboardRoutes } from './features/dashboard/routes.js';
import { createDashboard } from './features/dashboard/service.js';
import { maintenanceRoutes } from './features/maintenance/routes.js';
import { previewPlugin } from './features/preview/plugin.js';
import { previewHostRewrite } from './features/preview/hosts.js';
import { runsPlugin } from './features/runs/plugin.js';
import { pushPlugin, type PushPluginOptions } from './features/push/plugin.js';
import { describeTerminalWith } from './features/push/terminal-names.js';
import { sharesPlugin } from './features/shares/plugin.js';
import { createMcpServers } from './features/settings/mcp-servers.js';
import { mcpServerRoutes } from './features/settings/mcp-routes.js';
import { settingsRoutes } from './features/settings/routes.js';
import { createSettingsService } from './features/settings/service.js';
import { terminalsPlugin } from './features/terminals/plugin.js';
import { webRoutes } from './features/web/routes.js';
import { workspacesPlugin } from './features/workspaces/plugin.js';
import { workspaceRoutes } from './features/workspaces/routes.js';
import { workspaceReviewRoutes } from './features/workspaces/review-routes.js';
import { TERMINAL_BIN_DIR } from './features/workspaces/terminal-context.js';
import { errorHandlerPlugin } from './http/errors.js';
import { serializerCompiler, validatorCompiler } from './http/validation.js';
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
  /** Web Push for tests: the fake push service's HTTPS agent, a shorter grace period and deadline. */
  push?: Pick<PushPluginOptions, 'agent' | 'graceMs' | 'timeoutMs'>;
}

/** Assembles Shellport: infrastructure first, then features. Neither readies nor listens. */
export async function buildApp({ config, logStream, consoleFormat = 'json', migrationsDir = MIGRATIONS_DIR, clock = systemClock, push }: BuildAppOptions): Promise<FastifyInstance> {
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
    // Previews' subdomain mode: a preview host's every request goes to the preview routes, never to Shellport's own.
    rewriteUrl: previewHostRewrite(config.preview.domain),
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Routes declare their input as zod schemas (src/http/validation.ts); failures answer as errors.ts says.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Infrastructure: each decorates one thing and closes it in onClose.
  await app.register(errorHandlerPlugin);
  await app.register(slowClientsPlugin, { limits: config.server.limits, behindProxy: config.server.trustProxy !== false });
  await app.register(metricsPlugin);
  await app.register(databasePlugin, { databaseFile: config.storage.databaseFile, migrationsDir });
  await app.register(vaultPlugin, { secretKey: config.auth.secretKey, dataDir: config.storage.dataDir });
  await app.register(githubPlugin, { config: config.github, clock, owner: () => loadOwnerIdentity(app.db) });
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
  app.workspaces.service.onWorkspaceDeleted((workspaceId) => app.terminals.deleteWorkspaceTerminals(workspaceId));
  await app.register(githubRepoRoutes, { config, clock });
  await app.register(workspaceRoutes);
  // Review and ship (issue 21 §2): commits are by the signed-in owner, whom the auth feature knows.
  await app.register(workspaceReviewRoutes, {
    owner: () => loadOwnerIdentity(app.db),
    githubWebUrl: config.github.webUrl,
    // `?run=<id>`: an agent run's worktree (the runs feature is registered below; looked up per request).
    runWorktree: (workspaceId, runId) => app.runs.worktreeOf(workspaceId, runId),
  });
  await app.register(settingsRoutes, { service: settings });
  // The MCP servers runs may get (issue 21 §1), kept in Settings with their secrets in the vault.
  const mcpServers = createMcpServers({ db: app.db, vault: app.vault, path: config.terminals.baseEnv.PATH ?? '' });
  await app.register(mcpServerRoutes, { servers: mcpServers });
  // Agent runs (issue 21 §1): headless agents in a workspace's directory, with its variables.
  await app.register(runsPlugin, {
    config,
    clock,
    workspaceContext: (id) => app.workspaces.service.terminalContext(id),
    mcpServers,
    terminals: app.terminals,
    approvalHook: path.join(TERMINAL_BIN_DIR, 'shellport'),
  });
  app.workspaces.service.onWorkspaceDeleted((workspaceId) => app.runs.cancelWorkspaceRuns(workspaceId));
  // Agents' hooks and approvals (issue 20): a terminal proves itself with the secret the workspaces' broker knows.
  // The device that answered is named by its push subscription (registered below, asked later).
  await app.register(approvalsPlugin, {
    config,
    clock,
    policy: settings.approvalPolicy,
    deviceName: (id) => app.push.deviceName(id),
    // A run's approval hook asks only where its own tool rules do not decide.
    decideWithoutAsking: (request) => app.runs.decideByToolRules(request.sessionId, request.tool, request.input),
  });
  // A run's requests also go into its transcript, where its page answers them.
  app.approvals.onRequested((approval) => app.runs.noteApproval(approval));
  app.approvals.onClosed((approval) => app.runs.noteApproval(approval));
  await app.register(agentHooksPlugin, { config, findTerminal: app.workspaces.credentials.lookup });
  const dashboard = createDashboard({
    listRunning: () => app.terminals.list({ status: 'active' }),
    listWorkspaces: () => app.workspaces.service.list(),
    screenPreview: (id, rows) => app.terminals.screenPreview(id, rows),
    agentFor: (id) => app.agentHooks.agentFor(id),
    pendingApprovalFor: (id) => app.approvals.pendingFor(id),
    listActiveRuns: () => app.runs.listActive(),
  });
  await app.register(dashboardRoutes, { dashboard });
  // Web Push: terminals (and approvals) that need the owner reach their devices.
  await app.register(pushPlugin, {
    config,
    clock,
    onTerminalActivity: app.terminals.onActivity,
    approvals: app.approvals,
    describeTerminal: describeTerminalWith({ terminal: app.terminals.get, workspace: app.workspaces.service.get }),
    ...push,
  });

  // Previews (issue 23): dev servers started in the terminals, through /preview/<port>/.
  await app.register(previewPlugin, {
    config,
    clock,
    listRunning: () => app.terminals.list({ status: 'active' }),
    ensureWorkspace: (id) => app.workspaces.service.get(id),
  });
  // Read-only share links of terminals (issue 23 §2): the viewer sees who shares by the owner's login.
  await app.register(sharesPlugin, { config, clock, manager: app.terminals, ownerLogin: async () => (await loadOwnerIdentity(app.db))?.login ?? null });

  return app;
}
