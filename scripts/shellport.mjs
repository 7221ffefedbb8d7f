#!/usr/bin/env node
// The `shellport` command in Shellport terminals (issue 20; docs/agents.md), run by
// scripts/terminal-bin/shellport:
//
//   shellport hook claude                  Claude Code hook: the event's JSON on stdin
//   shellport hook claude --approve        … a PreToolUse hook that asks the owner like a permission request
//   shellport hook codex '<json>'          Codex `notify` (the JSON as last argument; `--then <program> <args>…`
//                                          runs the notify program Codex ran before Shellport, after reporting)
//   shellport hook gemini|opencode [event] best effort: the JSON on stdin (or as an argument), events by name
//   shellport hooks show [claude|codex] [--json]
//   shellport hooks install|uninstall claude|codex [--yes] [--json]
//   shellport status
//
// A hook posts the agent's event to the server that started the terminal (SHELLPORT_HOOK_URL, loopback)
// with the terminal's own secret (SHELLPORT_CREDENTIAL_SECRET) and, for a permission request, waits
// for the owner's answer and prints it in the agent's documented decision format. Whatever goes wrong
// (no server, not a Shellport terminal, no answer in time), a hook prints one line on stderr and exits
// 0 with no decision, so the agent carries on and asks in the terminal as it would without Shellport.
// Plain JavaScript with only Node's own modules: it runs on Node >= 18 without node_modules.
import { spawn } from 'node:child_process';
import { copyFileSync, lstatSync, mkdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { APPROVAL_WAIT_MARGIN_SECONDS, INSTALL_AGENTS, hooksView, planHooks, settingsFileFor } from './shellport/hook-settings.mjs';

/**
 * The `shellport` that agents' settings name. In scripts/install.sh's layout this file runs from
 * <prefix>/releases/<release>/, which a later upgrade prunes: while <prefix>/current is that release,
 * the settings name it through `current` instead, so the hooks follow upgrades.
 */
function stableWrapper(wrapper) {
  const release = /^(.*)\/releases\/[^/]+\/scripts\/terminal-bin\/shellport$/.exec(wrapper);
  if (!release) return wrapper;
  const current = `${release[1]}/current`;
  try {
    if (realpathSync(current) === realpathSync(path.resolve(path.dirname(wrapper), '../..'))) return `${current}/scripts/terminal-bin/shellport`;
  } catch {
    // no `current` link: the release's own path
  }
  return wrapper;
}

const WRAPPER = stableWrapper(path.join(path.dirname(fileURLToPath(import.meta.url)), 'terminal-bin', 'shellport'));
const HOOK_AGENTS = ['claude', 'codex', 'gemini', 'opencode'];
/** How long the server may take to take a hook event in (and, for a permission request, to say it asked). */
const ANSWER_MS = 10_000;
/** The largest body the server takes (MAX_HOOK_PAYLOAD_BYTES in src/shared/attention.ts). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** The longest the standard input of a hook is read (Claude Code closes it at once). */
const STDIN_MS = 5_000;

const USAGE = `Usage:
  shellport status                                  Is this terminal connected to Shellport?
  shellport hooks show [claude|codex] [--json]      Are Shellport's hooks installed for the terminals' user?
  shellport hooks install claude|codex [--yes]      Add them to ~/.claude/settings.json or ~/.codex/config.toml
  shellport hooks uninstall claude|codex [--yes]    Remove exactly Shellport's entries again
  shellport hook claude|codex|gemini|opencode       (run by the agent) report an event; see docs/agents.md
`;

const say = (line) => process.stderr.write(`shellport: ${line}\n`);

// ------------------------------------------------------------------------------------------------
// shellport hook <agent>

/** Standard input as text ('' when it is a terminal: nobody pipes anything). */
function readStdin() {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const timer = setTimeout(() => {
      process.stdin.destroy();
      done();
    }, STDIN_MS);
    process.stdin.on('data', (chunk) => {
      size += chunk.length;
      if (size <= 16 * MAX_BODY_BYTES) chunks.push(chunk);
    });
    process.stdin.on('end', done);
    process.stdin.on('error', done);
  });
}

/** Strings longer than `max` characters, anywhere in `value`, cut (with a mark) so the body fits. */
function shorten(value, max) {
  if (typeof value === 'string') return value.length > max ? `${value.slice(0, max)}… [cut by shellport: ${value.length} characters]` : value;
  if (Array.isArray(value)) return value.map((item) => shorten(item, max));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shorten(item, max)]));
  return value;
}

