// Commit, push and pull requests (src/features/workspaces/ship.ts) on real repositories, pushed to the
// fake GitHub's bare repositories over smart HTTP, pull requests through its REST API.
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTestApp } from '../../helpers/app.js';
import { fakeGitHubEnv } from '../../helpers/github-sign-in.js';
import { gitTestEnv, runGit } from '../../fake-github/repos.js';
import { OWNER, ownerApp, useGitHubFixture, type OwnerApp } from './helpers.js';
import { git, newWorkspace, porcelain } from './review-helpers.js';

const github = useGitHubFixture();

const post = (owner: OwnerApp, id: string, action: string, payload?: unknown) => owner.call({ method: 'POST', url: `/api/workspaces/${id}/${action}`, payload: payload as Record<string, unknown> });

/** What the owner's commits say they are by. */
const OWNER_EMAIL = () => `1001+${OWNER}@users.noreply.${new URL(github.fake.url).hostname}`;

async function bareGit(bare: string, args: string[]): Promise<string> {
  const result = await runGit(['--git-dir', bare, ...args], { env: gitTestEnv() });
  return result.code === 0 ? result.stdout.trim() : '';
}

/** Everything the app could have written the token to: the repository's config, its logs, the answers. */
async function expectNoToken(owner: OwnerApp, dir: string, ...bodies: string[]) {
  const token = await owner.token();
  expect(token.length).toBeGreaterThan(10);
  expect(readFileSync(path.join(dir, '.git', 'config'), 'utf8')).not.toContain(token);
  expect(owner.logText()).not.toContain(token);
  for (const body of bodies) expect(body).not.toContain(token);
  const encoded = Buffer.from(`x-access-token:${token}`).toString('base64');
  expect(readFileSync(path.join(dir, '.git', 'config'), 'utf8')).not.toContain(encoded);
  expect(owner.logText()).not.toContain(encoded);
}

