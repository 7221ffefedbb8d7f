import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { listSessionProcesses } from '../../../src/infra/pty-host.js';
import { connectClient, startTerminalApp, waitUntil } from './helpers.js';

/** Whether a process still runs (a zombie waiting to be reaped does not). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('terminal lifecycle', () => {
  it('records the exit code when the shell exits, and tells attached clients after the last output', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create();
    await client.attach(session.id);
    client.input(session.id, 'echo bye-$((2*2)); exit 3\n');
    await waitUntil(() => client.stream(session.id).exit);
    expect(client.stream(session.id).exit).toMatchObject({ exitCode: 3, reason: 'exited', seq: client.stream(session.id).seq });
    expect(client.text(session.id)).toContain('bye-4');
    const row = await app.app.db.terminal.findUniqueOrThrow({ where: { id: session.id } });
    expect(row).toMatchObject({ status: 'terminated', exitCode: 3, endReason: 'exited' });
    expect(row.endedAt).toBeInstanceOf(Date);
    expect(app.app.terminals.countActive()).toBe(0);
    await waitUntil(() => client.updates.some((update) => update.id === session.id && update.status === 'terminated'));
    expect(await client.request('terminal:input', { sessionId: session.id, data: 'x' })).toMatchObject({ ok: false, error: { code: 'session_ended' } });

    // Read-only afterwards: attaching replays the stored output, then the exit.
    const later = await connectClient(app);
    const reply = await later.attach(session.id, { lastSeq: 0 });
    expect(reply.session).toMatchObject({ status: 'terminated', exitCode: 3 });
    await waitUntil(() => later.stream(session.id).exit);
    expect(later.bytes(session.id).equals(client.bytes(session.id))).toBe(true);
  });

  it('kill ends every process of the terminal session: background jobs, nohup children and ones ignoring SIGTERM', async () => {
    const app = await startTerminalApp({ TERMINAL_KILL_GRACE_MS: '400' });
    const client = await connectClient(app);
    const session = await client.create({ shell: 'bash' });
    await client.attach(session.id);
    client.input(
      session.id,
      [
        'sleep 1000 & echo "BG=$!"',
        'nohup sleep 1001 >/dev/null 2>&1 & echo "NOHUP=$!"',
        `sh -c 'trap "" TERM HUP; while :; do sleep 1; done' >/dev/null 2>&1 & echo "STUBBORN=$!"`,
        'echo READY-$((5*5))',
        '',
      ].join('\n'),
    );
    const text = await client.waitForText(session.id, 'READY-25');
    const pids = ['BG', 'NOHUP', 'STUBBORN'].map((name) => Number(new RegExp(`${name}=(\\d+)`).exec(text)?.[1]));
    expect(pids.every((pid) => pid > 0 && isRunning(pid))).toBe(true);
    expect((await listSessionProcesses(session.pid)).length).toBeGreaterThanOrEqual(4);

    const killed = await client.ok('terminal:kill', { sessionId: session.id });
    expect(killed.session).toMatchObject({ status: 'terminated', endReason: 'killed' });
    await waitUntil(() => pids.every((pid) => !isRunning(pid)), 5000);
    expect(await listSessionProcesses(session.pid)).toEqual([]);
    expect(isRunning(session.pid)).toBe(false);
    await waitUntil(() => client.stream(session.id).exit);
    expect(client.stream(session.id).exit?.reason).toBe('killed');
  });

  it('ends a terminal nobody uses after the idle timeout, not one with a client attached', async () => {
    const app = await startTerminalApp({ TERMINAL_IDLE_TIMEOUT_MINUTES: '1' });
    const client = await connectClient(app);
    const idle = await client.create();
    const watched = await client.create();
    await client.attach(watched.id);
    await waitUntil(async () => (await app.app.terminals.get(idle.id)).seq! > 0); // the prompt arrived
    await app.app.terminals.sweepIdle();
    app.clock.advance(59_000);
    expect(await app.app.terminals.sweepIdle()).toBe(0);
    app.clock.advance(2_000);
    expect(await app.app.terminals.sweepIdle()).toBe(1);
    expect(await app.app.terminals.get(idle.id)).toMatchObject({ status: 'terminated', endReason: 'idle-timeout' });
    expect(await app.app.terminals.get(watched.id)).toMatchObject({ status: 'active' });
  });

  it('serves the same manager over HTTP: create, list, rename, output, kill', async () => {
    const app = await startTerminalApp();
    const headers = { cookie: app.cookie };
    const bad = await app.app.inject({ method: 'POST', url: '/api/terminals', headers, payload: { cols: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    expect((await app.app.inject({ method: 'GET', url: '/api/terminals' })).statusCode).toBe(401);

    const created = await app.app.inject({ method: 'POST', url: '/api/terminals', headers, payload: { shell: 'bash', cols: 90, rows: 20, name: 'build' } });
    expect(created.statusCode).toBe(201);
    const session = created.json().session;
    expect(session).toMatchObject({ status: 'active', cols: 90, rows: 20, name: 'build', workspaceId: null });

    const renamed = await app.app.inject({ method: 'PATCH', url: `/api/terminals/${session.id}`, headers, payload: { name: 'tests' } });
    expect(renamed.json().session.name).toBe('tests');
    const list = await app.app.inject({ method: 'GET', url: '/api/terminals?status=active', headers });
    expect(list.json().sessions.map((s: { id: string }) => s.id)).toEqual([session.id]);

    const client = await connectClient(app);
    await client.attach(session.id);
    client.input(session.id, 'echo via-http-$((7*6))\n');
    await client.waitForText(session.id, 'via-http-42');
    const output = await app.app.inject({ method: 'GET', url: `/api/terminals/${session.id}/output?since=0`, headers });
    expect(output.headers['content-type']).toBe('application/octet-stream');
    expect(output.rawPayload.toString()).toContain('via-http-42');
    expect(Number(output.headers['shellport-output-end'])).toBe(output.rawPayload.length);

    const killed = await app.app.inject({ method: 'DELETE', url: `/api/terminals/${session.id}`, headers });
    expect(killed.json().session).toMatchObject({ status: 'terminated', endReason: 'killed' });
    const after = await app.app.inject({ method: 'GET', url: `/api/terminals/${session.id}/output?since=0`, headers });
    expect(after.rawPayload.toString()).toContain('via-http-42');
    expect(after.headers['shellport-terminal-status']).toBe('terminated');
    const missing = await app.app.inject({ method: 'GET', url: '/api/terminals/00000000-0000-4000-8000-000000000000/output', headers });
    expect(missing.statusCode).toBe(404);
  });
});
