import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { authEnv, buildAuthConfig, type AuthConfig } from './auth.js';
import { buildLoggingConfig, loggingEnv, type LoggingConfig } from './logging.js';
import { buildServerConfig, serverEnv, type ServerConfig } from './server.js';
import { buildStorageConfig, storageEnv, type StorageConfig } from './storage.js';

// Each section owns its variables; a new feature adds its section here and nowhere else.
const envSchema = z.object({
  ...serverEnv,
  ...storageEnv,
  ...loggingEnv,
  ...authEnv,
});

export interface Config {
  server: ServerConfig;
  storage: StorageConfig;
  logging: LoggingConfig;
  auth: AuthConfig;
  version: string;
}

export type Env = Record<string, string | undefined>;

export interface ConfigProblem {
  variable: string;
  given: string | undefined;
  expected: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `Invalid configuration:\n${problems
        .map((p) => `  ${p.variable}=${p.given === undefined ? '(unset)' : JSON.stringify(p.given)}: expected ${p.expected}`)
        .join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Parses environment variables into the typed, frozen config passed to buildApp(). */
export function loadConfig(env: Env, options: { cwd?: string } = {}): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? '(config)');
        return { variable, given: env[variable], expected: issue.message };
      }),
    );
  }
  const parsed = result.data;
  return deepFreeze({
    server: buildServerConfig(parsed),
    storage: buildStorageConfig(parsed, options.cwd ?? process.cwd()),
    logging: buildLoggingConfig(parsed),
    auth: buildAuthConfig(parsed),
    version: readPackageVersion(),
  });
}

/**
 * The process environment over an optional `.env` file: a variable set in the environment wins,
 * so `PORT=4000 npm start` overrides the file. This is the only place that reads process.env.
 */
export function readProcessEnv(cwd = process.cwd()): Env {
  return { ...readDotEnv(path.join(cwd, '.env')), ...process.env };
}

function readDotEnv(file: string): Env {
  try {
    return parseEnv(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
}

function readPackageVersion(): string {
  const packageJson = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
