// The Codex adapter without running Codex: its JSONL reader on lines recorded from the real Codex CLI
// (0.171.0) run against the fake Responses API (tests/helpers/fake-model-api.ts), with the work
// directory replaced by /work/repo — fixtures/codex-command-patch-text.jsonl (a failing command, a
// file added through apply_patch, an answer; each of the 3 requests reported 1200 input tokens of
// which 1000 cached, and 50 output) and fixtures/codex-503.jsonl (every request answered 503, with the
// provider's retries off) — and the command line it builds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODEX_KEY_VARIABLE, codexArgs, createAgentAdapters } from '../../../src/features/runs/agents.js';
import { codexUsageLimitReset, createCodexParser, isTransientCodexFailure, statusInCodexError } from '../../../src/features/runs/codex-json.js';
import type { AgentResult, ParsedLine } from '../../../src/features/runs/stream-json.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8').split('\n').filter(Boolean);
const parseAll = (name: string, model = 'gpt-5') => {
  const parser = createCodexParser({ model, cwd: '/work/repo' });
  return fixture(name).map((line) => parser.parseLine(line));
};
const eventsOf = (parsed: ParsedLine[]) => parsed.flatMap((line) => line.events);

describe('the Codex JSONL reader', () => {
  it('turns a recorded run into session, tool-use/tool-result, file-change, text, usage and result events', () => {
    const parsed = parseAll('codex-command-patch-text.jsonl');
    const events = eventsOf(parsed);
    expect(events.map((event) => event.type)).toEqual(['session', 'error', 'tool-use', 'tool-result', 'file-change', 'text', 'usage', 'result']);
    expect(parsed[0]!.sessionId).toBe('01a2510e-fb6c-7cb2-a571-16af0147bdf5');
    expect(events[0]!.payload).toMatchObject({ sessionId: '01a2510e-fb6c-7cb2-a571-16af0147bdf5', model: 'gpt-5' });
    // Codex's notice about an unknown model is a warning, not the run's failure.
    expect(events[1]!.payload).toMatchObject({ kind: 'warning', message: expect.stringContaining('Model metadata') });
    expect(events[2]!.payload).toEqual({ id: 'item_1', name: 'Bash', input: { command: "/bin/bash -lc 'ls missing-file'" } });
    expect(events[3]!.payload).toEqual({ toolUseId: 'item_1', content: "ls: cannot access 'missing-file': No such file or directory\n", isError: true, exitCode: 2 });
    expect(events[4]!.payload).toEqual({ id: 'item_2', changes: [{ path: 'hello.txt', kind: 'add' }], status: 'completed' });
    expect(events[5]!.payload).toEqual({ messageId: 'item_3', text: 'I added hello.txt.' });

    // 3600 input of which 3000 cached, 150 output, at gpt-5's $1.25 / $10 per million, cached input 0.1×:
    // 600 × 1.25 + 3000 × 0.125 + 150 × 10 = 750 + 375 + 1500 millionths of a dollar.
    const usage = { input: 600, output: 150, cacheRead: 3000, cacheWrite: 0 };
    expect(events[6]!.payload).toEqual({ messageId: null, model: 'gpt-5', usage, costUsd: 0.002625 });
    const result = parsed.at(-1)!.result!;
    expect(result).toEqual({ subtype: 'success', isError: false, apiErrorStatus: null, text: 'I added hello.txt.', usage, costUsd: 0.002625, agentCostUsd: null });
    expect(isTransientCodexFailure(result)).toBe(false);
  });

  it('reads a failed turn as an error result with the API status, which is transient', () => {
    const parsed = parseAll('codex-503.jsonl');
    expect(eventsOf(parsed).map((event) => event.type)).toEqual(['session', 'error', 'error', 'result']);
    const result = parsed.at(-1)!.result!;
    expect(result).toMatchObject({ subtype: 'error', isError: true, apiErrorStatus: 503, text: expect.stringMatching(/^unexpected status 503 Service Unavailable/) });
    expect(isTransientCodexFailure(result)).toBe(true);
  });

  it('gives a tool-use to a command that was never announced, reads MCP calls, and keeps outside paths whole', () => {
    const parser = createCodexParser({ model: 'gpt-5-mini', cwd: '/work/repo' });
    const declined = parser.parseLine(JSON.stringify({ type: 'item.completed', item: { id: 'item_5', type: 'command_execution', command: 'rm -rf /', aggregated_output: '', exit_code: null, status: 'declined' } }));
    expect(declined.events).toEqual([
      { type: 'tool-use', payload: { id: 'item_5', name: 'Bash', input: { command: 'rm -rf /' } } },
      { type: 'tool-result', payload: { toolUseId: 'item_5', content: '', isError: true, exitCode: null } },
    ]);
    const mcpStart = parser.parseLine(JSON.stringify({ type: 'item.started', item: { id: 'item_6', type: 'mcp_tool_call', server: 'docs', tool: 'search', arguments: { q: 'x' }, status: 'in_progress' } }));
    expect(mcpStart.events).toEqual([{ type: 'tool-use', payload: { id: 'item_6', name: 'mcp__docs__search', input: { q: 'x' } } }]);
    const mcpDone = parser.parseLine(JSON.stringify({ type: 'item.completed', item: { id: 'item_6', type: 'mcp_tool_call', server: 'docs', tool: 'search', result: { content: [{ type: 'text', text: 'found' }] }, status: 'completed' } }));
    expect(mcpDone.events).toEqual([{ type: 'tool-result', payload: { toolUseId: 'item_6', content: 'found', isError: false } }]);
    const outside = parser.parseLine(JSON.stringify({ type: 'item.completed', item: { id: 'item_7', type: 'file_change', changes: [{ path: '/etc/hosts', kind: 'update' }, { path: '/work/repo/src/a.ts', kind: 'delete' }], status: 'completed' } }));
    expect(outside.events[0]!.payload.changes).toEqual([{ path: '/etc/hosts', kind: 'update' }, { path: 'src/a.ts', kind: 'delete' }]);
    expect(parser.parseLine('not json').events).toEqual([{ type: 'output', payload: { line: 'not json' } }]);
    expect(parser.parseLine('{"type":"turn.started"}').events).toEqual([]);
    expect(parser.parseLine(JSON.stringify({ type: 'item.updated', item: { id: 'item_8', type: 'todo_list', items: [] } })).events).toEqual([]);
    // A model Shellport has no price for: tokens counted, no cost.
    const unknown = createCodexParser({ model: 'mystery' }).parseLine(JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 10, cached_input_tokens: 4, output_tokens: 1 } }));
    expect(unknown.result).toMatchObject({ usage: { input: 6, cacheRead: 4, output: 1, cacheWrite: 0 }, costUsd: null });
  });

  it('reads when a usage limit lifts from Codex\'s words (the real CLI\'s, for a 429 usage_limit_reached), in local time', () => {
    // As Codex 0.171 words it, the same day and another day.
    const today = 'You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at 10:15 PM.';
    const later = 'You’ve hit your usage limit. Upgrade to Pro (https://chatgpt.com/explore/pro), visit https://chatgpt.com/settings/usage to purchase more credits or try again at Dec 10th, 2026 7:15 PM.';
    const now = new Date(2026, 11, 7, 19, 15, 42);
    const parser = createCodexParser({ model: 'gpt-5', now: () => now });
    const failed = parser.parseLine(JSON.stringify({ type: 'turn.failed', error: { message: today } }));
    expect(failed.usageLimitResetsAt).toBe(new Date(2026, 11, 7, 22, 16).getTime());
    expect(failed.result).toMatchObject({ isError: true, text: today });
    expect(codexUsageLimitReset(later, now)).toBe(new Date(2026, 11, 10, 19, 16).getTime());
    expect(codexUsageLimitReset('You’ve hit your usage limit. Try again at 12:05 AM.', now)).toBe(new Date(2026, 11, 7, 0, 6).getTime());
    // Not a usage limit, or no time said: nothing to wait for.
    expect(codexUsageLimitReset('unexpected status 429 Too Many Requests; try again at 10:15 PM', now)).toBeNull();
    expect(codexUsageLimitReset('You’ve hit your usage limit. Try again later.', now)).toBeNull();
    expect(parser.parseLine(JSON.stringify({ type: 'turn.failed', error: { message: 'unexpected status 503' } })).usageLimitResetsAt).toBeUndefined();
  });

  it('tells transient failures (429, 5xx, lost connections) from the rest', () => {
    const failure = (text: string): AgentResult => ({ subtype: 'error', isError: true, apiErrorStatus: statusInCodexError(text), text, usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, costUsd: null, agentCostUsd: null });
    expect(statusInCodexError('exceeded retry limit, last status: 429 Too Many Requests')).toBe(429);
    expect(isTransientCodexFailure(failure('exceeded retry limit, last status: 429 Too Many Requests'))).toBe(true);
    // How Codex words a 500.
    expect(isTransientCodexFailure(failure('We’re currently experiencing high demand, which may cause temporary errors.'))).toBe(true);
    expect(isTransientCodexFailure(failure('stream disconnected before completion: error sending request'))).toBe(true);
    expect(isTransientCodexFailure(failure('unexpected status 400 Bad Request: invalid model'))).toBe(false);
    expect(isTransientCodexFailure(failure('unexpected status 401 Unauthorized: bad key'))).toBe(false);
    expect(isTransientCodexFailure(null)).toBe(false);
  });
});

