// The Dockerfile and docker-compose.yml agree with the app: ports, data path, health check, user,
// and every environment variable they set is one the config schema knows and accepts.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { envSchema, loadConfig } from '../../src/config/index.js';
import { buildTestApp } from '../helpers/app.js';
import {
  composeEnvironment,
  dockerContextFilter,
  durationSeconds,
  execForm,
  instructionsOf,
  interpolatedNames,
  npmCommands,
  readCompose,
  readDockerfile,
  readRepoFile,
  ROOT,
  runCommands,
  stage,
  stageEnv,
} from './files.js';

const CONFIG_VARIABLES = new Set(Object.keys(envSchema.shape));
// Variables the image sets for the shells rather than for Shellport.
const SHELL_VARIABLES = new Set(['LANG']);
// server.ts gives up on a graceful shutdown after this long; Docker must wait longer before SIGKILL.
const SHUTDOWN_TIMEOUT_SECONDS = 10;

const dockerfile = readDockerfile();
const build = stage(dockerfile, 'build');
const runtime = stage(dockerfile, 'runtime');
const runtimeEnv = stageEnv(runtime);
const compose = readCompose();
const app = compose.services.shellport!;
const terminalHost = compose.services['terminal-host']!;

function exposedPort(): number {
  const [expose] = instructionsOf(runtime, 'EXPOSE');
  return Number(expose!.args.split('/')[0]);
}

function aptPackages(s: typeof build): string[] {
  return runCommands(s)
    .filter((c) => c.startsWith('apt-get install'))
    .flatMap((c) => c.split(/\s+/).slice(2))
    .filter((word) => !word.startsWith('-'));
}

function healthcheckCommand(): string[] {
  const [healthcheck] = instructionsOf(runtime, 'HEALTHCHECK');
  return execForm(healthcheck!.args.slice(healthcheck!.args.indexOf('CMD')));
}

/** Whether an IPv4 address lies in a CIDR block. */
function isInCidr(address: string, cidr: string): boolean {
  const toNumber = (ip: string) => ip.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(toNumber(address) / size) === Math.floor(toNumber(base!) / size);
}

