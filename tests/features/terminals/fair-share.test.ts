import { describe, expect, it } from 'vitest';
import { createFairShare, initialFairShareState, INTERACTIVE_MS } from '../../../src/features/terminals/fair-share.js';
import { startTerminalApp, waitUntil } from './helpers.js';
import { TRANSPORTS } from './transports.js';

describe('fair share between terminals', () => {
  const flooding = {};
  const typing = {};
  const state = initialFairShareState;

  it('holds a terminal to its share only while another terminal is being typed in', () => {
    let now = 1000;
    const share = createFairShare(100_000, () => now); // 100 bytes per ms, at most 1000 banked (one slice)
    const flood = state();
    expect(share.pauseFor(flooding, flood, 4096)).toBe(0); // nobody typing: never held

    share.noteInput(typing);
    now += 1;
    expect(share.pauseFor(flooding, flood, 500)).toBe(0); // within the banked credit
    now += 2;
    expect(share.pauseFor(flooding, flood, 1000)).toBe(3); // 300 bytes in debt: 3 ms to earn them
    expect(share.pauseFor(typing, state(), 1 << 20)).toBe(0); // the terminal being typed in is never held

    now += 3;
    expect(share.pauseFor(flooding, flood, 4000)).toBe(40); // a read larger than a slice costs what it takes to earn it
    now += 40 + 500;
    expect(share.pauseFor(flooding, flood, 1000)).toBe(0); // credit is banked for one slice at most
    expect(share.pauseFor(flooding, flood, 1000)).toBe(10);
    now += INTERACTIVE_MS + 1;
    expect(share.pauseFor(flooding, flood, 1 << 20)).toBe(0); // typing stopped a second ago
  });

  it('keeps a flood to its share whatever the size of its reads', () => {
    let now = 0;
    const share = createFairShare(256 * 1024, () => now);
    for (const readBytes of [512, 4096, 65_536]) {
      const flood = state();
      let produced = 0;
      const start = now;
      while (now - start < 2000) {
        share.noteInput(typing);
        produced += readBytes;
        now += Math.max(share.pauseFor(flooding, flood, readBytes), 0.05); // a read takes 50 µs when not held
      }
      const rate = produced / ((now - start) / 1000);
      expect(rate, `${readBytes}-byte reads`).toBeLessThanOrEqual(256 * 1024 * 1.05 + readBytes / 2);
      expect(rate, `${readBytes}-byte reads`).toBeGreaterThan(256 * 1024 * 0.9);
    }
  });

  it('is off at 0', () => {
    const share = createFairShare(0, () => 0);
    share.noteInput(typing);
    expect(share.pauseFor(flooding, state(), 1 << 20)).toBe(0);
  });
});

describe.each(TRANSPORTS)('fair share between terminals over $name', ({ connect }) => {
  it('pauses a flooding terminal while another is typed in, and lets it run at full speed again after', async () => {
    const app = await startTerminalApp({ TERMINAL_SHARED_OUTPUT_KBPS: '128' });
    const client = await connect(app);
    client.keepData = false;
    const flood = await client.create();
    const typed = await client.create();
    await client.attach(flood.id);
    await client.attach(typed.id);
    const inspect = (id: string) => app.app.terminals.inspect(id)!;
    /** What the flood's PTY produced while `during` ran, per millisecond. */
    const floodRate = async (during: () => Promise<unknown>) => {
      const seq = inspect(flood.id).seq;
      const start = performance.now();
      await during();
      const ms = performance.now() - start;
      return { perMs: (inspect(flood.id).seq - seq) / ms, ms };
    };

    client.input(flood.id, 'yes\n');
    await waitUntil(() => client.stream(flood.id).seq > 1 << 20);
    expect(inspect(flood.id).yieldCount).toBe(0); // alone, it is never held back

    // From the first time the server holds the flood back (the first keystroke takes a moment to get
    // there, the flood runs free meanwhile), for as long as the other terminal is typed in.
    client.input(typed.id, 'x');
    await waitUntil(() => inspect(flood.id).yieldCount > 0 || undefined);
    const held = await floodRate(async () => {
      for (let i = 0; i < 30; i++) {
        client.input(typed.id, 'x');
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    });
    expect(inspect(typed.id).yieldCount).toBe(0);

    // Once the typing stopped (INTERACTIVE_MS), the flood goes on unhindered: 256 KiB without a
    // pause, which would take 2 s and dozens of pauses while held.
    let mark = { seq: inspect(flood.id).seq, yields: inspect(flood.id).yieldCount };
    await waitUntil(() => {
      const now = inspect(flood.id);
      if (now.yieldCount !== mark.yields) mark = { seq: now.seq, yields: now.yieldCount };
      return now.seq - mark.seq > 256 * 1024;
    });
    const yields = inspect(flood.id).yieldCount;
    const free = await floodRate(() => new Promise((resolve) => setTimeout(resolve, held.ms)));
    expect(inspect(flood.id).yieldCount).toBe(yields);
    // The same flood in the same run, held and free: held to 128 KiB/s, it runs at a fraction of its
    // own free speed (several MiB/s even on a loaded machine). Rates against the clock are the unit tests' job.
    expect(held.perMs).toBeLessThan(free.perMs / 4);

    client.input(flood.id, '\x03');
    await app.app.terminals.kill(flood.id);
    await app.app.terminals.kill(typed.id);
  });

  it('lets a terminal held back for a long debt answer its own Ctrl-C at once', async () => {
    // 1 KiB/s: one PTY read of a few KiB is a debt of seconds.
    const app = await startTerminalApp({ TERMINAL_SHARED_OUTPUT_KBPS: '1' });
    const client = await connect(app);
    const flood = await client.create();
    const typed = await client.create();
    await client.attach(flood.id);
    await client.attach(typed.id);
    client.input(flood.id, 'yes\n');
    await waitUntil(() => client.stream(flood.id).seq > 64 * 1024);
    client.input(typed.id, 'x');
    await waitUntil(() => app.app.terminals.inspect(flood.id)!.yieldCount > 0 || undefined);

    const before = client.stream(flood.id).seq;
    client.input(flood.id, '\x03');
    client.input(flood.id, 'echo BACK-$((2+2))\n');
    await client.waitForText(flood.id, 'BACK-4', 3000);
    expect(client.stream(flood.id).seq).toBeGreaterThan(before);
    await app.app.terminals.kill(flood.id);
    await app.app.terminals.kill(typed.id);
  });
});
