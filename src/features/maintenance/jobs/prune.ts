import type { MaintenanceJob } from './types.js';

/** Deletes rows past their retention, in batches. */
export const pruneJob: MaintenanceJob = {
  name: 'prune',
  schedule: (schedules) => schedules.prune,
  async run({ prune }, { log }) {
    const deleted = await prune.prune(log);
    return { deleted, rowsDeleted: Object.values(deleted).reduce((sum, count) => sum + count, 0) };
  },
};
