// A unified diff as a block of lines, each added or removed line marked by a sign (+ or −) and words
// for screen readers as well as its colour: the approvals inbox and the agent hooks' "Show change".
import { h } from '../app/dom.js';
import { DIFF_SIGN, DIFF_WORDS, parseDiff, type DiffLine } from './attention-text.js';

export function diffBlock(lines: DiffLine[] | string, label: string): HTMLElement {
  const parsed = typeof lines === 'string' ? parseDiff(lines) : lines;
  return h('pre', { class: 'code-block diff', 'aria-label': label }, parsed.map(diffLine));
}

function diffLine(line: DiffLine): HTMLElement {
  const signed = line.kind === 'added' || line.kind === 'removed' || line.kind === 'context';
  return h(
    'span',
    { class: 'diff-line', 'data-kind': line.kind },
    DIFF_WORDS[line.kind] ? h('span', { class: 'visually-hidden' }, `${DIFF_WORDS[line.kind]} `) : null,
    signed ? h('span', { class: 'diff-sign', 'aria-hidden': 'true' }, DIFF_SIGN[line.kind]) : null,
    line.text,
    '\n',
  );
}
