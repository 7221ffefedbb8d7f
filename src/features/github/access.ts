import type { FastifyBaseLogger } from 'fastify';
import type { Octokit } from 'octokit';
import type { GitHubConfig } from '../../config/github.js';
import type { Settings } from '../../generated/prisma/client.js';
import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Vault } from '../../infra/vault.js';
import { loadSettings, SETTINGS_ID } from '../settings/row.js';
import { eitherSignal, lazyTimedOctokit, type OutboundLimits } from './deadline.js';
import { OAuthError, createOAuthClient, type OAuthClient, type TokenSet } from './oauth.js';
import type { GitHubConnectionState } from '../../shared/github.js';

/*
 * GitHub access for every feature, created once per app and decorated as `app.github`:
 *
 *   getAccessToken(): Promise<string>        the owner's token, decrypted for this use only; refreshes an
 *                                             expiring token shortly before it expires. Throws AppError 409
 *                                             `github_not_connected` or `github_reauth_required` (message says
 *                                             what to do), 502 `github_unavailable` when GitHub cannot be reached.
 *   refreshAfterUnauthorized(rejected?)       call when GitHub answered 401 to `rejected`: refreshes (or marks the
 *                                             connection as needing renewal and throws github_reauth_required).
 *   octokit(): Promise<Octokit>               REST client on GITHUB_API_URL; each request gets a fresh token and a
 *                                             401 triggers one refresh and one retry. Rate limits are not retried.
 *                                             Each request, its retries and renewal included, has GITHUB_TIMEOUT_MS
 *                                             (then AppError 504 `github_timeout`) and ends at shutdown (503).
 *   webUrl / apiUrl                           GITHUB_URL (git clone URLs: `${webUrl}/owner/repo.git`) and GITHUB_API_URL.
 *   connectionState()                         'connected' | 'needs_renewal' | 'not_configured' | 'not_connected' |
 *                                             'unreachable': the one status every screen shows. A stored token is
 *                                             checked against GitHub (cached for a minute, with a deadline); a
 *                                             token GitHub refuses is renewed or marked as needing renewal.
 *   ensureConnected()                         throws what connectionState() found (409 reauth/not connected), if anything.
 *   forgetStatusCheck()                       the next connectionState() asks GitHub (git was refused the token).
 *   tokensWrite(tokens)                       the write that stores fresh tokens, for the sign-in's transaction.
 *
 * This feature stores the connection only (the encrypted tokens and their expiry). The owner's identity
 * belongs to the auth feature, which tells this one who the owner is through `owner` (OwnerLookup).
 *
 * Never log, store unencrypted or put in a URL what getAccessToken() returns; for git, pass it through
 * an environment variable or a credential helper, never in the remote URL.
 */

export type ConnectionState = GitHubConnectionState;

/**
 * Who the connection belongs to, as the auth feature (owner of the owner's identity) tells it; null when
 * no owner is bound. With an owner and no usable token, the connection "needs renewal" rather than
 * "not connected".
 */
export type OwnerLookup = () => Promise<{ login: string | null } | null>;

// An expiring token is refreshed when it has less than this left, so a clone never starts with a dying token.
const REFRESH_MARGIN_MS = 5 * 60_000;
// Screens ask for the status on every load: GitHub is asked at most once a minute per token, and a slow
// answer costs a page at most a few seconds (then the status says GitHub did not answer).
const STATUS_CACHE_MS = 60_000;
const STATUS_DEADLINE_MS = 4_000;

export interface GitHubAccessDeps {
  db: Database;
  vault: Vault;
  config: GitHubConfig;
  clock: Clock;
  log: FastifyBaseLogger;
  owner: OwnerLookup;
  oauth?: OAuthClient;
  /** Aborted when the server shuts down: every call to GitHub still waiting ends (see the plugin). */
  shutdown?: AbortSignal;
  /** How long a check of the stored token against GitHub stands, and how long it may take. */
  statusCheck?: { cacheMs: number; deadlineMs: number };
}