function fitBody(request) {
  let body = JSON.stringify(request);
  for (const max of [64 * 1024, 4 * 1024, 256]) {
    if (Buffer.byteLength(body) <= MAX_BODY_BYTES) break;
    body = JSON.stringify({ ...request, payload: shorten(request.payload, max) });
  }
  return body;
}

/**
 * Posts an event; resolves with the last answer line (TerminalHookResponse). A permission request is
 * answered first with `{ pending }` (the owner was asked), then with the decision: after the pending
 * line the wait is the timeout it states plus a margin, never longer.
 */
async function postHook(url, secret, request) {
  const controller = new AbortController();
  let timer = setTimeout(() => controller.abort(new Error(`no answer from Shellport within ${ANSWER_MS / 1000} s`)), ANSWER_MS);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: fitBody(request),
      signal: controller.signal,
    });
    if (!response.ok) {
      const text = await response.text();
      let message = `${response.status} ${text.slice(0, 300)}`;
      try {
        message = JSON.parse(text).error.message;
      } catch {
        // not our JSON error shape: print as is
      }
      throw new Error(message);
    }
    const decoder = new TextDecoder();
    let buffered = '';
    let last = null;
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line);
        if (message.pending) {
          clearTimeout(timer);
          const waitMs = (Number(message.pending.timeoutSeconds) + APPROVAL_WAIT_MARGIN_SECONDS) * 1000;
          timer = setTimeout(() => controller.abort(new Error(`no answer from Shellport within ${Math.round(waitMs / 1000)} s`)), waitMs);
          process.stderr.write(`shellport: asked in Shellport (approval ${message.pending.approvalId}); waiting up to ${message.pending.timeoutSeconds} s\n`);
        } else {
          last = message;
        }
      }
    }
    if (buffered.trim()) last = JSON.parse(buffered);
    if (!last) throw new Error('Shellport closed the connection without an answer');
    return last;
  } catch (error) {
    throw controller.signal.aborted && controller.signal.reason instanceof Error ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An allow for the rest of the session, as Claude Code's PermissionRequest `updatedPermissions` can
 * say it: a rule for exactly this Bash command line (no wildcards, one line). Other tools are allowed
 * again by Shellport itself, which remembers the request for this terminal.
 */
function sessionRule(payload) {
  const command = payload?.tool_input?.command;
  if (payload?.tool_name !== 'Bash' || typeof command !== 'string' || !command.trim() || /[\n*]/.test(command)) return null;
  return [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: command.trim() }], behavior: 'allow', destination: 'session' }];
}

/** Claude Code's documented decision output (https://code.claude.com/docs/en/hooks), or null to print nothing. */
function claudeDecision(event, decision, payload) {
  const reason = decision.reason || (decision.behavior === 'deny' ? 'Denied in Shellport.' : decision.behavior === 'allow' ? 'Allowed in Shellport.' : 'Nobody answered in Shellport: asking here.');
  if (event === 'PermissionRequest') {
    // `ask`: no decision, and Claude Code shows its own prompt in the terminal.
    if (decision.behavior === 'ask') return null;
    const out = { behavior: decision.behavior };
    if (decision.behavior === 'deny') out.message = reason;
    if (decision.behavior === 'allow' && decision.scope === 'session') {
      const rules = sessionRule(payload);
      if (rules) out.updatedPermissions = rules;
    }
    return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: out } };
  }
  if (event === 'PreToolUse') {
    return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: decision.behavior, permissionDecisionReason: reason } };
  }
  return null;
}

/** Runs the notify program Codex ran before Shellport (`--then`), detached: Codex does not wait for notify either. */
function runChained(command, json) {
  try {
    const child = spawn(command[0], [...command.slice(1), json], { detached: true, stdio: 'ignore' });
    child.on('error', (error) => say(`could not run ${command[0]}: ${error.message}`));
    child.unref();
  } catch (error) {
    say(`could not run ${command[0]}: ${error.message}`);
  }
}

