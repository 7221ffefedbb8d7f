// Pull requests (https://docs.github.com/en/rest/pulls/pulls): create, list, get, and the pull request's
// web page. Branches and commits come from the repository's real bare repository, read with git, so
// "No commits between" and "head/base invalid" are what git sees there.
import type { ServerResponse } from 'node:http';
import { DOCS, error, loginOf, repoJson, userJson, type ApiContext, type Handler } from './api-json.js';
import { sendJson, sendText } from './http-util.js';
import { runGit } from './repos.js';
import type { FakeRepo } from './types.js';

const CREATE_DOCS = `${DOCS}/pulls/pulls#create-a-pull-request`;
const LIST_DOCS = `${DOCS}/pulls/pulls#list-pull-requests`;
const GET_DOCS = `${DOCS}/pulls/pulls#get-a-pull-request`;

export interface FakePull {
  id: number;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  /** Branch names in the repository itself (the fake models no forks). */
  head: string;
  base: string;
  /** The branches' tips when last read (kept if a branch is deleted later). */
  headSha: string;
  baseSha: string;
  user: string;
  maintainerCanModify: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

/** Every repository's pull requests, numbered from 1 per repository (as issues and pull requests share numbers). */
export class PullStore {
  private readonly byRepo = new Map<number, FakePull[]>();
  private nextId = 7_000_001;

  list(repo: FakeRepo): FakePull[] {
    let pulls = this.byRepo.get(repo.id);
    if (!pulls) {
      pulls = [];
      this.byRepo.set(repo.id, pulls);
    }
    return pulls;
  }

  add(repo: FakeRepo, input: Omit<FakePull, 'id' | 'number'>): FakePull {
    const pulls = this.list(repo);
    const pull: FakePull = { ...input, id: this.nextId++, number: pulls.length + 1 };
    pulls.push(pull);
    return pull;
  }

