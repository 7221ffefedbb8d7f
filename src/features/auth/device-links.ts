import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../infra/clock.js';

/**
 * Single-use sign-in links for a phone (issue 22 §3): a signed-in desktop shows one as a QR code, and
 * opening it signs that device in as the owner. Only the SHA-256 of a token is kept, in memory: a link
 * lives 60 s, so a restart ending the ones in flight costs a new code, and a leaked heap dump or database
 * hands out nothing. A used or expired link is remembered (by hash) a while longer, so that the phone is
 * told which it was rather than "unknown".
 */
export const DEVICE_LINK_TTL_MS = 60_000;
/** How long a used or expired link is still recognised as such. */
const REMEMBER_MS = 30 * 60_000;
/** Links in memory at most: a desktop rotates one every ~45 s, so this is many open dialogs' worth. */
const MAX_LINKS = 500;

export type DeviceLinkState = 'valid' | 'used' | 'expired' | 'unknown';

interface StoredLink {
  expiresAt: number;
  usedAt: number | null;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** The token's shape: 32 random bytes in base64url (43 characters). Anything else is not one of ours. */
export const DEVICE_LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Device links on the app's clock, which decides when they expire. */
export function createDeviceLinks({ clock, ttlMs = DEVICE_LINK_TTL_MS }: { clock: Clock; ttlMs?: number }) {
  const now = () => clock.now().getTime();
  const links = new Map<string, StoredLink>();

  function prune() {
    const at = now();
    for (const [hash, link] of links) if ((link.usedAt ?? link.expiresAt) + REMEMBER_MS <= at) links.delete(hash);
    // Oldest first (insertion order): the cap can only drop links long past use.
    for (const hash of links.keys()) {
      if (links.size < MAX_LINKS) break;
      links.delete(hash);
    }
  }

  function stateOf(link: StoredLink | undefined): DeviceLinkState {
    if (!link) return 'unknown';
    if (link.usedAt !== null) return 'used';
    return link.expiresAt <= now() ? 'expired' : 'valid';
  }

  const find = (token: string) => (DEVICE_LINK_TOKEN.test(token) ? links.get(hashOf(token)) : undefined);

  return {
    /** A new link's token (for the URL only: never stored, never logged) and when it expires. */
    issue(): { token: string; expiresAt: Date } {
      prune();
      const token = randomBytes(32).toString('base64url');
      const expiresAt = now() + ttlMs;
      links.set(hashOf(token), { expiresAt, usedAt: null });
      return { token, expiresAt: new Date(expiresAt) };
    },

    /** What opening `token` would meet, without using it (the confirmation page). */
    peek(token: string): DeviceLinkState {
      return stateOf(find(token));
    },

    /**
     * Uses the link up if it is valid, and says what it was. Synchronous, so that of two requests
     * presenting the same token at once exactly one sees `valid`.
     */
    consume(token: string): DeviceLinkState {
      const link = find(token);
      const state = stateOf(link);
      if (state === 'valid') link!.usedAt = now();
      return state;
    },

    clear(): void {
      links.clear();
    },
  };
}

export type DeviceLinks = ReturnType<typeof createDeviceLinks>;
