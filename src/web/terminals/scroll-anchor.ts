// Keeps the lines a person scrolled back to in view when the terminal changes size (a phone rotated,
// the on-screen keyboard shown or hidden; issue 22 §2). xterm.js keeps its distance from the bottom
// instead, and rewraps long lines to the new width, so the row index of the same text changes: the
// anchor is the logical line (a line and the rows it wraps onto) at the top, and the row within it.
// DOM-free: it reads a buffer through the few members it needs.

/** The members of xterm's buffer the anchor needs. */
export interface AnchorBuffer {
  readonly length: number;
  readonly viewportY: number;
  readonly baseY: number;
  getLine(row: number): { readonly isWrapped: boolean } | undefined;
}

export interface ScrollAnchor {
  /** Logical lines above it, from the top of the buffer. */
  line: number;
  /** Rows into that logical line (when it wraps). */
  row: number;
}

/** Where the view is scrolled to, or null at the bottom (where a resize keeps it anyway). */
export function takeScrollAnchor(buffer: AnchorBuffer): ScrollAnchor | null {
  if (buffer.viewportY >= buffer.baseY) return null;
  let line = -1;
  let row = 0;
  for (let index = 0; index <= buffer.viewportY; index++) {
    if (buffer.getLine(index)?.isWrapped && line >= 0) row++;
    else {
      line++;
      row = 0;
    }
  }
  return { line, row };
}

/** The buffer row where the anchor's text starts now (a wrapped line's rows may have changed). */
export function anchorRow(buffer: AnchorBuffer, anchor: ScrollAnchor): number {
  let line = -1;
  let start = 0;
  let rows = 0;
  for (let index = 0; index < buffer.length; index++) {
    if (buffer.getLine(index)?.isWrapped && line >= 0) {
      rows++;
      continue;
    }
    if (line === anchor.line) break;
    line++;
    start = index;
    rows = 1;
  }
  if (line < anchor.line) return buffer.baseY;
  return Math.min(start + Math.min(anchor.row, rows - 1), buffer.baseY);
}

/**
 * Scrolls so that `row` is the top row. xterm.js 6 scrolls relative to its scroll area's position,
 * which is brought up to date only in the frame after a resize: so call this in a later frame, and
 * go to the top first (the scroll area stops there whatever it thought), then down by `row`.
 */
export function scrollToRow(term: { scrollLines(amount: number): void }, buffer: AnchorBuffer, row: number): void {
  term.scrollLines(-buffer.length);
  if (row > 0) term.scrollLines(row);
}
