import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, MigrationError, MIGRATIONS_DIR, readMigrations } from '../../../src/infra/database/migrate.js';
import { makeTempDir } from '../../helpers/app.js';

const openDatabases: BetterSqlite3.Database[] = [];
afterEach(() => openDatabases.splice(0).forEach((db) => db.close()));

function freshDatabase(dir = makeTempDir()) {
  const db = new BetterSqlite3(path.join(dir, 'test.db'));
  openDatabases.push(db);
  return db;
}

/** A copy of the real migrations that a test may add to or alter. */
function copyOfMigrations() {
  const dir = path.join(makeTempDir(), 'migrations');
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string) {
  mkdirSync(path.join(dir, name));
  writeFileSync(path.join(dir, name, 'migration.sql'), sql);
}

function migrationRows(db: BetterSqlite3.Database) {
  return db.prepare('SELECT * FROM _prisma_migrations ORDER BY migration_name').all() as {
    id: string;
    checksum: string;
    migration_name: string;
    started_at: number;
    finished_at: number | null;
    rolled_back_at: number | null;
    logs: string | null;
    applied_steps_count: number;
  }[];
}

describe('applyMigrations', () => {
  it('applies every migration to a fresh database and records it as Prisma does', () => {
    const db = freshDatabase();
    const before = Date.now();
    const report = applyMigrations(db);
    expect(report.applied).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.name));
    expect(report.alreadyApplied).toEqual([]);

    const rows = migrationRows(db);
    expect(rows).toHaveLength(report.applied.length);
    const init = rows[0]!;
    const sql = readFileSync(path.join(MIGRATIONS_DIR, init.migration_name, 'migration.sql'));
    expect(init.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
    expect(init.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(init.applied_steps_count).toBe(1);
    expect(init.rolled_back_at).toBeNull();
    expect(init.logs).toBeNull();
    expect(init.started_at).toBeGreaterThanOrEqual(before);
    expect(init.finished_at).toBeGreaterThanOrEqual(init.started_at);
    const columns = (db.prepare('PRAGMA table_info(_prisma_migrations)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).toEqual(['id', 'checksum', 'finished_at', 'migration_name', 'logs', 'rolled_back_at', 'started_at', 'applied_steps_count']);
  });

  it('does nothing the second time', () => {
    const db = freshDatabase();
    applyMigrations(db);
    const report = applyMigrations(db);
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied.length).toBeGreaterThan(0);
    expect(migrationRows(db)).toHaveLength(report.alreadyApplied.length);
  });

  it('applies only what is pending, in name order', () => {
    const dir = copyOfMigrations();
    const db = freshDatabase();
    applyMigrations(db, dir);
    addMigration(dir, '29990102000000_second', 'ALTER TABLE "workspaces" ADD COLUMN "b" TEXT;');
    addMigration(dir, '29990101000000_first', 'ALTER TABLE "workspaces" ADD COLUMN "a" TEXT;');
    const report = applyMigrations(db, dir);
    expect(report.applied).toEqual(['29990101000000_first', '29990102000000_second']);
    const columns = (db.prepare('PRAGMA table_info(workspaces)').all() as { name: string }[]).map((c) => c.name);
    expect(columns.slice(-2)).toEqual(['a', 'b']);
  });

  it('refuses a migration that was modified after it was applied', () => {
    const dir = copyOfMigrations();
    const db = freshDatabase();
    applyMigrations(db, dir);
    const file = path.join(dir, '20261122000000_init', 'migration.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
    expect(() => applyMigrations(db, dir)).toThrow(MigrationError);
    expect(() => applyMigrations(db, dir)).toThrow(/20261122000000_init was modified after it was applied/);
  });

  it('rolls a failing migration back completely and leaves the database as it was', () => {
    const dir = copyOfMigrations();
    const db = freshDatabase();
    applyMigrations(db, dir);
    addMigration(
      dir,
      '29990101000000_broken',
      'CREATE TABLE "half_done" ("id" INTEGER);\nALTER TABLE "workspaces" ADD COLUMN "x" TEXT;\nINSERT INTO "no_such_table" VALUES (1);',
    );
    const schemaBefore = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
    const appliedBefore = migrationRows(db).map((r) => r.migration_name);
    expect(appliedBefore).toContain('20261122000000_init');
    expect(() => applyMigrations(db, dir)).toThrow(/29990101000000_broken failed and was rolled back.*no such table: no_such_table/);
    expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()).toEqual(schemaBefore);
    expect(migrationRows(db).map((r) => r.migration_name)).toEqual(appliedBefore);
  });

  it('refuses to start over a migration that Prisma left unfinished', () => {
    const db = freshDatabase();
    applyMigrations(db);
    db.prepare(`UPDATE _prisma_migrations SET finished_at = NULL`).run();
    expect(() => applyMigrations(db)).toThrow(/started but never finished.*prisma migrate resolve/);
  });

  it('ignores rows rolled back with prisma migrate resolve', () => {
    const dir = copyOfMigrations();
    const db = freshDatabase();
    applyMigrations(db, dir);
    db.prepare(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, rolled_back_at, applied_steps_count)
       VALUES ('x', 'y', '29990101000000_retry', 1, 2, 0)`,
    ).run();
    addMigration(dir, '29990101000000_retry', 'CREATE TABLE "retried" ("id" INTEGER);');
    expect(applyMigrations(db, dir).applied).toEqual(['29990101000000_retry']);
  });

  it('explains a missing migrations directory', () => {
    expect(() => applyMigrations(freshDatabase(), '/nonexistent/migrations')).toThrow(/Migrations directory .* does not exist/);
  });
});