describe('the Codex command line', () => {
  const run = { prompt: '-rf: fix it', model: 'gpt-5', permissionMode: 'acceptEdits', allowedTools: '[]', disallowedTools: '[]', resumeSessionId: null };
  const noProvider = { openaiBaseUrl: null, openaiApiKey: null };

  it('maps permission modes onto sandboxes, never asks, and keeps the prompt after --', () => {
    expect(codexArgs(run, noProvider)).toEqual(['exec', '--json', '--skip-git-repo-check', '--model', 'gpt-5', '--sandbox', 'workspace-write', '-c', 'approval_policy="never"', '--', '-rf: fix it']);
    const sandbox = (permissionMode: string) => codexArgs({ ...run, permissionMode }, noProvider)[6];
    expect(['plan', 'default', 'acceptEdits', 'bypassPermissions'].map(sandbox)).toEqual(['read-only', 'read-only', 'workspace-write', 'danger-full-access']);
  });

  it('resumes a session, and points a provider of its own at the base URL with the key only in the environment', () => {
    const args = codexArgs({ ...run, resumeSessionId: 'thread-1' }, { openaiBaseUrl: 'http://127.0.0.1:9/v1', openaiApiKey: 'sk-secret' });
    expect(args.slice(-4)).toEqual(['resume', 'thread-1', '--', '-rf: fix it']);
    expect(args).toEqual(expect.arrayContaining(['model_provider="shellport"', 'model_providers.shellport.base_url="http://127.0.0.1:9/v1"', `model_providers.shellport.env_key="${CODEX_KEY_VARIABLE}"`, 'model_providers.shellport.request_max_retries=0', 'model_providers.shellport.stream_max_retries=0']));
    expect(args.join(' ')).not.toContain('sk-secret');
    // No key of Shellport's: the provider uses Codex's own login.
    expect(codexArgs(run, { openaiBaseUrl: 'http://127.0.0.1:9/v1', openaiApiKey: null })).toContain('model_providers.shellport.requires_openai_auth=true');

    const config = { openaiBaseUrl: null, openaiApiKey: 'sk-secret', codexPath: '/opt/codex', claudePath: null, anthropicBaseUrl: null, anthropicApiKey: null, concurrency: 1, perWorkspace: 1, maxAttempts: 1, retryBaseMs: 100, maxDurationMs: 1000, maxTranscriptBytes: 1024 };
    const codex = createAgentAdapters(config).codex;
    expect(codex.executable).toBe('/opt/codex');
    expect(codex.env()).toEqual({ [CODEX_KEY_VARIABLE]: 'sk-secret' });
    expect(codex.args(run)).toContain('model_providers.shellport.base_url="https://api.openai.com/v1"');
    expect(() => codex.ensureSupports({ allowedTools: ['Bash(ls:*)'] })).toThrow(/only these tool names .*: Bash, WebSearch \(not Bash\(ls:\*\)\)/);
    expect(() => codex.ensureSupports({ allowedTools: ['Bash'], disallowedTools: ['WebSearch'] })).not.toThrow();
  });

  it('switches off the disallowed tools, and with an allowed list every other one it can', () => {
    const flags = (allowed: string[], disallowed: string[]) => codexArgs({ ...run, allowedTools: JSON.stringify(allowed), disallowedTools: JSON.stringify(disallowed) }, noProvider).slice(9, -2);
    expect(flags([], [])).toEqual([]);
    expect(flags([], ['Bash'])).toEqual(['--disable', 'shell_tool', '--disable', 'unified_exec']);
    expect(flags(['Bash'], [])).toEqual(['-c', 'web_search="disabled"']);
    expect(flags(['WebSearch'], ['WebSearch'])).toEqual(['--disable', 'shell_tool', '--disable', 'unified_exec', '-c', 'web_search="disabled"']);
  });
});
