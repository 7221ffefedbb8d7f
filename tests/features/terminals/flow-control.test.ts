import { describe, expect, it } from 'vitest';
import { connectClient, startTerminalApp, storedBytes, waitUntil } from './helpers.js';
import { TRANSPORTS } from './transports.js';

const KiB = 1024;

// The floods run over both transports; the burst test (the heaviest) over Socket.IO only.
describe.each(TRANSPORTS)('flow control over $name', ({ connect }) => {
  it('a client that stops acknowledging pauses the PTY only until the stall timeout, then is dropped to resync; what the server holds stays bounded', async () => {
    const app = await startTerminalApp({
      TERMINAL_STALL_TIMEOUT_MS: '300',
      TERMINAL_RETAINED_OUTPUT_KB: '1024',
      TERMINAL_FLOW_HIGH_WATERMARK_KB: '256',
    });
    const reading = await connect(app);
    const stalled = await connect(app);
    stalled.autoAck = false;
    const session = await reading.create();
    await reading.attach(session.id);
    await stalled.attach(session.id);
    const inspect = () => app.app.terminals.inspect(session.id)!;

    reading.input(session.id, 'yes flood-line\n');
    // The PTY waits for the stalled client: it is sent at most the high watermark beyond its ack.
    await waitUntil(() => inspect().paused);
    // After the stall timeout it no longer holds the PTY: the flood goes on for the reading client.
    await waitUntil(() => stalled.stream(session.id).behind.length > 0, 5000);
    const sentToStalled = stalled.stream(session.id).behind[0]!;
    await waitUntil(() => stalled.stream(session.id).seq === sentToStalled);
    expect(sentToStalled).toBeLessThanOrEqual(256 * KiB); // never more than the window beyond its (zero) ack

    // What the server holds for the terminal, at every message of the flood: its ring buffer, the
    // output not yet on disk, and what each client was sent but has not acknowledged.
    reading.keepData = false; // the test's own client must not hold the flood in memory either
    const peak = { ring: 0, unpersisted: 0, unacknowledged: 0 };
    let sampling = true;
    reading.onOutput(() => {
      if (!sampling) return;
      const state = inspect();
      peak.ring = Math.max(peak.ring, state.ringCapacity);
      peak.unpersisted = Math.max(peak.unpersisted, state.seq - state.persistedSeq);
      for (const client of state.clients) peak.unacknowledged = Math.max(peak.unacknowledged, client.sentSeq - client.ackedSeq);
    });
    const from = reading.stream(session.id).seq;
    // Eight times the ring buffer, and far past the retained output the stalled client's position was in.
    await waitUntil(() => reading.stream(session.id).seq > from + 8 * app.config.terminals.ringBufferBytes, 30_000);
    sampling = false;
    expect(stalled.stream(session.id).seq).toBe(sentToStalled); // nothing more was pushed to it
    const clients = inspect().clients;
    expect(clients.filter((client) => client.state === 'behind')).toEqual([expect.objectContaining({ sentSeq: sentToStalled })]);
    expect(clients.filter((client) => client.state === 'live')).toHaveLength(1);
    // docs/protocol.md, "Flow control": the ring at most doubles while the disk catches up, and no
    // client is ever sent more than the high watermark beyond its acknowledgement.
    expect(peak.ring).toBeLessThanOrEqual(2 * app.config.terminals.ringBufferBytes);
    expect(peak.unpersisted).toBeLessThanOrEqual(2 * app.config.terminals.ringBufferBytes);
    expect(peak.unacknowledged).toBeLessThanOrEqual(256 * KiB);
    // The files: old segments are removed by the writer thread after it appends, so on a loaded
    // machine the files can be a segment or so over it for a moment, until the writer catches up.
    await waitUntil(() => storedBytes(app, session.id) <= 1024 * KiB + 64 * KiB + 256 * KiB, 5000);

    // Acknowledging again resumes it: its position was trimmed long ago, so it gets a reset.
    stalled.autoAck = true;
    stalled.ack(session.id, sentToStalled);
    await waitUntil(() => stalled.stream(session.id).resets.length > 0 && stalled.stream(session.id).seq > sentToStalled + 64 * KiB, 10_000);
    expect(stalled.stream(session.id).discontinuities).toEqual([]);
    reading.input(session.id, '\x03');
    await app.app.terminals.kill(session.id);
  });

  it('throttles the PTY to a slow client without dropping anything', async () => {
    const app = await startTerminalApp({ TERMINAL_FLOW_HIGH_WATERMARK_KB: '64', TERMINAL_FLOW_LOW_WATERMARK_KB: '16', TERMINAL_STALL_TIMEOUT_MS: '5000' });
    const slow = await connect(app);
    slow.autoAck = false;
    const session = await slow.create();
    let maxLag = 0;
    // The slowest client that keeps up: it acknowledges only once it holds the whole window (64 KiB
    // unacknowledged), when the server has to stop sending. However fast the machine runs the PTY,
    // the terminal has to wait for it.
    let acked = 0;
    slow.onOutput(({ sessionId, seq }) => {
      const state = app.app.terminals.inspect(sessionId);
      if (state) maxLag = Math.max(maxLag, state.seq - (state.clients[0]?.ackedSeq ?? state.seq));
      if (seq - acked < 64 * KiB) return;
      acked = seq;
      slow.ack(sessionId, seq);
    });
    await slow.attach(session.id);
    slow.input(session.id, 'seq 1 40000; echo DONE-$((4*4))\n');
    await slow.waitForText(session.id, 'DONE-16', 20_000);
    const stream = slow.stream(session.id);
    expect(stream.behind).toEqual([]);
    expect(stream.resets).toEqual([]);
    expect(stream.discontinuities).toEqual([]);
    // The first number follows the shell integration's "command starts" mark (OSC 133 C).
    const numbers = [...slow.text(session.id).matchAll(/^(?:\x1b\]133;C\x07)?(\d+)\r$/gm)].map((match) => Number(match[1]));
    expect(numbers).toEqual(Array.from({ length: 40_000 }, (_, i) => i + 1));
    expect(app.app.terminals.inspect(session.id)!.pauseCount).toBeGreaterThan(0);
    // the PTY stops within a chunk or two of the high watermark
    expect(maxLag).toBeLessThanOrEqual(64 * KiB + 2 * 64 * KiB);
  });
});

