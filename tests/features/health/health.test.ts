import { rmSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { buildTestApp, signInAsOwner } from '../../helpers/app.js';

describe('GET /healthz', () => {
  it('answers with status, version and uptime', async () => {
    const { app } = await buildTestApp();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), uptimeSeconds: expect.any(Number) });
  });
});

describe('GET /readyz', () => {
  it('reports every check and answers 200 when all pass', async () => {
    // The vault key in the environment, not beside the backups: dataProtection has nothing to warn about.
    const { app } = await buildTestApp({ SHELLPORT_SECRET_KEY: Buffer.alloc(32, 1).toString('base64') });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.status).toBe('ready');
    expect(Object.keys(report.checks).sort()).toEqual(['backup', 'dataDir', 'dataProtection', 'database', 'diskSpace', 'fileDescriptors', 'migrations', 'scrollback', 'terminalHost']);
    for (const check of Object.values(report.checks)) expect(check).toMatchObject({ status: 'ok', message: expect.any(String) });
  });

  it('answers 503 naming the data directory when it cannot be written', async () => {
    const { app, dataDir } = await buildTestApp();
    // The database stays open (its file handle survives); only new files in DATA_DIR fail.
    rmSync(dataDir, { recursive: true, force: true });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    const report = response.json();
    expect(report.status).toBe('not_ready');
    expect(report.checks.dataDir).toMatchObject({ status: 'fail', message: expect.stringMatching(/Cannot write to DATA_DIR \(ENOENT\)/) });
    // Terminals work without saving their output: a warning, not a failure.
    expect(report.checks.scrollback).toMatchObject({ status: 'warn', message: expect.stringMatching(/Cannot read SCROLLBACK_DIR \(ENOENT\)/) });
  });

  it('answers 503 when free disk space is below the threshold', async () => {
    const { app } = await buildTestApp({ MIN_FREE_DISK_MB: '9999999' });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.diskSpace).toMatchObject({ status: 'fail', message: expect.stringMatching(/below MIN_FREE_DISK_MB/) });
    expect(response.json().checks.scrollback).toMatchObject({ status: 'warn', message: expect.stringMatching(/free in SCROLLBACK_DIR, below MIN_FREE_DISK_MB/) });
    expect(response.json().checks.database.status).toBe('ok');
  });

  it('answers 503 when a migration is recorded as pending', async () => {
    const { app, config } = await buildTestApp();
    const raw = new BetterSqlite3(config.storage.databaseFile);
    raw.prepare('DELETE FROM _prisma_migrations').run();
    raw.close();
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks.migrations).toMatchObject({ status: 'fail', message: expect.stringMatching(/not applied: 20261122000000_init/) });
  });

  it('on a server reachable from outside, tells strangers only the statuses; the owner and monitoring with the token see everything', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const { app } = await buildTestApp({ HOST: '0.0.0.0', PUBLIC_URL: 'https://shell.example.com', METRICS_TOKEN: token, MIN_FREE_DISK_MB: '9999999' });
    const host = 'shell.example.com';
    const stranger = await app.inject({ method: 'GET', url: '/readyz', headers: { host } });
    // The status code still tells a load balancer everything it needs.
    expect(stranger.statusCode).toBe(503);
    const summary = stranger.json();
    expect(summary.status).toBe('not_ready');
    expect(summary.checks.diskSpace).toEqual({ status: 'fail' });
    expect(summary.checks.database).toEqual({ status: 'ok' });
    expect(summary.details).toContain('METRICS_TOKEN');
    expect(stranger.body).not.toMatch(/MiB|freeBytes|DATA_DIR|message/);
    const wrongToken = await app.inject({ method: 'GET', url: '/readyz', headers: { host, authorization: 'Bearer not-the-token-at-all' } });
    expect(wrongToken.json().checks.diskSpace).toEqual({ status: 'fail' });

    const cookie = await signInAsOwner(app);
    for (const headers of [{ host, cookie }, { host, authorization: `Bearer ${token}` }]) {
      const full = await app.inject({ method: 'GET', url: '/readyz', headers });
      expect(full.statusCode).toBe(503);
      expect(full.json().checks.diskSpace).toMatchObject({ status: 'fail', message: expect.stringMatching(/below MIN_FREE_DISK_MB/), freeBytes: expect.any(Number) });
    }
  });
});
