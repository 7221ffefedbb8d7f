// The migration that rebuilt `settings` (a new column default) keeps the row it found exactly.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../../../src/infra/database/migrate.js';
import { migrateDatabaseFile } from '../../../src/infra/database/plugin.js';

const REBUILD = '20261202220000_theme_follows_device';
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('keeps the owner, the tokens and an explicit theme; a new row follows the device', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shellport-settings-rebuild-'));
  temps.push(dir);
  const before = path.join(dir, 'before');
  cpSync(MIGRATIONS_DIR, before, { recursive: true, filter: (source) => !source.includes(REBUILD) });
  const file = path.join(dir, 'shellport.db');
  migrateDatabaseFile(file, before);
  const db = new BetterSqlite3(file);
  db.prepare(
    `INSERT INTO settings (id, github_user_id, github_login, github_access_token, theme, preferences, created_at, updated_at)
     VALUES ('singleton', 1001, 'octocat', 'v1:ciphertext', 'light', '{"fontSize":16}', 1700000000000, 1700000000001)`,
  ).run();
  const row = db.prepare('SELECT * FROM settings').get();
  db.close();

  expect(migrateDatabaseFile(file).applied).toEqual([REBUILD]);
  const after = new BetterSqlite3(file);
  try {
    expect(after.prepare('SELECT * FROM settings').get()).toEqual(row);
    after.prepare(`DELETE FROM settings`).run();
    after.prepare(`INSERT INTO settings (id, updated_at) VALUES ('singleton', 0)`).run();
    expect(after.prepare('SELECT theme FROM settings').get()).toEqual({ theme: 'system' });
  } finally {
    after.close();
  }
});
