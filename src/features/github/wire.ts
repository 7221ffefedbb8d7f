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
