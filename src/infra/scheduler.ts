import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createTask, type ScheduledTask } from 'node-cron';
import cronstrue from 'cronstrue';
import type { MaintenanceConfig } from '../config/maintenance.js';
import { AppError, conflict, notFound } from '../http/errors.js';
import type { Clock } from './clock.js';
import type { Database } from './database/client.js';
import type { Metrics } from './metrics.js';

/** What a job reports about a run (bytes written, rows deleted…); stored as JSON in JobRun.details. */
export type JobDetails = Record<string, unknown>;

export type JobTrigger = 'schedule' | 'api' | 'cli';

export interface JobContext {
  trigger: JobTrigger;
  log: FastifyBaseLogger;
}

/** A job as the scheduler sees it: its dependencies are already bound by the feature that owns it. */
export interface SchedulableJob {
  name: string;
  /** A cron expression (validated in the config schema). */
  schedule: string;
  run(context: JobContext): Promise<JobDetails>;
  /** Log start and finish at debug level (a job that runs every minute); failures are always errors. */
  isQuiet?: boolean;
}

export interface JobRunRecord {
  id: number;
  jobName: string;
  trigger: JobTrigger;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  durationMs: number;
  details: JobDetails;
  error?: string;
}

export interface JobSummary {
  name: string;
  schedule: string;
  timezone: string;
  isScheduled: boolean;
  isRunning: boolean;
  nextRunAt: Date | null;
}

export interface SchedulerDeps {
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
  metrics?: Metrics;
  timezone: string;
}

/**
 * Runs named jobs on cron schedules and on demand, on one code path: a job never overlaps itself
 * (a second request while it runs is refused), every run is recorded in `job_runs`, and a failure
 * is logged and recorded without stopping anything else.
 */
