// The review screen's view of a diff, without a DOM (issue 21 §2): which unchanged lines fold away
// behind "Show N more lines", which removed and added lines pair up (side by side, and for word
// highlights), and what is said between hunks. review-diff.ts draws what this decides.
import type { DiffHunk, DiffLine } from '../../shared/review.js';
import { wordDiff, type WordSegment } from '../../shared/word-diff.js';

/** Unchanged lines kept next to a change when a longer run folds. */
export const CONTEXT_KEPT = 3;
/** A fold hides at least this many lines (showing "1 more line" would cost more than the line). */
export const MIN_FOLD = 3;
/** Below this share of unchanged characters a replaced line is shown as rewritten, without word marks. */
export const WORD_SIMILARITY = 0.35;

/** A line to draw, with its changed words marked when it replaces (or is replaced by) a similar line. */
export interface LineCell {
  line: DiffLine;
  words: WordSegment[] | null;
}

export interface SplitRow {
  left: LineCell | null;
  right: LineCell | null;
}

/** A run of a hunk: lines to show, or unchanged lines folded away. */
export type HunkPart = { kind: 'lines'; lines: DiffLine[] } | { kind: 'fold'; lines: DiffLine[] };

/**
 * Splits a hunk's lines into shown runs and folds: a run of unchanged lines keeps CONTEXT_KEPT lines
 * next to each change (before the first, after the last, both sides in between) and folds the rest,
 * when that hides at least MIN_FOLD lines.
 */
export function foldContext(lines: DiffLine[], keep = CONTEXT_KEPT, minFold = MIN_FOLD): HunkPart[] {
  const parts: HunkPart[] = [];
  const pushLines = (run: DiffLine[]) => {
    if (run.length === 0) return;
    const last = parts.at(-1);
    if (last?.kind === 'lines') last.lines.push(...run);
    else parts.push({ kind: 'lines', lines: [...run] });
  };
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.kind !== 'context') {
      const start = i;
      while (i < lines.length && lines[i]!.kind !== 'context') i += 1;
      pushLines(lines.slice(start, i));
      continue;
    }
    const start = i;
    while (i < lines.length && lines[i]!.kind === 'context') i += 1;
    const run = lines.slice(start, i);
    const keepBefore = start > 0 ? keep : 0;
    const keepAfter = i < lines.length ? keep : 0;
    if (run.length - keepBefore - keepAfter < minFold) {
      pushLines(run);
      continue;
    }
    pushLines(run.slice(0, keepBefore));
    parts.push({ kind: 'fold', lines: run.slice(keepBefore, run.length - keepAfter) });
    pushLines(run.slice(run.length - keepAfter));
  }
  return parts;
}

/**
 * Pairs each block of removed lines with the added lines that follow it, line by line: the i-th removed
 * line with the i-th added one. Answers the word marks of every paired line that is similar enough.
 */
export function pairWords(lines: DiffLine[]): Map<DiffLine, WordSegment[]> {
  const words = new Map<DiffLine, WordSegment[]>();
  for (const { removed, added } of changeBlocks(lines)) {
    for (let k = 0; k < Math.min(removed.length, added.length); k += 1) {
      const before = removed[k]!;
      const after = added[k]!;
      const diff = wordDiff(before.text, after.text);
      if (diff.similarity < WORD_SIMILARITY) continue;
      words.set(before, diff.before);
      words.set(after, diff.after);
    }
  }
  return words;
}

interface ChangeBlock {
  removed: DiffLine[];
  added: DiffLine[];
}

/** Consecutive removed lines and the added lines right after them (either may be empty). */
function changeBlocks(lines: DiffLine[]): ChangeBlock[] {
  const blocks: ChangeBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    if (lines[i]!.kind === 'context') {
      i += 1;
      continue;
    }
    const block: ChangeBlock = { removed: [], added: [] };
    while (i < lines.length && lines[i]!.kind === 'del') block.removed.push(lines[i++]!);
    while (i < lines.length && lines[i]!.kind === 'add') block.added.push(lines[i++]!);
    blocks.push(block);
  }
  return blocks;
}

/** The lines of a unified view, each with its word marks. */
export function unifiedCells(lines: DiffLine[], words: Map<DiffLine, WordSegment[]>): LineCell[] {
  return lines.map((line) => ({ line, words: words.get(line) ?? null }));
}

/**
 * The rows of a side-by-side view: an unchanged line on both sides; a block of removed lines beside the
 * added lines that replace them, the shorter side padded with empty cells.
 */
export function splitRows(lines: DiffLine[], words: Map<DiffLine, WordSegment[]>): SplitRow[] {
  const cell = (line: DiffLine | undefined): LineCell | null => (line ? { line, words: words.get(line) ?? null } : null);
  const rows: SplitRow[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.kind === 'context') {
      rows.push({ left: cell(line), right: cell(line) });
      i += 1;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (i < lines.length && lines[i]!.kind === 'del') removed.push(lines[i++]!);
    while (i < lines.length && lines[i]!.kind === 'add') added.push(lines[i++]!);
    for (let k = 0; k < Math.max(removed.length, added.length); k += 1) rows.push({ left: cell(removed[k]), right: cell(added[k]) });
  }
  return rows;
}

/**
 * Unchanged lines between the end of `previous` (or the top of the file) and `hunk`, which the diff does
 * not hold: said in words ("12 unchanged lines"), not shown.
 */
export function hiddenBefore(hunk: Pick<DiffHunk, 'oldStart' | 'oldLines' | 'newStart'>, previous: Pick<DiffHunk, 'oldStart' | 'oldLines'> | null): number {
  // A hunk that adds to an empty file starts at old line 0.
  const firstOld = hunk.oldLines === 0 ? hunk.oldStart + 1 : hunk.oldStart;
  const previousEnd = previous ? (previous.oldLines === 0 ? previous.oldStart : previous.oldStart + previous.oldLines - 1) : 0;
  return Math.max(0, firstOld - previousEnd - 1);
}

/** "Show 12 more lines", "1 unchanged line", in words. */
export const moreLines = (count: number) => `Show ${count} more ${count === 1 ? 'line' : 'lines'}`;
export const unchangedLines = (count: number) => `${count} unchanged ${count === 1 ? 'line' : 'lines'}`;

/** Whether a file's lines are drawn at once when the screen opens (small files, the first few): the rest wait until opened. */
export function opensAtFirst(index: number, lineCount: number): boolean {
  return index < 8 && lineCount <= 400;
}
