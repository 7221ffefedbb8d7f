// Describes an xterm.js terminal's state cell by cell, for comparing an uninterrupted terminal with
// one restored from a screen snapshot. Works on @xterm/headless in Node and on @xterm/xterm in the
// browser: `describeScreen` is self-contained (no imports, no closures) so the browser test can send
// its source to the page.

interface CellLike {
  getChars(): string;
  getWidth(): number;
  getFgColorMode(): number;
  getFgColor(): number;
  getBgColorMode(): number;
  getBgColor(): number;
  isBold(): number;
  isItalic(): number;
  isUnderline(): number;
  isInverse(): number;
  isDim(): number;
  isStrikethrough(): number;
  isInvisible(): number;
  isBlink(): number;
  isOverline(): number;
}
interface BufferLike {
  type: 'normal' | 'alternate';
  length: number;
  baseY: number;
  cursorX: number;
  cursorY: number;
  getLine(y: number): { isWrapped: boolean; getCell(x: number): CellLike | undefined } | undefined;
}
export interface TerminalLike {
  cols: number;
  rows: number;
  modes: object;
  buffer: { active: BufferLike; normal: BufferLike; alternate: BufferLike };
}

export interface ScreenDescription {
  active: 'normal' | 'alternate';
  size: string;
  /** The active buffer's cursor as "x,y" in the viewport. */
  cursor: string;
  modes: object;
  /** State the API does not show, read from xterm.js's core: cursor hidden, mouse encoding, scroll regions. */
  internals: string;
  /** Every line of each buffer (scrollback included): a cell is its text, then ^width when not 1, then {fg bg flags} when not default. */
  normal: string[];
  alternate: string[];
}

export function describeScreen(term: TerminalLike): ScreenDescription {
  const describeCell = (cell: CellLike): string => {
    const flags = [
      cell.isBold() ? 'b' : '', cell.isItalic() ? 'i' : '', cell.isUnderline() ? 'u' : '', cell.isInverse() ? 'r' : '',
      cell.isDim() ? 'd' : '', cell.isStrikethrough() ? 's' : '', cell.isInvisible() ? 'h' : '', cell.isBlink() ? 'k' : '',
      cell.isOverline() ? 'o' : '',
    ].join('');
    // Palette colours 0–15 set with 38;5;n are stored as 256-colour mode, with 30–37/90–97 as 16-colour
    // mode; the serialize addon writes the latter for both, and xterm.js draws both alike (bold
    // brightening included), so a palette colour is compared by its index only.
    const mode = (value: number) => (value === 0x1000000 || value === 0x2000000 ? 'p' : value.toString(16));
    const fg = cell.getFgColorMode() ? `f${mode(cell.getFgColorMode())}:${cell.getFgColor()}` : '';
    const bg = cell.getBgColorMode() ? `g${mode(cell.getBgColorMode())}:${cell.getBgColor()}` : '';
    const attrs = [fg, bg, flags].filter(Boolean).join(' ');
    const chars = cell.getChars() === '' ? '·' : cell.getChars();
    return chars + (cell.getWidth() === 1 ? '' : `^${cell.getWidth()}`) + (attrs ? `{${attrs}}` : '');
  };
  const describeBuffer = (buffer: BufferLike): string[] => {
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) continue;
      let text = line.isWrapped ? '↩' : '';
      for (let x = 0; x < term.cols; x++) {
        const cell = line.getCell(x);
        text += cell ? describeCell(cell) : '?';
      }
      lines.push(text);
    }
    return lines;
  };
  const core = (term as unknown as {
    _core?: {
      coreService?: { isCursorHidden?: boolean };
      coreMouseService?: { activeEncoding?: string };
      buffers?: { normal?: { scrollTop: number; scrollBottom: number }; alt?: { scrollTop: number; scrollBottom: number } };
    };
  })._core;
  const region = (buffer?: { scrollTop: number; scrollBottom: number }) => (buffer ? `${buffer.scrollTop}-${buffer.scrollBottom}` : '?');
  const active = term.buffer.active;
  return {
    active: active.type,
    size: `${term.cols}x${term.rows}`,
    cursor: `${active.cursorX},${active.cursorY}`,
    modes: { ...term.modes },
    internals:
      `cursorHidden=${String(core?.coreService?.isCursorHidden)} mouseEncoding=${String(core?.coreMouseService?.activeEncoding)} ` +
      `regions=${region(core?.buffers?.normal)}/${region(core?.buffers?.alt)}`,
    normal: describeBuffer(term.buffer.normal),
    alternate: active.type === 'alternate' ? describeBuffer(term.buffer.alternate) : [],
  };
}
