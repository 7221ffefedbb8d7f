import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isValidBranchName, isValidGitHubOwner, isValidGitHubRepoName } from '../../../src/features/workspaces/schemas.js';
import { scrubSecrets } from '../../../src/features/workspaces/git-runner.js';
import { createBareRepo } from '../../fake-github/repos.js';
import { OWNER, cloneReady, createWorkspace, ownerApp, useGitHubFixture } from './helpers.js';

const github = useGitHubFixture();

beforeAll(async () => {
  for (const name of ['hello', 'linked']) {
    const bare = await createBareRepo(path.join(github.fixtures, `${name}.git`), { branches: { main: ['first'] } });
    github.fake.addRepo({ owner: OWNER, name, private: true, bare: bare.path });
  }
}, 30_000);

describe('names and refs', () => {
  it('accepts GitHub names and git branch names, and refuses anything git could read as an option or a path', () => {
    expect(['octocat', 'a', 'my-org', 'A1'].every(isValidGitHubOwner)).toBe(true);
    expect(['-x', 'a_b', 'a/b', '', 'x'.repeat(40), '..'].some(isValidGitHubOwner)).toBe(false);
    expect(['hello', '.github', 'a.b_c-d', 'x'.repeat(100)].every(isValidGitHubRepoName)).toBe(true);
    for (const bad of ['.', '..', '-rf', '--upload-pack=x', 'a/b', 'a b', 'x.git', '', 'x'.repeat(101)]) expect(isValidGitHubRepoName(bad), bad).toBe(false);
    expect(['main', 'feature/x', 'release-1.2', 'a_b', 'user/topic/deep'].every(isValidBranchName)).toBe(true);
    for (const bad of ['-b', '--upload-pack=touch /tmp/x', 'a..b', '/x', 'x/', 'x.', 'a//b', '@', 'a@{1}', 'x.lock', 'a/.b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a\u0001', '']) {
      expect(isValidBranchName(bad), bad).toBe(false);
    }
  });

  it('scrubs the token, its Basic form and credentials in URLs from error text', () => {
    const token = 'gho_abcdefghijklmnopqrstuvwxyz0123456789';
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    const text = scrubSecrets(`fatal: ${token} / Authorization: Basic ${basic} / https://x-access-token:${token}@host/r.git / Bearer tok`, [token]);
    expect(text).not.toContain(token);
    expect(text).not.toContain(basic);
    expect(text).toContain('https://***@host/r.git');
  });
});

describe('the workspaces API refuses traversal and option injection with 400', () => {
  it('refuses bad repository names and URLs', async () => {
    const owner = await ownerApp(github.fake);
    const marker = path.join(github.fixtures, 'pwned');
    const bodies: Array<Record<string, unknown>> = [
      { repo: '../etc' },
      { repo: `${OWNER}/../../etc` },
      { repo: '/etc/passwd' },
      { repo: `${OWNER}/--upload-pack=touch ${marker}` },
      { repo: `--upload-pack=touch ${marker}/x` },
      { repo: `${OWNER}/hello/extra` },
      { repo: `${OWNER}/..` },
      { repo: `${OWNER}/hello`, url: 'https://example.com/x.git' },
      {},
      { url: '/etc/passwd' },
      { url: 'file:///etc/passwd' },
      { url: `ext::sh -c touch% ${marker}` },
      { url: 'git@github.com:owner/x.git' },
      { url: 'https://user:secret@example.com/x.git' },
      { url: 'http://example.com/x.git' },
      { url: 'https://example.com/a/..%2F..%2Fetc' },
      { url: `https://example.com/--upload-pack=touch%20${encodeURIComponent(marker)}` },
      { url: 'https://example.com/' },
      { url: 'https://example.com/x.git?upload-pack=x' },
      { url: `${github.fake.url}/${OWNER}/hello/extra.git` },
      { url: `${github.fake.url}/${OWNER}/--upload-pack=x` },
    ];
    for (const body of bodies) {
      const response = await createWorkspace(owner, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error.code, JSON.stringify(body)).toMatch(/^(validation_failed|invalid_url|invalid_repository|credentials_in_url)$/);
    }
    expect(await owner.app.db.workspace.count()).toBe(0);
    expect(existsSync(marker)).toBe(false);
    const root = path.join(owner.dataDir, 'workspaces');
    expect(existsSync(root) ? readdirSync(root).filter((entry) => entry !== '.clones') : []).toEqual([]);
  });

  it('refuses a workspace directory reached through a symbolic link that points outside WORKSPACES_DIR', async () => {
    const owner = await ownerApp(github.fake);
    const root = path.join(owner.dataDir, 'workspaces');
    const outside = mkdtempSync(path.join(github.fixtures, 'outside-'));
    mkdirSync(root, { recursive: true });
    symlinkSync(outside, path.join(root, OWNER));
    const response = await createWorkspace(owner, { repo: `${OWNER}/hello` });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('path_outside_workspaces');
    expect(readdirSync(outside)).toEqual([]);
    expect(await owner.app.db.workspace.count()).toBe(0);
  });

  it('refuses git operations on a workspace whose directory was swapped for a link outside, and deletes only the link', async () => {
    const owner = await ownerApp(github.fake);
    const workspace = await cloneReady(owner, `${OWNER}/linked`);
    const outside = mkdtempSync(path.join(github.fixtures, 'target-'));
    writeFileSync(path.join(outside, 'keep.txt'), 'keep\n');
    rmSync(workspace.localPath, { recursive: true, force: true });
    symlinkSync(outside, workspace.localPath);

    for (const [method, url] of [
      ['POST', `/api/workspaces/${workspace.id}/fetch`],
      ['POST', `/api/workspaces/${workspace.id}/pull`],
      ['GET', `/api/workspaces/${workspace.id}/status`],
      ['GET', `/api/workspaces/${workspace.id}/branches`],
    ] as const) {
      const response = await owner.call({ method, url });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code).toBe('path_outside_workspaces');
    }
    const terminal = await owner.app.terminals.create({ workspaceId: workspace.id, shell: 'sh' }).then(
      () => null,
      (error: { statusCode?: number; code?: string }) => error,
    );
    expect(terminal).toMatchObject({ statusCode: 400, code: 'path_outside_workspaces' });

    const deleted = await owner.call({ method: 'DELETE', url: `/api/workspaces/${workspace.id}?confirm=${encodeURIComponent(workspace.name)}` });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect(existsSync(workspace.localPath)).toBe(false);
    expect(readdirSync(outside)).toEqual(['keep.txt']);
  });
});
