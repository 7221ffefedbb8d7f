// The real Claude Code CLI (@anthropic-ai/claude-code in tests/tools: a native binary from its
// platform package, no Node inside) run offline against the fake Anthropic API on loopback
// (tests/helpers/fake-model-api.ts), with every hook Shellport cares about pointing at a recorder
// (tests/helpers/hook-recorder.mjs). It pins what Shellport's hook wiring relies on: which hooks fire,
// the JSON they receive, and what a hook's decision does to the tool call. Headless (`-p`) first,
// then in a real terminal, where the permission dialog, PermissionRequest and Notification happen.
// Hook shapes: https://docs.anthropic.com/en/docs/claude-code/hooks
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import xtermHeadless from '@xterm/headless';
import * as nodePty from 'node-pty';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { claudeBinary } from '../helpers/agent-clis.js';
import { makeTempDir } from '../helpers/app.js';
import { startFakeModelApi, textOf, toolResultsIn, toolThenText, type FakeModelApi, type ReplyScript } from '../helpers/fake-model-api.js';

const { Terminal } = xtermHeadless;
const RECORDER = path.resolve(import.meta.dirname, '../helpers/hook-recorder.mjs');
/** Needs approval in Claude Code's default mode (unlike `echo`), and prints a text it does not contain. */
const COMMAND = `node -e "console.log('hello-from-' + 'tool')"`;
const TOOL_USE = { name: 'Bash', input: { command: COMMAND, description: 'Print a greeting' } };
const API_KEY = 'test-key';

const fakes: FakeModelApi[] = [];
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

async function startFake(script: ReplyScript): Promise<FakeModelApi> {
  const fake = await startFakeModelApi(script);
  fakes.push(fake);
  return fake;
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** Hook events recorded, each with the matcher that scopes it to the Bash tool where one applies. */
const HOOK_EVENTS: [event: string, matcher?: string][] = [
  ['SessionStart'],
  ['UserPromptSubmit'],
  ['PreToolUse', 'Bash'],
  ['PermissionRequest', 'Bash'],
  ['PostToolUse', 'Bash'],
  ['Notification'],
  ['Stop'],
  ['StopFailure'],
  ['SessionEnd'],
];

interface Agent {
  home: string;
  /** The project directory the agent runs in. */
  work: string;
  settingsFile: string;
  /** The JSON each hook received, in order. */
  hooks: () => HookPayload[];
  /** The SHELLPORT_* variables each hook process inherited, in the same order. */
  hookEnvs: () => Record<string, string>[];
  env: Record<string, string>;
}

interface HookPayload {
  hook_event_name: string;
  session_id?: string;
  cwd?: string;
  transcript_path?: string;
  tool_name?: string;
  tool_input?: { command?: string };
  [key: string]: unknown;
}

/**
 * A fresh HOME and project directory, a settings file whose hooks run the recorder, and the
 * environment that keeps Claude Code on the fake API with no other traffic. `decisions` maps a hook
 * event to the JSON the recorder prints for it. The settings file is given with `--settings`, or
 * (`settingsIn: 'home'`) is the user's ~/.claude/settings.json, read without any flag.
 */
function setUpAgent(fake: FakeModelApi, decisions: Record<string, unknown> = {}, settingsIn: 'flag' | 'home' = 'flag'): Agent {
  const home = makeTempDir('claude-home-');
  const work = makeTempDir('claude-work-');
  const log = path.join(home, 'hooks.jsonl');
  const decisionsFile = path.join(home, 'decisions.json');
  writeFileSync(decisionsFile, JSON.stringify(decisions));
  const command = [process.execPath, RECORDER, log, decisionsFile].map(quote).join(' ');
  const hooks = Object.fromEntries(
    HOOK_EVENTS.map(([event, matcher]) => [event, [{ ...(matcher ? { matcher } : {}), hooks: [{ type: 'command', command }] }]]),
  );
  if (settingsIn === 'home') mkdirSync(path.join(home, '.claude'));
  const settingsFile = settingsIn === 'home' ? path.join(home, '.claude', 'settings.json') : path.join(home, 'shellport-settings.json');
  writeFileSync(settingsFile, JSON.stringify({ hooks }, null, 2));
  // Its scratch files (it keeps a folder per project under $TMPDIR/claude-<uid>) go with the test's.
  const tmp = path.join(home, 'tmp');
  mkdirSync(tmp);
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmp,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: API_KEY,
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // Else the interactive mode tries to clone the official plugin marketplace (DNS, then git over ssh).
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    // How a Shellport terminal could tell its hooks which terminal they belong to.
    SHELLPORT_TERMINAL_ID: 'terminal-under-test',
  };
  const records = () =>
    existsSync(log)
      ? readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { env: Record<string, string>; payload: HookPayload })
      : [];
  return { home, work, settingsFile, hooks: () => records().map((record) => record.payload), hookEnvs: () => records().map((record) => record.env), env };
}

