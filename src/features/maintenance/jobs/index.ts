import { backupJob } from './backup.js';
import { metricsJob } from './metrics.js';
import { pruneJob } from './prune.js';
import { vacuumJob } from './vacuum.js';

export const MAINTENANCE_JOBS = [backupJob, pruneJob, vacuumJob, metricsJob];
export type { MaintenanceDeps, MaintenanceJob } from './types.js';
