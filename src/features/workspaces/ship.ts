import type { Workspace } from '../../generated/prisma/client.js';
import { AppError } from '../../http/errors.js';
import type { CommitAuthor, CommitResult, PullRequestView, PushResult } from '../../shared/review.js';
import type { GitStatusView } from '../../shared/workspaces.js';
import type { GitHubAccess } from '../github/access.js';
import { toGitHubApiError } from '../github/repos.js';
import { readyWorkspaceRunner, requestStallTimeoutMs, type GitOperationsDeps } from './git-operations.js';
import { describeGitFailure, GitCommandError } from './git-runner.js';
import { headCommit, readChanges, selectChanges } from './review.js';
import { isValidBranchName } from './schemas.js';
import { targetId, type WorkspaceTarget } from './workspace-records.js';

/*
 * Shipping a workspace's changes (issue 21 §2): commit as the signed-in owner, push the current branch
 * to origin, open a pull request on GitHub. Each takes the workspace's operation lock, as fetch and
 * pull do. The push gets the owner's token exactly as fetch and pull do (git-runner.ts: an
 * http.extraHeader in the command's environment, scoped to the GitHub host), so it is never in argv,
 * .git/config, the remote URL, a log line or an error text.
 */

export interface WorkspaceShippingDeps extends GitOperationsDeps {
  github: GitHubAccess;
}

/** Who a commit is by: the owner's GitHub name and login, as GitHub's private noreply address. */
export interface OwnerForCommits {
  githubId: number;
  login: string | null;
  name: string | null;
}

/**
 * The commit identity of the signed-in owner: their name (else login) and GitHub's noreply address
 * `<id>+<login>@users.noreply.<GitHub host>`, which GitHub links to the account without showing an
 * email (https://docs.github.com/en/account-and-profile/setting-up-and-managing-your-personal-account-on-github/managing-email-preferences/setting-your-commit-email-address).
 */
export function commitAuthor(owner: OwnerForCommits | null, githubWebUrl: string): CommitAuthor {
  if (!owner?.login) {
    throw new AppError(409, 'owner_unknown', 'Commits are made as your GitHub account: sign in with GitHub first, so that Shellport knows who you are.');
  }
  return { name: owner.name?.trim() || owner.login, email: `${owner.githubId}+${owner.login}@users.noreply.${new URL(githubWebUrl).hostname}` };
}

interface GitHubRequestError {
  status?: number;
  response?: { data?: { message?: string; errors?: Array<{ resource?: string; field?: string; code?: string; message?: string }> } };
}

