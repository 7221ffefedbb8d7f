import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import BetterSqlite3 from 'better-sqlite3';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../../src/app.js';
import { systemClock } from '../../../src/infra/clock.js';
import { MIGRATIONS_DIR, readMigrations } from '../../../src/infra/database/migrate.js';
import { migrateDatabaseFile } from '../../../src/infra/database/plugin.js';
import { createBackupService } from '../../../src/features/maintenance/backups.js';
import { isDatabaseInUse, restoreBackup } from '../../../src/features/maintenance/restore.js';
import { buildTestApp, makeTempDir, testConfig } from '../../helpers/app.js';
import { runCli } from './helpers.js';

const silent = pino({ level: 'silent' });

function insertLog(databaseFile: string, action: string) {
  const db = new BetterSqlite3(databaseFile);
  db.prepare(`INSERT INTO auth_logs (action, success, details, created_at) VALUES (?, 1, '{}', ?)`).run(action, Date.now());
  db.close();
}

function readActions(databaseFile: string): string[] {
  const db = new BetterSqlite3(databaseFile, { readonly: true });
  try {
    return (db.prepare(`SELECT action FROM auth_logs ORDER BY id`).all() as { action: string }[]).map((row) => row.action);
  } finally {
    db.close();
  }
}

describe('restore', () => {
  it('round trip through the CLI: data written after the backup is gone, data before is there, the server starts on it', async () => {
    const dataDir = makeTempDir();
    const databaseFile = path.join(dataDir, 'shellport.db');
    migrateDatabaseFile(databaseFile);
    insertLog(databaseFile, 'before-backup');
    const env = { DATA_DIR: dataDir };

    const backup = await runCli(['backup'], env);
    expect(backup.stderr).not.toContain('"level":50');
    expect(backup.code).toBe(0);
    const [name] = readdirSync(path.join(dataDir, 'backups'));
    expect(name).toMatch(/^shellport-.*\.db\.gz$/);
    expect(backup.stdout).toContain(name);

    insertLog(databaseFile, 'after-backup');
    const restore = await runCli(['restore', name!], env);
    expect(restore.stderr).not.toContain('Restore refused');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('The previous database is kept as');
    // Closed cleanly: no WAL beside the restored file that SQLite could replay into it.
    expect(existsSync(`${databaseFile}-wal`)).toBe(false);

    expect(readActions(databaseFile)).toEqual(['before-backup']);
    const aside = readdirSync(dataDir).find((file) => /^shellport\.db\.before-restore-\d{8}T\d{6}Z$/.test(file));
    expect(aside).toBeDefined();
    expect(readActions(path.join(dataDir, aside!))).toEqual(['before-backup', 'after-backup']);
    expect(readdirSync(dataDir).filter((file) => file.startsWith('.restore-'))).toEqual([]);

    // A working server on the restored database.
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const app = await buildApp({ config: testConfig({ SCHEDULER_ENABLED: 'false' }, dataDir), logStream: quiet });
    try {
      await app.ready();
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks.migrations.status).toBe('ok');
      expect((await app.db.authLog.findMany()).map((row) => row.action)).toEqual(['before-backup']);
    } finally {
      await app.close();
    }
  });

  it('ends every sign-in the backup held, and says so when the backup names another owner', async () => {
    const dataDir = makeTempDir();
    const databaseFile = path.join(dataDir, 'shellport.db');
    migrateDatabaseFile(databaseFile);
    const setOwner = (id: number, login: string) => {
      const db = new BetterSqlite3(databaseFile);
      db.prepare(`INSERT INTO settings (id, github_user_id, github_login, updated_at) VALUES ('singleton', ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET github_user_id = excluded.github_user_id, github_login = excluded.github_login`).run(id, login, Date.now());
      db.close();
    };
    const sessionCount = () => {
      const db = new BetterSqlite3(databaseFile, { readonly: true });
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM auth_sessions').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    setOwner(1001, 'old-owner');
    const db = new BetterSqlite3(databaseFile);
    // A browser signed in before the backup, signed out everywhere since.
    db.prepare(`INSERT INTO auth_sessions (id, token_hash, created_at, expires_at, last_seen_at) VALUES ('s1', 'hash-1', ?, ?, ?)`).run(Date.now(), Date.now() + 86_400_000, Date.now());
    db.close();
    const backup = await runCli(['backup'], { DATA_DIR: dataDir });
    expect(backup.code).toBe(0);
    const [name] = readdirSync(path.join(dataDir, 'backups'));
    const fresh = new BetterSqlite3(databaseFile);
    fresh.exec('DELETE FROM auth_sessions');
    fresh.close();
    setOwner(2002, 'new-owner');

    const restore = await runCli(['restore', name!], { DATA_DIR: dataDir });
    expect(restore.code).toBe(0);
    expect(sessionCount()).toBe(0);
    expect(restore.stdout).toContain('Every browser must sign in again.');
    expect(restore.stdout).toContain("the backup's owner is @old-owner, not @new-owner");
    expect(restore.stderr).toContain('the restored backup has another owner');

    // The same owner on both sides: nothing to warn about.
    const direct = await restoreBackup(path.join(dataDir, 'backups', name!), { databaseFile, clock: systemClock, log: silent });
    expect(direct.ownerChanged).toBeNull();
    expect(direct.sessionsEnded).toBe(1);
  });

  it('runs migrations forward when the backup is older than the code', async () => {
    const dir = makeTempDir();
    const oldMigrations = path.join(dir, 'old-migrations');
    const newMigrations = path.join(dir, 'new-migrations');
    const [first] = readMigrations(MIGRATIONS_DIR);
    mkdirSync(oldMigrations);
    cpSync(path.join(MIGRATIONS_DIR, first!.name), path.join(oldMigrations, first!.name), { recursive: true });
    cpSync(oldMigrations, newMigrations, { recursive: true });
    mkdirSync(path.join(newMigrations, '29991231000000_later'));
    writeFileSync(path.join(newMigrations, '29991231000000_later', 'migration.sql'), 'CREATE TABLE "later" ("id" INTEGER NOT NULL PRIMARY KEY);\n');

    const oldDatabase = path.join(dir, 'old', 'shellport.db');
    migrateDatabaseFile(oldDatabase, oldMigrations);
    insertLog(oldDatabase, 'old');
    const backups = createBackupService({ databaseFile: oldDatabase, backupDir: path.join(dir, 'backups'), retentionCount: 7, clock: systemClock });
    const { file } = await backups.createBackup(silent);

    const liveDatabase = path.join(dir, 'live', 'shellport.db');
    migrateDatabaseFile(liveDatabase, newMigrations);
    const result = await restoreBackup(file, { databaseFile: liveDatabase, migrationsDir: newMigrations, clock: systemClock, log: silent });
    expect(result.migrationsApplied).toEqual(['29991231000000_later']);
    const db = new BetterSqlite3(liveDatabase, { readonly: true });
    try {
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'later'`).get()).toEqual({ name: 'later' });
      expect((db.prepare(`SELECT migration_name FROM _prisma_migrations ORDER BY migration_name`).all() as { migration_name: string }[]).map((r) => r.migration_name)).toEqual([
        first!.name,
        '29991231000000_later',
      ]);
    } finally {
      db.close();
    }
    expect(readActions(liveDatabase)).toEqual(['old']);

    // A migration that fails on the backup leaves the live database as it was (migrating happens before the swap).
    insertLog(liveDatabase, 'live');
    const asideBefore = readdirSync(path.dirname(liveDatabase)).filter((name) => name.includes('before-restore'));
    mkdirSync(path.join(newMigrations, '29991231000001_broken'));
    writeFileSync(path.join(newMigrations, '29991231000001_broken', 'migration.sql'), 'INSERT INTO "nowhere" VALUES (1);\n');
    await expect(restoreBackup(file, { databaseFile: liveDatabase, migrationsDir: newMigrations, clock: systemClock, log: silent })).rejects.toThrow(/nowhere/);
    expect(readActions(liveDatabase)).toEqual(['old', 'live']);
    const leftBehind = readdirSync(path.dirname(liveDatabase)).filter((name) => name.includes('before-restore') || name.startsWith('.restore-'));
    expect(leftBehind).toEqual(asideBefore);
  });

  it('refuses a corrupt file, leaving the database untouched', async () => {
    const dir = makeTempDir();
    const databaseFile = path.join(dir, 'shellport.db');
    migrateDatabaseFile(databaseFile);
    insertLog(databaseFile, 'current');

    const garbage = path.join(dir, 'garbage.db.gz');
    writeFileSync(garbage, gzipSync(Buffer.alloc(64 * 1024, 7)));
    const truncated = path.join(dir, 'truncated.db.gz');
    const good = await createBackupService({ databaseFile, backupDir: path.join(dir, 'backups'), retentionCount: 7, clock: systemClock }).createBackup(silent);
    writeFileSync(truncated, readFileSync(good.file).subarray(0, 200));
    const notShellport = path.join(dir, 'other.db');
    new BetterSqlite3(notShellport).exec('CREATE TABLE t (x)');

    for (const [file, reason] of [
      [garbage, /corrupt or not a Shellport backup/],
      [truncated, /gzip data is damaged/],
      [notShellport, /not a Shellport one/],
    ] as const) {
      await expect(restoreBackup(file, { databaseFile, clock: systemClock, log: silent })).rejects.toThrow(reason);
    }
    expect(readActions(databaseFile)).toEqual(['current']);
    expect(readdirSync(dir).filter((f) => f.includes('before-restore') || f.startsWith('.restore-'))).toEqual([]);

    const cli = await runCli(['restore', garbage], { DATA_DIR: dir });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('Restore refused: The backup');
    expect(cli.stderr).toContain('Nothing was changed.');
  });

  it('refuses while a server has the database open', async () => {
    const { app, dataDir, config } = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    await app.ready();
    const run = await app.scheduler.run('backup', 'api');
    expect(run.ok).toBe(true);
    const file = path.join(config.maintenance.backupDir, run.details.file as string);

    const cli = await runCli(['restore', file], { DATA_DIR: dataDir });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('is in use by another process');
    expect(cli.stderr).toContain('Stop the server');
    expect(readdirSync(dataDir).some((f) => f.includes('before-restore'))).toBe(false);

    await app.close();
    expect(isDatabaseInUse(config.storage.databaseFile)).toBe(false);
  });
});
