import { z } from 'zod';
import { emptyToUndefined } from './env.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** `auto`: readable lines and a start-up banner when stdout is a terminal, JSON lines otherwise; `json`: always JSON lines. */
export const LOG_FORMATS = ['auto', 'json'] as const;

export const loggingEnv = {
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(LOG_LEVELS, { error: `one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(LOG_FORMATS, { error: `one of ${LOG_FORMATS.join(', ')}` }).default('auto')),
};

export interface LoggingConfig {
  level: (typeof LOG_LEVELS)[number];
  format: (typeof LOG_FORMATS)[number];
}

export function buildLoggingConfig(env: z.infer<z.ZodObject<typeof loggingEnv>>): LoggingConfig {
  return { level: env.LOG_LEVEL, format: env.LOG_FORMAT };
}
