// Codex's `codex exec --json` (one JSON event per line) turned into a run's transcript events, the
// same shapes as Claude Code's (stream-json.ts). Pure apart from the little state one attempt needs
// (which items have started, the last answer). Shapes as the CLI prints them (recorded from the real
// CLI against the fake Responses API in tests/features/runs/fixtures/codex-*.jsonl):
// `thread.started` carries the session (thread) id; `item.started` / `item.completed` carry the items
// (agent_message, reasoning, command_execution, file_change, mcp_tool_call, web_search, todo_list,
// error); `turn.completed` ends the attempt with its usage, `turn.failed` with its error; a top-level
// `error` is a stream error (the last one before `turn.failed` is the cause).
// https://developers.openai.com/codex/noninteractive#json-output
import path from 'node:path';
import { usageFromOpenAI, type ModelPrice } from './pricing.js';
import { clip, clipInput, jsonLineObject, priced, type AgentResult, type ParsedEvent, type ParsedLine } from './stream-json.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** The tool name a command execution is shown under: Claude Code's, so both agents' transcripts read alike. */
export const CODEX_COMMAND_TOOL = 'Bash';

export interface CodexParserContext {
  /** The run's model (Codex's events do not name it). */
  model: string;
  /** The run's directory: file changes are shown relative to it. */
  cwd?: string;
  prices?: readonly ModelPrice[];
  /** The time now (a usage limit's reset is said as a time of day); default: the clock's. */
  now?: () => Date;
}

