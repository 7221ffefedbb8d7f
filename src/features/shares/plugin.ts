import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { createGuessLimiter } from '../preview/guess-limiter.js';
import type { TerminalManager } from '../terminals/manager.js';
import { shareRoutes } from './routes.js';
import { createShareService } from './service.js';
import { viewerWebSocketRoute } from './viewer-ws.js';

export interface SharesPluginOptions {
  config: Config;
  clock: Clock;
  manager: TerminalManager;
  /** The owner's GitHub login, shown to viewers as who shares. */
  ownerLogin: () => Promise<string | null>;
  /** How often open viewers are checked for expiry (tests shorten it). */
  sweepIntervalMs?: number;
}

/** Share links that do not work, per client address (IPv6: per /64) and minute, before its share links are refused for the rest of it. */
export const BAD_SHARE_TOKENS_PER_MINUTE = 20;

/**
 * Read-only share links of terminals (issue 23 §2, docs/sharing.md): the owner's /api/shares routes,
 * the public token lookup for the viewer's page and the viewer's WebSocket.
 */
export async function sharesPlugin(app: FastifyInstance, { config, clock, manager, ownerLogin, sweepIntervalMs }: SharesPluginOptions) {
  const log = app.log.child({ feature: 'shares' });
  const service = createShareService({ db: app.db, clock, log, terminal: (id) => manager.get(id), ownerLogin, ...(sweepIntervalMs ? { sweepIntervalMs } : {}) });
  const guesses = createGuessLimiter({ clock, max: BAD_SHARE_TOKENS_PER_MINUTE, windowMs: 60_000 });
  app.addHook('onClose', async () => service.close());
  await app.register(shareRoutes, { service, guesses });
  await app.register(viewerWebSocketRoute, { config, manager, auth: app.auth, service, guesses });
}
