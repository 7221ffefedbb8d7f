// Word-level differences between a removed and an added line (src/shared/word-diff.ts).
import { describe, expect, it } from 'vitest';
import { tokenize, wordDiff } from '../../src/shared/word-diff.js';

const marked = (segments: { text: string; changed: boolean }[]) => segments.map((s) => (s.changed ? `[${s.text}]` : s.text)).join('');

describe('tokenize', () => {
  it('splits into words, white space and single punctuation, unicode letters included', () => {
    expect(tokenize('const añö = f(x, 42);')).toEqual(['const', ' ', 'añö', ' ', '=', ' ', 'f', '(', 'x', ',', ' ', '42', ')', ';']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('a  \tb')).toEqual(['a', '  \t', 'b']);
  });
});

describe('wordDiff', () => {
  it('marks only the words that changed, on each side', () => {
    const diff = wordDiff('const timeout = 1000;', 'const timeout = 5000;');
    expect(marked(diff.before)).toBe('const timeout = [1000];');
    expect(marked(diff.after)).toBe('const timeout = [5000];');
    expect(diff.similarity).toBeGreaterThan(0.7);
  });

  it('finds words kept between changes (longest common subsequence), not only a common start and end', () => {
    const diff = wordDiff('return foo(a, b) + bar;', 'return baz(a, c) + bar;');
    expect(marked(diff.before)).toBe('return [foo](a, [b]) + bar;');
    expect(marked(diff.after)).toBe('return [baz](a, [c]) + bar;');
  });

  it('handles insertions and deletions of whole words', () => {
    expect(marked(wordDiff('a b c', 'a b x c').after)).toBe('a b [x ]c');
    expect(marked(wordDiff('a b x c', 'a b c').before)).toBe('a b [x ]c');
    expect(marked(wordDiff('', 'new line').after)).toBe('[new line]');
    expect(wordDiff('', 'new line').before).toEqual([]);
  });

  it('gives the same text back on each side, and no change for equal lines', () => {
    const before = 'if (user.isAdmin && !flags.disabled) { grant(); }';
    const after = 'if (user.isOwner || !flags.disabled) { grant(all); }';
    const diff = wordDiff(before, after);
    expect(diff.before.map((s) => s.text).join('')).toBe(before);
    expect(diff.after.map((s) => s.text).join('')).toBe(after);
    expect(wordDiff('same', 'same')).toEqual({ before: [{ text: 'same', changed: false }], after: [{ text: 'same', changed: false }], similarity: 1 });
  });

  it('says a rewritten line is dissimilar', () => {
    expect(wordDiff('import { a } from "x";', 'export default 42').similarity).toBeLessThan(0.3);
  });

  it('marks a very long middle as changed as a whole instead of building a huge table', () => {
    const before = `start ${Array.from({ length: 600 }, (_, i) => `w${i}`).join(' ')} end`;
    const after = `start ${Array.from({ length: 600 }, (_, i) => `v${i}`).join(' ')} end`;
    const started = performance.now();
    const diff = wordDiff(before, after);
    expect(performance.now() - started).toBeLessThan(200);
    expect(diff.before).toHaveLength(3);
    expect(diff.before[0]).toEqual({ text: 'start ', changed: false });
    expect(diff.before[2]).toEqual({ text: ' end', changed: false });
  });
});
