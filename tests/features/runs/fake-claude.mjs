#!/usr/bin/env node
// A stand-in for Claude Code in runs (docs/runs.md, "Tests"): speaks its `-p … --output-format
// stream-json -- <prompt>` lines (system/init, an assistant text, result), as the real CLI does
// (fixtures/claude-tool-then-text.jsonl), and does what the prompt says, steps separated by ";":
//   write <file> <text>   writes <text> to <file> in its working directory
//   wait <absolute file>  waits until that file exists (a test's gate: no timing in tests)
//   record <file>         writes to <file> (JSON) its argv and, with --mcp-config, that file's path,
//                         mode and content, and whether its directory can be listed by others
// It answers "cwd=<its working directory>" (and " mcp=<names>" with --mcp-config). `--resume <id>` keeps the session id. Plain Node.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
// Options, then `--` and the prompt (as the real CLI reads them: after `--` nothing is an option).
const separator = argv.indexOf('--');
const args = separator === -1 ? argv : argv.slice(0, separator);
if (!args.includes('-p')) throw new Error('fake-claude runs only in print mode (-p)');
const valueOf = (flag) => {
  const index = args.indexOf(flag);
  return index === -1 ? undefined : args[index + 1];
};
const prompt = separator === -1 ? '' : argv.slice(separator + 1).join(' ');
const model = valueOf('--model') ?? 'claude-sonnet-4-5';
const sessionId = valueOf('--resume') ?? randomUUID();
const print = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

print({ type: 'system', subtype: 'init', session_id: sessionId, model, cwd: process.cwd(), permissionMode: valueOf('--permission-mode') ?? 'default', claude_code_version: 'fake' });
for (const step of prompt.split(';').map((part) => part.trim()).filter(Boolean)) {
  const [verb, target = '', ...rest] = step.split(' ');
  if (verb === 'write') writeFileSync(path.join(process.cwd(), target), rest.join(' '));
  else if (verb === 'record') {
    const file = valueOf('--mcp-config');
    const mcp = file === undefined ? null : { path: file, mode: statSync(file).mode & 0o777, dirMode: statSync(path.dirname(file)).mode & 0o777, content: JSON.parse(readFileSync(file, 'utf8')) };
    writeFileSync(path.join(process.cwd(), target), JSON.stringify({ argv, mcp }));
  } else if (verb === 'wait') {
    while (!existsSync(target)) await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
// With --mcp-config, the answer names the servers in it (the browser test reads them).
const mcpFile = valueOf('--mcp-config');
const mcpNames = mcpFile === undefined ? [] : Object.keys(JSON.parse(readFileSync(mcpFile, 'utf8')).mcpServers);
const text = `cwd=${process.cwd()}${mcpNames.length > 0 ? ` mcp=${mcpNames.join(',')}` : ''}`;
print({ type: 'assistant', message: { id: `msg_${randomUUID()}`, type: 'message', role: 'assistant', model, content: [{ type: 'text', text }], usage }, session_id: sessionId });
print({ type: 'result', subtype: 'success', is_error: false, result: text, usage, total_cost_usd: 0, num_turns: 1, duration_ms: 1, session_id: sessionId });
