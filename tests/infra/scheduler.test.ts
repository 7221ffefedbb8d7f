import { describe, expect, it, vi } from 'vitest';
import { createScheduler, type JobDetails } from '../../src/infra/scheduler.js';
import { buildTestApp } from '../helpers/app.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function schedulerApp(env: Record<string, string> = {}) {
  const testApp = await buildTestApp({ SCHEDULER_ENABLED: 'false', ...env });
  const { app, clock } = testApp;
  const scheduler = createScheduler({ db: app.db, clock, log: app.log, metrics: app.metrics, timezone: 'UTC' });
  return { ...testApp, scheduler };
}

describe('the scheduler', () => {
  it('never overlaps a job: a second run while one is going is refused with 409, and a cron tick is skipped', async () => {
    const { app, scheduler, logLines } = await schedulerApp();
    const gate = deferred();
    let started = 0;
    scheduler.add({
      name: 'slow',
      schedule: '0 0 1 1 *',
      run: async () => {
        started += 1;
        await gate.promise;
        return { done: true };
      },
    });

    const first = scheduler.run('slow', 'api');
    expect(scheduler.isRunning('slow')).toBe(true);
    await expect(scheduler.run('slow', 'api')).rejects.toMatchObject({ statusCode: 409, code: 'job_running' });
    scheduler.runScheduled('slow');
    expect(logLines().some((line) => line.msg === 'skipped a scheduled run: the previous run is still going' && line.job === 'slow')).toBe(true);

    gate.resolve();
    const run = await first;
    expect(started).toBe(1);
    expect(run).toMatchObject({ jobName: 'slow', ok: true, trigger: 'api', details: { done: true, trigger: 'api' } });
    expect(scheduler.isRunning('slow')).toBe(false);

    const rows = await app.db.jobRun.findMany({ where: { jobName: 'slow' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ ok: true, finishedAt: expect.any(Date) });
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ done: true, durationMs: expect.any(Number) });

    // Once finished it runs again.
    await expect(scheduler.run('slow', 'cli').then((r) => r.ok)).resolves.toBe(true);
    expect(started).toBe(2);
  });

  it('records a failing job, logs it, counts it, and the next run still happens', async () => {
    const { app, scheduler, logLines, clock } = await schedulerApp();
    let attempt = 0;
    scheduler.add({
      name: 'flaky',
      schedule: '0 0 1 1 *',
      run: async (): Promise<JobDetails> => {
        attempt += 1;
        if (attempt === 1) throw new Error('disk on fire');
        return { attempt };
      },
    });

    const failed = await scheduler.run('flaky', 'schedule');
    expect(failed).toMatchObject({ ok: false, error: 'disk on fire' });
    expect(logLines().some((line) => line.msg === 'job failed' && line.job === 'flaky' && line.level === 50)).toBe(true);

    clock.advance(60_000);
    const next = await scheduler.run('flaky', 'schedule');
    expect(next).toMatchObject({ ok: true, details: { attempt: 2 } });

    const rows = await app.db.jobRun.findMany({ where: { jobName: 'flaky' }, orderBy: { startedAt: 'asc' } });
    expect(rows.map((row) => row.ok)).toEqual([false, true]);
    expect(JSON.parse(rows[0]!.details)).toMatchObject({ error: 'disk on fire' });
    // Recorded with the app's clock.
    expect(rows[1]!.startedAt.getTime() - rows[0]!.startedAt.getTime()).toBe(60_000);

    const text = await app.metrics.registry.metrics();
    expect(text).toContain('shellport_job_failures_total{job="flaky"} 1');
    expect(text).toContain('shellport_job_runs_total{job="flaky",outcome="ok"} 1');
  });

  it('refuses an unknown job with 404 naming the known ones', async () => {
    const { scheduler } = await schedulerApp();
    scheduler.add({ name: 'known', schedule: '* * * * *', run: async () => ({}) });
    await expect(scheduler.run('nope', 'api')).rejects.toMatchObject({ statusCode: 404, message: expect.stringContaining('known') });
  });

  it('runs jobs on their cron schedule, goes on after a failed tick, and stops, waiting for a run in progress', async () => {
    const { scheduler, app } = await schedulerApp();
    let runs = 0;
    const gate = deferred();
    scheduler.add({
      name: 'every-second',
      schedule: '* * * * * *',
      run: async () => {
        runs += 1;
        if (runs === 1) throw new Error('first tick fails');
        if (runs === 2) await gate.promise;
        return {};
      },
    });
    scheduler.start();
    expect(scheduler.list()[0]).toMatchObject({ name: 'every-second', isScheduled: true, nextRunAt: expect.any(Date) });
    await vi.waitFor(() => expect(runs).toBeGreaterThanOrEqual(2), { timeout: 10_000, interval: 20 });

    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false); // still waiting for the second run
    gate.resolve();
    await stopping;
    const runsAtStop = runs;
    await expect(scheduler.run('every-second', 'api')).rejects.toMatchObject({ code: 'shutting_down' });
    const rows = await app.db.jobRun.findMany({ where: { jobName: 'every-second' }, orderBy: { id: 'asc' } });
    expect(rows.map((row) => [row.ok, JSON.parse(row.details).trigger])).toEqual([
      [false, 'schedule'],
      [true, 'schedule'],
    ]);
    expect(runs).toBe(runsAtStop);
  });

  it('starts the configured jobs when the app is ready, and only when SCHEDULER_ENABLED', async () => {
    const enabled = await buildTestApp({ SCHEDULER_ENABLED: 'true', BACKUP_SCHEDULE: '30 4 * * *' });
    await enabled.app.ready();
    const jobs = enabled.app.scheduler.list();
    expect(jobs.map((job) => job.name).sort()).toEqual(['backup', 'metrics', 'prune', 'vacuum']);
    expect(jobs.find((job) => job.name === 'backup')).toMatchObject({ schedule: '30 4 * * *', isScheduled: true, timezone: 'UTC' });
    expect(jobs.find((job) => job.name === 'backup')!.nextRunAt!.getUTCHours()).toBe(4);

    const disabled = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    await disabled.app.ready();
    expect(disabled.app.scheduler.list().every((job) => !job.isScheduled)).toBe(true);
  });
});
