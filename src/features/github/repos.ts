import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { GitHubAccess } from './access.js';
import type { RepoSummary } from '../../shared/github.js';

interface GitHubRepoJson {
  id: number;
  full_name: string;
  name: string;
  owner: { login: string } | null;
  description: string | null;
  private: boolean;
  fork: boolean;
  archived?: boolean;
  default_branch?: string;
  pushed_at?: string | null;
  html_url: string;
}

/** Repository order by name: case-insensitive, with numbers in order (repo-2 before repo-10). */
export const byName = (a: Pick<RepoSummary, 'fullName'>, b: Pick<RepoSummary, 'fullName'>) => a.fullName.localeCompare(b.fullName, 'en', { numeric: true, sensitivity: 'base' });

/**
 * Turns an octokit failure into an API error the owner can act on: rate limit (with the reset
 * time), revoked token, no access. AppErrors from app.github (not connected, renewal) pass through.
 */
export function toGitHubApiError(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const status = (error as { status?: number }).status;
  const headers = ((error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {}) as Record<string, string | undefined>;
  if ((status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(String((error as Error).message)))) {
    const reset = Number(headers['x-ratelimit-reset']);
    const when = Number.isFinite(reset) && reset > 0 ? ` It resets at ${new Date(reset * 1000).toISOString().slice(11, 16)} UTC.` : '';
    return new AppError(429, 'github_rate_limited', `GitHub's API rate limit for your account is used up.${when} Try again after that.`);
  }
  if (status === 401) {
    return new AppError(409, 'github_reauth_required', 'GitHub no longer accepts the stored token (revoked or expired): sign in with GitHub again.');
  }
  if (status === 404) return new AppError(404, 'repository_not_found', `${what}: not found on GitHub, or your account cannot see it.`);
  if (status === 403) return new AppError(403, 'github_forbidden', `${what}: GitHub refused access (403). Check the app's permissions on GitHub.`);
  return new AppError(502, 'github_unavailable', `${what}: GitHub could not be reached${status ? ` (HTTP ${status})` : ''}. Try again in a minute.`);
}

/**
 * The owner's repositories (owned, collaborator, organisation member), all pages, cached for
 * `cacheMs`; `refresh` bypasses the cache. The "already a workspace" mark is computed per call.
 */
export function createRepoBrowser({ db, github, clock, cacheMs }: { db: Database; github: GitHubAccess; clock: Clock; cacheMs: number }) {
  let cache: { at: number; repos: Omit<RepoSummary, 'workspaceId'>[] } | null = null;
  let inFlight: Promise<Omit<RepoSummary, 'workspaceId'>[]> | null = null;

  async function fetchAll(): Promise<Omit<RepoSummary, 'workspaceId'>[]> {
    inFlight ??= (async () => {
      try {
        const octokit = await github.octokit();
        const data = (await octokit.paginate('GET /user/repos', {
          per_page: 100,
          affiliation: 'owner,collaborator,organization_member',
          sort: 'pushed',
          direction: 'desc',
        })) as GitHubRepoJson[];
        return data.map((repo) => ({
          id: repo.id,
          fullName: repo.full_name,
          owner: repo.owner?.login ?? repo.full_name.split('/')[0]!,
          name: repo.name,
          description: repo.description ?? null,
          private: repo.private,
          fork: repo.fork,
          archived: repo.archived ?? false,
          defaultBranch: repo.default_branch ?? 'main',
          pushedAt: repo.pushed_at ?? null,
          htmlUrl: repo.html_url,
        }));
      } catch (error) {
        throw toGitHubApiError(error, 'Listing your repositories');
      }
    })().finally(() => {
      inFlight = null;
    });
    return inFlight;
  }

  return {
    async list(options: { q?: string; sort: 'pushed' | 'name'; refresh: boolean; page: number; perPage: number }) {
      const now = clock.now().getTime();
      const fresh = !options.refresh && cache !== null && now - cache.at < cacheMs;
      if (!fresh) cache = { at: now, repos: await fetchAll() };
      const all = cache!.repos;
      const q = options.q?.toLowerCase();
      const matching = q ? all.filter((repo) => repo.fullName.toLowerCase().includes(q) || (repo.description ?? '').toLowerCase().includes(q)) : [...all];
      if (options.sort === 'name') matching.sort(byName);
      else matching.sort((a, b) => (b.pushedAt ?? '').localeCompare(a.pushedAt ?? '') || byName(a, b));
      const pageItems = matching.slice((options.page - 1) * options.perPage, options.page * options.perPage);
      const workspaces = await db.workspace.findMany({
        where: { githubRepo: { in: pageItems.map((repo) => repo.fullName.toLowerCase()) } },
        select: { id: true, githubRepo: true },
      });
      const byRepo = new Map(workspaces.map((w) => [w.githubRepo!, w.id]));
      return {
        repositories: pageItems.map((repo): RepoSummary => ({ ...repo, workspaceId: byRepo.get(repo.fullName.toLowerCase()) ?? null })),
        total: matching.length,
        page: options.page,
        perPage: options.perPage,
        fetchedAt: new Date(cache!.at).toISOString(),
        cached: fresh,
      };
    },
    /** Forget the cached list (a workspace was added or removed elsewhere does not need this: marks are live). */
    invalidate(): void {
      cache = null;
    },
  };
}

export type RepoBrowser = ReturnType<typeof createRepoBrowser>;
