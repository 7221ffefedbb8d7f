import { z } from 'zod';
import { MCP_LIMITS, MCP_NAME_PATTERN } from '../../shared/mcp.js';
import { PERMISSION_MODES, RUN_AGENTS, RUN_LIMITS } from '../../shared/runs.js';

// Every input of the runs API. A tool rule ends up as one argv entry of the agent; none may start
// with '-', so that it is never read as an option.
const toolRule = z
  .string()
  .trim()
  .min(1, { error: 'a tool rule must not be empty' })
  .max(RUN_LIMITS.toolRuleChars, { error: `a tool rule must be at most ${RUN_LIMITS.toolRuleChars} characters` })
  .refine((rule) => !rule.startsWith('-') && !rule.includes('\0'), { error: 'a tool rule names a tool, such as Bash(git diff:*), and must not start with "-"' });

const toolRules = z.array(toolRule).max(RUN_LIMITS.toolRules, { error: `at most ${RUN_LIMITS.toolRules} tool rules` });

const prompt = z
  .string()
  .trim()
  .min(1, { error: 'the prompt must not be empty' })
  .max(RUN_LIMITS.promptChars, { error: `the prompt must be at most ${RUN_LIMITS.promptChars} characters` })
  .refine((text) => !text.includes('\0'), { error: 'the prompt must not contain NUL characters' });

export const createRunBody = z.strictObject({
  prompt,
  agent: z.enum(RUN_AGENTS, { error: `the agent is one of ${RUN_AGENTS.join(', ')}` }),
  model: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:\-[\]/]*$/, { error: 'a model id such as claude-sonnet-4-5' })
    .max(RUN_LIMITS.modelChars),
  permissionMode: z.enum(PERMISSION_MODES, { error: `the permission mode is one of ${PERMISSION_MODES.join(', ')}` }),
  allowedTools: toolRules.optional(),
  disallowedTools: toolRules.optional(),
  worktree: z.boolean({ error: 'worktree is true (a git worktree of its own, the default) or false (the workspace itself)' }).optional(),
  mcpServers: z
    .array(z.string().max(MCP_LIMITS.nameChars).regex(MCP_NAME_PATTERN, { error: 'an MCP server name from Settings' }), { error: 'mcpServers is a list of MCP server names from Settings' })
    .max(MCP_LIMITS.perRun, { error: `at most ${MCP_LIMITS.perRun} MCP servers` })
    .refine((names) => new Set(names).size === names.length, { error: 'each MCP server is named once' })
    .optional(),
});

export const continueRunBody = z.strictObject({ prompt });

export const runIdParams = z.object({ id: z.uuid({ error: 'a run id (a UUID)' }) });

export const workspaceIdParams = z.object({ id: z.uuid({ error: 'a workspace id (a UUID)' }) });

export const runEventsQuery = z.object({
  since: z.coerce.number({ error: 'since is a seq: a whole number from 0' }).int({ error: 'since is a seq: a whole number from 0' }).min(0, { error: 'since is a seq: a whole number from 0' }).default(0),
});
