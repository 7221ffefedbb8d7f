import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import path from 'node:path';
import { createPtyHost, type PtyHost } from '../../infra/pty-host.js';
import { createTerminalHostClient } from '../../infra/terminal-host-client.js';
import type { ReadinessRegistry } from '../health/readiness.js';
import { createDefaultContextProvider, type TerminalContextProvider } from './context.js';
import { createTerminalManager, type TerminalManager } from './manager.js';
import { createTerminalHostService, terminalHostRoutes } from './host-routes.js';
import { createScrollbackReadinessCheck, createTerminalHostReadinessCheck } from './readiness.js';
import { detectReboot } from './reboot.js';
import { terminalRoutes } from './routes.js';
import { registerTerminalSocketHandlers } from './socket.js';
import { terminalUploadRoutes } from './upload-routes.js';
import { terminalWebSocketRoute } from './ws.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's one terminal manager (other features: deleteWorkspaceTerminals, countActive). */
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
    const terminalsConfig = options.config.terminals;
    const dataDir = options.config.storage.dataDir;
    const hostClient =
      options.ptyHost || terminalsConfig.host === 'in-process'
        ? null
        : createTerminalHostClient({
            dir: path.join(dataDir, 'terminal-host'),
            log: log.child({ part: 'terminal-host' }),
            // The terminal pauses its PTY at this much unsaved output (terminal.ts); the host sends no more ahead.
            window: terminalsConfig.ringBufferBytes - 128 * 1024,
            start: terminalsConfig.host === 'service' ? 'never' : 'auto',
            user: terminalsConfig.user?.name ?? null,
          });
    const rebooted = detectReboot(dataDir);
    const manager = createTerminalManager({
      db: app.db,
      scrollbackDir: options.config.storage.scrollbackDir,
      config: options.config.terminals,
      clock: options.clock,
      log,
      metrics: app.metrics,
      ptyHost: options.ptyHost ?? hostClient ?? createPtyHost({ user: terminalsConfig.user }),
      host: hostClient,
      rebooted: () => rebooted,
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
    const hostService = createTerminalHostService({
      mode: hostClient ? terminalsConfig.host : 'in-process',
      client: hostClient,
      socketPath: path.join(dataDir, 'terminal-host', 'host.sock'),
      manager,
      db: app.db,
      graceMs: terminalsConfig.killGraceMs,
    });
    options.readiness?.add('terminalHost', createTerminalHostReadinessCheck(hostService));
    const unsubscribe = registerTerminalSocketHandlers({ io: app.io, manager, auth: app.auth, config: options.config.terminals, log });
    await app.register(terminalRoutes, { manager });
    await app.register(terminalHostRoutes, { service: hostService });
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
