import { z } from 'zod';
import { integer } from './env.js';

export const authEnv = {
  SESSION_IDLE_TIMEOUT_MINUTES: integer({ min: 1, max: 525_600, default: 7 * 24 * 60 }),
  SESSION_MAX_AGE_HOURS: integer({ min: 1, max: 87_600, default: 30 * 24 }),
};

type AuthEnv = z.infer<z.ZodObject<typeof authEnv>>;

export interface AuthConfig {
  /** A sign-in session unused for this long ends. */
  sessionIdleTimeoutMs: number;
  /** A sign-in session ends this long after sign-in, however active. */
  sessionMaxAgeMs: number;
}

export function buildAuthConfig(env: AuthEnv): AuthConfig {
  return {
    sessionIdleTimeoutMs: env.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
    sessionMaxAgeMs: env.SESSION_MAX_AGE_HOURS * 3_600_000,
  };
}
