import { createHash, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from '../../config/auth.js';
import type { Database } from '../../infra/database/client.js';
import type { Clock } from '../../infra/clock.js';
import type { AuthSession } from '../../generated/prisma/client.js';

export interface SessionStoreDeps {
  db: Database;
  clock: Clock;
  config: AuthConfig;
  log: FastifyBaseLogger;
}

export interface ClientInfo {
  ip?: string | null;
  userAgent?: string | null;
}

// lastSeenAt is written at most this often, so that every API call is not also a database write.
const TOUCH_INTERVAL_MS = 60_000;

/** The stored form of a session id: SHA-256, so a leaked database does not hand out sign-ins. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Told the ids of sign-in sessions that just ended, so that connections they opened close at once. */
export type SessionsEndedListener = (sessionIds: readonly string[]) => void;

/**
 * Server-side sign-in sessions. The browser holds a random 256-bit id; only its hash is stored.
 * Every way a session ends here (sign-out, revoke, sign out everywhere, expiry seen on use) tells
 * the `onEnded` listeners; rows deleted elsewhere (the prune job) are reported through `reportEnded`.
 */
export function createSessionStore({ db, clock, config, log }: SessionStoreDeps) {
  const endedListeners = new Set<SessionsEndedListener>();

  function isExpired(session: AuthSession, now: Date): boolean {
    return session.expiresAt <= now || session.lastSeenAt.getTime() + config.sessionIdleTimeoutMs <= now.getTime();
  }

  function reportEnded(sessionIds: readonly string[]) {
    if (sessionIds.length === 0) return;
    // A listener that throws must not keep the others (or the sign-out) from going on.
    for (const listener of endedListeners) {
      try {
        listener(sessionIds);
      } catch (error) {
        // The sign-out itself has happened; the transports' periodic re-check is the backstop.
        log.error({ err: error }, 'closing the connections of ended sign-in sessions failed');
      }
    }
  }

  return {
    /** Starts a session; the returned token goes into the cookie and is never stored. */
    async create(client: ClientInfo): Promise<{ token: string; session: AuthSession }> {
      const token = randomBytes(32).toString('base64url');
      const now = clock.now();
      const session = await db.authSession.create({
        data: {
          tokenHash: hashSessionToken(token),
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + config.sessionMaxAgeMs),
          ip: client.ip ?? null,
          userAgent: client.userAgent?.slice(0, 512) ?? null,
        },
      });
      return { token, session };
    },

    /**
     * The live session for a cookie value, or null; an expired one is deleted on sight. Finding it
     * counts as the person's activity (it extends the idle timeout) unless `touch` is false: the
     * server's own re-checks of open connections must not keep a session alive.
     */
    async findValid(token: string | undefined, { touch = true }: { touch?: boolean } = {}): Promise<AuthSession | null> {
      if (!token || token.length > 128) return null;
      const session = await db.authSession.findUnique({ where: { tokenHash: hashSessionToken(token) } });
      if (!session) return null;
      const now = clock.now();
      if (isExpired(session, now)) {
        await db.authSession.deleteMany({ where: { id: session.id } });
        reportEnded([session.id]);
        return null;
      }
      if (touch && now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
        return db.authSession.update({ where: { id: session.id }, data: { lastSeenAt: now } });
      }
      return session;
    },

    /** Live sessions, most recently used first. */
    async list(): Promise<AuthSession[]> {
      const sessions = await db.authSession.findMany({ orderBy: { lastSeenAt: 'desc' } });
      const now = clock.now();
      return sessions.filter((session) => !isExpired(session, now));
    },

    /** Ends one session; returns whether it existed. */
    async revoke(id: string): Promise<boolean> {
      const { count } = await db.authSession.deleteMany({ where: { id } });
      if (count > 0) reportEnded([id]);
      return count > 0;
    },

    /** Ends every session ("sign out everywhere"); returns how many ended. */
    async revokeAll(): Promise<number> {
      // One transaction, so that the ids reported are exactly the rows deleted.
      const [ended, { count }] = await db.$transaction([db.authSession.findMany({ select: { id: true } }), db.authSession.deleteMany({})]);
      reportEnded(ended.map((session) => session.id));
      return count;
    },

    /** Calls `listener` with the ids of sessions as they end; returns the unsubscribe function. */
    onEnded(listener: SessionsEndedListener): () => void {
      endedListeners.add(listener);
      return () => endedListeners.delete(listener);
    },

    /** For session rows deleted outside this store (the prune job): tells the listeners. */
    reportEnded,
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
