// Agent runs outlive the server (issue 21 §1, docs/runs.md "Runs outlive the server"): a run's agent is a
// terminal of the terminal host, so a server killed (-9) or stopped mid-run leaves it working, and the
// next server reads its transcript on from where the last one stopped — no event lost or doubled — and
// stores its outcome, also when the agent finished while no server was up. The agent is
// tests/features/runs/fake-claude.mjs (Claude Code's stream-json lines), gated by files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunEventView, RunView } from '../../src/shared/runs.js';
import { setup, startServer, stopServers, type ServerProcess } from './server-processes.js';

const FAKE_CLAUDE = path.resolve(import.meta.dirname, '../features/runs/fake-claude.mjs');

afterEach(stopServers);

async function api(server: ServerProcess, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(`${server.target.origin}${url}`, {
    method,
    headers: { cookie: server.target.cookie, origin: server.target.origin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, json: await response.json() };
}

const runOf = async (server: ServerProcess, id: string) => (await api(server, 'GET', `/api/runs/${id}`)).json.run as RunView;
const eventsOf = async (server: ServerProcess, id: string) => (await api(server, 'GET', `/api/runs/${id}/events?since=0`)).json.events as RunEventView[];

async function waitForStatus(server: ServerProcess, id: string, status: string): Promise<RunView> {
  return vi.waitFor(
    async () => {
      const run = await runOf(server, id);
      if (run.status !== status) throw new Error(`run ${id} is ${run.status} (${run.error ?? ''}), waiting for ${status}`);
      return run;
    },
    { timeout: 30_000, interval: 100 },
  );
}

/** A DATA_DIR with a git repository for the workspace, and a gate file the agent waits for. */
function prepare() {
  const dirs = setup();
  const workspaceDir = path.join(dirs.dataDir, 'workspaces', 'owner', 'repo');
  mkdirSync(workspaceDir, { recursive: true });
  execFileSync('git', ['init', '-q', workspaceDir]);
  const env = { TEST_WORKSPACE_DIR: workspaceDir, RUNS_CLAUDE_PATH: FAKE_CLAUDE };
  return { ...dirs, workspaceDir, env, gate: path.join(dirs.root, 'gate') };
}

/** Queues a run that writes before.txt, waits for `gate`, then writes after.txt and answers; waits until it waits. */
async function startGatedRun(server: ServerProcess, gate: string, workspaceDir: string): Promise<RunView> {
  const created = await api(server, 'POST', `/api/workspaces/${server.workspaceId}/runs`, { prompt: `write before.txt one; wait ${gate}; write after.txt two`, agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'default', worktree: false });
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  const run = created.json.run as RunView;
  await vi.waitFor(() => expect(existsSync(path.join(workspaceDir, 'before.txt'))).toBe(true), { timeout: 30_000, interval: 50 });
  await vi.waitFor(async () => expect((await eventsOf(server, run.id)).some((event) => event.type === 'session')).toBe(true), { timeout: 10_000, interval: 50 });
  return run;
}

/** The transcript once: seqs 1…n, one session, one text, one result, and the statuses in order. */
function expectWholeTranscript(events: RunEventView[]) {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(events.filter((event) => event.type === 'session')).toHaveLength(1);
  expect(events.filter((event) => event.type === 'text')).toHaveLength(1);
  expect(events.filter((event) => event.type === 'result')).toHaveLength(1);
  expect(events.map((event) => event.payload.status).filter(Boolean)).toEqual(['queued', 'running', 'running', 'succeeded']);
}

describe('agent runs outlive the server', () => {
  it('a kill -9 mid-run: the agent works on in its terminal, and the next server reads the transcript on and stores the outcome', { timeout: 120_000 }, async () => {
    const { dataDir, home, workspaceDir, env, gate } = prepare();
    const first = await startServer(dataDir, home, env);
    const run = await startGatedRun(first, gate, workspaceDir);
    const terminalId = (await eventsOf(first, run.id)).find((event) => typeof event.payload.terminalId === 'string')!.payload.terminalId as string;
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServer(dataDir, home, env);
    expect((await runOf(second, run.id)).status).toBe('running');
    writeFileSync(gate, '');
    const done = await waitForStatus(second, run.id, 'succeeded');
    expect(readFileSync(path.join(workspaceDir, 'after.txt'), 'utf8')).toBe('two');
    expect(done).toMatchObject({ attempts: 1, usage: { input: 10, output: 5 } });
    const events = await eventsOf(second, run.id);
    expectWholeTranscript(events);
    expect(events.find((event) => event.type === 'text')!.payload.text).toBe(`cwd=${workspaceDir}`);
    // Its terminal stays readable (the raw output, one click away), and is not a shell tab.
    const terminal = (await api(second, 'GET', `/api/terminals/${terminalId}`)).json.session;
    expect(terminal).toMatchObject({ runId: run.id, status: 'terminated', exitCode: 0 });
    expect(((await api(second, 'GET', '/api/terminals')).json.sessions as { id: string }[]).map((entry) => entry.id)).not.toContain(terminalId);
  });

  it('a stop (SIGTERM) mid-run leaves the agent running; when it finishes while no server is up, the next server stores how it went', { timeout: 120_000 }, async () => {
    const { dataDir, home, workspaceDir, env, gate } = prepare();
    const first = await startServer(dataDir, home, env);
    const run = await startGatedRun(first, gate, workspaceDir);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // No server: the agent goes on and ends.
    writeFileSync(gate, '');
    await vi.waitFor(() => expect(existsSync(path.join(workspaceDir, 'after.txt'))).toBe(true), { timeout: 30_000, interval: 50 });

    const second = await startServer(dataDir, home, env);
    await waitForStatus(second, run.id, 'succeeded');
    expectWholeTranscript(await eventsOf(second, run.id));
  });
});
