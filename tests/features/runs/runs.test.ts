// Agent runs with the real Claude Code CLI (tests/tools' native binary, tests/helpers/agent-clis.ts) against the fake
// Anthropic API (tests/helpers/fake-model-api.ts), through the real app's HTTP routes. The workspace
// is a row plus a local git repository under WORKSPACES_DIR (no clone: the fake GitHub adds nothing
// here). Processes lane: every test starts the CLI, some several times.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processesWithMarker, startAttempt } from '../../../src/features/runs/runner.js';
import type { Approval } from '../../../src/shared/attention.js';
import type { RunEventView, RunView } from '../../../src/shared/runs.js';
import { claudeBinary } from '../../helpers/agent-clis.js';
import { buildTestApp, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';
import { offersTool, startFakeModelApi, textOf, toolResultsIn, toolThenText, type FakeModelApi, type ReplyScript } from '../../helpers/fake-model-api.js';

const MODEL = 'claude-sonnet-4-5';
const fakes: FakeModelApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

interface Harness {
  t: TestApp;
  fake: FakeModelApi;
  workspaceId: string;
  api: (method: 'GET' | 'POST', url: string, payload?: unknown) => Promise<{ statusCode: number; json: () => any; body: string }>;
  addWorkspace: (name: string) => Promise<string>;
}

async function setUp(script: ReplyScript, env: Record<string, string> = {}): Promise<Harness> {
  const fake = await startFakeModelApi(script);
  fakes.push(fake);
  const home = makeTempDir('runs-home-');
  mkdirSync(path.join(home, 'tmp'));
  const t = await buildTestApp({
    HOME: home,
    TMPDIR: path.join(home, 'tmp'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TERMINAL_PASS_ENV: 'DISABLE_TELEMETRY,DISABLE_ERROR_REPORTING,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    RUNS_ANTHROPIC_BASE_URL: fake.url,
    RUNS_ANTHROPIC_API_KEY: 'test-key',
    RUNS_RETRY_BASE_MS: '200',
    RUNS_CLAUDE_PATH: claudeBinary(),
    ...env,
  });
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
  return { t, fake, workspaceId: await addWorkspace('repo'), api, addWorkspace };
}

// In the workspace itself: these workspaces are `git init` without a commit to branch a worktree from.
const newRun = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt, agent: 'claude', model: MODEL, permissionMode: 'default', worktree: false, ...extra });

