import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';

/*
 * Hand-written on purpose (issue 17): `prisma migrate deploy` needs Prisma's schema engine, a binary
 * downloaded from Prisma's servers that not every build machine can reach, and the general runners
 * (umzug, kysely's Migrator) keep their own bookkeeping table, so `prisma migrate status` would no
 * longer agree with what ran. This applies Prisma's layout and writes Prisma's table exactly.
 */

/** prisma/migrations, next to package.json, both from src/ (tsx, tests) and from dist/. */
export const MIGRATIONS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../prisma/migrations');

export interface Migration {
  name: string;
  sql: string;
  /** Hex SHA-256 of migration.sql, exactly as Prisma computes and stores it. */
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

// The same table Prisma's schema engine creates, so `prisma migrate status|deploy` agree with us.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: number | string | null;
  rolled_back_at: number | string | null;
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql` in name order, the order Prisma applies them. */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`Migrations directory ${dir} does not exist.`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

function readAppliedRows(db: Database.Database): AppliedRow[] {
  const table = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_prisma_migrations'`).get();
  if (!table) return [];
  return db
    .prepare(`SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at`)
    .all() as AppliedRow[];
}

/**
 * Checks the recorded history against the files: an applied migration whose file changed, or one
 * that Prisma's CLI left half-applied, stops everything — guessing here could corrupt data.
 * Returns the migrations still to apply.
 */
export function findPendingMigrations(db: Database.Database, migrations: Migration[]): Migration[] {
  const rows = readAppliedRows(db).filter((row) => row.rolled_back_at === null);
  const failed = rows.find((row) => row.finished_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} was started but never finished. Inspect the database, then mark it with ` +
        `\`npx prisma migrate resolve --rolled-back ${failed.migration_name}\` (or restore a backup) before starting Shellport.`,
    );
  }
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const row of rows) {
    const file = byName.get(row.migration_name);
    if (!file) continue; // applied by a newer Shellport; harmless for reading this schema
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `Migration ${row.migration_name} was modified after it was applied (checksum ${row.checksum.slice(0, 12)}… ` +
          `in the database, ${file.checksum.slice(0, 12)}… on disk). Restore the original migration.sql; ` +
          `change the schema with a new migration instead.`,
      );
    }
  }
  const applied = new Set(rows.map((row) => row.migration_name));
  return migrations.filter((m) => !applied.has(m.name));
}

/**
 * Applies pending migrations, each in its own transaction together with its `_prisma_migrations`
 * row. A failing migration rolls back completely — schema changes and bookkeeping — and stops.
 */
export function applyMigrations(db: Database.Database, dir: string = MIGRATIONS_DIR): MigrationReport {
  const migrations = readMigrations(dir);
  db.exec(CREATE_MIGRATIONS_TABLE);
  const pending = findPendingMigrations(db, migrations);
  const pendingNames = new Set(pending.map((m) => m.name));
  const record = db.prepare(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
     VALUES (?, ?, ?, ?, ?, 1)`,
  );
  for (const migration of pending) {
    const startedAt = Date.now();
    const applyOne = db.transaction(() => {
      db.exec(migration.sql);
      // Prisma's SQLite connector stores DateTime here as Unix milliseconds.
      record.run(randomUUID(), migration.checksum, migration.name, startedAt, Date.now());
    });
    try {
      applyOne();
    } catch (error) {
      throw new MigrationError(
        `Migration ${migration.name} failed and was rolled back; the database is unchanged by it. ` +
          `Cause: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return {
    applied: pending.map((m) => m.name),
    alreadyApplied: migrations.filter((m) => !pendingNames.has(m.name)).map((m) => m.name),
  };
}