async function hook(agent, args) {
  if (!HOOK_AGENTS.includes(agent)) {
    say(`unknown agent ${agent ?? '(none)'}: one of ${HOOK_AGENTS.join(', ')}`);
    return;
  }
  let approve = false;
  let then = null;
  const rest = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--approve') approve = true;
    else if (args[i] === '--then') {
      // Codex appends the event's JSON as the last argument: everything between is the chained program.
      then = args.slice(i + 1, -1);
      rest.push(args.at(-1));
      break;
    } else rest.push(args[i]);
  }
  const jsonArg = rest.find((arg) => typeof arg === 'string' && arg.trimStart().startsWith('{'));
  if (agent === 'codex' && then?.length && jsonArg) runChained(then, jsonArg);
  const text = jsonArg ?? (await readStdin());
  let payload = {};
  if (text.trim()) {
    try {
      payload = JSON.parse(text);
    } catch (error) {
      say(`the ${agent} hook input is not JSON (${error.message}); ignored`);
      return;
    }
  }
  const named = rest.find((arg) => arg !== jsonArg);
  const event = String(payload?.hook_event_name ?? payload?.type ?? payload?.event ?? named ?? '').slice(0, 100);
  if (!event) {
    say(`no event name in the ${agent} hook input; ignored`);
    return;
  }
  const url = process.env.SHELLPORT_HOOK_URL;
  const secret = process.env.SHELLPORT_CREDENTIAL_SECRET;
  if (!url || !secret) {
    say(`not in a Shellport terminal (SHELLPORT_HOOK_URL unset); ${event} not reported`);
    return;
  }
  let answer;
  try {
    answer = await postHook(url, secret, { agent, event, payload, ...(approve ? { askOwner: true } : {}) });
  } catch (error) {
    say(`${event} not reported to Shellport at ${url}: ${error.message}`);
    return;
  }
  if (!answer.decision) return;
  if (agent !== 'claude') return; // other agents take no decision from a hook (yet)
  const output = claudeDecision(event, answer.decision, payload);
  if (output) process.stdout.write(`${JSON.stringify(output)}\n`);
}

// ------------------------------------------------------------------------------------------------
// shellport hooks show|install|uninstall

class CliError extends Error {}

function readSettings(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw new CliError(`cannot read ${file}: ${error.message}`);
  }
}

/** A UTC time for file names: 20261211T093000Z. */
const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Writes `text` to `file` by a rename (readers never see half a file), first keeping the old file as
 * `<file>.before-shellport-<UTC time>` with its mode. A symbolic link (a dotfiles manager's) stays a
 * link: its target is written. Refuses when the file changed since it was read.
 */
function writeSettings(file, before, text) {
  const target = (() => {
    try {
      return lstatSync(file).isSymbolicLink() ? realpathSync(file) : file;
    } catch {
      return file;
    }
  })();
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  if (readSettings(target) !== before) throw new CliError(`${file} changed while this ran; run it again`);
  let backup = null;
  let mode;
  if (before !== null) {
    mode = statSync(target).mode & 0o777;
    backup = `${file}.before-shellport-${stamp()}`;
    copyFileSync(target, backup);
  }
  const temp = `${target}.shellport-${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, mode === undefined ? {} : { mode });
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new CliError(`cannot write ${file}: ${error.message}`);
  }
  return backup;
}

function home() {
  return process.env.HOME || homedir();
}

async function confirm(question) {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise((resolve) => rl.question(question, resolve));
    return /^y(es)?$/i.test(String(answer).trim());
  } finally {
    rl.close();
  }
}

async function hooks(action, args) {
  const json = args.includes('--json');
  const yes = args.includes('--yes') || args.includes('-y');
  const agents = args.filter((arg) => !arg.startsWith('-'));
  if (!['show', 'install', 'uninstall'].includes(action)) throw new CliError(`unknown action ${action ?? '(none)'}\n${USAGE}`);
  if (agents.some((agent) => !INSTALL_AGENTS.includes(agent))) {
    throw new CliError(`Shellport installs hooks for ${INSTALL_AGENTS.join(' and ')} (Gemini CLI and opencode: see docs/agents.md)`);
  }
  const view = (agent) => {
    const file = settingsFileFor(agent, home(), process.env);
    const text = readSettings(file);
    return { file, text, view: hooksView(agent, file, text, WRAPPER) };
  };
  if (action === 'show') {
    const views = (agents.length ? agents : INSTALL_AGENTS).map((agent) => view(agent).view);
    if (json) return void process.stdout.write(`${JSON.stringify({ hooks: views })}\n`);
    for (const item of views) {
      process.stdout.write(`${item.agent}: ${item.installed ? 'installed' : 'not installed'} in ${item.settingsFile}\n`);
      if (item.problem) process.stdout.write(`  cannot change it: ${item.problem}\n`);
      if (item.note) process.stdout.write(`  ${item.note}\n`);
      if (!item.installed && item.installChange) process.stdout.write(`  \`shellport hooks install ${item.agent}\` would change:\n${item.installChange}`);
    }
    return;
  }
  if (agents.length !== 1) throw new CliError(`name one agent: shellport hooks ${action} claude|codex`);
  const agent = agents[0];
  const { file, text, view: before } = view(agent);
  if (before.problem) throw new CliError(`cannot change ${file}: ${before.problem}`);
  const plan = planHooks(agent, text, WRAPPER);
  const after = action === 'install' ? plan.afterInstall : plan.afterUninstall;
  const change = action === 'install' ? before.installChange : before.uninstallChange;
  if (after === null) {
    if (json) process.stdout.write(`${JSON.stringify({ hooks: before, changed: false, backup: null })}\n`);
    else process.stdout.write(action === 'install' ? `Shellport's ${agent} hooks are already installed in ${file}.\n` : `No Shellport hooks in ${file}: nothing to remove.\n`);
    return;
  }
  if (!json) {
    process.stdout.write(`${change}`);
    if (plan.note) process.stdout.write(`${plan.note}\n`);
  }
  if (!yes) {
    if (!process.stdin.isTTY) throw new CliError(`this would change ${file} as shown; run it again with --yes to do it`);
    if (!(await confirm(`Change ${file}? [y/N] `))) throw new CliError('nothing changed');
  }
  const backup = writeSettings(file, text, after);
  const result = { hooks: hooksView(agent, file, readSettings(file), WRAPPER), changed: true, backup };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${action === 'install' ? 'Installed' : 'Removed'} Shellport's ${agent} hooks in ${file}${backup ? ` (the previous file is ${backup})` : ''}.\n`);
}

