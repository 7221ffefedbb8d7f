import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { MaintenanceConfig } from '../../config/maintenance.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';

/** Rows per DELETE: each statement is a short write transaction, so terminals never wait long. */
export const PRUNE_BATCH_SIZE = 500;

export interface PruneDeps {
  db: Database;
  clock: Clock;
  retention: MaintenanceConfig['retention'];
  /** Sign-in sessions unused this long are expired (same rule as the session store). */
  sessionIdleTimeoutMs: number;
  /** Deletes a terminal's stored output (its scrollback files); returns the bytes freed. */
  removeSessionOutput: (sessionId: string) => number;
  /** Told the ids of expired sign-in sessions deleted (the server closes their terminal connections). */
  onAuthSessionsEnded?: (sessionIds: readonly string[]) => void;
  batchSize?: number;
}

export interface PruneResult {
  terminatedSessions: number;
  /** Bytes of terminal output deleted with those sessions. */
  scrollbackBytes: number;
  authLogs: number;
  systemMetrics: number;
  authSessions: number;
  jobRuns: number;
}

/** Deletes old rows in small batches, yielding to the event loop between them. */
export function createPruneService({
  db,
  clock,
  retention,
  sessionIdleTimeoutMs,
  removeSessionOutput,
  onAuthSessionsEnded,
  batchSize = PRUNE_BATCH_SIZE,
}: PruneDeps) {
  async function inBatches(deleteBatch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await deleteBatch();
      total += deleted;
      if (deleted < batchSize) return total;
      await yieldToEventLoop();
    }
  }

  async function deleteById<T extends number | string>(findIds: () => Promise<T[]>, deleteIds: (ids: T[]) => Promise<{ count: number }>) {
    return inBatches(async () => {
      const ids = await findIds();
      if (ids.length === 0) return 0;
      await deleteIds(ids);
      // The batch size decides whether to go on, not the count (a row may vanish in between).
      return ids.length;
    });
  }

  async function pruneTerminatedSessions(cutoff: Date) {
    let scrollbackBytes = 0;
    const where = {
      status: 'terminated',
      OR: [{ endedAt: { lt: cutoff } }, { endedAt: null, lastActivityAt: { lt: cutoff } }],
    };
    const terminatedSessions = await deleteById(
      async () => (await db.terminal.findMany({ where, select: { id: true }, take: batchSize })).map((s) => s.id),
      async (ids) => {
        const deleted = await db.terminal.deleteMany({ where: { id: { in: ids } } });
        // Rows first: output left behind by a crash in between is deleted at the next start-up.
        for (const id of ids) scrollbackBytes += removeSessionOutput(id);
        return deleted;
      },
    );
    return { terminatedSessions, scrollbackBytes };
  }

  return {
    /** Removes everything past its retention; boundaries are strict (older than the cutoff goes). */
    async prune(log: FastifyBaseLogger): Promise<PruneResult> {
      const now = clock.now();
      const before = (ms: number) => new Date(now.getTime() - ms);

      const { terminatedSessions, scrollbackBytes } = await pruneTerminatedSessions(before(retention.terminatedSessionsMs));
      const authLogs = await deleteById(
        async () => (await db.authLog.findMany({ where: { createdAt: { lt: before(retention.authLogsMs) } }, select: { id: true }, take: batchSize })).map((r) => r.id),
        (ids) => db.authLog.deleteMany({ where: { id: { in: ids } } }),
      );
      const systemMetrics = await deleteById(
        async () => (await db.systemMetric.findMany({ where: { createdAt: { lt: before(retention.metricsMs) } }, select: { id: true }, take: batchSize })).map((r) => r.id),
        (ids) => db.systemMetric.deleteMany({ where: { id: { in: ids } } }),
      );
      const authSessions = await deleteById(
        async () =>
          (
            await db.authSession.findMany({
              where: { OR: [{ expiresAt: { lte: now } }, { lastSeenAt: { lte: before(sessionIdleTimeoutMs) } }] },
              select: { id: true },
              take: batchSize,
            })
          ).map((r) => r.id),
        async (ids) => {
          const deleted = await db.authSession.deleteMany({ where: { id: { in: ids } } });
          onAuthSessionsEnded?.(ids);
          return deleted;
        },
      );
      const jobRuns = await deleteById(
        async () => (await db.jobRun.findMany({ where: { startedAt: { lt: before(retention.jobRunsMs) } }, select: { id: true }, take: batchSize })).map((r) => r.id),
        (ids) => db.jobRun.deleteMany({ where: { id: { in: ids } } }),
      );
      const result = { terminatedSessions, scrollbackBytes, authLogs, systemMetrics, authSessions, jobRuns };
      log.info(result, 'prune finished');
      return result;
    },
  };
}

export type PruneService = ReturnType<typeof createPruneService>;
