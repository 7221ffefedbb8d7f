import type { MaintenanceJob } from './types.js';

/** One sample of CPU, memory, load, disk, database size and active terminals into system_metrics. */
export const metricsJob: MaintenanceJob = {
  name: 'metrics',
  schedule: (schedules) => schedules.metrics,
  // Every minute: an info line per run would drown the log.
  isQuiet: true,
  async run({ sampler }) {
    return sampler.sample();
  },
};
