import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { emptyToUndefined, integer } from './env.js';

export const storageEnv = {
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  DATABASE_FILE: z.preprocess(emptyToUndefined, z.string().optional()),
  SCROLLBACK_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  MIN_FREE_DISK_MB: integer({ min: 0, max: 10_000_000, default: 512 }),
};

type StorageEnv = z.infer<z.ZodObject<typeof storageEnv>>;

export interface StorageConfig {
  /** Absolute path of the directory that holds everything Shellport writes. */
  dataDir: string;
  /** Absolute path of the SQLite database file. */
  databaseFile: string;
  /** Absolute path of the directory of terminal output (a directory per terminal). */
  scrollbackDir: string;
  /** Readiness fails (and clones are refused) below this much free space in DATA_DIR. */
  minFreeDiskBytes: number;
}

export function buildStorageConfig(env: StorageEnv, cwd: string): StorageConfig {
  const dataDir = path.resolve(cwd, env.DATA_DIR);
  return {
    dataDir,
    databaseFile: path.resolve(dataDir, env.DATABASE_FILE ?? 'shellport.db'),
    scrollbackDir: path.resolve(dataDir, env.SCROLLBACK_DIR ?? 'scrollback'),
    minFreeDiskBytes: env.MIN_FREE_DISK_MB * 1024 * 1024,
  };
}

/**
 * Why an existing DATA_DIR cannot be used, or null. Anyone who can write into it can swap the key
 * file, plant a database or replace the backups, so one every user may write to is refused (a
 * missing one is fine: Shellport creates it with mode 0700). A group-writable one is only warned
 * about (dataDirWarning), since some setups share a group on purpose.
 */
export function dataDirProblem(dataDir: string): string | null {
  const mode = modeOf(dataDir);
  if (mode === null) return null;
  if (mode === 'not-a-directory') return `a directory (${dataDir} is not one)`;
  if (process.platform === 'win32' || (mode & 0o002) === 0) return null;
  return (
    `a directory other users cannot write to: ${dataDir} is writable by every user (mode ${formatMode(mode)}), ` +
    `so anyone on this machine could replace its key file or database. Fix it with: chmod 700 ${dataDir}`
  );
}

/** A warning for a group-writable DATA_DIR (group members could replace the key file), or null. */
export function dataDirWarning(dataDir: string): string | null {
  const mode = modeOf(dataDir);
  if (typeof mode !== 'number' || process.platform === 'win32' || (mode & 0o020) === 0) return null;
  return (
    `DATA_DIR ${dataDir} is writable by its group (mode ${formatMode(mode)}): members of that group could replace the key file, ` +
    `the database or the backups. Unless that is intended, fix it with: chmod 700 ${dataDir}`
  );
}

function modeOf(dataDir: string): number | 'not-a-directory' | null {
  try {
    const stats = statSync(dataDir);
    return stats.isDirectory() ? stats.mode & 0o7777 : 'not-a-directory';
  } catch {
    return null; // missing (created at start), or unreachable (the start-up fails on it with its own message)
  }
}

const formatMode = (mode: number) => mode.toString(8).padStart(4, '0');