interface HeadlessRun {
  code: number | null;
  /** The stream-json lines, parsed. */
  events: { type: string; subtype?: string; result?: string; is_error?: boolean }[];
  stderr: string;
}

/** `claude -p <prompt> --output-format stream-json --verbose --settings <file>`, to its exit. */
async function runHeadless(agent: Agent, prompt: string): Promise<HeadlessRun> {
  const args = ['-p', prompt, '--output-format', 'stream-json', '--verbose', '--settings', agent.settingsFile];
  const child = spawn(claudeBinary(), args, { cwd: agent.work, env: agent.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const events = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as HeadlessRun['events'][number]);
  return { code, events, stderr };
}

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

const eventNames = (agent: Agent) => agent.hooks().map((payload) => payload.hook_event_name);
const hook = (agent: Agent, event: string) => agent.hooks().find((payload) => payload.hook_event_name === event);

/** The tool_result blocks the CLI sent back to the model, over the whole conversation. */
function toolResults(fake: FakeModelApi) {
  return fake.messages.flatMap(toolResultsIn).map((block) => ({ text: textOf(block.content), isError: block.is_error ?? false }));
}

function expectNoUnexpectedRequests(fake: FakeModelApi): void {
  expect(fake.unexpectedRequests.map((request) => `${request.method} ${request.path} ${request.body.slice(0, 200)}`)).toEqual([]);
}

describe('Claude Code, headless (-p), against the fake API', () => {
  it('runs the Bash tool a PreToolUse hook allows, and every hook gets the documented JSON', { timeout: 90_000 }, async () => {
    const fake = await startFake(toolThenText(TOOL_USE));
    const agent = setUpAgent(fake, {
      PreToolUse: { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'allowed by the test' } },
    });

    const run = await runHeadless(agent, 'run the tool');

    expect(run.code, run.stderr).toBe(0);
    expect(run.events.at(-1)).toMatchObject({ type: 'result', subtype: 'success', is_error: false, result: 'done' });
    expect(toolResults(fake)).toEqual([{ text: 'hello-from-tool', isError: false }]);
    expect(eventNames(agent)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Stop', 'SessionEnd']);

    const sessionId = hook(agent, 'SessionStart')!.session_id;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    for (const payload of agent.hooks()) {
      expect(payload, payload.hook_event_name).toMatchObject({ session_id: sessionId, cwd: agent.work, transcript_path: expect.stringContaining(sessionId!) });
    }
    expect(hook(agent, 'SessionStart')).toMatchObject({ source: 'startup' });
    expect(hook(agent, 'UserPromptSubmit')).toMatchObject({ prompt: 'run the tool', permission_mode: 'default' });
    expect(hook(agent, 'PreToolUse')).toMatchObject({ tool_name: 'Bash', tool_input: { command: COMMAND }, tool_use_id: expect.stringMatching(/^toolu_/) });
    expect(hook(agent, 'PostToolUse')).toMatchObject({ tool_name: 'Bash', tool_response: { stdout: 'hello-from-tool' } });
    expect(hook(agent, 'Stop')).toMatchObject({ stop_hook_active: false, last_assistant_message: 'done' });
    expect(hook(agent, 'SessionEnd')).toMatchObject({ reason: expect.any(String) });
    expectNoUnexpectedRequests(fake);
  });

  it('does not run the tool a PreToolUse hook denies, and tells the model the reason', { timeout: 90_000 }, async () => {
    const fake = await startFake(toolThenText(TOOL_USE));
    const reason = 'Denied from Shellport: nobody approved it';
    const agent = setUpAgent(fake, {
      PreToolUse: { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } },
    });

    const run = await runHeadless(agent, 'run the tool');

    expect(run.code, run.stderr).toBe(0);
    expect(toolResults(fake)).toEqual([{ text: expect.stringContaining(reason), isError: true }]);
    expect(toolResults(fake)[0]!.text).not.toContain('hello-from-tool');
    expect(eventNames(agent)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'Stop', 'SessionEnd']);
    expectNoUnexpectedRequests(fake);
  });

  it('without a hook decision, refuses a command that needs approval, and asks no PermissionRequest hook (there is no dialog)', { timeout: 90_000 }, async () => {
    const fake = await startFake(toolThenText(TOOL_USE));
    const agent = setUpAgent(fake);

    const run = await runHeadless(agent, 'run the tool');

    expect(run.code, run.stderr).toBe(0);
    expect(toolResults(fake)).toEqual([{ text: 'This command requires approval', isError: true }]);
    expect(eventNames(agent)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'Stop', 'SessionEnd']);
  });

  it('reports an API error in the API’s own shape through StopFailure, not Stop', { timeout: 90_000 }, async () => {
    const fake = await startFake(() => ({ error: { status: 400, type: 'invalid_request_error', message: 'fake-bad-request' } }));
    const agent = setUpAgent(fake);

    const run = await runHeadless(agent, 'run the tool');

    expect(run.code).toBe(1);
    expect(run.events.at(-1)).toMatchObject({ type: 'result', is_error: true, result: 'API Error: 400 fake-bad-request' });
    // StopFailure is fire-and-forget: it may be recorded before or after SessionEnd.
    const names = () => eventNames(agent);
    await waitFor(() => names().includes('SessionEnd') && names().includes('StopFailure'), () => names().join(', '));
    expect(names().slice(0, 2)).toEqual(['SessionStart', 'UserPromptSubmit']);
    expect(names().slice(2).sort()).toEqual(['SessionEnd', 'StopFailure']);
    expect(hook(agent, 'StopFailure')).toMatchObject({ last_assistant_message: 'API Error: 400 fake-bad-request' });
    expectNoUnexpectedRequests(fake);
  });
});

