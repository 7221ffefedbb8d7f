// scripts/shellport.service and scripts/install.sh: systemd accepts the unit (systemd-analyze, when the
// machine has it; CI must), the unit carries the hardening and paths the deployment relies on, and the install
// helper agrees with the unit and writes a settings file the app accepts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../../src/config/index.js';
import { durationSeconds, parseUnit, readRepoFile, ROOT } from './files.js';
import { hasTool } from './tools.js';

const unitText = readRepoFile('scripts/shellport.service');
const unit = parseUnit(unitText);
const service = unit.Service!;
const one = (key: string) => {
  const values = service[key];
  expect(values, `[Service] ${key}`).toBeDefined();
  return values!.at(-1)!;
};
/** The value the unit's Environment= lines give `name`. */
const environment = (name: string) => {
  const assignment = (service.Environment ?? []).filter((line) => line.startsWith(`${name}=`)).at(-1);
  expect(assignment, `Environment=${name}=…`).toBeDefined();
  return assignment!.slice(name.length + 1);
};
const script = readRepoFile('scripts/install.sh');
/** A top-level `NAME=value` assignment in install.sh, with $OTHER references expanded. */
function scriptVariable(name: string): string {
  const match = new RegExp(`^${name}=(.*)$`, 'm').exec(script);
  if (!match) throw new Error(`install.sh does not set ${name}`);
  return match[1]!.replace(/\$(\w+)/g, (_, other: string) => scriptVariable(other));
}

const hasSystemdAnalyze = hasTool('systemd-analyze', ['--version']);
const work = mkdtempSync(path.join(tmpdir(), 'shellport-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The unit as install.sh installs it: ExecStart pointing at the node binary it found. */
function installedUnit(): string {
  const file = path.join(work, 'shellport.service');
  writeFileSync(file, unitText.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
  return file;
}

describe('the systemd unit', () => {
  it.runIf(hasSystemdAnalyze)('passes `systemd-analyze verify` without warnings', () => {
    const result = spawnSync('systemd-analyze', ['verify', installedUnit()], { encoding: 'utf8', cwd: work });
    expect(result.stderr + result.stdout).not.toMatch(/shellport\.service/);
    expect(result.status).toBe(0);
  });

  it.runIf(hasSystemdAnalyze)('is rated OK or better by `systemd-analyze security`', () => {
    const result = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', installedUnit()], { encoding: 'utf8', cwd: work });
    const level = /Overall exposure level for shellport\.service: ([\d.]+)/.exec(result.stdout)?.[1];
    expect(level, result.stderr).toBeDefined();
    // 0–10; systemd calls up to 4.9 "OK". The terminals are real shells, so some exposure is deliberate.
    expect(Number(level)).toBeLessThan(5);
  });

  it('runs dist/server.js, restarting on failure, settings from the environment file', () => {
    expect(one('Restart')).toBe('on-failure');
    const workingDirectory = one('WorkingDirectory');
    expect(one('ExecStart')).toBe(`/usr/bin/node --enable-source-maps --max-semi-space-size=1 ${workingDirectory}/dist/server.js`);
    expect(workingDirectory).toBe(`${scriptVariable('PREFIX')}/current`);
    expect(one('EnvironmentFile')).toBe(scriptVariable('ENV_FILE'));
    expect(unit.Install!.WantedBy).toEqual(['multi-user.target']);
  });

  it('is hardened: no privilege gain, read-only system, writable only where data lives', () => {
    expect(one('NoNewPrivileges')).toBe('true');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('true');
    expect(one('PrivateTmp')).toBe('true');
    expect(service.MemoryDenyWriteExecute).toBeUndefined(); // would break V8's JIT
    const writable = one('ReadWritePaths').split(/\s+/);
    const dataDir = environment('DATA_DIR');
    expect(dataDir).toBe(scriptVariable('DATA_DIR'));
    expect(writable.some((dir) => dataDir === dir || dataDir.startsWith(`${dir}/`))).toBe(true);
    expect(writable).toContain(scriptVariable('STATE_DIR'));
    expect(`/var/lib/${one('StateDirectory')}`).toBe(scriptVariable('STATE_DIR'));
  });

  // Issue 18: the shells must not read DATA_DIR, the key, the database or the server's process.
  it('runs the server as root with only the capabilities to run the shells as another account, which owns the workspaces', () => {
    expect(service.User).toBeUndefined();
    expect(service.DynamicUser).toBeUndefined();
    expect(one('CapabilityBoundingSet').split(/\s+/).sort()).toEqual(['CAP_DAC_READ_SEARCH', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID']);
    expect(one('AmbientCapabilities')).toBe('');
    expect(environment('TERMINAL_USER')).toBe(scriptVariable('SHELLS_USER'));
    const workspaces = environment('WORKSPACES_DIR');
    expect(workspaces).toBe(scriptVariable('WORKSPACES_DIR'));
    expect(path.dirname(workspaces)).toBe(scriptVariable('SHELLS_HOME'));
    // Both under the sandbox's writable state directory, the workspaces outside DATA_DIR.
    expect(path.relative(environment('DATA_DIR'), workspaces).startsWith('..')).toBe(true);
    expect(workspaces.startsWith(`${scriptVariable('STATE_DIR')}/`)).toBe(true);
    // The shells' account passes through the state directory to its home; DATA_DIR below it is 0700.
    expect(one('StateDirectoryMode')).toBe('0711');
    expect(script).toContain('install -d -m 0700 -o root -g root "$DATA_DIR"');
    // The environment file holds secrets: root's only.
    expect(script).toMatch(/chown root:root "\$ENV_FILE"\n\s*chmod 0600 "\$ENV_FILE"/);
  });

  it('lets Shellport shut down gracefully before systemd kills what is left', () => {
    expect(one('KillMode')).toBe('mixed');
    expect(durationSeconds(one('TimeoutStopSec'))).toBeGreaterThan(10);
  });

  it('sets only variables the app knows', () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const assignment of service.Environment ?? []) expect(known.has(assignment.split('=')[0]!)).toBe(true);
  });
});

describe('scripts/install.sh', () => {
  it('is valid bash (and clean under shellcheck when installed)', () => {
    const syntax = spawnSync('bash', ['-n', path.join(ROOT, 'scripts/install.sh')], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
    if (spawnSync('shellcheck', ['--version']).status === 0) {
      const lint = spawnSync('shellcheck', ['-S', 'warning', path.join(ROOT, 'scripts/install.sh')], { encoding: 'utf8' });
      expect(lint.stdout).toBe('');
    }
  });

  it('answers --help without root and without changing anything', () => {
    const help = spawnSync('bash', [path.join(ROOT, 'scripts/install.sh'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--rollback');
  });

  it('writes a settings file that the app accepts, for the layout of the unit', () => {
    const template = /cat >"\$ENV_FILE" <<'EOF'\n([\s\S]*?)\nEOF/.exec(script)?.[1];
    expect(template).toBeDefined();
    const env = parseEnv(template!);
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of Object.keys(env)) expect(known.has(name), `${name} is a Shellport config variable`).toBe(true);
    const config = loadConfig({ ...env, DATA_DIR: scriptVariable('DATA_DIR') });
    expect(config.server.host).toBe('127.0.0.1'); // behind a proxy on the same host
    expect(config.server.trustProxy).toEqual(['127.0.0.1', '::1']);
    expect(config.storage.dataDir).toBe('/var/lib/shellport/data');
  });
});
