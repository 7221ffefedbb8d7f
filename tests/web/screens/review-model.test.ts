// The review screen's DOM-free view of a diff (src/web/screens/review-model.ts): folding, pairing, gaps.
import { describe, expect, it } from 'vitest';
import type { DiffLine } from '../../../src/shared/review.js';
import { foldContext, hiddenBefore, moreLines, opensAtFirst, pairWords, splitRows, unchangedLines, unifiedCells } from '../../../src/web/screens/review-model.js';

/** Lines from a compact notation: ' x' context, '-x' removed, '+x' added; numbers counted as git does. */
function hunkLines(...specs: string[]): DiffLine[] {
  let oldLine = 1;
  let newLine = 1;
  return specs.map((spec) => {
    const text = spec.slice(1);
    if (spec[0] === '+') return { kind: 'add', text, oldLine: null, newLine: newLine++ };
    if (spec[0] === '-') return { kind: 'del', text, oldLine: oldLine++, newLine: null };
    return { kind: 'context', text, oldLine: oldLine++, newLine: newLine++ };
  });
}

const context = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ` c${from + i}`);
const texts = (lines: DiffLine[]) => lines.map((l) => `${l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '}${l.text}`);

describe('foldContext', () => {
  it('keeps three unchanged lines on each side of a change and folds the middle of a long run', () => {
    const lines = hunkLines(...context(10), '-old', '+new', ...context(12, 10), '+tail', ...context(10, 22));
    const parts = foldContext(lines);
    expect(parts.map((p) => [p.kind, p.lines.length])).toEqual([
      ['fold', 7],
      ['lines', 3 + 2 + 3],
      ['fold', 6],
      ['lines', 3 + 1 + 3],
      ['fold', 7],
    ]);
    expect(texts(parts[1]!.lines)).toEqual([' c7', ' c8', ' c9', '-old', '+new', ' c10', ' c11', ' c12']);
    // Every line is in exactly one part, in order.
    expect(parts.flatMap((p) => p.lines)).toEqual(lines);
  });

  it('does not fold fewer than three lines, nor a hunk without changes around', () => {
    const short = hunkLines(...context(8), '+x', ...context(3, 8));
    expect(foldContext(short).map((p) => [p.kind, p.lines.length])).toEqual([
      ['fold', 5],
      ['lines', 7],
    ]);
    const tight = hunkLines(' a', '+x', ...context(8, 1), '+y');
    // 8 between two changes: 3 + 3 kept, 2 would fold: shown instead.
    expect(foldContext(tight).map((p) => p.kind)).toEqual(['lines']);
    expect(foldContext(hunkLines('+only', '+added'))).toEqual([{ kind: 'lines', lines: hunkLines('+only', '+added') }]);
    expect(foldContext([])).toEqual([]);
  });
});

describe('pairWords', () => {
  it('pairs the i-th removed line with the i-th added line of a block and marks their changed words', () => {
    const lines = hunkLines(' keep', '-const a = 1;', '-const b = 2;', '+const a = 10;', '+const b = 2;', '+const c = 3;');
    const words = pairWords(lines);
    expect(words.get(lines[1]!)).toEqual([
      { text: 'const a = ', changed: false },
      { text: '1', changed: true },
      { text: ';', changed: false },
    ]);
    expect(words.get(lines[3]!)!.filter((s) => s.changed).map((s) => s.text)).toEqual(['10']);
    expect(words.get(lines[2]!)).toEqual([{ text: 'const b = 2;', changed: false }]);
    // The third added line has no partner, and unchanged lines get no marks.
    expect(words.has(lines[5]!)).toBe(false);
    expect(words.has(lines[0]!)).toBe(false);
  });

  it('leaves a rewritten line unmarked: the whole line changed', () => {
    const lines = hunkLines('-import { x } from "y";', '+export default function main() {}');
    expect(pairWords(lines).size).toBe(0);
  });
});

describe('side by side and unified rows', () => {
  it('puts unchanged lines on both sides and removed lines beside their replacements, padding the shorter side', () => {
    const lines = hunkLines(' a', '-let b = 1', '-c', '+let b = 2', ' d', '+e');
    const rows = splitRows(lines, pairWords(lines));
    expect(rows.map((r) => [r.left ? texts([r.left.line])[0] : null, r.right ? texts([r.right.line])[0] : null])).toEqual([
      [' a', ' a'],
      ['-let b = 1', '+let b = 2'],
      ['-c', null],
      [' d', ' d'],
      [null, '+e'],
    ]);
    expect(rows[1]!.left!.words).not.toBeNull();
    expect(rows[0]!.left!.line.oldLine).toBe(1);
    expect(rows[0]!.right!.line.newLine).toBe(1);
  });

  it('keeps the order of the lines in the unified view, with their marks', () => {
    const lines = hunkLines('-x = 1', '+x = 2');
    const cells = unifiedCells(lines, pairWords(lines));
    expect(cells.map((c) => c.line)).toEqual(lines);
    expect(cells[1]!.words!.find((s) => s.changed)?.text).toBe('2');
  });
});

describe('between hunks', () => {
  it('counts the unchanged lines the diff leaves out, above the first hunk and between hunks', () => {
    expect(hiddenBefore({ oldStart: 1, oldLines: 5, newStart: 1 }, null)).toBe(0);
    expect(hiddenBefore({ oldStart: 15, oldLines: 21, newStart: 15 }, null)).toBe(14);
    expect(hiddenBefore({ oldStart: 60, oldLines: 4, newStart: 61 }, { oldStart: 15, oldLines: 21 })).toBe(24);
    // A hunk that only adds after old line 9 (git writes -9,0).
    expect(hiddenBefore({ oldStart: 9, oldLines: 0, newStart: 10 }, null)).toBe(9);
    expect(hiddenBefore({ oldStart: 0, oldLines: 0, newStart: 1 }, null)).toBe(0);
  });

  it('says it in words', () => {
    expect(moreLines(1)).toBe('Show 1 more line');
    expect(moreLines(12)).toBe('Show 12 more lines');
    expect(unchangedLines(1)).toBe('1 unchanged line');
    expect(unchangedLines(24)).toBe('24 unchanged lines');
  });

  it('draws small files at once and leaves large or later ones closed', () => {
    expect(opensAtFirst(0, 40)).toBe(true);
    expect(opensAtFirst(0, 2000)).toBe(false);
    expect(opensAtFirst(20, 10)).toBe(false);
  });
});