describe('Dockerfile', () => {
  it('builds on the same Debian-based Node image in both stages, with the toolchain for native modules', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(build.image).toBe(runtime.image);
    expect(runtime.image).toMatch(/^node:20[\w.-]*-(bookworm|trixie)(-slim)?$/);
    expect(aptPackages(build)).toEqual(expect.arrayContaining(['python3', 'make', 'g++']));
  });

  it('runs every install script the app needs, and no other', () => {
    // npm ci --ignore-scripts, then rebuild only these: a new dependency with an install script
    // must be added to the Dockerfile (and scripts/install.sh) or to the list of ones we skip.
    const notNeeded = {
      prisma: 'preinstall only checks the Node version',
      '@prisma/engines': 'downloads the schema engine; the committed client needs none',
      '@anthropic-ai/claude-code': 'a test tool (tests/agents): its postinstall links the native binary, which the tests take from the platform package',
    };
    const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean; dev?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([key]) => key.replace(/^.*node_modules\//, ''))
      .filter((name) => !(name in notNeeded));
    const npm = npmCommands(runCommands(build));
    expect(npm[0]).toMatch(/^npm ci .*--ignore-scripts/);
    const rebuilt = npm.find((c) => c.startsWith('npm rebuild'))!.split(/\s+/).slice(2);
    expect(rebuilt.sort()).toEqual([...new Set(withScripts)].sort());
    expect(npm).toContain('npm run build');
    expect(npm.at(-1)).toMatch(/^npm prune --omit=dev/);
  });

  it('scripts/install.sh builds a release with the same npm steps', () => {
    const script = readRepoFile('scripts/install.sh');
    const lines = script.split('\n').flatMap((line) => line.split('&&').map((c) => c.trim()));
    expect(npmCommands(lines)).toEqual(npmCommands(runCommands(build)));
  });

  it('installs what the terminals and workspaces need at run time, with tini as PID 1', () => {
    expect(aptPackages(runtime)).toEqual(expect.arrayContaining(['git', 'bash', 'openssh-client', 'ca-certificates', 'tini']));
    expect(aptPackages(runtime)).not.toContain('g++');
    const [entrypoint] = instructionsOf(runtime, 'ENTRYPOINT');
    expect(execForm(entrypoint!.args)).toEqual(['/usr/bin/tini', '--']);
    const cmd = execForm(instructionsOf(runtime, 'CMD').at(-1)!.args);
    expect(cmd[0]).toBe('node');
    expect(cmd.at(-1)).toBe('dist/server.js');
    // A small young generation keeps the server's memory flat under a terminal flood (docs/performance.md).
    expect(cmd).toContain('--max-semi-space-size=1');
    // The same entry point as `npm start`, minus the build.
    const start = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(cmd.join(' '));
  });

  it('copies the built app, production modules, migrations, web assets and operator scripts from the build stage', () => {
    const copied = instructionsOf(runtime, 'COPY').map((c) => c.args.split(/\s+/).filter((w) => !w.startsWith('--'))[0]);
    expect(instructionsOf(runtime, 'COPY').every((c) => c.args.startsWith('--from=build'))).toBe(true);
    expect(copied).toEqual(expect.arrayContaining(['/app/package.json', '/app/node_modules', '/app/dist', '/app/prisma/migrations', '/app/public', '/app/scripts']));
    expect(instructionsOf(runtime, 'WORKDIR').at(-1)!.args).toBe('/app');
    expect(instructionsOf(build, 'WORKDIR').at(-1)!.args).toBe('/app');
  });

  // Issue 18: shells as another account than the server, which keeps /data and its process to itself.
  it('runs the server as root with /data its own, and the shells as an account that owns its home and the workspaces', () => {
    // No USER: root, which the server needs to start each shell as TERMINAL_USER.
    expect(instructionsOf(runtime, 'USER')).toEqual([]);
    const useradd = runCommands(runtime).find((c) => c.startsWith('useradd'))!;
    const shells = useradd.split(/\s+/).at(-1)!;
    expect(shells).not.toMatch(/^(root|0)$/);
    expect(runtimeEnv.TERMINAL_USER).toBe(shells);
    expect(useradd).toMatch(/--home-dir \/home\/shellport\b/);
    expect(useradd).toContain('--create-home');
    expect(runtimeEnv.WORKSPACES_DIR).toBe('/home/shellport/workspaces');
    expect(runCommands(runtime)).toContain(`install -d -m 0700 -o ${shells} -g ${shells} ${runtimeEnv.WORKSPACES_DIR}`);
    expect(runCommands(runtime)).toContain(`install -d -m 0700 -o root -g root ${runtimeEnv.DATA_DIR}`);
    // The workspaces are outside DATA_DIR, so the start-up check of the two-account layout passes.
    expect(path.relative(runtimeEnv.DATA_DIR!, runtimeEnv.WORKSPACES_DIR!).startsWith('..')).toBe(true);
  });

  it('sets only variables the app knows, and they configure it as the image declares', () => {
    for (const name of Object.keys(runtimeEnv)) {
      expect(CONFIG_VARIABLES.has(name) || SHELL_VARIABLES.has(name), `${name} is a Shellport config variable`).toBe(true);
    }
    // This machine has no account named like the image's TERMINAL_USER: its lookup is left out here.
    const { TERMINAL_USER: _shells, ...hostEnv } = runtimeEnv;
    const config = loadConfig(hostEnv);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(exposedPort());
    expect(config.storage.dataDir).toBe('/data');
    expect(instructionsOf(runtime, 'VOLUME').map((v) => execForm(v.args)).flat()).toEqual([config.storage.dataDir]);
  });

  it('has a HEALTHCHECK that passes against a live Shellport and fails when nothing answers', async () => {
    const command = healthcheckCommand();
    expect(command.join(' ')).toContain('/healthz');
    const { app } = await buildTestApp();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    // Asynchronously: the app answers from this same process.
    const runCheck = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, command.slice(1), { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore', timeout: 10_000 });
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    };
    expect(command[0]).toBe('node');
    expect(await runCheck({ PORT: String(port) })).toBe(0);
    await app.close();
    expect(await runCheck({ PORT: String(port) })).toBe(1);
  });

  it('keeps local data, secrets and build output out of the build context', () => {
    const inContext = dockerContextFilter(readRepoFile('.dockerignore'));
    for (const file of ['.env', '.env.production', 'data/shellport.db', 'data/secret.key', 'node_modules/x/index.js', 'dist/server.js', '.git/config', 'public/assets/app.js', 'shellport.db-wal']) {
      expect(inContext(file), file).toBe(false);
    }
    for (const file of ['package.json', 'package-lock.json', 'src/server.ts', 'scripts/build.mjs', 'prisma/migrations/x/migration.sql', '.env.example']) {
      expect(inContext(file), file).toBe(true);
    }
  });
});

