import type { AllowedUser } from '../../config/github.js';
import type { GitHubIdentity } from '../github/oauth.js';

export type OwnerDecision =
  | { allowed: true; claimed: boolean }
  | { allowed: false; reason: 'not_allowed_user' | 'login_rebound' | 'not_owner' | 'setup_token_required'; message: string };

export interface OwnerState {
  /** The bound owner's numeric GitHub id, or null. */
  githubUserId: number | null;
  /** With no id: a login the owner was re-bound to by the CLI, bound to an id at its next sign-in. */
  githubLogin: string | null;
}

/**
 * Whether the server has an owner, or one is configured (GITHUB_ALLOWED_USER): then nobody can claim it,
 * and a device-code sign-in needs a token or a signed-in browser's approval.
 */
export function hasOwner(owner: OwnerState, allowedUser: AllowedUser | null): boolean {
  return owner.githubUserId !== null || owner.githubLogin !== null || allowedUser !== null;
}

const NOT_OWNER = 'This Shellport server belongs to another GitHub account. Only its owner can sign in.';

/**
 * The owner rule. The owner is identified by numeric GitHub id, because logins can be renamed and
 * then registered by someone else.
 * - GITHUB_ALLOWED_USER set to an id: only that id.
 * - GITHUB_ALLOWED_USER set to a login: that login, and if an owner id is already bound, that id too
 *   (so a re-registered login does not inherit the server).
 * - Unset: the bound owner id; with none, the first sign-in that proves it holds the start-up
 *   setup token (or comes from a browser already signed in with it) claims the server.
 */
export function decideOwner(owner: OwnerState, identity: GitHubIdentity, allowedUser: AllowedUser | null, canClaim: boolean): OwnerDecision {
  if (allowedUser?.kind === 'id') {
    return identity.id === allowedUser.id
      ? { allowed: true, claimed: owner.githubUserId !== identity.id }
      : { allowed: false, reason: 'not_allowed_user', message: NOT_OWNER };
  }
  if (allowedUser?.kind === 'login') {
    if (identity.login.toLowerCase() !== allowedUser.login) return { allowed: false, reason: 'not_allowed_user', message: NOT_OWNER };
    if (owner.githubUserId !== null && owner.githubUserId !== identity.id) {
      return {
        allowed: false,
        reason: 'login_rebound',
        message:
          'This GitHub login now belongs to a different account than the one that owns this server. ' +
          'If that is really you, the server administrator can re-bind the owner with `npm run owner:rebind`.',
      };
    }
    return { allowed: true, claimed: owner.githubUserId === null };
  }
  if (owner.githubUserId !== null) {
    return owner.githubUserId === identity.id ? { allowed: true, claimed: false } : { allowed: false, reason: 'not_owner', message: NOT_OWNER };
  }
  if (owner.githubLogin !== null) {
    return owner.githubLogin.toLowerCase() === identity.login.toLowerCase()
      ? { allowed: true, claimed: true }
      : { allowed: false, reason: 'not_owner', message: NOT_OWNER };
  }
  if (canClaim) return { allowed: true, claimed: true };
  return {
    allowed: false,
    reason: 'setup_token_required',
    message:
      'This server has no owner yet. To claim it, open its setup link (the start-up banner shows it, and ' +
      '`npm run sign-in-link` prints the current one), or set GITHUB_ALLOWED_USER to your GitHub login or id.',
  };
}
