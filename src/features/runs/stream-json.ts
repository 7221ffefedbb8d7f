// Claude Code's `--output-format stream-json --verbose` (one JSON object per line) turned into a run's
// transcript events. Pure: no I/O, no clock. Shapes as the CLI prints them (recorded from the real CLI
// in tests/features/runs/fixtures/): `system`/`init` carries the session id; `assistant` and `user`
// carry Messages API messages (text, tool_use; tool_result); `result` ends the attempt with the
// totals. https://docs.anthropic.com/en/docs/claude-code/sdk/sdk-headless#streaming-json-output
import type { RunEventType } from '../../shared/runs.js';
import { costOf, findPrice, usageFromAnthropic, type ModelPrice, type TokenUsage } from './pricing.js';

export interface ParsedEvent {
  type: RunEventType;
  payload: Record<string, unknown>;
}

/** The CLI's `result` line, as the runner needs it. */
export interface AgentResult {
  subtype: string;
  isError: boolean;
  /** The HTTP status of the API error that ended the attempt (529 overloaded…), when there was one. */
  apiErrorStatus: number | null;
  text: string;
  usage: TokenUsage;
  /** Priced by Shellport's table; null when the model is unknown. */
  costUsd: number | null;
  /** The CLI's own total_cost_usd. */
  agentCostUsd: number | null;
}

export interface ParsedLine {
  events: ParsedEvent[];
  /** From the `system`/`init` line. */
  sessionId?: string;
  model?: string;
  result?: AgentResult;
  /**
   * The agent stopped at a usage limit (a subscription's 5-hour or weekly limit) that resets at this
   * time (ms since the epoch): the run waits until then rather than fail.
   */
  usageLimitResetsAt?: number;
}

/** Tool inputs and results are kept up to this many characters each in the transcript. */
export const MAX_FIELD_CHARS = 20_000;

/** `text` cut at `max` characters, saying how many were left out. */
export const clip = (text: string, max = MAX_FIELD_CHARS) => (text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text);

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A tool_result's content: a string, or blocks whose text parts are joined. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((block) => (isObject(block) && typeof block.text === 'string' ? block.text : isObject(block) ? `[${String(block.type)}]` : '')).join('\n');
}

/** A tool input as is, or its JSON cut when longer than MAX_FIELD_CHARS. */
export function clipInput(input: unknown): unknown {
  const json = JSON.stringify(input ?? null);
  return json.length > MAX_FIELD_CHARS ? { truncated: clip(json) } : input;
}

/** The price of `model` from `prices`, as cost in dollars; null when unknown. */
export function priced(usage: TokenUsage, model: string | undefined, prices: readonly ModelPrice[] | undefined): number | null {
  if (!model) return null;
  const price = findPrice(model, prices);
  return price ? costOf(usage, price) : null;
}

/**
 * One line of output. `model` is the run's model (the result line does not name it). Lines that are
 * not JSON become `output` events; JSON of a type not known here is dropped (the CLI adds types, e.g.
 * `stream_event` with --include-partial-messages, which is not used).
 */
/**
 * One line of an agent's JSON-lines output: its object, or what the line records instead (nothing for a
 * blank line; an `output` event for a line that is not a JSON object).
 */
export function jsonLineObject(line: string): { object: Record<string, unknown> } | { instead: ParsedLine } {
  const trimmed = line.trim();
  if (!trimmed) return { instead: { events: [] } };
  let value: unknown = null;
  try {
    value = JSON.parse(trimmed);
  } catch {
    // recorded as output below
  }
  return isObject(value) ? { object: value } : { instead: { events: [{ type: 'output', payload: { line: clip(trimmed) } }] } };
}

