import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { TerminalsConfig } from '../../config/terminals.js';
import { registerWebSocketUpgrades } from '../../http/websocket-upgrades.js';
import { endConnectionsOnSignOut, type SignedInConnection } from '../auth/connection-watch.js';
import type { AuthGuard } from '../auth/guard.js';
import { openTerminalConnection } from './connection.js';
import type { TerminalManager } from './manager.js';
import { CLOSE_SIGNED_OUT, FRAME_OUTPUT, TERMINALS_WS_PATH } from '../../shared/terminals.js';

const envelopeSchema = z.strictObject({
  event: z.string().min(1).max(64),
  payload: z.unknown().optional(),
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** The common envelope, `{ event, payload }`, checked without zod (see `on` in connection.ts); anything else goes through the schema. */
function isPlainEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const { event } = value as { event?: unknown };
  return Object.keys(value).length === 2 && 'payload' in value && typeof event === 'string' && event.length >= 1 && event.length <= 64;
}

/** A client's text frame as `{ event, payload, id? }`; throws on anything else (binary frames included). */
export function parseEnvelope(raw: Buffer, isBinary: boolean): Envelope {
  if (isBinary) throw new Error('binary frames from clients are not part of the protocol; send JSON text');
  const value: unknown = JSON.parse(raw.toString('utf8'));
  return isPlainEnvelope(value) ? value : envelopeSchema.parse(value);
}

export interface TerminalWebSocketOptions {
  manager: TerminalManager;
  auth: AuthGuard;
  config: TerminalsConfig;
  /** Largest message a client may send; a bigger one closes the connection (1009). */
  maxPayload: number;
  revalidateIntervalMs?: number;
}

/**
 * `output` as one binary frame: [1][seq: float64 BE][n: sessionId length][sessionId][data].
 * One frame and no JSON per message: the cheapest way through a WebSocket.
 */
export function encodeOutputFrame(terminalId: string, seq: number, data: Buffer): Buffer {
  const idLength = Buffer.byteLength(terminalId, 'latin1');
  const frame = Buffer.allocUnsafe(10 + idLength + data.length);
  frame[0] = FRAME_OUTPUT;
  frame.writeDoubleBE(seq, 1);
  frame[9] = idLength;
  frame.write(terminalId, 10, 'latin1');
  data.copy(frame, 10 + idLength);
  return frame;
}

/**
 * The terminal protocol over a plain WebSocket at TERMINALS_WS_PATH, sharing the terminal manager
 * and the guard with the Socket.IO namespace. Handshakes pass the global sign-in check and
 * `authenticateUpgrade` (Origin present and ours) before the upgrade. Socket.IO also listens to the
 * server's `upgrade` events, so only upgrades for this path are handed to @fastify/websocket.
 */
export async function terminalWebSocketRoute(app: FastifyInstance, options: TerminalWebSocketOptions) {
  const { manager, auth, config } = options;
  const log = app.log;
  await registerWebSocketUpgrades(app, { accepts: (path) => path === TERMINALS_WS_PATH, maxPayload: options.maxPayload, label: 'terminal websocket' });

  // Open connections, with the sign-in session that opened each and how to end it for a sign-out.
  const open = new Map<WebSocket, SignedInConnection>();
  const stopWatching = endConnectionsOnSignOut({
    auth,
    log,
    revalidateIntervalMs: options.revalidateIntervalMs ?? 60_000,
    connections: () => [...open.values()],
  });
  app.addHook('onClose', async () => stopWatching());

  let nextId = 0;
  app.get(
    TERMINALS_WS_PATH,
    {
      websocket: true,
      // Browsers do not apply CORS to WebSockets: refuse a foreign or missing Origin before upgrading.
      preValidation: async (request: FastifyRequest, reply: FastifyReply) => {
        const check = await auth.authenticateUpgrade(request.raw);
        if (!check.ok) {
          log.info({ status: check.status, origin: request.headers.origin ?? null }, 'websocket handshake refused');
          return reply.code(check.status).send({ error: { code: check.status === 401 ? 'unauthenticated' : 'origin_refused', message: check.message } });
        }
      },
    },
    (ws: WebSocket, request: FastifyRequest) => {
      // The connection's TCP socket, which the upgrade handed to ws. Its `drain` says when the kernel
      // took what was written; ws.bufferedAmount counts the same bytes but ws has no drain event.
      const tcp = request.raw.socket;
      let closed = false;
      const send = (message: object) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      };
      // Stops handling messages and detaches at once: a client may take its time answering the
      // close frame, and nothing it sends meanwhile may reach a shell.
      const signOut = () => {
        if (closed) return;
        closed = true;
        connection.close();
        ws.close(CLOSE_SIGNED_OUT, 'signed out');
      };
      const connection = openTerminalConnection(
        { manager, auth, config, log },
        {
          id: `ws-${++nextId}`,
          request: request.raw,
          send: (event, payload) => send({ event, payload }),
          output: (terminalId, seq, data) => {
            if (ws.readyState === ws.OPEN) ws.send(encodeOutputFrame(terminalId, seq, data));
          },
          // Busy while the kernel has not taken what was written: new output coalesces meanwhile.
          isBusy: () => tcp.writableLength > 0,
          disconnect: signOut,
          get closed() {
            return closed;
          },
        },
      );
      // The sign-in guard set authSession on this (non-public) route before the upgrade.
      open.set(ws, { request: request.raw, authSessionId: request.authSession!.id, end: signOut });
      const onDrain = () => connection.pump();
      tcp.on('drain', onDrain);
      const unsubscribe = manager.onChange((terminal) => send({ event: 'terminal:updated', payload: { session: terminal } }));
      const unsubscribeActivity = manager.onActivity((sessionId, activity) => send({ event: 'terminal:activity', payload: { sessionId, activity } }));

      ws.on('message', (raw: Buffer, isBinary: boolean) => {
        if (closed) return;
        let envelope: Envelope;
        try {
          envelope = parseEnvelope(raw, isBinary);
        } catch (error) {
          send({ event: 'terminal:error', payload: { event: 'message', error: { code: 'validation_failed', message: `Not a protocol message: ${(error as Error).message.slice(0, 200)}. Send {"event", "payload", "id"?} as JSON text (docs/protocol.md).` } } });
          return;
        }
        const id = envelope.id;
        connection.dispatch(envelope.event, envelope.payload, id === undefined ? null : (reply) => send({ ack: id, payload: reply }));
      });
      ws.on('close', () => {
        closed = true;
        open.delete(ws);
        tcp.off('drain', onDrain);
        unsubscribe();
        unsubscribeActivity();
        connection.close();
      });
    },
  );
}