// ------------------------------------------------------------------------------------------------
// shellport status

async function status() {
  const url = process.env.SHELLPORT_HOOK_URL;
  const secret = process.env.SHELLPORT_CREDENTIAL_SECRET;
  if (!url || !secret) throw new CliError('not in a Shellport terminal (SHELLPORT_HOOK_URL unset)');
  let response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${secret}` }, signal: AbortSignal.timeout(ANSWER_MS) });
  } catch (error) {
    throw new CliError(`cannot reach Shellport at ${url}: ${error.message}`);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new CliError(`Shellport at ${url} refused this terminal: ${body?.error?.message ?? response.status}`);
  const { terminal, agent } = body;
  const where = terminal.workspaceName ? ` in workspace ${terminal.workspaceName}` : '';
  process.stdout.write(`Connected to Shellport at ${new URL(url).origin}: terminal ${terminal.name ? `"${terminal.name}" ` : ''}${terminal.id}${where}.\n`);
  if (agent) process.stdout.write(`Agent: ${agent.name}${agent.task ? `, working on: ${agent.task}` : ''}\n`);
  for (const name of INSTALL_AGENTS) {
    const file = settingsFileFor(name, home(), process.env);
    const view = hooksView(name, file, readSettings(file), WRAPPER);
    process.stdout.write(`${name} hooks: ${view.installed ? 'installed' : `not installed (shellport hooks install ${name})`}\n`);
  }
}

// ------------------------------------------------------------------------------------------------

async function main(argv) {
  const [command, ...args] = argv;
  if (command === 'hook') {
    // A hook never fails the agent: every error is one line on stderr, and the exit status is 0.
    try {
      await hook(args[0], args.slice(1));
    } catch (error) {
      say(`hook failed: ${error?.message ?? error}`);
    }
    return 0;
  }
  try {
    if (command === 'hooks') await hooks(args[0], args.slice(1));
    else if (command === 'status') await status();
    else if (command === undefined || command === 'help' || command === '--help' || command === '-h') process.stdout.write(USAGE);
    else throw new CliError(`unknown command ${command}\n${USAGE}`);
    return 0;
  } catch (error) {
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: { code: 'hooks_failed', message: error.message } })}\n`);
    say(error instanceof CliError ? error.message : `failed: ${error?.stack ?? error}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
