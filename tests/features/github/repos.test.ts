import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { byName } from '../../../src/features/github/repos.js';
import { ensureNoUnexpectedRequests, startFakeGitHub, type FakeGitHub } from '../../fake-github/index.js';
import { buildTestApp, injectAsOwner } from '../../helpers/app.js';
import { fakeGitHubEnv } from '../../helpers/github-sign-in.js';
import { OWNER, ownerApp } from '../workspaces/helpers.js';

let fake: FakeGitHub;
const OWN_REPOS = 130;

beforeAll(async () => {
  fake = await startFakeGitHub();
  fake.addUser({ login: OWNER, id: 1001 });
  fake.addUser({ login: 'other', id: 2002 });
  fake.addOrg({ login: 'acme', members: [OWNER] });
  for (let i = 1; i <= OWN_REPOS; i++) {
    const n = String(i).padStart(3, '0');
    fake.addRepo({
      owner: OWNER,
      name: `repo-${n}`,
      private: i % 2 === 0,
      description: i === 7 ? 'Contains the NEEDLE word' : null,
      pushedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  }
  fake.addRepo({ owner: 'acme', name: 'tools', private: true, pushedAt: '2026-06-01T00:00:00Z' });
  fake.addRepo({ owner: 'other', name: 'shared-needle', collaborators: [OWNER], pushedAt: '2025-01-01T00:00:00Z' });
  fake.addRepo({ owner: 'other', name: 'invisible', private: true });
});

afterEach(() => {
  ensureNoUnexpectedRequests(fake);
});

afterAll(async () => {
  await fake?.close();
});

const listCalls = () => fake.requests.filter((request) => request.path === '/api/v3/user/repos');

describe('GET /api/github/repos', () => {
  it("lists every page of the owner's repositories (owned, organisation, collaborator), newest push first, marking workspaces", async () => {
    const owner = await ownerApp(fake);
    const before = listCalls().length;
    await owner.app.db.workspace.create({
      data: { name: `${OWNER}/repo-005`, githubRepo: `${OWNER}/repo-005`, cloneUrl: `${fake.url}/${OWNER}/repo-005.git`, localPath: '/nowhere/owner/repo-005' },
    });
    const response = await owner.call({ method: 'GET', url: '/api/github/repos' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.total).toBe(OWN_REPOS + 2);
    expect(body.cached).toBe(false);
    expect(body.repositories).toHaveLength(100);
    // Two pages of 100 from GitHub, with the token in a header only.
    const calls = listCalls().slice(before);
    expect(calls.map((call) => call.query.page ?? '1')).toEqual(['1', '2']);
    expect(calls.every((call) => call.query.per_page === '100' && call.query.affiliation === 'owner,collaborator,organization_member')).toBe(true);

    const names = body.repositories.map((repo: { fullName: string }) => repo.fullName);
    expect(names[0]).toBe('acme/tools');
    expect(names[1]).toBe(`${OWNER}/repo-130`);
    expect(names[2]).toBe(`${OWNER}/repo-129`);
    expect(body.repositories[1]).toMatchObject({ owner: OWNER, name: 'repo-130', private: true, defaultBranch: 'main', htmlUrl: `${fake.url}/${OWNER}/repo-130`, workspaceId: null });

    const page2 = (await owner.call({ method: 'GET', url: '/api/github/repos?page=2' })).json();
    expect(page2.repositories).toHaveLength(OWN_REPOS + 2 - 100);
    expect(page2.repositories.at(-1).fullName).toBe('other/shared-needle');
    const marked = page2.repositories.find((repo: { fullName: string }) => repo.fullName === `${OWNER}/repo-005`);
    const workspace = await owner.app.db.workspace.findFirstOrThrow();
    expect(marked.workspaceId).toBe(workspace.id);
    expect(page2.repositories.some((repo: { fullName: string }) => repo.fullName === 'other/invisible')).toBe(false);
  });

  it('filters by a search string, sorts by name, caches briefly and refreshes on request', async () => {
    const owner = await ownerApp(fake);
    const first = await owner.call({ method: 'GET', url: '/api/github/repos?q=needle' });
    const afterFirst = listCalls().length;
    expect(first.json().repositories.map((repo: { fullName: string }) => repo.fullName)).toEqual([`${OWNER}/repo-007`, 'other/shared-needle']);

    const byName = await owner.call({ method: 'GET', url: '/api/github/repos?sort=name&perPage=3' });
    expect(byName.json()).toMatchObject({ cached: true, total: OWN_REPOS + 2, perPage: 3 });
    expect(byName.json().repositories.map((repo: { fullName: string }) => repo.fullName)).toEqual(['acme/tools', 'other/shared-needle', `${OWNER}/repo-001`]);
    expect(listCalls().length).toBe(afterFirst);

    const refreshed = await owner.call({ method: 'GET', url: '/api/github/repos?refresh=true&q=tools' });
    expect(refreshed.json()).toMatchObject({ cached: false, total: 1 });
    expect(listCalls().length).toBe(afterFirst + 2);

    owner.clock.advance(61_000);
    expect((await owner.call({ method: 'GET', url: '/api/github/repos' })).json().cached).toBe(false);

    for (const url of ['/api/github/repos?sort=stars', '/api/github/repos?perPage=500', '/api/github/repos?page=0', '/api/github/repos?refresh=maybe']) {
      expect((await owner.call({ method: 'GET', url })).statusCode, url).toBe(400);
    }
  });

  it('turns GitHub failures into clear errors: rate limit, revoked token, not connected', async () => {
    const owner = await ownerApp(fake);
    fake.setRateLimited(true);
    try {
      const limited = await owner.call({ method: 'GET', url: '/api/github/repos?refresh=1' });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('github_rate_limited');
      expect(limited.json().error.message).toMatch(/rate limit .* used up\. It resets at \d\d:\d\d UTC/);
    } finally {
      fake.setRateLimited(false);
    }

    const token = await owner.token();
    fake.revokeToken(token);
    const revoked = await owner.call({ method: 'GET', url: '/api/github/repos?refresh=1' });
    expect(revoked.statusCode).toBe(409);
    expect(revoked.json().error.code).toBe('github_reauth_required');
    expect(revoked.body).not.toContain(token);
    expect(owner.logText()).not.toContain(token);

    const unconnected = await buildTestApp(fakeGitHubEnv(fake, { GITHUB_ALLOWED_USER: OWNER }));
    const response = await injectAsOwner(unconnected.app, { method: 'GET', url: '/api/github/repos' });
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('github_not_connected');
  });
});

describe('repository names in order', () => {
  it('puts numbers in numeric order and ignores case', () => {
    const names = ['me/repo-10', 'me/Repo-2', 'me/repo-1', 'Acme/tools'].map((fullName) => ({ fullName }));
    expect(names.sort(byName).map((repo) => repo.fullName)).toEqual(['Acme/tools', 'me/repo-1', 'me/Repo-2', 'me/repo-10']);
  });
});
