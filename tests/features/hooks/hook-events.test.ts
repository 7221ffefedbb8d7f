// What each agent's hook event means for its terminal (src/features/hooks/hook-events.ts): pure.
import { describe, expect, it } from 'vitest';
import { interpretHookEvent, taskLine } from '../../../src/features/hooks/hook-events.js';

describe('Claude Code hook events', () => {
  it('maps the session\'s life to the terminal\'s activity and the agent\'s task', () => {
    expect(interpretHookEvent('claude', 'SessionStart', { source: 'startup' })).toEqual({ activity: { state: 'idle', needsYou: false }, task: null });
    expect(interpretHookEvent('claude', 'UserPromptSubmit', { prompt: '  Fix the\n login   test ' })).toEqual({ activity: { state: 'working', needsYou: false }, task: 'Fix the login test' });
    expect(interpretHookEvent('claude', 'Notification', { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' })).toEqual({
      activity: { state: 'waiting', message: 'Claude is waiting for your input', needsYou: true },
      isPermissionPrompt: false,
    });
    expect(interpretHookEvent('claude', 'Notification', { message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' }).isPermissionPrompt).toBe(true);
    expect(interpretHookEvent('claude', 'Notification', {}).activity).toEqual({ state: 'waiting', message: 'Claude Code is waiting for you.', needsYou: true });
    expect(interpretHookEvent('claude', 'Stop', { stop_hook_active: false })).toEqual({ activity: { state: 'finished', message: null, needsYou: true } });
    expect(interpretHookEvent('claude', 'SubagentStop', {})).toEqual({ activity: { state: 'working', needsYou: false } });
    expect(interpretHookEvent('claude', 'SessionEnd', { reason: 'logout' })).toEqual({ activity: { state: 'idle', needsYou: false }, agentEnded: true });
    expect(interpretHookEvent('claude', 'SomethingNew', {})).toEqual({ activity: null });
  });

  it('turns permission requests (and PreToolUse with --approve) into a question for the owner', () => {
    const payload = { tool_name: 'Bash', tool_input: { command: 'npm test' }, cwd: '/work/app', tool_use_id: 'toolu_1' };
    expect(interpretHookEvent('claude', 'PermissionRequest', payload)).toEqual({ activity: null, permission: { tool: 'Bash', input: { command: 'npm test' }, cwd: '/work/app' } });
    expect(interpretHookEvent('claude', 'PreToolUse', payload)).toEqual({ activity: { state: 'working', needsYou: false } });
    expect(interpretHookEvent('claude', 'PreToolUse', payload, true).permission).toEqual({ tool: 'Bash', input: { command: 'npm test' }, cwd: '/work/app' });
    expect(interpretHookEvent('claude', 'PermissionRequest', 'not an object').permission).toEqual({ tool: 'unknown tool', input: null, cwd: null });
  });
});

describe('other agents', () => {
  it('reads a Codex turn as finished, with the owner\'s last message as the task', () => {
    const turn = { type: 'agent-turn-complete', 'turn-id': '7', 'input-messages': ['first', 'Rename the loader'], 'last-assistant-message': 'Renamed.' };
    expect(interpretHookEvent('codex', 'agent-turn-complete', turn)).toEqual({ activity: { state: 'finished', message: 'Renamed.', needsYou: true }, task: 'Rename the loader' });
    expect(interpretHookEvent('codex', 'something-else', {})).toEqual({ activity: null });
  });

  it('reads Gemini CLI and opencode events by their names, status only', () => {
    expect(interpretHookEvent('gemini', 'BeforeAgent', { prompt: 'do it' })).toEqual({ activity: { state: 'working', needsYou: false }, task: 'do it' });
    expect(interpretHookEvent('gemini', 'AfterAgent', {}).activity).toEqual({ state: 'finished', needsYou: true });
    expect(interpretHookEvent('gemini', 'Notification', { message: 'Allow shell?' }).activity).toEqual({ state: 'waiting', message: 'Allow shell?', needsYou: true });
    expect(interpretHookEvent('gemini', 'SessionEnd', {}).agentEnded).toBe(true);
    expect(interpretHookEvent('opencode', 'session.idle', {}).activity?.state).toBe('finished');
    expect(interpretHookEvent('opencode', 'permission.updated', {}).activity?.state).toBe('waiting');
    expect(interpretHookEvent('opencode', 'session.error', {}).activity?.state).toBe('failed');
    expect(interpretHookEvent('opencode', 'tool.execute.before', {}).activity?.state).toBe('working');
    // Never a question for the owner: these agents take no decision from Shellport.
    expect(interpretHookEvent('gemini', 'BeforeTool', { tool_name: 'run_shell_command' }).permission).toBeUndefined();
  });

  it('keeps tasks to one line of at most 200 characters', () => {
    expect(taskLine('a'.repeat(500))).toHaveLength(200);
    expect(taskLine('a'.repeat(500))!.endsWith('…')).toBe(true);
    expect(taskLine('   ')).toBeNull();
    expect(taskLine(42)).toBeNull();
  });
});