/** Claude Code in a real PTY, its screen kept by a headless xterm.js, as in a Shellport terminal. */
function startInTerminal(agent: Agent, args: string[] = []) {
  // What the first-run screens would ask: onboarding done (else a preflight to api.anthropic.com),
  // this folder trusted, and this API key accepted (Claude Code keeps its last 20 characters).
  writeFileSync(
    path.join(agent.home, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      theme: 'dark',
      customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
      projects: { [agent.work]: { hasTrustDialogAccepted: true } },
    }),
  );
  const cols = 120;
  const rows = 40;
  const screen = new Terminal({ cols, rows, allowProposedApi: true });
  const terminal = nodePty.spawn(claudeBinary(), args, {
    name: 'xterm-256color',
    cols,
    rows,
    cwd: agent.work,
    env: { ...agent.env, TERM: 'xterm-256color', LANG: 'C.UTF-8' },
  });
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
    // The input box draws its prompt as "❯" and a no-break space.
    return lines.join('\n').replaceAll('\u00a0', ' ');
  };
  /** Whether the program has printed nothing for `ms`: it has drawn what it was given. */
  const isQuietFor = (ms: number) => Date.now() - lastOutputAt >= ms;
  return { terminal, text, isQuietFor, exitCode: () => exitCode };
}

type InTerminal = ReturnType<typeof startInTerminal>;

