import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthGuard } from './guard.js';

/** A long-lived connection (a WebSocket, a Socket.IO socket) opened under a sign-in session. */
export interface SignedInConnection {
  /** The upgrade request, whose cookie and Origin are checked again. */
  request: IncomingMessage;
  authSessionId: string;
  /** Ends the connection as signed out. */
  end(): void;
}

export interface ConnectionWatchOptions {
  auth: AuthGuard;
  log: FastifyBaseLogger;
  /** The connections open now. */
  connections: () => SignedInConnection[];
  /** How often every connection's sign-in is checked again. */
  revalidateIntervalMs: number;
}

/**
 * Ends connections whose sign-in ended (docs/security.md): at once when the session store reports
 * a sign-out, revoke or expiry, and by a periodic re-check as the backstop for sessions ended
 * where no one was told (the owner CLI while the server runs). Returns the function that stops watching.
 */
export function endConnectionsOnSignOut({ auth, log, connections, revalidateIntervalMs }: ConnectionWatchOptions): () => void {
  const stopListening = auth.sessions.onEnded((sessionIds) => {
    const ended = new Set(sessionIds);
    for (const connection of connections()) if (ended.has(connection.authSessionId)) connection.end();
  });
  const revalidate = async () => {
    // Connections sharing one upgrade request (Socket.IO namespaces) are checked once.
    const verdicts = new Map<IncomingMessage, Promise<boolean>>();
    for (const connection of connections()) {
      let verdict = verdicts.get(connection.request);
      if (!verdict) {
        // A check, not activity: it must not extend the session's idle timeout.
        verdict = auth.authenticateUpgrade(connection.request, { touch: false }).then((check) => check.ok);
        verdicts.set(connection.request, verdict);
      }
      if (!(await verdict)) connection.end();
    }
  };
  const timer = setInterval(() => void revalidate().catch((error: unknown) => log.error({ err: error }, 'terminal connection session check failed')), revalidateIntervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    stopListening();
  };
}
