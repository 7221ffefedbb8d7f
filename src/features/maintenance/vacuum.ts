import { stat } from 'node:fs/promises';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';

export interface VacuumResult {
  bytesBefore: number;
  bytesAfter: number;
  walCheckpoint: { busy: number; log: number; checkpointed: number };
}

/** The database file plus its WAL: what the database occupies on disk. */
export async function databaseBytes(databaseFile: string): Promise<number> {
  const size = (file: string) =>
    stat(file).then(
      (s) => s.size,
      () => 0,
    );
  return (await size(databaseFile)) + (await size(`${databaseFile}-wal`));
}

/**
 * VACUUM, PRAGMA optimize and a truncating WAL checkpoint, on a short-lived connection of its own:
 * Prisma's connection stays open and idle meanwhile (SQLite serialises the writers; the app's
 * busy_timeout rides out the wait). VACUUM rewrites the whole file, hence the weekly schedule.
 */
export function createVacuumService({ databaseFile }: { databaseFile: string }) {
  return {
    async vacuum(log: FastifyBaseLogger): Promise<VacuumResult> {
      const bytesBefore = await databaseBytes(databaseFile);
      const connection = new BetterSqlite3(databaseFile, { fileMustExist: true, timeout: 30_000 });
      let walCheckpoint: VacuumResult['walCheckpoint'];
      try {
        connection.pragma('journal_mode = WAL');
        connection.exec('VACUUM');
        connection.pragma('optimize');
        const [row] = connection.pragma('wal_checkpoint(TRUNCATE)') as VacuumResult['walCheckpoint'][];
        walCheckpoint = row ?? { busy: 0, log: 0, checkpointed: 0 };
      } finally {
        connection.close();
      }
      const bytesAfter = await databaseBytes(databaseFile);
      log.info({ bytesBefore, bytesAfter, walCheckpoint }, 'vacuum finished');
      return { bytesBefore, bytesAfter, walCheckpoint };
    },
  };
}

export type VacuumService = ReturnType<typeof createVacuumService>;
