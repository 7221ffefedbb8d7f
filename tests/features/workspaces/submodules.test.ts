// A repository whose .gitmodules holds `update = !command` (issue 18): git refuses such a file outright,
// so the server's own git must not look at submodules at all, and when git still fails the answer
// carries git's own words.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBareRepo, gitTestEnv, runGit, type BareRepo } from '../../fake-github/repos.js';
import { OWNER, cloneReady, ownerApp, useGitHubFixture } from './helpers.js';

const github = useGitHubFixture();
let repo: BareRepo;
let marker: string;

beforeAll(async () => {
  marker = path.join(github.fixtures, 'the-update-command-ran');
  const gitmodules = `[submodule "evil"]\n\tpath = evil\n\turl = https://example.invalid/evil.git\n\tupdate = !touch ${marker}\n`;
  repo = await createBareRepo(path.join(github.fixtures, 'modules.git'), {
    branches: {
      main: ['first'],
      // Starts from main; becomes main upstream once the workspace is cloned.
      'with-submodule': [{ message: 'add a submodule', files: { '.gitmodules': gitmodules, evil: { gitlink: '1'.repeat(40) }, 'more.txt': 'more\n' } }],
    },
  });
  github.fake.addRepo({ owner: OWNER, name: 'modules', private: true, bare: repo.path });
});

const git = async (args: string[], cwd?: string) => {
  const result = await runGit(args, { cwd, env: gitTestEnv() });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
};

describe('a repository with `update = !command` in .gitmodules', () => {
  it('still fetches, pulls, switches and reports its status, and never runs the command', async () => {
    const owner = await ownerApp(github.fake);
    const workspace = await cloneReady(owner, `${OWNER}/modules`);
    // Upstream moves on to the commit that adds the submodule.
    await git(['--git-dir', repo.path, 'update-ref', 'refs/heads/main', repo.heads['with-submodule']!]);

    const fetched = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/fetch` });
    expect(fetched.statusCode, fetched.body).toBe(200);
    expect(fetched.json().status).toMatchObject({ branch: 'main', behind: 1 });

    const pulled = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/pull` });
    expect(pulled.statusCode, pulled.body).toBe(200);
    expect(pulled.json().status).toMatchObject({ branch: 'main', commit: repo.heads['with-submodule'], behind: 0, changedFiles: 0 });
    expect(readFileSync(path.join(workspace.localPath, '.gitmodules'), 'utf8')).toContain('update = !touch');

    const status = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/status` });
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json().status).toMatchObject({ changedFiles: 0 });

    for (const branch of ['with-submodule', 'main']) {
      const switched = await owner.call({ method: 'POST', url: `/api/workspaces/${workspace.id}/switch`, payload: { branch } });
      expect(switched.statusCode, switched.body).toBe(200);
      expect(switched.json().status).toMatchObject({ branch, changedFiles: 0 });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("shows git's own message when git fails in a way Shellport has no words for", async () => {
    const owner = await ownerApp(github.fake);
    const workspace = await cloneReady(owner, `${OWNER}/modules`);
    const config = path.join(workspace.localPath, '.git', 'config');
    writeFileSync(config, `${readFileSync(config, 'utf8')}[core]\n\trepositoryformatversion = 99\n`);

    const status = await owner.call({ method: 'GET', url: `/api/workspaces/${workspace.id}/status` });
    expect(status.statusCode).toBe(502);
    const error = status.json().error;
    expect(error.code).toBe('git_failed');
    expect(error.message).toMatch(/^Reading the status failed; git said: .*Expected git repo version <= 1, found 99/);
    expect(error.details.gitMessage).toMatch(/Expected git repo version <= 1, found 99/);
  });
});
