import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { createUserFiles, ensureUserSeparation, separateUser } from '../../infra/terminal-user.js';
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
    /** Workspaces: service, clone events, terminal git credentials and secrets (see src/features/workspaces). */
    workspaces: Workspaces;
  }
}

export interface WorkspacesPluginOptions {
  config: Config;
  clock: Clock;
}

/**
 * Decorates `app.workspaces`, created once per app. Registered before the terminals feature (which
 * takes `app.workspaces.terminalContext`); the composition root then registers the terminals'
 * clean-up with `app.workspaces.service.onWorkspaceDeleted(hook)`, so neither feature imports the other.
 */
export const workspacesPlugin = fp(
  async (app: FastifyInstance, { config, clock }: WorkspacesPluginOptions) => {
    const log = app.log.child({ component: 'workspaces' });
    const user = config.terminals.user;
    // Before anything is created: with TERMINAL_USER, refuse a layout where the shells could reach DATA_DIR.
    await ensureUserSeparation({ user, dataDir: config.storage.dataDir, workspacesDir: config.workspaces.rootDir });
    const events = createCloneEvents();
    const credentials = createCredentialBroker({
      db: app.db,
      github: app.github,
      clock,
      hasLiveSignIn: async () => (await app.auth.sessions.list()).length > 0,
    });
    const git = createGitRunner({
      baseEnv: config.terminals.baseEnv,
      githubWebUrl: config.github.webUrl,
      stallTimeoutMs: config.workspaces.gitStallTimeoutMs,
      networkTimeoutMs: config.github.timeoutMs,
      log,
      user,
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
      revokeCredentials: (id) => credentials.revokeWorkspace(id),
      files: createUserFiles(user),
    });
    const terminalContext = createTerminalContextProvider({
      service,
      webUrl: config.github.webUrl,
      serverAddress: () => app.server.address(),
      homeDir: config.terminals.baseEnv.HOME ?? config.storage.dataDir,
      // Another account cannot enter DATA_DIR: its shells start in / when its home does not exist.
      fallbackDir: separateUser(user) ? '/' : config.storage.dataDir,
      basePath: config.terminals.baseEnv.PATH ?? '/usr/bin:/bin',
    });
    await service.recover();
    app.decorate('workspaces', { service, events, credentials, terminalContext });
    // preClose: Fastify waits for the requests in flight before onClose, and a fetch or pull waiting
    // on a git server that does not answer would hold the whole shutdown. onClose too, for an app
    // closed before it was ever ready (Fastify runs preClose only for a ready one).
    app.addHook('preClose', async () => {
      await service.close();
    });
    app.addHook('onClose', async () => {
      await service.close();
    });
  },
  { name: 'workspaces', dependencies: ['database', 'vault', 'github', 'metrics', 'auth-guard'] },
);
