import xtermHeadless from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { describeScreen } from './screen-compare.js';
import { startTerminalApp, waitUntil } from './helpers.js';
import { TRANSPORTS } from './transports.js';

const { Terminal } = xtermHeadless;

/** What a never-detached xterm.js shows after `data`, cell by cell (1000 lines of scrollback, as snapshots carry). */
async function screenOf(cols: number, rows: number, ...data: (string | Uint8Array)[]) {
  const term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  for (const chunk of data) await new Promise<void>((resolve) => term.write(chunk, resolve));
  const description = describeScreen(term);
  term.dispose();
  return description;
}

describe.each(TRANSPORTS)('snapshots on attach over $name', ({ connect }) => {
  it('a client far behind gets the screen at a seq, then the live output from exactly that seq', async () => {
    const app = await startTerminalApp();
    const typist = await connect(app);
    const session = await typist.create({ cols: 100, rows: 30 });
    await typist.attach(session.id, { cols: 100, rows: 30 });
    typist.input(session.id, 'seq 1 150000; echo DONE-$((1+1))\n'); // ~1 MB: far more than a quick replay
    await typist.waitForText(session.id, /DONE-2\r\n.*[$#] (?:\x1b\]133;B\x07)?$/s);
    await waitUntil(() => app.app.terminals.inspect(session.id)!.mirrored);

    const late = await connect(app);
    const reply = await late.attach(session.id, { snapshot: true, cols: 100, rows: 30 });
    expect(reply).toMatchObject({ snapshot: true, reset: true });
    const stream = late.stream(session.id);
    await waitUntil(() => stream.snapshots.length === 1);
    const snapshot = stream.snapshots[0]!;
    expect(snapshot.seq).toBe(reply.from);
    expect(snapshot.seq).toBeLessThanOrEqual(reply.seq);
    expect(snapshot).toMatchObject({ cols: 100, rows: 30 });
    expect(snapshot.data.length).toBeLessThan(200_000);

    // Live output after the snapshot continues it without a gap.
    typist.input(session.id, 'echo AFTER-$((2+3))\n');
    await late.waitForText(session.id, 'AFTER-5');
    await typist.waitForText(session.id, 'AFTER-5');
    expect(stream.discontinuities).toEqual([]);
    const all = typist.bytes(session.id);
    expect(late.bytes(session.id).equals(all.subarray(snapshot.seq, stream.seq))).toBe(true);

    // The snapshot and what follows it paint what the raw stream paints.
    const restored = await screenOf(100, 30, snapshot.data, late.bytes(session.id));
    const uninterrupted = await screenOf(100, 30, all.subarray(0, stream.seq));
    expect(restored).toEqual(uninterrupted);
  });

  it('carries as many lines of scrollback as TERMINAL_SNAPSHOT_SCROLLBACK_LINES says', async () => {
    const app = await startTerminalApp({ TERMINAL_SNAPSHOT_SCROLLBACK_LINES: '50' });
    const typist = await connect(app);
    const session = await typist.create({ cols: 80, rows: 24 });
    await typist.attach(session.id, { cols: 80, rows: 24 });
    typist.input(session.id, "seq -f 'line-%g' 1 100000; echo DONE-$((4+4))\n");
    await typist.waitForText(session.id, /DONE-8\r\n.*[$#] (?:\x1b\]133;B\x07)?$/s);
    await waitUntil(() => app.app.terminals.inspect(session.id)!.mirrored);

    const late = await connect(app);
    await late.attach(session.id, { snapshot: true, cols: 80, rows: 24 });
    const stream = late.stream(session.id);
    await waitUntil(() => stream.snapshots.length === 1);
    const lines = [...stream.snapshots[0]!.data.matchAll(/line-(\d+)/g)].map((match) => Number(match[1]));
    // 24 rows (two of them the echo and the prompt) and 50 lines above them.
    expect(Math.max(...lines)).toBe(100_000);
    expect(Math.min(...lines)).toBe(100_000 - (50 + 22) + 1);
  });

  it('a client that does not announce snapshots, or is close behind, gets the raw replay as before', async () => {
    const app = await startTerminalApp();
    const typist = await connect(app);
    const session = await typist.create();
    await typist.attach(session.id);
    typist.input(session.id, 'seq 1 100000; echo DONE-$((3+4))\n');
    await typist.waitForText(session.id, /DONE-7\r\n.*[$#] (?:\x1b\]133;B\x07)?$/s);
    await waitUntil(() => app.app.terminals.inspect(session.id)!.mirrored);

    const old = await connect(app);
    const reply = await old.attach(session.id);
    expect(reply.snapshot).toBeUndefined();
    expect(reply).toMatchObject({ from: 0, reset: false });
    await old.waitForText(session.id, 'DONE-7');
    expect(old.stream(session.id).snapshots).toEqual([]);
    expect(old.bytes(session.id).equals(typist.bytes(session.id).subarray(0, old.stream(session.id).seq))).toBe(true);

    const near = await connect(app);
    const lastSeq = typist.stream(session.id).seq - 1000;
    const nearReply = await near.attach(session.id, { snapshot: true, lastSeq });
    expect(nearReply).toMatchObject({ from: lastSeq, reset: false });
    expect(nearReply.snapshot).toBeUndefined();
    await waitUntil(() => near.stream(session.id).seq === typist.stream(session.id).seq);
    expect(near.stream(session.id).snapshots).toEqual([]);
  });

  it('a terminal with little output is not mirrored and replays', async () => {
    const app = await startTerminalApp();
    const typist = await connect(app);
    const session = await typist.create();
    await typist.attach(session.id);
    typist.input(session.id, 'echo SMALL-$((4+4))\n');
    await typist.waitForText(session.id, 'SMALL-8');
    const late = await connect(app);
    const reply = await late.attach(session.id, { snapshot: true });
    expect(reply.snapshot).toBeUndefined();
    await late.waitForText(session.id, 'SMALL-8');
    expect(app.app.terminals.inspect(session.id)!.mirrored).toBe(false);
  });
});