/** The HTTP status in one of Codex's error messages ("unexpected status 503 …", "last status: 429 …"). */
export function statusInCodexError(message: string): number | null {
  const match = /\bstatus:?\s+(\d{3})\b/i.exec(message);
  return match ? Number(match[1]) : null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * When Codex says its usage limit lifts — only in words, in the machine's local time: "… or try again at
 * 10:15 PM." the same day, "… at Dec 10th, 2026 7:15 PM." another — as milliseconds since the epoch,
 * a minute late (it says minutes only); null when the message is not a usage limit with a time.
 */
export function codexUsageLimitReset(message: string, now: Date): number | null {
  if (!/usage limit/i.test(message)) return null;
  const match = /try again at (?:([A-Z][a-z]{2}) (\d{1,2})(?:st|nd|rd|th)?, (\d{4}) )?(\d{1,2}):(\d{2}) ?([AP]M)\b/i.exec(message);
  if (!match) return null;
  const [, month, day, year, hour, minute, half] = match;
  const at = new Date(now.getTime());
  if (month) {
    const index = MONTHS.findIndex((name) => name.toLowerCase() === month.toLowerCase());
    if (index === -1) return null;
    at.setFullYear(Number(year), index, Number(day));
  }
  at.setHours((Number(hour) % 12) + (half!.toUpperCase() === 'PM' ? 12 : 0), Number(minute), 0, 0);
  return at.getTime() + 60_000;
}

/**
 * Whether a failed Codex attempt may succeed if tried again: the API rate-limited (429) or failing
 * (5xx), said in words (Codex words a 500 as "high demand"), or the connection lost.
 */
export function isTransientCodexFailure(result: AgentResult | null): boolean {
  if (!result || !result.isError) return false;
  const status = result.apiErrorStatus;
  if (status !== null) return status === 429 || status >= 500;
  return /high demand|overloaded|temporar|connection|network|stream disconnected|error sending request|timed? ?out/i.test(result.text);
}

/** A stateful reader of one attempt's lines. */
export function createCodexParser(context: CodexParserContext): { parseLine(line: string): ParsedLine } {
  const started = new Set<string>();
  let lastText = '';
  let lastError = '';

  const relative = (file: string) => {
    if (!context.cwd || !path.isAbsolute(file)) return file;
    const inside = path.relative(context.cwd, file);
    return inside && !inside.startsWith('..') && !path.isAbsolute(inside) ? inside : file;
  };

  /** A tool call as Claude Code's would be: name and input. */
  const toolUse = (item: Json): ParsedEvent | null => {
    const id = str(item.id) ?? null;
    if (item.type === 'command_execution') return { type: 'tool-use', payload: { id, name: CODEX_COMMAND_TOOL, input: { command: clip(str(item.command) ?? '') } } };
    if (item.type === 'mcp_tool_call') {
      const name = `mcp__${str(item.server) ?? 'server'}__${str(item.tool) ?? 'tool'}`;
      return { type: 'tool-use', payload: { id, name, input: clipInput(item.arguments) } };
    }
    if (item.type === 'web_search') return { type: 'tool-use', payload: { id, name: 'WebSearch', input: { query: clip(str(item.query) ?? '') } } };
    return null;
  };

  const mcpResultText = (item: Json): string => {
    if (isObject(item.error)) return str(item.error.message) ?? 'failed';
    const result = item.result;
    if (isObject(result) && Array.isArray(result.content)) {
      return result.content.map((block) => (isObject(block) && typeof block.text === 'string' ? block.text : isObject(block) ? `[${String(block.type)}]` : '')).join('\n');
    }
    return result === undefined || result === null ? '' : JSON.stringify(result);
  };

  function itemEvents(kind: 'started' | 'completed', item: Json): ParsedEvent[] {
    const id = str(item.id) ?? '';
    const events: ParsedEvent[] = [];
    switch (item.type) {
      case 'agent_message':
        if (kind === 'completed') {
          lastText = str(item.text) ?? '';
          events.push({ type: 'text', payload: { messageId: id || null, text: clip(lastText) } });
        }
        break;
      case 'command_execution':
      case 'mcp_tool_call':
      case 'web_search': {
        // A call that was never announced as started (declined, or printed whole) still gets its tool-use.
        if (!started.has(id)) {
          started.add(id);
          const use = toolUse(item);
          if (use) events.push(use);
        }
        if (kind === 'completed' && item.type === 'command_execution') {
          const exitCode = num(item.exit_code);
          const isError = item.status === 'failed' || item.status === 'declined' || (exitCode !== null && exitCode !== 0);
          events.push({ type: 'tool-result', payload: { toolUseId: id || null, content: clip(str(item.aggregated_output) ?? ''), isError, exitCode } });
        } else if (kind === 'completed' && item.type === 'mcp_tool_call') {
          events.push({ type: 'tool-result', payload: { toolUseId: id || null, content: clip(mcpResultText(item)), isError: item.status === 'failed' } });
        }
        break;
      }
      case 'file_change':
        if (kind === 'completed') {
          const changes = (Array.isArray(item.changes) ? item.changes : []).filter(isObject).map((change) => ({ path: relative(str(change.path) ?? ''), kind: str(change.kind) ?? 'update' }));
          events.push({ type: 'file-change', payload: { id: id || null, changes, status: str(item.status) ?? null } });
        }
        break;
      case 'error':
        // Notices Codex goes on after (an unknown model's metadata, an ignored setting).
        if (kind === 'completed') events.push({ type: 'error', payload: { message: clip(str(item.message) ?? ''), kind: 'warning' } });
        break;
      default:
        // reasoning (summaries only), todo_list: not shown.
        break;
    }
    return events;
  }

  return {
    parseLine(line: string): ParsedLine {
      const read = jsonLineObject(line);
      if ('instead' in read) return read.instead;
      const value = read.object;

      switch (value.type) {
        case 'thread.started': {
          const sessionId = str(value.thread_id);
          return {
            events: [{ type: 'session', payload: { sessionId: sessionId ?? null, model: context.model, cwd: context.cwd ?? null, permissionMode: null, version: null } }],
            ...(sessionId ? { sessionId } : {}),
          };
        }
        case 'item.started':
        case 'item.completed':
          return { events: isObject(value.item) ? itemEvents(value.type === 'item.started' ? 'started' : 'completed', value.item) : [] };
        case 'error': {
          lastError = str(value.message) ?? '';
          return { events: [{ type: 'error', payload: { message: clip(lastError), kind: 'stream' } }] };
        }
        case 'turn.completed': {
          const usage = usageFromOpenAI(value.usage);
          const costUsd = priced(usage, context.model, context.prices);
          const result: AgentResult = { subtype: 'success', isError: false, apiErrorStatus: null, text: clip(lastText), usage, costUsd, agentCostUsd: null };
          return {
            events: [
              { type: 'usage', payload: { messageId: null, model: context.model, usage, costUsd } },
              { type: 'result', payload: { ...result, numTurns: 1, durationMs: null, sessionId: null } },
            ],
            result,
          };
        }
        case 'turn.failed': {
          const message = (isObject(value.error) ? str(value.error.message) : undefined) ?? lastError ?? 'The turn failed.';
          const usage = usageFromOpenAI(value.usage);
          const result: AgentResult = { subtype: 'error', isError: true, apiErrorStatus: statusInCodexError(message), text: clip(message), usage, costUsd: priced(usage, context.model, context.prices), agentCostUsd: null };
          const resetsAt = codexUsageLimitReset(message, context.now?.() ?? new Date());
          return { events: [{ type: 'result', payload: { ...result, numTurns: 1, durationMs: null, sessionId: null } }], result, ...(resetsAt === null ? {} : { usageLimitResetsAt: resetsAt }) };
        }
        default:
          // turn.started, item.updated (a todo list's progress): nothing to show.
          return { events: [] };
      }
    },
  };
}
