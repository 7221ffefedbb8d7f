// The status a workspace shows, read with simple-git's status(), over the states a repository can
// be in: the counts and branch fields must match git's own porcelain v2 view of them.
import { mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createGitRunner } from '../../../src/features/workspaces/git-runner.js';
import { createGitStatusReader } from '../../../src/features/workspaces/git-status.js';
import type { WorkspaceRecords } from '../../../src/features/workspaces/workspace-records.js';
import { gitTestEnv, runGit } from '../../fake-github/repos.js';
import { makeTempDir } from '../../helpers/app.js';

const AUTHOR = ['-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main'];
const silent = { debug: () => {} } as unknown as FastifyBaseLogger;

async function mustGit(dir: string, ...args: string[]) {
  const result = await runGit([...AUTHOR, ...args], { cwd: dir, env: gitTestEnv() });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function reader() {
  const git = createGitRunner({ baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: makeTempDir() }, githubWebUrl: 'https://github.invalid', stallTimeoutMs: 20_000, networkTimeoutMs: 20_000, log: silent });
  // readStatus reads a directory; the records are only for the by-id routes.
  return createGitStatusReader({ git, records: {} as WorkspaceRecords });
}

async function repoWithUpstream() {
  const base = makeTempDir('shellport-status-');
  const bare = path.join(base, 'up.git');
  const dir = path.join(base, 'repo');
  mkdirSync(dir);
  await mustGit(base, 'init', '--quiet', '--bare', bare);
  await mustGit(dir, 'init', '--quiet');
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  await mustGit(dir, 'add', '.');
  await mustGit(dir, 'commit', '--quiet', '-m', 'one');
  await mustGit(dir, 'remote', 'add', 'origin', bare);
  await mustGit(dir, 'push', '--quiet', '--set-upstream', 'origin', 'main');
  return dir;
}

describe('git status of a workspace', () => {
  it('reports an unborn branch with no commit', async () => {
    const dir = makeTempDir('shellport-status-');
    await mustGit(dir, 'init', '--quiet');
    writeFileSync(path.join(dir, 'new.txt'), 'n\n');
    expect(await reader().readStatus(dir)).toEqual({
      branch: 'main', detached: false, commit: null, upstream: null, ahead: 0, behind: 0, changedFiles: 1, staged: 0, modified: 0, untracked: 1, conflicted: 0,
    });
  });

  it('counts an untracked directory once, a rename once, and staged and modified sides apart', async () => {
    const dir = await repoWithUpstream();
    mkdirSync(path.join(dir, 'newdir/sub'), { recursive: true });
    writeFileSync(path.join(dir, 'newdir/sub/x'), 'x');
    writeFileSync(path.join(dir, 'newdir/y'), 'y');
    await mustGit(dir, 'mv', 'b.txt', 'renamed.txt');
    writeFileSync(path.join(dir, 'a.txt'), 'a2\n');
    await mustGit(dir, 'add', 'a.txt');
    writeFileSync(path.join(dir, 'a.txt'), 'a3\n');
    expect(await reader().readStatus(dir)).toMatchObject({ branch: 'main', upstream: 'origin/main', changedFiles: 3, staged: 2, modified: 1, untracked: 1, conflicted: 0 });
  });

  it('reports ahead, behind and conflicts of a merge, then a detached HEAD', async () => {
    const dir = await repoWithUpstream();
    await mustGit(dir, 'checkout', '--quiet', '-b', 'other');
    writeFileSync(path.join(dir, 'a.txt'), 'theirs\n');
    await mustGit(dir, 'commit', '--quiet', '-am', 'theirs');
    await mustGit(dir, 'push', '--quiet', '--force', 'origin', 'other:main');
    await mustGit(dir, 'checkout', '--quiet', 'main');
    writeFileSync(path.join(dir, 'a.txt'), 'mine\n');
    await mustGit(dir, 'commit', '--quiet', '-am', 'mine');
    await mustGit(dir, 'fetch', '--quiet', 'origin');
    await runGit([...AUTHOR, 'merge', '--quiet', 'origin/main'], { cwd: dir, env: gitTestEnv() });
    const head = (await mustGit(dir, 'rev-parse', 'HEAD')).trim();
    expect(await reader().readStatus(dir)).toMatchObject({ branch: 'main', commit: head, ahead: 1, behind: 1, changedFiles: 1, conflicted: 1, staged: 0, modified: 0 });

    await mustGit(dir, 'merge', '--abort');
    await mustGit(dir, 'checkout', '--quiet', '--detach', 'HEAD');
    expect(await reader().readStatus(dir)).toMatchObject({ branch: null, detached: true, commit: head, upstream: null, ahead: 0, behind: 0, changedFiles: 0 });
  });

  it('takes no optional locks: the index is not refreshed by reading the status', async () => {
    const dir = await repoWithUpstream();
    const later = new Date(Date.now() + 10_000);
    utimesSync(path.join(dir, 'a.txt'), later, later);
    const before = statSync(path.join(dir, '.git/index')).mtimeMs;
    await reader().readStatus(dir);
    expect(statSync(path.join(dir, '.git/index')).mtimeMs).toBe(before);
  });
});