/**
 * Types `text` once the input box is ready, and Enter once the screen shows it and has settled: an
 * Enter that follows the typing at once is taken as part of a paste and is lost.
 */
async function typeLine(session: InTerminal, text: string): Promise<void> {
  await waitFor(() => session.text().includes('? for shortcuts') && session.isQuietFor(300), session.text, 30_000);
  session.terminal.write(text);
  await waitFor(() => session.text().includes(`❯ ${text}`) && session.isQuietFor(500), session.text);
  session.terminal.write('\r');
}

async function exitClaude(session: InTerminal, agent: Agent): Promise<void> {
  await typeLine(session, '/exit');
  await waitFor(() => session.exitCode() !== null, session.text);
  await waitFor(() => eventNames(agent).includes('SessionEnd'), () => eventNames(agent).join(', '));
}

describe('Claude Code in a terminal, against the fake API', () => {
  it('gets past the first-run screens, reads hooks from ~/.claude/settings.json, asks permission with PermissionRequest then Notification, and runs the tool once answered', { timeout: 120_000 }, async () => {
    const fake = await startFake(toolThenText(TOOL_USE));
    const agent = setUpAgent(fake, {}, 'home');
    const session = startInTerminal(agent);

    await typeLine(session, 'run the tool');

    const request = await waitFor(() => hook(agent, 'PermissionRequest'), () => eventNames(agent).join(', '));
    expect(request).toMatchObject({ tool_name: 'Bash', tool_input: { command: COMMAND }, permission_mode: 'default', cwd: agent.work });
    await waitFor(() => session.text().includes('Do you want to proceed?'), session.text);
    // The notification follows once the dialog has waited a few seconds (6 s in 2.1.197).
    const notification = await waitFor(() => hook(agent, 'Notification'), () => eventNames(agent).join(', '), 30_000);
    expect(notification).toMatchObject({ notification_type: 'permission_prompt', message: 'Claude needs your permission', session_id: request.session_id });
    expect(toolResults(fake)).toEqual([]);

    session.terminal.write('1'); // "1. Yes"
    await waitFor(() => hook(agent, 'Stop'), () => eventNames(agent).join(', '));
    expect(toolResults(fake)).toEqual([{ text: 'hello-from-tool', isError: false }]);
    expect(session.text()).toContain('hello-from-tool');

    await exitClaude(session, agent);
    expect(eventNames(agent)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'Notification', 'PostToolUse', 'Stop', 'SessionEnd']);
    expect(new Set(agent.hookEnvs().map((env) => env.SHELLPORT_TERMINAL_ID))).toEqual(new Set(['terminal-under-test']));
    expect(session.exitCode()).toBe(0);
    expectNoUnexpectedRequests(fake);
  });

  it.each([
    { behavior: 'allow', decision: { behavior: 'allow' }, toolResult: { text: 'hello-from-tool', isError: false } },
    { behavior: 'deny', decision: { behavior: 'deny', message: 'Denied from Shellport' }, toolResult: { text: expect.stringContaining('Denied from Shellport'), isError: true } },
  ])('lets a PermissionRequest hook answer instead of the dialog: $behavior', { timeout: 120_000 }, async ({ behavior, decision, toolResult }) => {
    const fake = await startFake(toolThenText(TOOL_USE));
    const agent = setUpAgent(fake, { PermissionRequest: { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } } });
    const session = startInTerminal(agent, ['--settings', agent.settingsFile]);

    await typeLine(session, 'run the tool');

    await waitFor(() => hook(agent, 'Stop'), () => `${eventNames(agent).join(', ')}\n${session.text()}`);
    expect(toolResults(fake)).toEqual([toolResult]);
    expect(session.text()).not.toContain('Do you want to proceed?');
    await exitClaude(session, agent);
    expect(eventNames(agent)).toEqual(['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', ...(behavior === 'allow' ? ['PostToolUse'] : []), 'Stop', 'SessionEnd']);
    expectNoUnexpectedRequests(fake);
  });
});
