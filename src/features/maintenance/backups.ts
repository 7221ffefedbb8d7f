import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { chmod, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../infra/clock.js';
import { decryptBackupFile, gzipAndEncryptFile, isEncryptedBackup, type BackupKey } from './backup-encryption.js';

export const BACKUP_PREFIX = 'shellport-';
export const BACKUP_SUFFIX = '.db.gz';
/** Added to the name of a backup encrypted under BACKUP_KEY_FILE (backup-encryption.ts). */
export const ENCRYPTED_SUFFIX = '.enc';
// shellport-20261123T020000Z.db.gz(.enc): sorts by name in time order.
const BACKUP_NAME = /^shellport-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-(\d+))?\.db\.gz(\.enc)?$/;
// Pages copied per step of the online backup: small enough to keep the event loop responsive.
const PAGES_PER_STEP = 256;
const PROGRESS_LOG_INTERVAL_MS = 2_000;

export interface BackupFile {
  name: string;
  path: string;
  sizeBytes: number;
  /** When the backup was taken (from its name, UTC). */
  createdAt: Date;
  /** Only backups that passed `PRAGMA integrity_check` are ever given their final name. */
  verified: true;
  /** Encrypted under BACKUP_KEY_FILE (`.db.gz.enc`); otherwise plain gzip. */
  encrypted: boolean;
}

export interface BackupResult {
  file: string;
  name: string;
  sizeBytes: number;
  databaseBytes: number;
  pages: number;
  removed: string[];
}

export interface BackupServiceDeps {
  databaseFile: string;
  backupDir: string;
  retentionCount: number;
  clock: Clock;
  /** BACKUP_KEY_FILE's key: backups are encrypted under it; null writes plain gzip. */
  backupKey?: BackupKey | null;
}

export class BackupVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupVerificationError';
  }
}

export function backupName(date: Date, attempt = 0, isEncrypted = false): string {
  const stamp = date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  return `${BACKUP_PREFIX}${stamp}${attempt > 0 ? `-${attempt}` : ''}${BACKUP_SUFFIX}${isEncrypted ? ENCRYPTED_SUFFIX : ''}`;
}

export function parseBackupName(name: string): Date | null {
  const match = BACKUP_NAME.exec(name);
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
}

/**
 * Runs PRAGMA integrity_check on a plain (uncompressed) SQLite file and throws unless it says "ok".
 * Also refuses files that are not SQLite at all (SQLite then reports SQLITE_NOTADB).
 */
export function verifyDatabaseFile(file: string): void {
  let connection: BetterSqlite3.Database | undefined;
  try {
    connection = new BetterSqlite3(file, { fileMustExist: true });
    const result = connection.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    const problems = result.map((row) => row.integrity_check).filter((line) => line !== 'ok');
    if (problems.length > 0) {
      throw new BackupVerificationError(`integrity_check reported: ${problems.slice(0, 5).join('; ')}`);
    }
  } catch (error) {
    if (error instanceof BackupVerificationError) throw error;
    throw new BackupVerificationError(`not a readable SQLite database (${(error as Error).message})`);
  } finally {
    connection?.close();
  }
}