export function createScheduler({ db, clock, log, metrics, timezone }: SchedulerDeps) {
  const jobs = new Map<string, SchedulableJob>();
  const running = new Map<string, Promise<JobRunRecord>>();
  const tasks = new Map<string, ScheduledTask>();
  let isStopping = false;

  async function recordStart(name: string, startedAt: Date): Promise<number | null> {
    try {
      const row = await db.jobRun.create({ data: { jobName: name, startedAt } });
      return row.id;
    } catch (error) {
      log.error({ err: error, job: name }, 'could not record the start of a job run');
      return null;
    }
  }

  async function recordEnd(id: number | null, name: string, data: { finishedAt: Date; ok: boolean; details: JobDetails }) {
    const values = { finishedAt: data.finishedAt, ok: data.ok, details: JSON.stringify(data.details) };
    try {
      if (id === null) return (await db.jobRun.create({ data: { jobName: name, startedAt: data.finishedAt, ...values } })).id;
      await db.jobRun.update({ where: { id }, data: values });
      return id;
    } catch (error) {
      log.error({ err: error, job: name }, 'could not record the end of a job run');
      return id ?? -1;
    }
  }

  async function execute(job: SchedulableJob, trigger: JobTrigger): Promise<JobRunRecord> {
    const startedAt = clock.now();
    const started = performance.now();
    const jobLog = log.child({ job: job.name, trigger });
    metrics?.jobsRunning.set({ job: job.name }, 1);
    const id = await recordStart(job.name, startedAt);
    const logRoutine = job.isQuiet ? jobLog.debug.bind(jobLog) : jobLog.info.bind(jobLog);
    logRoutine('job started');
    let ok = true;
    let details: JobDetails = {};
    let errorMessage: string | undefined;
    try {
      details = (await job.run({ trigger, log: jobLog })) ?? {};
    } catch (error) {
      ok = false;
      errorMessage = error instanceof Error ? error.message : String(error);
      jobLog.error({ err: error }, 'job failed');
    }
    const durationMs = Math.round(performance.now() - started);
    const finishedAt = clock.now();
    const stored: JobDetails = { trigger, durationMs, ...details, ...(errorMessage ? { error: errorMessage } : {}) };
    const recordId = await recordEnd(id, job.name, { finishedAt, ok, details: stored });
    metrics?.jobsRunning.set({ job: job.name }, 0);
    metrics?.jobRuns.inc({ job: job.name, outcome: ok ? 'ok' : 'failed' });
    metrics?.jobDuration.observe({ job: job.name }, durationMs / 1000);
    if (!ok) metrics?.jobFailures.inc({ job: job.name });
    if (ok) logRoutine({ durationMs, details }, 'job finished');
    return {
      id: recordId,
      jobName: job.name,
      trigger,
      startedAt,
      finishedAt,
      ok,
      durationMs,
      details: stored,
      ...(errorMessage ? { error: errorMessage } : {}),
    };
  }

  const scheduler = {
    /** Adds a job; call before start(). Names are unique. */
    add(job: SchedulableJob) {
      if (jobs.has(job.name)) throw new Error(`Job "${job.name}" is registered twice.`);
      jobs.set(job.name, job);
      // Zero-valued series from the start, so a dashboard sees "no failures" rather than "no data".
      metrics?.jobFailures.inc({ job: job.name }, 0);
      metrics?.jobsRunning.set({ job: job.name }, 0);
    },

    has(name: string): boolean {
      return jobs.has(name);
    },

    isRunning(name: string): boolean {
      return running.has(name);
    },

    /**
     * Runs a job now and resolves with the recorded run; a job's failure resolves too (ok: false).
     * Throws 404 for an unknown job and 409 while the same job is still running.
     */
    run(name: string, trigger: JobTrigger): Promise<JobRunRecord> {
      const job = jobs.get(name);
      if (!job) {
        return Promise.reject(notFound(`There is no job named "${name}". Known jobs: ${[...jobs.keys()].join(', ')}.`));
      }
      if (running.has(name)) {
        return Promise.reject(
          conflict('job_running', `The ${name} job is running right now. Wait for it to finish, then try again.`),
        );
      }
      if (isStopping) {
        return Promise.reject(new AppError(503, 'shutting_down', 'Shellport is shutting down; run the job after it restarts.'));
      }
      const promise = execute(job, trigger).finally(() => running.delete(name));
      running.set(name, promise);
      return promise;
    },

    /** The cron tick: starts a run unless one is still going, never throws. */
    runScheduled(name: string) {
      if (running.has(name)) {
        log.warn({ job: name }, 'skipped a scheduled run: the previous run is still going');
        return;
      }
      fireAndForget(log, `scheduled ${name} job`, scheduler.run(name, 'schedule'));
    },

    list(): JobSummary[] {
      return [...jobs.values()].map((job) => {
        const task = tasks.get(job.name);
        return {
          name: job.name,
          schedule: job.schedule,
          timezone,
          isScheduled: task !== undefined,
          isRunning: running.has(job.name),
          nextRunAt: task?.getNextRun() ?? null,
        };
      });
    },

    /** Creates a cron task for every job added so far. */
    start() {
      for (const job of jobs.values()) {
        if (tasks.has(job.name)) continue;
        const task = createTask(job.schedule, () => scheduler.runScheduled(job.name), {
          name: `shellport-${job.name}`,
          timezone,
          logger: cronLogger(log),
        });
        tasks.set(job.name, task);
        void task.start();
      }
      if (tasks.size > 0) log.info({ jobs: scheduler.list().map(({ name, schedule }) => ({ name, schedule, runs: describeSchedule(schedule) })), timezone }, 'scheduler started');
    },

    /** Stops the cron tasks and waits (bounded) for runs in progress to finish. */
    async stop(timeoutMs = 30_000) {
      isStopping = true;
      for (const task of tasks.values()) await task.destroy();
      tasks.clear();
      if (running.size === 0) return;
      log.info({ jobs: [...running.keys()] }, 'waiting for running jobs to finish');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([Promise.allSettled([...running.values()]), timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') log.warn({ jobs: [...running.keys()] }, 'jobs still running at shutdown; abandoning them');
    },
  };
  return scheduler;
}

export type Scheduler = ReturnType<typeof createScheduler>;

/** The one way to start work nobody awaits (cron ticks, background runs): rejections are logged, never lost. */
export function fireAndForget(log: FastifyBaseLogger, what: string, work: Promise<unknown>): void {
  work.catch((error: unknown) => log.error({ err: error }, `${what} failed`));
}

/** A cron schedule in words for the log ("At 02:00, only on Sunday"); the expression itself if cronstrue cannot read it. */
function describeSchedule(schedule: string): string {
  try {
    return cronstrue.toString(schedule, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return schedule;
  }
}

function cronLogger(log: FastifyBaseLogger) {
  return {
    info: (message: string) => log.debug({ source: 'node-cron' }, message),
    warn: (message: string) => log.warn({ source: 'node-cron' }, message),
    error: (message: string | Error, err?: Error) => log.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message: string | Error) => log.debug({ source: 'node-cron' }, String(message)),
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    scheduler: Scheduler;
  }
}

export interface SchedulerPluginOptions {
  config: Pick<MaintenanceConfig, 'isSchedulerEnabled' | 'timezone'>;
  clock: Clock;
}

/**
 * Decorates `app.scheduler`. Features add their jobs while they register; the cron tasks start
 * once the app is ready (only when SCHEDULER_ENABLED) and stop, waiting for runs in progress,
 * before the database closes.
 */
export const schedulerPlugin = fp(
  async (app: FastifyInstance, { config, clock }: SchedulerPluginOptions) => {
    const scheduler = createScheduler({ db: app.db, clock, log: app.log, metrics: app.metrics, timezone: config.timezone });
    app.decorate('scheduler', scheduler);
    app.addHook('onReady', async () => {
      if (config.isSchedulerEnabled) scheduler.start();
      else app.log.info('scheduler disabled (SCHEDULER_ENABLED=false): jobs run only on demand');
    });
    app.addHook('onClose', async () => scheduler.stop());
  },
  { name: 'scheduler', dependencies: ['database', 'metrics'] },
);