async function createRun(h: Harness, body: unknown, workspaceId = h.workspaceId): Promise<RunView> {
  const response = await h.api('POST', `/api/workspaces/${workspaceId}/runs`, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().run as RunView;
}

async function waitForStatus(h: Harness, id: string, statuses: string[], timeout = 60_000): Promise<RunView> {
  return vi.waitFor(
    async () => {
      const run = (await h.api('GET', `/api/runs/${id}`)).json().run as RunView;
      if (!statuses.includes(run.status)) throw new Error(`run ${id} is ${run.status} (${run.error ?? ''}), waiting for ${statuses.join('|')}`);
      return run;
    },
    { timeout, interval: 100 },
  );
}

async function eventsOf(h: Harness, id: string, since = 0): Promise<RunEventView[]> {
  const response = await h.api('GET', `/api/runs/${id}/events?since=${since}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json().events as RunEventView[];
}

/** The seqs and events of a server-sent event stream's body. */
function parseSse(body: string): RunEventView[] {
  return body
    .split('\n\n')
    .map((block) => block.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => Boolean(line))
    .map((line) => JSON.parse(line.slice('data: '.length)) as RunEventView);
}

/** Process ids of /proc entries whose process group is `pgid`. */
function processesInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state, ppid, pgrp, session…
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid || Number(fields[3]) === pgid) found.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

const BASH = (command: string) => ({ name: 'Bash', input: { command, description: 'a command' } });

describe('agent runs with Claude Code', () => {
  it('runs a tool and answers; the transcript, usage and cost are stored and replay by seq, live and later', { timeout: 90_000 }, async () => {
    const h = await setUp(toolThenText(BASH('echo hi-from-tool'), 'all done'));
    const created = await createRun(h, newRun('say hi with a tool', { allowedTools: ['Bash(echo:*)'] }));
    expect(created).toMatchObject({ status: 'queued', attempts: 0, agent: 'claude', model: MODEL, allowedTools: ['Bash(echo:*)'] });
    // Opened at once: the stream ends when the run does, with every event once.
    const live = h.t.app.inject({ method: 'GET', url: `/api/runs/${created.id}/stream`, headers: { cookie: await signInAsOwner(h.t.app) } });

    const run = await waitForStatus(h, created.id, ['succeeded', 'failed']);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run).toMatchObject({ attempts: 1, usage: { input: 20, output: 10, cacheRead: 0, cacheWrite: 0 }, costUsd: 0.00021, agentCostUsd: 0.00021, error: null });
    expect(run.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(toolResultsIn(h.fake.messages.at(-1)!).map((block) => textOf(block.content))).toEqual(['hi-from-tool']);

    const events = await eventsOf(h, run.id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.type)).toEqual(['status', 'status', 'status', 'session', 'tool-use', 'usage', 'tool-result', 'text', 'usage', 'result', 'status']);
    expect(events.map((event) => event.payload.status).filter(Boolean)).toEqual(['queued', 'running', 'running', 'succeeded']);
    expect(events.find((event) => event.type === 'session')!.payload.sessionId).toBe(run.agentSessionId);
    expect(events.find((event) => event.type === 'tool-use')!.payload).toMatchObject({ name: 'Bash', input: { command: 'echo hi-from-tool' } });
    expect(events.find((event) => event.type === 'tool-result')!.payload).toMatchObject({ content: 'hi-from-tool', isError: false });
    expect(events.find((event) => event.type === 'text')!.payload.text).toBe('all done');

    // Replay from a seq: exactly the rest.
    expect(await eventsOf(h, run.id, 4)).toEqual(events.slice(4));
    const streamed = parseSse((await live).body);
    expect(streamed).toEqual(events);
    const resumed = await h.t.app.inject({ method: 'GET', url: `/api/runs/${run.id}/stream?since=7`, headers: { cookie: await signInAsOwner(h.t.app) } });
    expect(parseSse(resumed.body)).toEqual(events.slice(7));

    const list = (await h.api('GET', `/api/workspaces/${h.workspaceId}/runs`)).json().runs as RunView[];
    expect(list.map((item) => item.id)).toEqual([run.id]);
    expect(h.fake.unexpectedRequests).toEqual([]);
  });

  it('retries an attempt the API answered 529 overloaded, with backoff, and records both attempts', { timeout: 90_000 }, async () => {
    const h = await setUp((request, index) => (index === 0 ? { error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } } : { text: 'recovered' }));
    const created = await createRun(h, newRun('hello'));
    const run = await waitForStatus(h, created.id, ['succeeded', 'failed']);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.attempts).toBe(2);
    expect(run.nextRetryAt).toBeNull();

    const events = await eventsOf(h, run.id);
    const waiting = events.find((event) => event.type === 'status' && event.payload.status === 'waiting-retry')!;
    expect(waiting.payload).toMatchObject({ attempt: 1, error: expect.stringMatching(/529 Overloaded/) });
    // The test clock stands still: the next attempt was due one base delay after it.
    expect(waiting.payload.nextRetryAt).toBe(new Date(h.t.clock.now().getTime() + 200).toISOString());
    expect(events.filter((event) => event.type === 'result').map((event) => event.payload.isError)).toEqual([true, false]);
    expect(events.at(-1)!.payload).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect(h.fake.messages.filter((request) => offersTool(request, 'Bash'))).toHaveLength(2);
  });

  it('waits for a usage limit to reset (the time Claude Code reports), then goes on by itself', { timeout: 90_000 }, async () => {
    // A subscription's login (an OAuth token), for which Claude Code reads the API's unified rate-limit
    // headers and prints a rate_limit_event; the 5-hour limit resets two seconds from now.
    const resetsAt = Math.floor(Date.now() / 1000) + 2;
    const limited = { 'anthropic-ratelimit-unified-status': 'rejected', 'anthropic-ratelimit-unified-reset': String(resetsAt), 'anthropic-ratelimit-unified-5h-status': 'rejected', 'anthropic-ratelimit-unified-5h-reset': String(resetsAt), 'anthropic-ratelimit-unified-representative-claim': 'five_hour', 'retry-after': '2' };
    const h = await setUp((request, index) => (index === 0 ? { error: { status: 429, type: 'rate_limit_error', message: 'Rate limited', headers: limited } } : { text: 'after the limit' }), {
      RUNS_ANTHROPIC_API_KEY: '',
      RUNS_MAX_ATTEMPTS: '1',
      TERMINAL_PASS_ENV: 'DISABLE_TELEMETRY,DISABLE_ERROR_REPORTING,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC,CLAUDE_CODE_OAUTH_TOKEN',
      CLAUDE_CODE_OAUTH_TOKEN: 'sk-ant-oat01-test',
    });
    const run = await waitForStatus(h, (await createRun(h, newRun('hello'))).id, ['succeeded', 'failed']);
    // One attempt allowed, yet it went on: the wait is not a retry.
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, maxAttempts: 2, nextRetryAt: null });
    const events = await eventsOf(h, run.id);
    expect(events.find((event) => event.type === 'error' && event.payload.kind === 'usage-limit')!.payload).toMatchObject({ resetsAt: new Date(resetsAt * 1000).toISOString() });
    const waiting = events.find((event) => event.type === 'status' && event.payload.status === 'waiting-retry')!;
    expect(waiting.payload).toMatchObject({ attempt: 1, usageLimit: true, nextRetryAt: new Date(resetsAt * 1000).toISOString() });
    expect(events.find((event) => event.type === 'text' && event.payload.text === 'after the limit')).toBeDefined();
  });

  it('fails for good after maxAttempts transient failures, and a failure that is not transient is not retried', { timeout: 90_000 }, async () => {
    const h = await setUp(() => ({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } }), { RUNS_MAX_ATTEMPTS: '2' });
    const run = await waitForStatus(h, (await createRun(h, newRun('hello'))).id, ['failed', 'succeeded']);
    expect(run).toMatchObject({ status: 'failed', attempts: 2, nextRetryAt: null, error: expect.stringMatching(/529/) });

    const refused = await setUp(() => ({ error: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' } }));
    const once = await waitForStatus(refused, (await createRun(refused, newRun('hello'))).id, ['failed', 'succeeded']);
    expect(once).toMatchObject({ status: 'failed', attempts: 1, error: expect.stringMatching(/\S/) });
    expect(refused.fake.messages.filter((request) => offersTool(request, 'Bash'))).toHaveLength(1);
  });

  it('cancels a running run at once: the agent and the tool it started are gone', { timeout: 90_000 }, async () => {
    const h = await setUp(toolThenText(BASH('sleep 987'), 'slept'));
    const created = await createRun(h, newRun('sleep', { allowedTools: ['Bash(sleep:*)'] }));
    const sleeps = () => processesWithMarker(`SHELLPORT_RUN_ID=${created.id}`).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\0' + '987\0');
    const pid = await vi.waitFor(
      async () => {
        const events = await eventsOf(h, created.id);
        const started = events.find((event) => event.type === 'status' && typeof event.payload.pid === 'number');
        if (!started || !events.some((event) => event.type === 'tool-use')) throw new Error('the tool has not started yet');
        return started.payload.pid as number;
      },
      { timeout: 60_000, interval: 100 },
    );
    // The tool's `sleep` runs by now (in a session of its own, as Claude Code starts its Bash tool).
    await vi.waitFor(() => expect(sleeps()).toHaveLength(1), { timeout: 20_000, interval: 100 });
    expect(processesInGroup(pid).length).toBeGreaterThan(0);

    const response = await h.api('POST', `/api/runs/${created.id}/cancel`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().run).toMatchObject({ status: 'cancelled' });
    expect(processesInGroup(pid)).toEqual([]);
    expect(processesWithMarker(`SHELLPORT_RUN_ID=${created.id}`)).toEqual([]);
    expect(sleeps()).toEqual([]);
    // Cancelling again: nothing left to cancel.
    expect((await h.api('POST', `/api/runs/${created.id}/cancel`)).json().error.code).toBe('run_finished');
  });

  it('deleting a workspace stops its running run and removes its runs', { timeout: 90_000 }, async () => {
    const h = await setUp(toolThenText(BASH('sleep 986'), 'slept'));
    const created = await createRun(h, newRun('sleep', { allowedTools: ['Bash(sleep:*)'] }));
    const marker = `SHELLPORT_RUN_ID=${created.id}`;
    await vi.waitFor(async () => expect((await eventsOf(h, created.id)).some((event) => event.type === 'tool-use')).toBe(true), { timeout: 60_000, interval: 100 });
    await vi.waitFor(() => expect(processesWithMarker(marker).length).toBeGreaterThan(1), { timeout: 20_000, interval: 100 });

    const response = await h.t.app.inject({ method: 'DELETE', url: `/api/workspaces/${h.workspaceId}?confirm=owner/repo`, headers: { cookie: await signInAsOwner(h.t.app) } });
    expect(response.statusCode, response.body).toBe(204);
    expect(processesWithMarker(marker)).toEqual([]);
    expect(await h.t.app.db.agentRun.count()).toBe(0);
    expect(await h.t.app.db.agentRunEvent.count()).toBe(0);
  });

  it('runs a workspace\'s runs one at a time, in order, while another workspace runs beside them', { timeout: 120_000 }, async () => {
    const prompts: string[] = [];
    const h = await setUp((request) => {
      const first = request.messages[0];
      const prompt = first ? textOf(first.content) : '';
      if (offersTool(request, 'Bash') && toolResultsIn(request).length === 0) prompts.push(prompt.slice(prompt.lastIndexOf('run-')));
      if (!offersTool(request, 'Bash')) return { text: 'ok' };
      return toolResultsIn(request).length > 0 ? { text: 'done' } : { toolUse: BASH('sleep 1') };
    });
    const other = await h.addWorkspace('other');
    const a = await createRun(h, newRun('run-a', { allowedTools: ['Bash(sleep:*)'] }));
    const b = await createRun(h, newRun('run-b', { allowedTools: ['Bash(sleep:*)'] }));
    const c = await createRun(h, newRun('run-c', { allowedTools: ['Bash(sleep:*)'] }), other);
    // While a runs, b waits its turn; c (another workspace) is not held up.
    const running = await vi.waitFor(
      async () => {
        const [ra, rb, rc] = await Promise.all([a, b, c].map(async (run) => (await h.api('GET', `/api/runs/${run.id}`)).json().run as RunView));
        if (ra!.status !== 'running' || rc!.status !== 'running') throw new Error(`a ${ra!.status}, c ${rc!.status}`);
        return rb!;
      },
      { timeout: 60_000, interval: 50 },
    );
    expect(running.status).toBe('queued');
    for (const run of [a, b, c]) expect((await waitForStatus(h, run.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect(prompts.filter((prompt) => prompt !== 'run-c')).toEqual(['run-a', 'run-b']);
  });

  it('continues a run with a follow-up that resumes the same agent session', { timeout: 90_000 }, async () => {
    const h = await setUp((request) => {
      const said = request.messages.map((message) => textOf(message.content)).join('\n');
      return { text: said.includes('What was the word?') ? (said.includes('The word is banana') ? 'banana' : 'no idea') : 'noted' };
    });
    const first = await waitForStatus(h, (await createRun(h, newRun('The word is banana. Reply noted.'))).id, ['succeeded', 'failed']);
    expect(first.status, first.error ?? '').toBe('succeeded');

    const response = await h.api('POST', `/api/runs/${first.id}/continue`, { prompt: 'What was the word?' });
    expect(response.statusCode, response.body).toBe(201);
    const followUp = await waitForStatus(h, (response.json().run as RunView).id, ['succeeded', 'failed']);
    expect(followUp).toMatchObject({ status: 'succeeded', parentRunId: first.id, agentSessionId: first.agentSessionId });
    const events = await eventsOf(h, followUp.id);
    expect(events.find((event) => event.type === 'text')!.payload.text).toBe('banana');
    // The model was sent the earlier turn: the prompt and the answer.
    const last = h.fake.messages.filter((request) => request.messages.some((message) => textOf(message.content).includes('What was the word?'))).at(-1)!;
    expect(last.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(textOf(last.messages[1]!.content)).toBe('noted');
  });

  it('asks the owner through the approvals inbox for a call its rules do not decide; its rules decide the others without asking', { timeout: 120_000 }, async () => {
    const h = await setUp(toolThenText(BASH('echo asked-tool'), 'done'));
    // Listening: the run's hook reaches the server over loopback, as in production.
    await h.t.app.listen({ port: 0, host: '127.0.0.1' });
    const asked = await createRun(h, newRun('run it'));
    const approval = await vi.waitFor(
      async () => {
        const { approvals } = (await h.api('GET', '/api/approvals')).json() as { approvals: Approval[] };
        const pending = approvals.find((item) => item.status === 'pending');
        if (!pending) throw new Error(`no pending approval yet; the run is ${(await h.api('GET', `/api/runs/${asked.id}`)).json().run.status}`);
        return pending;
      },
      { timeout: 60_000, interval: 100 },
    );
    const view = (await h.api('GET', `/api/runs/${asked.id}`)).json().run as RunView;
    expect(approval).toMatchObject({ tool: 'Bash', summary: 'echo asked-tool', sessionId: view.terminalId, runId: asked.id, agent: 'claude' });
    expect(view.status).toBe('running');
    const answered = await h.api('POST', `/api/approvals/${approval.id}/answer`, { decision: 'allow' });
    expect(answered.statusCode, answered.body).toBe(200);
    const run = await waitForStatus(h, asked.id, ['succeeded', 'failed']);
    expect(run.status, run.error ?? '').toBe('succeeded');
    const events = await eventsOf(h, run.id);
    expect(events.find((event) => event.type === 'tool-result')!.payload).toMatchObject({ content: 'asked-tool', isError: false });
    // The request and its answer are in the run's transcript (its page answers there too).
    expect(events.filter((event) => event.type === 'approval').map((event) => event.payload)).toMatchObject([
      { approvalId: approval.id, tool: 'Bash', summary: 'echo asked-tool', status: 'pending' },
      { approvalId: approval.id, status: 'allowed' },
    ]);

    // Its allowed tools allow, its disallowed tools deny: nobody is asked.
    const allowed = await waitForStatus(h, (await createRun(h, newRun('allowed', { allowedTools: ['Bash(echo:*)'] }))).id, ['succeeded', 'failed']);
    expect((await eventsOf(h, allowed.id)).find((event) => event.type === 'tool-result')!.payload).toMatchObject({ content: 'asked-tool', isError: false });
    const denied = await waitForStatus(h, (await createRun(h, newRun('denied', { allowedTools: ['Bash'], disallowedTools: ['Bash(echo:*)'] }))).id, ['succeeded', 'failed']);
    expect((await eventsOf(h, denied.id)).find((event) => event.type === 'tool-result')!.payload).toMatchObject({ isError: true });
    const { approvals } = (await h.api('GET', '/api/approvals')).json() as { approvals: Approval[] };
    expect(approvals.map((item) => item.id)).toEqual([approval.id]);
  });

  it('hands Claude Code a prompt that starts with "-" as the prompt, never as options', { timeout: 90_000 }, async () => {
    const h = await setUp(() => ({ text: 'read as a prompt' }));
    const prompt = '--dangerously-skip-permissions --version';
    const run = await waitForStatus(h, (await createRun(h, newRun(prompt))).id, ['succeeded', 'failed']);
    expect(run.status, run.error ?? '').toBe('succeeded');
    // Read as options, the CLI would have printed its version and never asked the model.
    const asked = h.fake.messages.map((request) => request.messages.map((message) => textOf(message.content)).join('\n'));
    expect(asked.some((text) => text.includes(prompt))).toBe(true);
    expect((await eventsOf(h, run.id)).find((event) => event.type === 'text')!.payload.text).toBe('read as a prompt');
  });

  it('answers bad input and bad states with 4xx naming the problem, and wants Shellport\'s own Origin', { timeout: 60_000 }, async () => {
    const h = await setUp(() => ({ text: 'ok' }));
    const bad = await h.api('POST', `/api/workspaces/${h.workspaceId}/runs`, { ...newRun(''), permissionMode: 'yolo', allowedTools: ['--evil'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/prompt/);
    expect(bad.body).toMatch(/permissionMode/);
    expect(bad.body).toMatch(/allowedTools/);
    expect((await h.api('POST', `/api/workspaces/${h.workspaceId}/runs`, newRun('hi', { agent: 'gemini' }))).statusCode).toBe(400);
    expect((await h.api('POST', '/api/workspaces/7d0c6c0e-1111-4111-8111-111111111111/runs', newRun('hi'))).statusCode).toBe(404);
    expect((await h.api('GET', '/api/runs/not-a-uuid')).statusCode).toBe(400);
    expect((await h.api('GET', `/api/runs/${h.workspaceId}/events?since=-1`)).statusCode).toBe(400);

    const noOrigin = await h.t.app.inject({ method: 'POST', url: `/api/workspaces/${h.workspaceId}/runs`, headers: { cookie: await signInAsOwner(h.t.app) }, payload: newRun('hi') });
    expect(noOrigin.statusCode).toBe(403);
    expect(await h.t.app.db.agentRun.count()).toBe(0);

    const run = await waitForStatus(h, (await createRun(h, newRun('hi'))).id, ['succeeded', 'failed']);
    expect((await h.api('POST', `/api/runs/${run.id}/retry`)).json().error.code).toBe('run_not_retryable');
    expect((await h.api('POST', `/api/runs/${run.id}/continue`, { prompt: '' })).statusCode).toBe(400);
  });
});

describe('the runner\'s bounds', () => {
  /** Starts `script` (bash -c) as a run's attempt in a terminal of the harness's workspace. */
  async function startScript(h: Harness, script: string, limits: { maxDurationMs: number; maxOutputBytes: number; maxLineBytes?: number }, lines: string[] = []) {
    const marker = `SHELLPORT_RUN_ID=bounds-${process.pid}-${Date.now()}`;
    const attempt = await startAttempt(
      h.t.app.terminals,
      { id: randomUUID(), workspaceId: h.workspaceId, name: 'bounds' },
      { marker, executable: 'bash', args: ['-c', script], cwd: makeTempDir(), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: makeTempDir() } },
      limits,
      (line) => lines.push(line),
    );
    return { marker, attempt, lines };
  }

  it('kills an attempt at its deadline, with the processes it started in sessions of their own', { timeout: 30_000 }, async () => {
    const h = await setUp(() => ({ text: 'unused' }));
    const { marker, attempt, lines } = await startScript(h, 'setsid sleep 600 & echo started; sleep 600', { maxDurationMs: 2000, maxOutputBytes: 1024 });
    // bash (which execs its last sleep) and the sleep in a session of its own.
    await vi.waitFor(() => expect(processesWithMarker(marker)).toHaveLength(2), { timeout: 5000, interval: 20 });
    const exit = await attempt.exited;
    expect(exit).toMatchObject({ killedFor: 'deadline', spawnError: null });
    expect(lines).toEqual(['started']);
    expect(processesWithMarker(marker)).toEqual([]);
    // The attempt's terminal is the run's, not a shell tab.
    expect((await h.t.app.terminals.get(attempt.terminalId!)).status).toBe('terminated');
    expect((await h.t.app.terminals.list()).map((terminal) => terminal.id)).not.toContain(attempt.terminalId);
  });

  it('kills an attempt that prints more than its output bound, and cuts an over-long line', { timeout: 30_000 }, async () => {
    const h = await setUp(() => ({ text: 'unused' }));
    const { attempt, lines } = await startScript(h, 'head -c 300 /dev/zero | tr "\\0" x; echo; exec yes', { maxDurationMs: 20_000, maxOutputBytes: 1024 * 1024, maxLineBytes: 100 });
    const exit = await attempt.exited;
    expect(exit.killedFor).toBe('output');
    expect(lines[0]).toBe('x'.repeat(100));
    expect(lines[1]).toBe('y');
  });

  it('reports an executable that does not exist', async () => {
    const h = await setUp(() => ({ text: 'unused' }));
    const attempt = await startAttempt(h.t.app.terminals, { id: randomUUID(), workspaceId: h.workspaceId, name: 'none' }, { marker: 'SHELLPORT_RUN_ID=none', executable: '/nonexistent/claude', args: [], cwd: makeTempDir(), env: {} }, { maxDurationMs: 5000, maxOutputBytes: 1024 }, () => {});
    expect((await attempt.exited).spawnError).toMatch(/ENOENT/);
  });
});
