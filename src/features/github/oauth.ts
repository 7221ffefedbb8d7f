import { createDeviceCode, exchangeDeviceCode, exchangeWebFlowCode, getWebFlowAuthorizationUrl, refreshToken } from '@octokit/oauth-methods';
import { request as octokitRequest } from '@octokit/request';
import type { GitHubConfig } from '../../config/github.js';
import { AppError } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import { lazyTimedOctokit, withDeadline, type OutboundLimits } from './deadline.js';

/** What GitHub hands back from any token grant. Expiry fields are set only for expiring (GitHub App) tokens. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  refreshTokenExpiresAt: Date | null;
}

export interface GitHubIdentity {
  id: number;
  login: string;
  name: string | null;
  avatarUrl: string | null;
}

/**
 * GitHub's OAuth answered with an error body (it uses HTTP 200 for these). `code` is GitHub's
 * (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#error-codes-for-the-device-flow).
 */
/**
 * GitHub's sign-in endpoints failed (network error, 5xx, an HTML page instead of JSON). Keeps only
 * the status and a short message: the HTTP client's error holds the request, whose body carries
 * the client secret, the code or the refresh token, and errors end up in logs.
 */
export class GitHubUnreachableError extends Error {
  readonly status: number | null;

  constructor(cause: unknown) {
    const status = (cause as { status?: unknown }).status;
    const code = (cause as { code?: unknown }).code;
    const reason = typeof status === 'number' && status > 0 ? `answered HTTP ${status}` : typeof code === 'string' ? `could not be reached (${code})` : 'could not be reached';
    super(`GitHub's sign-in endpoint ${reason}.`);
    this.name = 'GitHubUnreachableError';
    this.status = typeof status === 'number' ? status : null;
  }
}

export class OAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** slow_down carries the new minimum polling interval in seconds. */
    readonly interval?: number,
  ) {
    super(message);
    this.name = 'OAuthError';
  }
}

export interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  expiresInSeconds: number;
  intervalSeconds: number;
}

/**
 * GitHub's OAuth endpoints through @octokit/oauth-methods. Those derive the OAuth host from their
 * `request`'s baseUrl (github.com for api.github.com, else the base URL without /api/v3), so they get
 * a request based on GITHUB_URL, the web host, where /login/oauth/* lives on github.com and GHES alike.
 *
 * Every call has GITHUB_TIMEOUT_MS (`limits`) and ends at shutdown: it then rejects with the
 * deadline's AppError (504 github_timeout, 503 server_shutting_down) rather than an OAuthError or
 * GitHubUnreachableError.
 */
export function createOAuthClient({
  config,
  clock,
  limits = { timeoutMs: config.timeoutMs, shutdown: new AbortController().signal },
}: {
  config: GitHubConfig;
  clock: Clock;
  limits?: OutboundLimits;
}) {
  const webRequest = octokitRequest.defaults({ baseUrl: config.webUrl, headers: { 'user-agent': 'shellport' } });
  const loadOctokit = lazyTimedOctokit(limits);

  function requireClientId(): string {
    if (!config.clientId) throw new OAuthError('not_configured', 'GITHUB_CLIENT_ID is not set.');
    return config.clientId;
  }

  function requireSecret(): string {
    if (!config.clientSecret) throw new OAuthError('not_configured', 'GITHUB_CLIENT_SECRET is not set.');
    return config.clientSecret;
  }

  function toTokenSet(data: Record<string, unknown>): TokenSet {
    const now = clock.now().getTime();
    const seconds = (value: unknown) => (typeof value === 'number' && value > 0 ? new Date(now + value * 1000) : null);
    return {
      accessToken: String(data.access_token),
      refreshToken: typeof data.refresh_token === 'string' && data.refresh_token ? data.refresh_token : null,
      expiresAt: seconds(data.expires_in),
      refreshTokenExpiresAt: seconds(data.refresh_token_expires_in),
    };
  }

  /** One call to a sign-in endpoint through `request` (webRequest with the call's deadline). */
  async function call<T>(operation: (request: typeof webRequest) => Promise<T>): Promise<T> {
    try {
      return await withDeadline(limits, (signal) => operation(webRequest.defaults({ request: { signal } })));
    } catch (error) {
      if (error instanceof AppError) throw error;
      const data = (error as { response?: { data?: Record<string, unknown> } }).response?.data;
      if (data && typeof data.error === 'string') {
        throw new OAuthError(data.error, String(data.error_description ?? data.error), typeof data.interval === 'number' ? data.interval : undefined);
      }
      throw new GitHubUnreachableError(error);
    }
  }

  return {
    isConfigured: () => config.clientId !== null,
    hasClientSecret: () => config.clientSecret !== null,

    /** The authorize URL with state and a PKCE S256 challenge. */
    authorizationUrl({ state, codeChallenge, redirectUrl }: { state: string; codeChallenge: string; redirectUrl: string }): string {
      const { url } = getWebFlowAuthorizationUrl({
        clientType: 'oauth-app',
        clientId: requireClientId(),
        redirectUrl,
        state,
        scopes: config.scopes,
        allowSignup: false,
        request: webRequest,
      });
      const withPkce = new URL(url);
      withPkce.searchParams.set('code_challenge', codeChallenge);
      withPkce.searchParams.set('code_challenge_method', 'S256');
      return withPkce.toString();
    },

    async exchangeCode({ code, redirectUrl, codeVerifier }: { code: string; redirectUrl: string; codeVerifier: string }): Promise<TokenSet> {
      const response = await call((request) =>
        exchangeWebFlowCode({
          clientType: 'oauth-app',
          clientId: requireClientId(),
          clientSecret: requireSecret(),
          code,
          redirectUrl,
          // oauth-methods has no PKCE option; a request default becomes one more body parameter.
          request: request.defaults({ code_verifier: codeVerifier }),
        }),
      );
      return toTokenSet(response.data as unknown as Record<string, unknown>);
    },

    async createDeviceCode(): Promise<DeviceCode> {
      const response = await call((request) => createDeviceCode({ clientType: 'oauth-app', clientId: requireClientId(), scopes: config.scopes, request }));
      const data = response.data;
      return {
        deviceCode: data.device_code,
        userCode: data.user_code,
        verificationUri: data.verification_uri,
        expiresInSeconds: data.expires_in,
        intervalSeconds: data.interval,
      };
    },

    /** One poll of the device flow; throws OAuthError authorization_pending, slow_down, expired_token, access_denied… */
    async exchangeDeviceCode(deviceCode: string): Promise<TokenSet> {
      const response = await call((request) => exchangeDeviceCode({ clientType: 'oauth-app', clientId: requireClientId(), code: deviceCode, request }));
      return toTokenSet(response.data as unknown as Record<string, unknown>);
    },

    async refresh(refreshTokenValue: string): Promise<TokenSet> {
      const response = await call((request) =>
        refreshToken({ clientType: 'github-app', clientId: requireClientId(), clientSecret: requireSecret(), refreshToken: refreshTokenValue, request }),
      );
      return toTokenSet(response.data as unknown as Record<string, unknown>);
    },

    /** GET /user with a token that is not stored yet (sign-in decides whether to keep it). */
    async fetchIdentity(accessToken: string): Promise<GitHubIdentity> {
      const TimedOctokit = await loadOctokit();
      const octokit = new TimedOctokit({ auth: accessToken, baseUrl: config.apiUrl, userAgent: 'shellport', retry: { enabled: false }, throttle: { enabled: false } });
      const { data } = await octokit.rest.users.getAuthenticated();
      return { id: data.id, login: data.login, name: data.name ?? null, avatarUrl: data.avatar_url || null };
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;