export function createWorkspaceShipping({ git, clock, locks, records, remote, statusReader, github, gitStallTimeoutMs }: WorkspaceShippingDeps) {
  const requestStallMs = requestStallTimeoutMs(git, gitStallTimeoutMs);
  const withReadyWorkspace = readyWorkspaceRunner(locks, records);

  /** The checked-out branch; 409 on a detached HEAD. */
  async function currentBranch(dir: string, action: string): Promise<{ branch: string; status: GitStatusView }> {
    const status = await statusReader.readStatus(dir);
    if (!status.branch || status.detached || !isValidBranchName(status.branch)) {
      throw new AppError(409, 'detached_head', `${action} needs a branch: the workspace is on a detached commit. Switch to a branch (or create one in a terminal) first.`);
    }
    return { branch: status.branch, status };
  }

  /**
   * Commits the uncommitted changes (all, or those of `paths`: untracked files included, ignored ones
   * never) as `author`. The repository's own hooks run, as they would in a terminal.
   */
  async function commit(id: WorkspaceTarget, { message, paths }: { message: string; paths?: string[] }, author: CommitAuthor): Promise<CommitResult & { status: GitStatusView }> {
    return withReadyWorkspace(id, 'commit', async (_workspace, dir) => {
      const changes = await readChanges(git, dir);
      const selected = selectChanges(changes, paths);
      if (selected.length === 0) throw new AppError(409, 'nothing_to_commit', 'There is nothing to commit: the workspace has no uncommitted changes.');
      const pathspecs = paths ? selected.flatMap((c) => (c.oldPath ? [c.oldPath, c.path] : [c.path])) : [];
      const run = (args: string[]) =>
        git.run(dir, args).catch((error: unknown) => {
          throw describeCommitFailure(error);
        });
      await run(['--literal-pathspecs', 'add', '--all', '--', ...pathspecs]);
      // user.name/user.email set both author and committer, whatever the repository's own config says.
      await run(['--literal-pathspecs', '-c', `user.name=${author.name}`, '-c', `user.email=${author.email}`, 'commit', '--quiet', '--cleanup=strip', '-m', message, ...(paths ? ['--only', '--', ...pathspecs] : [])]);
      const sha = (await headCommit(git, dir)) ?? '';
      const files = (await git.run(dir, ['diff-tree', '--no-commit-id', '--name-only', '-r', '-z', '--root', 'HEAD'], { readOnly: true }).catch(() => '')).split('\0').filter(Boolean).length;
      await records.touch(targetId(id));
      return { commit: { sha, subject: message.trim().split('\n')[0] ?? '', author, files }, status: await statusReader.readStatus(dir) };
    });
  }

  /** Pushes the current branch to the branch of the same name on origin and makes it the upstream. */
  async function push(id: WorkspaceTarget): Promise<PushResult & { status: GitStatusView }> {
    return withReadyWorkspace(id, 'push', async (workspace, dir) => {
      const { branch, status } = await currentBranch(dir, 'Pushing');
      const remoteRef = `refs/remotes/origin/${branch}`;
      const existed = (await git.run(dir, ['rev-parse', '--verify', '--quiet', remoteRef], { readOnly: true }).catch(() => '')).trim() !== '';
      const commits = Number((await git.run(dir, ['rev-list', '--count', 'HEAD', '--not', '--remotes=origin'], { readOnly: true }).catch(() => '0')).trim()) || 0;
      if (existed && commits === 0 && status.upstream === `origin/${branch}`) {
        throw new AppError(409, 'nothing_to_push', `There is nothing to push: origin/${branch} already has every commit of ${branch}.`);
      }
      try {
        await git.run(dir, ['push', '--progress', '--set-upstream', '--', 'origin', `refs/heads/${branch}:refs/heads/${branch}`], {
          token: await remote.tokenFor(workspace.cloneUrl),
          stallTimeoutMs: requestStallMs,
        });
      } catch (error) {
        throw describePushFailure(error, branch) ?? remote.gitFailure(error, 'Push', workspace);
      }
      await records.touch(targetId(id), { lastSyncAt: clock.now() });
      return { pushed: { branch, upstream: `origin/${branch}`, commits, createdBranch: !existed }, status: await statusReader.readStatus(dir) };
    });
  }

  /** The GitHub repository of a workspace, as owner and name; 409 for a workspace cloned from elsewhere. */
  function githubRepo(workspace: Workspace): { owner: string; repo: string } {
    const [owner, repo] = (workspace.githubRepo ?? '').split('/');
    if (!owner || !repo) {
      throw new AppError(409, 'not_a_github_repository', `Pull requests are opened on GitHub, and this workspace was cloned from ${workspace.cloneUrl}.`);
    }
    return { owner, repo };
  }

  /** The open pull request from `branch` of the workspace's repository, if any. */
  async function findOpen(workspace: Workspace, branch: string): Promise<PullRequestView | null> {
    const { owner, repo } = githubRepo(workspace);
    try {
      const octokit = await github.octokit();
      const { data } = await octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${branch}`, per_page: 1 });
      return data[0] ? pullRequestView(data[0]) : null;
    } catch (error) {
      throw toGitHubApiError(error, 'Looking up the pull request');
    }
  }

  /** GET …/pull-request: the open pull request of the current branch (null on a detached HEAD or when none is open). */
  async function pullRequest(id: WorkspaceTarget): Promise<{ branch: string | null; pullRequest: PullRequestView | null }> {
    const { workspace, dir } = await records.requireReadyTarget(id);
    githubRepo(workspace);
    const status = await statusReader.readStatus(dir);
    if (!status.branch || status.detached) return { branch: null, pullRequest: null };
    return { branch: status.branch, pullRequest: await findOpen(workspace, status.branch) };
  }

  /**
   * Opens a pull request from the current branch into `base` through GitHub's API (octokit, within
   * GITHUB_TIMEOUT_MS). The branch must be pushed first: GitHub only sees what origin has.
   */
  async function openPullRequest(id: WorkspaceTarget, input: { title: string; body?: string; base: string; draft?: boolean }): Promise<PullRequestView> {
    return withReadyWorkspace(id, 'pull request', async (workspace, dir) => {
      const { owner, repo } = githubRepo(workspace);
      const { branch, status } = await currentBranch(dir, 'A pull request');
      if (input.base === branch) throw new AppError(400, 'same_branch', `A pull request merges ${branch} into another branch: choose a base other than ${branch}.`);
      if (status.upstream !== `origin/${branch}`) {
        throw new AppError(409, 'branch_not_pushed', `Push ${branch} first: GitHub only knows the branches on origin.`);
      }
      if (status.ahead > 0) {
        throw new AppError(409, 'branch_not_pushed', `Push ${branch} first: ${status.ahead === 1 ? '1 commit is' : `${status.ahead} commits are`} not on GitHub yet.`);
      }
      try {
        const octokit = await github.octokit();
        const { data } = await octokit.rest.pulls.create({ owner, repo, head: branch, base: input.base, title: input.title, body: input.body ?? '', draft: input.draft ?? false });
        await records.touch(targetId(id));
        return pullRequestView(data);
      } catch (error) {
        throw await describePullRequestFailure(error, { workspace, branch, base: input.base });
      }
    });
  }

  async function describePullRequestFailure(error: unknown, { workspace, branch, base }: { workspace: Workspace; branch: string; base: string }): Promise<AppError> {
    const { status, response } = error as GitHubRequestError;
    if (status !== 422) return toGitHubApiError(error, 'Opening the pull request');
    const problems = response?.data?.errors ?? [];
    const said = problems.map((p) => p.message).filter((m): m is string => Boolean(m));
    if (said.some((m) => /pull request already exists/i.test(m))) {
      const existing = await findOpen(workspace, branch).catch(() => null);
      return new AppError(
        409,
        'pull_request_exists',
        existing ? `A pull request for ${branch} is already open: #${existing.number} ${existing.title}. Pushing to ${branch} updates it.` : `A pull request for ${branch} is already open on GitHub. Pushing to ${branch} updates it.`,
        existing ? { pullRequest: existing } : undefined,
      );
    }
    if (said.some((m) => /no commits between/i.test(m))) {
      return new AppError(409, 'no_commits_between', `GitHub sees no commits on ${branch} that ${base} does not have: commit and push your changes first, or choose another base.`);
    }
    if (problems.some((p) => p.field === 'base' && p.code === 'invalid')) {
      return new AppError(404, 'base_not_found', `GitHub has no branch ${base} to merge into: choose another base branch.`);
    }
    if (problems.some((p) => p.field === 'head' && p.code === 'invalid')) {
      return new AppError(409, 'branch_not_pushed', `GitHub has no branch ${branch}: push it first.`);
    }
    const message = said.length > 0 ? said.join(' ') : (response?.data?.message ?? 'Validation Failed');
    return new AppError(422, 'github_validation_failed', `GitHub refused the pull request: ${message}`);
  }

  return { commit, push, pullRequest, openPullRequest };
}

