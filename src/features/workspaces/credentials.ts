import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { GitHubAccess } from '../github/access.js';

/*
 * Git inside terminals (issue 4 §4). Each terminal gets a random secret in its environment
 * (SHELLPORT_CREDENTIAL_SECRET) and git is told, through the same environment, to use
 * scripts/git-credential-shellport for the GitHub host. That helper posts the secret to
 * POST /internal/git-credential on this server over loopback, which answers with the owner's
 * current token (fetched from app.github at each call, so refreshed tokens just work). The secret
 * is kept only as a SHA-256 in memory, is bound to one terminal session and dies with it, and the
 * token is never written to disk.
 */

export interface CredentialGrant {
  sessionId: string;
  workspaceId: string | null;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();

const refused = (message: string) => new AppError(403, 'credential_refused', message);

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

// A grant is issued just before its terminal's session row is written: younger ones are never pruned.
const PRUNE_AFTER_MS = 60_000;

export function createCredentialBroker({ db, github, clock }: { db: Database; github: GitHubAccess; clock: Clock }) {
  const grants = new Map<string, CredentialGrant & { digest: Buffer; issuedAt: number }>();

  /** Forgets the grants of terminals that have ended (their secrets are refused anyway; this bounds memory). */
  async function pruneEnded(): Promise<void> {
    const cutoff = clock.now().getTime() - PRUNE_AFTER_MS;
    const old = [...grants.values()].filter((grant) => grant.issuedAt < cutoff);
    if (old.length === 0) return;
    const live = await db.session.findMany({ where: { id: { in: old.map((grant) => grant.sessionId) }, status: { not: 'terminated' } }, select: { id: true } });
    const alive = new Set(live.map((row) => row.id));
    for (const [key, grant] of grants) if (grant.issuedAt < cutoff && !alive.has(grant.sessionId)) grants.delete(key);
  }
  const webUrl = new URL(github.webUrl);

  function findGrant(secret: string): (CredentialGrant & { digest: Buffer; issuedAt: number }) | undefined {
    if (!/^[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
    const digest = hash(secret);
    const grant = grants.get(digest.toString('hex'));
    // The map lookup is by digest; the constant-time compare is belt and braces.
    return grant && timingSafeEqual(grant.digest, digest) ? grant : undefined;
  }

  return {
    /** A new secret for one terminal session (replacing any earlier one of that session). */
    issue(sessionId: string, workspaceId: string | null): string {
      this.revokeSession(sessionId);
      const secret = randomBytes(32).toString('base64url');
      const digest = hash(secret);
      grants.set(digest.toString('hex'), { sessionId, workspaceId, digest, issuedAt: clock.now().getTime() });
      void pruneEnded().catch(() => {
        // Best effort: an ended terminal's secret is refused whether or not it was pruned.
      });
      return secret;
    },
    revokeSession(sessionId: string): void {
      for (const [key, grant] of grants) if (grant.sessionId === sessionId) grants.delete(key);
    },
    revokeWorkspace(workspaceId: string): void {
      for (const [key, grant] of grants) if (grant.workspaceId === workspaceId) grants.delete(key);
    },
    size: () => grants.size,

    /**
     * The `git credential` answer for one request, or an AppError. Checks: a known secret whose
     * terminal session still runs, and a request for the GitHub web host (scheme, host and port).
     */
    async answer(secret: string | undefined, request: { protocol: string; host: string }): Promise<string> {
      const grant = secret ? findGrant(secret) : undefined;
      if (!grant) throw refused('Unknown or missing terminal credential secret: git credentials are only given to Shellport terminals.');
      const session = await db.session.findUnique({ where: { id: grant.sessionId }, select: { status: true, workspaceId: true } });
      if (!session || session.status === 'terminated' || session.workspaceId !== grant.workspaceId) {
        this.revokeSession(grant.sessionId);
        throw refused('The terminal this secret belonged to has ended.');
      }
      if (`${request.protocol}:` !== webUrl.protocol || request.host.toLowerCase() !== webUrl.host.toLowerCase()) {
        throw refused(`Shellport only gives credentials for ${webUrl.host}.`);
      }
      const token = await github.getAccessToken();
      return `username=x-access-token\npassword=${token}\n`;
    },
  };
}

export type CredentialBroker = ReturnType<typeof createCredentialBroker>;
