import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { connectClient, startTerminalApp, storedBytes, waitUntil } from './helpers.js';

const KiB = 1024;

v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/**
 * Live JavaScript and Buffer memory after full garbage collections (V8 frees the memory of dead
 * ArrayBuffers concurrently, after the collection itself: hence two rounds with a pause).
 */
async function retainedMemory(): Promise<number> {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 50));
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

describe('flow control', () => {
  it('a client that stops acknowledging pauses the PTY only until the stall timeout, then is dropped to resync; memory stays bounded', async () => {
    const app = await startTerminalApp({
      TERMINAL_STALL_TIMEOUT_MS: '300',
      TERMINAL_RETAINED_OUTPUT_KB: '1024',
      TERMINAL_FLOW_HIGH_WATERMARK_KB: '256',
    });
    const reading = await connectClient(app);
    const stalled = await connectClient(app);
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
    reading.keepData = false; // the test's own client must not hold the flood in memory either
    let ringPeak = 0;
    const flowed = (bytes: number) => {
      ringPeak = Math.max(ringPeak, inspect().ringCapacity);
      return reading.stream(session.id).seq > bytes;
    };
    await waitUntil(() => flowed(16 * 1024 * KiB), 20_000); // JIT and query caches warm up
    const retainedBefore = await retainedMemory();
    const warm = reading.stream(session.id).seq;
    await waitUntil(() => flowed(warm + 40 * 1024 * KiB), 30_000);
    const retainedDuring = await retainedMemory();
    expect(stalled.stream(session.id).seq).toBe(sentToStalled); // nothing more was pushed to it
    const state = inspect();
    expect(state.clients.find((client) => client.id === stalled.socket.id)?.state).toBe('behind');
    expect(ringPeak).toBeLessThanOrEqual(2 * app.config.terminals.ringBufferBytes);
    // 40 MiB more went through while the flood still runs; live memory grew by far less than that.
    expect(retainedDuring - retainedBefore).toBeLessThan(8 * 1024 * KiB);
    expect(storedBytes(app, session.id)).toBeLessThanOrEqual(1024 * KiB + 64 * KiB + 256 * KiB);

    // Acknowledging again resumes it: its position was trimmed long ago, so it gets a reset.
    stalled.autoAck = true;
    stalled.socket.emit('terminal:ack', { sessionId: session.id, seq: sentToStalled });
    await waitUntil(() => stalled.stream(session.id).resets.length > 0 && stalled.stream(session.id).seq > sentToStalled + 64 * KiB, 10_000);
    expect(stalled.stream(session.id).discontinuities).toEqual([]);
    reading.input(session.id, '\x03');
    await app.app.terminals.kill(session.id);
  });

  it('throttles the PTY to a slow client without dropping anything', async () => {
    const app = await startTerminalApp({ TERMINAL_FLOW_HIGH_WATERMARK_KB: '64', TERMINAL_FLOW_LOW_WATERMARK_KB: '16', TERMINAL_STALL_TIMEOUT_MS: '5000' });
    const slow = await connectClient(app);
    slow.autoAck = false;
    const session = await slow.create();
    let maxLag = 0;
    // Processes 1 MB/s, like a background tab: each message is acknowledged once "rendered".
    let busyUntil = 0;
    slow.socket.on('terminal:output', ({ sessionId, seq, data }: { sessionId: string; seq: number; data: Buffer }) => {
      const state = app.app.terminals.inspect(sessionId);
      if (state) maxLag = Math.max(maxLag, state.seq - (state.clients[0]?.ackedSeq ?? state.seq));
      const now = Date.now();
      busyUntil = Math.max(busyUntil, now) + data.length / 1000;
      setTimeout(() => slow.socket.emit('terminal:ack', { sessionId, seq }), busyUntil - now);
    });
    await slow.attach(session.id);
    slow.input(session.id, 'seq 1 40000; echo DONE-$((4*4))\n');
    await slow.waitForText(session.id, 'DONE-16', 20_000);
    const stream = slow.stream(session.id);
    expect(stream.behind).toEqual([]);
    expect(stream.resets).toEqual([]);
    expect(stream.discontinuities).toEqual([]);
    const numbers = [...slow.text(session.id).matchAll(/^(\d+)\r$/gm)].map((match) => Number(match[1]));
    expect(numbers).toEqual(Array.from({ length: 40_000 }, (_, i) => i + 1));
    expect(app.app.terminals.inspect(session.id)!.pauseCount).toBeGreaterThan(0);
    // the PTY stops within a chunk or two of the high watermark
    expect(maxLag).toBeLessThanOrEqual(64 * KiB + 2 * 64 * KiB);
  });

  it('sends a burst of output in few large messages, in order and complete, and still echoes a lone keystroke', async () => {
    const app = await startTerminalApp();
    const client = await connectClient(app);
    const session = await client.create();
    await client.attach(session.id);
    let messages = 0;
    client.socket.on('terminal:output', () => messages++);
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
