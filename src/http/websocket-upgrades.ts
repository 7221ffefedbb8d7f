// @fastify/websocket for some paths only. Socket.IO also listens to the HTTP server's `upgrade`
// events, so each plain-WebSocket feature hands @fastify/websocket only the upgrades for its own
// paths, through an emitter standing in for the server.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';

export interface WebSocketUpgradesOptions {
  /** Whether an upgrade for this path (without the query) is this plugin's. */
  accepts(path: string): boolean;
  maxPayload: number;
  /** Names the connections in log lines: "terminal websocket". */
  label: string;
}

/** Registers @fastify/websocket in `app` for the upgrades `accepts` takes; routes then use `{ websocket: true }`. */
export async function registerWebSocketUpgrades(app: FastifyInstance, { accepts, maxPayload, label }: WebSocketUpgradesOptions): Promise<void> {
  const upgrades = new EventEmitter();
  const relay = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = request.url ?? '';
    if (accepts(url.includes('?') ? url.slice(0, url.indexOf('?')) : url)) upgrades.emit('upgrade', request, socket, head);
  };
  app.server.on('upgrade', relay);
  app.addHook('onClose', async () => {
    app.server.off('upgrade', relay);
  });
  await app.register(websocket, {
    options: { server: upgrades as never, maxPayload, perMessageDeflate: false },
    errorHandler: (error, socket, request) => {
      // A frame that breaks the protocol (text that is not UTF-8, a message over maxPayload, a bad
      // opcode…): ws has already started closing with the matching code (1007, 1009, 1002). The
      // client's fault, not ours: one warning line, no stack.
      const code = (error as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && code.startsWith('WS_ERR_')) {
        request.log.warn({ code, reason: error.message }, `${label} closed: the client sent a frame the protocol forbids`);
        return;
      }
      request.log.error({ err: error }, `${label} failed`);
      socket.terminate();
    },
  });
  // A refused upgrade (a guard or an Origin check) got an HTTP answer on a socket no HTTP parser
  // owns any more: end it, or it would linger and keep the server from closing.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade) request.raw.socket.destroy();
  });
}
