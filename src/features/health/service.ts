import { randomBytes } from 'node:crypto';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { StorageConfig } from '../../config/storage.js';
import type { Database } from '../../infra/database/client.js';
import { findPendingMigrations, readMigrations } from '../../infra/database/migrate.js';
import { formatBytes } from '../../infra/units.js';
import type { CheckResult } from './readiness.js';

export interface HealthDeps {
  db: Database;
  storage: StorageConfig;
  migrationsDir: string;
}

export function createHealthService({ db, storage, migrationsDir }: HealthDeps) {
  return {
    async checkDatabase(): Promise<CheckResult> {
      const started = performance.now();
      await db.$queryRaw`SELECT 1`;
      return { status: 'ok', message: 'The database answers.', latencyMs: round(performance.now() - started) };
    },

    checkMigrations(): CheckResult {
      const connection = new BetterSqlite3(storage.databaseFile, { readonly: true, fileMustExist: true });
      try {
        const pending = findPendingMigrations(connection, readMigrations(migrationsDir));
        if (pending.length === 0) return { status: 'ok', message: 'All migrations are applied.' };
        return {
          status: 'fail',
          message: `${pending.length} migration(s) not applied: ${pending.map((m) => m.name).join(', ')}. Restart Shellport to apply them.`,
        };
      } finally {
        connection.close();
      }
    },

    async checkDataDirWritable(): Promise<CheckResult> {
      const probe = path.join(storage.dataDir, `.readyz-${randomBytes(6).toString('hex')}`);
      try {
        await writeFile(probe, 'ok');
        await unlink(probe);
        return { status: 'ok', message: 'DATA_DIR is writable.' };
      } catch (error) {
        return {
          status: 'fail',
          message: `Cannot write to DATA_DIR (${(error as NodeJS.ErrnoException).code ?? 'error'}). Check that it exists and that the Shellport user owns it.`,
        };
      }
    },

    async checkDiskSpace(): Promise<CheckResult> {
      const stats = await statfs(storage.dataDir);
      const freeBytes = stats.bavail * stats.bsize;
      const detail = { freeBytes, thresholdBytes: storage.minFreeDiskBytes };
      if (freeBytes >= storage.minFreeDiskBytes) {
        return { status: 'ok', message: `${formatBytes(freeBytes)} free in DATA_DIR.`, ...detail };
      }
      return {
        status: 'fail',
        message: `Only ${formatBytes(freeBytes)} free in DATA_DIR, below MIN_FREE_DISK_MB (${formatBytes(storage.minFreeDiskBytes)}). Free some space or lower the threshold.`,
        ...detail,
      };
    },
  };
}

function round(ms: number) {
  return Math.round(ms * 100) / 100;
}
