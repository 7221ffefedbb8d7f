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
 * Calls `listener` whenever Engine.IO's current transport can take more (its 'ready' event), across
 * an upgrade from polling to WebSocket; returns how to stop. `conn.transport`, its `writable` and the
 * connection's 'upgrade' are Engine.IO's public API; 'ready' is the event Engine.IO's own socket
 * flushes on, not documented: tests/features/terminals/socket.test.ts checks it still comes.
 */
export function onTransportReady(conn: Socket['conn'], listener: () => void): () => void {
  let transport = conn.transport;
  transport.on('ready', listener);
  const onUpgrade = (next: typeof transport) => {
    transport.off('ready', listener);
    transport = next;
    transport.on('ready', listener);
  };
  conn.on('upgrade', onUpgrade);
  return () => {
    transport.off('ready', listener);
    conn.off('upgrade', onUpgrade);
  };
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
  const unsubscribe = manager.onChange((terminal) => namespace.emit('terminal:updated', { session: terminal }));
  const unsubscribeActivity = manager.onActivity((sessionId, activity) => namespace.emit('terminal:activity', { sessionId, activity }));
  // A socket ends with its sign-in: `disconnect(true)` closes it, and clients do not reconnect after it.
  const stopWatching = endConnectionsOnSignOut({
    auth,
    log,
    revalidateIntervalMs,
    connections: () =>
      [...namespace.sockets.values()].map((socket) => ({ request: socket.request, authSessionId: socket.data.authSession.id, end: () => void socket.disconnect(true) })),
  });

  namespace.on('connection', (socket: TerminalSocket) => {
    const conn = socket.conn;
    const emit = socket.emit.bind(socket) as unknown as (event: string, payload: object) => void;
    const connection = openTerminalConnection(
      { manager, auth, config, log },
      {
        id: socket.id,
        request: socket.request,
        send: emit,
        // Engine.IO queues the attachment: it gets a copy of the borrowed bytes.
        output: (sessionId, seq, data) => emit('terminal:output', { sessionId, seq, data: Buffer.from(data) }),
        // Busy while Engine.IO's transport has a write in flight. Engine.IO sends what it queued as soon
        // as the transport is writable (before our 'ready' listener runs), so nothing waits queued then.
        isBusy: () => !conn.transport.writable,
        disconnect: () => void socket.disconnect(true),
        get closed() {
          return socket.disconnected;
        },
      },
    );
    const stopListening = onTransportReady(conn, () => connection.pump());

    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = typeof args[args.length - 1] === 'function' ? (args.pop() as AckFn) : null;
      connection.dispatch(event, args[0], ack);
    });

    socket.on('disconnect', () => {
      stopListening();
      connection.close();
    });
  });

  return () => {
    stopWatching();
    unsubscribe();
    unsubscribeActivity();
  };
}