// Runs in a worker thread so that checking a large copy does not stall terminals on the event loop.
// Plain CommonJS given as a string: it runs the same under tsx, Vitest and the compiled dist/.
const INTEGRITY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
let connection;
try {
  connection = new Database(workerData.file, { fileMustExist: true });
  const rows = connection.pragma('integrity_check');
  parentPort.postMessage({ problems: rows.map((row) => row.integrity_check).filter((line) => line !== 'ok') });
} catch (error) {
  parentPort.postMessage({ error: String(error && error.message || error) });
} finally {
  if (connection) connection.close();
}
`;

/** verifyDatabaseFile() off the main thread. */
export function verifyDatabaseFileInWorker(file: string): Promise<void> {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  return new Promise((resolve, reject) => {
    const worker = new Worker(INTEGRITY_WORKER, { eval: true, workerData: { file, driver } });
    let settled = false;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      if (error) reject(error);
      else resolve();
    };
    worker.once('message', (message: { problems?: string[]; error?: string }) => {
      if (message.error !== undefined) settle(new BackupVerificationError(`not a readable SQLite database (${message.error})`));
      else if (message.problems && message.problems.length > 0) {
        settle(new BackupVerificationError(`integrity_check reported: ${message.problems.slice(0, 5).join('; ')}`));
      } else settle();
    });
    worker.once('error', (error) => settle(error));
    // Exiting without an answer is a failure too: an unchecked copy is never kept.
    worker.once('exit', (code) => settle(new Error(`The integrity check worker exited (code ${code}) without an answer.`)));
  });
}

export async function gunzipFile(source: string, destination: string): Promise<void> {
  await pipeline(createReadStream(source), createGunzip(), createWriteStream(destination, { mode: 0o600 }));
}

async function gzipFile(source: string, destination: string, backupKey: BackupKey | null): Promise<void> {
  if (backupKey) await gzipAndEncryptFile(source, destination, backupKey);
  else await pipeline(createReadStream(source), createGzip({ level: 6 }), createWriteStream(destination, { mode: 0o600, flags: 'wx' }));
  // Flush to disk before the rename makes it visible as a finished backup.
  const handle = await open(destination, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

/** Online, verified, compressed backups of the live database, and their retention. */
export function createBackupService({ databaseFile, backupDir, retentionCount, clock, backupKey = null }: BackupServiceDeps) {
  async function ensureBackupDir() {
    await mkdir(backupDir, { recursive: true, mode: 0o700 });
  }

  async function listBackups(): Promise<BackupFile[]> {
    const names = await readdir(backupDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const files: BackupFile[] = [];
    for (const name of names) {
      const createdAt = parseBackupName(name);
      if (!createdAt) continue;
      const file = path.join(backupDir, name);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) continue;
      files.push({ name, path: file, sizeBytes: info.size, createdAt, verified: true, encrypted: name.endsWith(ENCRYPTED_SUFFIX) });
    }
    // Newest first; the name's timestamp (and the -N suffix within a second) decides.
    return files.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.name.localeCompare(a.name));
  }

  /** Keeps the newest `retentionCount` backups and deletes the rest; returns the names removed. */
  async function applyRetention(): Promise<string[]> {
    const backups = await listBackups();
    const excess = backups.slice(retentionCount);
    for (const backup of excess) await rm(backup.path, { force: true });
    return excess.map((backup) => backup.name);
  }

  async function pickName(now: Date): Promise<string> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      // Taken by a plain or an encrypted backup alike: the two never share a time stamp and number.
      const taken = await Promise.all([false, true].map((isEncrypted) => fileSize(path.join(backupDir, backupName(now, attempt, isEncrypted)))));
      if (taken.every((size) => size === 0)) return backupName(now, attempt, backupKey !== null);
    }
    throw new Error('Too many backups in the same second.');
  }

  return {
    listBackups,
    applyRetention,

    /**
     * Copies the live database with SQLite's online backup API from a connection of its own, inside
     * one read transaction: under WAL the copy is a single point-in-time snapshot, writers are not
     * blocked, and the copy does not restart each time a terminal writes (which an unpinned backup
     * does, possibly forever). The copy is switched to rollback-journal mode so that it is one
     * self-contained file, checked with integrity_check, gzipped, fsynced and renamed into place.
     */
    async createBackup(log: FastifyBaseLogger): Promise<BackupResult> {
      await ensureBackupDir();
      const name = await pickName(clock.now());
      const tag = randomBytes(4).toString('hex');
      const tempDb = path.join(backupDir, `.tmp-${tag}-${name.replace(/\.db\.gz(\.enc)?$/, '.db')}`);
      const tempGz = path.join(backupDir, `.tmp-${tag}-${name}`);
      const finalPath = path.join(backupDir, name);
      const source = new BetterSqlite3(databaseFile, { fileMustExist: true, timeout: 5_000 });
      try {
        source.exec('BEGIN');
        // A read makes the transaction take its snapshot now.
        source.prepare('SELECT count(*) FROM sqlite_master').get();
        let lastLog = 0;
        const progress = await source.backup(tempDb, {
          progress({ totalPages, remainingPages }) {
            if (Date.now() - lastLog >= PROGRESS_LOG_INTERVAL_MS) {
              lastLog = Date.now();
              log.info({ totalPages, remainingPages }, 'backup in progress');
            }
            return PAGES_PER_STEP;
          },
        });
        source.exec('COMMIT');
        await chmod(tempDb, 0o600);

        const copy = new BetterSqlite3(tempDb, { fileMustExist: true });
        try {
          copy.pragma('journal_mode = DELETE');
        } finally {
          copy.close();
        }
        await verifyDatabaseFileInWorker(tempDb);
        const databaseBytes = await fileSize(tempDb);
        await gzipFile(tempDb, tempGz, backupKey);
        await rename(tempGz, finalPath);
        const sizeBytes = await fileSize(finalPath);
        const removed = await applyRetention();
        log.info({ file: name, sizeBytes, databaseBytes, pages: progress.totalPages, removed, encrypted: backupKey !== null }, 'backup written and verified');
        return { file: finalPath, name, sizeBytes, databaseBytes, pages: progress.totalPages, removed };
      } finally {
        if (source.inTransaction) source.exec('ROLLBACK');
        source.close();
        await rm(tempDb, { force: true });
        await rm(`${tempDb}-journal`, { force: true });
        await rm(tempGz, { force: true });
      }
    },
  };
}

export type BackupService = ReturnType<typeof createBackupService>;

/**
 * Expands a backup to `destination` and verifies it: an encrypted one (with `backupKey`, else
 * BackupDecryptionError), a .gz, or a plain .db.
 */
export async function extractBackup(source: string, destination: string, backupKey: BackupKey | null = null): Promise<void> {
  const header = await readHeader(source);
  if (await isEncryptedBackup(source)) {
    await decryptBackupFile(source, destination, backupKey);
  } else if (header[0] === 0x1f && header[1] === 0x8b) {
    try {
      await gunzipFile(source, destination);
    } catch (error) {
      throw new BackupVerificationError(`the gzip data is damaged (${(error as Error).message})`);
    }
  } else {
    await pipeline(createReadStream(source), createWriteStream(destination, { mode: 0o600 }));
  }
  verifyDatabaseFile(destination);
}

async function readHeader(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(2);
    await handle.read(buffer, 0, 2, 0);
    return buffer;
  } finally {
    await handle.close();
  }
}
