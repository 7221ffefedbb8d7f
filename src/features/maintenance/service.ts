import type { Config } from '../../config/index.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import type { Scheduler } from '../../infra/scheduler.js';
import { readBackupKey } from './backup-encryption.js';
import { createBackupService } from './backups.js';
import { MAINTENANCE_JOBS, type MaintenanceDeps } from './jobs/index.js';
import { createMetricsSampler } from './metrics-sampler.js';
import { removeScrollback } from '../terminals/scrollback-files.js';
import { createPruneService } from './prune.js';
import { createVacuumService } from './vacuum.js';

export interface MaintenanceServiceDeps {
  config: Pick<Config, 'storage' | 'maintenance' | 'auth'>;
  db: Database;
  clock: Clock;
  metrics?: Metrics;
  /** Told the ids of expired sign-in sessions the prune job deleted. */
  onAuthSessionsEnded?: (sessionIds: readonly string[]) => void;
}

/**
 * Backups, pruning, VACUUM and the metrics sampler, and the jobs that run them. The server and the
 * CLI both build this and hand the jobs to a scheduler, so `npm run backup` and
 * `POST /api/maintenance/jobs/backup/run` run the same code. Throws BackupKeyError when
 * BACKUP_KEY_FILE is set but unusable: better at start-up than at the night's backup.
 */
export function createMaintenanceService({ config, db, clock, metrics, onAuthSessionsEnded }: MaintenanceServiceDeps) {
  const { storage, maintenance } = config;
  const backups = createBackupService({
    databaseFile: storage.databaseFile,
    backupDir: maintenance.backupDir,
    retentionCount: maintenance.backupRetentionCount,
    clock,
    backupKey: maintenance.backupKeyFile ? readBackupKey(maintenance.backupKeyFile) : null,
  });

  /** Sets the backup gauges from the files in BACKUP_DIR (a CLI backup shows up too). */
  async function refreshBackupGauges() {
    if (!metrics) return;
    const [latest] = await backups.listBackups();
    metrics.lastSuccessfulBackup.set(latest ? Math.floor(latest.createdAt.getTime() / 1000) : 0);
    metrics.backupSize.set(latest?.sizeBytes ?? 0);
  }

  const deps: MaintenanceDeps = {
    backups,
    prune: createPruneService({
      db,
      clock,
      retention: maintenance.retention,
      sessionIdleTimeoutMs: config.auth.sessionIdleTimeoutMs,
      removeSessionOutput: (sessionId) => removeScrollback(storage.scrollbackDir, sessionId),
      onAuthSessionsEnded,
    }),
    vacuum: createVacuumService({ databaseFile: storage.databaseFile }),
    sampler: createMetricsSampler({ db, clock, dataDir: storage.dataDir, databaseFile: storage.databaseFile, metrics }),
    onBackupWritten: refreshBackupGauges,
  };

  return {
    ...deps,
    refreshBackupGauges,
    /** Adds every maintenance job to the scheduler, with its schedule from the config. */
    registerJobs(scheduler: Scheduler) {
      for (const job of MAINTENANCE_JOBS) {
        scheduler.add({
          name: job.name,
          schedule: job.schedule(maintenance.schedules),
          isQuiet: job.isQuiet,
          run: async (context) => {
            const details = await job.run(deps, context);
            // Every sample tick also picks up backups written by the CLI in another process.
            if (job.name === 'metrics') await refreshBackupGauges();
            return details;
          },
        });
      }
    },
  };
}

export type MaintenanceService = ReturnType<typeof createMaintenanceService>;
