import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { createHealthService } from '../../../src/features/health/service.js';
import { parseOpenFileLimits } from '../../../src/infra/file-descriptors.js';
import { buildTestApp, makeTempDir } from '../../helpers/app.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             127537               127537               processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

function service(open: number, soft = 1000, hard = 4000) {
  const dataDir = makeTempDir();
  const config = loadConfig({ DATA_DIR: dataDir });
  return createHealthService({ db: undefined as never, storage: config.storage, migrationsDir: '', fileDescriptors: () => ({ open, limits: { soft, hard } }) });
}

describe('file descriptors', () => {
  it('reads the open-files limits of /proc/self/limits', () => {
    expect(parseOpenFileLimits(LIMITS)).toEqual({ soft: 1024, hard: 524288 });
    expect(parseOpenFileLimits(LIMITS.replace('1024                 524288', 'unlimited            unlimited'))).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseOpenFileLimits('nothing here')).toBeNull();
  });

  it('warns from 80 % of the limit and fails from 95 %, saying how to raise it', () => {
    expect(service(100).checkFileDescriptors()).toMatchObject({ status: 'ok', message: '100 of 1000 open files in use.', open: 100, limit: 1000 });
    expect(service(850).checkFileDescriptors()).toMatchObject({ status: 'warn', message: expect.stringMatching(/^850 of 1000 open files in use\. .*LimitNOFILE=.*hard limit is 4000/) });
    expect(service(960).checkFileDescriptors()).toMatchObject({ status: 'fail', message: expect.stringMatching(/new terminals and files will fail/) });
  });

  it('are reported by /readyz and /metrics for this process', async () => {
    const { app } = await buildTestApp();
    const ready = (await app.inject({ method: 'GET', url: '/readyz' })).json();
    expect(ready.checks.fileDescriptors).toMatchObject({ status: 'ok', open: expect.any(Number), limit: expect.any(Number) });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^shellport_process_open_fds \d+$/m);
    expect(metrics.body).toMatch(/^shellport_process_max_fds \d+$/m);
  });
});

describe('the writable DATA_DIR check', () => {
  it('writes its probe file at most once per 30 s, however often /readyz is asked', async () => {
    const dataDir = makeTempDir();
    let now = 0;
    const config = loadConfig({ DATA_DIR: dataDir });
    const health = createHealthService({ db: undefined as never, storage: config.storage, migrationsDir: '', now: () => now });
    expect(await health.checkDataDirWritable()).toMatchObject({ status: 'ok' });
    rmSync(dataDir, { recursive: true });
    now = 29_000;
    expect(await health.checkDataDirWritable()).toMatchObject({ status: 'ok' });
    expect(existsSync(dataDir)).toBe(false);
    now = 30_000;
    expect(await health.checkDataDirWritable()).toMatchObject({ status: 'fail' });
    // A failure is checked again at once: it says when the problem is fixed.
    mkdirSync(dataDir);
    expect(await health.checkDataDirWritable()).toMatchObject({ status: 'ok' });
    expect(path.isAbsolute(dataDir)).toBe(true);
  });
});
