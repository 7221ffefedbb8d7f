// Issue 19, "After a reboot": what a terminal runs is recorded while it runs (directory, foreground
// command, an agent's conversation id from the session file it holds open); after a reboot — the
// terminal host and the server both gone, the machine's boot id changed — the terminals that were
// running are listed as ended by `reboot`, and start again in their directory or resume the agent's
// conversation (a fake `claude` that records its arguments).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readForeground } from '../../../src/features/terminals/foreground.js';
import { makeTempDir } from '../../helpers/app.js';
import { startTerminalApp } from './helpers.js';
import { connectWsClient } from './transports.js';

const FAKE_CLAUDE = path.resolve(import.meta.dirname, 'fixtures/fake-claude');
const ID = '3f2b8c1e-9d4a-4e7b-8a21-5c6d7e8f9a0b';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

let hostPids: number[] = [];
afterEach(() => {
  for (const pid of hostPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A home whose ~/.bashrc puts the fake `claude` on PATH (the shells get a clean environment). */
function setupHome() {
  const root = makeTempDir('sp-reboot-');
  const home = path.join(root, 'home');
  const bin = path.join(root, 'bin');
  mkdirSync(home);
  mkdirSync(bin);
  copyFileSync(FAKE_CLAUDE, path.join(bin, 'claude'));
  writeFileSync(path.join(home, '.bashrc'), `export PATH=${bin}:$PATH\nPS1='$ '\n`);
  return { root, home, dataDir: path.join(root, 'data') };
}

function claudeStarts(home: string): string[] {
  try {
    return readFileSync(path.join(home, 'claude-args.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('after a reboot', () => {
  it('lists the terminals that were running as ended by reboot, with their directory and command, and starts them again or resumes the agent', async () => {
    const { home, dataDir } = setupHome();
    mkdirSync(dataDir);
    const env = { DATA_DIR: dataDir, HOME: home, SHELL: '/bin/bash' };
    // The terminals outlive the first server in a terminal host, as in production.
    const first = await startTerminalApp({ ...env, TERMINAL_HOST: 'auto' });
    const client = await connectWsClient(first);
    const agentTerminal = await client.create({ shell: 'bash', cols: 100, rows: 30 });
    const plainTerminal = await client.create({ shell: 'bash', cols: 100, rows: 30 });
    // Started with the first terminal.
    const hostPid = Number(first.logLines().find((line) => line.msg === 'connected to the terminal host')?.pid);
    expect(hostPid).toBeGreaterThan(0);
    hostPids.push(hostPid);
    await client.attach(agentTerminal.id);
    await client.attach(plainTerminal.id);
    client.input(agentTerminal.id, 'mkdir -p project && cd project && claude --model opus\r');
    await client.waitForText(agentTerminal.id, /fake claude: session [0-9a-f-]{36}/);
    const sessionId = UUID.exec(client.text(agentTerminal.id).split('fake claude: session ')[1]!)![0];
    client.input(plainTerminal.id, 'cd /tmp && sleep 600\r');
    await vi.waitFor(async () => {
      await first.app.terminals.sweepIdle();
      const rows = await first.app.db.terminal.findMany({ where: { id: { in: [agentTerminal.id, plainTerminal.id] } } });
      expect(rows.find((row) => row.id === plainTerminal.id)).toMatchObject({ lastCwd: '/tmp', lastCommand: 'sleep 600', agent: null, agentSessionId: null });
      expect(rows.find((row) => row.id === agentTerminal.id)).toMatchObject({
        lastCwd: path.join(home, 'project'),
        agent: 'claude',
        agentSessionId: sessionId,
      });
    }, { timeout: 10_000, interval: 200 });
    const agentRow = await first.app.db.terminal.findUniqueOrThrow({ where: { id: agentTerminal.id } });
    expect(agentRow.lastCommand).toMatch(/^\/bin\/bash \S+\/bin\/claude --model opus$|^bash \S+\/bin\/claude --model opus$/);
    // Command lines are never logged.
    expect(first.logText()).not.toContain('--model opus');

    // The reboot: the server and the host go, and every process with them; the kernel's boot id changes.
    client.close();
    await first.app.close();
    const shellPids = [agentTerminal.pid, plainTerminal.pid];
    const foreground = execFileSync('pgrep', ['-s', shellPids.join(',')], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    process.kill(hostPid, 'SIGKILL');
    for (const pid of [...shellPids, ...foreground]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone with the host
      }
    }
    await vi.waitFor(() => expect([hostPid, ...shellPids, ...foreground].filter(isAlive)).toEqual([]), { timeout: 5_000 });
    writeFileSync(path.join(dataDir, 'boot-id'), 'a-boot-before-this-one\n');

    const second = await startTerminalApp({ ...env, TERMINAL_HOST: 'in-process' });
    const again = await connectWsClient(second);
    const { sessions } = await again.ok('terminal:list', { status: 'terminated' });
    const listed = (id: string) => sessions.find((session: { id: string }) => session.id === id);
    expect(listed(agentTerminal.id)).toMatchObject({
      status: 'terminated',
      endReason: 'reboot',
      lastCwd: path.join(home, 'project'),
      lastCommand: expect.stringContaining('claude --model opus'),
      agentSession: { agent: 'claude', id: sessionId },
      restartedAs: null,
    });
    expect(listed(plainTerminal.id)).toMatchObject({ endReason: 'reboot', lastCwd: '/tmp', lastCommand: 'sleep 600', agentSession: null });
    // Their output stays readable.
    const output = await second.app.inject({ method: 'GET', url: `/api/terminals/${agentTerminal.id}/output`, headers: { cookie: second.cookie } });
    expect(output.body).toContain('fake claude: session');

    // Start again: a new shell in the directory it was in.
    const restarted = await again.ok('terminal:create', { restartOf: plainTerminal.id, cols: 100, rows: 30 });
    expect(restarted.notice).toBeUndefined();
    await again.attach(restarted.session.id);
    again.input(restarted.session.id, 'echo "now in $PWD"\r');
    await again.waitForText(restarted.session.id, 'now in /tmp');

    // Resume conversation: the agent's own resume command, typed into a new shell in its directory.
    const resumed = await again.ok('terminal:create', { restartOf: agentTerminal.id, resume: true, cols: 100, rows: 30 });
    await again.attach(resumed.session.id);
    await again.waitForText(resumed.session.id, `fake claude: session ${sessionId}`);
    expect(claudeStarts(home)).toEqual(['--model opus', `--resume ${sessionId}`]);
    again.input(resumed.session.id, '\x04'); // the agent exits; the shell it was typed into remains
    again.input(resumed.session.id, 'echo "shell in $PWD"\r');
    await again.waitForText(resumed.session.id, `shell in ${path.join(home, 'project')}`);

    // Both are marked started again, so "start all again" has nothing left to do.
    const after = await again.ok('terminal:list', { status: 'terminated' });
    expect(after.sessions.find((session: { id: string }) => session.id === agentTerminal.id).restartedAs).toBe(resumed.session.id);
    const all = await second.app.inject({ method: 'POST', url: '/api/terminals/start-again', headers: { cookie: second.cookie }, payload: {} });
    expect(all.json()).toEqual({ started: [], failed: [] });
  }, 60_000);

  it('starts every terminal ended by a reboot at once, and answers clearly when one cannot start as asked', async () => {
    const { home, dataDir, root } = setupHome();
    const app = await startTerminalApp({ DATA_DIR: dataDir, HOME: home });
    const now = new Date();
    const gone = path.join(root, 'deleted-dir');
    const base = { shell: '/bin/bash', status: 'terminated', cwd: home, createdAt: now, lastActivityAt: now, endedAt: now, endReason: 'reboot' };
    await app.app.db.terminal.createMany({
      data: [
        { ...base, id: 'aaaaaaaa-0000-4000-8000-000000000001', lastCwd: '/tmp', lastCommand: 'htop' },
        { ...base, id: 'aaaaaaaa-0000-4000-8000-000000000002', lastCwd: gone, agent: 'claude', agentSessionId: ID },
        { ...base, id: 'aaaaaaaa-0000-4000-8000-000000000003', endReason: 'exited' },
      ],
    });
    const headers = { cookie: app.cookie };
    const post = (url: string, payload: object) => app.app.inject({ method: 'POST', url, headers, payload });

    expect((await post('/api/terminals', { restartOf: 'aaaaaaaa-0000-4000-8000-00000000dead' })).json().error.code).toBe('not_found');
    expect((await post('/api/terminals', { restartOf: 'aaaaaaaa-0000-4000-8000-000000000001', resume: true })).json().error).toMatchObject({ code: 'no_agent_session' });
    expect((await post('/api/terminals', { resume: true })).statusCode).toBe(400);
    const running = (await post('/api/terminals', {})).json().session;
    const refused = await post('/api/terminals', { restartOf: running.id });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('terminal_running');

    const all = await post('/api/terminals/start-again', { resume: true, cols: 90, rows: 20 });
    const { started, failed } = all.json();
    expect(failed).toEqual([]);
    expect(started.map((entry: { from: string }) => entry.from)).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002']);
    expect(started[0]).toMatchObject({ session: { cwd: '/tmp', status: 'active', cols: 90 } });
    expect(started[1].notice).toBe(`The directory ${gone} no longer exists: the terminal started in ${home} instead.`);
    expect(started[1].session.cwd).toBe(home);
    // Resumed where an agent conversation was recorded: the fake claude got its id.
    await vi.waitFor(() => expect(claudeStarts(home)).toEqual([`--resume ${ID}`]), { timeout: 10_000 });
  }, 30_000);
});

describe('readForeground', () => {
  /** A /proc of one shell (pid 100) with `node …/claude` (pid 200) in front, holding its transcript open. */
  function fakeProc(options: { tpgid: number; fd?: string; args?: string[] }) {
    const proc = makeTempDir('sp-proc-');
    mkdirSync(path.join(proc, '100'));
    symlinkSync('/home/me/src/app', path.join(proc, '100/cwd'));
    writeFileSync(path.join(proc, '100/stat'), `100 (bash) S 90 100 100 34816 ${options.tpgid} 4194560 0 0 0 0`);
    mkdirSync(path.join(proc, '200/fd'), { recursive: true });
    mkdirSync(path.join(proc, '200/task/200'), { recursive: true });
    writeFileSync(path.join(proc, '200/task/200/children'), '');
    writeFileSync(path.join(proc, '200/cmdline'), `${(options.args ?? ['node', '/usr/local/bin/claude', '--model', 'opus']).join('\0')}\0`);
    symlinkSync('/dev/pts/3', path.join(proc, '200/fd/0'));
    if (options.fd) symlinkSync(options.fd, path.join(proc, '200/fd/21'));
    return proc;
  }

  it('reads the directory, the command in front and the conversation its session file names', async () => {
    const proc = fakeProc({ tpgid: 200, fd: `/home/me/.claude/projects/-home-me-src-app/${ID}.jsonl` });
    expect(await readForeground(100, proc)).toEqual({ cwd: '/home/me/src/app', command: 'node /usr/local/bin/claude --model opus', agent: 'claude', agentSessionId: ID });
  });

  it('at the prompt there is no command; an agent without an open session file or an id on its command line has no conversation', async () => {
    expect(await readForeground(100, fakeProc({ tpgid: 100 }))).toEqual({ cwd: '/home/me/src/app', command: null, agent: null, agentSessionId: null });
    expect(await readForeground(100, fakeProc({ tpgid: 200, args: ['claude', '--continue'] }))).toMatchObject({ agent: 'claude', agentSessionId: null });
    expect(await readForeground(100, fakeProc({ tpgid: 200, args: ['codex', 'resume', ID] }))).toMatchObject({ agent: 'codex', agentSessionId: ID });
  });

  it('a shell that is gone reads as nothing', async () => {
    const proc = fakeProc({ tpgid: 200 });
    rmSync(path.join(proc, '100'), { recursive: true });
    expect(await readForeground(100, proc)).toEqual({ cwd: null, command: null, agent: null, agentSessionId: null });
  });
});
