import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../../generated/prisma/client.js';

/**
 * Set on every connection: the better-sqlite3 adapter sets none of these itself.
 * WAL lets readers (the web app, backups) run while terminals write output; NORMAL is durable
 * across application crashes under WAL; busy_timeout rides out brief locks from backups and CLI tools.
 */
export const CONNECTION_PRAGMAS = ['journal_mode = WAL', 'foreign_keys = ON', 'busy_timeout = 5000', 'synchronous = NORMAL'];

export type Database = PrismaClient;

/** Wraps the adapter so that every connection it opens gets the pragmas before its first query. */
function withPragmas(factory: PrismaBetterSqlite3): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect() {
      const adapter = await factory.connect();
      await adapter.executeScript(CONNECTION_PRAGMAS.map((pragma) => `PRAGMA ${pragma};`).join('\n'));
      return adapter;
    },
  };
}

/** One Prisma client per app instance; the caller owns it and must `$disconnect()` it. */
export function createPrismaClient(databaseFile: string): Database {
  // The adapter takes the URL as a plain path: a `?param` would become part of the file name.
  const adapter = withPragmas(new PrismaBetterSqlite3({ url: databaseFile }));
  return new PrismaClient({ adapter });
}
