import type { FastifyBaseLogger } from 'fastify';
import type { Namespace, Server, Socket } from 'socket.io';
import type { TerminalsConfig } from '../../config/terminals.js';
import { endConnectionsOnSignOut } from '../auth/connection-watch.js';
import type { AuthGuard } from '../auth/guard.js';
import type { AuthenticatedSocketData } from '../../infra/socket-server.js';
import { type AckFn, openTerminalConnection } from './connection.js';
import type { TerminalManager } from './manager.js';
import type { ServerEvents } from '../../shared/terminals.js';

export const TERMINALS_NAMESPACE = '/terminals';

type TerminalServerEvents = { [E in keyof ServerEvents<Buffer>]: (payload: ServerEvents<Buffer>[E]) => void };

type TerminalSocket = Socket<Record<string, (...args: unknown[]) => void>, TerminalServerEvents, Record<string, never>, AuthenticatedSocketData>;

export interface TerminalSocketDeps {
  io: Server;
  manager: TerminalManager;
  auth: AuthGuard;
  config: TerminalsConfig;
  log: FastifyBaseLogger;
  /** How often connected sockets' sign-in sessions are checked again (a revoked one is disconnected). */
  revalidateIntervalMs?: number;
}

/**
 * The /terminals Socket.IO namespace: each socket is one terminal connection (connection.ts);
 * Socket.IO carries its events, acknowledgements and binary output.
 */
export function registerTerminalSocketHandlers({ io, manager, auth, config, log, revalidateIntervalMs = 60_000 }: TerminalSocketDeps): () => void {
  const namespace = io.of(TERMINALS_NAMESPACE) as unknown as Namespace<
    Record<string, (...args: unknown[]) => void>,
    TerminalServerEvents,
    Record<string, never>,
    AuthenticatedSocketData
  >;
  const unsubscribe = manager.onChange((session) => namespace.emit('terminal:updated', { session }));
  // A socket ends with its sign-in: `disconnect(true)` closes it, and clients do not reconnect after it.
  const stopWatching = endConnectionsOnSignOut({
    auth,
    log,
    revalidateIntervalMs,
    connections: () =>
      [...namespace.sockets.values()].map((socket) => ({ request: socket.request, authSessionId: socket.data.authSession.id, end: () => void socket.disconnect(true) })),
  });

  namespace.on('connection', (socket: TerminalSocket) => {
    // Engine.IO's transport: busy while a write is in flight, 'ready' when it can take more.
    const conn = socket.conn as unknown as {
      transport: NodeJS.EventEmitter & { writable: boolean };
      writeBuffer: unknown[];
      on(event: 'upgrade', listener: (transport: NodeJS.EventEmitter & { writable: boolean }) => void): void;
    };
    const emit = socket.emit.bind(socket) as unknown as (event: string, payload: object) => void;
    const connection = openTerminalConnection(
      { manager, auth, config, log },
      {
        id: socket.id,
        request: socket.request,
        send: emit,
        // Engine.IO queues the attachment: it gets a copy of the borrowed bytes.
        output: (sessionId, seq, data) => emit('terminal:output', { sessionId, seq, data: Buffer.from(data) }),
        isBusy: () => !conn.transport.writable || conn.writeBuffer.length > 0,
        disconnect: () => void socket.disconnect(true),
        get closed() {
          return socket.disconnected;
        },
      },
    );
    const onTransportReady = () => connection.pump();
    let transport = conn.transport;
    transport.on('ready', onTransportReady);
    conn.on('upgrade', (next) => {
      transport.off('ready', onTransportReady);
      transport = next;
      transport.on('ready', onTransportReady);
    });

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AckFn) : null;
      connection.dispatch(event, args[0], ack);
    });

    socket.on('disconnect', () => {
      transport.off('ready', onTransportReady);
      connection.close();
    });
  });

  return () => {
    stopWatching();
    unsubscribe();
  };
}
