import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { GitHubConfig } from '../../config/github.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { GitHubAccess } from '../github/access.js';
import type { GitHubIdentity, TokenSet } from '../github/oauth.js';
import { recordAuthEvent } from './auth-log.js';
import type { AuthGuard } from './guard.js';
import { decideOwner } from './owner.js';
import { bindOwnerIdentity, loadOwnerState } from './owner-identity.js';

export type SignInMethod = 'github_web' | 'github_device' | 'token';

export type GitHubSignInResult =
  | { ok: true; identity: GitHubIdentity; claimed: boolean }
  | { ok: false; identity: GitHubIdentity | null; reason: string; message: string };

export interface ClientContext {
  ip: string;
  userAgent: string | null;
}

export function clientOf(request: FastifyRequest): ClientContext {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
}

export interface SignInServiceDeps {
  db: Database;
  clock: Clock;
  auth: AuthGuard;
  github: GitHubAccess;
  githubConfig: GitHubConfig;
  log: FastifyBaseLogger;
}

/** Applies the owner rule to a GitHub sign-in and starts sign-in sessions. */
export function createSignInService({ db, clock, auth, github, githubConfig, log }: SignInServiceDeps) {
  return {
    /**
     * Decides whether the GitHub user behind `tokens` is the owner; if so binds the identity and has the
     * GitHub feature store the encrypted tokens, else writes a `denied` AuthLog row. Starts no session (the caller does).
     */
    async authorizeGitHubUser(tokens: TokenSet, options: { canClaim: boolean; method: SignInMethod; client: ClientContext }): Promise<GitHubSignInResult> {
      let identity: GitHubIdentity;
      try {
        identity = await github.oauth.fetchIdentity(tokens.accessToken);
      } catch (error) {
        log.warn({ err: error }, 'GitHub /user failed during sign-in');
        await recordAuthEvent(db, clock, { action: 'denied', success: false, ...options.client, details: { method: options.method, reason: 'github_user_failed' } });
        return { ok: false, identity: null, reason: 'github_user_failed', message: 'GitHub did not tell us who you are; try signing in again.' };
      }
      const decision = decideOwner(await loadOwnerState(db), identity, githubConfig.allowedUser, options.canClaim);
      const who = { login: identity.login, githubId: identity.id, method: options.method };
      if (!decision.allowed) {
        await recordAuthEvent(db, clock, { action: 'denied', success: false, ...options.client, details: { ...who, reason: decision.reason } });
        log.warn({ ...who, reason: decision.reason, ip: options.client.ip }, 'GitHub sign-in refused');
        return { ok: false, identity, reason: decision.reason, message: explainRefusal(identity, decision.reason, decision.message) };
      }
      // The owner's identity (this feature's) and the tokens (the GitHub feature's) change together.
      await db.$transaction([bindOwnerIdentity(db, identity), github.tokensWrite(tokens)]);
      if (decision.claimed) {
        log.warn({ ...who, ip: options.client.ip }, `OWNERSHIP: GitHub user ${identity.login} (id ${identity.id}) is now the owner of this Shellport server`);
      }
      await recordAuthEvent(db, clock, { action: 'login', success: true, ...options.client, details: { ...who, claimed: decision.claimed } });
      return { ok: true, identity, claimed: decision.claimed };
    },

    /**
     * Gives the browser a fresh session id (rotation at sign-in defeats session fixation). A session the
     * browser had before is left running, not ended: its terminal connections stay open (a page elsewhere
     * that makes the owner sign in again must not close them, issue 18); unused, it idles out.
     */
    async startSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const { token } = await auth.sessions.create(clientOf(request));
      auth.setSessionCookie(reply, token);
    },
  };
}

export type SignInService = ReturnType<typeof createSignInService>;

/** A refusal that names the account GitHub signed in, so that someone with several sees which one it was, and how to use another. */
function explainRefusal(identity: GitHubIdentity, reason: string, message: string): string {
  if (reason !== 'not_owner' && reason !== 'not_allowed_user') return message;
  return `GitHub signed you in as @${identity.login}. ${message} To use another GitHub account, sign out of GitHub or switch accounts there, then sign in here again.`;
}
