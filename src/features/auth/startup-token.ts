import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/index.js';
import { isDeviceFlowEnabled } from './device-flow.js';
import { hasOwner } from './owner.js';
import { loadOwnerState } from './owner-identity.js';
import { describeStartupLinks, removeStartupLinkFile, startupLinkFile, writeStartupLinkFile, type StartupLinks } from './startup-link.js';

/**
 * The random tokens of the start-up links, like Jupyter's, each good for one use (issue 18):
 * - the sign-in token (`/auth/token?token=…`): signs a browser in while the server is local-only (loopback
 *   HOST and PUBLIC_URL, TRUST_PROXY=false: the configuration decides, not the peer's address, which is
 *   loopback behind any local proxy) or with TOKEN_SIGN_IN=true; otherwise, when the device flow is on,
 *   it lets a browser start a device-code sign-in without a signed-in browser's approval;
 * - the setup token (`/auth/setup?token=…`), proving that the first GitHub sign-in comes from whoever
 *   started the server, while GITHUB_ALLOWED_USER is unset and nobody owns the server.
 * Each is replaced by a new one as soon as it has been used. They live in memory, and in
 * DATA_DIR/sign-in-link.json (mode 0600, rewritten at every use) while the server listens, for
 * `npm run sign-in-link`; they are written to the console only in the banner on a terminal.
 */
export interface StartupToken {
  /** Whether `candidate` is the current sign-in token; if so it is used up and a new one replaces it. */
  consumeSignIn(candidate: string | undefined): Promise<boolean>;
  /** The same for the setup token. */
  consumeSetup(candidate: string | undefined): Promise<boolean>;
  readonly isTokenSignInEnabled: boolean;
  /** The sign-in URL and/or the setup URL, as they stand now. Never logged. */
  links(baseUrl: string): Promise<StartupLinks>;
  /** The links as sentences, one a line. */
  describe(baseUrl: string): Promise<string[]>;
  /** Writes the links to DATA_DIR/sign-in-link.json (mode 0600) for `npm run sign-in-link`; the file goes when the app closes. */
  publish(baseUrl: string): Promise<StartupLinks & { file: string }>;
  /** Writes the file again, if it was published (a claim removes the setup link). */
  republish(): Promise<void>;
  /** The current sign-in token, for the start-up message and tests. */
  readonly value: string;
  /** The current setup token (tests). */
  readonly setupValue: string;
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

/** One single-use token: compared in constant time, replaced at once when it matches. */
function singleUseToken() {
  let value = '';
  let expected = Buffer.alloc(0);
  const renew = () => {
    value = randomBytes(24).toString('base64url');
    expected = digest(value);
  };
  renew();
  return {
    get value() {
      return value;
    },
    /** Synchronous from comparison to renewal, so that two requests cannot both use one token. */
    take(candidate: string | undefined): boolean {
      if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 256) return false;
      if (!timingSafeEqual(digest(candidate), expected)) return false;
      renew();
      return true;
    },
  };
}

export const startupTokenPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const signIn = singleUseToken();
    const setup = singleUseToken();
    const enabled = isTokenSignInEnabled(config);
    const file = startupLinkFile(config.storage.dataDir);
    let publishedAt: string | null = null;
    const links = async (baseUrl: string): Promise<StartupLinks> => {
      const owned = hasOwner(await loadOwnerState(app.db), config.github.allowedUser);
      return {
        url: baseUrl,
        signInUrl: enabled ? `${baseUrl}/auth/token?token=${signIn.value}` : null,
        deviceSignInUrl: !enabled && owned && isDeviceFlowEnabled(config) ? `${baseUrl}/auth/token?token=${signIn.value}` : null,
        setupUrl: config.github.clientId && !owned ? `${baseUrl}/auth/setup?token=${setup.value}` : null,
      };
    };
    const publish = async (baseUrl: string) => {
      const current = await links(baseUrl);
      writeStartupLinkFile(file, { ...current, pid: process.pid, startedAt: new Date().toISOString() });
      publishedAt = baseUrl;
      return { ...current, file };
    };
    const republish = async () => {
      if (publishedAt === null) return;
      try {
        await publish(publishedAt);
      } catch (error) {
        app.log.error({ err: error }, 'could not write the new sign-in link to the link file; npm run sign-in-link will print a used one');
      }
    };
    const consume = async (token: ReturnType<typeof singleUseToken>, candidate: string | undefined) => {
      if (!token.take(candidate)) return false;
      await republish();
      return true;
    };
    app.decorate('startupToken', {
      get value() {
        return signIn.value;
      },
      get setupValue() {
        return setup.value;
      },
      isTokenSignInEnabled: enabled,
      consumeSignIn: (candidate) => consume(signIn, candidate),
      consumeSetup: (candidate) => consume(setup, candidate),
      links,
      describe: async (baseUrl) => describeStartupLinks(await links(baseUrl)),
      publish,
      republish,
    } satisfies StartupToken);
    app.addHook('onClose', async () => {
      if (publishedAt !== null) removeStartupLinkFile(file);
    });
  },
  { name: 'startup-token', dependencies: ['database'] },
);