describe('docker-compose.yml', () => {
  it('runs the image from this Dockerfile with the .env file, a restart policy and graceful stop time', () => {
    expect(app.build).toBe('.');
    expect([app.env_file].flat().map((f) => (typeof f === 'string' ? f : f!.path))).toContain('.env');
    expect(app.restart).toMatch(/^(always|unless-stopped|on-failure)/);
    expect(durationSeconds(app.stop_grace_period!)).toBeGreaterThan(SHUTDOWN_TIMEOUT_SECONDS);
  });

  it('fixes HOST, PORT and DATA_DIR for the container (over .env) to what the image declares', () => {
    const env = composeEnvironment(app);
    const config = loadConfig(env);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(exposedPort());
    expect(config.storage.dataDir).toBe(runtimeEnv.DATA_DIR);
    const mounts = app.volumes!.map((v) => v.split(':'));
    expect(mounts.find(([, target]) => target === config.storage.dataDir)?.[0]).toBe('shellport-data');
    expect(mounts.find(([, target]) => target === '/home/shellport')?.[0]).toBe('shellport-home');
    for (const [name] of mounts) expect(Object.keys(compose.volumes ?? {})).toContain(name);
    // Published on the host's loopback only, to the port the app listens on: by terminal-host, whose
    // network the app uses (a service with network_mode: service:… cannot publish ports).
    expect(app.ports).toBeUndefined();
    expect(terminalHost.ports).toEqual([`127.0.0.1:3000:${config.server.port}`]);
  });

  // Issue 19: the terminals live in their own service and survive the app's upgrades.
  it('runs the terminal host from its own tag of the image, with the volumes and without the app’s settings', () => {
    expect(terminalHost.image).toBe('shellport:terminal-host');
    // Never built by `up --build`, never pulled: the routine upgrade recreates the app only.
    expect(terminalHost.build).toBeUndefined();
    expect(terminalHost.pull_policy).toBe('never');
    expect(terminalHost.env_file).toBeUndefined();
    expect(terminalHost.environment).toBeUndefined();
    const command = terminalHost.command as string[];
    expect(command[0]).toBe('node');
    expect(command).toContain('dist/terminal-host/main.js');
    const option = (name: string) => command[command.indexOf(name) + 1];
    expect(option('--dir')).toBe(`${runtimeEnv.DATA_DIR}/terminal-host`);
    expect(option('--idle-exit-seconds')).toBe('never');
    // TERMINAL_USER from the image: the shells' account, which owns its home.
    expect(command).not.toContain('--user');
    expect(runtimeEnv.TERMINAL_USER).toBe('shellport');
    expect([...terminalHost.volumes!].sort()).toEqual([...app.volumes!].sort());
    expect(terminalHost.restart).toMatch(/^(always|unless-stopped)$/);
    expect(durationSeconds(terminalHost.stop_grace_period!)).toBeGreaterThan(2);
    expect((terminalHost as { ulimits?: { nofile?: number } }).ulimits?.nofile).toBeGreaterThanOrEqual(65536);
    // Its health is its socket's, not the app's /healthz (which answers in the same network).
    expect(JSON.stringify(terminalHost.healthcheck!.test)).toContain(`${option('--dir')}/host.sock`);
    // Caddy's upstream name reaches the network the app listens in.
    expect((terminalHost.networks as Record<string, { aliases?: string[] }>).default?.aliases).toContain('shellport');
  });

  it('connects the app to that host, in its namespaces, started after it', () => {
    const env = composeEnvironment(app);
    expect(env.TERMINAL_HOST).toBe('service');
    expect(loadConfig(env).terminals.host).toBe('service');
    const dependsOn = app.depends_on as Record<string, { condition?: string; restart?: boolean }>;
    expect(dependsOn['terminal-host']).toBeDefined();
    expect(dependsOn['terminal-host']!.restart).toBe(true);
    // The terminals' git credential helper calls the app on loopback; the app reads a shell's cwd in /proc.
    const namespaces = app as { network_mode?: string; pid?: string; entrypoint?: string[] };
    expect(namespaces.network_mode).toBe('service:terminal-host');
    expect(namespaces.pid).toBe('service:terminal-host');
    expect(namespaces.entrypoint).toEqual(['/usr/bin/tini', '-s', '--']);
    // The host depends on nothing: recreating the app never recreates it.
    expect(terminalHost.depends_on).toBeUndefined();
  });

  // Issue 18: trusting all of Docker's private ranges let any container, or anything reaching the
  // published port through the gateway, write the client address into X-Forwarded-For.
  it('trusts forwarded headers only from Caddy’s own fixed address, and .env can change that', async () => {
    const network = compose.networks?.default?.ipam?.config?.[0];
    expect(network?.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    const caddyNetworks = compose.services.caddy!.networks as Record<string, { ipv4_address?: string } | null>;
    const caddyAddress = caddyNetworks.default?.ipv4_address;
    expect(caddyAddress).toBeDefined();
    // Caddy's address is in the subnet, and neither the gateway nor one Docker hands out to others.
    expect(isInCidr(caddyAddress!, network!.subnet!)).toBe(true);
    expect(caddyAddress).not.toBe(network!.gateway);
    expect(isInCidr(caddyAddress!, network!.ip_range!)).toBe(false);
    expect(isInCidr(network!.gateway!, network!.subnet!)).toBe(true);
    expect(isInCidr(network!.ip_range!.split('/')[0]!, network!.subnet!)).toBe(true);
    // The app is on the same network (terminal-host's), with an address Docker picks from ip_range.
    expect(app.networks).toBeUndefined();
    expect(Object.keys(terminalHost.networks as Record<string, unknown>)).toEqual(['default']);
    expect((terminalHost.networks as Record<string, { ipv4_address?: string }>).default?.ipv4_address).toBeUndefined();

    const { trustProxy } = loadConfig(composeEnvironment(app)).server;
    expect(trustProxy).toEqual([caddyAddress]);
    // What Fastify then believes, from Caddy, from the host's port forwarding and from another container.
    const server = Fastify({ trustProxy: trustProxy as string[] });
    server.get('/ip', async (request) => request.ip);
    const ipFrom = async (remoteAddress: string) =>
      (await server.inject({ url: '/ip', remoteAddress, headers: { 'x-forwarded-for': '203.0.113.7' } })).body;
    expect(await ipFrom(caddyAddress!)).toBe('203.0.113.7');
    expect(await ipFrom(network!.gateway!)).toBe(network!.gateway);
    const neighbour = network!.ip_range!.replace(/\.\d+\/\d+$/, '.130');
    expect(await ipFrom(neighbour)).toBe(neighbour);
    await server.close();

    expect(loadConfig(composeEnvironment(app, { TRUST_PROXY: '10.0.0.0/8' })).server.trustProxy).toEqual(['10.0.0.0/8']);
    // docs/deploy.md names the same address and how to change it.
    const guide = readRepoFile('docs/deploy.md');
    expect(guide).toContain(`TRUST_PROXY=${caddyAddress}`);
    expect(guide).toContain(network!.subnet!);
    expect(guide).not.toContain('172.16.0.0/12');
  });

  it('runs as configured by deploy/docker.env.example copied to .env', () => {
    // Compose: .env feeds both the interpolation and env_file; `environment` wins over env_file.
    const dotEnv = parseEnv(readRepoFile('deploy/docker.env.example'));
    for (const name of Object.keys(dotEnv)) expect(CONFIG_VARIABLES.has(name), `${name} is a Shellport config variable`).toBe(true);
    expect(Object.keys(dotEnv)).not.toContain('HOST');
    expect(Object.keys(dotEnv)).not.toContain('DATA_DIR');
    const config = loadConfig({ ...dotEnv, ...composeEnvironment(app, dotEnv) });
    expect(config.server.publicUrl).toBe('https://shell.example.com');
    expect(config.server.isHttps).toBe(true);
    expect(config.server.trustProxy).toEqual(['172.16.212.2']);
    expect(config.storage.dataDir).toBe('/data');
    expect(composeEnvironment(compose.services.caddy!, dotEnv).PUBLIC_URL).toBe('https://shell.example.com');
  });

  it('uses the Dockerfile’s health check', () => {
    expect(app.healthcheck!.test).toEqual(['CMD', ...healthcheckCommand()]);
  });

  it('names only variables the app knows, in every service and every ${...} interpolation', () => {
    const text = readRepoFile('docker-compose.yml');
    for (const name of interpolatedNames(text)) expect(CONFIG_VARIABLES.has(name), `\${${name}} is a Shellport config variable`).toBe(true);
    for (const [service, definition] of Object.entries(compose.services)) {
      for (const name of Object.keys(composeEnvironment(definition))) {
        expect(CONFIG_VARIABLES.has(name), `${service}: ${name} is a Shellport config variable`).toBe(true);
      }
    }
  });

  it('offers Caddy under the proxy profile, serving PUBLIC_URL and proxying to the app', () => {
    const caddy = compose.services.caddy!;
    expect(caddy.profiles).toEqual(['proxy']);
    expect(caddy.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    expect(Object.keys(composeEnvironment(caddy))).toEqual(['PUBLIC_URL']);
    const mount = caddy.volumes!.find((v) => v.includes(':/etc/caddy/Caddyfile'))!;
    const caddyfile = readFileSync(path.join(ROOT, mount.split(':')[0]!), 'utf8');
    expect(caddyfile).toMatch(/^\{\$PUBLIC_URL\} \{$/m);
    // The compose service's name and the port the app listens on (overridable for Caddy on the host).
    expect(caddyfile).toContain(`reverse_proxy {$SHELLPORT_UPSTREAM:shellport:${exposedPort()}} {`);
    expect(Object.keys(compose.services)).toContain('shellport');
  });

  it('is shown in docs/deploy.md as it is', () => {
    const shipped = readRepoFile('deploy/Caddyfile')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
    const guide = readRepoFile('docs/deploy.md').split('\n').map((line) => line.replace(/^ {2}/, ''));
    const start = guide.indexOf(shipped[0]!);
    expect(start).toBeGreaterThan(-1);
    expect(guide.slice(start, start + shipped.length)).toEqual(shipped);
  });
});
