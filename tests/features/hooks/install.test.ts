// `shellport hooks install|uninstall|show` (the real command, as a process, on real files in a temp
// HOME) and /api/hooks, which runs that same command for the terminals' account.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TERMINAL_BIN_DIR } from '../../../src/features/workspaces/terminal-context.js';
import { buildTestApp, injectAsOwner, makeTempDir } from '../../helpers/app.js';

const SHELLPORT = path.join(TERMINAL_BIN_DIR, 'shellport');
const COMMAND = `${SHELLPORT} hook claude`;

function shellport(home: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // No terminal on stdin: the command cannot ask, as in a script.
    const child = spawn(SHELLPORT, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SHELLPORT_NODE: process.execPath, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** A Claude Code settings file as an owner might have it: other settings, and hooks of their own. */
const OWNER_SETTINGS = `${JSON.stringify(
  {
    model: 'opus',
    permissions: { allow: ['Bash(npm test:*)'] },
    hooks: {
      Stop: [{ hooks: [{ type: 'command', command: 'notify-send "Claude is done"' }] }],
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: '~/bin/check-command', timeout: 5 }] }],
    },
  },
  null,
  2,
)}\n`;

function claudeHome(settings: string | null = OWNER_SETTINGS) {
  const home = makeTempDir('shellport-hooks-home-');
  mkdirSync(path.join(home, '.claude'));
  if (settings !== null) writeFileSync(path.join(home, '.claude', 'settings.json'), settings);
  return { home, file: path.join(home, '.claude', 'settings.json') };
}

const backups = (dir: string) => readdirSync(dir).filter((name) => name.includes('.before-shellport-'));

describe('shellport hooks (the command)', () => {
  it('install claude --yes merges Shellport\'s hooks with the owner\'s, keeps a backup, and uninstall restores the file exactly', async () => {
    const { home, file } = claudeHome();
    const shown = await shellport(home, ['hooks', 'show', 'claude']);
    expect(shown.stdout).toContain(`claude: not installed in ${file}`);
    expect(shown.stdout).toContain(`+            "command": "${COMMAND}",`);

    const installed = await shellport(home, ['hooks', 'install', 'claude', '--yes']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toMatch(/^--- .*settings\.json\n\+\+\+ .*settings\.json\n@@ /);
    const settings = JSON.parse(readFileSync(file, 'utf8'));
    expect(settings.model).toBe('opus');
    expect(settings.permissions).toEqual({ allow: ['Bash(npm test:*)'] });
    // The owner's hooks are all still there, first; Shellport's come after.
    expect(settings.hooks.Stop).toEqual([
      { hooks: [{ type: 'command', command: 'notify-send "Claude is done"' }] },
      { hooks: [{ type: 'command', command: COMMAND, timeout: 10 }] },
    ]);
    expect(settings.hooks.PreToolUse).toEqual([{ matcher: 'Bash', hooks: [{ type: 'command', command: '~/bin/check-command', timeout: 5 }] }]);
    expect(settings.hooks.PermissionRequest).toEqual([{ hooks: [{ type: 'command', command: COMMAND, timeout: 3660 }] }]);
    for (const event of ['SessionStart', 'UserPromptSubmit', 'Notification', 'SessionEnd']) expect(settings.hooks[event], event).toEqual([{ hooks: [{ type: 'command', command: COMMAND, timeout: 10 }] }]);
    const [backup] = backups(path.dirname(file));
    expect(readFileSync(path.join(path.dirname(file), backup!), 'utf8')).toBe(OWNER_SETTINGS);
    expect(installed.stdout).toContain(`(the previous file is ${file}.before-shellport-`);

    const again = await shellport(home, ['hooks', 'install', 'claude', '--yes']);
    expect(again.stdout).toBe(`Shellport's claude hooks are already installed in ${file}.\n`);
    expect(backups(path.dirname(file))).toHaveLength(1);
    expect((await shellport(home, ['hooks', 'show', 'claude'])).stdout).toBe(`claude: installed in ${file}\n`);

    const removed = await shellport(home, ['hooks', 'uninstall', 'claude', '--yes']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(OWNER_SETTINGS);
    expect((await shellport(home, ['hooks', 'uninstall', 'claude', '--yes'])).stdout).toBe(`No Shellport hooks in ${file}: nothing to remove.\n`);
  });

  it('only shows the change without --yes when it cannot ask, and changes nothing', async () => {
    const { home, file } = claudeHome();
    const result = await shellport(home, ['hooks', 'install', 'claude']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`+            "command": "${COMMAND}",`);
    expect(result.stderr).toBe(`shellport: this would change ${file} as shown; run it again with --yes to do it\n`);
    expect(readFileSync(file, 'utf8')).toBe(OWNER_SETTINGS);
    expect(backups(path.dirname(file))).toEqual([]);
  });

  it('creates the settings file when there is none, and refuses one that is not valid JSON', async () => {
    const { home, file } = claudeHome(null);
    expect((await shellport(home, ['hooks', 'install', 'claude', '--yes'])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: COMMAND, timeout: 10 }] }]);
    expect(backups(path.dirname(file))).toEqual([]);

    writeFileSync(file, '{ "model": "opus", }\n');
    const broken = await shellport(home, ['hooks', 'install', 'claude', '--yes']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^shellport: cannot change .*settings\.json: it is not valid JSON \(.*\); fix it first/);
    expect(readFileSync(file, 'utf8')).toBe('{ "model": "opus", }\n');
  });

  it('replaces the entries of an earlier installation elsewhere rather than adding more, and writes through a symbolic link', async () => {
    const { home, file } = claudeHome(null);
    const dotfiles = makeTempDir('shellport-dotfiles-');
    const old = `${JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: "'/old place/scripts/terminal-bin/shellport' hook claude", timeout: 10 }] }] } }, null, 2)}\n`;
    writeFileSync(path.join(dotfiles, 'settings.json'), old);
    symlinkSync(path.join(dotfiles, 'settings.json'), file);
    expect((await shellport(home, ['hooks', 'install', 'claude', '--yes'])).code).toBe(0);
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(readlinkSync(file)).toBe(path.join(dotfiles, 'settings.json'));
    const settings = JSON.parse(readFileSync(path.join(dotfiles, 'settings.json'), 'utf8'));
    expect(settings.hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: COMMAND, timeout: 10 }] }]);
    expect((await shellport(home, ['hooks', 'uninstall', 'claude', '--yes'])).code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({});
  });

  it('names the installation through <prefix>/current in scripts/install.sh\'s layout, so that the hooks follow upgrades', async () => {
    const prefix = makeTempDir('shellport-prefix-');
    const release = path.join(prefix, 'releases', '0.2.0-20261211T000000Z');
    for (const part of ['shellport.mjs', 'shellport', 'terminal-bin']) cpSync(path.join(path.dirname(TERMINAL_BIN_DIR), part), path.join(release, 'scripts', part), { recursive: true });
    symlinkSync(release, path.join(prefix, 'current'));
    const { home, file } = claudeHome(null);
    const run = (args: string[]) =>
      new Promise<number>((resolve) => spawn(path.join(release, 'scripts', 'terminal-bin', 'shellport'), args, { env: { PATH: process.env.PATH ?? '', HOME: home }, stdio: 'ignore' }).on('close', (code) => resolve(code ?? -1)));
    expect(await run(['hooks', 'install', 'claude', '--yes'])).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8')).hooks.Stop[0].hooks[0].command).toBe(`${path.join(prefix, 'current', 'scripts', 'terminal-bin', 'shellport')} hook claude`);
  });

  it('sets Codex\'s notify, keeping a notify program the owner had running after Shellport, and puts it back on uninstall', async () => {
    const home = makeTempDir('shellport-hooks-home-');
    mkdirSync(path.join(home, '.codex'));
    const file = path.join(home, '.codex', 'config.toml');
    const original = 'model = "o3"\nnotify = ["notify-send", "Codex"]\n\n[tui]\nnotifications = true\n';
    writeFileSync(file, original);
    const installed = await shellport(home, ['hooks', 'install', 'codex', '--yes']);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain('Codex already runs `notify-send Codex` when a turn ends');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`notify = [${JSON.stringify(SHELLPORT)}, "hook", "codex", "--then", "notify-send", "Codex"]\n\n[tui]`);
    expect(text).not.toContain('notify = ["notify-send"');
    expect((await shellport(home, ['hooks', 'show', 'codex'])).stdout).toMatch(/^codex: installed in /);
    expect((await shellport(home, ['hooks', 'uninstall', 'codex', '--yes'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);

    // Without a notify of the owner's: added at the top (a top-level key), removed without a trace.
    writeFileSync(file, '[tui]\nnotifications = true\n');
    expect((await shellport(home, ['hooks', 'install', 'codex', '--yes'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(new RegExp(`^# Shellport: .*\\nnotify = \\[${JSON.stringify(SHELLPORT).replace(/[/.]/g, '\\$&')}, "hook", "codex"\\]\\n\\n\\[tui\\]`));
    expect((await shellport(home, ['hooks', 'uninstall', 'codex', '--yes'])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('[tui]\nnotifications = true\n');
  });
});

describe('/api/hooks', () => {
  it('shows, installs and removes the hooks in the terminals\' user\'s home, from Shellport\'s own page only', async () => {
    const { home, file } = claudeHome();
    const { app, config } = await buildTestApp({ HOME: home });
    const publicUrl = new URL(config.server.publicUrl);
    const ownPage = { origin: publicUrl.origin, host: publicUrl.host };

    expect((await app.inject({ method: 'GET', url: '/api/hooks' })).statusCode).toBe(401);
    const shown = await injectAsOwner(app, { method: 'GET', url: '/api/hooks' });
    expect(shown.statusCode, shown.body).toBe(200);
    const [claude, codex] = shown.json().hooks;
    expect(claude).toMatchObject({ agent: 'claude', settingsFile: file, installed: false, uninstallChange: null, note: null, problem: null });
    expect(claude.installChange).toContain(`+            "command": "${COMMAND}",`);
    expect(codex).toMatchObject({ agent: 'codex', settingsFile: path.join(home, '.codex', 'config.toml'), installed: false, problem: null });
    expect(codex.installChange).toMatch(/^--- \/dev\/null\n/);

    const scripted = await injectAsOwner(app, { method: 'POST', url: '/api/hooks/claude/install' });
    expect(scripted.statusCode).toBe(403);
    expect(scripted.json().error.code).toBe('cross_site_request');
    expect(readFileSync(file, 'utf8')).toBe(OWNER_SETTINGS);

    const installed = await injectAsOwner(app, { method: 'POST', url: '/api/hooks/claude/install', headers: ownPage });
    expect(installed.statusCode, installed.body).toBe(200);
    expect(installed.json()).toMatchObject({ changed: true, backup: expect.stringContaining(`${file}.before-shellport-`), hooks: { agent: 'claude', installed: true, installChange: null } });
    expect(existsSync(installed.json().backup)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).hooks.PermissionRequest[0].hooks[0].command).toBe(COMMAND);
    expect((await injectAsOwner(app, { method: 'POST', url: '/api/hooks/claude/install', headers: ownPage })).json()).toMatchObject({ changed: false, backup: null });

    const removed = await injectAsOwner(app, { method: 'POST', url: '/api/hooks/claude/uninstall', headers: ownPage });
    expect(removed.json()).toMatchObject({ changed: true, hooks: { installed: false } });
    expect(readFileSync(file, 'utf8')).toBe(OWNER_SETTINGS);

    expect((await injectAsOwner(app, { method: 'POST', url: '/api/hooks/gemini/install', headers: ownPage })).statusCode).toBe(400);
    writeFileSync(file, 'not json');
    const broken = await injectAsOwner(app, { method: 'POST', url: '/api/hooks/claude/install', headers: ownPage });
    expect(broken.statusCode).toBe(409);
    expect(broken.json().error).toMatchObject({ code: 'hooks_not_changed', message: expect.stringMatching(/^The agent's settings were not changed: cannot change .*: it is not valid JSON/) });
    expect((await injectAsOwner(app, { method: 'GET', url: '/api/hooks' })).json().hooks[0].problem).toMatch(/not valid JSON/);
  });
});
