// A headless copy of one terminal's screen (issue 19): the PTY's output is parsed as it comes by
// @xterm/headless, so a client that attaches gets the current screen and recent scrollback in one
// piece (the serialize addon's output) and then the live stream from the snapshot's offset, instead
// of a replay of up to TERMINAL_RETAINED_OUTPUT_KB of raw output.
//
// The serialize addon (0.14.0) gets a few things wrong; `snapshot()` corrects them:
//  - its cursor restore is relative (CUU/CUD/CUF/CUB from where its last cell left the cursor) and
//    lands one column left after a full-width row (xterm.js #6165), or a row off when a program
//    drew below its cursor: an absolute CUP from the buffer's cursor replaces its guess;
//  - a cursor waiting to wrap (after printing into the last column) cannot be reached by any cursor
//    movement: the last cell is printed again, so the next character wraps as it would have;
//  - with the alternate screen active it switches screens with the program's *current* SGR
//    attributes still set, so the alternate screen's default cells come back in them (a reverse
//    status line turns the whole screen reverse): attributes are reset before the switch;
//  - it restores neither the scroll region (top-like programs, footers that scroll output above
//    them), cursor visibility, cursor style, nor the mouse encoding (SGR 1006): they are added.
// Not restored: the saved cursor (DECSC), G0–G3 character sets, tab stops, title and colours set
// by OSC, underline styles and colours. Programs redraw all of these on their next full repaint.
//
// Cost: parsing is the cost. Every byte is parsed once by xterm.js's parser, off the caller's call
// stack (xterm batches writes in 12 ms slices on timers); `write()` itself only queues the chunk.
// Serializing happens only when a snapshot is asked for. Memory is the scrollback (about 12 bytes
// a cell: 1000 lines of 200 columns ≈ 2.4 MB) plus queued, unparsed chunks (`backlog`).
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import xtermHeadless from '@xterm/headless';
import type { IBuffer, IBufferCell, ITerminalAddon, Terminal as HeadlessTerminal } from '@xterm/headless';
import { clipText } from './output-text.js';

const { Terminal } = xtermHeadless;

const ESC = '\x1b';
const CSI = `${ESC}[`;
/** What the addon puts between the normal screen and the alternate one. */
const ALT_SWITCH = `${CSI}?1049h${CSI}H`;

export interface ScreenMirrorOptions {
  cols: number;
  rows: number;
  /** Lines kept above the screen; bounds the mirror's memory. */
  scrollback: number;
  /** Output offset of the first byte that will be written (default 0). */
  seq?: number;
}

export interface ScreenSnapshot {
  /** Output offset the snapshot reflects: every byte before it, none after it. */
  seq: number;
  cols: number;
  rows: number;
  /** Written into a fresh terminal of `cols` × `rows` (after `reset()`), reproduces the screen. */
  data: string;
}

/** The text of a screen's last non-blank rows (a list's live preview), as of output offset `seq`. */
export interface ScreenPreview {
  /** Output offset the text reflects (everything parsed so far). */
  seq: number;
  /** Oldest first; right-trimmed, at most the asked length each (longer ones end in "…"). */
  lines: string[];
}

export interface SnapshotOptions {
  /** Lines of scrollback above the screen to include (default: all the mirror keeps). */
  scrollbackRows?: number;
}

export interface ScreenMirror {
  /** Offset just after the last byte written. */
  readonly seq: number;
  /** Bytes written but not parsed yet. */
  readonly backlog: number;
  /** False once a byte went missing (a gap in offsets, or xterm.js discarded a flood): snapshots are null from then on. */
  readonly isComplete: boolean;
  /**
   * Feeds raw PTY output covering [seqAfter − bytes.length, seqAfter). UTF-8 characters may be
   * split across writes. The chunk is queued, not copied: do not modify it afterwards.
   */
  write(bytes: Uint8Array, seqAfter: number): void;
  /** Resizes once the output written so far is parsed (that output was laid out for the old size). */
  resize(cols: number, rows: number): void;
  /** Resolves with the offset up to which everything is parsed, once all output written so far is. */
  flush(): Promise<number>;
  /** The screen as of every byte written so far, or null when the mirror missed output. */
  snapshot(options?: SnapshotOptions): Promise<ScreenSnapshot | null>;
  /**
   * The last `lines` non-blank rows of the screen (the active buffer's visible rows: the alternate
   * screen when a full-screen program shows it) as parsed so far, as plain text of at most
   * `maxLength` characters each. Does not wait for a backlog: a lagging mirror answers with what it
   * has. Null once the mirror missed output (its screen is wrong).
   */
  preview(lines: number, maxLength?: number): ScreenPreview | null;
  dispose(): void;
}

