import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import { createRepoBrowser } from './repos.js';
import { reposQuery } from './schemas.js';

export interface RepoRoutesOptions {
  config: Config;
  clock: Clock;
}

/** GET /api/github/repos: the repository browser (see docs/api.md). Behind the auth guard. */
export async function githubRepoRoutes(fastify: FastifyInstance, { config, clock }: RepoRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const browser = createRepoBrowser({ db: app.db, github: app.github, clock, cacheMs: config.workspaces.reposCacheMs });

  app.get('/api/github/repos', { schema: { querystring: reposQuery } }, async (request) => {
    const query = request.query;
    // The same status as every other screen: a list cached before the token stopped working is not shown.
    await app.github.ensureConnected();
    return browser.list({ q: query.q || undefined, sort: query.sort, refresh: query.refresh, page: query.page, perPage: query.perPage });
  });
}
