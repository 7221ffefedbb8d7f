import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createPrismaClient, type Database } from './client.js';
import { applyMigrations, MIGRATIONS_DIR } from './migrate.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

export interface DatabasePluginOptions {
  databaseFile: string;
  migrationsDir?: string;
}

/** Opens the database file and applies pending migrations on a short-lived connection of its own. */
export function migrateDatabaseFile(databaseFile: string, migrationsDir = MIGRATIONS_DIR) {
  // Private to the server's user whatever its umask: the database holds the auth log, workspace
  // variables and (encrypted) tokens. SQLite gives its -wal and -shm files the same mode.
  mkdirSync(path.dirname(databaseFile), { recursive: true, mode: 0o700 });
  const created = !existsSync(databaseFile);
  const connection = new BetterSqlite3(databaseFile);
  if (created) chmodSync(databaseFile, 0o600);
  try {
    connection.pragma('journal_mode = WAL');
    return applyMigrations(connection, migrationsDir);
  } finally {
    connection.close();
  }
}

/** Migrates, then decorates `app.db` with the Prisma client; disconnects it when the app closes. */
export const databasePlugin = fp(
  async (app: FastifyInstance, options: DatabasePluginOptions) => {
    const report = migrateDatabaseFile(options.databaseFile, options.migrationsDir);
    if (report.applied.length > 0) app.log.info({ applied: report.applied }, 'database migrations applied');
    const db = createPrismaClient(options.databaseFile);
    await db.$connect();
    app.decorate('db', db);
    app.addHook('onClose', async () => {
      await db.$disconnect();
      app.log.info('database closed');
    });
  },
  { name: 'database' },
);