describe('POST /api/workspaces/:id/commit', () => {
  it('commits every change, untracked files included and ignored ones not, as the signed-in owner', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, { '.gitignore': 'ignored.log\n', 'gone.txt': 'x\n' });
    writeFileSync(path.join(ws.dir, 'README.md'), '# changed\n');
    writeFileSync(path.join(ws.dir, 'new file.txt'), 'new\n');
    writeFileSync(path.join(ws.dir, 'ignored.log'), 'noise\n');
    rmSync(path.join(ws.dir, 'gone.txt'));

    const response = await post(owner, ws.id, 'commit', { message: 'Update the readme\n\nAnd add a file.\n' });
    expect(response.statusCode, response.body).toBe(200);
    const { commit, status } = response.json();
    expect(commit).toMatchObject({ subject: 'Update the readme', author: { name: OWNER, email: OWNER_EMAIL() }, files: 3 });
    expect(commit.sha).toBe((await git(['rev-parse', 'HEAD'], ws.dir)).trim());
    expect(status).toMatchObject({ branch: 'main', changedFiles: 0, ahead: 1 });
    const logged = await git(['log', '-1', '--format=%an|%ae|%cn|%ce|%B'], ws.dir);
    expect(logged.trim()).toBe(`${OWNER}|${OWNER_EMAIL()}|${OWNER}|${OWNER_EMAIL()}|Update the readme\n\nAnd add a file.`);
    expect((await git(['show', '--name-status', '--format=', 'HEAD'], ws.dir)).trim().split('\n').sort()).toEqual(['A\tnew file.txt', 'D\tgone.txt', 'M\tREADME.md']);
    expect(await porcelain(ws.dir)).toEqual([]);
    expect(readFileSync(path.join(ws.dir, 'ignored.log'), 'utf8')).toBe('noise\n');
    expect((await git(['ls-files', 'ignored.log'], ws.dir)).trim()).toBe('');
    // The owner's identity is not written to the repository's config.
    expect(readFileSync(path.join(ws.dir, '.git', 'config'), 'utf8')).not.toContain('users.noreply');

    const again = await post(owner, ws.id, 'commit', { message: 'again' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('nothing_to_commit');
  }, 60_000);

  it('commits only the paths asked for, leaving the other changes (staged ones included) uncommitted', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github, { 'a.txt': 'a\n', 'b.txt': 'b\n' });
    writeFileSync(path.join(ws.dir, 'a.txt'), 'A\n');
    writeFileSync(path.join(ws.dir, 'b.txt'), 'B\n');
    await git(['add', 'b.txt'], ws.dir);
    writeFileSync(path.join(ws.dir, 'c.txt'), 'c\n');
    const response = await post(owner, ws.id, 'commit', { message: 'Only a and c', paths: ['a.txt', 'c.txt'] });
    expect(response.statusCode, response.body).toBe(200);
    expect((await git(['show', '--name-only', '--format=', 'HEAD'], ws.dir)).trim().split('\n').sort()).toEqual(['a.txt', 'c.txt']);
    expect(await porcelain(ws.dir)).toEqual(['M  b.txt']);
    const unknown = await post(owner, ws.id, 'commit', { message: 'x', paths: ['README.md'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('path_not_changed');
  }, 60_000);

  it('validates the body (400 naming the field), needs a sign-in (401) and refuses cross-site requests (403)', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    writeFileSync(path.join(ws.dir, 'x.txt'), 'x\n');
    for (const [payload, field] of [
      [{ message: '   ' }, 'message'],
      [{}, 'message'],
      [{ message: 'a\u0000b' }, 'message'],
      [{ message: 'ok', paths: [] }, 'paths'],
      [{ message: 'ok', paths: ['/etc/passwd'] }, 'paths.0'],
      [{ message: 'ok', extra: 1 }, '(body)'],
    ] as const) {
      const bad = await post(owner, ws.id, 'commit', payload);
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(bad.json().error.code).toBe('validation_failed');
      expect(bad.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    const signedOut = await owner.app.inject({ method: 'POST', url: `/api/workspaces/${ws.id}/commit`, payload: { message: 'x' } });
    expect(signedOut.statusCode).toBe(401);
    const crossSite = await owner.call({ method: 'POST', url: `/api/workspaces/${ws.id}/commit`, payload: { message: 'x' }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.statusCode).toBe(403);
    expect(crossSite.json().error.code).toBe('cross_site_request');
    expect(await porcelain(ws.dir)).toEqual(['?? x.txt']);
  }, 60_000);

  it('answers 401 to every review-and-ship route without a sign-in', async () => {
    const { app } = await buildTestApp(fakeGitHubEnv(github.fake));
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [method, action] of [
      ['GET', 'diff'],
      ['GET', 'proposal'],
      ['GET', 'discard-preview'],
      ['GET', 'pull-request'],
      ['POST', 'commit'],
      ['POST', 'push'],
      ['POST', 'pull-request'],
      ['POST', 'discard'],
    ] as const) {
      const response = await app.inject({ method, url: `/api/workspaces/${id}/${action}`, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(response.statusCode, `${method} ${action}`).toBe(401);
    }
  });
});

describe('POST /api/workspaces/:id/push', () => {
  it('pushes a new branch to origin with the owner’s token, sets its upstream, and writes the token nowhere', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    await git(['switch', '-q', '-c', 'topic'], ws.dir);
    writeFileSync(path.join(ws.dir, 'topic.txt'), 'topic\n');
    expect((await post(owner, ws.id, 'commit', { message: 'Topic work' })).statusCode).toBe(200);
    const head = (await git(['rev-parse', 'HEAD'], ws.dir)).trim();
    const before = github.fake.requests.length;

    const response = await post(owner, ws.id, 'push');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().pushed).toEqual({ branch: 'topic', upstream: 'origin/topic', commits: 1, createdBranch: true });
    expect(response.json().status).toMatchObject({ branch: 'topic', upstream: 'origin/topic', ahead: 0, behind: 0 });
    expect(await bareGit(ws.bare, ['rev-parse', 'refs/heads/topic'])).toBe(head);
    expect((await git(['config', 'branch.topic.remote'], ws.dir)).trim()).toBe('origin');
    expect((await git(['config', 'branch.topic.merge'], ws.dir)).trim()).toBe('refs/heads/topic');
    expect((await git(['remote', 'get-url', 'origin'], ws.dir)).trim()).toBe(`${github.fake.url}/${OWNER}/${ws.name}.git`);
    // It went through GitHub's smart HTTP with the owner's token in the Authorization header, and nowhere else.
    const receive = github.fake.requests.slice(before).find((r) => r.path.endsWith('/git-receive-pack'));
    expect(receive?.status).toBe(200);
    expect(String(receive?.headers.authorization)).toBe(`Basic ${Buffer.from(`x-access-token:${await owner.token()}`).toString('base64')}`);
    expect(receive?.url).not.toContain(await owner.token());
    await expectNoToken(owner, ws.dir, response.body);
    const workspace = (await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}` })).json().workspace;
    expect(workspace.lastSyncAt).not.toBeNull();

    const nothing = await post(owner, ws.id, 'push');
    expect(nothing.statusCode).toBe(409);
    expect(nothing.json().error.code).toBe('nothing_to_push');
  }, 60_000);

  it('says what to do when origin has moved on (non-fast-forward), without the token', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    // Someone else pushes to main.
    const other = mkdtempSync(path.join(github.fixtures, 'other-'));
    await git(['clone', '-q', '--', ws.bare, other], github.fixtures);
    writeFileSync(path.join(other, 'theirs.txt'), 'theirs\n');
    await git(['add', 'theirs.txt'], other);
    await git(['commit', '-q', '-m', 'theirs'], other);
    await git(['push', '-q', 'origin', 'HEAD:main'], other);
    const theirs = await bareGit(ws.bare, ['rev-parse', 'refs/heads/main']);

    writeFileSync(path.join(ws.dir, 'mine.txt'), 'mine\n');
    expect((await post(owner, ws.id, 'commit', { message: 'mine' })).statusCode).toBe(200);
    const refused = await post(owner, ws.id, 'push');
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('push_rejected');
    expect(refused.json().error.message).toBe('Push refused: origin/main has commits that this workspace does not have. Pull first (or fetch, then merge or rebase in a terminal), then push again.');
    expect(refused.json().error.details.gitMessage).toMatch(/\[rejected\] +main -> main \(fetch first\)/);
    expect(await bareGit(ws.bare, ['rev-parse', 'refs/heads/main'])).toBe(theirs);
    await expectNoToken(owner, ws.dir, refused.body);
  }, 60_000);

  it('refuses a detached HEAD', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    await git(['switch', '-q', '--detach', 'HEAD'], ws.dir);
    const response = await post(owner, ws.id, 'push');
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('detached_head');
  }, 60_000);
});

describe('pull requests', () => {
  async function pushedTopic(owner: OwnerApp, branch = 'topic') {
    const ws = await newWorkspace(owner, github);
    await git(['switch', '-q', '-c', branch], ws.dir);
    writeFileSync(path.join(ws.dir, 'topic.txt'), 'topic\n');
    expect((await post(owner, ws.id, 'commit', { message: 'Topic work' })).statusCode).toBe(200);
    expect((await post(owner, ws.id, 'push')).statusCode).toBe(200);
    return ws;
  }

  it('opens one through GitHub’s API, answers its number and link, finds it again, and refuses a second', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await pushedTopic(owner);
    const none = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/pull-request` });
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json()).toEqual({ branch: 'topic', pullRequest: null });

    const created = await post(owner, ws.id, 'pull-request', { title: 'Topic work', body: 'Please review.', base: 'main', draft: true });
    expect(created.statusCode, created.body).toBe(201);
    const pull = created.json().pullRequest;
    expect(pull).toMatchObject({ number: 1, url: `${github.fake.url}/${OWNER}/${ws.name}/pull/1`, title: 'Topic work', body: 'Please review.', state: 'open', draft: true, base: 'main', head: 'topic', author: OWNER });
    const stored = github.fake.pullRequests(OWNER, ws.name);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ head: 'topic', base: 'main', draft: true, user: OWNER, headSha: (await git(['rev-parse', 'HEAD'], ws.dir)).trim() });
    const request = github.fake.requests.find((r) => r.method === 'POST' && r.path === `/api/v3/repos/${OWNER}/${ws.name}/pulls`);
    expect(JSON.parse(request!.body!)).toEqual({ head: 'topic', base: 'main', title: 'Topic work', body: 'Please review.', draft: true });

    const found = await owner.call({ method: 'GET', url: `/api/workspaces/${ws.id}/pull-request` });
    expect(found.json()).toEqual({ branch: 'topic', pullRequest: pull });

    const duplicate = await post(owner, ws.id, 'pull-request', { title: 'Again', base: 'main' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error).toMatchObject({
      code: 'pull_request_exists',
      message: 'A pull request for topic is already open: #1 Topic work. Pushing to topic updates it.',
      details: { pullRequest: { number: 1, url: pull.url } },
    });
    // GitHub's own answer was the 422 "A pull request already exists for owner:topic."
    const refusal = github.fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/pulls')).at(-1);
    expect(refusal?.status).toBe(422);
    expect(github.fake.pullRequests(OWNER, ws.name)).toHaveLength(1);
  }, 60_000);

  it('turns GitHub’s refusals into clear answers: no commits, unknown base, not pushed, no access', async () => {
    const owner = await ownerApp(github.fake);
    const ws = await newWorkspace(owner, github);
    // A branch with nothing main does not have, pushed.
    await git(['switch', '-q', '-c', 'empty'], ws.dir);
    expect((await post(owner, ws.id, 'push')).statusCode).toBe(200);
    const noCommits = await post(owner, ws.id, 'pull-request', { title: 'Nothing', base: 'main' });
    expect(noCommits.statusCode).toBe(409);
    expect(noCommits.json().error).toMatchObject({ code: 'no_commits_between', message: 'GitHub sees no commits on empty that main does not have: commit and push your changes first, or choose another base.' });

    writeFileSync(path.join(ws.dir, 'e.txt'), 'e\n');
    expect((await post(owner, ws.id, 'commit', { message: 'e' })).statusCode).toBe(200);
    const notPushed = await post(owner, ws.id, 'pull-request', { title: 'E', base: 'main' });
    expect(notPushed.statusCode).toBe(409);
    expect(notPushed.json().error).toMatchObject({ code: 'branch_not_pushed', message: 'Push empty first: 1 commit is not on GitHub yet.' });
    expect((await post(owner, ws.id, 'push')).statusCode).toBe(200);

    const unknownBase = await post(owner, ws.id, 'pull-request', { title: 'E', base: 'nope' });
    expect(unknownBase.statusCode).toBe(404);
    expect(unknownBase.json().error.code).toBe('base_not_found');
    const sameBranch = await post(owner, ws.id, 'pull-request', { title: 'E', base: 'empty' });
    expect(sameBranch.statusCode).toBe(400);
    for (const [payload, field] of [
      [{ title: '', base: 'main' }, 'title'],
      [{ title: 'x', base: '-f' }, 'base'],
      [{ title: 'x' }, 'base'],
      [{ title: 'x', base: 'main', draft: 'yes' }, 'draft'],
    ] as const) {
      const bad = await post(owner, ws.id, 'pull-request', payload);
      expect(bad.statusCode, JSON.stringify(payload)).toBe(400);
      expect(bad.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    }

    github.fake.setRateLimited(true);
    try {
      const limited = await post(owner, ws.id, 'pull-request', { title: 'E', base: 'main' });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('github_rate_limited');
    } finally {
      github.fake.setRateLimited(false);
    }
    // The repository is gone from GitHub (or the token cannot see it).
    const repo = github.fake.findRepo(OWNER, ws.name)!;
    repo.name = `${ws.name}-moved`;
    try {
      const gone = await post(owner, ws.id, 'pull-request', { title: 'E', base: 'main' });
      expect(gone.statusCode).toBe(404);
      expect(gone.json().error.code).toBe('repository_not_found');
    } finally {
      repo.name = ws.name;
    }
    const created = await post(owner, ws.id, 'pull-request', { title: 'E', base: 'main' });
    expect(created.statusCode, created.body).toBe(201);
  }, 60_000);
});
