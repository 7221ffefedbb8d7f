import { z } from 'zod';
import { emptyToUndefined } from './env.js';
import { secretFilePath } from './secret-files.js';

export const metricsEnv = {
  METRICS_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(16, { error: 'at least 16 characters (generate one with `openssl rand -hex 32`)' }).optional(),
  ),
  METRICS_TOKEN_FILE: secretFilePath(),
};

export interface MetricsConfig {
  /** Bearer token that GET /metrics requires; when unset, /metrics answers only on a loopback-only listener. */
  token: string | undefined;
}

export function buildMetricsConfig(env: z.infer<z.ZodObject<typeof metricsEnv>>): MetricsConfig {
  return { token: env.METRICS_TOKEN };
}
