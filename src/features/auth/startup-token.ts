import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import { loadSettings } from '../github/access.js';

/**
 * The random token printed at start-up, like Jupyter's. It serves two purposes:
 * - token sign-in (`/auth/token?token=…`), accepted only while the server is local-only (loopback
 *   HOST and PUBLIC_URL, TRUST_PROXY=false: the configuration decides, not the peer's address,
 *   which is loopback behind any local proxy) or with TOKEN_SIGN_IN=true;
 * - the setup token proving that the first GitHub sign-in comes from whoever started the server,
 *   when GITHUB_ALLOWED_USER is unset and nobody owns the server yet.
 * It lives in memory only and changes at every start.
 */
export interface StartupToken {
  /** Constant-time comparison with the token. */
  matches(candidate: string | undefined): boolean;
  readonly isTokenSignInEnabled: boolean;
  /** Lines for the console at start-up: the sign-in URL and/or the setup URL. Never logged. */
  describe(baseUrl: string): Promise<string[]>;
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
    app.decorate('startupToken', {
      value,
      isTokenSignInEnabled: enabled,
      matches: (candidate) => typeof candidate === 'string' && candidate.length > 0 && candidate.length <= 256 && timingSafeEqual(digest(candidate), expected),
      async describe(baseUrl) {
        const lines: string[] = [];
        if (enabled) lines.push(`Sign in to Shellport with this URL (its token changes at every start): ${baseUrl}/auth/token?token=${value}`);
        const settings = await loadSettings(app.db);
        const unclaimed = settings.githubUserId === null && settings.githubLogin === null && config.github.allowedUser === null;
        if (config.github.clientId && unclaimed) {
          lines.push(`No owner yet. Claim this server by signing in with GitHub from this URL: ${baseUrl}/auth/setup?token=${value}`);
        }
        return lines;
      },
    } satisfies StartupToken);
  },
  { name: 'startup-token', dependencies: ['database'] },
);
