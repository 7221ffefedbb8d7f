// The agents a run may drive (issue 21 §1: Claude Code and Codex to start, the design open to others).
// Each is an adapter: its command line for one attempt, the environment it needs, a reader of its
// structured output into transcript events, and what counts as a transient failure. The queue and the
// runner (service.ts, runner.ts) know nothing of any one agent.
import type { RunsConfig } from '../../config/runs.js';
import type { AgentRun } from '../../generated/prisma/client.js';
import { AppError } from '../../http/errors.js';
import { RUN_AGENT_NAMES, type PermissionMode, type RunAgent } from '../../shared/runs.js';
import { createCodexParser, isTransientCodexFailure } from './codex-json.js';
import type { ModelPrice } from './pricing.js';
import { isTransientFailure, parseStreamJsonLine, type AgentResult, type ParsedLine } from './stream-json.js';

/** What of a run its agent's command line is made of. */
export type RunSettings = Pick<AgentRun, 'prompt' | 'model' | 'permissionMode' | 'allowedTools' | 'disallowedTools' | 'resumeSessionId'>;

export interface ParserContext {
  model: string;
  cwd: string;
  prices?: readonly ModelPrice[];
}

export interface AgentAdapter {
  /** In messages: "Claude Code could not be started: …". */
  readonly name: string;
  readonly executable: string;
  /** The arguments of one attempt of `run`. */
  args(run: RunSettings): string[];
  /** Variables the agent gets on top of the workspace's: its model API, no retries of its own. */
  env(): Record<string, string>;
  /** A reader of one attempt's stdout, line by line. */
  createParser(context: ParserContext): { parseLine(line: string): ParsedLine };
  /** Whether a failed attempt may succeed if tried again. */
  isTransientFailure(result: AgentResult | null): boolean;
  /** Throws a 400 naming what the run asks for and this agent cannot do. */
  ensureSupports(run: { allowedTools?: string[] | undefined; disallowedTools?: string[] | undefined }): void;
}

export const parseToolRules = (text: string): string[] => {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
};

/**
 * Claude Code's arguments for one attempt of `run`: options first, then `--` and the prompt, so that a
 * prompt starting with "-" (say `--dangerously-skip-permissions`) is read as the prompt, never as an option.
 */
export function claudeArgs(run: RunSettings, approvalHook: string | null = null): string[] {
  const options = ['-p', '--output-format', 'stream-json', '--verbose', '--model', run.model, '--permission-mode', run.permissionMode];
  const settings = approvalHook ? runApprovalSettings(run.permissionMode as PermissionMode, approvalHook) : null;
  if (settings) options.push('--settings', JSON.stringify(settings));
  const allowed = parseToolRules(run.allowedTools);
  const disallowed = parseToolRules(run.disallowedTools);
  // One argument per rule: a rule may contain spaces (`Bash(git diff:*)`), which the CLI would split.
  if (allowed.length > 0) options.push('--allowedTools', ...allowed);
  if (disallowed.length > 0) options.push('--disallowedTools', ...disallowed);
  if (run.resumeSessionId) options.push('--resume', run.resumeSessionId);
  return [...options, '--', run.prompt];
}

/**
 * The tools Claude Code asks permission for in each mode (its prompt, which a headless run has not):
 * https://code.claude.com/docs/en/iam#tool-specific-permission-rules. `plan` runs nothing, and
 * `bypassPermissions` asks nothing.
 */
const ASKED_TOOLS: Partial<Record<PermissionMode, string>> = {
  default: 'Bash|Edit|Write|MultiEdit|NotebookEdit|WebFetch|WebSearch|mcp__.*',
  acceptEdits: 'Bash|WebFetch|WebSearch|mcp__.*',
};

/** How long Claude Code waits for the approval hook: longer than any approval waits, so that Shellport's deadline decides. */
const APPROVAL_HOOK_TIMEOUT_SECONDS = 3660;

/**
 * A run's own settings (`--settings`): a PreToolUse hook that asks the owner — the approvals inbox and
 * a push with Allow and Deny — for every call Claude Code would have asked about in a terminal, since a
 * headless run has nobody at a prompt. The run's tool rules still decide the calls they cover, without
 * asking (the approvals feature asks the runs feature first). Null where the mode asks nothing.
 */
