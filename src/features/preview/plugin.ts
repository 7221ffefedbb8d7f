import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import type { TerminalInfo } from '../../shared/terminals.js';
import { createPreviewCapabilities } from './capability.js';
import { createGuessLimiter } from './guess-limiter.js';
import { createLiveSessions } from './live-sessions.js';
import { portsRoutes } from './ports-routes.js';
import { createPreviewTickets, previewLinkRoutes, previewOpenRoutes } from './proxy-routes.js';

export interface PreviewPluginOptions {
  config: Config;
  clock: Clock;
  /** The running terminals, whose processes' ports are listed. */
  listRunning: () => Promise<TerminalInfo[]>;
  /** Throws the 404 for an unknown workspace. */
  ensureWorkspace: (id: string) => Promise<unknown>;
}

/** Bad capabilities (forged, another port's) per client address and minute before its preview links are refused for the rest of it. */
const BAD_LINKS_PER_MINUTE = 30;
/** How long a subdomain mode ticket (Shellport's host → the preview host, one redirect) may take to be used. */
const TICKET_TTL_MS = 60_000;

/**
 * Previews of dev servers (issue 23 §1, docs/preview.md): /preview/<port>/ for the signed-in owner,
 * preview links that forward HTTP and WebSocket to loopback, and the ports the terminals listen on.
 * Needs the auth guard's session store and the terminals.
 */
export async function previewPlugin(app: FastifyInstance, { config, clock, listRunning, ensureWorkspace }: PreviewPluginOptions) {
  const publicUrl = new URL(config.server.publicUrl);
  const ownPorts = () => {
    const ports = new Set([config.server.port, Number(publicUrl.port || (publicUrl.protocol === 'https:' ? 443 : 80))]);
    const address = app.server.address() as AddressInfo | string | null;
    if (address && typeof address === 'object') ports.add(address.port);
    return ports;
  };
  const liveSessions = createLiveSessions(app.auth.sessions);
  app.addHook('onClose', async () => liveSessions.stop());
  const options = {
    config,
    ownPorts,
    liveSessions,
    capabilities: createPreviewCapabilities({ clock, ttlMs: config.preview.linkTtlMs }),
    tickets: createPreviewTickets(createPreviewCapabilities({ clock, ttlMs: TICKET_TTL_MS }), clock),
    guesses: createGuessLimiter({ clock, max: BAD_LINKS_PER_MINUTE, windowMs: 60_000 }),
  };
  await app.register(portsRoutes, { preview: config.preview, ownPorts, listRunning, ensureWorkspace });
  await app.register(previewOpenRoutes, options);
  await app.register(previewLinkRoutes, options);
}
