import type { MaintenanceJob } from './types.js';

/** A verified, compressed online backup, then retention. */
export const backupJob: MaintenanceJob = {
  name: 'backup',
  schedule: (schedules) => schedules.backup,
  async run({ backups, onBackupWritten }, { log }) {
    const result = await backups.createBackup(log);
    await onBackupWritten?.();
    return {
      file: result.name,
      bytes: result.sizeBytes,
      databaseBytes: result.databaseBytes,
      pages: result.pages,
      removed: result.removed,
    };
  },
};
