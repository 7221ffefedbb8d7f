import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectWsClient } from '../features/terminals/transports.js';
import { terminalHostPids } from '../helpers/terminal-host.js';
import { setup, startServer, stopServers } from './server-processes.js';

const LINES = 150_000;

afterEach(stopServers);

describe('terminals outlive the server', () => {
  it('a kill -9 of the server during a flood: the next server resumes the stream with no gap and no duplicate, and input works', async () => {
    const { dataDir, home } = setup();
    const first = await startServer(dataDir, home);
    const client = await connectWsClient(first.target);
    const terminal = await client.create({ cols: 80, rows: 24 });
    await client.attach(terminal.id);
    client.input(terminal.id, `stty -echo; for i in $(seq 1 ${LINES}); do echo line-$i; done; echo FLOOD-END\r`);
    await vi.waitFor(() => expect(client.stream(terminal.id).seq).toBeGreaterThan(300_000), { timeout: 20_000, interval: 5 });
    const hostsBefore = terminalHostPids(dataDir);
    expect(hostsBefore).toHaveLength(1);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = client.bytes(terminal.id);
    client.close();

    const second = await startServer(dataDir, home);
    const again = await connectWsClient(second.target);
    await again.attach(terminal.id, { lastSeq: before.length });
    await again.waitForText(terminal.id, 'FLOOD-END', 60_000);
    const stream = again.stream(terminal.id);
    expect(stream.resets).toEqual([]);
    expect(stream.discontinuities).toEqual([]);
    const lines = Buffer.concat([before, again.bytes(terminal.id)]).toString('utf8').match(/line-\d+/g) ?? [];
    expect(lines.length).toBe(LINES);
    expect(lines.every((line, i) => line === `line-${i + 1}`)).toBe(true);

    again.input(terminal.id, 'echo typed-$((40 + 2))\r');
    await again.waitForText(terminal.id, 'typed-42');
    expect(terminalHostPids(dataDir)).toEqual(hostsBefore);
  });

  it('a SIGTERM of the server leaves the shell running; the next server lists it active and takes it over', async () => {
    const { dataDir, home } = setup();
    const first = await startServer(dataDir, home);
    const client = await connectWsClient(first.target);
    const terminal = await client.create({ cols: 80, rows: 24 });
    await client.attach(terminal.id);
    client.input(terminal.id, 'export MARK=kept-$((6 * 7)); cd /tmp\r');
    client.send('terminal:input', { sessionId: terminal.id, data: 'echo once-$((1 + 1))\r', device: 'phone', inputId: 1 });
    await client.waitForText(terminal.id, 'once-2');
    const firstSeq = client.stream(terminal.id).seq;
    client.close();
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = await startServer(dataDir, home);
    const again = await connectWsClient(second.target);
    const list = await again.ok('terminal:list', {});
    expect(list.sessions.find((entry: { id: string }) => entry.id === terminal.id)).toMatchObject({ status: 'active', pid: terminal.pid });
    await again.attach(terminal.id, { lastSeq: firstSeq });
    // The phone did not know whether its last input arrived: it sends it again, and it runs once.
    again.send('terminal:input', { sessionId: terminal.id, data: 'echo once-$((1 + 1))\r', device: 'phone', inputId: 1 });
    again.send('terminal:input', { sessionId: terminal.id, data: 'echo "$MARK in $PWD"\r', device: 'phone', inputId: 2 });
    await again.waitForText(terminal.id, 'kept-42 in /tmp');
    expect(again.text(terminal.id)).not.toContain('once-2');
  });

  it('the host killed: its terminals end with host-exited, the server stays up and a new terminal starts a new host', async () => {
    const { dataDir, home } = setup();
    const server = await startServer(dataDir, home);
    const client = await connectWsClient(server.target);
    const terminal = await client.create({ cols: 80, rows: 24 });
    await client.attach(terminal.id);
    const [hostPid] = terminalHostPids(dataDir);
    expect(hostPid).toBeGreaterThan(0);
    process.kill(hostPid!, 'SIGKILL');
    await vi.waitFor(() => expect(client.stream(terminal.id).exit).toMatchObject({ reason: 'host-exited' }), { timeout: 10_000 });

    const next = await client.create({ cols: 80, rows: 24 });
    await client.attach(next.id);
    client.input(next.id, 'echo new-$((1 + 1))\r');
    await client.waitForText(next.id, 'new-2');
    expect(terminalHostPids(dataDir).filter((pid) => pid !== hostPid)).toHaveLength(1);
    expect(server.child.exitCode).toBeNull();
  });
});
