import { z } from 'zod';
import { emptyToUndefined, integer } from './env.js';
import { secretFilePath } from './secret-files.js';

export const authEnv = {
  SESSION_IDLE_TIMEOUT_MINUTES: integer({ min: 1, max: 525_600, default: 7 * 24 * 60 }),
  SESSION_MAX_AGE_HOURS: integer({ min: 1, max: 87_600, default: 30 * 24 }),
  SHELLPORT_SECRET_KEY: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .refine((value) => /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32, {
        error: 'base64 of exactly 32 random bytes, e.g. the output of `openssl rand -base64 32`',
      })
      .optional(),
  ),
  SHELLPORT_SECRET_KEY_FILE: secretFilePath(),
  TOKEN_SIGN_IN: z.preprocess(
    emptyToUndefined,
    z.enum(['auto', 'true', 'false'], { error: 'auto, true or false' }).default('auto'),
  ),
  GITHUB_DEVICE_FLOW: z.preprocess(
    emptyToUndefined,
    z.enum(['auto', 'true', 'false'], { error: 'auto, true or false' }).default('auto'),
  ),
  SIGN_IN_RATE_LIMIT_MAX: integer({ min: 1, max: 100_000, default: 20 }),
  SIGN_IN_RATE_LIMIT_WINDOW_SECONDS: integer({ min: 1, max: 86_400, default: 60 }),
  SIGN_IN_DEVICE_FLOWS_PER_ADDRESS: integer({ min: 1, max: 1000, default: 3 }),
  SIGN_IN_DEVICE_FLOWS_MAX: integer({ min: 1, max: 10_000, default: 50 }),
  SIGN_IN_WEB_FLOWS_PER_ADDRESS: integer({ min: 1, max: 1000, default: 10 }),
  SIGN_IN_WEB_FLOWS_MAX: integer({ min: 1, max: 100_000, default: 1000 }),
};

type AuthEnv = z.infer<z.ZodObject<typeof authEnv>>;

export interface AuthConfig {
  /** A sign-in session unused for this long ends. */
  sessionIdleTimeoutMs: number;
  /** A sign-in session ends this long after sign-in, however active. */
  sessionMaxAgeMs: number;
  /** Base64 of the 32-byte token-vault key; null means "use DATA_DIR/secret.key". */
  secretKey: string | null;
  /**
   * Whether the start-up sign-in URL (a random token; start-up banner, `npm run sign-in-link`) is accepted.
   * `auto` accepts it only while the server is local-only (loopback HOST and PUBLIC_URL, no proxy trusted).
   */
  tokenSignIn: 'auto' | 'true' | 'false';
  /**
   * Whether GitHub's device flow ("Use a device code") is offered. `auto` offers it only when the web flow
   * is not configured (GITHUB_CLIENT_ID without GITHUB_CLIENT_SECRET); it always needs GITHUB_CLIENT_ID.
   */
  deviceFlow: 'auto' | 'true' | 'false';
  /** Sign-in endpoints accept this many requests per client address per window. */
  signInRateLimit: { max: number; windowMs: number };
  /**
   * Sign-ins in progress kept at once, per client address (IPv6: per /64) and in all. When full, new
   * ones are refused; one in progress is never dropped before it expires.
   */
  pendingSignIns: { deviceFlowsPerAddress: number; deviceFlows: number; webFlowsPerAddress: number; webFlows: number };
}

export function buildAuthConfig(env: AuthEnv): AuthConfig {
  return {
    sessionIdleTimeoutMs: env.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
    sessionMaxAgeMs: env.SESSION_MAX_AGE_HOURS * 3_600_000,
    secretKey: env.SHELLPORT_SECRET_KEY ?? null,
    tokenSignIn: env.TOKEN_SIGN_IN,
    deviceFlow: env.GITHUB_DEVICE_FLOW,
    signInRateLimit: { max: env.SIGN_IN_RATE_LIMIT_MAX, windowMs: env.SIGN_IN_RATE_LIMIT_WINDOW_SECONDS * 1000 },
    pendingSignIns: {
      deviceFlowsPerAddress: env.SIGN_IN_DEVICE_FLOWS_PER_ADDRESS,
      deviceFlows: env.SIGN_IN_DEVICE_FLOWS_MAX,
      webFlowsPerAddress: env.SIGN_IN_WEB_FLOWS_PER_ADDRESS,
      webFlows: env.SIGN_IN_WEB_FLOWS_MAX,
    },
  };
}
