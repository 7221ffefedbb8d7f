import type { Database } from '../../infra/database/client.js';
import type { GitHubIdentity } from '../github/oauth.js';
import { loadSettings, SETTINGS_ID } from '../settings/row.js';
import type { OwnerState } from './owner.js';

/*
 * The owner's identity (GitHub id, login, name, avatar in the Settings row) belongs to the auth feature:
 * a sign-in binds it, `owner:rebind` (admin.ts) changes it, GET /api/me shows it. The GitHub feature
 * stores only the connection (the tokens) and asks who the owner is through the lookup auth hands it.
 */

/** The bound owner as GET /api/me shows it. */
export interface OwnerIdentity {
  githubId: number;
  login: string | null;
  name: string | null;
  avatarUrl: string | null;
}

/** The bound owner, or null when none is bound by id (a login re-bound by the CLI is not bound yet). */
export async function loadOwnerIdentity(db: Database): Promise<OwnerIdentity | null> {
  const settings = await loadSettings(db);
  return settings.githubUserId === null
    ? null
    : { githubId: settings.githubUserId, login: settings.githubLogin, name: settings.githubName, avatarUrl: settings.githubAvatarUrl };
}

/** What the owner rule (owner.ts) needs: the bound id, or a login the CLI re-bound the owner to. */
export async function loadOwnerState(db: Database): Promise<OwnerState> {
  const { githubUserId, githubLogin } = await loadSettings(db);
  return { githubUserId, githubLogin };
}

/**
 * The write that binds `identity` as the owner, not yet run: the sign-in runs it in one transaction with
 * the GitHub feature's write of the tokens, so that the owner and the connection change together.
 */
export function bindOwnerIdentity(db: Database, identity: GitHubIdentity) {
  const columns = { githubUserId: identity.id, githubLogin: identity.login, githubName: identity.name, githubAvatarUrl: identity.avatarUrl };
  return db.settings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...columns }, update: columns });
}
