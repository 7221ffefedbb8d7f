import { cpSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { MIGRATIONS_DIR } from '../src/infra/database/migrate.js';
import { makeTempDir, testConfig } from './helpers/app.js';

describe('buildApp', () => {
  it('refuses to start when a migration fails, naming it', async () => {
    const migrationsDir = path.join(makeTempDir(), 'migrations');
    cpSync(MIGRATIONS_DIR, migrationsDir, { recursive: true });
    mkdirSync(path.join(migrationsDir, '29990101000000_broken'));
    writeFileSync(path.join(migrationsDir, '29990101000000_broken', 'migration.sql'), 'ALTER TABLE "nope" ADD COLUMN "x" TEXT;');
    await expect(buildApp({ config: testConfig({ LOG_LEVEL: 'silent' }), migrationsDir })).rejects.toThrow(
      /Migration 29990101000000_broken failed and was rolled back/,
    );
  });
});
