import { randomBytes } from 'node:crypto';
import { statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { StorageConfig } from '../../config/storage.js';
import type { Database } from '../../infra/database/client.js';
import { findPendingMigrations, readMigrations } from '../../infra/database/migrate.js';
import { countOpenFileDescriptors, readOpenFileLimits, type FileLimits } from '../../infra/file-descriptors.js';
import { formatBytes } from '../../shared/units.js';
import type { CheckResult } from './readiness.js';

export interface HealthDeps {
  db: Database;
  storage: StorageConfig;
  migrationsDir: string;
  /** Open descriptors and their limits now (defaults: this process, from /proc). */
  fileDescriptors?: () => { open: number | null; limits: FileLimits | null };
  /** Monotonic milliseconds (caches). */
  now?: () => number;
}

/** The writable-DATA_DIR probe writes a file: /readyz is public, so its answer is reused this long. */
const WRITABLE_CHECK_TTL_MS = 30_000;
/** Share of the open-files limit in use from which /readyz warns, and fails. */
const FD_WARN_SHARE = 0.8;
const FD_FAIL_SHARE = 0.95;

const processFileDescriptors = () => ({ open: countOpenFileDescriptors(), limits: readOpenFileLimits() });

export function createHealthService({ db, storage, migrationsDir, fileDescriptors = processFileDescriptors, now = () => performance.now() }: HealthDeps) {
  let writable: { at: number; result: Promise<CheckResult> } | null = null;

  async function probeDataDirWritable(): Promise<CheckResult> {
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
  }

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

    /** Probes at most once per WRITABLE_CHECK_TTL_MS (a failure is probed again at the next call). */
    checkDataDirWritable(): Promise<CheckResult> {
      const at = now();
      if (!writable || at - writable.at >= WRITABLE_CHECK_TTL_MS) {
        const result = probeDataDirWritable();
        writable = { at, result };
        void result.then((checked) => {
          if (checked.status !== 'ok' && writable?.result === result) writable = null;
        });
      }
      return writable.result;
    },

    /** Every terminal holds a descriptor: warn well before the limit turns new terminals and files into EMFILE. */
    checkFileDescriptors(): CheckResult {
      const { open, limits } = fileDescriptors();
      if (open === null || limits === null || !Number.isFinite(limits.soft)) {
        return { status: 'ok', message: 'Open files are not limited or cannot be counted here.', open, limit: limits?.soft ?? null };
      }
      const detail = { open, limit: limits.soft, hardLimit: limits.hard };
      const share = open / limits.soft;
      const words = `${open} of ${limits.soft} open files in use`;
      const fix = `Close terminals you no longer need, or raise the limit (systemd: LimitNOFILE=; Docker: --ulimit nofile=; the hard limit is ${limits.hard}).`;
      if (share >= FD_FAIL_SHARE) return { status: 'fail', message: `${words}: new terminals and files will fail. ${fix}`, ...detail };
      if (share >= FD_WARN_SHARE) return { status: 'warn', message: `${words}. ${fix}`, ...detail };
      return { status: 'ok', message: `${words}.`, ...detail };
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
