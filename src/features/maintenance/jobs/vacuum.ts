import type { MaintenanceJob } from './types.js';

/** VACUUM, PRAGMA optimize and a WAL checkpoint. */
export const vacuumJob: MaintenanceJob = {
  name: 'vacuum',
  schedule: (schedules) => schedules.vacuum,
  async run({ vacuum }, { log }) {
    const result = await vacuum.vacuum(log);
    return { ...result, bytesFreed: result.bytesBefore - result.bytesAfter };
  },
};