/** The parts of xterm.js's core the snapshot reads that its API does not show (pinned to @xterm/headless 6). */
interface CoreInternals {
  coreService: { isCursorHidden: boolean; decPrivateModes: { cursorStyle?: 'block' | 'underline' | 'bar'; cursorBlink?: boolean } };
  coreMouseService: { activeEncoding: string };
  buffers: { normal: { scrollTop: number; scrollBottom: number }; alt: { scrollTop: number; scrollBottom: number } };
  _inputHandler: { _curAttrData: Attributes };
}

/** The attribute getters an IBufferCell shares with xterm.js's internal AttributeData. */
type Attributes = Pick<
  IBufferCell,
  | 'isFgRGB' | 'isFgPalette' | 'getFgColor' | 'isBgRGB' | 'isBgPalette' | 'getBgColor'
  | 'isBold' | 'isDim' | 'isItalic' | 'isUnderline' | 'isBlink' | 'isInverse' | 'isInvisible' | 'isStrikethrough' | 'isOverline'
>;

function coreOf(term: HeadlessTerminal): CoreInternals {
  const core = (term as unknown as { _core?: Partial<CoreInternals> })._core;
  if (!core?.coreService || !core.coreMouseService || !core.buffers || !core._inputHandler?._curAttrData) {
    throw new Error('@xterm/headless internals changed: the screen mirror needs coreService, coreMouseService, buffers and _inputHandler');
  }
  return core as CoreInternals;
}