export function parseStreamJsonLine(line: string, context: { model?: string; prices?: readonly ModelPrice[] } = {}): ParsedLine {
  const read = jsonLineObject(line);
  if ('instead' in read) return read.instead;
  const value = read.object;

  if (value.type === 'system' && value.subtype === 'init') {
    const sessionId = str(value.session_id);
    const model = str(value.model);
    return {
      events: [{ type: 'session', payload: { sessionId: sessionId ?? null, model: model ?? null, cwd: str(value.cwd) ?? null, permissionMode: str(value.permissionMode) ?? null, version: str(value.claude_code_version) ?? null } }],
      ...(sessionId ? { sessionId } : {}),
      ...(model ? { model } : {}),
    };
  }

  if (value.type === 'assistant' && isObject(value.message)) {
    const message = value.message;
    const messageId = str(message.id) ?? null;
    const events: ParsedEvent[] = [];
    for (const block of Array.isArray(message.content) ? message.content : []) {
      if (!isObject(block)) continue;
      if (block.type === 'text') events.push({ type: 'text', payload: { messageId, text: clip(str(block.text) ?? '') } });
      else if (block.type === 'tool_use') events.push({ type: 'tool-use', payload: { messageId, id: str(block.id) ?? null, name: str(block.name) ?? null, input: clipInput(block.input) } });
    }
    // The CLI's own messages (an API error it reports as text) are `<synthetic>` and cost nothing.
    const model = str(message.model);
    if (model && model !== '<synthetic>' && isObject(message.usage)) {
      const usage = usageFromAnthropic(message.usage);
      events.push({ type: 'usage', payload: { messageId, model, usage, costUsd: priced(usage, model, context.prices) } });
    }
    if (typeof value.error === 'string') events.push({ type: 'error', payload: { message: clip(contentTextOfMessage(message)), kind: value.error } });
    return { events };
  }

  if (value.type === 'user' && isObject(value.message)) {
    const events: ParsedEvent[] = [];
    const content = value.message.content;
    for (const block of Array.isArray(content) ? content : []) {
      if (isObject(block) && block.type === 'tool_result') {
        events.push({ type: 'tool-result', payload: { toolUseId: str(block.tool_use_id) ?? null, content: clip(contentText(block.content)), isError: block.is_error === true } });
      }
    }
    return { events };
  }

  // Claude Code with a subscription (claude.ai login): the API's anthropic-ratelimit-unified-* headers,
  // as `rate_limit_event` { rate_limit_info: { status: 'rejected', resetsAt: <unix seconds> } }.
  if (value.type === 'rate_limit_event' && isObject(value.rate_limit_info)) {
    const info = value.rate_limit_info;
    const resetsAt = num(info.resetsAt);
    if (info.status !== 'rejected' || resetsAt === null) return { events: [] };
    const at = new Date(resetsAt * 1000).toISOString();
    return { events: [{ type: 'error', payload: { message: `Usage limit reached (${str(info.rateLimitType) ?? 'limit'}); it resets at ${at}.`, kind: 'usage-limit', resetsAt: at } }], usageLimitResetsAt: resetsAt * 1000 };
  }

  if (value.type === 'result') {
    const usage = usageFromAnthropic(value.usage);
    const result: AgentResult = {
      subtype: str(value.subtype) ?? 'unknown',
      isError: value.is_error === true,
      apiErrorStatus: num(value.api_error_status),
      text: clip(str(value.result) ?? ''),
      usage,
      costUsd: priced(usage, context.model, context.prices),
      agentCostUsd: num(value.total_cost_usd),
    };
    return {
      events: [{ type: 'result', payload: { ...result, numTurns: num(value.num_turns), durationMs: num(value.duration_ms), sessionId: str(value.session_id) ?? null } }],
      result,
      ...(str(value.session_id) ? { sessionId: str(value.session_id) } : {}),
    };
  }
  return { events: [] };
}

function contentTextOfMessage(message: Json): string {
  return contentText(message.content);
}

/**
 * Whether a failed attempt may succeed if tried again: the API overloaded (529), rate-limited (429)
 * or failing (5xx), or the connection to it lost (no status, an API error the CLI could not classify).
 */
export function isTransientFailure(result: AgentResult | null): boolean {
  if (!result || !result.isError) return false;
  const status = result.apiErrorStatus;
  if (status === null) return /connection|network|ECONNREFUSED|ECONNRESET|ETIMEDOUT|timed? ?out|fetch failed/i.test(result.text);
  return status === 429 || status >= 500;
}
