// One changed file of a review, drawn: line numbers, a + or − sign (and words for screen readers) on
// every added and removed line, changed words marked, long unchanged runs folded behind "Show N more
// lines", unified on a phone and side by side on a wide window. What to draw is decided by the DOM-free
// review-model.ts.
import { h } from '../app/dom.js';
import { TRUNCATION_TEXT, type DiffFile, type DiffLine } from '../../shared/review.js';
import type { WordSegment } from '../../shared/word-diff.js';
import { foldContext, hiddenBefore, moreLines, pairWords, splitRows, unchangedLines, unifiedCells, type LineCell } from './review-model.js';

export type DiffLayout = 'unified' | 'split';

/** The line a review comment would be about. */
export interface LineTarget {
  path: string;
  line: DiffLine;
}

/**
 * Where comments on lines will plug in: agent runs (issue 21, later) pass a function that answers a
 * control (say a "Comment" button) for a line, drawn at the end of its row. Nothing passes one yet.
 */
export type LineActions = (target: LineTarget) => HTMLElement | null;

const SIGNS: Record<DiffLine['kind'], string> = { add: '+', del: '\u2212', context: ' ' };
const WORDS: Record<DiffLine['kind'], string> = { add: 'Added: ', del: 'Removed: ', context: '' };

/** The body of a file's section: its hunks, or why there are none. */
export function diffBody(file: DiffFile, layout: DiffLayout, lineActions?: LineActions): HTMLElement {
  const body = h('div', { class: `rv-diff rv-${layout}` });
  const notes: string[] = [];
  if (file.binary) notes.push('Binary file: its content is not shown.');
  if (file.truncatedReason) notes.push(TRUNCATION_TEXT[file.truncatedReason]);
  if (!file.binary && !file.truncatedReason && file.hunks.length === 0) {
    notes.push(file.status === 'renamed' || file.status === 'copied' ? 'The content did not change.' : file.status === 'mode-changed' ? 'Only the mode changed.' : 'The file is empty.');
  }
  let previous: DiffFile['hunks'][number] | null = null;
  for (const hunk of file.hunks) {
    const hidden = hiddenBefore(hunk, previous);
    body.append(h('div', { class: 'rv-gap' }, hidden > 0 ? `${unchangedLines(hidden)} not shown` : 'Changes', hunk.section ? h('code', {}, ` ${hunk.section}`) : null));
    const words = pairWords(hunk.lines);
    for (const part of foldContext(hunk.lines)) {
      if (part.kind === 'lines') {
        body.append(...rowsOf(part.lines, words, layout, file.path, lineActions));
        continue;
      }
      const fold = h('button', { type: 'button', class: 'rv-fold', 'aria-label': `${moreLines(part.lines.length)} (unchanged)` }, moreLines(part.lines.length));
      fold.addEventListener('click', () => {
        const rows = rowsOf(part.lines, words, layout, file.path, lineActions);
        fold.replaceWith(...rows);
        rows[0]?.querySelector<HTMLElement>('.rv-text')?.focus({ preventScroll: true });
      });
      body.append(fold);
    }
    previous = hunk;
  }
  for (const note of notes) body.append(h('p', { class: 'rv-note' }, note));
  return body;
}

function rowsOf(lines: DiffLine[], words: Map<DiffLine, WordSegment[]>, layout: DiffLayout, path: string, lineActions?: LineActions): HTMLElement[] {
  if (layout === 'unified') return unifiedCells(lines, words).map((cell) => unifiedRow(cell, path, lineActions));
  return splitRows(lines, words).map((row) =>
    h('div', { class: 'rv-row' }, sideCell(row.left, 'old', path, lineActions), sideCell(row.right, 'new', path, lineActions)),
  );
}

function unifiedRow(cell: LineCell, path: string, lineActions?: LineActions): HTMLElement {
  const { line } = cell;
  return h(
    'div',
    { class: 'rv-line', 'data-kind': line.kind, 'data-old-line': line.oldLine ?? undefined, 'data-new-line': line.newLine ?? undefined },
    h('span', { class: 'rv-num', 'aria-hidden': 'true' }, line.oldLine ?? ''),
    h('span', { class: 'rv-num', 'aria-hidden': 'true' }, line.newLine ?? ''),
    h('span', { class: 'rv-sign', 'aria-hidden': 'true' }, SIGNS[line.kind]),
    lineText(cell),
    lineActions?.({ path, line }) ?? null,
  );
}

function sideCell(cell: LineCell | null, side: 'old' | 'new', path: string, lineActions?: LineActions): HTMLElement {
  if (!cell) return h('div', { class: 'rv-line rv-empty', 'data-side': side });
  const { line } = cell;
  const number = side === 'old' ? line.oldLine : line.newLine;
  return h(
    'div',
    { class: 'rv-line', 'data-kind': line.kind, 'data-side': side, 'data-old-line': line.oldLine ?? undefined, 'data-new-line': line.newLine ?? undefined },
    h('span', { class: 'rv-num', 'aria-hidden': 'true' }, number ?? ''),
    h('span', { class: 'rv-sign', 'aria-hidden': 'true' }, SIGNS[line.kind]),
    lineText(cell),
    side === 'new' || line.kind === 'del' ? (lineActions?.({ path, line }) ?? null) : null,
  );
}

function lineText({ line, words }: LineCell): HTMLElement {
  const number = line.kind === 'del' ? line.oldLine : line.newLine;
  const content = words ? words.map((segment) => (segment.changed ? h('mark', { class: 'rv-word' }, segment.text) : segment.text)) : [line.text];
  return h(
    'span',
    { class: 'rv-text', tabindex: '-1' },
    h('span', { class: 'visually-hidden' }, `${WORDS[line.kind]}line ${number ?? ''}: `),
    ...content,
    line.cut ? h('span', { class: 'rv-cut' }, ' … (line cut short)') : null,
    line.noNewlineAtEnd ? h('span', { class: 'rv-eof' }, ' (no newline at end of file)') : null,
  );
}
