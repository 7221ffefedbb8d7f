// The REST API under /api/v3 (GitHub Enterprise Server layout), with GitHub's headers and error bodies.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DOCS, error, loginOf, repoJson, userJson, type ApiContext, type ApiRequest, type Handler } from './api-json.js';
import { sendJson } from './http-util.js';
import { createPull, getPull, listPulls } from './pulls.js';
import { authenticateHeader, type Authentication } from './store.js';
import type { FakeRepo } from './types.js';

export type { ApiContext, ApiRequest } from './api-json.js';

interface Route {
  method: string;
  pattern: RegExp;
  /** Routes that work without a token (public data). */
  anonymous: boolean;
  /** /rate_limit does not count against the limit. */
  counts: boolean;
  handler: Handler;
}

const getUser: Handler = (ctx, r, auth, _params, headers) => {
  if (auth.kind !== 'user') return;
  sendJson(r.res, 200, { ...userJson(ctx, auth.user), company: null, blog: '', location: null, email: null, bio: null }, headers);
};

const getPublicUser: Handler = (ctx, r, _auth, params, headers) => {
  const user = ctx.store.findUser(params[0] ?? '');
  if (!user) return error(r.res, 404, 'Not Found', `${DOCS}/users/users#get-a-user`, headers);
  sendJson(r.res, 200, userJson(ctx, user), headers);
};

const getRepo: Handler = (ctx, r, auth, params, headers) => {
  const repo = ctx.store.findRepo(params[0] ?? '', params[1] ?? '');
  if (!repo || ctx.store.access(repo, loginOf(auth)) === 'none') {
    return error(r.res, 404, 'Not Found', `${DOCS}/repos/repos#get-a-repository`, headers);
  }
  sendJson(r.res, 200, repoJson(ctx, repo, loginOf(auth)), headers);
};

const AFFILIATIONS = ['owner', 'collaborator', 'organization_member'] as const;
type Affiliation = (typeof AFFILIATIONS)[number];

