import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GitHubConfig } from '../../config/github.js';
import type { Clock } from '../../infra/clock.js';
import { createGitHubAccess, type GitHubAccess } from './access.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The owner's GitHub connection: tokens, REST client, connection state (see access.ts). */
    github: GitHubAccess;
  }
}

export interface GitHubPluginOptions {
  config: GitHubConfig;
  clock: Clock;
}

/** Decorates `app.github`, created once per app over the database and the vault. */
export const githubPlugin = fp(
  async (app: FastifyInstance, { config, clock }: GitHubPluginOptions) => {
    const shutdown = new AbortController();
    app.decorate('github', createGitHubAccess({ db: app.db, vault: app.vault, config, clock, log: app.log.child({ component: 'github' }), shutdown: shutdown.signal }));
    // preClose, not onClose: Fastify waits for the requests in flight before onClose, so a request
    // waiting on a GitHub that does not answer would hold the whole shutdown (terminals, database).
    app.addHook('preClose', async () => {
      shutdown.abort();
    });
  },
  { name: 'github', dependencies: ['database', 'vault'] },
);
