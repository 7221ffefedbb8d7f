import { describe, expect, it } from 'vitest';
import { databaseBytes } from '../../../src/features/maintenance/vacuum.js';
import { buildTestApp, injectAsOwner } from '../../helpers/app.js';

describe('vacuum', () => {
  it('shrinks the database after a large delete, while the app keeps its connection, and checkpoints the WAL', async () => {
    const { app, config, logLines } = await buildTestApp({ SCHEDULER_ENABLED: 'false' });
    await app.db.terminal.create({ data: { id: 'big', shell: '/bin/sh', cwd: '/', status: 'terminated' } });
    const filler = 'x'.repeat(8192);
    for (let batch = 0; batch < 4; batch += 1) {
      await app.db.systemMetric.createMany({ data: Array.from({ length: 150 }, () => ({ metric: filler, value: 0 })) });
    }
    await app.db.systemMetric.deleteMany({});
    await app.db.$executeRawUnsafe('PRAGMA wal_checkpoint(TRUNCATE)');
    const before = await databaseBytes(config.storage.databaseFile);
    expect(before).toBeGreaterThan(4 * 1024 * 1024);

    const response = await injectAsOwner(app, { method: 'POST', url: '/api/maintenance/jobs/vacuum/run' });
    expect(response.statusCode).toBe(200);
    const { details } = response.json().run;
    expect(details.bytesBefore).toBeGreaterThan(4 * 1024 * 1024);
    expect(details.bytesAfter).toBeLessThan(512 * 1024);
    expect(details.walCheckpoint.busy).toBe(0);
    expect(await databaseBytes(config.storage.databaseFile)).toBeLessThan(512 * 1024);
    expect(logLines().find((line) => line.msg === 'vacuum finished')).toMatchObject({ bytesBefore: expect.any(Number), bytesAfter: expect.any(Number) });

    // The app's own connection still works afterwards.
    expect(await app.db.terminal.count()).toBe(1);
  });
});