const listUserRepos: Handler = (ctx, r, auth, _params, headers) => {
  if (auth.kind !== 'user') return;
  const q = r.query;
  const invalid = (field: string) =>
    error(r.res, 422, 'Validation Failed', `${DOCS}/repos/repos#list-repositories-for-the-authenticated-user`, headers, {
      errors: [{ resource: 'Repository', field, code: 'invalid' }],
    });
  const type = q.get('type');
  if (type !== null && (q.has('visibility') || q.has('affiliation'))) {
    return error(r.res, 422, 'If you specify visibility or affiliation, you cannot specify type.', `${DOCS}/repos/repos#list-repositories-for-the-authenticated-user`, headers);
  }
  let visibility = q.get('visibility') ?? 'all';
  if (!['all', 'public', 'private'].includes(visibility)) return invalid('visibility');
  let affiliation = (q.get('affiliation') ?? AFFILIATIONS.join(',')).split(',').map((a) => a.trim()).filter(Boolean);
  if (affiliation.some((a) => !(AFFILIATIONS as readonly string[]).includes(a))) return invalid('affiliation');
  if (type !== null) {
    if (!['all', 'owner', 'public', 'private', 'member'].includes(type)) return invalid('type');
    if (type === 'owner') affiliation = ['owner'];
    if (type === 'member') affiliation = ['collaborator', 'organization_member'];
    if (type === 'public' || type === 'private') visibility = type;
  }
  const sort = q.get('sort') ?? 'full_name';
  if (!['created', 'updated', 'pushed', 'full_name'].includes(sort)) return invalid('sort');
  const direction = q.get('direction') ?? (sort === 'full_name' ? 'asc' : 'desc');
  if (!['asc', 'desc'].includes(direction)) return invalid('direction');
  const perPageRaw = Number.parseInt(q.get('per_page') ?? '', 10);
  const perPage = Number.isFinite(perPageRaw) && perPageRaw > 0 ? Math.min(perPageRaw, 100) : 30;
  const pageRaw = Number.parseInt(q.get('page') ?? '', 10);
  const page = Number.isFinite(pageRaw) && pageRaw > 0 ? pageRaw : 1;

  const login = auth.user.login.toLowerCase();
  const relation = (repo: FakeRepo): Affiliation | undefined => {
    if (repo.owner.toLowerCase() === login) return 'owner';
    if (repo.collaborators.some((c) => c.toLowerCase() === login)) return 'collaborator';
    if (ctx.store.isOrgMember(repo, login)) return 'organization_member';
    return undefined;
  };
  const key = (repo: FakeRepo): string =>
    sort === 'created' ? repo.createdAt : sort === 'updated' ? repo.updatedAt : sort === 'pushed' ? repo.pushedAt : `${repo.owner}/${repo.name}`.toLowerCase();
  const matching = ctx.store.repos
    .filter((repo) => {
      const rel = relation(repo);
      if (!rel || !(affiliation as string[]).includes(rel)) return false;
      return visibility === 'all' || (visibility === 'private') === repo.private;
    })
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const cmp = ka < kb ? -1 : ka > kb ? 1 : a.id - b.id;
      return direction === 'asc' ? cmp : -cmp;
    });

  const lastPage = Math.max(1, Math.ceil(matching.length / perPage));
  const items = matching.slice((page - 1) * perPage, page * perPage);
  const pageUrl = (n: number) => {
    const u = new URL(`${ctx.apiUrl}/user/repos`);
    for (const [k, v] of q) if (k !== 'page') u.searchParams.append(k, v);
    u.searchParams.set('page', String(n));
    return u.toString();
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${pageUrl(Math.min(page - 1, lastPage))}>; rel="prev"`);
  if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`, `<${pageUrl(lastPage)}>; rel="last"`);
  if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`);
  const extra: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {};
  sendJson(r.res, 200, items.map((repo) => repoJson(ctx, repo, auth.user.login)), { ...headers, ...extra });
};

/** DELETE /applications/{client_id}/token and /grant: revoke on sign-out (Basic auth with the app's client id and secret). */
const revokeApplicationToken =
  (grant: boolean): Handler =>
  (ctx, r, _auth, params, headers) => {
    const basic = r.req.headers.authorization ?? '';
    const decoded = basic.toLowerCase().startsWith('basic ') ? Buffer.from(basic.slice(6).trim(), 'base64').toString('utf8') : '';
    if (params[0] !== ctx.clientId || decoded !== `${ctx.clientId}:${ctx.clientSecret}`) {
      return error(r.res, 404, 'Not Found', `${DOCS}/apps/oauth-applications`, headers);
    }
    let accessToken: unknown;
    try {
      accessToken = (JSON.parse(r.body || '{}') as { access_token?: unknown }).access_token;
    } catch {
      return error(r.res, 400, 'Problems parsing JSON', `${DOCS}/apps/oauth-applications`, headers);
    }
    const record = typeof accessToken === 'string' ? ctx.store.tokens.get(accessToken) : undefined;
    if (!record || record.revoked) return error(r.res, 404, 'Not Found', `${DOCS}/apps/oauth-applications`, headers);
    for (const t of ctx.store.tokens.values()) if (t === record || (grant && t.login === record.login)) t.revoked = true;
    r.res.writeHead(204, headers);
    r.res.end();
  };

const rateLimitStatus: Handler = (ctx, r, auth, _params, headers) => {
  const { limit, remaining, reset, used } = rateState(ctx, r.req, auth, false);
  const core = { limit, remaining, reset, used, resource: 'core' };
  sendJson(r.res, 200, { resources: { core }, rate: core }, headers);
};

const routes: Route[] = [
  { method: 'GET', pattern: /^\/user$/, anonymous: false, counts: true, handler: getUser },
  { method: 'GET', pattern: /^\/user\/repos$/, anonymous: false, counts: true, handler: listUserRepos },
  { method: 'GET', pattern: /^\/users\/([^/]+)$/, anonymous: true, counts: true, handler: getPublicUser },
  { method: 'GET', pattern: /^\/repos\/([^/]+)\/([^/]+)$/, anonymous: true, counts: true, handler: getRepo },
  { method: 'GET', pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, anonymous: true, counts: true, handler: listPulls },
  { method: 'POST', pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, anonymous: false, counts: true, handler: createPull },
  { method: 'GET', pattern: /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, anonymous: true, counts: true, handler: getPull },
  { method: 'DELETE', pattern: /^\/applications\/([^/]+)\/token$/, anonymous: true, counts: false, handler: revokeApplicationToken(false) },
  { method: 'DELETE', pattern: /^\/applications\/([^/]+)\/grant$/, anonymous: true, counts: false, handler: revokeApplicationToken(true) },
  { method: 'GET', pattern: /^\/rate_limit$/, anonymous: true, counts: false, handler: rateLimitStatus },
];

function rateState(ctx: ApiContext, req: IncomingMessage, auth: Authentication, count: boolean) {
  const key = auth.kind === 'user' ? `user:${auth.user.id}` : `ip:${req.socket.remoteAddress ?? ''}`;
  const limit = auth.kind === 'user' ? 5000 : 60;
  const nowS = Math.floor(ctx.store.now() / 1000);
  let window = ctx.rateWindows.get(key);
  if (!window || window.resetAt <= nowS) {
    window = { resetAt: nowS + 3600, used: 0 };
    ctx.rateWindows.set(key, window);
  }
  if (count && !ctx.rateLimited) window.used += 1;
  const used = ctx.rateLimited ? limit : Math.min(window.used, limit);
  return { limit, used, remaining: limit - used, reset: window.resetAt };
}

/** True when the route exists (and was answered, once the promise settles); false for an unknown route (the caller answers 404 and records it). */
export async function handleApi(ctx: ApiContext, r: ApiRequest): Promise<boolean> {
  const method = r.req.method ?? 'GET';
  let match: { route: Route; params: string[] } | undefined;
  for (const route of routes) {
    const m = route.pattern.exec(r.path);
    if (m && route.method === (method === 'HEAD' ? 'GET' : method)) {
      match = { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
      break;
    }
  }
  if (!match) return false;

  const isAppRoute = r.path.startsWith('/applications/');
  const auth: Authentication = isAppRoute ? { kind: 'anonymous' } : authenticateHeader(ctx.store, r.req.headers.authorization);
  const state = rateState(ctx, r.req, auth, match.route.counts);
  const headers: Record<string, string> = {
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': randomUUID().toUpperCase(),
    'x-github-enterprise-version': '3.15.0',
    'x-ratelimit-limit': String(state.limit),
    'x-ratelimit-remaining': String(state.remaining),
    'x-ratelimit-reset': String(state.reset),
    'x-ratelimit-used': String(state.used),
    'x-ratelimit-resource': 'core',
  };
  if (auth.kind === 'user') {
    if (auth.token.kind === 'oauth-app') {
      headers['x-oauth-scopes'] = auth.token.scopes.join(', ');
      headers['x-accepted-oauth-scopes'] = '';
    }
    if (auth.token.expiresAt !== undefined) {
      headers['github-authentication-token-expiration'] = new Date(auth.token.expiresAt).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    }
  }

  if (auth.kind === 'bad') {
    error(r.res, 401, 'Bad credentials', DOCS, headers);
    return true;
  }
  if (ctx.rateLimited && match.route.counts) {
    const who = auth.kind === 'user' ? `user ID ${auth.user.id}` : (r.req.socket.remoteAddress ?? 'your IP');
    error(
      r.res,
      403,
      `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include the request ID ${headers['x-github-request-id']}.`,
      `${DOCS}/overview/rate-limits-for-the-rest-api`,
      headers,
    );
    return true;
  }
  if (!match.route.anonymous && auth.kind !== 'user') {
    error(r.res, 401, 'Requires authentication', DOCS, headers);
    return true;
  }
  await match.route.handler(ctx, r, auth, match.params, headers);
  return true;
}

export function apiNotFound(res: ServerResponse): void {
  sendJson(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
}
