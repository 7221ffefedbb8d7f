#!/usr/bin/env node
// A hook command for agent CLIs under test (tests/agents/): appends the JSON the agent passes on
// standard input (Claude Code) or as the last argument (Codex's `notify`) to a JSON-lines file, and
// prints the decision a test scripted for that event, if any.
//
//   node hook-recorder.mjs <log.jsonl> [<decisions.json>] [<payload JSON, as notify appends it>]
//
// decisions.json maps an event name (`hook_event_name`, e.g. "PreToolUse") to the JSON object to
// print on standard output. Each line also keeps the SHELLPORT_* variables the hook process
// inherited (a Shellport terminal's identity reaches its hooks that way). Plain Node, no
// dependencies: the agent runs it as a separate process.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

const [logFile, ...rest] = process.argv.slice(2);
const argPayload = rest.find((arg) => arg.startsWith('{'));
const decisionsFile = rest.find((arg) => !arg.startsWith('{'));
if (!logFile) {
  process.stderr.write('usage: hook-recorder.mjs <log.jsonl> [<decisions.json>] [<payload>]\n');
  process.exit(1);
}

/** Standard input, or '' at once when it is a terminal or absent (Codex's notify passes an argument). */
function readStdin() {
  if (process.stdin.isTTY) return Promise.resolve('');
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
}

const raw = argPayload ?? (await readStdin());
let payload;
try {
  payload = JSON.parse(raw);
} catch {
  payload = { unparsed: raw };
}
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('SHELLPORT_')));
appendFileSync(logFile, `${JSON.stringify({ at: Date.now(), env, payload })}\n`);

const decisions = decisionsFile && existsSync(decisionsFile) ? JSON.parse(readFileSync(decisionsFile, 'utf8')) : {};
const decision = decisions[payload?.hook_event_name ?? payload?.type];
if (decision !== undefined) process.stdout.write(JSON.stringify(decision));
