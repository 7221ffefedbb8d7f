// Agent runs in git worktrees (issue 21 §1), with real git repositories and the real app's routes. The
// agent is fake-claude.mjs (Claude Code's stream-json lines; it writes files and waits for gate files
// as its prompt says), so that what is tested is where runs work, how they queue and when their
// worktrees go — not the model.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { RunEventView, RunView } from '../../../src/shared/runs.js';
import { buildTestApp, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';

const FAKE_CLAUDE = path.resolve(import.meta.dirname, 'fake-claude.mjs');
const IDENTITY = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];

interface Harness {
  t: TestApp;
  gates: string;
  api: (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) => Promise<{ statusCode: number; json: () => any; body: string }>;
  addWorkspace: (name: string, options?: { commit?: boolean }) => Promise<{ id: string; dir: string }>;
}

const git = (dir: string, ...args: string[]) => execFileSync('git', [...IDENTITY, ...args], { cwd: dir, encoding: 'utf8' });

async function setUp(env: Record<string, string> = {}): Promise<Harness> {
  const home = makeTempDir('worktree-runs-home-');
  const t = await buildTestApp({ HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', RUNS_CLAUDE_PATH: FAKE_CLAUDE, RUNS_CONCURRENCY: '4', ...env });
  const cookie = await signInAsOwner(t.app);
  const origin = new URL(t.config.server.publicUrl);
  const api: Harness['api'] = async (method, url, payload) => {
    const response = await t.app.inject({ method, url, headers: { cookie, origin: origin.origin, host: origin.host }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { statusCode: response.statusCode, json: () => response.json(), body: response.body };
  };
  const addWorkspace: Harness['addWorkspace'] = async (name, { commit = true } = {}) => {
    const dir = path.join(t.config.workspaces.rootDir, 'owner', name);
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '-q', '-b', 'main', dir]);
    if (commit) {
      writeFileSync(path.join(dir, 'README.md'), '# repo\n');
      git(dir, 'add', 'README.md');
      git(dir, 'commit', '-q', '-m', 'first');
    }
    const row = await t.app.db.workspace.create({ data: { name: `owner/${name}`, cloneUrl: `https://github.com/owner/${name}.git`, localPath: dir, cloneState: 'ready' } });
    return { id: row.id, dir };
  };
  return { t, gates: makeTempDir('worktree-gates-'), api, addWorkspace };
}

const newRun = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt, agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'acceptEdits', ...extra });

async function createRun(h: Harness, workspaceId: string, body: unknown): Promise<RunView> {
  const response = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, body);
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
    { timeout: 30_000, interval: 50 },
  );
}

const textOf = async (h: Harness, id: string) => ((await h.api('GET', `/api/runs/${id}/events`)).json().events as RunEventView[]).find((event) => event.type === 'text')?.payload.text;

