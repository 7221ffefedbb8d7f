import { describe, expect, it } from 'vitest';
import { dragSelection, linkAt, selectionAt } from '../../../src/web/terminals/touch-selection.js';

/** A line's cells from its text (one cell per character; `wide` marks the characters that take two). */
const cells = (text: string, wide = ''): string[] => [...text].flatMap((char) => (wide.includes(char) ? [char, ''] : [char]));

describe('selecting with a finger', () => {
  it('selects the word under the finger; a dash or a path does not end it, spaces and brackets do', () => {
    const line = cells('alpha beta-gamma (x/y.txt) delta');
    expect(selectionAt(line, 0)).toEqual({ start: 0, end: 5 });
    expect(selectionAt(line, 12)).toEqual({ start: 6, end: 16 });
    expect(selectionAt(line, 20)).toEqual({ start: 18, end: 25 });
    expect(selectionAt(line, 5)).toBeNull();
    expect(selectionAt(line, 17)).toBeNull();
    expect(selectionAt(line, 99)).toBeNull();
  });

  it('selects a link whole, wherever in it the finger is, and says which link it is', () => {
    const text = 'see https://example.com/a/b?q=1, then';
    const line = cells(text);
    const start = text.indexOf('https');
    const link = { start, end: start + 'https://example.com/a/b?q=1'.length, url: 'https://example.com/a/b?q=1' };
    expect(selectionAt(line, start + 2)).toEqual(link);
    expect(selectionAt(line, link.end - 1)).toEqual(link);
    // The comma after it is not part of it.
    expect(linkAt(line, link.end)).toBeNull();
    expect(selectionAt(line, 1)).toEqual({ start: 0, end: 3 });
  });

  it('counts a wide character as two cells, before a link and in a word', () => {
    const line = cells('日本 https://example.com/x', '日本');
    expect(selectionAt(line, 7)).toEqual({ start: 5, end: 5 + 'https://example.com/x'.length, url: 'https://example.com/x' });
    expect(selectionAt(line, 1)).toEqual({ start: 0, end: 4 });
    expect(selectionAt(line, 3)).toEqual({ start: 0, end: 4 });
  });

  it('a dragged handle moves its end past the other, which stays', () => {
    const selected = { start: 10, end: 15 };
    expect(dragSelection(selected, 'end', 20)).toEqual({ start: 10, end: 21 });
    expect(dragSelection(selected, 'end', 4)).toEqual({ start: 4, end: 11 });
    expect(dragSelection(selected, 'start', 2)).toEqual({ start: 2, end: 15 });
    expect(dragSelection(selected, 'start', 30)).toEqual({ start: 14, end: 31 });
  });
});
