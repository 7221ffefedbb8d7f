// What the review-and-ship tests share: a repository on the fake GitHub, cloned into a workspace of the
// real app, and git run in it as the owner would in a terminal.
import path from 'node:path';
import { createBareRepo, gitTestEnv, runGit, type CommitSpec } from '../../fake-github/repos.js';
import { OWNER, cloneReady, type GitHubFixture, type OwnerApp } from './helpers.js';

let counter = 0;

/** A fresh private repository of the owner on the fake GitHub (main, plus `feature` when asked), with `files` in main's first commit. */
export async function newRepo(github: GitHubFixture, files: Record<string, string> = {}, extraBranches: Record<string, CommitSpec[]> = {}) {
  counter += 1;
  const name = `review-${counter}`;
  const bare = await createBareRepo(path.join(github.fixtures, `${name}.git`), {
    branches: { main: [{ message: 'first', files: { 'README.md': '# readme\n', ...files } }, 'second'], ...extraBranches },
  });
  github.fake.addRepo({ owner: OWNER, name, private: true, bare: bare.path });
  return { name, bare: bare.path, heads: bare.heads };
}

/** A cloned workspace of a new repository: its id and directory. */
export async function newWorkspace(owner: OwnerApp, github: GitHubFixture, files: Record<string, string> = {}, extraBranches: Record<string, CommitSpec[]> = {}) {
  const repo = await newRepo(github, files, extraBranches);
  const workspace = await cloneReady(owner, `${OWNER}/${repo.name}`);
  return { ...repo, id: workspace.id, dir: workspace.localPath };
}

/** Runs git (no user config) and fails the test on a non-zero exit. */
export async function git(args: string[], cwd: string): Promise<string> {
  const result = await runGit(['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', ...args], { cwd, env: gitTestEnv() });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** `git status --porcelain` lines, sorted. */
export async function porcelain(dir: string): Promise<string[]> {
  return (await git(['status', '--porcelain=v1', '--untracked-files=all'], dir)).split('\n').filter(Boolean).sort();
}
