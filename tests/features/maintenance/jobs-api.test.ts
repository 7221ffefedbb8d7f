import { describe, expect, it } from 'vitest';
import { buildTestApp, injectAsOwner } from '../../helpers/app.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

describe('the maintenance jobs API', () => {
  it('lists the jobs with their schedules and last runs', async () => {
    const { app } = await buildTestApp({ SCHEDULER_ENABLED: 'false', PRUNE_SCHEDULE: '15 1 * * *', SCHEDULER_TIMEZONE: 'Europe/Berlin' });
    await app.scheduler.run('prune', 'api');
    const response = await injectAsOwner(app, { method: 'GET', url: '/api/maintenance/jobs' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ timezone: 'Europe/Berlin', isSchedulerEnabled: false });
    const prune = body.jobs.find((job: { name: string }) => job.name === 'prune');
    expect(prune).toMatchObject({
      schedule: '15 1 * * *',
      isRunning: false,
      lastRun: { ok: true, details: expect.objectContaining({ trigger: 'api', deleted: expect.any(Object) }) },
      lastSuccessAt: expect.any(String),
    });
    expect(body.jobs.find((job: { name: string }) => job.name === 'backup')).toMatchObject({ lastRun: null, lastSuccessAt: null });
  });

  it('runs a job on demand: 409 while it is running, 404 for an unknown job, 401 without sign-in', async () => {
    const { app } = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    const gate = deferred();
    app.scheduler.add({ name: 'slow', schedule: '0 0 1 1 *', run: async () => (await gate.promise, { waited: true }) });

    const first = injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/slow/run' });
    await new Promise<void>((resolve) => {
      const check = () => (app.scheduler.isRunning('slow') ? resolve() : setImmediate(check));
      check();
    });
    const second = await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/slow/run' });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({ code: 'job_running', message: expect.stringContaining('Wait for it to finish') });
    gate.resolve();
    expect((await first).json().run).toMatchObject({ jobName: 'slow', ok: true, details: { waited: true } });

    expect((await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/nope/run' })).statusCode).toBe(404);
    expect((await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/NOT%20A%20NAME/run' })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/maintenance/jobs/backup/run' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/maintenance/jobs' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/maintenance/backups' })).statusCode).toBe(401);
  });

  it('answers a failed run with job_failed and the recorded run', async () => {
    const { app } = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    app.scheduler.add({
      name: 'broken',
      schedule: '0 0 1 1 *',
      run: async () => {
        throw new Error('no space left on device');
      },
    });
    const response = await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/broken/run' });
    expect(response.statusCode).toBe(500);
    expect(response.json().error).toMatchObject({
      code: 'job_failed',
      message: expect.stringContaining('no space left on device'),
      details: { run: { ok: false, jobName: 'broken' } },
    });
    expect(await app.db.jobRun.count({ where: { jobName: 'broken', ok: false } })).toBe(1);
  });
});
