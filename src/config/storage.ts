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
