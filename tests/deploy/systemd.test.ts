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

const hostUnitText = readRepoFile('scripts/shellport-terminal-host.service');
const hostUnit = parseUnit(hostUnitText);
const hostService = hostUnit.Service!;
const hostOne = (key: string) => {
  const values = hostService[key];
  expect(values, `[Service] ${key} of the terminal host`).toBeDefined();
  return values!.at(-1)!;
};

/** A unit as install.sh installs it: ExecStart pointing at the node binary it found. */
function installedUnit(name = 'shellport.service', text = unitText): string {
  const file = path.join(work, name);
  writeFileSync(file, text.replace(/^ExecStart=\/usr\/bin\/node /m, `ExecStart=${process.execPath} `));
  return file;
}
const installedHostUnit = () => installedUnit('shellport-terminal-host.service', hostUnitText);

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

  // Issue 19: the server connects to the host's unit and never binds its lifecycle to it.
  it('connects to the terminal host service, ordered after it, without binding its lifecycle to it', () => {
    expect(environment('TERMINAL_HOST')).toBe('service');
    expect(loadConfig({ DATA_DIR: environment('DATA_DIR'), TERMINAL_HOST: environment('TERMINAL_HOST') }).terminals.host).toBe('service');
    const words = (key: string) => (unit.Unit![key] ?? []).flatMap((value) => value.split(/\s+/));
    expect(words('Wants')).toContain('shellport-terminal-host.service');
    expect(words('After')).toContain('shellport-terminal-host.service');
    for (const key of ['Requires', 'Requisite', 'BindsTo', 'PartOf', 'Upholds', 'PropagatesStopTo', 'StopPropagatedFrom']) {
      expect(words(key), `[Unit] ${key}`).not.toContain('shellport-terminal-host.service');
    }
    // …and the host's unit refers to the server in no way at all.
    expect(hostUnitText).not.toMatch(/^[^#]*\bshellport\.service/m);
  });
});

describe('the terminal host unit', () => {
  it.runIf(hasSystemdAnalyze)('passes `systemd-analyze verify` without warnings', () => {
    const result = spawnSync('systemd-analyze', ['verify', installedHostUnit()], { encoding: 'utf8', cwd: work });
    expect(result.stderr + result.stdout).not.toMatch(/shellport-terminal-host\.service/);
    expect(result.status).toBe(0);
  });

  it.runIf(hasSystemdAnalyze)('is rated OK or better by `systemd-analyze security`, like the server', () => {
    const result = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', installedHostUnit()], { encoding: 'utf8', cwd: work });
    const level = /Overall exposure level for shellport-terminal-host\.service: ([\d.]+)/.exec(result.stdout)?.[1];
    expect(level, result.stderr).toBeDefined();
    expect(Number(level)).toBeLessThan(5);
  });

  it('runs the compiled host from the release, for DATA_DIR/terminal-host, as TERMINAL_USER, never exiting idle', () => {
    const workingDirectory = hostOne('WorkingDirectory');
    expect(workingDirectory).toBe(one('WorkingDirectory'));
    const [node, ...args] = hostOne('ExecStart').split(/\s+/);
    expect(node).toBe('/usr/bin/node');
    const entry = args.find((arg) => arg.endsWith('.js'));
    expect(entry).toBe(`${workingDirectory}/dist/terminal-host/main.js`);
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect(option('--dir')).toBe(`${environment('DATA_DIR')}/terminal-host`);
    expect(option('--user')).toBe(environment('TERMINAL_USER'));
    expect(option('--idle-exit-seconds')).toBe('never');
    expect(hostUnit.Install!.WantedBy).toEqual(['multi-user.target']);
  });

  it('holds none of the server’s settings or secrets', () => {
    expect(hostService.EnvironmentFile).toBeUndefined();
    expect(hostService.LoadCredential).toBeUndefined();
    const known = new Set(Object.keys(envSchema.shape));
    for (const assignment of hostService.Environment ?? []) {
      const name = assignment.split('=')[0]!;
      expect(known.has(name), `${name} is a Shellport config variable`).toBe(true);
      expect(['TERMINAL_USER', 'LOG_LEVEL']).toContain(name);
    }
  });

  it('comes back after it exits, ends its shells when stopped, and has room for many PTYs', () => {
    // always: the restart asked for in Operations exits 0 and expects a new host.
    expect(hostOne('Restart')).toBe('always');
    // SIGTERM to the host, then SIGKILL for whatever is left of the shells in its cgroup.
    expect(hostOne('KillMode')).toBe('mixed');
    expect(Number(hostOne('LimitNOFILE'))).toBeGreaterThanOrEqual(Number(one('LimitNOFILE')));
  });

  it('has the server’s sandbox and capabilities, since it starts the shells as TERMINAL_USER', () => {
    const hardening = [
      'NoNewPrivileges', 'ProtectSystem', 'ReadWritePaths', 'StateDirectory', 'StateDirectoryMode', 'ProtectHome', 'PrivateTmp',
      'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectClock', 'ProtectHostname',
      'RestrictSUIDSGID', 'RestrictRealtime', 'LockPersonality', 'SystemCallArchitectures', 'SystemCallFilter', 'SystemCallErrorNumber',
      'PrivateDevices', 'PrivateMounts', 'CapabilityBoundingSet', 'AmbientCapabilities', 'UMask',
    ];
    for (const key of hardening) expect(hostService[key], `[Service] ${key}`).toEqual(service[key]);
    expect(hostService.User).toBeUndefined();
    expect(hostService.MemoryDenyWriteExecute).toBeUndefined();
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

  it('installs and enables both units, restarts only the server, and keeps the releases the host uses', () => {
    expect(scriptVariable('HOST_UNIT_FILE')).toBe('/etc/systemd/system/shellport-terminal-host.service');
    expect(script).toContain('"$1/scripts/$HOST_UNIT.service" >"$HOST_UNIT_FILE"');
    expect(script).toContain('systemctl enable "${units[@]}"');
    // The host is started when not running, never restarted, never stopped on an upgrade.
    const commands = script.split('\n').filter((line) => !/^\s*(#|say )/.test(line));
    expect(commands.filter((line) => /systemctl (restart|stop|try-restart|reload-or-restart) "?\$HOST_UNIT/.test(line))).toEqual([]);
    expect(script).toContain('systemctl start "$HOST_UNIT"');
    expect(script).toMatch(/systemctl restart shellport\n/);
    // Pruning skips what the host's processes use, and the output says how to restart the host.
    expect(script).toMatch(/grep -qxF "\$old" <<<"\$in_use"/);
    expect(script).toContain('systemctl restart $HOST_UNIT');
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
