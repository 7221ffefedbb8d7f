import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { GitHubConfig } from '../../config/github.js';
import type { Clock } from '../../infra/clock.js';
import { createGitHubAccess, type GitHubAccess, type OwnerLookup } from './access.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The owner's GitHub connection: tokens, REST client, connection state (see access.ts). */
    github: GitHubFeature;
  }
}

export type GitHubFeature = GitHubAccess;

export interface GitHubPluginOptions {
  config: GitHubConfig;
  clock: Clock;
  /** Who the owner is: the auth feature owns the identity; the composition root passes its lookup. */
  owner: OwnerLookup;
}

/** Decorates `app.github`, created once per app over the database and the vault. */
export const githubPlugin = fp(
  async (app: FastifyInstance, { config, clock, owner }: GitHubPluginOptions) => {
    const shutdown = new AbortController();
    const access = createGitHubAccess({ db: app.db, vault: app.vault, config, clock, log: app.log.child({ component: 'github' }), owner, shutdown: shutdown.signal });
    app.decorate('github', access);
    // preClose, not onClose: Fastify waits for the requests in flight before onClose, so a request
    // waiting on a GitHub that does not answer would hold the whole shutdown (terminals, database).
    app.addHook('preClose', async () => {
      shutdown.abort();
    });
  },
  { name: 'github', dependencies: ['database', 'vault'] },
);
