// Selecting with a finger (issue 22 §2), DOM-free: what a long press selects in a line of the terminal
// — a link whole, even when it wraps onto the next rows, else the word — and where a dragged handle
// moves an end of the selection to. A logical line is given as its cells in order across the rows it
// wraps onto: the characters of each cell, '' for the second cell of a wide character.

/** A finger resting this long (ms) without moving past the slop is a long press. */
export const LONG_PRESS_MS = 500;
/** Moving further than this (CSS pixels) before that is a scroll, not a press. */
export const LONG_PRESS_SLOP_PX = 10;

/** What ends a word: xterm.js's default word separators (a double-click selects the same). */
const SEPARATORS = new Set([' ', '(', ')', '[', ']', '{', '}', "'", ',', '"', '`', '\u00a0']);

/** Links as xterm.js's web-links addon finds them (its URL pattern). */
const URL_PATTERN = /(https?|HTTPS?):[/]{2}[^\s"'!*(){}|\\^<>`]*[^\s"':,.!?{}|\\^~[\]`()<>]/g;

/** A stretch of cells of the logical line, end excluded. */
export interface CellRange {
  start: number;
  end: number;
  /** The link it is, when it is one. */
  url?: string;
}

/** The line's text and, for each character of it, its cell. */
function textOf(cells: readonly string[]): { text: string; cellAt: number[] } {
  let text = '';
  const cellAt: number[] = [];
  cells.forEach((chars, cell) => {
    for (let i = 0; i < chars.length; i++) cellAt.push(cell);
    text += chars;
  });
  return { text, cellAt };
}

/** The link covering a cell, whole (across the rows it wraps onto). */
export function linkAt(cells: readonly string[], cell: number): CellRange | null {
  const { text, cellAt } = textOf(cells);
  for (const match of text.matchAll(URL_PATTERN)) {
    const first = cellAt[match.index];
    const lastChar = match.index + match[0].length - 1;
    const last = cellAt[lastChar];
    if (first === undefined || last === undefined) continue;
    // A wide character's second cell belongs to it.
    const end = cells[last + 1] === '' ? last + 2 : last + 1;
    if (cell >= first && cell < end) return { start: first, end, url: match[0] };
  }
  return null;
}

/** What a long press on a cell selects: the link there, else the word; null on blank cells. */
export function selectionAt(cells: readonly string[], cell: number): CellRange | null {
  if (cell < 0 || cell >= cells.length) return null;
  const link = linkAt(cells, cell);
  if (link) return link;
  // The second cell of a wide character is its first's.
  let at = cell;
  while (at > 0 && cells[at] === '') at--;
  const isWordCell = (index: number) => {
    const chars = cells[index];
    return chars !== undefined && (chars === '' || (!SEPARATORS.has(chars) && chars.trim() !== ''));
  };
  if (!isWordCell(at) || cells[at] === '') return null;
  let start = at;
  while (start > 0 && isWordCell(start - 1)) start--;
  let end = at + 1;
  while (end < cells.length && isWordCell(end)) end++;
  return { start, end };
}

/**
 * A handle dragged to `cell` (a position over the whole buffer, row × columns + column): the new
 * selection from the other end, which stays (`fixed`, the cell the other handle marks), to the
 * finger, whichever comes first; the cell under the finger is included.
 */
export function dragSelection(fixed: { start: number; end: number }, moving: 'start' | 'end', cell: number): { start: number; end: number } {
  if (moving === 'start') {
    const anchor = fixed.end;
    return cell < anchor ? { start: cell, end: anchor } : { start: anchor - 1, end: cell + 1 };
  }
  const anchor = fixed.start;
  return cell >= anchor ? { start: anchor, end: cell + 1 } : { start: cell, end: anchor + 1 };
}
