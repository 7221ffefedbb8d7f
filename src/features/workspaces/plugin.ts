import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { createCloneEvents, type CloneEvents } from './clone-events.js';
import { createCredentialBroker, type CredentialBroker } from './credentials.js';
import { createGitRunner } from './git-runner.js';
import { createWorkspaceService, type WorkspaceService } from './service.js';
import { createTerminalContextProvider, type TerminalContextProvider } from './terminal-context.js';

export interface Workspaces {
  service: WorkspaceService;
  events: CloneEvents;
  credentials: CredentialBroker;
  /** Pass to the terminals feature: each new terminal's cwd and environment (variables, git credentials). */
  terminalContext: TerminalContextProvider;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Workspaces: service, clone events, terminal git credentials (see src/features/workspaces). */
    workspaces: Workspaces;
  }
}

export interface WorkspacesPluginOptions {
  config: Config;
  clock: Clock;
}

/**
 * Decorates `app.workspaces`, created once per app. Registered before the terminals feature (which
 * takes `app.workspaces.terminalContext`); the terminals manager is attached afterwards with
 * `app.workspaces.service.useTerminals(manager)` so deleting a workspace ends its terminals.
 */
export const workspacesPlugin = fp(
  async (app: FastifyInstance, { config, clock }: WorkspacesPluginOptions) => {
    const log = app.log.child({ component: 'workspaces' });
    const events = createCloneEvents();
    const credentials = createCredentialBroker({ db: app.db, github: app.github, clock });
    const git = createGitRunner({
      baseEnv: config.terminals.baseEnv,
      githubWebUrl: config.github.webUrl,
      stallTimeoutMs: config.workspaces.gitStallTimeoutMs,
      log,
    });
    const service = createWorkspaceService({
      db: app.db,
      vault: app.vault,
      github: app.github,
      git,
      events,
      metrics: app.metrics,
      config,
      clock,
      log,
      onWorkspaceDeleted: (id) => credentials.revokeWorkspace(id),
    });
    const terminalContext = createTerminalContextProvider({
      service,
      broker: credentials,
      webUrl: config.github.webUrl,
      serverAddress: () => app.server.address(),
      homeDir: config.terminals.baseEnv.HOME ?? config.storage.dataDir,
      fallbackDir: config.storage.dataDir,
    });
    await service.recover();
    app.decorate('workspaces', { service, events, credentials, terminalContext });
    app.addHook('onClose', async () => {
      await service.close();
    });
  },
  { name: 'workspaces', dependencies: ['database', 'vault', 'github', 'metrics'] },
);
