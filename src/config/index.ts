import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { authEnv, buildAuthConfig, type AuthConfig } from './auth.js';
import { buildGitHubConfig, githubEnv, type GitHubConfig } from './github.js';
import { buildLoggingConfig, loggingEnv, type LoggingConfig } from './logging.js';
import { buildMaintenanceConfig, maintenanceEnv, type MaintenanceConfig } from './maintenance.js';
import { buildMetricsConfig, metricsEnv, type MetricsConfig } from './metrics.js';
import { buildPreviewConfig, previewEnv, type PreviewConfig } from './preview.js';
import { buildPushConfig, pushEnv, type PushConfig } from './push.js';
import { buildRunsConfig, runsEnv, type RunsConfig } from './runs.js';
import { readSecretFiles } from './secret-files.js';
import { buildServerConfig, serverEnv, type ServerConfig } from './server.js';
import { buildStorageConfig, dataDirProblem, storageEnv, type StorageConfig } from './storage.js';
import { buildTerminalsConfig, terminalsEnv, type TerminalsConfig } from './terminals.js';
import { buildWorkspacesConfig, workspacesEnv, type WorkspacesConfig } from './workspaces.js';

// Each section owns its variables; a new feature adds its section here and nowhere else.
export const envSchema = z.object({
  ...serverEnv,
  ...storageEnv,
  ...loggingEnv,
  ...authEnv,
  ...githubEnv,
  ...maintenanceEnv,
  ...metricsEnv,
  ...terminalsEnv,
  ...workspacesEnv,
  ...pushEnv,
  ...previewEnv,
  ...runsEnv,
});

export interface Config {
  server: ServerConfig;
  storage: StorageConfig;
  logging: LoggingConfig;
  auth: AuthConfig;
  github: GitHubConfig;
  maintenance: MaintenanceConfig;
  metrics: MetricsConfig;
  terminals: TerminalsConfig;
  workspaces: WorkspacesConfig;
  push: PushConfig;
  preview: PreviewConfig;
  runs: RunsConfig;
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
  // Secrets given as `<NAME>_FILE` are read first, so the schema checks a value from a file like any other.
  const secrets = readSecretFiles(env);
  const result = envSchema.safeParse(secrets.env);
  const problems: ConfigProblem[] = [...secrets.problems];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0] ?? '(config)');
      const file = secrets.fromFile.get(variable);
      if (file) {
        problems.push({ variable: file.variable, given: file.path, expected: `a file holding ${issue.message}` });
        continue;
      }
      // Never echo a secret back to the console, even a malformed one.
      const given = /SECRET|PASSWORD|TOKEN|API_KEY/.test(variable) && env[variable] !== undefined ? '(hidden)' : env[variable];
      problems.push({ variable, given, expected: issue.message });
    }
  }
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  const parsed = result.data;
  const storage = buildStorageConfig(parsed, options.cwd ?? process.cwd());
  const dataDirRefused = dataDirProblem(storage.dataDir);
  if (dataDirRefused) throw new ConfigError([{ variable: 'DATA_DIR', given: env.DATA_DIR, expected: dataDirRefused }]);
  const server = buildServerConfig(parsed);
  return deepFreeze({
    server,
    storage,
    logging: buildLoggingConfig(parsed),
    auth: buildAuthConfig(parsed),
    github: buildGitHubConfig(parsed),
    maintenance: buildMaintenanceConfig(parsed, storage.dataDir),
    metrics: buildMetricsConfig(parsed),
    terminals: buildTerminalsConfig(parsed, env),
    workspaces: buildWorkspacesConfig(parsed, storage.dataDir),
    push: buildPushConfig(parsed, server.publicUrl),
    preview: buildPreviewConfig(parsed),
    runs: buildRunsConfig(parsed),
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

/** For process entry points: the config, or the list of problems on stderr and exit. */
export function loadConfigOrExit(exitCode = 1): Config {
  try {
    return loadConfig(readProcessEnv());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\nSee docs/configuration.md for every variable.\n`);
      process.exit(exitCode);
    }
    throw error;
  }
}
