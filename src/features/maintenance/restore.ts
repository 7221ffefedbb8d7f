import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../infra/clock.js';
import { migrateDatabaseFile } from '../../infra/database/plugin.js';
import { BackupDecryptionError, type BackupKey } from './backup-encryption.js';
import { BackupVerificationError, extractBackup } from './backups.js';

export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestoreRefusedError';
  }
}

export interface RestoreResult {
  databaseFile: string;
  /** Where the database that was replaced now lives; null when there was none. */
  previousDatabase: string | null;
  migrationsApplied: string[];
  /** Sign-in sessions the backup held, all ended: everyone signs in again. */
  sessionsEnded: number;
  /** The owner the backup names, when it is not the owner of the database it replaced. */
  ownerChanged: { before: string | null; after: string | null } | null;
}

export interface RestoreDeps {
  databaseFile: string;
  migrationsDir?: string;
  clock: Clock;
  log: FastifyBaseLogger;
  /** BACKUP_KEY_FILE's key, for backups encrypted under it. */
  backupKey?: BackupKey | null;
}

/**
 * True when another process has the database open. A running Shellport server keeps its
 * connection open for its whole life, and in WAL mode every open connection holds a shared lock
 * that stops anyone else from taking SQLite's exclusive lock. So: try to take it, without waiting.
 * This works across processes and containers sharing the volume (POSIX locks), unlike a pid file.
 */
export function isDatabaseInUse(databaseFile: string): boolean {
  if (!existsSync(databaseFile)) return false;
  const connection = new BetterSqlite3(databaseFile, { fileMustExist: true, timeout: 0 });
  try {
    connection.pragma('locking_mode = EXCLUSIVE');
    connection.exec('BEGIN EXCLUSIVE; COMMIT');
    return false;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY') || (error as { code?: string }).code === 'SQLITE_LOCKED') return true;
    throw error;
  } finally {
    connection.close();
  }
}

