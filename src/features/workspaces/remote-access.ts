import { AppError } from '../../http/errors.js';
import type { GitHubAccess } from '../github/access.js';
import { shuttingDown } from '../github/deadline.js';
import { describeGitFailure, type GitRunner } from './git-runner.js';

export interface RemoteAccessDeps {
  github: GitHubAccess;
  git: GitRunner;
  /** The app is shutting down: a git command that failed was most likely stopped for it. */
  isClosing: () => boolean;
}

/** Which remotes get the owner's GitHub token, and what a failed command against a remote means. */
export function createRemoteAccess({ github, git, isClosing }: RemoteAccessDeps) {
  const githubOrigin = new URL(github.webUrl).origin;

  function usesGitHubToken(cloneUrl: string): boolean {
    try {
      return new URL(cloneUrl).origin === githubOrigin;
    } catch {
      return false;
    }
  }

  /** The owner's token for GitHub URLs; none for other hosts or when GitHub is not connected (public clones still work). */
  async function tokenFor(cloneUrl: string): Promise<string | undefined> {
    if (!usesGitHubToken(cloneUrl)) return undefined;
    try {
      return await github.getAccessToken();
    } catch (error) {
      if (error instanceof AppError && (error.code === 'github_not_connected' || error.code === 'github_not_configured')) return undefined;
      throw error;
    }
  }

  /**
   * describeGitFailure for a command that talked to the workspace's remote (a timeout names GitHub or
   * "the git server"); when GitHub's git refused the token, the GitHub status asks GitHub again next time.
   */
  function gitFailure(error: unknown, action: string, workspace: { cloneUrl: string }): AppError {
    if (isClosing()) return shuttingDown();
    const failure = describeGitFailure(error, action, { isGitHub: usesGitHubToken(workspace.cloneUrl), timeoutMs: git.networkTimeoutMs });
    if (failure.code === 'git_authentication_failed' && usesGitHubToken(workspace.cloneUrl)) github.forgetStatusCheck();
    return failure;
  }

  return { githubOrigin, tokenFor, gitFailure };
}

export type RemoteAccess = ReturnType<typeof createRemoteAccess>;
