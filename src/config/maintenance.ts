import path from 'node:path';
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { boolean, emptyToUndefined, integer } from './env.js';

function cronSchedule(defaultValue: string) {
  return z.preprocess(
    emptyToUndefined,
    z
      .string()
      .trim()
      .refine((value) => isValidCron(value), {
        error: 'a cron expression such as "0 2 * * *" (minute hour day-of-month month day-of-week, optional seconds first)',
      })
      .default(defaultValue),
  );
}

function isValidTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const maintenanceEnv = {
  SCHEDULER_ENABLED: boolean(true),
  SCHEDULER_TIMEZONE: z.preprocess(
    emptyToUndefined,
    z.string().refine(isValidTimeZone, { error: 'an IANA time zone such as UTC or Europe/Berlin' }).default('UTC'),
  ),
  BACKUP_SCHEDULE: cronSchedule('0 2 * * *'),
  PRUNE_SCHEDULE: cronSchedule('0 1 * * *'),
  VACUUM_SCHEDULE: cronSchedule('0 3 * * 0'),
  METRICS_SCHEDULE: cronSchedule('* * * * *'),
  BACKUP_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  BACKUP_KEY_FILE: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .refine((value) => path.isAbsolute(value), { error: 'an absolute path to a file holding base64 of 32 random bytes, kept outside DATA_DIR' })
      .optional(),
  ),
  BACKUP_RETENTION_COUNT: integer({ min: 1, max: 1000, default: 7 }),
  BACKUP_MAX_AGE_HOURS: integer({ min: 1, max: 8760, default: 26 }),
  PRUNE_TERMINATED_SESSIONS_DAYS: integer({ min: 1, max: 3650, default: 7 }),
  PRUNE_AUTH_LOGS_DAYS: integer({ min: 1, max: 3650, default: 30 }),
  PRUNE_METRICS_DAYS: integer({ min: 1, max: 3650, default: 7 }),
  PRUNE_JOB_RUNS_DAYS: integer({ min: 1, max: 3650, default: 30 }),
};

type MaintenanceEnv = z.infer<z.ZodObject<typeof maintenanceEnv>>;

export interface JobSchedules {
  backup: string;
  prune: string;
  vacuum: string;
  metrics: string;
}

export interface MaintenanceConfig {
  /** False: jobs run only on demand (API or CLI), never on a schedule. */
  isSchedulerEnabled: boolean;
  /** IANA zone the cron expressions are read in. */
  timezone: string;
  schedules: JobSchedules;
  /** Absolute path of the directory that holds the gzip backups. */
  backupDir: string;
  /** Backups are encrypted under the key in this file (kept apart from them); null: plain gzip. */
  backupKeyFile: string | null;
  /** How many of the newest backups are kept. */
  backupRetentionCount: number;
  /** /readyz warns when the newest backup is older than this. */
  backupMaxAgeMs: number;
  retention: {
    terminatedSessionsMs: number;
    authLogsMs: number;
    metricsMs: number;
    jobRunsMs: number;
  };
}

const DAY_MS = 24 * 3_600_000;

export function buildMaintenanceConfig(env: MaintenanceEnv, dataDir: string): MaintenanceConfig {
  return {
    isSchedulerEnabled: env.SCHEDULER_ENABLED,
    timezone: env.SCHEDULER_TIMEZONE,
    schedules: {
      backup: env.BACKUP_SCHEDULE,
      prune: env.PRUNE_SCHEDULE,
      vacuum: env.VACUUM_SCHEDULE,
      metrics: env.METRICS_SCHEDULE,
    },
    backupDir: path.resolve(dataDir, env.BACKUP_DIR ?? 'backups'),
    backupKeyFile: env.BACKUP_KEY_FILE ?? null,
    backupRetentionCount: env.BACKUP_RETENTION_COUNT,
    backupMaxAgeMs: env.BACKUP_MAX_AGE_HOURS * 3_600_000,
    retention: {
      terminatedSessionsMs: env.PRUNE_TERMINATED_SESSIONS_DAYS * DAY_MS,
      authLogsMs: env.PRUNE_AUTH_LOGS_DAYS * DAY_MS,
      metricsMs: env.PRUNE_METRICS_DAYS * DAY_MS,
      jobRunsMs: env.PRUNE_JOB_RUNS_DAYS * DAY_MS,
    },
  };
}
