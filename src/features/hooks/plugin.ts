import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { TerminalSecretMatch } from '../workspaces/credentials.js';
import { createAgentTracker, type AgentInfo } from './agent-tracker.js';
import { createHookInstaller } from './installer.js';
import { hookRoutes } from './routes.js';

export interface AgentHooks {
  /** The agent whose hooks report from a terminal, and its current task (its last prompt), or null. */
  agentFor(sessionId: string): AgentInfo | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Agents' hooks (issue 20 §1): which agent runs in a terminal and what it was asked (src/features/hooks). */
    agentHooks: AgentHooks;
  }
}

export interface AgentHooksPluginOptions {
  config: Config;
  /** The terminal a secret belongs to: the workspaces' credential broker's `lookup` (one secret per terminal). */
  findTerminal: (secret: string | undefined) => Promise<TerminalSecretMatch | null>;
}

/**
 * POST/GET /internal/terminal-hook (the `shellport` command in terminals: activity, agent and task, and
 * permission requests handed to `app.approvals`) and /api/hooks (installing the hooks in the agents'
 * settings of the terminals' account). Decorates `app.agentHooks`.
 */
export const agentHooksPlugin = fp(
  async (app: FastifyInstance, { config, findTerminal }: AgentHooksPluginOptions) => {
    const tracker = createAgentTracker();
    const stopWatching = app.terminals.onChange((terminal) => {
      if (terminal.status === 'terminated') tracker.forget(terminal.id);
    });
    app.addHook('onClose', async () => stopWatching());
    const base = config.terminals.baseEnv;
    const installer = createHookInstaller({ user: config.terminals.user, home: base.HOME ?? os.homedir(), path: base.PATH ?? '/usr/bin:/bin' });
    app.decorate('agentHooks', { agentFor: (sessionId: string) => tracker.agentFor(sessionId) });
    await app.register(hookRoutes, {
      tracker,
      approvals: app.approvals,
      installer,
      findTerminal,
      reportActivity: (sessionId, report) => app.terminals.reportActivity(sessionId, report),
      async describeTerminal(sessionId) {
        const row = await app.db.terminal.findUnique({ where: { id: sessionId }, select: { name: true, workspaceId: true, workspace: { select: { name: true } } } });
        return { id: sessionId, name: row?.name ?? null, workspaceId: row?.workspaceId ?? null, workspaceName: row?.workspace?.name ?? null };
      },
    });
  },
  { name: 'agent-hooks', dependencies: ['database', 'terminals', 'approvals'] },
);
