// The stream-json parser on lines recorded from the real Claude Code CLI (2.1.197) run against the fake
// Anthropic API (tests/helpers/fake-model-api.ts): fixtures/claude-tool-then-text.jsonl (a Bash tool
// call, then a text answer) and fixtures/claude-overloaded.jsonl (every request answered 529, with
// CLAUDE_CODE_MAX_RETRIES=0).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTransientFailure, parseStreamJsonLine, type AgentResult } from '../../../src/features/runs/stream-json.js';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8').split('\n').filter(Boolean);
const MODEL = 'claude-sonnet-4-5';

describe('parseStreamJsonLine', () => {
  it('turns a recorded tool-then-text run into session, tool-use, tool-result, text, usage and result events', () => {
    const parsed = fixture('claude-tool-then-text.jsonl').map((line) => parseStreamJsonLine(line, { model: MODEL }));
    const [init, toolUse, toolResult, text, result] = parsed;

    expect(init!.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(init!.events).toEqual([{ type: 'session', payload: expect.objectContaining({ sessionId: init!.sessionId, model: MODEL, permissionMode: 'default' }) }]);

    expect(toolUse!.events.map((event) => event.type)).toEqual(['tool-use', 'usage']);
    expect(toolUse!.events[0]!.payload).toMatchObject({ name: 'Bash', input: { command: 'echo hi-from-tool', description: 'say hi' } });
    // Sonnet 4.5 at $3 / $15 per million: 10 input and 1 output token (stream-json's message usage is message_start's).
    expect(toolUse!.events[1]!.payload).toEqual({ messageId: expect.any(String), model: MODEL, usage: { input: 10, output: 1, cacheRead: 0, cacheWrite: 0 }, costUsd: 0.000045 });

    expect(toolResult!.events).toEqual([{ type: 'tool-result', payload: { toolUseId: toolUse!.events[0]!.payload.id, content: 'hi-from-tool', isError: false } }]);
    expect(text!.events[0]).toEqual({ type: 'text', payload: { messageId: expect.any(String), text: 'all done' } });

    expect(result!.result).toEqual({ subtype: 'success', isError: false, apiErrorStatus: null, text: 'all done', usage: { input: 20, output: 10, cacheRead: 0, cacheWrite: 0 }, costUsd: 0.00021, agentCostUsd: 0.00021 });
    expect(result!.events[0]!.type).toBe('result');
    expect(isTransientFailure(result!.result!)).toBe(false);
  });

  it('reads a 529 overload as an error result that is worth retrying', () => {
    const parsed = fixture('claude-overloaded.jsonl').map((line) => parseStreamJsonLine(line, { model: MODEL }));
    const assistant = parsed[1]!;
    // The CLI's own `<synthetic>` message costs nothing and carries no usage event.
    expect(assistant.events.map((event) => event.type)).toEqual(['text', 'error']);
    const result = parsed[2]!.result!;
    expect(result).toMatchObject({ isError: true, apiErrorStatus: 529, costUsd: 0, agentCostUsd: 0 });
    expect(result.text).toMatch(/^API Error: 529 Overloaded/);
    expect(isTransientFailure(result)).toBe(true);
  });

  it('keeps a line that is not JSON as output, drops blank lines and unknown types, and clips huge tool results', () => {
    expect(parseStreamJsonLine('Error: something odd')).toEqual({ events: [{ type: 'output', payload: { line: 'Error: something odd' } }] });
    expect(parseStreamJsonLine('   ')).toEqual({ events: [] });
    expect(parseStreamJsonLine('{"type":"stream_event"}')).toEqual({ events: [] });
    const huge = JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'x'.repeat(50_000) }] } });
    const content = parseStreamJsonLine(huge).events[0]!.payload.content as string;
    expect(content.length).toBeLessThan(21_000);
    expect(content).toMatch(/30000 more characters\)$/);
  });

  it('prices by the table and leaves an unknown model unpriced', () => {
    const line = JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'ok', total_cost_usd: 1, usage: { input_tokens: 1_000_000, output_tokens: 0, cache_read_input_tokens: 1_000_000, cache_creation_input_tokens: 0 } });
    expect(parseStreamJsonLine(line, { model: 'claude-opus-4-5' }).result!.costUsd).toBe(5.5);
    expect(parseStreamJsonLine(line, { model: 'mystery-model' }).result!.costUsd).toBeNull();
  });
});

describe('a usage limit', () => {
  it('reads the reset time of a rejected rate_limit_event (as recorded from Claude Code with a subscription), and nothing from others', () => {
    const line = '{"type":"rate_limit_event","rate_limit_info":{"status":"rejected","resetsAt":1796661576,"rateLimitType":"five_hour","isUsingOverage":false},"uuid":"7cc7b309-35b2-40d3-a263-24cca0ef7a5a","session_id":"8e240cbe-dbdf-4198-9e5a-ee336288fcdd"}';
    const parsed = parseStreamJsonLine(line);
    expect(parsed.usageLimitResetsAt).toBe(1_796_661_576_000);
    expect(parsed.events).toEqual([{ type: 'error', payload: { message: 'Usage limit reached (five_hour); it resets at 2026-12-07T16:39:36.000Z.', kind: 'usage-limit', resetsAt: '2026-12-07T16:39:36.000Z' } }]);
    expect(parseStreamJsonLine('{"type":"rate_limit_event","rate_limit_info":{"status":"allowed_warning","resetsAt":1796661576}}')).toEqual({ events: [] });
  });
});

describe('isTransientFailure', () => {
  const failure = (apiErrorStatus: number | null, text = 'API Error'): AgentResult => ({ subtype: 'success', isError: true, apiErrorStatus, text, usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }, costUsd: 0, agentCostUsd: 0 });
  it('retries overload, rate limits, server errors and lost connections, not bad requests or successes', () => {
    expect([529, 500, 503, 429].map((status) => isTransientFailure(failure(status)))).toEqual([true, true, true, true]);
    expect([400, 401, 404].map((status) => isTransientFailure(failure(status)))).toEqual([false, false, false]);
    expect(isTransientFailure(failure(null, 'API Error: Connection error.'))).toBe(true);
    expect(isTransientFailure(failure(null, 'Invalid model'))).toBe(false);
    expect(isTransientFailure({ ...failure(529), isError: false })).toBe(false);
    expect(isTransientFailure(null)).toBe(false);
  });
});
