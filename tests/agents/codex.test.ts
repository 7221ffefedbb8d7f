// The real Codex CLI (@openai/codex in tests/tools: a Node launcher for the native binary in its
// platform package) run offline with `codex exec` against the fake OpenAI Responses API on loopback
// (tests/helpers/fake-model-api.ts). Its `notify` program and its hooks (hooks.json, the same event
// names and decision JSON as Claude Code's) point at the recorder (tests/helpers/hook-recorder.mjs).
// Config: https://developers.openai.com/codex/config-reference, hooks: https://developers.openai.com/codex/hooks
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as nodePty from 'node-pty';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { codexBinary, codexLauncher } from '../helpers/agent-clis.js';
import { makeTempDir } from '../helpers/app.js';
import { functionOutputsIn, startFakeResponsesApi, type FakeResponsesApi, type ResponsesScript } from '../helpers/fake-model-api.js';

const { Terminal } = xtermHeadless;
const RECORDER = path.resolve(import.meta.dirname, '../helpers/hook-recorder.mjs');
/** Prints a text the command line does not contain, so a refusal that quotes the command cannot pass for its output. */
const COMMAND = 'echo hello-from-tool | tr a-z A-Z';
const SHELL_TOOL = 'exec_command';

const fakes: FakeResponsesApi[] = [];
const terminals: nodePty.IPty[] = [];
afterEach(async () => {
  for (const terminal of terminals.splice(0)) {
    try {
      terminal.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

/** The launcher `npx codex` runs: it finds the native binary of this platform and execs it. */

/**
 * The model asks for the shell command (`extra` adds arguments, e.g. to ask for escalation); once its
 * output comes back, it answers "done". Side requests (a title for the thread) get "ok".
 */
const commandThenDone =
  (extra: Record<string, unknown> = {}): ResponsesScript =>
  (request) => {
    if (!request.tools?.some((tool) => tool.name === SHELL_TOOL)) return { text: 'ok' };
    return functionOutputsIn(request).length > 0 ? { text: 'done' } : { toolUse: { name: SHELL_TOOL, input: { cmd: COMMAND, ...extra } } };
  };

interface HookPayload {
  hook_event_name?: string;
  type?: string;
  [key: string]: unknown;
}

/**
 * A fresh HOME with ~/.codex/config.toml (the fake as model provider, notify and nothing that
 * reaches the network: no update check, no plugin sync, no analytics) and ~/.codex/hooks.json.
 */
async function setUpCodex(decisions: Record<string, unknown> = {}, script = commandThenDone(), configLines: string[] = []) {
  const fake = await startFakeResponsesApi(script);
  fakes.push(fake);
  const home = makeTempDir('codex-home-');
  const work = makeTempDir('codex-work-');
  const codexHome = path.join(home, '.codex');
  mkdirSync(codexHome);
  const log = path.join(home, 'hooks.jsonl');
  const decisionsFile = path.join(home, 'decisions.json');
  writeFileSync(decisionsFile, JSON.stringify(decisions));
  writeFileSync(
    path.join(codexHome, 'config.toml'),
    [
      'model = "gpt-test"',
      'model_provider = "fake"',
      // Codex appends the event's JSON as the last argument.
      `notify = ${JSON.stringify([process.execPath, RECORDER, log])}`,
      'check_for_update_on_startup = false',
      ...configLines,
      '',
      '[model_providers.fake]',
      'name = "Fake"',
      `base_url = ${JSON.stringify(fake.baseUrl)}`,
      'env_key = "FAKE_API_KEY"',
      'wire_api = "responses"',
      '',
      '[features]',
      // Else it syncs the curated plugins from chatgpt.com and github.com at start.
      'plugins = false',
      '',
      '[analytics]',
      'enabled = false',
      '',
    ].join('\n'),
  );
  const command = [process.execPath, RECORDER, log, decisionsFile].map((part) => `'${part}'`).join(' ');
  const handler = (matcher?: string) => [{ ...(matcher ? { matcher } : {}), hooks: [{ type: 'command', command }] }];
  const hooks = {
    SessionStart: handler(),
    UserPromptSubmit: handler(),
    PreToolUse: handler('Bash'),
    PermissionRequest: handler('Bash'),
    PostToolUse: handler('Bash'),
    Stop: handler(),
  };
  writeFileSync(path.join(codexHome, 'hooks.json'), JSON.stringify({ hooks }, null, 2));
  const recorded = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as { payload: HookPayload }).payload)
      : [];
  const tmp = path.join(home, 'tmp');
  mkdirSync(tmp);
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, TMPDIR: tmp, CODEX_HOME: codexHome, FAKE_API_KEY: 'test-key' };
  return { fake, home, work, env, recorded };
}

type Codex = Awaited<ReturnType<typeof setUpCodex>>;

/** `codex exec --skip-git-repo-check [flags] <prompt>` in the work directory, to its exit. */
async function runExec(codex: Codex, flags: string[], prompt: string) {
  const args = [codexLauncher(), 'exec', '--skip-git-repo-check', ...flags, prompt];
  const child = spawn(process.execPath, args, { cwd: codex.work, env: codex.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { code, stdout, stderr };
}

/** The function_call_output texts Codex sent back to the model. */
const functionOutputs = (fake: FakeResponsesApi) => fake.responses.flatMap(functionOutputsIn).map((item) => String(item.output));

const hookNames = (codex: Codex) => codex.recorded().flatMap((payload) => (payload.hook_event_name ? [payload.hook_event_name] : []));

/** notify runs after the turn and is not waited for: Codex may exit before it has written. */
function waitForNotify(codex: Codex): Promise<HookPayload> {
  return vi.waitFor(
    () => {
      const notify = codex.recorded().find((payload) => payload.type === 'agent-turn-complete');
      if (!notify) throw new Error(`no notify yet; recorded: ${JSON.stringify(codex.recorded())}`);
      return notify;
    },
    { timeout: 10_000, interval: 100 },
  );
}

function expectNoUnexpectedRequests(fake: FakeResponsesApi): void {
  expect(fake.unexpectedRequests.map((request) => `${request.method} ${request.path} ${request.body.slice(0, 200)}`)).toEqual([]);
}

describe('Codex exec, against the fake Responses API', () => {
  it('runs the shell command, and its hooks and notify get the documented JSON', { timeout: 90_000 }, async () => {
    const codex = await setUpCodex();

    const run = await runExec(codex, ['--dangerously-bypass-hook-trust'], 'run the tool');

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe('done');
    expect(functionOutputs(codex.fake)).toEqual([expect.stringContaining('HELLO-FROM-TOOL')]);
    expect(hookNames(codex)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop']);
    const [start] = codex.recorded();
    const sessionId = start!.session_id as string;
    for (const payload of codex.recorded().filter((entry) => entry.hook_event_name)) {
      expect(payload, payload.hook_event_name).toMatchObject({ session_id: sessionId, cwd: codex.work, transcript_path: expect.stringContaining(sessionId), model: 'gpt-test' });
    }
    const hook = (name: string) => codex.recorded().find((payload) => payload.hook_event_name === name);
    expect(hook('UserPromptSubmit')).toMatchObject({ prompt: 'run the tool', turn_id: expect.any(String) });
    expect(hook('PreToolUse')).toMatchObject({ tool_name: 'Bash', tool_input: { command: COMMAND }, tool_use_id: expect.stringMatching(/^call_/) });
    expect(hook('PostToolUse')).toMatchObject({ tool_name: 'Bash', tool_response: expect.stringContaining('HELLO-FROM-TOOL') });
    expect(hook('Stop')).toMatchObject({ stop_hook_active: false, last_assistant_message: 'done' });

    const notify = await waitForNotify(codex);
    expect(notify).toMatchObject({ 'thread-id': sessionId, cwd: codex.work, 'input-messages': ['run the tool'], 'last-assistant-message': 'done' });
    expectNoUnexpectedRequests(codex.fake);
  });

  it('does not run the command a PreToolUse hook denies, and tells the model the reason', { timeout: 90_000 }, async () => {
    const reason = 'Denied from Shellport: nobody approved it';
    const codex = await setUpCodex({
      PreToolUse: { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } },
    });

    const run = await runExec(codex, ['--dangerously-bypass-hook-trust'], 'run the tool');

    expect(run.code, run.stderr).toBe(0);
    expect(functionOutputs(codex.fake)).toEqual([expect.stringContaining(reason)]);
    expect(functionOutputs(codex.fake)[0]).not.toContain('HELLO-FROM-TOOL');
    expect(hookNames(codex)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'Stop']);
    expectNoUnexpectedRequests(codex.fake);
  });

  it('skips hooks nobody has trusted, without a word, while notify still runs', { timeout: 90_000 }, async () => {
    const codex = await setUpCodex();

    const run = await runExec(codex, [], 'run the tool');

    expect(run.code, run.stderr).toBe(0);
    expect(functionOutputs(codex.fake)).toEqual([expect.stringContaining('HELLO-FROM-TOOL')]);
    await waitForNotify(codex);
    expect(hookNames(codex)).toEqual([]);
  });
});

/** Waits until `probe` returns a value (at most `timeoutMs`); on time-out, fails with `describeState()`. */
function waitFor<T>(probe: () => T | null | undefined | false, describeState: () => string, timeoutMs = 20_000): Promise<T> {
  return vi.waitFor(
    () => {
      const value = probe();
      if (value === null || value === undefined || value === false) throw new Error(`Timed out; so far:\n${describeState()}`);
      return value;
    },
    { timeout: timeoutMs, interval: 100 },
  );
}

/** The Codex TUI in a real PTY, its screen kept by a headless xterm.js, as in a Shellport terminal. */
function startInTerminal(codex: Codex, flags: string[]) {
  const cols = 120;
  const rows = 40;
  const screen = new Terminal({ cols, rows, allowProposedApi: true });
  const terminal = nodePty.spawn(codexBinary(), flags, { name: 'xterm-256color', cols, rows, cwd: codex.work, env: { ...codex.env, TERM: 'xterm-256color', LANG: 'C.UTF-8' } });
  terminals.push(terminal);
  let exitCode: number | null = null;
  let lastOutputAt = Date.now();
  terminal.onData((data) => {
    lastOutputAt = Date.now();
    screen.write(data);
  });
  terminal.onExit((event) => (exitCode = event.exitCode));
  const text = () => {
    const buffer = screen.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buffer.length; i++) lines.push(buffer.getLine(i)?.translateToString(true) ?? '');
    return lines.join('\n').replaceAll('\u00a0', ' ');
  };
  /** Types `text` once the composer is ready, and Enter once the screen shows it and has settled (else it is taken for a paste). */
  const typeLine = async (line: string) => {
    await waitFor(() => text().includes('? for shortcuts') && Date.now() - lastOutputAt >= 300, text, 30_000);
    terminal.write(line);
    await waitFor(() => text().includes(`› ${line}`) && Date.now() - lastOutputAt >= 500, text);
    terminal.write('\r');
  };
  return { terminal, text, typeLine, exitCode: () => exitCode };
}

describe('Codex in a terminal, against the fake Responses API', () => {
  it('asks approval for an escalated command with PermissionRequest, and runs it once answered', { timeout: 120_000 }, async () => {
    const escalated = commandThenDone({ sandbox_permissions: 'require_escalated', justification: 'Shellport test' });
    const codex = await setUpCodex({}, escalated, ['approval_policy = "on-request"']);
    const session = startInTerminal(codex, ['--dangerously-bypass-hook-trust']);

    await session.typeLine('run the tool');

    const request = await waitFor(() => codex.recorded().find((payload) => payload.hook_event_name === 'PermissionRequest'), () => JSON.stringify(codex.recorded()));
    expect(request).toMatchObject({ tool_name: 'Bash', tool_input: { command: COMMAND, description: 'Shellport test' }, cwd: codex.work });
    await waitFor(() => session.text().includes('Would you like to run the following command?'), session.text);
    expect(functionOutputs(codex.fake)).toEqual([]);

    session.terminal.write('y'); // "1. Yes, proceed (y)"
    await waitFor(() => hookNames(codex).includes('Stop'), () => `${hookNames(codex).join(', ')}\n${session.text()}`);
    expect(functionOutputs(codex.fake)).toEqual([expect.stringContaining('HELLO-FROM-TOOL')]);
    expect(hookNames(codex)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Stop']);
    // notify also reports the side thread that names the session: only the session's own thread-id is this turn.
    const sessionId = request.session_id as string;
    const notify = await waitFor(() => codex.recorded().find((payload) => payload.type === 'agent-turn-complete' && payload['thread-id'] === sessionId), () => JSON.stringify(codex.recorded()));
    expect(notify).toMatchObject({ client: 'codex-tui', 'last-assistant-message': 'done' });

    await session.typeLine('/quit');
    await waitFor(() => session.exitCode() !== null, session.text);
    expect(session.exitCode()).toBe(0);
    expectNoUnexpectedRequests(codex.fake);
  });
});
