import { createHash, randomBytes } from 'node:crypto';
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
 * is an AuthLog row `git_credential` naming the terminal and the repository, never the token.
 *
 * The secret is the terminal's for everything it asks of the server: agent hooks (issue 20,
 * src/features/hooks) present it too. Only its SHA-256 is kept, on the terminal's row
 * (`secret_digest`), so that terminals the terminal host kept running across a server restart are
 * still recognized; it is worth nothing once its terminal has ended, and the token is never written
 * to disk.
 */

export interface CredentialGrant {
  sessionId: string;
  workspaceId: string | null;
}

/** A terminal found by its secret; `running` is false once it has ended. */
export interface TerminalSecretMatch extends CredentialGrant {
  running: boolean;
}

/** The hex SHA-256 kept on a terminal's row in place of its secret. */
export const secretDigest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** What a secret looks like (32 random bytes, base64url): anything else is refused before any lookup. */
const SECRET_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new terminal secret and the digest to store on its row. */
export function createTerminalSecret(): { secret: string; digest: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, digest: secretDigest(secret) };
}

/**
 * The terminal whose secret this is, from its row, or null for an unknown (or malformed) secret.
 * Looked up by the digest's index: the digest of a 256-bit random secret tells nothing about the
 * secret, so the lookup's timing gives nothing away either.
 */
export async function findTerminalBySecret(db: Database, secret: string | undefined): Promise<TerminalSecretMatch | null> {
  if (!secret || !SECRET_SHAPE.test(secret)) return null;
  const row = await db.terminal.findFirst({ where: { secretDigest: secretDigest(secret) }, select: { id: true, workspaceId: true, status: true } });
  return row ? { sessionId: row.id, workspaceId: row.workspaceId, running: row.status !== 'terminated' } : null;
}

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

export interface CredentialBrokerDeps {
  db: Database;
  github: GitHubAccess;
  clock: Clock;
  /** Whether the owner has a live sign-in session (any browser): no sign-in, no credentials. */
  hasLiveSignIn: () => Promise<boolean>;
}

export function createCredentialBroker({ db, github, clock, hasLiveSignIn }: CredentialBrokerDeps) {
  const webUrl = new URL(github.webUrl);

  const broker = {
    /** The terminal a secret belongs to, and whether it still runs; null for an unknown secret (agent hooks use the same secret). */
    lookup: (secret: string | undefined): Promise<TerminalSecretMatch | null> => findTerminalBySecret(db, secret),

    /** A deleted workspace's terminals' secrets stop working at once (their rows go with it a moment later). */
    async revokeWorkspace(workspaceId: string): Promise<void> {
      await db.terminal.updateMany({ where: { workspaceId }, data: { secretDigest: null } });
    },

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
      const grant = await findTerminalBySecret(db, secret);
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

  async function decide(grant: TerminalSecretMatch | null, request: CredentialRequest): Promise<string> {
    if (!grant) {
      throw new CredentialRefusal('unknown_secret', 'Unknown or missing terminal credential secret: git credentials are only given to Shellport terminals.');
    }
    if (!grant.running) throw new CredentialRefusal('terminal_ended', 'The terminal this secret belonged to has ended.');
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