export type WorkspaceShipping = ReturnType<typeof createWorkspaceShipping>;

interface PullJson {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  draft?: boolean;
  base: { ref: string };
  head: { ref: string };
  user: { login: string } | null;
  created_at: string;
}

function pullRequestView(pull: PullJson): PullRequestView {
  return {
    number: pull.number,
    url: pull.html_url,
    title: pull.title,
    body: pull.body ?? null,
    state: pull.state === 'closed' ? 'closed' : 'open',
    draft: pull.draft ?? false,
    base: pull.base.ref,
    head: pull.head.ref,
    author: pull.user?.login ?? null,
    createdAt: pull.created_at,
  };
}

/** A push git refused because origin moved on (non-fast-forward), or that origin's rules declined; null for anything else. */
function describePushFailure(error: unknown, branch: string): AppError | null {
  const text = error instanceof Error ? error.message : '';
  const gitMessage = lastLines(text);
  if (/\[rejected\]|non-fast-forward|fetch first|updates were rejected/i.test(text)) {
    return new AppError(
      409,
      'push_rejected',
      `Push refused: origin/${branch} has commits that this workspace does not have. Pull first (or fetch, then merge or rebase in a terminal), then push again.`,
      gitMessage ? { gitMessage } : undefined,
    );
  }
  if (/\[remote rejected\]|protected branch|pre-receive hook declined/i.test(text)) {
    return new AppError(409, 'push_declined', `Push refused by the server's rules for ${branch}${gitMessage ? `; git said: ${gitMessage}` : '.'}`, gitMessage ? { gitMessage } : undefined);
  }
  return null;
}

function describeCommitFailure(error: unknown): AppError {
  const text = error instanceof Error ? error.message : '';
  if (/nothing (added )?to commit|no changes added to commit/i.test(text)) {
    return new AppError(409, 'nothing_to_commit', 'There is nothing to commit: the workspace has no uncommitted changes.');
  }
  if (error instanceof GitCommandError && (error.aborted || error.timedOut)) return describeGitFailure(error, 'Commit');
  // What refuses a commit is the repository's own (a hook, a signing setting): git's words say what.
  const gitMessage = lastLines(text);
  return new AppError(409, 'commit_failed', `Commit failed${gitMessage ? `; git said: ${gitMessage}` : '.'}`, gitMessage ? { gitMessage } : undefined);
}

const lastLines = (text: string) =>
  text
    .split(/[\r\n]/)
    .map((line) => line.trim())
    .filter((line) => line && !/^hint:/i.test(line) && !/^(remote: )?(counting|compressing|enumerating|writing|total|delta)/i.test(line) && !/\d+% \(\d+\/\d+\)/.test(line))
    .slice(-3)
    .join(' ');
