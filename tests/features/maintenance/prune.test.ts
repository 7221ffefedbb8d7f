import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createPruneService } from '../../../src/features/maintenance/prune.js';
import { removeScrollback, segmentFileName } from '../../../src/features/terminals/scrollback-files.js';
import { buildTestApp, injectAsOwner } from '../../helpers/app.js';

/** A terminal's stored output, as the output writer lays it out: one segment from offset 0. */
function writeScrollback(root: string, sessionId: string, data: string): void {
  mkdirSync(path.join(root, sessionId), { recursive: true });
  writeFileSync(path.join(root, sessionId, segmentFileName(0)), data);
}

const DAY = 24 * 3_600_000;
const SECOND = 1_000;

describe('prune', () => {
  it('deletes exactly what is past each retention: one second inside the window stays, one second outside goes', async () => {
    const { app, clock, config } = await buildTestApp({
      SCHEDULER_ENABLED: 'false',
      PRUNE_TERMINATED_SESSIONS_DAYS: '7',
      PRUNE_AUTH_LOGS_DAYS: '30',
      PRUNE_METRICS_DAYS: '7',
      PRUNE_JOB_RUNS_DAYS: '30',
      SESSION_IDLE_TIMEOUT_MINUTES: '60',
    });
    const now = new Date('2026-11-23T01:00:00Z');
    clock.set(now);
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const db = app.db;

    for (const [id, endedAt, status] of [
      ['old-terminated', ago(7 * DAY + SECOND), 'terminated'],
      ['recent-terminated', ago(7 * DAY - SECOND), 'terminated'],
      ['old-but-active', ago(30 * DAY), 'active'],
    ] as const) {
      await db.terminal.create({ data: { id, shell: '/bin/sh', cwd: '/', status, endedAt: status === 'terminated' ? endedAt : null, lastActivityAt: endedAt } });
      writeScrollback(config.storage.scrollbackDir, id, `output of ${id}`);
    }
    await db.authLog.createMany({
      data: [
        { action: 'old', success: true, createdAt: ago(30 * DAY + SECOND) },
        { action: 'recent', success: true, createdAt: ago(30 * DAY - SECOND) },
      ],
    });
    await db.systemMetric.createMany({
      data: [
        { metric: 'old', value: 1, createdAt: ago(7 * DAY + SECOND) },
        { metric: 'recent', value: 1, createdAt: ago(7 * DAY - SECOND) },
      ],
    });
    await db.authSession.createMany({
      data: [
        { tokenHash: 'expired', createdAt: ago(DAY), lastSeenAt: ago(SECOND), expiresAt: ago(SECOND) },
        { tokenHash: 'idle', createdAt: ago(DAY), lastSeenAt: ago(3_600_000 + SECOND), expiresAt: ago(-DAY) },
        { tokenHash: 'live', createdAt: ago(DAY), lastSeenAt: ago(3_600_000 - SECOND), expiresAt: ago(-SECOND) },
      ],
    });
    await db.jobRun.createMany({
      data: [
        { jobName: 'old', startedAt: ago(30 * DAY + SECOND), finishedAt: ago(30 * DAY), ok: true },
        { jobName: 'recent', startedAt: ago(30 * DAY - SECOND), finishedAt: ago(30 * DAY - 2 * SECOND), ok: true },
      ],
    });

    const response = await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/prune/run' });
    expect(response.statusCode).toBe(200);
    expect(response.json().run.details.deleted).toEqual({
      terminatedSessions: 1,
      scrollbackBytes: 'output of old-terminated'.length,
      authLogs: 1,
      systemMetrics: 1,
      // "expired" and "idle"; injectAsOwner's own sign-in is live.
      authSessions: 2,
      jobRuns: 1,
    });

    expect((await db.terminal.findMany({ orderBy: { id: 'asc' } })).map((s) => s.id)).toEqual(['old-but-active', 'recent-terminated']);
    const stored = (id: string) => existsSync(path.join(config.storage.scrollbackDir, id));
    expect(['old-terminated', 'recent-terminated', 'old-but-active'].map(stored)).toEqual([false, true, true]);
    expect((await db.authLog.findMany()).map((r) => r.action)).toEqual(['recent']);
    expect((await db.systemMetric.findMany()).map((r) => r.metric)).toEqual(['recent']);
    expect((await db.authSession.findMany({ where: { tokenHash: { in: ['expired', 'idle', 'live'] } } })).map((r) => r.tokenHash)).toEqual(['live']);
    // The prune run itself is recorded too, with the test clock's time.
    expect((await db.jobRun.findMany({ orderBy: { id: 'asc' } })).map((r) => r.jobName)).toEqual(['recent', 'prune']);
  });

  it('deletes in batches of the batch size, each session\'s stored output with it', async () => {
    const { app, clock, config } = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    const old = new Date(clock.now().getTime() - 40 * DAY);
    const ids = Array.from({ length: 12 }, (_, i) => `old-${i}`);
    for (const id of ids) {
      await app.db.terminal.create({ data: { id, shell: '/bin/sh', cwd: '/', status: 'terminated', endedAt: old } });
      writeScrollback(config.storage.scrollbackDir, id, 'x'.repeat(100));
    }
    await app.db.systemMetric.createMany({ data: Array.from({ length: 11 }, () => ({ metric: 'm', value: 0, createdAt: old })) });

    const batches: number[] = [];
    const counting = new Proxy(app.db, {
      get(target, property, receiver) {
        if (property !== 'terminal') return Reflect.get(target, property, receiver);
        return new Proxy(target.terminal, {
          get(terminals, method, inner) {
            if (method !== 'deleteMany') return Reflect.get(terminals, method, inner);
            return (args: { where: { id: { in: string[] } } }) => {
              batches.push(args.where.id.in.length);
              return terminals.deleteMany(args);
            };
          },
        });
      },
    });
    const removed: string[] = [];
    const prune = createPruneService({
      db: counting,
      clock,
      retention: config.maintenance.retention,
      sessionIdleTimeoutMs: DAY,
      removeSessionOutput: (id) => {
        removed.push(id);
        return removeScrollback(config.storage.scrollbackDir, id);
      },
      batchSize: 5,
    });
    const result = await prune.prune(pino({ level: 'silent' }));
    expect(result).toMatchObject({ terminatedSessions: 12, scrollbackBytes: 1200, systemMetrics: 11 });
    expect(batches).toEqual([5, 5, 2]);
    expect(removed.sort()).toEqual([...ids].sort());
    expect(ids.some((id) => existsSync(path.join(config.storage.scrollbackDir, id)))).toBe(false);
    expect(await app.db.terminal.count()).toBe(0);
    expect(await app.db.systemMetric.count()).toBe(0);
  });
});
