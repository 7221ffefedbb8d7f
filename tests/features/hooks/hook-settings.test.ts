// The pure merge functions behind `shellport hooks` (scripts/shellport/hook-settings.mjs).
import { describe, expect, it } from 'vitest';
import {
  CLAUDE_HOOK_EVENTS,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  hookCommand,
  hooksView,
  isShellportHookCommand,
  planHooks,
  settingsFileFor,
  shellQuote,
} from '../../../scripts/shellport/hook-settings.mjs';
import { MAX_APPROVAL_TIMEOUT_SECONDS as SHARED_MAX } from '../../../src/shared/attention.js';

const WRAPPER = '/opt/shellport/scripts/terminal-bin/shellport';

describe('Claude Code settings', () => {
  it('waits longer for a permission request than the longest approval timeout, and agrees with the shared contract on it', () => {
    expect(MAX_APPROVAL_TIMEOUT_SECONDS).toBe(SHARED_MAX);
    expect(CLAUDE_HOOK_EVENTS.find((entry) => entry.event === 'PermissionRequest')!.timeout).toBeGreaterThan(SHARED_MAX + 30);
    expect(CLAUDE_HOOK_EVENTS.map((entry) => entry.event)).toEqual(['SessionStart', 'UserPromptSubmit', 'Notification', 'PermissionRequest', 'Stop', 'SessionEnd']);
  });

  it('recognizes the commands of any Shellport installation, and nothing else', () => {
    expect(hookCommand(WRAPPER, 'claude')).toBe(`${WRAPPER} hook claude`);
    expect(hookCommand('/srv/my shellport/scripts/terminal-bin/shellport', 'claude')).toBe("'/srv/my shellport/scripts/terminal-bin/shellport' hook claude");
    expect(isShellportHookCommand(`${WRAPPER} hook claude`, 'claude')).toBe(true);
    expect(isShellportHookCommand("'/srv/my shellport/scripts/terminal-bin/shellport' hook claude", 'claude')).toBe(true);
    expect(isShellportHookCommand(`${WRAPPER} hook codex`, 'claude')).toBe(false);
    expect(isShellportHookCommand('/usr/local/bin/shellport hook claude', 'claude')).toBe(false);
    expect(isShellportHookCommand('echo terminal-bin/shellport hook claude', 'claude')).toBe(false);
    expect(isShellportHookCommand(undefined, 'claude')).toBe(false);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('adds one entry per event after the owner\'s, is idempotent, and uninstall gives back the same object', () => {
    const owner = { theme: 'dark', hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }], PostToolUse: [{ matcher: 'Edit', hooks: [{ type: 'command', command: 'prettier' }] }] } };
    const text = `${JSON.stringify(owner, null, 2)}\n`;
    const plan = planHooks('claude', text, WRAPPER);
    expect(plan).toMatchObject({ installed: false, afterUninstall: null, problem: null });
    const after = JSON.parse(plan.afterInstall!);
    expect(after.hooks.Stop).toHaveLength(2);
    expect(after.hooks.PostToolUse).toEqual(owner.hooks.PostToolUse);
    const again = planHooks('claude', plan.afterInstall, WRAPPER);
    expect(again).toMatchObject({ installed: true, afterInstall: null });
    expect(again.afterUninstall).toBe(text);
  });

  it('keeps the owner\'s own entries that share a group with Shellport\'s, and an empty hooks object of theirs', () => {
    const mixed = { hooks: { Stop: [{ hooks: [{ type: 'command', command: `${WRAPPER} hook claude` }, { type: 'command', command: 'say done' }] }] } };
    const plan = planHooks('claude', JSON.stringify(mixed), WRAPPER);
    expect(JSON.parse(plan.afterUninstall!)).toEqual({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'say done' }] }] } });
    expect(planHooks('claude', '{"hooks":{}}', WRAPPER).afterUninstall).toBeNull();
    // Installed, but with another timeout than this version writes: not "installed".
    const installed = JSON.parse(planHooks('claude', null, WRAPPER).afterInstall!);
    installed.hooks.PermissionRequest[0].hooks[0].timeout = 60;
    expect(planHooks('claude', JSON.stringify(installed), WRAPPER).installed).toBe(false);
  });

  it('refuses files it would have to guess about', () => {
    expect(planHooks('claude', '[1, 2]', WRAPPER).problem).toMatch(/does not hold a JSON object/);
    expect(planHooks('claude', '{"hooks": []}', WRAPPER).problem).toMatch(/"hooks" is not an object/);
    expect(planHooks('claude', '{"hooks": {"Stop": {}}}', WRAPPER).problem).toMatch(/"hooks"."Stop" is not a list/);
    expect(hooksView('claude', '/h/.claude/settings.json', '{', WRAPPER)).toMatchObject({ installed: false, installChange: null, uninstallChange: null, problem: expect.stringMatching(/not valid JSON/) });
  });
});

describe('Codex config.toml', () => {
  it('reads notify arrays over several lines, with literal strings and comments', () => {
    const text = `model = "o3"\nnotify = [\n  'notify-send',  # the program\n  "Codex \\"done\\"",\n]\n[profiles.x]\nnotify = "not top-level"\n`;
    const plan = planHooks('codex', text, WRAPPER);
    expect(plan.note).toContain('`notify-send Codex "done"`');
    expect(plan.afterInstall).toContain(`notify = ["${WRAPPER}", "hook", "codex", "--then", "notify-send", "Codex \\"done\\""]\n[profiles.x]`);
    expect(planHooks('codex', plan.afterInstall, WRAPPER).afterUninstall).toBe(`model = "o3"\nnotify = ["notify-send", "Codex \\"done\\""]\n[profiles.x]\nnotify = "not top-level"\n`);
  });

  it('only looks at top-level keys, and refuses a notify it cannot read', () => {
    const tableOnly = '[tui]\nnotify = ["x"]\n';
    expect(planHooks('codex', tableOnly, WRAPPER).afterInstall).toMatch(/^# Shellport: .*\nnotify = \[.*\]\n\n\[tui\]\nnotify = \["x"\]\n$/);
    expect(planHooks('codex', 'notify = "a string"\n', WRAPPER).problem).toMatch(/not a list of strings/);
    expect(planHooks('codex', 'notify = ["a", 1]\n', WRAPPER).problem).toMatch(/not a list of strings/);
    expect(planHooks('codex', 'notify = ["a"] extra\n', WRAPPER).problem).toMatch(/not a list of strings/);
  });

  it('updates an installation that moved, and keeps what it chained', () => {
    const moved = 'notify = ["/old/scripts/terminal-bin/shellport", "hook", "codex", "--then", "say"]\n';
    const plan = planHooks('codex', moved, WRAPPER);
    expect(plan.installed).toBe(false);
    expect(plan.afterInstall).toBe(`notify = ["${WRAPPER}", "hook", "codex", "--then", "say"]\n`);
    expect(plan.afterUninstall).toBe('notify = ["say"]\n');
  });

  it('finds the settings where the agents look for them', () => {
    expect(settingsFileFor('claude', '/home/me')).toBe('/home/me/.claude/settings.json');
    expect(settingsFileFor('claude', '/home/me', { CLAUDE_CONFIG_DIR: '/cfg/claude/' })).toBe('/cfg/claude/settings.json');
    expect(settingsFileFor('codex', '/home/me')).toBe('/home/me/.codex/config.toml');
    expect(settingsFileFor('codex', '/home/me', { CODEX_HOME: '/cfg/codex' })).toBe('/cfg/codex/config.toml');
  });
});