export const notConnected = () =>
  new AppError(409, 'github_not_connected', 'GitHub is not connected: sign in with GitHub (Settings → Connect GitHub) to list and clone repositories.');
export const reauthRequired = () =>
  new AppError(409, 'github_reauth_required', 'The GitHub connection needs to be renewed: sign in with GitHub again.');
const notConfigured = () =>
  new AppError(409, 'github_not_configured', 'GitHub sign-in is not configured: set GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET (see docs/configuration.md).');
const unavailable = () => new AppError(502, 'github_unavailable', 'GitHub could not be reached to renew the token; try again in a minute.');

export function createGitHubAccess({
  db,
  vault,
  config,
  clock,
  log,
  owner,
  shutdown = new AbortController().signal,
  oauth = createOAuthClient({ config, clock, limits: { timeoutMs: config.timeoutMs, shutdown } }),
  statusCheck = { cacheMs: STATUS_CACHE_MS, deadlineMs: Math.min(STATUS_DEADLINE_MS, config.timeoutMs) },
}: GitHubAccessDeps) {
  const limits: OutboundLimits = { timeoutMs: config.timeoutMs, shutdown };
  // Registered last, the deadline wraps octokit's retries and the renewal below (deadline.ts).
  const loadOctokit = lazyTimedOctokit(limits);
  let refreshInFlight: Promise<string> | null = null;
  // The last check against GitHub, for the stored token it checked (its ciphertext: a new token is checked anew).
  let lastCheck: { storedToken: string; at: number; state: ConnectionState } | null = null;
  let checkInFlight: { storedToken: string; state: Promise<ConnectionState> } | null = null;

  function encryptTokens(tokens: TokenSet) {
    return {
      githubAccessToken: vault.encrypt(tokens.accessToken),
      githubRefreshToken: tokens.refreshToken ? vault.encrypt(tokens.refreshToken) : null,
      githubTokenExpiresAt: tokens.expiresAt,
      githubRefreshTokenExpiresAt: tokens.refreshTokenExpiresAt,
    };
  }

  /** The tokens are dropped, the owner stays: the UI then says "needs renewal" rather than "not connected". */
  async function markNeedsRenewal(reason: string) {
    await db.$transaction([
      db.settings.update({
        where: { id: SETTINGS_ID },
        data: { githubAccessToken: null, githubRefreshToken: null, githubTokenExpiresAt: null, githubRefreshTokenExpiresAt: null },
      }),
      db.authLog.create({ data: { action: 'token_refresh', success: false, details: JSON.stringify({ reason }), createdAt: clock.now() } }),
    ]);
    log.warn({ reason }, 'GitHub connection needs to be renewed');
  }

  async function ensureUsable(settings: Settings): Promise<void> {
    if (!config.clientId) throw notConfigured();
    if (!settings.githubAccessToken) throw (await owner()) !== null ? reauthRequired() : notConnected();
  }

  async function refresh(): Promise<string> {
    refreshInFlight ??= (async () => {
      const settings = await loadSettings(db);
      await ensureUsable(settings);
      const refreshToken = settings.githubRefreshToken ? vault.tryDecrypt(settings.githubRefreshToken) : null;
      const now = clock.now();
      if (!refreshToken || !config.clientSecret || (settings.githubRefreshTokenExpiresAt && settings.githubRefreshTokenExpiresAt <= now)) {
        await markNeedsRenewal(refreshToken ? 'refresh token expired or no client secret' : 'token rejected and no refresh token');
        throw reauthRequired();
      }
      let tokens: TokenSet;
      try {
        tokens = await oauth.refresh(refreshToken);
      } catch (error) {
        if (error instanceof OAuthError) {
          await markNeedsRenewal(`GitHub refused the refresh: ${error.code}`);
          throw reauthRequired();
        }
        // The deadline's own answer (504 github_timeout, 503 at shutdown) says more than "unavailable".
        if (error instanceof AppError) throw error;
        log.warn({ err: error }, 'GitHub token refresh failed; will retry on next use');
        throw unavailable();
      }
      const login = (await owner())?.login ?? null;
      // Both tokens change together: GitHub invalidates the old refresh token as soon as it issues a new one.
      await db.$transaction([
        db.settings.update({ where: { id: SETTINGS_ID }, data: encryptTokens(tokens) }),
        db.authLog.create({ data: { action: 'token_refresh', success: true, details: JSON.stringify({ login }), createdAt: clock.now() } }),
      ]);
      log.info('GitHub token refreshed');
      return tokens.accessToken;
    })().finally(() => {
      refreshInFlight = null;
    });
    return refreshInFlight;
  }

  async function getAccessToken(): Promise<string> {
    const settings = await loadSettings(db);
    await ensureUsable(settings);
    const token = vault.tryDecrypt(settings.githubAccessToken!);
    if (token === null) {
      log.warn('the stored GitHub token cannot be decrypted (altered, or encrypted under another key)');
      throw reauthRequired();
    }
    if (settings.githubTokenExpiresAt && settings.githubTokenExpiresAt.getTime() - clock.now().getTime() < REFRESH_MARGIN_MS) {
      return refresh();
    }
    return token;
  }

  async function refreshAfterUnauthorized(rejected?: string): Promise<string> {
    if (rejected !== undefined) {
      const settings = await loadSettings(db);
      const current = settings.githubAccessToken ? vault.tryDecrypt(settings.githubAccessToken) : null;
      // Another request already refreshed: use its token rather than spending the new refresh token.
      if (current && current !== rejected) return current;
    }
    return refresh();
  }

  /** The state as the database tells it, without asking GitHub. */
  async function storedState(settings: Settings): Promise<ConnectionState> {
    if (!config.clientId) return 'not_configured';
    if (!settings.githubAccessToken) return (await owner()) !== null ? 'needs_renewal' : 'not_connected';
    if (vault.tryDecrypt(settings.githubAccessToken) === null) return 'needs_renewal';
    const now = clock.now();
    const accessExpired = settings.githubTokenExpiresAt !== null && settings.githubTokenExpiresAt <= now;
    const canRefresh =
      settings.githubRefreshToken !== null &&
      vault.tryDecrypt(settings.githubRefreshToken) !== null &&
      (settings.githubRefreshTokenExpiresAt === null || settings.githubRefreshTokenExpiresAt > now);
    return accessExpired && !canRefresh ? 'needs_renewal' : 'connected';
  }

  /**
   * Asks GitHub whether it takes the token: GET /rate_limit answers 401 to a revoked or expired token
   * and does not count against the rate limit. A 401 goes through the same renewal as any other call.
   */
  async function askGitHub(): Promise<ConnectionState> {
    try {
      const token = await getAccessToken();
      const response = await fetch(`${config.apiUrl}/rate_limit`, {
        headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'shellport' },
        signal: eitherSignal(shutdown, AbortSignal.timeout(statusCheck.deadlineMs)),
      });
      await response.body?.cancel();
      if (response.status === 401) await refreshAfterUnauthorized(token);
      // Anything else below 500 took the token: 404 is GitHub Enterprise Server without rate limiting, 403 a used-up limit.
      else if (response.status >= 500) {
        log.warn({ status: response.status }, 'GitHub answered the connection check with an error');
        return 'unreachable';
      }
      return 'connected';
    } catch (error) {
      if (error instanceof AppError) {
        if (error.code === 'github_reauth_required') return 'needs_renewal';
        if (error.code === 'github_not_connected') return 'not_connected';
        if (error.code === 'github_not_configured') return 'not_configured';
      }
      // A timeout is the deadline's own warning (checkWithGitHub).
      if ((error as Error).name !== 'TimeoutError' && !shutdown.aborted) log.warn({ reason: error instanceof AppError ? error.code : (error as Error).name }, 'GitHub could not be reached to check the connection');
      return 'unreachable';
    }
  }

  /** askGitHub() within the deadline, renewal included; a renewal still under way goes on and is stored. */
  async function checkWithGitHub(): Promise<ConnectionState> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ConnectionState>((resolve) => {
      timer = setTimeout(() => {
        log.warn({ deadlineMs: statusCheck.deadlineMs }, 'GitHub did not answer the connection check in time');
        resolve('unreachable');
      }, statusCheck.deadlineMs);
    });
    try {
      return await Promise.race([askGitHub(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function connectionState(): Promise<ConnectionState> {
    const settings = await loadSettings(db);
    const stored = await storedState(settings);
    if (stored !== 'connected') return stored;
    const storedToken = settings.githubAccessToken!;
    const now = clock.now().getTime();
    if (lastCheck && lastCheck.storedToken === storedToken && now - lastCheck.at < statusCheck.cacheMs) return lastCheck.state;
    if (checkInFlight?.storedToken === storedToken) return checkInFlight.state;
    const check = {
      storedToken,
      state: checkWithGitHub()
        .then(async (state) => {
          const after = await loadSettings(db);
          // Kept for the token it checked; a sign-in or a renewal meanwhile stored another, checked on the next call.
          if (after.githubAccessToken === storedToken) lastCheck = { storedToken, at: clock.now().getTime(), state };
          return after.githubAccessToken ? state : storedState(after);
        })
        .finally(() => {
          if (checkInFlight === check) checkInFlight = null;
        }),
    };
    checkInFlight = check;
    return check.state;
  }

  /** The next connectionState() asks GitHub again (git was just refused the token, say). */
  function forgetStatusCheck(): void {
    lastCheck = null;
  }

  /** Throws the AppError that says what to do when the checked status is a refusal (not when GitHub is merely slow). */
  async function ensureConnected(): Promise<void> {
    const state = await connectionState();
    if (state === 'needs_renewal') throw reauthRequired();
    if (state === 'not_connected') throw notConnected();
    if (state === 'not_configured') throw notConfigured();
  }

  /**
   * The write that stores fresh tokens (sign-in), not yet run: the caller runs it in its transaction
   * (`db.$transaction([...])`), beside its own write of the owner's identity.
   */
  function tokensWrite(tokens: TokenSet) {
    const columns = encryptTokens(tokens);
    return db.settings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...columns }, update: columns });
  }

  async function octokit(): Promise<Octokit> {
    await getAccessToken(); // fail early with a clear AppError when there is no usable connection
    const TimedOctokit = await loadOctokit();
    return new TimedOctokit({
      baseUrl: config.apiUrl,
      userAgent: 'shellport',
      authStrategy: () => ({
        async hook(request: any, route: any, parameters?: any) {
          const endpoint = request.endpoint.merge(route, parameters);
          const token = await getAccessToken();
          endpoint.headers.authorization = `token ${token}`;
          try {
            return await request(endpoint);
          } catch (error) {
            if ((error as { status?: number }).status !== 401) throw error;
            endpoint.headers.authorization = `token ${await refreshAfterUnauthorized(token)}`;
            return request(endpoint);
          }
        },
      }),
      // A server must not sleep for an hour on a rate limit: fail at once and let the caller say so.
      throttle: { onRateLimit: () => false, onSecondaryRateLimit: () => false },
      retry: { retries: 2 },
      log: { debug: () => {}, info: () => {}, warn: (message: string) => log.warn(message), error: (message: string) => log.error(message) },
    });
  }

  return {
    webUrl: config.webUrl,
    apiUrl: config.apiUrl,
    oauth,
    getAccessToken,
    refreshAfterUnauthorized,
    octokit,
    connectionState,
    ensureConnected,
    forgetStatusCheck,
    tokensWrite,
  };
}

export type GitHubAccess = ReturnType<typeof createGitHubAccess>;
