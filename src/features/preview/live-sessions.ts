import type { SessionStore } from '../auth/session-store.js';
import { sessionTag } from './capability.js';

/** How long the list of live sign-ins is trusted before it is read again (a sign-out here is told at once). */
const RECHECK_MS = 15_000;

export interface LiveSessions {
  /** Whether the sign-in session a capability was issued to (by its tag) is still live. */
  isLive(tag: string): Promise<boolean>;
  /** A sign-in just seen live (the one a capability is being issued to): counted live without waiting for the next read. */
  noteLive(sessionId: string): void;
  /** Calls `listener` with the tags of sign-in sessions as they end; returns the unsubscribe function. */
  onEnded(listener: (tags: ReadonlySet<string>) => void): () => void;
  stop(): void;
}

/**
 * The live sign-in sessions, by capability tag. Preview requests come by the hundred (a dev server's
 * modules), so the list is read at most every RECHECK_MS, and forgotten at once when the session
 * store reports a sign-out, revoke or expiry. A session ended where nobody tells the store (the
 * owner CLI while the server runs) stops its previews within RECHECK_MS. Never extends a session.
 */
export function createLiveSessions(sessions: SessionStore): LiveSessions {
  let cached: { tags: Set<string>; readAt: number } | null = null;
  let reading: Promise<Set<string>> | null = null;
  const listeners = new Set<(tags: ReadonlySet<string>) => void>();
  // Sign-ins noted live since the last read began: a read that began before one was created must not forget it.
  const noted = new Set<string>();
  // Sessions never come back once ended: remembered, so a list read while one ended cannot revive it.
  const ended = new Set<string>();

  const read = () => {
    if (!reading) noted.clear();
    reading ??= sessions
      .list()
      .then((live) => {
        const tags = new Set([...live.map((session) => sessionTag(session.id)), ...noted]);
        cached = { tags, readAt: performance.now() };
        return tags;
      })
      .finally(() => {
        reading = null;
      });
    return reading;
  };

  const stopListening = sessions.onEnded((sessionIds) => {
    cached = null;
    const tags = new Set(sessionIds.map(sessionTag));
    for (const tag of tags) ended.add(tag);
    while (ended.size > 10_000) ended.delete(ended.values().next().value!);
    for (const listener of listeners) listener(tags);
  });

  return {
    async isLive(tag) {
      const tags = cached && performance.now() - cached.readAt < RECHECK_MS ? cached.tags : await read();
      return tags.has(tag) && !ended.has(tag);
    },
    noteLive(sessionId) {
      const tag = sessionTag(sessionId);
      noted.add(tag);
      cached?.tags.add(tag);
    },
    onEnded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: stopListening,
  };
}