  find(repo: FakeRepo, number: number): FakePull | undefined {
    return this.list(repo).find((pull) => pull.number === number);
  }
}

/** The commit a branch of the bare repository points at, or null. */
async function branchTip(repo: FakeRepo, branch: string): Promise<string | null> {
  if (!repo.bare || branch.startsWith('-')) return null;
  const result = await runGit(['--git-dir', repo.bare, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
  return result.code === 0 ? result.stdout.trim() : null;
}

async function countCommits(repo: FakeRepo, from: string, to: string): Promise<number> {
  const result = await runGit(['--git-dir', repo.bare!, 'rev-list', '--count', `${from}..${to}`]);
  if (result.code !== 0) throw new Error(`fake-github: git rev-list failed: ${result.stderr}`);
  return Number(result.stdout.trim());
}

/** additions, deletions and changed files from where head left base to head (GitHub's three-dot comparison). */
async function diffStats(repo: FakeRepo, baseSha: string, headSha: string) {
  const base = await runGit(['--git-dir', repo.bare!, 'merge-base', baseSha, headSha]);
  const result = await runGit(['--git-dir', repo.bare!, 'diff', '--numstat', base.code === 0 ? base.stdout.trim() : baseSha, headSha]);
  let additions = 0;
  let deletions = 0;
  let files = 0;
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const [added = '0', removed = '0'] = line.split('\t');
    additions += Number(added) || 0;
    deletions += Number(removed) || 0;
    files += 1;
  }
  return { additions, deletions, changed_files: files };
}

function repoOf(ctx: ApiContext, params: string[], login: string | undefined): FakeRepo | undefined {
  const repo = ctx.store.findRepo(params[0] ?? '', params[1] ?? '');
  return repo && ctx.store.access(repo, login) !== 'none' ? repo : undefined;
}

/** Refreshes the branch tips a pull request shows (a push to its head moves it). */
async function refresh(repo: FakeRepo, pull: FakePull): Promise<void> {
  pull.headSha = (await branchTip(repo, pull.head)) ?? pull.headSha;
  pull.baseSha = (await branchTip(repo, pull.base)) ?? pull.baseSha;
}

/** A pull request as GitHub's list shows it; `full` adds what only the single pull request answers (merged, counts). */
async function pullJson(ctx: ApiContext, repo: FakeRepo, pull: FakePull, full: boolean) {
  await refresh(repo, pull);
  const fullName = `${repo.owner}/${repo.name}`;
  const apiBase = `${ctx.apiUrl}/repos/${fullName}`;
  const htmlUrl = `${ctx.baseUrl}/${fullName}/pull/${pull.number}`;
  const owner = ctx.store.requireUser(repo.owner);
  const user = ctx.store.findUser(pull.user);
  const side = (ref: string, sha: string) => ({ label: `${repo.owner}:${ref}`, ref, sha, user: userJson(ctx, owner), repo: repoJson(ctx, repo, undefined) });
  const json: Record<string, unknown> = {
    url: `${apiBase}/pulls/${pull.number}`,
    id: pull.id,
    node_id: Buffer.from(`011:PullRequest${pull.id}`).toString('base64'),
    html_url: htmlUrl,
    diff_url: `${htmlUrl}.diff`,
    patch_url: `${htmlUrl}.patch`,
    issue_url: `${apiBase}/issues/${pull.number}`,
    commits_url: `${apiBase}/pulls/${pull.number}/commits`,
    review_comments_url: `${apiBase}/pulls/${pull.number}/comments`,
    review_comment_url: `${apiBase}/pulls/comments{/number}`,
    comments_url: `${apiBase}/issues/${pull.number}/comments`,
    statuses_url: `${apiBase}/statuses/${pull.headSha}`,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: user ? userJson(ctx, user) : null,
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(pull.head, pull.headSha),
    base: side(pull.base, pull.baseSha),
    _links: {
      self: { href: `${apiBase}/pulls/${pull.number}` },
      html: { href: htmlUrl },
      issue: { href: `${apiBase}/issues/${pull.number}` },
      comments: { href: `${apiBase}/issues/${pull.number}/comments` },
      review_comments: { href: `${apiBase}/pulls/${pull.number}/comments` },
      commits: { href: `${apiBase}/pulls/${pull.number}/commits` },
      statuses: { href: `${apiBase}/statuses/${pull.headSha}` },
    },
    author_association: pull.user.toLowerCase() === repo.owner.toLowerCase() ? 'OWNER' : repo.collaborators.some((c) => c.toLowerCase() === pull.user.toLowerCase()) ? 'COLLABORATOR' : 'CONTRIBUTOR',
    auto_merge: null,
    draft: pull.draft,
  };
  if (full && repo.bare) {
    Object.assign(json, {
      merged: false,
      mergeable: null,
      rebaseable: null,
      mergeable_state: 'unknown',
      merged_by: null,
      comments: 0,
      review_comments: 0,
      maintainer_can_modify: pull.maintainerCanModify,
      commits: await countCommits(repo, pull.baseSha, pull.headSha),
      ...(await diffStats(repo, pull.baseSha, pull.headSha)),
    });
  }
  return json;
}

const validationFailed = (res: ServerResponse, headers: Record<string, string>, errors: object[]) => error(res, 422, 'Validation Failed', CREATE_DOCS, headers, { errors });

/** POST /repos/{owner}/{repo}/pulls */
export const createPull: Handler = async (ctx, r, auth, params, headers) => {
  if (auth.kind !== 'user') return;
  const repo = repoOf(ctx, params, auth.user.login);
  if (!repo) return error(r.res, 404, 'Not Found', CREATE_DOCS, headers);
  let input: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(r.body || '{}');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    input = parsed as Record<string, unknown>;
  } catch {
    return error(r.res, 400, 'Problems parsing JSON', CREATE_DOCS, headers);
  }
  const text = (key: string) => (typeof input[key] === 'string' ? (input[key] as string) : undefined);
  const missing = ['title', 'head', 'base'].filter((key) => !text(key)?.trim()).map((field) => ({ resource: 'PullRequest', code: 'missing_field', field }));
  if (missing.length > 0) return validationFailed(r.res, headers, missing);
  if (input.draft !== undefined && typeof input.draft !== 'boolean') {
    return error(r.res, 422, 'Invalid request.\n\nFor \'properties/draft\', ' + JSON.stringify(input.draft) + ' is not a boolean.', CREATE_DOCS, headers);
  }
  const headGiven = text('head')!;
  const base = text('base')!;
  // "owner:branch" names the head's repository by its owner; without forks only the repository's own owner fits.
  const colon = headGiven.indexOf(':');
  const headOwner = colon >= 0 ? headGiven.slice(0, colon) : repo.owner;
  const head = colon >= 0 ? headGiven.slice(colon + 1) : headGiven;
  const headSha = headOwner.toLowerCase() === repo.owner.toLowerCase() ? await branchTip(repo, head) : null;
  const baseSha = await branchTip(repo, base);
  const invalid = [...(baseSha ? [] : ['base']), ...(headSha ? [] : ['head'])].map((field) => ({ resource: 'PullRequest', field, code: 'invalid' }));
  if (invalid.length > 0) return validationFailed(r.res, headers, invalid);
  const pulls = ctx.pulls.list(repo);
  if (pulls.some((pull) => pull.state === 'open' && pull.head === head && pull.base === base)) {
    return validationFailed(r.res, headers, [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${head}.` }]);
  }
  if ((await countCommits(repo, baseSha!, headSha!)) === 0) {
    return validationFailed(r.res, headers, [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${headGiven}` }]);
  }
  const now = new Date(ctx.store.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  const pull = ctx.pulls.add(repo, {
    title: text('title')!,
    body: text('body') ?? null,
    state: 'open',
    draft: input.draft === true,
    head,
    base,
    headSha: headSha!,
    baseSha: baseSha!,
    user: auth.user.login,
    maintainerCanModify: input.maintainer_can_modify !== false,
    createdAt: now,
    updatedAt: now,
    closedAt: null,
  });
  const json = await pullJson(ctx, repo, pull, true);
  sendJson(r.res, 201, json, { ...headers, location: String(json.url) });
};

/** GET /repos/{owner}/{repo}/pulls?state=&head=user:ref&base=&sort=&direction=&per_page=&page= */
export const listPulls: Handler = async (ctx, r, auth, params, headers) => {
  const repo = repoOf(ctx, params, loginOf(auth));
  if (!repo) return error(r.res, 404, 'Not Found', LIST_DOCS, headers);
  const q = r.query;
  const invalid = (field: string) => error(r.res, 422, 'Validation Failed', LIST_DOCS, headers, { errors: [{ resource: 'PullRequest', field, code: 'invalid' }] });
  const state = q.get('state') ?? 'open';
  if (!['open', 'closed', 'all'].includes(state)) return invalid('state');
  const sort = q.get('sort') ?? 'created';
  if (!['created', 'updated', 'popularity', 'long-running'].includes(sort)) return invalid('sort');
  const direction = q.get('direction') ?? (sort === 'created' || !q.has('sort') ? 'desc' : 'asc');
  if (!['asc', 'desc'].includes(direction)) return invalid('direction');
  const head = q.get('head');
  const base = q.get('base');
  const perPageRaw = Number.parseInt(q.get('per_page') ?? '', 10);
  const perPage = Number.isFinite(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, 100) : 30;
  const pageRaw = Number.parseInt(q.get('page') ?? '', 10);
  const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1;
  const matchesHead = (pull: FakePull) => {
    if (!head) return true;
    const colon = head.indexOf(':');
    const user = colon >= 0 ? head.slice(0, colon) : head;
    if (user.toLowerCase() !== repo.owner.toLowerCase()) return false;
    return colon < 0 || head.slice(colon + 1) === pull.head;
  };
  const key = (pull: FakePull) => (sort === 'updated' ? pull.updatedAt : pull.createdAt);
  const matching = ctx.pulls
    .list(repo)
    .filter((pull) => (state === 'all' || pull.state === state) && matchesHead(pull) && (!base || pull.base === base))
    .sort((a, b) => {
      const cmp = key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.number - b.number;
      return direction === 'asc' ? cmp : -cmp;
    });
  const items = matching.slice((page - 1) * perPage, page * perPage);
  sendJson(r.res, 200, await Promise.all(items.map((pull) => pullJson(ctx, repo, pull, false))), headers);
};

/** GET /repos/{owner}/{repo}/pulls/{number} */
export const getPull: Handler = async (ctx, r, auth, params, headers) => {
  const repo = repoOf(ctx, params, loginOf(auth));
  const pull = repo ? ctx.pulls.find(repo, Number(params[2])) : undefined;
  if (!repo || !pull) return error(r.res, 404, 'Not Found', GET_DOCS, headers);
  sendJson(r.res, 200, await pullJson(ctx, repo, pull, true), headers);
};

const PAGE = /^\/([^/]+)\/([^/]+)\/pull\/(\d+)\/?$/;

export function isPullPage(pathname: string): boolean {
  return PAGE.test(pathname);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * GET /{owner}/{repo}/pull/{number}: the pull request's page (what html_url opens in a browser), a small HTML page
 * here; its icon is inline, so a browser asks the fake for nothing else.
 */
export function handlePullPage(ctx: ApiContext, res: ServerResponse, pathname: string): void {
  const [, owner = '', name = '', number = ''] = PAGE.exec(pathname) ?? [];
  const repo = ctx.store.findRepo(owner, name);
  const pull = repo ? ctx.pulls.find(repo, Number(number)) : undefined;
  if (!repo || !pull) return sendText(res, 404, '<!DOCTYPE html><title>Page not found · GitHub</title><link rel="icon" href="data:,"><h1>404</h1>', 'text/html; charset=utf-8');
  const title = `${escapeHtml(pull.title)} by ${escapeHtml(pull.user)} · Pull Request #${pull.number} · ${escapeHtml(`${repo.owner}/${repo.name}`)}`;
  sendText(res, 200, `<!DOCTYPE html><html><head><title>${title}</title><link rel="icon" href="data:,"></head><body><h1>${escapeHtml(pull.title)} #${pull.number}</h1><p>${escapeHtml(pull.user)} wants to merge into ${escapeHtml(pull.base)} from ${escapeHtml(pull.head)}</p></body></html>`, 'text/html; charset=utf-8');
}
