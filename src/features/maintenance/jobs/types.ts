import type { JobSchedules } from '../../../config/maintenance.js';
import type { JobContext, JobDetails } from '../../../infra/scheduler.js';
import type { BackupService } from '../backups.js';
import type { MetricsSampler } from '../metrics-sampler.js';
import type { PruneService } from '../prune.js';
import type { VacuumService } from '../vacuum.js';

/** What maintenance jobs may use; built once by createMaintenanceService(). */
export interface MaintenanceDeps {
  backups: BackupService;
  prune: PruneService;
  vacuum: VacuumService;
  sampler: MetricsSampler;
  /** Called after a backup succeeds (the server refreshes its backup gauges). */
  onBackupWritten?: () => Promise<void> | void;
}

/** One maintenance job: a name, where its schedule comes from, and what a run does. */
export interface MaintenanceJob {
  name: string;
  schedule(schedules: JobSchedules): string;
  run(deps: MaintenanceDeps, context: JobContext): Promise<JobDetails>;
  /** Log routine runs at debug level only. */
  isQuiet?: boolean;
}
