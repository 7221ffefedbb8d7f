// The shapes of the GitHub API routes (docs/api.md), shared by the server and the web app: this
// module imports nothing, so the browser bundle can take it as it is.

/** One repository in the browser, as GET /api/github/repos returns it. */
export interface RepoSummary {
  id: number;
  fullName: string;
  owner: string;
  name: string;
  description: string | null;
  private: boolean;
  fork: boolean;
  archived: boolean;
  defaultBranch: string;
  pushedAt: string | null;
  htmlUrl: string;
  /** The workspace cloned from it, or null. */
  workspaceId: string | null;
}

/**
 * The owner's GitHub connection as GitHub itself last answered it (GET /api/me → github.state):
 * `unreachable` when GitHub did not answer the check in time, so nothing is known either way.
 */
export type GitHubConnectionState = 'connected' | 'needs_renewal' | 'not_connected' | 'not_configured' | 'unreachable';

/** What each state means, in the same words on every screen that shows it. */
export const GITHUB_STATE_TEXT: Record<GitHubConnectionState, string> = {
  connected: 'Connected to GitHub.',
  needs_renewal: 'The GitHub connection needs renewing: GitHub no longer accepts the stored token. Reconnect to list, clone and pull your repositories.',
  not_connected: 'Not connected to GitHub. Connect to list and clone your repositories.',
  not_configured: 'GitHub is not configured on this server (GITHUB_CLIENT_ID).',
  unreachable: 'GitHub did not answer, so the connection could not be checked. Listing, cloning and pulling may fail until it does.',
};
