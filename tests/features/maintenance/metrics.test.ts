import { describe, expect, it } from 'vitest';
import { buildTestApp, injectAsOwner } from '../../helpers/app.js';
import { parsePrometheusText } from './helpers.js';

const OFF = { SCHEDULER_ENABLED: 'false' };
const TOKEN = 'a-metrics-token-of-some-length';

describe('GET /metrics', () => {
  it('answers Prometheus text with the named series, HELP and TYPE for each', async () => {
    const { app } = await buildTestApp(OFF);
    await app.ready();
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.scheduler.run('backup', 'api');
    app.metrics.terminalBytes.inc({ direction: 'out' }, 10);

    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(response.body);
    const expected: Record<string, string> = {
      shellport_process_cpu_seconds_total: 'counter',
      shellport_process_resident_memory_bytes: 'gauge',
      shellport_http_request_duration_seconds: 'histogram',
      shellport_terminal_sessions_active: 'gauge',
      shellport_terminal_bytes_total: 'counter',
      shellport_clones_in_progress: 'gauge',
      shellport_backup_last_success_timestamp_seconds: 'gauge',
      shellport_job_failures_total: 'counter',
      shellport_job_duration_seconds: 'histogram',
    };
    for (const [name, type] of Object.entries(expected)) {
      expect(families.get(name), name).toMatchObject({ type, help: expect.any(String) });
    }
    for (const [name, family] of families) {
      expect(family.type, `${name} has a TYPE`).toBeDefined();
      expect(family.help, `${name} has a HELP`).toBeDefined();
    }
    const http = families.get('shellport_http_request_duration_seconds')!.samples;
    expect(http).toContainEqual(
      expect.objectContaining({ name: 'shellport_http_request_duration_seconds_count', labels: { method: 'GET', route: '/healthz', status_code: '200' }, value: 1 }),
    );
    const lastBackup = families.get('shellport_backup_last_success_timestamp_seconds')!.samples[0]!.value;
    expect(Math.abs(lastBackup - Date.now() / 1000)).toBeLessThan(120);
    expect(families.get('shellport_job_failures_total')!.samples.map((s) => s.labels.job).sort()).toEqual(['backup', 'metrics', 'prune', 'vacuum']);
    expect(families.get('shellport_terminal_bytes_total')!.samples).toContainEqual(expect.objectContaining({ labels: { direction: 'out' }, value: 10 }));
  });

  it('requires the bearer token when METRICS_TOKEN is set', async () => {
    const { app, logText } = await buildTestApp({ ...OFF, METRICS_TOKEN: TOKEN });
    const get = (authorization?: string) => app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

    const missing = await get();
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('metrics_token_required');
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    expect((await get(`Bearer ${TOKEN}x`)).statusCode).toBe(401);
    expect((await get(`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`)).statusCode).toBe(401);
    // A session cookie is no substitute.
    expect((await injectAsOwner(app, { method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const allowed = await get(`Bearer ${TOKEN}`);
    expect(allowed.statusCode).toBe(200);
    expect(allowed.body).toContain('# TYPE shellport_job_failures_total counter');
    expect(logText()).not.toContain(TOKEN);
  });

  it('without a token, is served only when listening on a loopback address (whatever the peer)', async () => {
    const exposed = await buildTestApp({ ...OFF, HOST: '0.0.0.0' });
    const refused = await exposed.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'metrics_not_exposed', message: expect.stringContaining('METRICS_TOKEN') });

    const withToken = await buildTestApp({ ...OFF, HOST: '0.0.0.0', METRICS_TOKEN: TOKEN });
    expect((await withToken.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);

    const local = await buildTestApp({ ...OFF, HOST: '127.0.0.1' });
    expect((await local.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
  });
});

describe('the metrics sampler and GET /api/metrics', () => {
  it('samples CPU, memory, load, disk and active sessions into system_metrics', async () => {
    const { app } = await buildTestApp(OFF);
    await app.db.terminal.createMany({
      data: [
        { shell: '/bin/sh', cwd: '/', status: 'active' },
        { shell: '/bin/sh', cwd: '/', status: 'active' },
        { shell: '/bin/sh', cwd: '/', status: 'terminated' },
      ],
    });
    const run = await app.scheduler.run('metrics', 'api');
    expect(run.ok).toBe(true);
    const rows = await app.db.systemMetric.findMany();
    const byName = Object.fromEntries(rows.map((row) => [row.metric, row]));
    expect(Object.keys(byName).sort()).toEqual(
      ['active_sessions', 'cpu_percent', 'database_bytes', 'disk_used_bytes', 'disk_used_percent', 'load_1m', 'memory_used_bytes', 'process_rss_bytes'].sort(),
    );
    expect(byName.active_sessions!.value).toBe(2);
    expect(byName.cpu_percent!.value).toBeGreaterThanOrEqual(0);
    expect(byName.cpu_percent!.value).toBeLessThanOrEqual(100);
    expect(byName.disk_used_bytes!.value).toBeGreaterThan(0);
    expect(byName.memory_used_bytes!.value).toBeGreaterThan(0);
    expect(byName.database_bytes!.value).toBeGreaterThan(0);
  });

  it('returns a downsampled series for the owner, and validates the query', async () => {
    const { app, clock } = await buildTestApp(OFF);
    const now = new Date('2026-11-23T12:00:00Z');
    clock.set(now);
    // One sample a minute for two hours: value = minutes before now.
    await app.db.systemMetric.createMany({
      data: Array.from({ length: 120 }, (_, i) => ({ metric: 'cpu_percent', value: 120 - i, unit: 'percent', createdAt: new Date(now.getTime() - (120 - i) * 60_000) })),
    });
    await app.db.systemMetric.create({ data: { metric: 'load_1m', value: 9, createdAt: now } });

    const response = await injectAsOwner(app, { method: 'GET', url: '/api/metrics?metric=cpu_percent&since=2h&points=4' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ metric: 'cpu_percent', unit: 'percent', bucketMs: 30 * 60_000, since: '2026-11-23T10:00:00.000Z' });
    expect(body.points).toHaveLength(4);
    expect(body.points[0]).toEqual({ at: '2026-11-23T10:00:00.000Z', avg: 105.5, min: 91, max: 120, samples: 30 });
    expect(body.points.reduce((sum: number, p: { samples: number }) => sum + p.samples, 0)).toBe(120);

    const iso = await injectAsOwner(app, { method: 'GET', url: '/api/metrics?metric=cpu_percent&since=2026-11-23T11:30:00Z&points=1' });
    expect(iso.json().points).toEqual([expect.objectContaining({ samples: 30, min: 1, max: 30 })]);

    const bad = await injectAsOwner(app, { method: 'GET', url: '/api/metrics?metric=nope&since=yesterday' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.map((d: { field: string }) => d.field).sort()).toEqual(['metric', 'since']);

    expect((await app.inject({ method: 'GET', url: '/api/metrics?metric=cpu_percent' })).statusCode).toBe(401);
  });
});
