import { describe, expect, it } from 'vitest';
import { createReadinessRegistry } from '../../../src/features/health/readiness.js';

describe('readiness registry', () => {
  it('is ready with warnings, and not ready when any check fails or throws', async () => {
    const registry = createReadinessRegistry();
    registry.add('fine', () => ({ status: 'ok', message: 'fine' }));
    registry.add('backups', async () => ({ status: 'warn', message: 'last backup is 3 days old' }));
    expect(await registry.run()).toEqual({
      status: 'ready',
      checks: { fine: { status: 'ok', message: 'fine' }, backups: { status: 'warn', message: 'last backup is 3 days old' } },
    });

    registry.add('database', async () => {
      throw new Error('SQLITE_CANTOPEN: unable to open database file');
    });
    const report = await registry.run();
    expect(report.status).toBe('not_ready');
    expect(report.checks.database).toEqual({ status: 'fail', message: 'SQLITE_CANTOPEN: unable to open database file' });
  });

  it('refuses the same check name twice', () => {
    const registry = createReadinessRegistry();
    registry.add('x', () => ({ status: 'ok', message: '' }));
    expect(() => registry.add('x', () => ({ status: 'ok', message: '' }))).toThrow(/registered twice/);
  });
});
