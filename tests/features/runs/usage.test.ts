// Usage and cost (issue 21 §1): the price table edited through the API and used for the next runs,
// usage totals per workspace, day and month (rows with chosen timestamps, the app's clock set), and
// the monthly budget warning and holding the real queue. The agent is fake-claude.mjs, which reports
// 10 input and 5 output tokens per run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { costOf } from '../../../src/features/runs/pricing.js';
import { createPriceStore } from '../../../src/features/runs/prices-store.js';
import type { RunView } from '../../../src/shared/runs.js';
import type { BudgetView, PriceView, UsageResponse } from '../../../src/shared/usage.js';
import { buildTestApp, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';
import type { Delivery } from '../../helpers/fake-push-service.js';
import { startPushApp, subscribeDevice } from '../push/helpers.js';

const FAKE_CLAUDE = path.resolve(import.meta.dirname, 'fake-claude.mjs');

interface Harness {
  t: TestApp;
  gates: string;
  api: (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => Promise<{ statusCode: number; json: () => any; body: string }>;
  addWorkspace: (name: string) => Promise<string>;
}

async function setUp(): Promise<Harness> {
  const home = makeTempDir('usage-runs-home-');
  const t = await buildTestApp({ HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', RUNS_CLAUDE_PATH: FAKE_CLAUDE, RUNS_CONCURRENCY: '4' });
  const cookie = await signInAsOwner(t.app);
  const origin = new URL(t.config.server.publicUrl);
  const api: Harness['api'] = async (method, url, payload) => {
    const response = await t.app.inject({ method, url, headers: { cookie, origin: origin.origin, host: origin.host }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { statusCode: response.statusCode, json: () => response.json(), body: response.body };
  };
  const addWorkspace = async (name: string) => {
    const dir = path.join(t.config.workspaces.rootDir, 'owner', name);
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '-q', dir]);
    const row = await t.app.db.workspace.create({ data: { name: `owner/${name}`, cloneUrl: `https://github.com/owner/${name}.git`, localPath: dir, cloneState: 'ready' } });
    return row.id;
  };
  return { t, gates: makeTempDir('usage-gates-'), api, addWorkspace };
}

const newRun = (prompt: string) => ({ prompt, agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'default', worktree: false });

async function createRun(h: Harness, workspaceId: string, prompt: string): Promise<RunView> {
  const response = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, newRun(prompt));
  expect(response.statusCode, response.body).toBe(201);
  return response.json().run as RunView;
}

const getRun = async (h: Harness, id: string) => (await h.api('GET', `/api/runs/${id}`)).json().run as RunView;

async function waitForStatus(h: Harness, id: string, statuses: string[]): Promise<RunView> {
  return vi.waitFor(
    async () => {
      const run = await getRun(h, id);
      if (!statuses.includes(run.status)) throw new Error(`run ${id} is ${run.status} (${run.error ?? ''}), waiting for ${statuses.join('|')}`);
      return run;
    },
    { timeout: 30_000, interval: 100 },
  );
}

/** A finished run row with chosen times, tokens and cost (what the queue would have stored). */
async function insertRun(h: Harness, workspaceId: string, at: string, usage: { input: number; output: number; cacheRead?: number; cacheWrite?: number; costUsd: number | null }, startedAt: string | null = at) {
  await h.t.app.db.agentRun.create({
    data: {
      workspaceId,
      agent: 'claude',
      model: 'claude-sonnet-4-5',
      prompt: 'inserted',
      permissionMode: 'default',
      maxAttempts: 1,
      status: 'succeeded',
      createdAt: new Date(at),
      startedAt: startedAt ? new Date(startedAt) : null,
      endedAt: new Date(at),
      inputTokens: usage.input,
      outputTokens: usage.output,
      cacheReadTokens: usage.cacheRead ?? 0,
      cacheWriteTokens: usage.cacheWrite ?? 0,
      costUsd: usage.costUsd,
    },
  });
}

describe('the price table in Settings', () => {
  it('edits a price (validated, naming the field), prices the next runs with it, keeps stored costs, and resets to the shipped price', async () => {
    const h = await setUp();
    const workspaceId = await h.addWorkspace('prices');
    const shipped = (await h.api('GET', '/api/prices')).json().prices as PriceView[];
    const sonnet = shipped.find((price) => price.model === 'claude-sonnet-4')!;
    // The shipped multipliers in dollars: $3/M input × 0.1 and × 1.25.
    expect(sonnet).toMatchObject({ inputPerMillion: 3, outputPerMillion: 15, cacheReadPerMillion: 0.3, cacheWritePerMillion: 3.75, source: 'shipped', shipped: null });
    expect(sonnet.checkedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    // Shipped price: 10 × $3/M + 5 × $15/M = $0.000105.
    const before = await waitForStatus(h, (await createRun(h, workspaceId, 'first')).id, ['succeeded']);
    expect(before.costUsd).toBe(0.000105);

    const bad = await h.api('PUT', '/api/prices/claude-sonnet-4', { inputPerMillion: -1, outputPerMillion: 4, cacheReadPerMillion: 0.5, cacheWritePerMillion: 2.5 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details).toEqual([expect.objectContaining({ field: 'inputPerMillion' })]);
    const badDay = await h.api('PUT', '/api/prices/claude-sonnet-4', { inputPerMillion: 2, outputPerMillion: 4, cacheReadPerMillion: 0.5, cacheWritePerMillion: 2.5, checkedOn: '2026-02-30' });
    expect(badDay.statusCode).toBe(400);
    expect(badDay.json().error.details[0].field).toBe('checkedOn');
    const badModel = await h.api('PUT', '/api/prices/-x', { inputPerMillion: 2, outputPerMillion: 4, cacheReadPerMillion: 0.5, cacheWritePerMillion: 2.5 });
    expect(badModel.statusCode).toBe(400);
    expect(badModel.json().error.details[0].field).toBe('model');

    h.t.clock.set(new Date('2026-05-04T10:00:00Z'));
    const edited = await h.api('PUT', '/api/prices/claude-sonnet-4', { inputPerMillion: 2, outputPerMillion: 4, cacheReadPerMillion: 0.5, cacheWritePerMillion: 2.5 });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json().price).toMatchObject({ model: 'claude-sonnet-4', inputPerMillion: 2, checkedOn: '2026-05-04', source: 'edited', shipped: { inputPerMillion: 3, cacheWritePerMillion: 3.75 } });

    // Cache multipliers of the edited table, by hand: 1 000 × $2/M + 2 000 × $4/M + 10 000 × $0.50/M
    // + 4 000 × $2.50/M = 0.002 + 0.008 + 0.005 + 0.010 = $0.025.
    const table = await createPriceStore({ db: h.t.app.db, clock: h.t.clock }).table();
    const editedSonnet = table.find((price) => price.model === 'claude-sonnet-4')!;
    expect(costOf({ input: 1_000, output: 2_000, cacheRead: 10_000, cacheWrite: 4_000 }, editedSonnet)).toBe(0.025);
    // The other models keep their shipped prices: opus 4.5 at $5/M, × 0.1 and × 1.25 → 5 000 + 50 000 + 5 000 + 25 000 millionths.
    expect(costOf({ input: 1_000, output: 2_000, cacheRead: 10_000, cacheWrite: 4_000 }, table.find((price) => price.model === 'claude-opus-4-5')!)).toBe(0.085);

    // Edited price: 10 × $2/M + 5 × $4/M = $0.00004; the first run keeps its cost.
    const after = await waitForStatus(h, (await createRun(h, workspaceId, 'second')).id, ['succeeded']);
    expect(after.costUsd).toBe(0.00004);
    expect((await getRun(h, before.id)).costUsd).toBe(0.000105);

    // A model not shipped can be added, and its reset removes it.
    const added = await h.api('PUT', '/api/prices/my-local-model', { inputPerMillion: 0, outputPerMillion: 0, cacheReadPerMillion: 0, cacheWritePerMillion: 0, checkedOn: '2026-05-01' });
    expect(added.json().price).toMatchObject({ model: 'my-local-model', source: 'edited', shipped: null, checkedOn: '2026-05-01' });
    expect((await h.api('DELETE', '/api/prices/my-local-model')).json()).toEqual({ price: null });
    expect((await h.api('DELETE', '/api/prices/my-local-model')).statusCode).toBe(404);

    const reset = await h.api('DELETE', '/api/prices/claude-sonnet-4');
    expect(reset.json().price).toMatchObject({ inputPerMillion: 3, source: 'shipped' });
    const third = await waitForStatus(h, (await createRun(h, workspaceId, 'third')).id, ['succeeded']);
    expect(third.costUsd).toBe(0.000105);
  });
});

describe('usage totals', () => {
  it('sums tokens and cost per workspace, UTC day and UTC month', async () => {
    const h = await setUp();
    const a = await h.addWorkspace('alpha');
    const b = await h.addWorkspace('beta');
    h.t.clock.set(new Date('2026-03-15T12:00:00Z'));
    await insertRun(h, a, '2026-03-15T01:00:00Z', { input: 100, output: 10, cacheRead: 1000, cacheWrite: 50, costUsd: 0.5 });
    await insertRun(h, a, '2026-03-15T23:59:59Z', { input: 1, output: 1, costUsd: 0.25 });
    await insertRun(h, b, '2026-03-14T23:59:59Z', { input: 200, output: 20, costUsd: 1 });
    await insertRun(h, b, '2026-03-01T00:00:00Z', { input: 5, output: 5, costUsd: null });
    await insertRun(h, a, '2026-02-28T23:00:00Z', { input: 7, output: 3, costUsd: 2 });
    // Queued in February, started in March: counts in March (the day it started).
    await insertRun(h, b, '2026-03-02T08:00:00Z', { input: 1, output: 1, costUsd: 0.125 });
    await h.t.app.db.agentRun.updateMany({ where: { startedAt: new Date('2026-03-02T08:00:00Z') }, data: { createdAt: new Date('2026-02-27T08:00:00Z') } });
    // Outside the window (3 months back from March: January on).
    await insertRun(h, a, '2025-12-31T23:00:00Z', { input: 9, output: 9, costUsd: 9 });

    const response = await h.api('GET', '/api/usage?days=15&months=3');
    expect(response.statusCode, response.body).toBe(200);
    const usage = response.json() as UsageResponse;
    expect(usage.timeZone).toBe('UTC');
    expect(usage.since).toBe('2026-01-01T00:00:00.000Z');
    expect(usage.months).toEqual([
      { month: '2026-03', runs: 5, tokens: { input: 307, output: 37, cacheRead: 1000, cacheWrite: 50 }, costUsd: 1.875, unpricedRuns: 1 },
      { month: '2026-02', runs: 1, tokens: { input: 7, output: 3, cacheRead: 0, cacheWrite: 0 }, costUsd: 2, unpricedRuns: 0 },
    ]);
    // Days: 1 to 15 March (15 days, today included).
    expect(usage.days.map((day) => [day.day, day.runs, day.costUsd])).toEqual([
      ['2026-03-15', 2, 0.75],
      ['2026-03-14', 1, 1],
      ['2026-03-02', 1, 0.125],
      ['2026-03-01', 1, 0],
    ]);
    expect(usage.workspaces.map((w) => [w.workspaceName, w.runs, w.costUsd, w.tokens.input])).toEqual([
      ['owner/alpha', 3, 2.75, 108],
      ['owner/beta', 3, 1.125, 206],
    ]);
    expect(usage.total).toMatchObject({ runs: 6, costUsd: 3.875, unpricedRuns: 1 });
    expect(usage.budget).toMatchObject({ monthlyUsd: null, level: 'none', month: '2026-03', monthCostUsd: 1.875, paused: false });

    const bad = await h.api('GET', '/api/usage?days=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details[0].field).toBe('days');
  });
});

describe('the monthly budget', () => {
  it('warns at 80 %, holds queued runs at 100 % without stopping a running one, and lets them go when raised or resumed', async () => {
    const h = await setUp();
    const a = await h.addWorkspace('busy');
    const b = await h.addWorkspace('waiting');
    h.t.clock.set(new Date('2026-04-20T12:00:00Z'));

    const invalid = await h.api('PUT', '/api/budget', { monthlyUsd: -5, pauseQueue: true });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details[0].field).toBe('monthlyUsd');
    const set = await h.api('PUT', '/api/budget', { monthlyUsd: 10, pauseQueue: true });
    expect(set.json().budget).toMatchObject({ monthlyUsd: 10, pauseQueue: true, level: 'ok', paused: false });

    await insertRun(h, a, '2026-04-02T09:00:00Z', { input: 1, output: 1, costUsd: 8.5 });
    let budget = (await h.api('GET', '/api/budget')).json().budget as BudgetView;
    expect(budget).toMatchObject({ level: 'warning', paused: false, monthCostUsd: 8.5, fraction: 0.85 });
    expect(budget.message).toContain('85 %');

    // A run that is running when the budget is reached goes on.
    const gate = path.join(h.gates, 'release');
    const running = await createRun(h, a, `wait ${gate}`);
    await waitForStatus(h, running.id, ['running']);
    await insertRun(h, a, '2026-04-19T09:00:00Z', { input: 1, output: 1, costUsd: 2 });
    const held = await createRun(h, b, 'held');
    budget = (await h.api('GET', '/api/budget')).json().budget as BudgetView;
    expect(budget).toMatchObject({ level: 'over', paused: true });
    expect(budget.message).toContain('queued runs wait');
    writeFileSync(gate, '');
    await waitForStatus(h, running.id, ['succeeded']);
    // The run that ended woke the queue: the held run still waits, queued, as the budget says.
    await h.t.app.runs.sweepWorktrees();
    expect((await getRun(h, held.id)).status).toBe('queued');
    expect((await h.api('GET', '/api/usage')).json().budget.paused).toBe(true);

    // Raised: it starts.
    await h.api('PUT', '/api/budget', { monthlyUsd: 50, pauseQueue: true });
    await waitForStatus(h, held.id, ['succeeded']);

    // Reached again; the owner resumes the queue for this month.
    await h.api('PUT', '/api/budget', { monthlyUsd: 10, pauseQueue: true });
    const second = await createRun(h, b, 'second');
    expect((await getRun(h, second.id)).status).toBe('queued');
    const resumed = await h.api('POST', '/api/budget/resume');
    expect(resumed.json().budget).toMatchObject({ resumed: true, paused: false, level: 'over' });
    await waitForStatus(h, second.id, ['succeeded']);

    // Next month: the resume is over, but so is the month's cost.
    h.t.clock.set(new Date('2026-05-01T00:00:01Z'));
    budget = (await h.api('GET', '/api/budget')).json().budget as BudgetView;
    expect(budget).toMatchObject({ month: '2026-05', monthCostUsd: 0, level: 'ok', resumed: false, paused: false });

    // Only warning, never holding, when pauseQueue is false.
    h.t.clock.set(new Date('2026-04-25T00:00:00Z'));
    await h.api('PUT', '/api/budget', { monthlyUsd: 1, pauseQueue: false });
    const free = await createRun(h, b, 'free');
    await waitForStatus(h, free.id, ['succeeded']);
    expect((await h.api('GET', '/api/budget')).json().budget).toMatchObject({ level: 'over', paused: false });
  });

  it('holds the queue until the month turns', async () => {
    const h = await setUp();
    const a = await h.addWorkspace('monthly');
    h.t.clock.set(new Date('2026-06-30T23:00:00Z'));
    await h.api('PUT', '/api/budget', { monthlyUsd: 1, pauseQueue: true });
    await insertRun(h, a, '2026-06-30T22:00:00Z', { input: 1, output: 1, costUsd: 1 });
    const held = await createRun(h, a, 'held');
    expect((await h.api('GET', '/api/budget')).json().budget.paused).toBe(true);
    expect((await getRun(h, held.id)).status).toBe('queued');
    h.t.clock.set(new Date('2026-07-01T00:00:01Z'));
    // The hourly look (or any change) finds the new month; here a change to the queue.
    h.t.app.runs.wake();
    await waitForStatus(h, held.id, ['succeeded']);
  });
});

describe('the monthly budget by push', () => {
  it('pushes once at 80 % and once at 100 % of a month, to the devices taking "Failed" pushes', async () => {
    const testApp = await startPushApp();
    const { pushService, app, clock } = testApp;
    const { subscription } = await subscribeDevice(testApp, 'Phone');
    clock.set(new Date('2026-08-10T10:00:00Z'));
    const cookie = await signInAsOwner(app);
    const origin = new URL(testApp.config.server.publicUrl);
    const put = await app.inject({ method: 'PUT', url: '/api/budget', headers: { cookie, origin: origin.origin, host: origin.host }, payload: { monthlyUsd: 10, pauseQueue: true } });
    expect(put.statusCode, put.body).toBe(200);
    const workspace = await app.db.workspace.create({ data: { name: 'owner/pushed', cloneUrl: 'https://github.com/owner/pushed.git', localPath: '/nonexistent/pushed', cloneState: 'ready' } });
    const spend = (costUsd: number) =>
      app.db.agentRun.create({ data: { workspaceId: workspace.id, agent: 'claude', model: 'claude-sonnet-4-5', prompt: 'inserted', permissionMode: 'default', maxAttempts: 1, status: 'succeeded', createdAt: clock.now(), startedAt: clock.now(), endedAt: clock.now(), costUsd } });
    const budgetPush = (title: string) => (delivery: Delivery) => (delivery.json as { title?: string }).title === title;

    await spend(8);
    app.runs.wake();
    const warning = await pushService.waitForMessage(budgetPush('Agent runs: 80 % of the budget'));
    expect(warning.endpoint).toBe(subscription.endpoint);
    expect(warning.json).toMatchObject({ kind: 'failed', tag: 'run-budget-2026-08', url: '/operations', body: "This month's cost ($8.00) is 80 % of the monthly budget ($10.00)." });

    await spend(2);
    app.runs.wake();
    const over = await pushService.waitForMessage(budgetPush('Agent runs paused: budget reached'));
    expect((over.json as { body: string }).body).toContain('queued runs wait');
    app.runs.wake();
    await app.inject({ method: 'GET', url: '/api/budget', headers: { cookie } });
    expect(pushService.deliveries.filter((delivery) => (delivery.json as { tag?: string }).tag === 'run-budget-2026-08')).toHaveLength(2);
  });
});

describe('the end of a run by push', () => {
  it('pushes "Run finished" or "Run failed" to the devices, opening the run; a cancelled run pushes nothing', async () => {
    const testApp = await startPushApp({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RUNS_CLAUDE_PATH: FAKE_CLAUDE } });
    const { pushService, app } = testApp;
    const { subscription } = await subscribeDevice(testApp, 'Phone');
    const cookie = await signInAsOwner(app);
    const origin = new URL(testApp.config.server.publicUrl);
    const post = async (url: string, payload: object) => app.inject({ method: 'POST', url, headers: { cookie, origin: origin.origin, host: origin.host }, payload });
    const dir = path.join(testApp.config.workspaces.rootDir, 'owner', 'pushed');
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '-q', dir]);
    const workspace = await app.db.workspace.create({ data: { name: 'owner/pushed', cloneUrl: 'https://github.com/owner/pushed.git', localPath: dir, cloneState: 'ready' } });
    const start = async (prompt: string) => {
      const response = await post(`/api/workspaces/${workspace.id}/runs`, { prompt, agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'default', worktree: false });
      expect(response.statusCode, response.body).toBe(201);
      return (response.json() as { run: RunView }).run;
    };
    const pushOf = (runId: string) => (delivery: Delivery) => (delivery.json as { tag?: string }).tag === `run-${runId}`;

    const done = await start('write done.txt   yes,\n all of it');
    const finished = await pushService.waitForMessage(pushOf(done.id));
    expect(finished.endpoint).toBe(subscription.endpoint);
    expect(finished.json).toMatchObject({ kind: 'finished', title: 'Run finished · owner/pushed', body: 'write done.txt yes, all of it', url: `/workspaces/${workspace.id}/runs?run=${done.id}` });

    // The agent cannot start (its working directory is gone): failed, and said so.
    const gate = path.join(makeTempDir('push-gate-'), 'go');
    const held = await start(`wait ${gate}`);
    await vi.waitFor(async () => expect((await app.runs.get(held.id)).status).toBe('running'), { timeout: 15_000, interval: 50 });
    const cancelled = await post(`/api/runs/${held.id}/cancel`, {});
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    await app.db.workspace.update({ where: { id: workspace.id }, data: { localPath: path.join(dir, 'gone') } });
    const broken = await start('write never.txt no');
    const failed = await pushService.waitForMessage(pushOf(broken.id));
    expect(failed.json).toMatchObject({ kind: 'failed', title: 'Run failed · owner/pushed', body: expect.stringMatching(/^write never\.txt no — .+/) });
    expect(pushService.deliveries.filter(pushOf(held.id))).toEqual([]);
  });
});