/** SGR setting `attrs` from any state (starts with a reset). */
function sgrOf(attrs: Attributes): string {
  const codes: number[] = [0];
  const color = (isRgb: boolean, isPalette: boolean, value: number, base: number, bright: number) => {
    if (isRgb) codes.push(base + 8, 2, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    else if (isPalette) codes.push(...(value >= 16 ? [base + 8, 5, value] : [(value & 8 ? bright : base) + (value & 7)]));
  };
  color(Boolean(attrs.isFgRGB()), Boolean(attrs.isFgPalette()), attrs.getFgColor(), 30, 90);
  color(Boolean(attrs.isBgRGB()), Boolean(attrs.isBgPalette()), attrs.getBgColor(), 40, 100);
  const flags: [number | boolean, number][] = [
    [attrs.isBold(), 1], [attrs.isDim(), 2], [attrs.isItalic(), 3], [attrs.isUnderline(), 4], [attrs.isBlink(), 5],
    [attrs.isInverse(), 7], [attrs.isInvisible(), 8], [attrs.isStrikethrough(), 9], [attrs.isOverline(), 53],
  ];
  for (const [on, code] of flags) if (on) codes.push(code);
  return `${CSI}${codes.join(';')}m`;
}

/**
 * Repaints the coloured blank cells (erased with a background colour) of the screen's rows below its
 * last text: without scrollback the addon stops at its last text or style change, and a full-screen
 * program's background below it comes back default. Ends with default attributes.
 */
function blankFillOf(buffer: IBuffer, cols: number, rows: number): string {
  const row = (y: number) => buffer.getLine(buffer.baseY + y);
  let lastText = rows - 1;
  for (; lastText >= 0; lastText--) {
    if (row(lastText)?.translateToString(true)) break;
  }
  let data = '';
  for (let y = lastText + 1; y < rows; y++) {
    const line = row(y);
    for (let x = 0; line && x < cols; ) {
      const cell = line.getCell(x);
      if (!cell || cell.isBgDefault()) {
        x++;
        continue;
      }
      const start = x;
      const bg = [cell.getBgColorMode(), cell.getBgColor()];
      const style = sgrOf(cell);
      for (x++; x < cols; x++) {
        const next = line.getCell(x);
        if (!next || next.getBgColorMode() !== bg[0] || next.getBgColor() !== bg[1]) break;
      }
      data += `${CSI}${y + 1};${start + 1}H${style}${CSI}${x - start}X`;
    }
  }
  return data ? `${data}${CSI}0m` : '';
}

function scrollRegionOf(buffer: { scrollTop: number; scrollBottom: number }, rows: number): string {
  const isFullScreen = buffer.scrollTop === 0 && buffer.scrollBottom === rows - 1;
  return isFullScreen ? '' : `${CSI}${buffer.scrollTop + 1};${buffer.scrollBottom + 1}r`;
}

/**
 * Puts the cursor where `buffer` has it, absolutely. A cursor waiting to wrap (x = cols, after a
 * print into the last column) is reached by printing that last character again with its attributes;
 * returns whether it did (the current attributes then need restoring).
 */
function cursorOf(buffer: IBuffer, cols: number, rowOffset: number): { data: string; printed: boolean } {
  const row = buffer.cursorY - rowOffset + 1;
  if (buffer.cursorX < cols) return { data: `${CSI}${row};${buffer.cursorX + 1}H`, printed: false };
  const line = buffer.getLine(buffer.baseY + buffer.cursorY);
  let cell = line?.getCell(cols - 1);
  let col = cols - 1;
  if (cell?.getWidth() === 0) {
    cell = line?.getCell(cols - 2);
    col = cols - 2;
  }
  if (!cell?.getChars()) return { data: `${CSI}${row};${cols}H`, printed: false };
  return { data: `${CSI}${row};${col + 1}H${sgrOf(cell)}${cell.getChars()}`, printed: true };
}

/** The modes the addon serializes (its own list, minus origin mode, which `snapshot` sets before the cursor) and those it misses. */
function modesOf(term: HeadlessTerminal, core: CoreInternals): string {
  const modes = term.modes;
  let data = '';
  if (modes.applicationCursorKeysMode) data += `${CSI}?1h`;
  if (modes.applicationKeypadMode) data += `${CSI}?66h`;
  if (modes.bracketedPasteMode) data += `${CSI}?2004h`;
  if (modes.insertMode) data += `${CSI}4h`;
  if (modes.reverseWraparoundMode) data += `${CSI}?45h`;
  if (modes.sendFocusMode) data += `${CSI}?1004h`;
  if (!modes.wraparoundMode) data += `${CSI}?7l`;
  const tracking = { none: '', x10: '?9h', vt200: '?1000h', drag: '?1002h', any: '?1003h' }[modes.mouseTrackingMode];
  if (tracking) data += `${CSI}${tracking}`;
  const encoding = ({ SGR: '?1006h', SGR_PIXELS: '?1016h' } as Record<string, string>)[core.coreMouseService.activeEncoding];
  if (encoding) data += `${CSI}${encoding}`;
  const { cursorStyle, cursorBlink } = core.coreService.decPrivateModes;
  if (cursorStyle) data += `${CSI}${{ block: 2, underline: 4, bar: 6 }[cursorStyle] - (cursorBlink ? 1 : 0)} q`;
  if (core.coreService.isCursorHidden) data += `${CSI}?25l`;
  return data;
}

/** Characters a preview line keeps by default (the rest is cut, with an ellipsis). */
export const PREVIEW_MAX_LENGTH = 120;

/**
 * The last `count` non-blank rows of `buffer`'s screen (its `rows` visible rows, below any
 * scrollback), oldest first, as xterm.js lays them out: cursor-addressed text where it was put,
 * a wide character once, blank cells right of the text trimmed.
 */
function screenLines(buffer: IBuffer, rows: number, count: number, maxLength: number): string[] {
  const found: string[] = [];
  for (let y = rows - 1; y >= 0 && found.length < count; y--) {
    const text = buffer.getLine(buffer.baseY + y)?.translateToString(true).trimEnd() ?? '';
    if (text.trim() !== '') found.push(clipText(text, maxLength));
  }
  return found.reverse();
}

class HeadlessScreenMirror implements ScreenMirror {
  private readonly term: HeadlessTerminal;
  private readonly serializer = new SerializeAddon();
  private readonly core: CoreInternals;
  private fed: number;
  private parsed: number;
  private queued = 0;
  private missedOutput = false;
  private disposed = false;

  constructor(options: ScreenMirrorOptions) {
    // allowProposedApi: `unicode.activeVersion`. Unicode 11 widths, as the web app uses (and glibc
    // counts), or emoji take one cell here and two in the browser.
    this.term = new Terminal({ cols: options.cols, rows: options.rows, scrollback: options.scrollback, allowProposedApi: true });
    // The addons' typings name @xterm/xterm's Terminal; the headless one has the API they use.
    this.term.loadAddon(new Unicode11Addon() as unknown as ITerminalAddon);
    this.term.unicode.activeVersion = '11';
    this.term.loadAddon(this.serializer as unknown as ITerminalAddon);
    this.core = coreOf(this.term);
    this.fed = this.parsed = options.seq ?? 0;
  }

  get seq(): number {
    return this.fed;
  }

  get backlog(): number {
    return this.queued;
  }

  get isComplete(): boolean {
    return !this.missedOutput;
  }

  write(bytes: Uint8Array, seqAfter: number): void {
    if (this.disposed || bytes.length === 0) return;
    if (seqAfter - bytes.length !== this.fed) this.missedOutput = true;
    this.fed = seqAfter;
    this.queued += bytes.length;
    try {
      this.term.write(bytes, () => {
        this.queued -= bytes.length;
        this.parsed = seqAfter;
      });
    } catch {
      // xterm.js throws away writes past 50 MB queued ("use flow control"): the screen is now wrong.
      this.queued -= bytes.length;
      this.missedOutput = true;
    }
  }

  resize(cols: number, rows: number): void {
    if (this.disposed) return;
    this.term.write('', () => {
      if (!this.disposed && (cols !== this.term.cols || rows !== this.term.rows)) this.term.resize(cols, rows);
    });
  }

  flush(): Promise<number> {
    return new Promise((resolve) => {
      if (this.disposed) resolve(this.parsed);
      else this.term.write('', () => resolve(this.parsed));
    });
  }

  snapshot(options: SnapshotOptions = {}): Promise<ScreenSnapshot | null> {
    return new Promise((resolve, reject) => {
      if (this.disposed || this.missedOutput) return resolve(null);
      // Called between two parsed chunks: nothing written after this call is parsed yet. A throw here
      // would escape from xterm.js's write loop (a timer): it rejects instead.
      this.term.write('', () => {
        try {
          resolve(this.disposed || this.missedOutput ? null : this.serialize(options));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }

  preview(lines: number, maxLength = PREVIEW_MAX_LENGTH): ScreenPreview | null {
    if (this.disposed || this.missedOutput) return null;
    return { seq: this.parsed, lines: screenLines(this.term.buffer.active, this.term.rows, lines, maxLength) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.term.dispose();
  }

  private serialize({ scrollbackRows }: SnapshotOptions): ScreenSnapshot {
    const { term, core } = this;
    const { rows, cols } = term;
    const scrollback = scrollbackRows === undefined || !Number.isFinite(scrollbackRows) ? undefined : Math.max(0, Math.floor(scrollbackRows));
    const normal = this.serializer.serialize({ scrollback, excludeAltBuffer: true, excludeModes: true });
    let data: string;
    if (term.buffer.active.type === 'alternate') {
      const both = this.serializer.serialize({ scrollback, excludeModes: true });
      const alternate = both.startsWith(normal) ? both.slice(normal.length) : '';
      if (!alternate.startsWith(ALT_SWITCH)) throw new Error('@xterm/addon-serialize changed how it writes the alternate screen');
      // The normal screen's cursor and scroll region as the program left them, saved by 1049h and
      // restored when it leaves; default attributes, which 1049h fills the alternate screen with.
      const normalBuffer = term.buffer.normal;
      data =
        normal +
        blankFillOf(normalBuffer, cols, rows) +
        scrollRegionOf(core.buffers.normal, rows) +
        `${CSI}${normalBuffer.cursorY + 1};${Math.min(normalBuffer.cursorX, cols - 1) + 1}H` +
        `${CSI}0m` +
        alternate;
    } else {
      data = normal;
    }
    const active = term.buffer.active;
    const activeCore = active.type === 'alternate' ? core.buffers.alt : core.buffers.normal;
    const fill = blankFillOf(active, cols, rows);
    // The fill leaves default attributes: set the program's again (a reprint at the cursor does too).
    if (fill) data += fill + sgrOf(core._inputHandler._curAttrData);
    // The scroll region first (DECSTBM homes the cursor), then origin mode (homes it too), then the
    // cursor, then the modes that change how characters print.
    data += scrollRegionOf(activeCore, rows);
    const isOrigin = term.modes.originMode;
    if (isOrigin) data += `${CSI}?6h`;
    const cursor = cursorOf(active, cols, isOrigin ? activeCore.scrollTop : 0);
    data += cursor.data;
    if (cursor.printed) data += sgrOf(core._inputHandler._curAttrData);
    data += modesOf(term, core);
    return { seq: this.parsed, cols, rows, data };
  }
}

/** A headless mirror of a terminal's screen; see the top of this file. */
export function createScreenMirror(options: ScreenMirrorOptions): ScreenMirror {
  return new HeadlessScreenMirror(options);
}
