import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createPruneService } from '../../../src/features/maintenance/prune.js';
import { buildTestApp, injectAsOwner } from '../../helpers/app.js';

const DAY = 24 * 3_600_000;
const SECOND = 1_000;

describe('prune', () => {
  it('deletes exactly what is past each retention: one second inside the window stays, one second outside goes', async () => {
    const { app, clock } = await buildTestApp({
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
      await db.session.create({ data: { id, shell: '/bin/sh', cwd: '/', status, endedAt: status === 'terminated' ? endedAt : null, lastActivityAt: endedAt } });
      await db.sessionOutput.createMany({
        data: Array.from({ length: 3 }, (_, i) => ({ sessionId: id, seq: i + 1, data: Buffer.from(`out ${i}`) })),
      });
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
      sessionOutputs: 3,
      authLogs: 1,
      systemMetrics: 1,
      // "expired" and "idle"; injectAsOwner's own sign-in is live.
      authSessions: 2,
      jobRuns: 1,
    });

    expect((await db.session.findMany({ orderBy: { id: 'asc' } })).map((s) => s.id)).toEqual(['old-but-active', 'recent-terminated']);
    expect(await db.sessionOutput.count({ where: { sessionId: 'old-terminated' } })).toBe(0);
    expect(await db.sessionOutput.count()).toBe(6);
    expect((await db.authLog.findMany()).map((r) => r.action)).toEqual(['recent']);
    expect((await db.systemMetric.findMany()).map((r) => r.metric)).toEqual(['recent']);
    expect((await db.authSession.findMany({ where: { tokenHash: { in: ['expired', 'idle', 'live'] } } })).map((r) => r.tokenHash)).toEqual(['live']);
    // The prune run itself is recorded too, with the test clock's time.
    expect((await db.jobRun.findMany({ orderBy: { id: 'asc' } })).map((r) => r.jobName)).toEqual(['recent', 'prune']);
  });

  it('deletes in batches of the batch size, a session\'s output included', async () => {
    const { app, clock, config } = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    const old = new Date(clock.now().getTime() - 40 * DAY);
    await app.db.session.create({ data: { id: 'long', shell: '/bin/sh', cwd: '/', status: 'terminated', endedAt: old } });
    await app.db.sessionOutput.createMany({ data: Array.from({ length: 23 }, (_, i) => ({ sessionId: 'long', seq: i + 1, data: Buffer.from('x') })) });
    await app.db.systemMetric.createMany({ data: Array.from({ length: 11 }, () => ({ metric: 'm', value: 0, createdAt: old })) });

    const statements: string[] = [];
    const counting = new Proxy(app.db, {
      get(target, property, receiver) {
        if (property === '$executeRawUnsafe') {
          return (sql: string, ...values: unknown[]) => {
            statements.push(sql);
            return target.$executeRawUnsafe(sql, ...values);
          };
        }
        return Reflect.get(target, property, receiver);
      },
    });
    const prune = createPruneService({ db: counting, clock, retention: config.maintenance.retention, sessionIdleTimeoutMs: DAY, batchSize: 5 });
    const result = await prune.prune(pino({ level: 'silent' }));
    expect(result).toMatchObject({ terminatedSessions: 1, sessionOutputs: 23, systemMetrics: 11 });
    // 23 rows in batches of 5: five full-or-partial DELETEs (5, 5, 5, 5, 3).
    expect(statements).toHaveLength(5);
    expect(await app.db.sessionOutput.count()).toBe(0);
    expect(await app.db.systemMetric.count()).toBe(0);
  });
});
