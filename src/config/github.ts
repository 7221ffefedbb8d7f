import { z } from 'zod';
import { emptyToUndefined, httpUrl, integer, optionalString } from './env.js';
import { secretFilePath } from './secret-files.js';

export const githubEnv = {
  GITHUB_CLIENT_ID: optionalString(),
  GITHUB_CLIENT_SECRET: optionalString(),
  GITHUB_CLIENT_SECRET_FILE: secretFilePath(),
  GITHUB_URL: httpUrl(),
  GITHUB_API_URL: httpUrl(),
  GITHUB_ALLOWED_USER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .regex(/^(\d+|[a-z\d](?:[a-z\d-]{0,38}))$/i, { error: 'a GitHub login (such as octocat) or a numeric GitHub user id' })
      .optional(),
  ),
  GITHUB_SCOPES: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[\w:, -]*$/, { error: 'OAuth scopes separated by spaces or commas, such as "repo read:user"' })
      .default('repo read:user'),
  ),
  GITHUB_TIMEOUT_MS: integer({ min: 500, max: 300_000, default: 15_000 }),
};

type GitHubEnv = z.infer<z.ZodObject<typeof githubEnv>>;

export type AllowedUser = { kind: 'id'; id: number } | { kind: 'login'; login: string };

export interface GitHubConfig {
  /** The OAuth App (or GitHub App) client id; null when GitHub sign-in is not configured. */
  clientId: string | null;
  /** Needed by the web flow and by token refresh; the device flow works without it. */
  clientSecret: string | null;
  /** github.com or the GitHub Enterprise Server host: OAuth endpoints and git URLs live here. */
  webUrl: string;
  /** The REST API: https://api.github.com or https://HOST/api/v3 on Enterprise Server. */
  apiUrl: string;
  /** The only GitHub user who may sign in; null means "claimed by the first sign-in with the setup token". */
  allowedUser: AllowedUser | null;
  scopes: string[];
  /**
   * The longest any one call to GitHub may take (REST, OAuth, git over HTTP without a byte arriving):
   * the API then answers 504 github_timeout instead of waiting.
   */
  timeoutMs: number;
}

export function buildGitHubConfig(env: GitHubEnv): GitHubConfig {
  const webUrl = env.GITHUB_URL ?? 'https://github.com';
  const allowed = env.GITHUB_ALLOWED_USER;
  return {
    clientId: env.GITHUB_CLIENT_ID ?? null,
    clientSecret: env.GITHUB_CLIENT_SECRET ?? null,
    webUrl,
    apiUrl: env.GITHUB_API_URL ?? (webUrl === 'https://github.com' ? 'https://api.github.com' : `${webUrl}/api/v3`),
    allowedUser:
      allowed === undefined ? null : /^\d+$/.test(allowed) ? { kind: 'id', id: Number(allowed) } : { kind: 'login', login: allowed.toLowerCase() },
    scopes: env.GITHUB_SCOPES.split(/[\s,]+/).filter(Boolean),
    timeoutMs: env.GITHUB_TIMEOUT_MS,
  };
}
