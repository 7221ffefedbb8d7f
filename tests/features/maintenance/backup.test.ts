import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { BackupVerificationError, verifyDatabaseFileInWorker } from '../../../src/features/maintenance/backups.js';
import { buildTestApp, injectAsOwner, makeTempDir } from '../../helpers/app.js';
import { gunzipBackup } from './helpers.js';

const require = createRequire(import.meta.url);
const OFF = { SCHEDULER_ENABLED: 'false' };

/** Adds ~6 MB of rows so that a backup takes many steps. */
function fillDatabase(databaseFile: string) {
  const db = new BetterSqlite3(databaseFile);
  db.pragma('busy_timeout = 5000');
  const insert = db.prepare(`INSERT INTO system_metrics (metric, value, metadata) VALUES ('filler', ?, hex(randomblob(2048)))`);
  db.transaction(() => {
    for (let n = 1; n <= 1500; n += 1) insert.run(n);
  })();
  db.close();
}

function startWriter(databaseFile: string) {
  const control = new SharedArrayBuffer(12);
  const counters = new Int32Array(control);
  const worker = new Worker(new URL('./fixtures/writer.mjs', import.meta.url), {
    workerData: { databaseFile, control, requireFrom: require.resolve('better-sqlite3') },
  });
  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve());
    worker.once('error', reject);
  });
  return {
    started,
    commits: () => Atomics.load(counters, 1),
    async stop() {
      Atomics.store(counters, 0, 1);
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

describe('backups', () => {
  it('takes a consistent, verified, gzip backup while another connection writes continuously', async () => {
    const { app, config, logLines } = await buildTestApp(OFF);
    const databaseFile = config.storage.databaseFile;
    fillDatabase(databaseFile);
    const writer = startWriter(databaseFile);
    try {
      await writer.started;
      await vi.waitFor(() => expect(writer.commits()).toBeGreaterThanOrEqual(20), { timeout: 10_000, interval: 10 });
      const commitsBefore = writer.commits();
      const response = await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/backup/run' });
      const commitsAfter = writer.commits();
      expect(response.statusCode).toBe(200);
      // The writer kept committing through the backup.
      expect(commitsAfter).toBeGreaterThan(commitsBefore);
      await vi.waitFor(() => expect(writer.commits()).toBeGreaterThan(commitsAfter), { timeout: 10_000, interval: 10 });

      const run = response.json().run;
      expect(run).toMatchObject({ jobName: 'backup', ok: true, trigger: 'api' });
      const file = path.join(config.maintenance.backupDir, run.details.file);
      expect(run.details.file).toMatch(/^shellport-\d{8}T\d{6}Z\.db\.gz$/);
      expect(readFileSync(file).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(run.details.bytes).toBe(statSync(file).size);
      // Only the finished backup is left: no temp files.
      expect(readdirSync(config.maintenance.backupDir)).toEqual([run.details.file]);

      const copy = new BetterSqlite3(gunzipBackup(file), { readonly: true });
      try {
        expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
        const { transactions, last } = copy.prepare(`SELECT count(*) AS transactions, max(value) AS last FROM system_metrics WHERE metric = 'writer'`).get() as {
          transactions: number;
          last: number;
        };
        const { logs } = copy.prepare(`SELECT count(*) AS logs FROM auth_logs WHERE action = 'writer'`).get() as { logs: number };
        // A point in time: whole transactions only, with none missing before the last one.
        expect(transactions).toBeGreaterThanOrEqual(commitsBefore);
        expect(transactions).toBeLessThanOrEqual(commitsAfter);
        expect(last).toBe(transactions);
        expect(logs).toBe(transactions * 10);
        expect((copy.prepare(`SELECT count(*) AS n FROM system_metrics WHERE metric = 'filler'`).get() as { n: number }).n).toBe(1500);
      } finally {
        copy.close();
      }
      expect(logLines().some((line) => line.msg === 'backup written and verified')).toBe(true);
      expect(logLines().find((line) => line.msg === 'backup in progress')).toMatchObject({ totalPages: expect.any(Number), remainingPages: expect.any(Number) });
    } finally {
      await writer.stop();
    }
  });

  it('keeps exactly BACKUP_RETENTION_COUNT backups, the newest ones, and lists them', async () => {
    const { app, clock, config } = await buildTestApp({ ...OFF, BACKUP_RETENTION_COUNT: '3' });
    clock.set(new Date('2026-11-20T02:00:00Z'));
    // Not a backup: never counted, never deleted.
    mkdirSync(config.maintenance.backupDir, { recursive: true });
    writeFileSync(path.join(config.maintenance.backupDir, 'notes.txt'), 'x');
    const names: string[] = [];
    for (let day = 0; day < 5; day += 1) {
      const run = await app.scheduler.run('backup', 'api');
      expect(run.ok).toBe(true);
      names.push(run.details.file as string);
      clock.advance(24 * 3_600_000);
    }
    expect(names[0]).toBe('shellport-20261120T020000Z.db.gz');
    expect(readdirSync(config.maintenance.backupDir).sort()).toEqual([...names.slice(2), 'notes.txt'].sort());

    const response = await injectAsOwner(app, { method: 'GET', url: '/api/maintenance/backups' });
    expect(response.statusCode).toBe(200);
    const listed = response.json().backups;
    expect(listed.map((b: { name: string }) => b.name)).toEqual(names.slice(2).reverse());
    expect(listed[0]).toMatchObject({ createdAt: '2026-11-24T02:00:00.000Z', verified: true, sizeBytes: expect.any(Number) });
  });

  it('names two backups in the same second apart', async () => {
    const { app } = await buildTestApp(OFF);
    const first = await app.scheduler.run('backup', 'api');
    const second = await app.scheduler.run('backup', 'api');
    expect(second.details.file).not.toBe(first.details.file);
    expect(second.details.file).toMatch(/-1\.db\.gz$/);
  });

  it('reports the age of the newest backup in /readyz and warns (still ready) when it is too old', async () => {
    const { app, clock } = await buildTestApp({ ...OFF, BACKUP_MAX_AGE_HOURS: '24' });
    const readyz = async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      return { status: response.statusCode, backup: response.json().checks.backup };
    };
    expect(await readyz()).toMatchObject({ status: 200, backup: { status: 'ok', lastBackupAt: null } });
    clock.advance(25 * 3_600_000);
    expect(await readyz()).toMatchObject({ status: 200, backup: { status: 'warn', message: expect.stringContaining('No backup yet') } });

    await app.scheduler.run('backup', 'api');
    expect(await readyz()).toMatchObject({ status: 200, backup: { status: 'ok', ageSeconds: 0 } });
    clock.advance(24 * 3_600_000 + 1_000);
    const stale = await readyz();
    expect(stale).toMatchObject({ status: 200, backup: { status: 'warn', ageSeconds: 24 * 3600 + 1 } });
    expect(stale.backup.message).toContain('BACKUP_MAX_AGE_HOURS');
  });
});

describe('backup verification', () => {
  it('rejects a damaged SQLite file and a file that is not SQLite, off the main thread', async () => {
    const dir = makeTempDir();
    const good = path.join(dir, 'good.db');
    const db = new BetterSqlite3(good);
    db.exec('CREATE TABLE t (x TEXT); CREATE INDEX t_x ON t (x);');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`row ${i} ${'y'.repeat(50)}`);
    })();
    db.close();
    await expect(verifyDatabaseFileInWorker(good)).resolves.toBeUndefined();

    // Scribble over the middle of the file: the header stays valid, the b-trees do not.
    const damaged = path.join(dir, 'damaged.db');
    const bytes = readFileSync(good);
    bytes.fill(0x55, 8192, 8192 + 4096 * 4);
    writeFileSync(damaged, bytes);
    await expect(verifyDatabaseFileInWorker(damaged)).rejects.toBeInstanceOf(BackupVerificationError);

    const notSqlite = path.join(dir, 'not.db');
    writeFileSync(notSqlite, Buffer.alloc(8192, 1));
    await expect(verifyDatabaseFileInWorker(notSqlite)).rejects.toThrow(/not a readable SQLite database/);
  });
});
