import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../../src/infra/database/migrate.js';
import { actualShape, diffShapes, expectedShape, loadDatamodel } from './schema-diff.js';

const SCHEMA = path.resolve(MIGRATIONS_DIR, '../schema.prisma');
const temps: string[] = [];

function migratedDatabase(migrationsDir = MIGRATIONS_DIR) {
  const dir = mkdtempSync(path.join(tmpdir(), 'shellport-drift-'));
  temps.push(dir);
  const db = new BetterSqlite3(path.join(dir, 'test.db'));
  applyMigrations(db, migrationsDir);
  return db;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('migrations match schema.prisma', () => {
  it('a freshly migrated database has exactly the tables, columns, defaults, indexes and foreign keys the schema declares', async () => {
    const expected = expectedShape(await loadDatamodel(SCHEMA));
    const db = migratedDatabase();
    const problems = diffShapes(expected, actualShape(db));
    db.close();
    expect(problems, `Drift between prisma/schema.prisma and prisma/migrations:\n${problems.join('\n')}`).toEqual([]);
    expect(Object.keys(expected).sort()).toEqual([
      'agent_run_events',
      'agent_runs',
      'auth_logs',
      'auth_sessions',
      'job_runs',
      'mcp_server_values',
      'mcp_servers',
      'model_prices',
      'push_devices',
      'push_keys',
      'sessions',
      'settings',
      'system_metrics',
      'terminal_shares',
      'workspace_env_vars',
      'workspaces',
    ]);
  });

  it('catches a migration that omits a column', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shellport-drift-migrations-'));
    temps.push(dir);
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const file = path.join(dir, '20261122000000_init', 'migration.sql');
    const sql = readFileSync(file, 'utf8');
    const withoutColumn = sql.replace(/\s*"clone_error" TEXT,\n/, '\n');
    expect(withoutColumn).not.toEqual(sql);
    writeFileSync(file, withoutColumn);

    const expected = expectedShape(await loadDatamodel(SCHEMA));
    const db = migratedDatabase(dir);
    const problems = diffShapes(expected, actualShape(db));
    db.close();
    expect(problems).toEqual([expect.stringMatching(/^workspaces column clone_error: missing from the database/)]);
  });

  it('catches a changed default, a lost NOT NULL and a missing index', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shellport-drift-migrations-'));
    temps.push(dir);
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const file = path.join(dir, '20261122000000_init', 'migration.sql');
    const sql = readFileSync(file, 'utf8')
      .replace(`"shell" TEXT NOT NULL,`, `"shell" TEXT,`)
      .replace(/CREATE INDEX "auth_logs_created_at_idx".*\n/, '');
    writeFileSync(file, sql);
    // The settings table as the latest migration that rebuilt it left it.
    const themeFile = path.join(dir, '20261202220000_theme_follows_device', 'migration.sql');
    writeFileSync(themeFile, readFileSync(themeFile, 'utf8').replace(`"theme" TEXT NOT NULL DEFAULT 'system'`, `"theme" TEXT NOT NULL DEFAULT 'light'`));

    const db = migratedDatabase(dir);
    const problems = diffShapes(expectedShape(await loadDatamodel(SCHEMA)), actualShape(db));
    db.close();
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/settings column theme/);
    expect(problems.join('\n')).toMatch(/sessions column shell/);
    expect(problems.join('\n')).toMatch(/auth_logs index auth_logs_created_at_idx: missing/);
  });
});
