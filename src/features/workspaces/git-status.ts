import type { StatusResult } from 'simple-git';
import type { BranchesView, GitStatusView } from '../../shared/workspaces.js';
import { describeGitFailure, type GitRunner } from './git-runner.js';
import type { WorkspaceRecords, WorkspaceTarget } from './workspace-records.js';

/** Conflicted entries in `git status --porcelain` (both sides' letters): https://git-scm.com/docs/git-status#_short_format */
const UNMERGED = new Set(['DD', 'AU', 'UD', 'UA', 'DU', 'AA', 'UU']);

/** Reading a workspace's git state: its status and its branches. Read-only, so neither takes the operation lock. */
export function createGitStatusReader({ git, records }: { git: GitRunner; records: WorkspaceRecords }) {
  /** The status of the repository in `dir` (after an operation on it, or for GET …/status). */
  async function readStatus(dir: string): Promise<GitStatusView> {
    // Submodules are the owner's business in a terminal: looking into them reads .gitmodules, which
    // git refuses outright when it holds `update = !command` (and the status would fail with it).
    // --untracked-files=normal overrides simple-git's -u (all): an untracked directory counts once.
    // readOnly: no optional locks, so a status never gets in the way of a command in a terminal.
    const result = await git.status(dir, ['--untracked-files=normal', '--ignore-submodules=all'], { readOnly: true }).catch((error: unknown) => {
      throw describeGitFailure(error, 'Reading the status');
    });
    // simple-git's status has no commit id; an unborn branch has none (rev-parse fails).
    const commit = (await git.run(dir, ['rev-parse', '--verify', '--quiet', 'HEAD'], { readOnly: true }).catch(() => '')).trim();
    return { ...countFiles(result), branch: result.detached ? null : result.current, detached: result.detached, commit: commit || null, upstream: result.tracking, ahead: result.ahead, behind: result.behind };
  }

  /** The workspace's status, or (a target with a worktree) an agent run's worktree's. */
  async function status(target: WorkspaceTarget): Promise<GitStatusView> {
    // Read-only (no optional locks), so it runs even while another operation holds the workspace.
    return readStatus((await records.requireReadyTarget(target)).dir);
  }

  async function branches(target: WorkspaceTarget): Promise<BranchesView> {
    const { dir } = await records.requireReadyTarget(target);
    // Not simple-git's branchLocal()/branch(): their summaries have no upstream per branch, and `git
    // branch -r` lists origin/HEAD as a symbolic line; for-each-ref gives full ref names, NUL-separated.
    const out = await git
      .run(dir, ['for-each-ref', '--format=%(refname)%00%(objectname)%00%(upstream:short)%00%(HEAD)', '--', 'refs/heads', 'refs/remotes/origin'])
      .catch((error: unknown) => {
        throw describeGitFailure(error, 'Listing branches');
      });
    const local: BranchesView['local'] = [];
    const remote: BranchesView['remote'] = [];
    for (const line of out.split('\n').filter(Boolean)) {
      const [ref = '', commit = '', upstream = '', head = ''] = line.split('\0');
      if (ref.startsWith('refs/heads/')) local.push({ name: ref.slice(11), commit, upstream: upstream || null, current: head.trim() === '*' });
      else if (ref.startsWith('refs/remotes/origin/') && ref !== 'refs/remotes/origin/HEAD') remote.push({ name: ref.slice(20), commit });
    }
    return { current: local.find((b) => b.current)?.name ?? null, local, remote };
  }

  return { readStatus, status, branches };
}

export type GitStatusReader = ReturnType<typeof createGitStatusReader>;

/** The file counts of a status: each entry once in changedFiles, then by its index and work-tree letters. */
function countFiles({ files }: StatusResult): Pick<GitStatusView, 'changedFiles' | 'staged' | 'modified' | 'untracked' | 'conflicted'> {
  const counts = { changedFiles: 0, staged: 0, modified: 0, untracked: 0, conflicted: 0 };
  for (const { index, working_dir: workTree } of files) {
    counts.changedFiles += 1;
    if (UNMERGED.has(`${index}${workTree}`)) counts.conflicted += 1;
    else if (index === '?') counts.untracked += 1;
    else {
      if (index !== ' ') counts.staged += 1;
      if (workTree !== ' ') counts.modified += 1;
    }
  }
  return counts;
}
