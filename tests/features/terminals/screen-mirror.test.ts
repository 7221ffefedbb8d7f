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

  describe('preview (the dashboard\'s, read on the mirror thread)', () => {
    /** A mirror that parsed `chunks`, in order. */
    async function parsed(cols: number, rows: number, ...chunks: string[]): Promise<ScreenMirror> {
      const mirror = newMirror(cols, rows);
      for (const chunk of chunks) {
        const bytes = Buffer.from(chunk);
        mirror.write(bytes, mirror.seq + bytes.length);
      }
      await mirror.flush();
      return mirror;
    }

    it('gives the last non-blank rows of the screen, oldest first, without colours or trailing blanks', async () => {
      const mirror = await parsed(40, 10, 'one\r\n\r\n\x1b[31mtwo\x1b[0m   \r\n   \r\nthree\x1b[44m      \x1b[0m\r\n$ ');
      expect(mirror.preview(3)).toEqual({ seq: mirror.seq, lines: ['two', 'three', '$'] });
      expect(mirror.preview(10)?.lines).toEqual(['one', 'two', 'three', '$']);
    });

    it('reads only the screen, not the scrollback above it', async () => {
      const mirror = await parsed(20, 3, 'a\r\nb\r\nc\r\nd\r\ne');
      expect(mirror.preview(6)?.lines).toEqual(['c', 'd', 'e']);
    });

    it('shows the alternate screen while a full-screen program has it, and the shell again after', async () => {
      const mirror = await parsed(40, 8, '$ vim notes.txt\r\n', '\x1b[?1049h\x1b[H\x1b[2Jhello from vim\r\n~\r\n~\x1b[8;1H-- INSERT --');
      expect(mirror.preview(6)?.lines).toEqual(['hello from vim', '~', '~', '-- INSERT --']);
      const after = Buffer.from('\x1b[?1049l$ ');
      mirror.write(after, mirror.seq + after.length);
      await mirror.flush();
      expect(mirror.preview(6)?.lines).toEqual(['$ vim notes.txt', '$']);
    });

    it('puts cursor-addressed text where it was drawn, and a redraw replaces what was there', async () => {
      const mirror = await parsed(
        30,
        6,
        '\x1b[?1049h\x1b[H\x1b[2J',
        '\x1b[1;1HCPU [||||      ] 40%',
        '\x1b[3;5Hload 1.00',
        '\x1b[5;10Hhello',
        // htop-style redraw: the same cells rewritten, one line cleared to its end.
        '\x1b[1;6H|||||||\x1b[1;18H75%',
        '\x1b[3;5H\x1b[K',
        '\x1b[3;5Hload 2.50',
      );
      expect(mirror.preview(6)?.lines).toEqual(['CPU [|||||||   ] 75%', '    load 2.50', '         hello']);
    });

    it('counts a wide character once, and cuts long rows to the asked length with an ellipsis', async () => {
      const mirror = await parsed(60, 4, '日本語 ok 😀 end\r\n', `${'x'.repeat(59)}😀`);
      const lines = mirror.preview(4)!.lines;
      expect(lines[0]).toBe('日本語 ok 😀 end');
      // 59 x's fill the row; the emoji, two cells wide, wraps to the next row.
      expect(lines.slice(1)).toEqual(['x'.repeat(59), '😀']);
      expect(mirror.preview(1, 10)?.lines).toEqual(['😀']);
      expect(mirror.preview(2, 10)?.lines).toEqual([`${'x'.repeat(9)}…`, '😀']);
      const emojis = await parsed(40, 2, '😀'.repeat(15));
      expect(emojis.preview(1, 5)?.lines).toEqual(['😀😀😀😀…']);
    });

    it('answers with what is parsed so far, and nothing once the mirror missed output', async () => {
      const mirror = await parsed(20, 4, 'first');
      const before = mirror.preview(2)!;
      const later = Buffer.from('\r\nsecond');
      mirror.write(later, mirror.seq + later.length);
      // Queued, not parsed yet: the preview says what the screen was at its own seq.
      expect(mirror.preview(2)).toEqual(before);
      expect(before.seq).toBe(5);
      await mirror.flush();
      expect(mirror.preview(2)).toEqual({ seq: 13, lines: ['first', 'second'] });
      mirror.write(Buffer.from('gap'), mirror.seq + 100);
      expect(mirror.preview(2)).toBeNull();
    });
  });
});
