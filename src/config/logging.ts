import { z } from 'zod';
import { emptyToUndefined } from './env.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const loggingEnv = {
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
};

export interface LoggingConfig {
  level: (typeof LOG_LEVELS)[number];
}

export function buildLoggingConfig(env: z.infer<z.ZodObject<typeof loggingEnv>>): LoggingConfig {
  return { level: env.LOG_LEVEL };
}
