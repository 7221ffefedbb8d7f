#!/usr/bin/env node
// A stand-in for Claude Code's hooks (tests/features/hooks, tests/features/approvals): run inside a
// terminal, it calls the hook commands configured in the user's Claude Code settings
// (${CLAUDE_CONFIG_DIR:-~/.claude}/settings.json) exactly as Claude Code documents it
// (https://code.claude.com/docs/en/hooks): every matching command, through `sh -c`, with the event's
// JSON on stdin, its `timeout` (seconds, default 600) enforced; exit code 0 with JSON on stdout is a
// decision, exit code 2 blocks with stderr as the reason, any other code is a non-blocking error.
// It prints the outcome on one line so that a test can read it in the terminal:
//
//   fake-agent.mjs ask-permission <Tool> <command|file|url> [<old> <new>]   PermissionRequest
//       → ALLOWED / ALLOWED FOR SESSION: <rules JSON> / DENIED: <reason> / ASKED
//   fake-agent.mjs pre-tool <Tool> <argument>                               PreToolUse → the same words
//   fake-agent.mjs start | prompt <text> | notify <message> [<type>] | stop | end
//       → REPORTED <event> (and CONTEXT: <stdout> where Claude Code would add stdout to the conversation)
//
// Plain Node, no dependencies. The session id is FAKE_AGENT_SESSION or fixed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const [command, ...args] = process.argv.slice(2);
const sessionId = process.env.FAKE_AGENT_SESSION || '5b3f2a7e-0000-4000-8000-000000000001';
const configDir = process.env.CLAUDE_CONFIG_DIR || path.join(process.env.HOME || homedir(), '.claude');

function settings() {
  try {
    return JSON.parse(readFileSync(path.join(configDir, 'settings.json'), 'utf8'));
  } catch {
    return {};
  }
}

function toolInput(tool, values) {
  switch (tool) {
    case 'Bash':
      return { command: values[0], description: 'fake agent command' };
    case 'Edit':
      return { file_path: values[0], old_string: values[1] ?? '', new_string: values[2] ?? '', replace_all: false };
    case 'Write':
      return { file_path: values[0], content: values[1] ?? '' };
    case 'WebFetch':
      return { url: values[0], prompt: 'summarize' };
    default:
      return values[0] ? JSON.parse(values[0]) : {};
  }
}

/** The event's JSON, as Claude Code sends it on stdin. */
function eventFor(name, extra) {
  return {
    session_id: sessionId,
    transcript_path: path.join(configDir, 'projects', 'fake', `${sessionId}.jsonl`),
    cwd: process.cwd(),
    permission_mode: 'default',
    hook_event_name: name,
    ...extra,
  };
}

/** The commands configured for an event whose matcher matches `target` (a tool name, a notification type). */
function commandsFor(name, target) {
  const groups = settings().hooks?.[name];
  if (!Array.isArray(groups)) return [];
  const found = [];
  for (const group of groups) {
    const matcher = group?.matcher;
    const matches = matcher === undefined || matcher === '' || matcher === '*' || target === undefined || new RegExp(`^(?:${matcher})$`).test(target);
    if (!matches || !Array.isArray(group.hooks)) continue;
    for (const hook of group.hooks) if (hook?.type === 'command' && typeof hook.command === 'string') found.push(hook);
  }
  // Identical commands run once, as Claude Code deduplicates them.
  return found.filter((hook, index) => found.findIndex((other) => other.command === hook.command) === index);
}

function runHook(hook, input) {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', hook.command], { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), (hook.timeout ?? 600) * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(input));
  });
}

async function run(name, input, target) {
  const results = [];
  for (const hook of commandsFor(name, target)) results.push(await runHook(hook, input));
  for (const result of results) if (result.stderr.trim() && result.code !== 2) process.stderr.write(`hook stderr: ${result.stderr.trim()}\n`);
  return results;
}

/** The decision of a permission event's hooks, in the words this stand-in prints. */
function outcome(name, results) {
  for (const result of results) {
    if (result.code === 2) return `DENIED: ${result.stderr.trim()}`;
    if (result.code !== 0) {
      process.stdout.write(`HOOK ERROR (exit ${result.code}): ${result.stderr.trim()}\n`);
      continue;
    }
    if (!result.stdout.trim()) continue;
    let output;
    try {
      output = JSON.parse(result.stdout);
    } catch {
      process.stdout.write(`HOOK OUTPUT NOT JSON: ${result.stdout.trim()}\n`);
      continue;
    }
    const specific = output.hookSpecificOutput;
    if (specific?.hookEventName !== name) continue;
    if (name === 'PermissionRequest') {
      const decision = specific.decision;
      if (decision?.behavior === 'allow') return decision.updatedPermissions ? `ALLOWED FOR SESSION: ${JSON.stringify(decision.updatedPermissions)}` : 'ALLOWED';
      if (decision?.behavior === 'deny') return `DENIED: ${decision.message ?? ''}`;
    } else if (name === 'PreToolUse') {
      if (specific.permissionDecision === 'allow') return 'ALLOWED';
      if (specific.permissionDecision === 'deny') return `DENIED: ${specific.permissionDecisionReason ?? ''}`;
      if (specific.permissionDecision === 'ask') return 'ASKED';
    }
  }
  return 'ASKED';
}

async function main() {
  switch (command) {
    case 'ask-permission':
    case 'pre-tool': {
      const [tool, ...values] = args;
      const name = command === 'ask-permission' ? 'PermissionRequest' : 'PreToolUse';
      const input = eventFor(name, { tool_name: tool, tool_input: toolInput(tool, values), tool_use_id: `toolu_${Date.now()}` });
      process.stdout.write(`${outcome(name, await run(name, input, tool))}\n`);
      return;
    }
    case 'start':
    case 'prompt':
    case 'notify':
    case 'stop':
    case 'end': {
      const name = { start: 'SessionStart', prompt: 'UserPromptSubmit', notify: 'Notification', stop: 'Stop', end: 'SessionEnd' }[command];
      const extra =
        command === 'start'
          ? { source: 'startup' }
          : command === 'prompt'
            ? { prompt: args[0] ?? '' }
            : command === 'notify'
              ? { message: args[0] ?? '', notification_type: args[1] ?? 'idle_prompt' }
              : command === 'stop'
                ? { stop_hook_active: false }
                : { reason: 'prompt_input_exit' };
      const results = await run(name, eventFor(name, extra), command === 'notify' ? extra.notification_type : undefined);
      const context = results.map((result) => result.stdout.trim()).filter(Boolean).join(' ');
      if (context && (name === 'UserPromptSubmit' || name === 'SessionStart')) process.stdout.write(`CONTEXT: ${context}\n`);
      process.stdout.write(`REPORTED ${name}\n`);
      return;
    }
    default:
      process.stderr.write('usage: fake-agent.mjs ask-permission|pre-tool|start|prompt|notify|stop|end …\n');
      process.exitCode = 1;
  }
}

await main();
