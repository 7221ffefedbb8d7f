import { createHash, randomBytes } from 'node:crypto';
import type { AuthConfig } from '../../config/auth.js';
import type { Database } from '../../infra/database/client.js';
import type { Clock } from '../../infra/clock.js';
import type { AuthSession } from '../../generated/prisma/client.js';

export interface SessionStoreDeps {
  db: Database;
  clock: Clock;
  config: AuthConfig;
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

/** Server-side sign-in sessions. The browser holds a random 256-bit id; only its hash is stored. */
export function createSessionStore({ db, clock, config }: SessionStoreDeps) {
  function isExpired(session: AuthSession, now: Date): boolean {
    return session.expiresAt <= now || session.lastSeenAt.getTime() + config.sessionIdleTimeoutMs <= now.getTime();
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

    /** The live session for a cookie value, or null; an expired one is deleted on sight. */
    async findValid(token: string | undefined): Promise<AuthSession | null> {
      if (!token || token.length > 128) return null;
      const session = await db.authSession.findUnique({ where: { tokenHash: hashSessionToken(token) } });
      if (!session) return null;
      const now = clock.now();
      if (isExpired(session, now)) {
        await db.authSession.deleteMany({ where: { id: session.id } });
        return null;
      }
      if (now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
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
      return count > 0;
    },

    /** Ends every session ("sign out everywhere"); returns how many ended. */
    async revokeAll(): Promise<number> {
      const { count } = await db.authSession.deleteMany({});
      return count;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
