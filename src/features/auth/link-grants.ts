import { randomBytes } from 'node:crypto';
import type { Clock } from '../../infra/clock.js';

/**
 * What opening a start-up link leaves in a browser (issue 18): the link's token is used up at once, and
 * the browser gets a random grant id in a cookie instead, good for one purpose and a while:
 * - `claim` (the setup link): its next GitHub sign-in may claim a server without owner;
 * - `device` (the sign-in link where it does not sign in by itself): its next device-code sign-in needs
 *   no approval from a signed-in browser.
 * Grants live in memory only: a restart ends them, as it replaces the links.
 */
export type LinkGrantPurpose = 'claim' | 'device';

/** Grants on the app's clock, which decides when they expire. */
export function createLinkGrants({ ttlMs, clock }: { ttlMs: number; clock: Clock }) {
  const now = () => clock.now().getTime();
  const grants = new Map<string, { purpose: LinkGrantPurpose; expiresAt: number }>();
  return {
    /** A new grant; returns its id for the cookie. */
    issue(purpose: LinkGrantPurpose): string {
      for (const [id, grant] of grants) if (grant.expiresAt <= now()) grants.delete(id);
      const id = randomBytes(32).toString('base64url');
      grants.set(id, { purpose, expiresAt: now() + ttlMs });
      return id;
    },
    /** Whether `id` (a cookie's value) is a live grant for `purpose`. */
    holds(id: string | undefined, purpose: LinkGrantPurpose): boolean {
      const grant = id === undefined ? undefined : grants.get(id);
      return grant !== undefined && grant.purpose === purpose && grant.expiresAt > now();
    },
    /** Ends one grant (it has served). */
    drop(id: string): void {
      grants.delete(id);
    },
    /** Ends every grant for `purpose` (a claim has been made: none can serve again). */
    dropAll(purpose: LinkGrantPurpose): void {
      for (const [id, grant] of grants) if (grant.purpose === purpose) grants.delete(id);
    },
    clear(): void {
      grants.clear();
    },
  };
}
