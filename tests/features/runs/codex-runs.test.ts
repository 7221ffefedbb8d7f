// Agent runs with the real Codex CLI (tests/tools' launcher, tests/helpers/agent-clis.ts) against the
// fake Responses API (tests/helpers/fake-model-api.ts), through the real app's HTTP routes, as
// runs.test.ts does for Claude Code. The runs' HOME holds a ~/.codex/config.toml that keeps Codex off
// the network (no plugin sync, no analytics, no update check), as tests/agents/codex.test.ts does; the
// model provider is the one Shellport sets from RUNS_OPENAI_BASE_URL / RUNS_OPENAI_API_KEY. Processes
// lane: every test starts Codex, some several times.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { processesWithMarker } from '../../../src/features/runs/runner.js';
import type { RunEventView, RunView } from '../../../src/shared/runs.js';
import { codexLauncher } from '../../helpers/agent-clis.js';
import { buildTestApp, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';
import { functionOutputsIn, startFakeResponsesApi, type FakeResponsesApi, type ResponsesScript, type ResponsesUsage } from '../../helpers/fake-model-api.js';

const MODEL = 'gpt-5';
const API_KEY = 'sk-test-codex-key-4242';
const SHELL_TOOL = 'exec_command';
const PATCH = "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hi from codex\n*** End Patch\nEOF";

const fakes: FakeResponsesApi[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

interface Harness {
  t: TestApp;
  fake: FakeResponsesApi;
  workspaceId: string;
  workspaceDir: string;
  api: (method: 'GET' | 'POST', url: string, payload?: unknown) => Promise<{ statusCode: number; json: () => any; body: string }>;
}

async function setUp(script: ResponsesScript, usage?: ResponsesUsage): Promise<Harness> {
  const fake = await startFakeResponsesApi(script, usage);
  fakes.push(fake);
  const home = makeTempDir('codex-runs-home-');
  mkdirSync(path.join(home, 'tmp'));
  mkdirSync(path.join(home, '.codex'));
  writeFileSync(path.join(home, '.codex', 'config.toml'), ['check_for_update_on_startup = false', '', '[features]', 'plugins = false', '', '[analytics]', 'enabled = false', ''].join('\n'));
  const t = await buildTestApp({
    HOME: home,
    TMPDIR: path.join(home, 'tmp'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    RUNS_OPENAI_BASE_URL: fake.baseUrl,
    RUNS_OPENAI_API_KEY: API_KEY,
    RUNS_RETRY_BASE_MS: '200',
    RUNS_CODEX_PATH: codexLauncher(),
  });
  const cookie = await signInAsOwner(t.app);
  const origin = new URL(t.config.server.publicUrl);
  const api: Harness['api'] = async (method, url, payload) => {
    const response = await t.app.inject({ method, url, headers: { cookie, origin: origin.origin, host: origin.host }, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { statusCode: response.statusCode, json: () => response.json(), body: response.body };
  };
  const dir = path.join(t.config.workspaces.rootDir, 'owner', 'repo');
  mkdirSync(dir, { recursive: true });
  execFileSync('git', ['init', '-q', dir]);
  const row = await t.app.db.workspace.create({ data: { name: 'owner/repo', cloneUrl: 'https://github.com/owner/repo.git', localPath: dir, cloneState: 'ready' } });
  return { t, fake, workspaceId: row.id, workspaceDir: dir, api };
}

const newRun = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt, agent: 'codex', model: MODEL, permissionMode: 'acceptEdits', worktree: false, ...extra });

async function createRun(h: Harness, body: unknown): Promise<RunView> {
  const response = await h.api('POST', `/api/workspaces/${h.workspaceId}/runs`, body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json().run as RunView;
}

async function waitForEnd(h: Harness, id: string): Promise<RunView> {
  return vi.waitFor(
    async () => {
      const run = (await h.api('GET', `/api/runs/${id}`)).json().run as RunView;
      if (!['succeeded', 'failed', 'cancelled'].includes(run.status)) throw new Error(`run ${id} is ${run.status}`);
      return run;
    },
    { timeout: 60_000, interval: 100 },
  );
}

async function eventsOf(h: Harness, id: string): Promise<RunEventView[]> {
  return (await h.api('GET', `/api/runs/${id}/events`)).json().events as RunEventView[];
}

const isTurn = (request: { tools?: { name?: string }[] }) => request.tools?.some((tool) => tool.name === SHELL_TOOL) ?? false;

/** The texts of the user and assistant messages a request sends (the conversation so far). */
const said = (request: { input: { role?: string; content?: string | { type: string; text?: string }[] }[] }) =>
  request.input
    .filter((item) => item.role === 'user' || item.role === 'assistant')
    .flatMap((item) => (typeof item.content === 'string' ? [item.content] : (item.content ?? []).map((part) => part.text ?? '')));

describe('agent runs with Codex', () => {
  it('runs a command and an edit and answers; transcript, cached-input usage and cost are stored, the key stays out of argv and logs', { timeout: 90_000 }, async () => {
    const h = await setUp(
      (request) => {
        if (!isTurn(request)) return { text: 'ok' };
        const outputs = functionOutputsIn(request).length;
        if (outputs === 0) return { toolUse: { name: SHELL_TOOL, input: { cmd: 'echo hi-from-tool | tr a-z A-Z' } } };
        if (outputs === 1) return { toolUse: { name: SHELL_TOOL, input: { cmd: PATCH } } };
        return { text: 'all done' };
      },
      { input: 1200, cached: 1000, output: 50 },
    );
    const created = await createRun(h, newRun('say hi and add hello.txt'));
    expect(created).toMatchObject({ status: 'queued', agent: 'codex', model: MODEL, permissionMode: 'acceptEdits' });
    // While it runs, no process's command line holds the key.
    const commandLines: string[] = [];
    const watcher = setInterval(() => {
      for (const pid of processesWithMarker(`SHELLPORT_RUN_ID=${created.id}`)) commandLines.push(safeRead(`/proc/${pid}/cmdline`));
    }, 100);
    const run = await waitForEnd(h, created.id).finally(() => clearInterval(watcher));

    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(commandLines.some((line) => line.includes('exec\0--json'))).toBe(true);
    expect(commandLines.filter((line) => line.includes(API_KEY))).toEqual([]);
    // Three requests of 1200 input (1000 cached) and 50 output; gpt-5: $1.25 / M input, 0.1× cached, $10 / M output.
    expect(run).toMatchObject({ attempts: 1, usage: { input: 600, cacheRead: 3000, output: 150, cacheWrite: 0 }, costUsd: 0.002625, agentCostUsd: null, error: null });
    expect(run.agentSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(readFileSync(path.join(h.workspaceDir, 'hello.txt'), 'utf8')).toBe('hi from codex\n');
    expect(functionOutputsIn(h.fake.responses.at(-1)!).map((item) => String(item.output))).toEqual([expect.stringContaining('HI-FROM-TOOL'), expect.stringContaining('hello.txt')]);
    // The key reached the API through the provider's env_key, as a bearer token.
    expect(h.fake.requests.every((request) => request.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    expect(h.t.logText()).not.toContain(API_KEY);
    expect(h.fake.unexpectedRequests).toEqual([]);

    const events = await eventsOf(h, run.id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.map((event) => event.type).filter((type) => type !== 'error' && type !== 'status')).toEqual(['session', 'tool-use', 'tool-result', 'file-change', 'text', 'usage', 'result']);
    expect(events.find((event) => event.type === 'session')!.payload.sessionId).toBe(run.agentSessionId);
    expect(events.find((event) => event.type === 'tool-use')!.payload).toMatchObject({ name: 'Bash', input: { command: expect.stringContaining('echo hi-from-tool') } });
    expect(events.find((event) => event.type === 'tool-result')!.payload).toMatchObject({ content: 'HI-FROM-TOOL\n', isError: false, exitCode: 0 });
    expect(events.find((event) => event.type === 'file-change')!.payload).toMatchObject({ changes: [{ path: 'hello.txt', kind: 'add' }], status: 'completed' });
    expect(events.find((event) => event.type === 'text')!.payload.text).toBe('all done');
    expect(events.at(-1)!.payload).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(JSON.stringify(events)).not.toContain(API_KEY);
  });

  it('in the default permission mode Codex may only read: a write is refused by its sandbox', { timeout: 90_000 }, async () => {
    const h = await setUp((request) => {
      if (!isTurn(request)) return { text: 'ok' };
      return functionOutputsIn(request).length > 0 ? { text: 'tried' } : { toolUse: { name: SHELL_TOOL, input: { cmd: 'echo x > made.txt' } } };
    });
    const run = await waitForEnd(h, (await createRun(h, newRun('write a file', { permissionMode: 'default' }))).id);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(existsSync(path.join(h.workspaceDir, 'made.txt'))).toBe(false);
    const outputs = functionOutputsIn(h.fake.responses.at(-1)!).map((item) => String(item.output));
    // What the model was told. (Codex 0.171 prints no command_execution item for a command its sandbox
    // refused, so the transcript has only the answer.)
    expect(outputs).toEqual([expect.stringContaining('made.txt: Read-only file system')]);
  });

  it('waits for a usage limit to lift when Codex says when (in words), then goes on by itself', { timeout: 120_000 }, async () => {
    let limited = true;
    // Lifted three minutes ago by the time Codex reads it: the run waits no longer than it must.
    const resetsAt = Math.floor(Date.now() / 1000) - 180;
    const h = await setUp((request) => {
      if (!isTurn(request)) return { text: 'ok' };
      if (limited) {
        limited = false;
        return { error: { status: 429, type: 'usage_limit_reached', message: 'The usage limit has been reached', fields: { plan_type: 'plus', resets_at: resetsAt } } };
      }
      return { text: 'after the limit' };
    });
    const run = await waitForEnd(h, (await createRun(h, newRun('hi'))).id);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    const events = await eventsOf(h, run.id);
    const waited = events.find((event) => event.type === 'status' && event.payload.status === 'waiting-retry')!.payload;
    expect(waited).toMatchObject({ usageLimit: true, error: expect.stringMatching(/usage limit.*try again at \d{1,2}:\d{2} [AP]M\.$/) });
    // The minute Codex named, and one more (it names minutes only).
    const named = new Date(resetsAt * 1000);
    named.setSeconds(0, 0);
    expect(Date.parse(waited.nextRetryAt as string)).toBeGreaterThanOrEqual(named.getTime() + 60_000);
    expect(events.find((event) => event.type === 'text')!.payload.text).toBe('after the limit');
  });

  it('retries an attempt the API answered 503, and a follow-up resumes the same Codex session', { timeout: 120_000 }, async () => {
    let failures = 1;
    const h = await setUp((request) => {
      if (!isTurn(request)) return { text: 'ok' };
      if (failures > 0) {
        failures -= 1;
        return { error: { status: 503, type: 'server_error', message: 'overloaded' } };
      }
      const conversation = said(request).join('\n');
      return { text: conversation.includes('What was the word?') ? (conversation.includes('The word is banana') ? 'banana' : 'no idea') : 'noted' };
    });
    const first = await waitForEnd(h, (await createRun(h, newRun('The word is banana. Reply noted.'))).id);
    expect(first).toMatchObject({ status: 'succeeded', attempts: 2 });
    const events = await eventsOf(h, first.id);
    expect(events.find((event) => event.type === 'status' && event.payload.status === 'waiting-retry')!.payload).toMatchObject({ attempt: 1, error: expect.stringContaining('503') });

    const response = await h.api('POST', `/api/runs/${first.id}/continue`, { prompt: 'What was the word?' });
    expect(response.statusCode, response.body).toBe(201);
    const followUp = await waitForEnd(h, (response.json().run as RunView).id);
    expect(followUp).toMatchObject({ status: 'succeeded', agent: 'codex', parentRunId: first.id, agentSessionId: first.agentSessionId });
    expect((await eventsOf(h, followUp.id)).find((event) => event.type === 'text')!.payload.text).toBe('banana');
  });

  it('goes without the disallowed tools (not offered to the model), and refuses a command rule with a 400 naming it', { timeout: 90_000 }, async () => {
    const h = await setUp(() => ({ text: 'ok' }));
    const response = await h.api('POST', `/api/workspaces/${h.workspaceId}/runs`, newRun('hi', { allowedTools: ['Bash(ls:*)'] }));
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'tools_not_supported', message: expect.stringContaining('Bash(ls:*)') });
    expect(await h.t.app.db.agentRun.count()).toBe(0);

    const run = await waitForEnd(h, (await createRun(h, newRun('hi', { disallowedTools: ['Bash', 'WebSearch'] }))).id);
    expect(run).toMatchObject({ status: 'succeeded', disallowedTools: ['Bash', 'WebSearch'] });
    const offered = h.fake.responses.flatMap((request) => (request.tools ?? []).map((tool) => tool.name ?? tool.type));
    expect(offered.length).toBeGreaterThan(0);
    expect(offered.filter((name) => ['exec_command', 'write_stdin', 'web_search'].includes(name))).toEqual([]);
  });
});

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