describe('flow control over Socket.IO', () => {
  it('sends a burst of output in few large messages, in order and complete, and still echoes a lone keystroke', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create();
    await client.attach(session.id);
    let messages = 0;
    client.onOutput(() => messages++);
    const before = client.stream(session.id).seq;
    const readsBefore = app.app.terminals.inspect(session.id)!.readCount;
    // A busy server (this test shares its event loop), as under load: the PTY gets ahead of it.
    const busy = setInterval(() => {
      const until = performance.now() + 2;
      while (performance.now() < until);
    }, 3);
    client.input(session.id, "head -c 4000000 /dev/zero | tr '\\0' a | fold -w 100; echo DONE-$((3*3))\n");
    await client.waitForText(session.id, 'DONE-9', 30_000).finally(() => clearInterval(busy));
    const bytes = client.stream(session.id).seq - before;
    // Without coalescing every PTY read would be a message of its own.
    const reads = app.app.terminals.inspect(session.id)!.readCount - readsBefore;
    expect(messages).toBeLessThan(reads);
    expect(bytes / messages).toBeGreaterThan(5 * KiB);
    expect(client.stream(session.id).discontinuities).toEqual([]);
    const lines = client.text(session.id).split('\r\n');
    // Every line of the output, in order (the first one follows bash's terminal-mode escape, the last has no newline).
    const first = lines.findIndex((line) => line.endsWith('a'.repeat(100)));
    const output = lines.slice(first, first + 40_000);
    expect(output.slice(1, -1).every((line) => line === 'a'.repeat(100))).toBe(true);
    expect(output.at(-1)).toBe(`${'a'.repeat(100)}DONE-9`);

    const echoed = messages;
    client.input(session.id, 'x');
    await waitUntil(() => client.text(session.id).endsWith('x'));
    expect(messages).toBe(echoed + 1);
    await app.app.terminals.kill(session.id);
  });
});
