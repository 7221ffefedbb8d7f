import { describe, expect, it } from 'vitest';
import { anchorRow, scrollToRow, takeScrollAnchor, type AnchorBuffer } from '../../../src/web/terminals/scroll-anchor.js';

/** A buffer from its rows: `true` marks a row that continues the line above (wrapped). */
function buffer(wrapped: boolean[], viewportY: number, baseY: number): AnchorBuffer {
  return { length: wrapped.length, viewportY, baseY, getLine: (row) => (row < wrapped.length ? { isWrapped: wrapped[row]! } : undefined) };
}

describe('the scroll anchor', () => {
  it('is nothing at the bottom, where a resize keeps the view anyway', () => {
    expect(takeScrollAnchor(buffer([false, false, false], 2, 2))).toBeNull();
  });

  it('names the logical line at the top and the row within it', () => {
    // Lines: 0 | 1 (rows 1-3) | 2 | 3
    const rows = [false, false, true, true, false, false];
    expect(takeScrollAnchor(buffer(rows, 0, 4))).toEqual({ line: 0, row: 0 });
    expect(takeScrollAnchor(buffer(rows, 2, 4))).toEqual({ line: 1, row: 1 });
    expect(takeScrollAnchor(buffer(rows, 3, 4))).toEqual({ line: 1, row: 2 });
    expect(takeScrollAnchor(buffer(rows, 1, 4))).toEqual({ line: 1, row: 0 });
  });

  it('finds the same line after a rewrap, wider or narrower', () => {
    const anchor = takeScrollAnchor(buffer([false, false, true, true, false, false, false], 4, 5))!;
    expect(anchor).toEqual({ line: 2, row: 0 });
    // Wider: line 1 fits one row; line 2 starts at row 2.
    expect(anchorRow(buffer([false, false, false, false, false], 0, 3), anchor)).toBe(2);
    // Narrower: line 0 takes two rows, line 1 four.
    expect(anchorRow(buffer([false, true, false, true, true, true, false, true, false, false], 0, 8), anchor)).toBe(6);
    // Inside a line that now has fewer rows: its last one.
    expect(anchorRow(buffer([false, false, true, false], 0, 3), { line: 1, row: 2 })).toBe(2);
  });

  it('never goes past the bottom, and a line gone (trimmed) means the bottom', () => {
    expect(anchorRow(buffer([false, false, false, false], 0, 1), { line: 3, row: 0 })).toBe(1);
    expect(anchorRow(buffer([false, false], 0, 1), { line: 7, row: 0 })).toBe(1);
  });

  it('scrolls to the top first, then down to the row', () => {
    const calls: number[] = [];
    scrollToRow({ scrollLines: (amount) => calls.push(amount) }, buffer([false, false, false], 0, 1), 2);
    expect(calls).toEqual([-3, 2]);
  });
});