describe('agent runs in git worktrees', () => {
  it('works by default in a fresh worktree on a new branch, outside the workspace, which stays untouched', async () => {
    const h = await setUp();
    const ws = await h.addWorkspace('repo');
    const created = await createRun(h, ws.id, newRun('write notes.txt from the agent'));
    expect(created).toMatchObject({ worktree: true, worktreePath: null, branch: null });

    const run = await waitForStatus(h, created.id, ['succeeded', 'failed']);
    expect(run.status, run.error ?? '').toBe('succeeded');
    const expected = path.join(h.t.config.workspaces.rootDir, '.worktrees', ws.id, run.id);
    expect(run).toMatchObject({ worktreePath: expected, branch: `shellport/run-${run.id.slice(0, 8)}` });
    expect(await textOf(h, run.id)).toBe(`cwd=${expected}`);
    expect(readFileSync(path.join(expected, 'notes.txt'), 'utf8')).toBe('from the agent');
    // The workspace: no file, nothing untracked (the worktree is outside its tree), still on main.
    expect(existsSync(path.join(ws.dir, 'notes.txt'))).toBe(false);
    expect(git(ws.dir, 'status', '--porcelain')).toBe('');
    expect(git(ws.dir, 'branch', '--show-current').trim()).toBe('main');
    expect(path.relative(ws.dir, expected).startsWith('..')).toBe(true);
    expect(git(ws.dir, 'worktree', 'list', '--porcelain')).toContain(`worktree ${expected}\n`);
    expect(git(expected, 'branch', '--show-current').trim()).toBe(run.branch);

    // worktree: false works in the workspace itself.
    const inPlace = await waitForStatus(h, (await createRun(h, ws.id, newRun('write here.txt in place', { worktree: false }))).id, ['succeeded', 'failed']);
    expect(inPlace).toMatchObject({ status: 'succeeded', worktree: false, worktreePath: null, branch: null });
    expect(await textOf(h, inPlace.id)).toBe(`cwd=${ws.dir}`);
    expect(readFileSync(path.join(ws.dir, 'here.txt'), 'utf8')).toBe('in place');
  });

  it('runs worktrees side by side up to RUNS_PER_WORKSPACE, one at a time per worktree; a follow-up works in its parent\'s worktree', async () => {
    const h = await setUp({ RUNS_PER_WORKSPACE: '2' });
    const ws = await h.addWorkspace('repo');
    const gate = (name: string) => path.join(h.gates, name);
    const a = await createRun(h, ws.id, newRun(`wait ${gate('a')}`));
    const b = await createRun(h, ws.id, newRun(`wait ${gate('b')}`));
    const c = await createRun(h, ws.id, newRun('write c.txt c'));
    // a and b run at once, each in its worktree; c waits for a free place in the workspace.
    await waitForStatus(h, a.id, ['running']);
    await waitForStatus(h, b.id, ['running']);
    expect((await getRun(h, c.id)).status).toBe('queued');
    writeFileSync(gate('a'), '');
    const doneA = await waitForStatus(h, a.id, ['succeeded', 'failed']);
    expect(doneA.status).toBe('succeeded');
    expect((await waitForStatus(h, c.id, ['succeeded', 'failed'])).status).toBe('succeeded');

    // A follow-up of a works in a's worktree, on a's branch.
    const response = await h.api('POST', `/api/runs/${a.id}/continue`, { prompt: 'write follow.txt more' });
    expect(response.statusCode, response.body).toBe(201);
    const followUp = await waitForStatus(h, (response.json().run as RunView).id, ['succeeded', 'failed']);
    expect(followUp).toMatchObject({ status: 'succeeded', worktreePath: doneA.worktreePath, branch: doneA.branch, agentSessionId: doneA.agentSessionId });
    expect(readFileSync(path.join(doneA.worktreePath!, 'follow.txt'), 'utf8')).toBe('more');

    writeFileSync(gate('b'), '');
    const doneB = await waitForStatus(h, b.id, ['succeeded', 'failed']);
    expect(new Set([doneA.worktreePath, doneB.worktreePath, (await getRun(h, c.id)).worktreePath]).size).toBe(3);
  });

  it('one at a time in one worktree: a second follow-up waits for the first, however many places the workspace has', async () => {
    const h = await setUp({ RUNS_PER_WORKSPACE: '4' });
    const ws = await h.addWorkspace('repo');
    const first = await waitForStatus(h, (await createRun(h, ws.id, newRun('write one.txt 1'))).id, ['succeeded']);
    const gate = path.join(h.gates, 'second');
    const second = (await h.api('POST', `/api/runs/${first.id}/continue`, { prompt: `wait ${gate}` })).json().run as RunView;
    const third = (await h.api('POST', `/api/runs/${first.id}/continue`, { prompt: 'write three.txt 3' })).json().run as RunView;
    await waitForStatus(h, second.id, ['running']);
    expect((await getRun(h, third.id)).status).toBe('queued');
    writeFileSync(gate, '');
    expect((await waitForStatus(h, third.id, ['succeeded', 'failed'])).worktreePath).toBe(first.worktreePath);
  });

  it('removes a worktree once its branch is merged (and clean), keeps it while not, and removes it with its run', async () => {
    const h = await setUp();
    const ws = await h.addWorkspace('repo');
    const merged = await waitForStatus(h, (await createRun(h, ws.id, newRun('write feature.txt done'))).id, ['succeeded']);
    const kept = await waitForStatus(h, (await createRun(h, ws.id, newRun('write other.txt pending'))).id, ['succeeded']);

    // Nothing committed on either branch yet: both stay. (A sweep also runs by itself after each run:
    // the outcome is checked, not which sweep got there.)
    await h.t.app.runs.sweepWorktrees();
    expect(existsSync(merged.worktreePath!)).toBe(true);

    // The first run's work is committed on its branch and merged into main.
    git(merged.worktreePath!, 'add', 'feature.txt');
    git(merged.worktreePath!, 'commit', '-q', '-m', 'feature');
    // Merged, but with a change not committed: kept.
    writeFileSync(path.join(merged.worktreePath!, 'scratch.txt'), 'unsaved');
    git(ws.dir, 'merge', '-q', '--no-edit', merged.branch!);
    await h.t.app.runs.sweepWorktrees();
    expect(existsSync(merged.worktreePath!)).toBe(true);
    execFileSync('rm', [path.join(merged.worktreePath!, 'scratch.txt')]);

    await h.t.app.runs.sweepWorktrees();
    expect(existsSync(merged.worktreePath!)).toBe(false);
    expect(await getRun(h, merged.id)).toMatchObject({ worktreePath: null, branch: merged.branch });
    expect(git(ws.dir, 'branch', '--list', merged.branch!)).toBe('');
    expect(git(ws.dir, 'worktree', 'list', '--porcelain')).not.toContain(merged.worktreePath!);
    const events = (await h.api('GET', `/api/runs/${merged.id}/events`)).json().events as RunEventView[];
    expect(events.at(-1)!.payload).toMatchObject({ status: 'worktree-removed', because: 'merged', branch: merged.branch });
    expect(existsSync(kept.worktreePath!)).toBe(true);

    // Deleting a run removes its worktree (and its branch, which has nothing of its own), and its terminal.
    const terminalId = (await getRun(h, kept.id)).terminalId!;
    expect((await h.t.app.terminals.get(terminalId)).runId).toBe(kept.id);
    const deleted = await h.api('DELETE', `/api/runs/${kept.id}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json()).toEqual({ deleted: true, worktreeRemoved: true, branchDeleted: true });
    expect(existsSync(kept.worktreePath!)).toBe(false);
    expect(git(ws.dir, 'branch', '--list', kept.branch!)).toBe('');
    expect((await h.api('GET', `/api/runs/${kept.id}`)).statusCode).toBe(404);
    await expect(h.t.app.terminals.get(terminalId)).rejects.toMatchObject({ statusCode: 404 });
  });

  it('removes a worktree whose branch was deleted', async () => {
    const h = await setUp();
    const ws = await h.addWorkspace('repo');
    const run = await waitForStatus(h, (await createRun(h, ws.id, newRun('write gone.txt soon'))).id, ['succeeded']);
    // git refuses to delete a branch checked out in a worktree: the worktree leaves it first.
    git(run.worktreePath!, 'switch', '-q', '--detach');
    git(ws.dir, 'branch', '-q', '-D', run.branch!);
    await h.t.app.runs.sweepWorktrees();
    expect(existsSync(run.worktreePath!)).toBe(false);
    const events = (await h.api('GET', `/api/runs/${run.id}/events`)).json().events as RunEventView[];
    expect(events.at(-1)!.payload).toMatchObject({ status: 'worktree-removed', because: 'branch-deleted' });
    expect(await getRun(h, run.id)).toMatchObject({ worktreePath: null });
    // Review of it now: its worktree is gone.
    expect((await h.api('GET', `/api/workspaces/${ws.id}/diff?run=${run.id}`)).json().error.code).toBe('run_without_worktree');
  });

  it('keeps a deleted run\'s branch when it has commits found nowhere else, and refuses to delete a run still going', async () => {
    const h = await setUp();
    const ws = await h.addWorkspace('repo');
    const run = await waitForStatus(h, (await createRun(h, ws.id, newRun('write work.txt wip'))).id, ['succeeded']);
    git(run.worktreePath!, 'add', 'work.txt');
    git(run.worktreePath!, 'commit', '-q', '-m', 'wip');
    const gate = path.join(h.gates, 'go');
    const running = await createRun(h, ws.id, newRun(`wait ${gate}`));
    await waitForStatus(h, running.id, ['running']);
    const refused = await h.api('DELETE', `/api/runs/${running.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('run_not_finished');
    writeFileSync(gate, '');

    const deleted = await h.api('DELETE', `/api/runs/${run.id}`);
    expect(deleted.json()).toEqual({ deleted: true, worktreeRemoved: true, branchDeleted: false });
    expect(git(ws.dir, 'branch', '--list', run.branch!).trim()).toBe(run.branch);
  });

  it('fails a worktree run in a workspace without a commit, saying what to do; deleting the workspace removes the worktrees', async () => {
    const h = await setUp();
    const empty = await h.addWorkspace('empty', { commit: false });
    const failed = await waitForStatus(h, (await createRun(h, empty.id, newRun('write x.txt x'))).id, ['failed', 'succeeded']);
    expect(failed).toMatchObject({ status: 'failed', worktreePath: null, error: expect.stringContaining('no commit to start a worktree from') });
    expect((await h.api('POST', `/api/workspaces/${empty.id}/runs`, newRun('x', { worktree: 'yes' }))).body).toMatch(/worktree/);

    const ws = await h.addWorkspace('repo');
    const run = await waitForStatus(h, (await createRun(h, ws.id, newRun('write a.txt a'))).id, ['succeeded']);
    const response = await h.t.app.inject({ method: 'DELETE', url: `/api/workspaces/${ws.id}?confirm=owner/repo`, headers: { cookie: await signInAsOwner(h.t.app) } });
    expect(response.statusCode, response.body).toBe(204);
    expect(existsSync(run.worktreePath!)).toBe(false);
    expect(existsSync(path.join(h.t.config.workspaces.rootDir, '.worktrees', ws.id))).toBe(false);
  });

  it('reviews and commits a run\'s worktree with ?run=, on the run\'s branch, and only for a run of that workspace', async () => {
    const h = await setUp();
    await h.t.app.db.settings.upsert({ where: { id: 'singleton' }, create: { id: 'singleton', githubUserId: 42, githubLogin: 'octo', githubName: 'Octo Cat' }, update: { githubUserId: 42, githubLogin: 'octo', githubName: 'Octo Cat' } });
    const ws = await h.addWorkspace('repo');
    const other = await h.addWorkspace('other');
    const run = await waitForStatus(h, (await createRun(h, ws.id, newRun('write feature.txt from the run'))).id, ['succeeded']);
    const inPlace = await waitForStatus(h, (await createRun(h, ws.id, newRun('write mine.txt mine', { worktree: false }))).id, ['succeeded']);

    const diff = await h.api('GET', `/api/workspaces/${ws.id}/diff?run=${run.id}`);
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json().diff.files.map((file: { path: string }) => file.path)).toEqual(['feature.txt']);
    // Without ?run=: the workspace's own changes.
    expect((await h.api('GET', `/api/workspaces/${ws.id}/diff`)).json().diff.files.map((file: { path: string }) => file.path)).toEqual(['mine.txt']);

    const commit = await h.api('POST', `/api/workspaces/${ws.id}/commit?run=${run.id}`, { message: 'Add the feature' });
    expect(commit.statusCode, commit.body).toBe(200);
    expect(git(ws.dir, 'log', '-1', '--format=%s %an', run.branch!).trim()).toBe('Add the feature Octo Cat');
    expect(git(ws.dir, 'log', '-1', '--format=%s', 'main').trim()).toBe('first');
    expect((await h.api('GET', `/api/workspaces/${ws.id}/diff?run=${run.id}`)).json().diff.files).toEqual([]);

    expect((await h.api('GET', `/api/workspaces/${other.id}/diff?run=${run.id}`)).statusCode).toBe(404);
    expect((await h.api('GET', `/api/workspaces/${ws.id}/diff?run=${inPlace.id}`)).json().error.code).toBe('run_without_worktree');
    const bad = await h.api('POST', `/api/workspaces/${ws.id}/commit?run=nope`, { message: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/run/);
  });
});
