import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import { loadSettings } from '../github/access.js';
import { describeStartupLinks, removeStartupLinkFile, startupLinkFile, writeStartupLinkFile, type StartupLinks } from './startup-link.js';

/**
 * The random token printed at start-up, like Jupyter's. It serves two purposes:
 * - token sign-in (`/auth/token?token=…`), accepted only while the server is local-only (loopback
 *   HOST and PUBLIC_URL, TRUST_PROXY=false: the configuration decides, not the peer's address,
 *   which is loopback behind any local proxy) or with TOKEN_SIGN_IN=true;
 * - the setup token proving that the first GitHub sign-in comes from whoever started the server,
 *   when GITHUB_ALLOWED_USER is unset and nobody owns the server yet.
 * It changes at every start. It lives in memory, and in DATA_DIR/sign-in-link.json (mode 0600) while the
 * server listens, for `npm run sign-in-link`; it is written to the console only in the banner on a terminal.
 */
export interface StartupToken {
  /** Constant-time comparison with the token. */
  matches(candidate: string | undefined): boolean;
  readonly isTokenSignInEnabled: boolean;
  /** The sign-in URL and/or the setup URL, as they stand now. Never logged. */
  links(baseUrl: string): Promise<StartupLinks>;
  /** The links as sentences, one a line. */
  describe(baseUrl: string): Promise<string[]>;
  /** Writes the links to DATA_DIR/sign-in-link.json (mode 0600) for `npm run sign-in-link`; the file goes when the app closes. */
  publish(baseUrl: string): Promise<StartupLinks & { file: string }>;
  /** The token itself, for the start-up message and tests. */
  readonly value: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    startupToken: StartupToken;
  }
}

export function isTokenSignInEnabled(config: Config): boolean {
  return config.auth.tokenSignIn === 'true' || (config.auth.tokenSignIn === 'auto' && config.server.isLoopbackOnly);
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export const startupTokenPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const value = randomBytes(24).toString('base64url');
    const expected = digest(value);
    const enabled = isTokenSignInEnabled(config);
    const file = startupLinkFile(config.storage.dataDir);
    let isPublished = false;
    const links = async (baseUrl: string): Promise<StartupLinks> => {
      const settings = await loadSettings(app.db);
      const unclaimed = settings.githubUserId === null && settings.githubLogin === null && config.github.allowedUser === null;
      return {
        url: baseUrl,
        signInUrl: enabled ? `${baseUrl}/auth/token?token=${value}` : null,
        setupUrl: config.github.clientId && unclaimed ? `${baseUrl}/auth/setup?token=${value}` : null,
      };
    };
    app.decorate('startupToken', {
      value,
      isTokenSignInEnabled: enabled,
      matches: (candidate) => typeof candidate === 'string' && candidate.length > 0 && candidate.length <= 256 && timingSafeEqual(digest(candidate), expected),
      links,
      describe: async (baseUrl) => describeStartupLinks(await links(baseUrl)),
      async publish(baseUrl) {
        const current = await links(baseUrl);
        writeStartupLinkFile(file, { ...current, pid: process.pid, startedAt: new Date().toISOString() });
        isPublished = true;
        return { ...current, file };
      },
    } satisfies StartupToken);
    app.addHook('onClose', async () => {
      if (isPublished) removeStartupLinkFile(file);
    });
  },
  { name: 'startup-token', dependencies: ['database'] },
);
