// Word-level differences between a removed line and the added line that replaces it, so that a review
// can mark the words that changed rather than the whole line (issue 21 §2). DOM-free; imports nothing.

export interface WordSegment {
  text: string;
  /** Present on this side only: removed (old line) or added (new line). */
  changed: boolean;
}

export interface WordDiff {
  before: WordSegment[];
  after: WordSegment[];
  /** Share of the two lines' characters left unchanged, 0 to 1: a low one means the line was rewritten. */
  similarity: number;
}

/** Words (letters, digits, _), runs of white space, and single other characters, in order. */
export function tokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+|\s+|[^\p{L}\p{N}_\s]/gu) ?? [];
}

/** Above this many tokens between the common start and end, the middle is marked changed as a whole (the LCS table grows with the product). */
const MAX_TOKENS = 400;

/**
 * The words of `before` and `after` that differ: the longest common subsequence of their tokens, after
 * the common start and end are set aside. Adjacent segments of one kind are merged.
 */
export function wordDiff(before: string, after: string): WordDiff {
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  const keepA = new Array<boolean>(midA.length).fill(false);
  const keepB = new Array<boolean>(midB.length).fill(false);
  if (midA.length > 0 && midB.length > 0 && midA.length <= MAX_TOKENS && midB.length <= MAX_TOKENS) markCommon(midA, midB, keepA, keepB);

  const beforeSegments: WordSegment[] = [];
  const afterSegments: WordSegment[] = [];
  const push = (segments: WordSegment[], text: string, changed: boolean) => {
    if (text === '') return;
    const last = segments.at(-1);
    if (last && last.changed === changed) last.text += text;
    else segments.push({ text, changed });
  };
  const head = a.slice(0, start).join('');
  push(beforeSegments, head, false);
  push(afterSegments, head, false);
  midA.forEach((token, i) => push(beforeSegments, token, !keepA[i]));
  midB.forEach((token, i) => push(afterSegments, token, !keepB[i]));
  const tail = a.slice(endA).join('');
  push(beforeSegments, tail, false);
  push(afterSegments, tail, false);

  const unchanged = (segments: WordSegment[]) => segments.reduce((sum, s) => sum + (s.changed ? 0 : s.text.length), 0);
  const total = before.length + after.length;
  const similarity = total === 0 ? 1 : (unchanged(beforeSegments) + unchanged(afterSegments)) / total;
  return { before: beforeSegments, after: afterSegments, similarity };
}

/** Marks the tokens of a longest common subsequence of `a` and `b` (dynamic programming from the end). */
function markCommon(a: string[], b: string[], keepA: boolean[], keepB: boolean[]): void {
  const width = b.length + 1;
  const table = new Uint16Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      table[i * width + j] = a[i] === b[j] ? table[(i + 1) * width + j + 1]! + 1 : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      keepA[i] = true;
      keepB[j] = true;
      i += 1;
      j += 1;
    } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
      i += 1;
    } else {
      j += 1;
    }
  }
}
