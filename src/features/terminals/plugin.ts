import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { createPtyHost, type PtyHost } from '../../infra/pty-host.js';
import type { ReadinessRegistry } from '../health/readiness.js';
import { createDefaultContextProvider, type TerminalContextProvider } from './context.js';
import { createTerminalManager, type TerminalManager } from './manager.js';
import { createScrollbackReadinessCheck } from './readiness.js';
import { terminalRoutes } from './routes.js';
import { registerTerminalSocketHandlers } from './socket.js';
import { terminalUploadRoutes } from './upload-routes.js';
import { terminalWebSocketRoute } from './ws.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's one terminal manager (other features: deleteWorkspaceSessions, countActive). */
    terminals: TerminalManager;
  }
}

export interface TerminalsPluginOptions {
  config: Config;
  clock: Clock;
  /** Working directory and variables per terminal; the workspaces feature passes its own. */
  contextProvider?: TerminalContextProvider;
  ptyHost?: PtyHost;
  /** The owner's default shell as stored, or null: the settings feature's `defaultShell`. */
  defaultShell: () => Promise<string | null>;
  /** Where the `scrollback` check goes (/readyz). */
  readiness?: ReadinessRegistry;
}

/**
 * Terminals: the manager (decorated as `app.terminals`), the /terminals Socket.IO namespace and
 * the /api/terminals routes (uploads included). On close, every PTY is killed and its output written.
 */
export const terminalsPlugin = fp(
  async (app: FastifyInstance, options: TerminalsPluginOptions) => {
    const log = app.log.child({ feature: 'terminals' });
    const manager = createTerminalManager({
      db: app.db,
      scrollbackDir: options.config.storage.scrollbackDir,
      config: options.config.terminals,
      clock: options.clock,
      log,
      metrics: app.metrics,
      ptyHost: options.ptyHost ?? createPtyHost({ user: options.config.terminals.user }),
      contextProvider: options.contextProvider ?? createDefaultContextProvider({ db: app.db, dataDir: options.config.storage.dataDir }),
      defaultShell: options.defaultShell,
    });
    await manager.recoverAfterRestart();
    app.decorate('terminals', manager);
    options.readiness?.add(
      'scrollback',
      createScrollbackReadinessCheck({
        dir: options.config.storage.scrollbackDir,
        minFreeBytes: options.config.storage.minFreeDiskBytes,
        store: { health: manager.scrollbackHealth },
      }),
    );
    const unsubscribe = registerTerminalSocketHandlers({ io: app.io, manager, auth: app.auth, config: options.config.terminals, log });
    await app.register(terminalRoutes, { manager });
    await app.register(terminalUploadRoutes, { manager, maxBytes: options.config.terminals.uploadMaxBytes, user: options.config.terminals.user });
    await app.register(terminalWebSocketRoute, {
      manager,
      auth: app.auth,
      config: options.config.terminals,
      maxPayload: Math.max(1024 * 1024, 4 * options.config.terminals.maxInputBytes + 4096),
    });
    app.addHook('onClose', async () => {
      unsubscribe();
      await manager.dispose();
    });
  },
  { name: 'terminals', dependencies: ['database', 'metrics', 'auth-guard', 'socket-server'] },
);
