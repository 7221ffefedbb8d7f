import { describe, expect, it } from 'vitest';
import { createFairShare, INTERACTIVE_MS, SLICE_MS } from '../../../src/features/terminals/fair-share.js';
import { connectClient, startTerminalApp, waitUntil } from './helpers.js';

describe('fair share between terminals', () => {
  const flooding = {};
  const typing = {};
  const state = () => ({ sliceStart: 0, sliceBytes: 0 });

  it('holds a terminal to its share per slice only while another terminal is being typed in', () => {
    let now = 1000;
    const share = createFairShare(100 * 1024, () => now); // 1 KiB per 10 ms slice
    const flood = state();
    expect(share.pauseFor(flooding, flood, 4096)).toBe(0); // nobody typing: never held

    share.noteInput(typing);
    now += 1;
    expect(share.pauseFor(flooding, flood, 512)).toBe(0);
    now += 3;
    expect(share.pauseFor(flooding, flood, 1024)).toBe(SLICE_MS - 3); // over its share: wait for the slice's end
    expect(share.pauseFor(typing, state(), 1 << 20)).toBe(0); // the terminal being typed in is never held

    now += SLICE_MS;
    expect(share.pauseFor(flooding, flood, 1024)).toBe(0); // a new slice
    now += INTERACTIVE_MS + 1;
    expect(share.pauseFor(flooding, flood, 1 << 20)).toBe(0); // typing stopped a second ago
  });

  it('is off at 0', () => {
    const share = createFairShare(0, () => 0);
    share.noteInput(typing);
    expect(share.pauseFor(flooding, state(), 1 << 20)).toBe(0);
  });

  it('pauses a flooding terminal while another is typed in, and lets it run at full speed again after', async () => {
    const app = await startTerminalApp({ TERMINAL_SHARED_OUTPUT_KBPS: '256' });
    const client = await connectClient(app);
    client.keepData = false;
    const flood = await client.create();
    const typed = await client.create();
    await client.attach(flood.id);
    await client.attach(typed.id);
    const inspect = (id: string) => app.app.terminals.inspect(id)!;

    client.input(flood.id, 'yes\n');
    await waitUntil(() => client.stream(flood.id).seq > 1 << 20);
    expect(inspect(flood.id).yieldCount).toBe(0); // alone, it is never held back

    for (let i = 0; i < 10; i++) {
      client.input(typed.id, 'x');
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    expect(inspect(flood.id).yieldCount).toBeGreaterThan(0);
    expect(inspect(typed.id).yieldCount).toBe(0);

    // A second after the typing stopped, the flood goes on unhindered.
    await new Promise((resolve) => setTimeout(resolve, INTERACTIVE_MS + 100));
    const yields = inspect(flood.id).yieldCount;
    const seq = client.stream(flood.id).seq;
    await waitUntil(() => client.stream(flood.id).seq > seq + (1 << 20));
    expect(inspect(flood.id).yieldCount).toBe(yields);

    client.input(flood.id, '\x03');
    await app.app.terminals.kill(flood.id);
    await app.app.terminals.kill(typed.id);
  });
});
