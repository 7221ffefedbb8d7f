// Git worktrees for agent runs (issue 21 §1: "whether to work in a fresh git worktree on a new branch
// (default) or in the workspace itself"). A run's worktree is `<WORKSPACES_DIR>/.worktrees/<workspace
// id>/<run id>` — outside the workspace's tree, so never committed in it, and not under DATA_DIR, which
// the shells' account must not reach — on the branch `shellport/run-<first 8 of the run id>`, made
// from the workspace's HEAD. Git runs as the shells' account (TERMINAL_USER), like the agent.
// https://git-scm.com/docs/git-worktree
import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TerminalUser } from '../../config/terminal-user.js';
import { AppError } from '../../http/errors.js';

export interface Worktree {
  path: string;
  branch: string;
  baseCommit: string;
}

/** What became of a run's branch: still being worked on, merged into another branch, or deleted. */
export type WorktreeState = 'active' | 'merged' | 'branch-deleted';

export interface WorktreesDeps {
  /** WORKSPACES_DIR. */
  workspacesRoot: string;
  user: TerminalUser | null;
  /** The terminals' base environment (PATH, HOME…). */
  baseEnv: Readonly<Record<string, string>>;
}

const GIT_TIMEOUT_MS = 120_000;

export const worktreeBranchFor = (runId: string) => `shellport/run-${runId.slice(0, 8)}`;

export function createWorktrees({ workspacesRoot, user, baseEnv }: WorktreesDeps) {
  const root = path.join(workspacesRoot, '.worktrees');
  const env = { ...baseEnv, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

  function git(cwd: string, args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', args, { cwd, env, timeout: GIT_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, ...(user ? { uid: user.uid, gid: user.gid } : {}) }, (error, stdout, stderr) => {
        if (error) reject(Object.assign(new Error(`git ${args[0] ?? ''} failed: ${String(stderr).trim() || error.message}`), { exitCode: typeof error.code === 'number' ? error.code : null }));
        else resolve(String(stdout));
      });
    });
  }

  const exists = async (dir: string) => (await stat(dir).catch(() => null))?.isDirectory() ?? false;

  return {
    root,

    /** The directory a run's worktree gets. */
    pathFor: (workspaceId: string, runId: string) => path.join(root, workspaceId, runId),

    /** Makes the run's worktree on a new branch from the workspace's HEAD. */
    async create(workspaceDir: string, workspaceId: string, runId: string): Promise<Worktree> {
      const baseCommit = (await git(workspaceDir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).catch(() => '')).trim();
      if (!baseCommit) {
        throw new AppError(409, 'workspace_without_commits', 'The workspace has no commit to start a worktree from: commit something first, or run in the workspace itself (worktree: false).');
      }
      const branch = worktreeBranchFor(runId);
      const dir = path.join(root, workspaceId, runId);
      // Leading directories are made by git, as the shells' account.
      await git(workspaceDir, ['worktree', 'add', '-b', branch, '--', dir, baseCommit]);
      return { path: dir, branch, baseCommit };
    },

    exists,

    /**
     * Whether the run's branch is gone, or merged: it has commits of its own and another branch
     * (local, or a remote's other than its own pushed copy) contains them all.
     */
    async state(workspaceDir: string, worktree: Worktree): Promise<WorktreeState> {
      // Exit status 1 with --quiet: no such branch. Anything else (the repository unreadable) throws, so
      // that a worktree is never removed because git could not look.
      const tip = (
        await git(workspaceDir, ['rev-parse', '--verify', '--quiet', `refs/heads/${worktree.branch}`]).catch((error: Error & { exitCode?: number | null }) => {
          if (error.exitCode === 1) return '';
          throw error;
        })
      ).trim();
      if (!tip) return 'branch-deleted';
      if (tip === worktree.baseCommit) return 'active';
      const refs = (await git(workspaceDir, ['for-each-ref', '--contains', tip, '--format=%(refname)', 'refs/heads', 'refs/remotes']))
        .split('\n')
        .filter(Boolean)
        .filter((ref) => ref !== `refs/heads/${worktree.branch}` && !(ref.startsWith('refs/remotes/') && ref.endsWith(`/${worktree.branch}`)) && !ref.endsWith('/HEAD'));
      return refs.length > 0 ? 'merged' : 'active';
    },

    /** Whether the worktree has changes that are not committed (then it is kept). */
    async isDirty(worktree: Worktree): Promise<boolean> {
      if (!(await exists(worktree.path))) return false;
      const out = await git(worktree.path, ['status', '--porcelain', '--untracked-files=normal']).catch(() => 'unknown');
      return out.trim() !== '';
    },

    /**
     * Removes the worktree (its files, changes included) and, when `deleteBranch`, its branch if merged
     * (`git branch -d` keeps a branch with commits found nowhere else).
     */
    async remove(workspaceDir: string, worktree: Pick<Worktree, 'path' | 'branch'>, { deleteBranch }: { deleteBranch: boolean }): Promise<{ branchDeleted: boolean }> {
      if (await exists(workspaceDir)) {
        await git(workspaceDir, ['worktree', 'remove', '--force', '--force', '--', worktree.path]).catch(() => '');
        await git(workspaceDir, ['worktree', 'prune']).catch(() => '');
      }
      let branchDeleted = false;
      if (deleteBranch && (await exists(workspaceDir))) {
        branchDeleted = await git(workspaceDir, ['branch', '-d', '--', worktree.branch]).then(() => true, () => false);
      }
      return { branchDeleted };
    },

    /**
     * What is left of a deleted workspace's worktrees (`.worktrees/<workspace id>`, emptied by `remove`).
     * Best effort: with TERMINAL_USER the directory is that account's, which the server may not remove.
     */
    async removeWorkspaceDir(workspaceId: string): Promise<void> {
      await rm(path.join(root, workspaceId), { recursive: true, force: true }).catch(() => {});
    },
  };
}

export type Worktrees = ReturnType<typeof createWorktrees>;
