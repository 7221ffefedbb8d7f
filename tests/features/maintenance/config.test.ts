import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

describe('maintenance and metrics configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ DATA_DIR: '/srv/shellport' });
    expect(config.maintenance).toMatchObject({
      isSchedulerEnabled: true,
      timezone: 'UTC',
      schedules: { backup: '0 2 * * *', prune: '0 1 * * *', vacuum: '0 3 * * 0', metrics: '* * * * *' },
      backupDir: path.resolve('/srv/shellport/backups'),
      backupRetentionCount: 7,
      backupMaxAgeMs: 26 * 3_600_000,
      retention: { terminatedSessionsMs: 7 * 86_400_000, authLogsMs: 30 * 86_400_000, metricsMs: 7 * 86_400_000, jobRunsMs: 30 * 86_400_000 },
    });
    expect(config.metrics.token).toBeUndefined();
    expect(loadConfig({ DATA_DIR: '/srv/shellport', BACKUP_DIR: '/mnt/backups' }).maintenance.backupDir).toBe('/mnt/backups');
  });

  it('refuses invalid cron expressions and time zones, and never echoes the metrics token', () => {
    let error: unknown;
    try {
      loadConfig({ BACKUP_SCHEDULE: 'every night', SCHEDULER_TIMEZONE: 'Mars/Olympus', METRICS_TOKEN: 'short-secret', BACKUP_RETENTION_COUNT: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(['BACKUP_RETENTION_COUNT', 'BACKUP_SCHEDULE', 'METRICS_TOKEN', 'SCHEDULER_TIMEZONE']);
    expect(problems.find((p) => p.variable === 'BACKUP_SCHEDULE')!.expected).toContain('cron expression');
    expect((error as Error).message).not.toContain('short-secret');
  });
});
