// The screen mirror's snapshot, restored into a fresh terminal of the same size, must equal the
// terminal that parsed the raw output: every cell of both buffers (text, width, colours,
// attributes), the cursor, the active buffer and the modes, and it must go on to parse the output
// after the snapshot the same way (scroll region, pending wrap, current attributes).
import { Unicode11Addon } from '@xterm/addon-unicode11';
import xtermHeadless from '@xterm/headless';
import type { ITerminalAddon, Terminal as HeadlessTerminal } from '@xterm/headless';
import { afterEach, describe, expect, it } from 'vitest';
import { createScreenMirror, type ScreenMirror, type ScreenSnapshot } from '../../../src/features/terminals/screen-mirror.js';
import { describeScreen, type TerminalLike } from './screen-compare.js';
import { SCREEN_CASES, type ScreenCase } from './screen-fixtures.js';

const { Terminal } = xtermHeadless;

const created: { dispose(): void }[] = [];
afterEach(() => {
  for (const item of created.splice(0)) item.dispose();
});

/** A headless terminal configured as the web app's (Unicode 11 widths). */
function newTerminal(cols: number, rows: number): HeadlessTerminal {
  const term = new Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
  term.loadAddon(new Unicode11Addon() as unknown as ITerminalAddon);
  term.unicode.activeVersion = '11';
  created.push(term);
  return term;
}

function newMirror(cols: number, rows: number, scrollback = 1000): ScreenMirror {
  const mirror = createScreenMirror({ cols, rows, scrollback });
  created.push(mirror);
  return mirror;
}

const write = (term: HeadlessTerminal, data: string | Uint8Array) => new Promise<void>((resolve) => term.write(data, resolve));
const bytesOf = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
const describe_ = (term: HeadlessTerminal) => describeScreen(term as unknown as TerminalLike);

/** Feeds the same chunks to a reference terminal and to a mirror. */
async function feed(reference: HeadlessTerminal, mirror: ScreenMirror, chunks: readonly (string | Uint8Array)[]): Promise<void> {
  for (const chunk of chunks) {
    const bytes = bytesOf(chunk);
    mirror.write(bytes, mirror.seq + bytes.length);
    await write(reference, bytes);
  }
}

async function restore(snapshot: ScreenSnapshot): Promise<HeadlessTerminal> {
  const restored = newTerminal(snapshot.cols, snapshot.rows);
  await write(restored, snapshot.data);
  return restored;
}

async function expectRoundTrip(screen: ScreenCase): Promise<{ reference: HeadlessTerminal; restored: HeadlessTerminal; snapshot: ScreenSnapshot }> {
  const reference = newTerminal(screen.cols, screen.rows);
  const mirror = newMirror(screen.cols, screen.rows);
  await feed(reference, mirror, screen.chunks);
  const snapshot = await mirror.snapshot();
  if (!snapshot) throw new Error('no snapshot');
  expect(snapshot.seq).toBe(mirror.seq);
  const restored = await restore(snapshot);
  expect(describe_(restored), 'restored screen').toEqual(describe_(reference));
  await write(reference, screen.continuation);
  await write(restored, screen.continuation);
  expect(describe_(restored), 'after the output that follows the snapshot').toEqual(describe_(reference));
  return { reference, restored, snapshot };
}

describe('screen mirror snapshots', () => {
  for (const screen of SCREEN_CASES) {
    it(`restores ${screen.name}`, async () => {
      await expectRoundTrip(screen);
    });
  }

  it('restores a screen resized after output, laid out for the size it had when that output came', async () => {
    const reference = newTerminal(80, 24);
    const mirror = newMirror(80, 24);
    const before = Buffer.from(`${`${'long line of text that will reflow '.repeat(4)}\r\n`.repeat(30)}$ \x1b[5;70Hend`);
    const after = Buffer.from(`\x1b[1;31mafter resize\x1b[0m\r\n$ ${'x'.repeat(50)}`);
    // Resized before the mirror parsed the output: the resize waits for it.
    mirror.write(before, before.length);
    mirror.resize(50, 12);
    mirror.write(after, before.length + after.length);
    await write(reference, before);
    reference.resize(50, 12);
    await write(reference, after);
    const snapshot = await mirror.snapshot();
    expect(snapshot).toMatchObject({ cols: 50, rows: 12 });
    const restored = await restore(snapshot!);
    expect(describe_(restored)).toEqual(describe_(reference));
  });

  it('reflects exactly the output before its seq; what is written after the call comes after', async () => {
    const reference = newTerminal(40, 10);
    const mirror = newMirror(40, 10);
    const first = Buffer.from('first part\r\n\x1b[32mgreen');
    const second = Buffer.from(' still green\r\n\x1b[0msecond part');
    mirror.write(first, first.length);
    const pending = mirror.snapshot();
    mirror.write(second, first.length + second.length);
    const snapshot = (await pending)!;
    expect(snapshot.seq).toBe(first.length);
    expect(await mirror.flush()).toBe(first.length + second.length);

    await write(reference, first);
    await write(reference, second);
    const restored = await restore(snapshot);
    await write(restored, second);
    expect(describe_(restored)).toEqual(describe_(reference));
  });

  it('keeps its scrollback bounded and serializes only the scrollback asked for', async () => {
    const mirror = newMirror(40, 10, 100);
    const text = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i}\r\n`).join(''));
    mirror.write(text, text.length);
    const full = (await mirror.snapshot())!;
    expect((await restore(full)).buffer.active.length).toBe(100 + 10);
    const short = (await mirror.snapshot({ scrollbackRows: 5 }))!;
    const restored = await restore(short);
    expect(restored.buffer.active.length).toBe(5 + 10);
    expect(restored.buffer.active.getLine(0)?.translateToString(true)).toBe('line 4986');
    expect(mirror.backlog).toBe(0);
  });

  it('gives no snapshot once output went missing', async () => {
    const mirror = newMirror(40, 10);
    mirror.write(Buffer.from('abc'), 3);
    expect(await mirror.snapshot()).not.toBeNull();
    mirror.write(Buffer.from('def'), 10); // bytes 3..7 never came
    expect(mirror.isComplete).toBe(false);
    expect(await mirror.snapshot()).toBeNull();
  });

  it('starts at a given offset', async () => {
    const mirror = createScreenMirror({ cols: 20, rows: 4, scrollback: 10, seq: 1000 });
    created.push(mirror);
    mirror.write(Buffer.from('hi'), 1002);
    expect((await mirror.snapshot())?.seq).toBe(1002);
  });

  it('previews the last non-empty lines of the screen as text', async () => {
    const mirror = newMirror(40, 10);
    const text = Buffer.from('one\r\n\r\n\x1b[31mtwo\x1b[0m\r\n   \r\nthree 日本\r\n$ ');
    mirror.write(text, text.length);
    await mirror.flush();
    expect(mirror.preview(3)).toEqual(['two', 'three 日本', '$']);
    expect(mirror.preview(10)).toEqual(['one', 'two', 'three 日本', '$']);
    const alt = Buffer.from('\x1b[?1049h\x1b[Hfull screen');
    mirror.write(alt, mirror.seq + alt.length);
    await mirror.flush();
    expect(mirror.preview(2)).toEqual(['full screen']);
  });
});
