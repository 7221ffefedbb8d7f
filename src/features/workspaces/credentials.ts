import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import { recordAuthEvent } from '../auth/auth-log.js';
import type { GitHubAccess } from '../github/access.js';

/*
 * Git inside terminals (issue 4 §4, narrowed by issue 18). Each terminal gets a random secret in its
 * environment (SHELLPORT_CREDENTIAL_SECRET) and git is told, through the same environment, to use
 * scripts/git-credential-shellport for the GitHub host, with the repository path in each request
 * (credential.useHttpPath). That helper posts the secret to POST /internal/git-credential on this
 * server over loopback, which answers with the owner's current token (fetched from app.github at each
 * call, so refreshed tokens just work) only for the repository the terminal's workspace was cloned
 * from, and only while the owner is signed in to Shellport somewhere. Every answer, given or refused,
 * is an AuthLog row `git_credential` naming the terminal and the repository, never the token. The
 * secret is kept only as a SHA-256 in memory, is bound to one terminal session and dies with it, and
 * the token is never written to disk.
 */

export interface CredentialGrant {
  sessionId: string;
  workspaceId: string | null;
}

const hash = (secret: string) => createHash('sha256').update(secret).digest();

/** A refusal; `reason` is the stable word the auth log records. */
class CredentialRefusal extends AppError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(403, 'credential_refused', message);
  }
}

/** What git asked for: `protocol`, `host` and, with credential.useHttpPath, the repository `path`. */
export interface CredentialRequest {
  protocol: string;
  host: string;
  path?: string | undefined;
}

/**
 * A repository URL path as git and GitHub compare it: without the slashes around it or a final
 * `.git`, lower case (GitHub's owner and repository names are case-insensitive); null when empty.
 */
export function normalizeRepositoryPath(urlPath: string | undefined): string | null {
  const path = (urlPath ?? '').replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '').toLowerCase();
  return path === '' || path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..') ? null : path;
}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
}

// A grant is issued just before its terminal's session row is written: younger ones are never pruned.
const PRUNE_AFTER_MS = 60_000;

export interface CredentialBrokerDeps {
  db: Database;
  github: GitHubAccess;
  clock: Clock;
  /** Whether the owner has a live sign-in session (any browser): no sign-in, no credentials. */
  hasLiveSignIn: () => Promise<boolean>;
}

export function createCredentialBroker({ db, github, clock, hasLiveSignIn }: CredentialBrokerDeps) {
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

  const broker = {
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
     * The `git credential` answer for one request, or a 403 AppError `credential_refused` whose message
     * git prints. Checks, in order: a known secret whose terminal session still runs; a live sign-in of
     * the owner; the GitHub web host (scheme, host and port); the repository the terminal's workspace
     * was cloned from. Each answer is recorded in the auth log; `client` is the caller's address.
     */
    async answer(secret: string | undefined, request: CredentialRequest, client: { ip?: string | null } = {}): Promise<string> {
      const asked = `${request.protocol}://${request.host}/${(request.path ?? '').replace(/^\/+/, '')}`;
      const record = (success: boolean, details: Record<string, unknown>) =>
        recordAuthEvent(db, clock, { action: 'git_credential', success, ip: client.ip ?? null, details: { repository: asked, ...details } });
      const grant = secret ? findGrant(secret) : undefined;
      const terminal = { terminal: grant?.sessionId ?? null, workspace: grant?.workspaceId ?? null };
      try {
        const token = await decide(grant, request);
        await record(true, terminal);
        return `username=x-access-token\npassword=${token}\n`;
      } catch (error) {
        await record(false, { ...terminal, reason: error instanceof CredentialRefusal ? error.reason : 'error' });
        throw error;
      }
    },
  };

  async function decide(grant: ReturnType<typeof findGrant>, request: CredentialRequest): Promise<string> {
    if (!grant) {
      throw new CredentialRefusal('unknown_secret', 'Unknown or missing terminal credential secret: git credentials are only given to Shellport terminals.');
    }
    const session = await db.session.findUnique({ where: { id: grant.sessionId }, select: { status: true, workspaceId: true } });
    if (!session || session.status === 'terminated' || session.workspaceId !== grant.workspaceId) {
      broker.revokeSession(grant.sessionId);
      throw new CredentialRefusal('terminal_ended', 'The terminal this secret belonged to has ended.');
    }
    if (!(await hasLiveSignIn())) {
      throw new CredentialRefusal(
        'signed_out',
        'Nobody is signed in to Shellport (signed out everywhere, or the sign-in expired), so terminals get no GitHub credentials. Sign in again in the browser, then retry.',
      );
    }
    if (`${request.protocol}:` !== webUrl.protocol || request.host.toLowerCase() !== webUrl.host.toLowerCase()) {
      throw new CredentialRefusal('other_host', `Shellport only gives credentials for ${webUrl.host}.`);
    }
    const own = grant.workspaceId ? await ownRepository(grant.workspaceId) : null;
    if (!own) {
      throw new CredentialRefusal(
        'no_workspace_repository',
        `This terminal is not in a workspace cloned from ${webUrl.host}: Shellport gives GitHub credentials only for a workspace's own repository.`,
      );
    }
    const wanted = normalizeRepositoryPath(request.path);
    if (wanted === null) {
      throw new CredentialRefusal('no_path', `git did not say which repository it wants (credential.useHttpPath is off): Shellport gives this terminal credentials only for ${own}.`);
    }
    if (wanted !== own) {
      throw new CredentialRefusal('other_repository', `Shellport gives this terminal credentials only for ${own}, the repository its workspace was cloned from, not for ${wanted}.`);
    }
    return github.getAccessToken();
  }

  /** The normalized path of the workspace's clone URL when it is on the GitHub web host (scheme, host, port), else null. */
  async function ownRepository(workspaceId: string): Promise<string | null> {
    const workspace = await db.workspace.findUnique({ where: { id: workspaceId }, select: { cloneUrl: true } });
    if (!workspace) return null;
    try {
      const url = new URL(workspace.cloneUrl);
      if (url.protocol !== webUrl.protocol || url.host.toLowerCase() !== webUrl.host.toLowerCase()) return null;
      return normalizeRepositoryPath(decodeURIComponent(url.pathname));
    } catch {
      return null;
    }
  }

  return broker;
}

export type CredentialBroker = ReturnType<typeof createCredentialBroker>;
