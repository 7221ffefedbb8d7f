import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { ConnectionLimits } from '../config/server.js';

/** How often a request whose body is still arriving is checked. */
const CHECK_EVERY_MS = 1000;
/** After answering a request whose body has not finished: how long the rest may take to arrive. */
const LINGER_MS = 1000;

export interface SlowClientsOptions {
  limits: ConnectionLimits;
  /** Whether a proxy is trusted: connections then come from it, and the per-address cap does not apply. */
  behindProxy: boolean;
}

/**
 * Bounds what a client that is slow on purpose can hold (docs/security.md, "Slow clients"). The head
 * of a request must arrive within `headersTimeoutMs` (Node's own check, set in app.ts); its body within
 * `bodyTimeoutMs`, or for streaming routes (uploads) with no stall longer than `bodyIdleTimeoutMs`; an
 * answered request whose body never finished is not drained (a 401 followed by a trickle of body bytes
 * closed nothing before); connections are capped overall and per address. Upgraded connections
 * (terminals) are not requests: they keep their own liveness rules.
 */
export const slowClientsPlugin = fp(
  async (app: FastifyInstance, { limits, behindProxy }: SlowClientsOptions) => {
    app.server.maxConnections = limits.maxConnections;
    if (!behindProxy) capConnectionsPerAddress(app, limits.maxConnectionsPerAddress);

    app.addHook('onRequest', async (request) => {
      if (hasBody(request) && isNetworkSocket(request)) watchBody(request, limits, request.routeOptions.config?.streamingBody === true);
    });
    app.addHook('onResponse', async (request) => {
      const raw = request.raw;
      if (!hasBody(request) || raw.complete || raw.headers.upgrade || !isNetworkSocket(request)) return;
      // Answered before the body finished (refused, too large, failed): Node reads the rest to keep
      // the connection, which a client trickling its body would hold open forever. A body that is
      // nearly there still arrives; one that is not by then ends the connection.
      const socket = raw.socket;
      setTimeout(() => {
        if (!raw.complete) socket.destroy();
      }, LINGER_MS).unref();
    });
  },
  { name: 'slow-clients' },
);

/** A real connection (inject() hands requests a stand-in socket that cannot be destroyed). */
function isNetworkSocket(request: FastifyRequest): boolean {
  const socket = request.raw.socket as Partial<Socket> | undefined;
  return typeof socket?.destroy === 'function' && typeof socket.bytesRead === 'number';
}

function hasBody(request: FastifyRequest): boolean {
  const { headers } = request.raw;
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

/** Ends the connection when the body is late in total (or, streaming, stalls); stops once it is complete. */
function watchBody(request: FastifyRequest, limits: ConnectionLimits, streaming: boolean): void {
  const raw = request.raw;
  const socket = raw.socket;
  const started = performance.now();
  let lastProgressAt = started;
  let lastBytes = socket.bytesRead;
  const timer = setInterval(() => {
    if (raw.complete || socket.destroyed) {
      clearInterval(timer);
      return;
    }
    const now = performance.now();
    if (socket.bytesRead !== lastBytes) {
      lastBytes = socket.bytesRead;
      lastProgressAt = now;
    }
    const late = streaming ? now - lastProgressAt >= limits.bodyIdleTimeoutMs : now - started >= limits.bodyTimeoutMs;
    if (!late) return;
    clearInterval(timer);
    request.log.warn({ streaming, bytesRead: socket.bytesRead }, streaming ? 'request body stalled; connection closed' : 'request body too slow; connection closed');
    socket.destroy();
  }, CHECK_EVERY_MS);
  timer.unref();
  socket.once('close', () => clearInterval(timer));
}

function capConnectionsPerAddress(app: FastifyInstance, max: number): void {
  const open = new Map<string, number>();
  const onConnection = (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  };
  app.server.on('connection', onConnection);
  app.addHook('onClose', async () => {
    app.server.off('connection', onConnection);
  });
}