export function runApprovalSettings(mode: PermissionMode, hookCommand: string): object | null {
  const matcher = ASKED_TOOLS[mode];
  if (!matcher) return null;
  const command = `'${hookCommand.replace(/'/g, `'\\''`)}' hook claude --approve`;
  return { hooks: { PreToolUse: [{ matcher, hooks: [{ type: 'command', command, timeout: APPROVAL_HOOK_TIMEOUT_SECONDS }] }] } };
}

/** `args` (Claude Code's, ending in `--` and the prompt) with more options put before the `--`. */
export function withClaudeOptions(args: readonly string[], more: readonly string[]): string[] {
  const separator = args.length - 2;
  if (args[separator] !== '--') throw new Error('Claude Code arguments must end with "--" and the prompt');
  return [...args.slice(0, separator), ...more, ...args.slice(separator)];
}

/**
 * Codex's sandbox for a permission mode. Approvals are `never` in a run (nobody is there to answer), so
 * what the sandbox refuses is refused: `plan` and `default` may read only, `acceptEdits` may write in
 * the workspace (commands sandboxed, no network), `bypassPermissions` may do anything.
 */
export const CODEX_SANDBOX: Record<PermissionMode, 'read-only' | 'workspace-write' | 'danger-full-access'> = {
  plan: 'read-only',
  default: 'read-only',
  acceptEdits: 'workspace-write',
  bypassPermissions: 'danger-full-access',
};

/**
 * The tools of Codex a run can switch off, under Claude Code's names (Codex has no per-command rules
 * like `Bash(git diff:*)`): its shell (both of its shell tools) and its web search.
 */
export const CODEX_TOOL_SWITCHES: Readonly<Record<string, readonly string[]>> = {
  Bash: ['--disable', 'shell_tool', '--disable', 'unified_exec'],
  WebSearch: ['-c', 'web_search="disabled"'],
};

/** The tools a Codex run goes without: the disallowed ones, and with an allowed list, those not in it. */
export function codexDisabledTools(run: Pick<RunSettings, 'allowedTools' | 'disallowedTools'>): string[] {
  const allowed = parseToolRules(run.allowedTools);
  const disallowed = new Set(parseToolRules(run.disallowedTools));
  if (allowed.length > 0) for (const tool of Object.keys(CODEX_TOOL_SWITCHES)) if (!allowed.includes(tool)) disallowed.add(tool);
  return Object.keys(CODEX_TOOL_SWITCHES).filter((tool) => disallowed.has(tool));
}

/** Codex's model provider when Shellport sets one (RUNS_OPENAI_BASE_URL / RUNS_OPENAI_API_KEY). */
export const CODEX_PROVIDER_ID = 'shellport';
/** The variable the provider's key is read from: in the child's environment, never in its argv. */
export const CODEX_KEY_VARIABLE = 'SHELLPORT_OPENAI_API_KEY';
const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** `-c key=value` overrides; values are TOML (a JSON string is a TOML basic string). */
const override = (key: string, value: string | number | boolean) => ['-c', `${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`];

/**
 * Codex's arguments for one attempt of `run`: `codex exec --json … [resume <session>] -- <prompt>`.
 * With a provider of Shellport's, Codex does not retry (Shellport does, with its own backoff).
 * https://developers.openai.com/codex/config-reference
 */
export function codexArgs(run: RunSettings, config: Pick<RunsConfig, 'openaiBaseUrl' | 'openaiApiKey'>): string[] {
  const args = ['exec', '--json', '--skip-git-repo-check', '--model', run.model, '--sandbox', CODEX_SANDBOX[run.permissionMode as PermissionMode] ?? 'read-only', ...override('approval_policy', 'never')];
  for (const tool of codexDisabledTools(run)) args.push(...(CODEX_TOOL_SWITCHES[tool] ?? []));
  if (config.openaiBaseUrl || config.openaiApiKey) {
    const provider = `model_providers.${CODEX_PROVIDER_ID}`;
    args.push(
      ...override('model_provider', CODEX_PROVIDER_ID),
      ...override(`${provider}.name`, 'Shellport'),
      ...override(`${provider}.base_url`, config.openaiBaseUrl ?? OPENAI_BASE_URL),
      ...override(`${provider}.wire_api`, 'responses'),
      ...override(`${provider}.request_max_retries`, 0),
      ...override(`${provider}.stream_max_retries`, 0),
      // Without a key of Shellport's, the provider takes Codex's own login in the terminals' HOME.
      ...(config.openaiApiKey ? override(`${provider}.env_key`, CODEX_KEY_VARIABLE) : override(`${provider}.requires_openai_auth`, true)),
    );
  }
  if (run.resumeSessionId) args.push('resume', run.resumeSessionId);
  // After `--`: a prompt that starts with "-" is still the prompt.
  args.push('--', run.prompt);
  return args;
}

/**
 * The agents runs can use. `approvalHook`: the `shellport` command (scripts/terminal-bin/shellport) that
 * Claude Code's approval hook runs; null: a run asks nobody (a call needing permission is refused).
 */
export function createAgentAdapters(config: RunsConfig, approvalHook: string | null = null): Record<RunAgent, AgentAdapter> {
  return {
    claude: {
      name: RUN_AGENT_NAMES.claude,
      // RUNS_CLAUDE_PATH, else `claude` as the run's PATH finds it.
      executable: config.claudePath ?? 'claude',
      args: (run) => claudeArgs(run, approvalHook),
      env: () => ({
        ...(config.anthropicBaseUrl ? { ANTHROPIC_BASE_URL: config.anthropicBaseUrl } : {}),
        ...(config.anthropicApiKey ? { ANTHROPIC_API_KEY: config.anthropicApiKey } : {}),
        // Shellport retries (with its own backoff, recorded on the run), so the CLI answers an API error at once.
        CLAUDE_CODE_MAX_RETRIES: '0',
        DISABLE_AUTOUPDATER: '1',
      }),
      createParser: ({ model, prices }) => ({ parseLine: (line) => parseStreamJsonLine(line, { model, ...(prices ? { prices } : {}) }) }),
      isTransientFailure,
      ensureSupports: () => {},
    },
    codex: {
      name: RUN_AGENT_NAMES.codex,
      executable: config.codexPath ?? 'codex',
      args: (run) => codexArgs(run, config),
      env: (): Record<string, string> => (config.openaiApiKey ? { [CODEX_KEY_VARIABLE]: config.openaiApiKey } : {}),
      createParser: ({ model, cwd, prices }) => createCodexParser({ model, cwd, ...(prices ? { prices } : {}) }),
      isTransientFailure: isTransientCodexFailure,
      ensureSupports: (run) => {
        // Codex has no per-command rules of Claude Code's kind; refusing one beats ignoring it silently.
        const known = Object.keys(CODEX_TOOL_SWITCHES);
        const unknown = [...(run.allowedTools ?? []), ...(run.disallowedTools ?? [])].find((rule) => !known.includes(rule));
        if (unknown !== undefined) {
          throw new AppError(400, 'tools_not_supported', `Codex runs take only these tool names as allowed or disallowed tools: ${known.join(', ')} (not ${unknown}); its permission mode (sandbox) decides the rest.`);
        }
      },
    },
  };
}
