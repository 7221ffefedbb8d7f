// What an agent's hook event says about its terminal (issue 20 §1): pure, no I/O. The events are the
// agents' own (Claude Code: https://code.claude.com/docs/en/hooks; Codex: `notify`'s
// agent-turn-complete); Gemini CLI and opencode are mapped by their event names, best effort.
import type { HookAgent } from '../../shared/attention.js';
import type { ActivityReport } from '../terminals/terminal-status.js';
import { oneLine } from '../../shared/text.js';

/** A task or message shown on the dashboard: one line, at most this long. */
export const MAX_TASK_LENGTH = 200;

export interface HookEventMeaning {
  /** The terminal's activity now, or null when the event changes nothing. */
  activity: ActivityReport | null;
  /** The task the agent was just given (its prompt), or undefined when the event does not say. */
  task?: string | null;
  /** The agent has ended in this terminal (its session ended): forget it. */
  agentEnded?: boolean;
  /** The agent asks to use a tool: the owner is asked (src/features/approvals). */
  permission?: { tool: string; input: unknown; cwd: string | null };
  /**
   * A notification that the agent is about to show its permission prompt: while Shellport holds the
   * same request pending, the terminal stays in `approval` rather than `waiting`.
   */
  isPermissionPrompt?: boolean;
}

/** Text as one line, at most `max` characters. */
export function taskLine(text: unknown, max = MAX_TASK_LENGTH): string | null {
  if (typeof text !== 'string') return null;
  return oneLine(text, max) || null;
}

const field = (payload: unknown, name: string): unknown => (payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[name] : undefined);
const NOTHING: HookEventMeaning = { activity: null };

function claude(event: string, payload: unknown, askOwner: boolean): HookEventMeaning {
  const tool = field(payload, 'tool_name');
  const permission = () => ({ tool: typeof tool === 'string' && tool ? tool.slice(0, 200) : 'unknown tool', input: field(payload, 'tool_input') ?? null, cwd: typeof field(payload, 'cwd') === 'string' ? (field(payload, 'cwd') as string) : null });
  switch (event) {
    case 'SessionStart':
      return { activity: { state: 'idle', needsYou: false }, task: null };
    case 'UserPromptSubmit':
      return { activity: { state: 'working', needsYou: false }, task: taskLine(field(payload, 'prompt')) };
    case 'PermissionRequest':
      return { activity: null, permission: permission() };
    case 'PreToolUse':
      return askOwner ? { activity: null, permission: permission() } : { activity: { state: 'working', needsYou: false } };
    case 'PostToolUse':
    case 'SubagentStop':
    case 'PreCompact':
      // The agent goes on working (a subagent's end is not the agent's).
      return { activity: { state: 'working', needsYou: false } };
    case 'Notification': {
      const type = field(payload, 'notification_type');
      const message = taskLine(field(payload, 'message')) ?? 'Claude Code is waiting for you.';
      return { activity: { state: 'waiting', message, needsYou: true }, isPermissionPrompt: type === 'permission_prompt' };
    }
    case 'Stop':
      return { activity: { state: 'finished', message: taskLine(field(payload, 'last_assistant_message')), needsYou: true } };
    case 'SessionEnd':
      return { activity: { state: 'idle', needsYou: false }, agentEnded: true };
    default:
      return NOTHING;
  }
}

function codex(event: string, payload: unknown): HookEventMeaning {
  if (event !== 'agent-turn-complete') return NOTHING;
  // input-messages: what the owner asked in this turn; the last one is the task.
  const inputs = field(payload, 'input-messages');
  const task = Array.isArray(inputs) ? taskLine(inputs.at(-1)) : undefined;
  return { activity: { state: 'finished', message: taskLine(field(payload, 'last-assistant-message')), needsYou: true }, ...(task !== undefined ? { task } : {}) };
}

/**
 * Gemini CLI (hook_event_name: SessionStart, BeforeAgent, AfterAgent, BeforeTool, AfterTool,
 * Notification, SessionEnd…) and opencode plugins (session.idle, session.error, permission.*…),
 * by the words in the event's name: no decisions, status only.
 */
function generic(event: string, payload: unknown): HookEventMeaning {
  const name = event.toLowerCase();
  const message = taskLine(field(payload, 'message'));
  if (/sessionend|session\.deleted|exit/.test(name)) return { activity: { state: 'idle', needsYou: false }, agentEnded: true };
  if (/sessionstart|session\.created/.test(name)) return { activity: { state: 'idle', needsYou: false }, task: null };
  if (/error/.test(name)) return { activity: { state: 'failed', exitCode: null, needsYou: true } };
  if (/notif|permission|input|waiting/.test(name)) return { activity: { state: 'waiting', message: message ?? 'The agent is waiting for you.', needsYou: true } };
  if (/afteragent|idle|stop|complete|finish|done/.test(name)) return { activity: { state: 'finished', needsYou: true } };
  if (/beforeagent|prompt/.test(name)) return { activity: { state: 'working', needsYou: false }, task: taskLine(field(payload, 'prompt')) };
  if (/tool|agent|message|start/.test(name)) return { activity: { state: 'working', needsYou: false } };
  return NOTHING;
}

/** What one hook event means for its terminal. `askOwner`: a PreToolUse hook installed with `--approve`. */
export function interpretHookEvent(agent: HookAgent, event: string, payload: unknown, askOwner = false): HookEventMeaning {
  switch (agent) {
    case 'claude':
      return claude(event, payload, askOwner);
    case 'codex':
      return codex(event, payload);
    case 'gemini':
    case 'opencode':
      return generic(event, payload);
  }
}