function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** `base`, or `base-2`, `base-3`… when restores follow each other within a second. */
async function unusedName(base: string): Promise<string> {
  let name = base;
  for (let n = 2; await exists(name); n += 1) name = `${base}-${n}`;
  return name;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Replaces the database with a backup. Order matters: verify the backup completely before touching
 * anything; fold the current WAL into the current file so the copy kept aside is whole; keep it
 * aside by hard link (the live path is never missing); migrate the verified copy forward and end
 * its sign-in sessions; rename it over the live path (atomic on one file system).
 */
export async function restoreBackup(backupFile: string, { databaseFile, migrationsDir, clock, log, backupKey = null }: RestoreDeps): Promise<RestoreResult> {
  if (!(await exists(backupFile))) throw new RestoreRefusedError(`No such backup file: ${backupFile}.`);
  if (isDatabaseInUse(databaseFile)) {
    throw new RestoreRefusedError(
      `The database ${databaseFile} is in use by another process — a running Shellport server or a maintenance command. ` +
        'Stop the server (e.g. `systemctl stop shellport` or `docker stop`), then run the restore again.',
    );
  }

  const directory = path.dirname(databaseFile);
  const staging = path.join(directory, `.restore-${randomBytes(4).toString('hex')}.db`);
  try {
    try {
      await extractBackup(backupFile, staging, backupKey);
    } catch (error) {
      if (error instanceof BackupDecryptionError) {
        throw new RestoreRefusedError(`The backup ${backupFile} cannot be opened: ${error.message}. Nothing was changed.`);
      }
      if (error instanceof BackupVerificationError) {
        throw new RestoreRefusedError(`The backup ${backupFile} is corrupt or not a Shellport backup: ${error.message}. Nothing was changed.`);
      }
      throw error;
    }
    ensureShellportDatabase(staging, backupFile);
    // Prepared in the staging copy, so the live path only ever holds the old database or the finished new one.
    const report = migrateDatabaseFile(staging, migrationsDir);
    const { sessionsEnded, owner: ownerAfter } = endSignInSessions(staging);
    checkpointAndClose(staging);

    let previousDatabase: string | null = null;
    const ownerBefore = (await exists(databaseFile)) ? ownerOf(databaseFile) : null;
    if (await exists(databaseFile)) {
      checkpointAndClose(databaseFile);
      previousDatabase = await unusedName(`${databaseFile}.before-restore-${stamp(clock.now())}`);
      await link(databaseFile, previousDatabase);
      // A WAL or shared-memory file left beside the live path would be applied to the restored file.
      for (const suffix of ['-wal', '-shm']) {
        if (await exists(`${databaseFile}${suffix}`)) await rename(`${databaseFile}${suffix}`, `${previousDatabase}${suffix}`);
      }
    }
    await rename(staging, databaseFile);
    log.info({ backupFile, databaseFile, previousDatabase }, 'backup restored');
    if (report.applied.length > 0) log.info({ applied: report.applied }, 'database migrations applied to the restored backup');
    const ownerChanged = previousDatabase && !sameOwner(ownerBefore, ownerAfter) ? { before: ownerBefore?.login ?? null, after: ownerAfter?.login ?? null } : null;
    if (ownerChanged) {
      log.warn(ownerChanged, 'the restored backup has another owner than the database it replaced; only that GitHub account can sign in now');
    }
    return { databaseFile, previousDatabase, migrationsApplied: report.applied, sessionsEnded, ownerChanged };
  } finally {
    await rm(staging, { force: true });
    for (const suffix of ['-journal', '-wal', '-shm']) await rm(`${staging}${suffix}`, { force: true });
  }
}

/**
 * Sign-ins the backup remembers may since have been revoked (sign out everywhere, a lost phone):
 * restoring must not bring them back, so every browser signs in again.
 */
function endSignInSessions(databaseFile: string): { sessionsEnded: number; owner: Owner | null } {
  const connection = new BetterSqlite3(databaseFile, { fileMustExist: true });
  try {
    return { sessionsEnded: connection.prepare('DELETE FROM auth_sessions').run().changes, owner: readOwner(connection) };
  } finally {
    connection.close();
  }
}

/** The bound owner: a GitHub id, or only a login the owner was re-bound to (bound to an id at its next sign-in). */
type Owner = { id: number | null; login: string | null };

function sameOwner(a: Owner | null, b: Owner | null): boolean {
  if (a === null || b === null) return a === b;
  return a.id !== null || b.id !== null ? a.id === b.id : a.login?.toLowerCase() === b.login?.toLowerCase();
}

function ownerOf(databaseFile: string): Owner | null {
  const connection = new BetterSqlite3(databaseFile, { fileMustExist: true });
  try {
    return readOwner(connection);
  } catch {
    return null; // not a Shellport database (yet): no owner to compare
  } finally {
    connection.close();
  }
}

function readOwner(connection: BetterSqlite3.Database): Owner | null {
  const row = connection.prepare(`SELECT github_user_id AS id, github_login AS login FROM settings WHERE id = 'singleton'`).get() as
    | { id: number | null; login: string | null }
    | undefined;
  return row?.id == null && row?.login == null ? null : { id: row.id, login: row.login };
}

function ensureShellportDatabase(file: string, backupFile: string) {
  const connection = new BetterSqlite3(file, { fileMustExist: true });
  try {
    const table = connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
    if (!table) {
      throw new RestoreRefusedError(`${backupFile} is a SQLite database but not a Shellport one (it has no migration history). Nothing was changed.`);
    }
  } finally {
    connection.close();
  }
}

/** Moves everything in the WAL into the main file and closes, which removes the WAL. */
function checkpointAndClose(databaseFile: string) {
  const connection = new BetterSqlite3(databaseFile, { fileMustExist: true, timeout: 5_000 });
  try {
    connection.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    connection.close();
  }
}
