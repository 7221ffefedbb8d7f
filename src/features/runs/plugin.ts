import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import type { McpServers } from '../settings/mcp-servers.js';
import { createAgentAdapters } from './agents.js';
import { createBudget } from './budget.js';
import { createPriceStore } from './prices-store.js';
import { createUsage } from './usage.js';
import { usageRoutes } from './usage-routes.js';
import { createRunMcp } from './mcp.js';
import { runRoutes } from './routes.js';
import { createWorktrees } from './worktrees.js';
import type { RunTerminals } from './runner.js';
import { createRunService, type RunService } from './service.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Agent runs (issue 21 §1): the queue, `create`, `cancel`, `events`… (service.ts). */
    runs: RunService;
  }
}

export interface RunsPluginOptions {
  config: Config;
  clock: Clock;
  /** The workspace's directory and variables as its terminals get them (the workspaces feature's). */
  workspaceContext: (workspaceId: string) => Promise<{ cwd: string; env: Record<string, string> }>;
  /** The MCP servers kept in Settings (the settings feature's), which a run may name. */
  mcpServers?: McpServers;
  /** The terminals feature's manager: each attempt is a terminal (of the terminal host when there is one). */
  terminals: RunTerminals & { readonly outlivesServer: boolean };
  /** The `shellport` command Claude Code's approval hook runs in a run (scripts/terminal-bin/shellport); none: runs ask nobody. */
  approvalHook?: string;
}

/** Decorates `app.runs` and serves /api/workspaces/:id/runs and /api/runs. */
export const runsPlugin = fp(
  async (app: FastifyInstance, { config, clock, workspaceContext, mcpServers, terminals, approvalHook }: RunsPluginOptions) => {
    // Usage and cost (issue 21 §1): the editable price table, totals and the monthly budget.
    const prices = createPriceStore({ db: app.db, clock });
    const usage = createUsage({ db: app.db, clock });
    const budget = createBudget({
      db: app.db,
      clock,
      usage,
      log: app.log.child({ feature: 'runs' }),
      wake: () => service.wake(),
      // The push feature is registered after this one; asked when a warning is due.
      notify: async (message) => (app.hasDecorator('push') ? app.push.send(message) : []),
    });
    const service = createRunService({
      priceTable: prices.table,
      holdsQueue: budget.holdsQueue,
      db: app.db,
      clock,
      log: app.log.child({ feature: 'runs' }),
      config: config.runs,
      baseEnv: config.terminals.baseEnv,
      user: config.terminals.user,
      workspaceContext,
      terminals,
      outlivesServer: () => terminals.outlivesServer,
      // The push feature is registered after this one; asked when a run ends.
      notify: async (message) => (app.hasDecorator('push') ? app.push.send(message) : []),
      agents: createAgentAdapters(config.runs, approvalHook ?? null),
      ...(mcpServers ? { mcp: createRunMcp({ servers: mcpServers, dataDir: config.storage.dataDir }) } : {}),
      worktrees: createWorktrees({ workspacesRoot: config.workspaces.rootDir, user: config.terminals.user, baseEnv: config.terminals.baseEnv }),
    });
    app.decorate('runs', service);
    await app.register(runRoutes, { service });
    await app.register(usageRoutes, { prices, usage, budget });
    app.addHook('onReady', async () => service.start());
    // Agents are killed before the database closes (their outcomes are stored).
    app.addHook('preClose', async () => {
      budget.close();
      await service.close();
    });
  },
  { name: 'runs', dependencies: ['database'] },
);
