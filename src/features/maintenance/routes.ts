import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import type { JobRunRecord } from '../../infra/scheduler.js';
import { formatDuration } from '../../shared/units.js';
import { AppError } from '../../http/errors.js';
import type { CheckResult, ReadinessRegistry } from '../health/readiness.js';
import { checkDataProtection } from './data-protection.js';
import { metricsRoutes } from './metrics-routes.js';
import { jobParamsSchema } from './schemas.js';
import { createMaintenanceService, type MaintenanceService } from './service.js';
import type { BackupList, JobList, JobRunView } from '../../shared/maintenance.js';

export interface MaintenanceRoutesOptions {
  config: Config;
  clock: Clock;
  readiness: ReadinessRegistry;
}

/**
 * The readiness check: the age of the newest verified backup. Never fails readiness (the server
 * works without backups); it warns once the newest one is older than BACKUP_MAX_AGE_HOURS, and
 * warns about "no backup yet" only once the server has been up longer than that.
 */
export function createBackupReadinessCheck(service: MaintenanceService, config: Config, clock: Clock, startedAt: Date) {
  const maxAgeMs = config.maintenance.backupMaxAgeMs;
  const limit = `BACKUP_MAX_AGE_HOURS (${maxAgeMs / 3_600_000} h)`;
  return async (): Promise<CheckResult> => {
    const [latest] = await service.backups.listBackups();
    const now = clock.now();
    if (!latest) {
      const upMs = now.getTime() - startedAt.getTime();
      return {
        status: upMs > maxAgeMs ? 'warn' : 'ok',
        message:
          upMs > maxAgeMs
            ? `No backup yet after ${formatDuration(upMs)} of uptime, longer than ${limit}. Check the backup job (GET /api/maintenance/jobs) and the server log, or run \`npm run backup\`.`
            : 'No backup yet; the backup job writes the first one on its schedule.',
        lastBackupAt: null,
        ageSeconds: null,
      };
    }
    const ageMs = Math.max(0, now.getTime() - latest.createdAt.getTime());
    const detail = { lastBackupAt: latest.createdAt.toISOString(), ageSeconds: Math.floor(ageMs / 1000), file: latest.name };
    if (ageMs > maxAgeMs) {
      return {
        status: 'warn',
        message: `The newest backup (${latest.name}) is ${formatDuration(ageMs)} old, older than ${limit}. Check the backup job's last runs (GET /api/maintenance/jobs) and the server log.`,
        ...detail,
      };
    }
    return { status: 'ok', message: ageMs < 60_000 ? 'The newest backup was made just now.' : `The newest backup is ${formatDuration(ageMs)} old.`, ...detail };
  };
}

function serializeRun(run: JobRunRecord) {
  return { ...run, startedAt: run.startedAt.toISOString(), finishedAt: run.finishedAt.toISOString() };
}

/** Maintenance jobs, backups and metrics: registers the jobs with the scheduler and the routes. */
export async function maintenanceRoutes(fastify: FastifyInstance, { config, clock, readiness }: MaintenanceRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const service = createMaintenanceService({
    config,
    db: app.db,
    clock,
    metrics: app.metrics,
    // Expired sessions the prune job deletes end their terminal connections too.
    onAuthSessionsEnded: app.auth.sessions.reportEnded,
  });
  service.registerJobs(app.scheduler);
  readiness.add('backup', createBackupReadinessCheck(service, config, clock, clock.now()));
  readiness.add('dataProtection', () => checkDataProtection(config));
  const protection = checkDataProtection(config);
  if (protection.status !== 'ok') app.log.warn({ backupDir: config.maintenance.backupDir }, protection.message);
  app.addHook('onReady', async () => {
    await service.refreshBackupGauges().catch((error: unknown) => app.log.warn({ err: error }, 'could not read BACKUP_DIR'));
  });

  app.get('/api/maintenance/jobs', async (): Promise<JobList> => {
    const summaries = app.scheduler.list();
    const lastRuns = await Promise.all(
      summaries.map((job) => app.db.jobRun.findFirst({ where: { jobName: job.name }, orderBy: { startedAt: 'desc' } })),
    );
    const lastSuccesses = await Promise.all(
      summaries.map((job) => app.db.jobRun.findFirst({ where: { jobName: job.name, ok: true }, orderBy: { startedAt: 'desc' } })),
    );
    return {
      timezone: config.maintenance.timezone,
      isSchedulerEnabled: config.maintenance.isSchedulerEnabled,
      jobs: summaries.map((job, index) => ({
        ...job,
        nextRunAt: job.nextRunAt?.toISOString() ?? null,
        lastRun: toRunView(lastRuns[index] ?? null),
        lastSuccessAt: lastSuccesses[index]?.finishedAt?.toISOString() ?? null,
      })),
    };
  });

  app.post('/api/maintenance/jobs/:name/run', { schema: { params: jobParamsSchema } }, async (request) => {
    const { name } = request.params;
    const run = await app.scheduler.run(name, 'api');
    if (!run.ok) {
      throw new AppError(
        500,
        'job_failed',
        `The ${name} job failed: ${run.error ?? 'unknown error'}. The run is recorded in the job history; details are in the server log.`,
        { run: serializeRun(run) },
      );
    }
    return { run: serializeRun(run) };
  });

  app.get('/api/maintenance/backups', async (): Promise<BackupList> => {
    const backups = await service.backups.listBackups();
    return {
      directory: config.maintenance.backupDir,
      retentionCount: config.maintenance.backupRetentionCount,
      backups: backups.map(({ name, sizeBytes, createdAt, verified }) => ({ name, sizeBytes, createdAt: createdAt.toISOString(), verified })),
    };
  });

  await app.register(metricsRoutes, { config, clock });
}

function toRunView(row: { id: number; startedAt: Date; finishedAt: Date | null; ok: boolean | null; details: string } | null): JobRunView | null {
  if (!row) return null;
  let details: unknown = {};
  try {
    details = JSON.parse(row.details);
  } catch {
    details = { raw: row.details };
  }
  return {
    id: row.id,
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    ok: row.ok,
    details,
  };
}
