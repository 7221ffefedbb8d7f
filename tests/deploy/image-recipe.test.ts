// SLOW (about 1.5–3 minutes: one real `npm ci` plus native builds). Docker cannot run here, so this
// test performs the Dockerfile's recipe outside Docker: it copies the working tree (tracked and
// untracked-but-not-ignored files, as a build context would see them) to a temp directory, runs the
// build stage's RUN commands there, assembles a runtime directory from exactly what the runtime stage
// COPYs out of the build stage, starts the runtime stage's CMD on a temp DATA_DIR and checks that
// /healthz and /readyz answer and SIGTERM shuts it down cleanly. npm uses its local cache (--prefer-offline).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerContextFilter, execForm, instructionsOf, readDockerfile, readRepoFile, ROOT, stage, stageEnv } from './files.js';

const RECIPE_TIMEOUT_MS = 15 * 60_000;
const work = mkdtempSync(path.join(tmpdir(), 'shellport-recipe-'));
// Removing two node_modules trees takes a while on a loaded machine: longer than the default hook timeout.
afterAll(() => rmSync(work, { recursive: true, force: true }), 5 * 60_000);

function run(command: string, cwd: string) {
  const result = spawnSync('bash', ['-euo', 'pipefail', '-c', command], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`\`${command}\` failed (${result.status ?? result.signal}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
}

/** Copies what `docker build .` would send: tracked and untracked files that git does not ignore, filtered by .dockerignore. */
function copyBuildContext(target: string) {
  const inContext = dockerContextFilter(readRepoFile('.dockerignore'));
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const files = listed.stdout.split('\0').filter((file) => file !== '' && inContext(file));
  for (const file of files) {
    if (!existsSync(path.join(ROOT, file))) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    cpSync(path.join(ROOT, file), path.join(target, file));
  }
  return files.length;
}

describe('the Docker image recipe, performed outside Docker (slow)', () => {
  it(
    'builds with the build stage’s commands, runs from the runtime stage’s files, and answers /healthz',
    async () => {
      const dockerfile = readDockerfile();
      const build = stage(dockerfile, 'build');
      const runtime = stage(dockerfile, 'runtime');

      const buildDir = path.join(work, 'build');
      expect(copyBuildContext(buildDir)).toBeGreaterThan(10);

      // Every RUN of the build stage except system packages (the machine has python3, make, g++;
      // the Dockerfile test checks the stage installs them).
      const commands = instructionsOf(build, 'RUN')
        .map((i) => i.args)
        .filter((c) => !c.startsWith('apt-get'));
      expect(commands.some((c) => c.startsWith('npm ci'))).toBe(true);
      for (const command of commands) run(command, buildDir);

      // The runtime stage: only what it copies from the build stage, at the same relative places.
      const workdir = instructionsOf(runtime, 'WORKDIR').at(-1)!.args;
      const runDir = path.join(work, 'runtime');
      for (const copy of instructionsOf(runtime, 'COPY')) {
        const match = /^--from=build\s+(?:--\S+\s+)*(\S+)\s+(\S+)$/.exec(copy.args);
        if (!match) throw new Error(`Unexpected COPY in the runtime stage: ${copy.args}`);
        const from = path.join(buildDir, path.relative('/app', match[1]!));
        const to = path.join(runDir, path.relative(workdir, path.resolve(workdir, match[2]!)));
        expect(existsSync(from), `${match[1]} exists after the build stage`).toBe(true);
        cpSync(from, to, { recursive: true });
      }
      // Pruned to production dependencies; native modules kept.
      expect(existsSync(path.join(runDir, 'node_modules/vitest'))).toBe(false);
      expect(existsSync(path.join(runDir, 'node_modules/esbuild'))).toBe(false);
      expect(existsSync(path.join(runDir, 'node_modules/node-pty/build/Release/pty.node'))).toBe(true);
      expect(existsSync(path.join(runDir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
      expect(existsSync(path.join(runDir, 'src'))).toBe(false);

      // Start the CMD the way the image does, with the image's environment but a temp DATA_DIR,
      // loopback and a free port; shells as this machine's user, which has no `shellport` account
      // (tests/features/terminals/terminal-user.test.ts runs the two-account layout).
      const [command, ...args] = execForm(instructionsOf(runtime, 'CMD').at(-1)!.args);
      expect(command).toBe('node');
      const dataDir = path.join(work, 'data');
      const imageEnv = { ...stageEnv(runtime), TERMINAL_USER: '', WORKSPACES_DIR: path.join(work, 'workspaces') };
      const server = spawn(process.execPath, args, {
        cwd: runDir,
        env: { PATH: process.env.PATH, HOME: work, ...imageEnv, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      server.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
      try {
        const url = await waitFor(() => /Shellport is running: open (http:\/\/[^\s"]+)/.exec(output)?.[1], 30_000, () => output);
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
        expect(await health.json()).toMatchObject({ status: 'ok', version });
        // Migrations were found and applied from the runtime layout, and DATA_DIR is usable.
        const ready = await fetch(`${url}/readyz`);
        expect(await ready.json()).toMatchObject({ checks: { migrations: { status: 'ok' }, database: { status: 'ok' }, dataDir: { status: 'ok' } } });
        expect(existsSync(path.join(dataDir, 'shellport.db'))).toBe(true);
        // The web app is in the image.
        const page = await fetch(`${url}/`);
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/^text\/html/);
        // The sign-in link is in no log line; the operator command prints it from the compiled code.
        const link = spawnSync('npm', ['run', '--silent', 'sign-in-link'], {
          cwd: runDir,
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: work, ...imageEnv, HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir },
        });
        expect(link.status, `${link.stdout}\n${link.stderr}`).toBe(0);
        const token = new RegExp(`${url}/auth/token\\?token=([\\w-]+)`).exec(link.stdout)?.[1];
        expect(token, link.stdout).toBeDefined();
        expect(output).not.toContain(token);
      } finally {
        server.kill('SIGTERM');
      }
      expect(await exited, output).toBe(0);

      // The operator commands the deployment guide names work without dev dependencies.
      const scripts = (JSON.parse(readFileSync(path.join(runDir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
      expect(scripts.backup).toBeDefined();
      const backup = spawnSync('npm', ['run', 'backup'], {
        cwd: runDir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, HOME: work, ...imageEnv, DATA_DIR: dataDir },
      });
      expect(backup.status, `${backup.stdout}\n${backup.stderr}`).toBe(0);
    },
    RECIPE_TIMEOUT_MS,
  );
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, describeState: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms. Output so far:\n${describeState()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
