import { describe, expect, it } from 'vitest';
import type { DiffLine } from '../../../src/shared/review.js';
import { RUN_LIMITS } from '../../../src/shared/runs.js';
import { commentsPrompt, ReviewComments } from '../../../src/web/screens/review-comments.js';

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

const added: DiffLine = { kind: 'add', text: 'const limit = 10;', oldLine: null, newLine: 12 };
const removed: DiffLine = { kind: 'del', text: 'const limit = 5;', oldLine: 11, newLine: null };
const context: DiffLine = { kind: 'context', text: 'return `${limit}`;', oldLine: 20, newLine: 21 };

describe('review comments', () => {
  it('keeps comments per key on the device, across a reload, and forgets them when cleared', () => {
    const storage = new MemoryStorage();
    const comments = new ReviewComments(storage, 'shellport.review.comments.w1');
    expect(comments.add('src/a.ts', added, '  Make this a setting.  ')).toMatchObject({ path: 'src/a.ts', line: 12, kind: 'add', text: 'Make this a setting.' });
    expect(comments.add('src/a.ts', added, '   ')).toBeNull();
    comments.add('src/a.ts', removed, 'Why did this go?');

    const reloaded = new ReviewComments(storage, 'shellport.review.comments.w1');
    expect(reloaded.list().map((c) => c.text)).toEqual(['Make this a setting.', 'Why did this go?']);
    expect(reloaded.on('src/a.ts', added).map((c) => c.text)).toEqual(['Make this a setting.']);
    expect(reloaded.on('src/a.ts', removed).map((c) => c.line)).toEqual([11]);
    expect(new ReviewComments(storage, 'shellport.review.comments.w2').list()).toEqual([]);

    reloaded.remove(reloaded.list()[0]!.id);
    expect(new ReviewComments(storage, 'shellport.review.comments.w1').list().map((c) => c.text)).toEqual(['Why did this go?']);
    reloaded.clear();
    expect(storage.items.size).toBe(0);
  });

  it('reads nothing it did not write: broken or foreign storage is an empty list', () => {
    const storage = new MemoryStorage();
    storage.setItem('k', '{not json');
    expect(new ReviewComments(storage, 'k').list()).toEqual([]);
    storage.setItem('k', JSON.stringify([{ id: 1, text: 'x' }, 'y']));
    expect(new ReviewComments(storage, 'k').list()).toEqual([]);
    expect(new ReviewComments(null, 'k').add('a', added, 'works without storage')).not.toBeNull();
  });

  it('writes the follow-up prompt in file and line order, quoting each line', () => {
    const comments = new ReviewComments(null, 'k');
    comments.add('src/b.ts', context, 'Use a template here.\nAnd a test.');
    comments.add('src/a.ts', added, 'Make this a setting.');
    comments.add('src/a.ts', removed, 'Why did this go?');
    expect(commentsPrompt(comments.list())).toBe(
      [
        'Please address these 3 review comments on your changes:',
        '',
        '1. src/a.ts, removed line 11 (`const limit = 5;`):',
        '   Why did this go?',
        '',
        '2. src/a.ts, added line 12 (`const limit = 10;`):',
        '   Make this a setting.',
        '',
        "3. src/b.ts, line 21 (`return '${limit}';`):",
        '   Use a template here.',
        '   And a test.',
      ].join('\n'),
    );
  });

  it('stays within the runs API prompt limit', () => {
    const comments = new ReviewComments(null, 'k');
    for (let i = 0; i < 40; i++) comments.add(`f${i}.ts`, added, 'x'.repeat(3999));
    const prompt = commentsPrompt(comments.list());
    expect(prompt.length).toBeLessThanOrEqual(RUN_LIMITS.promptChars);
    expect(prompt.endsWith('(The remaining comments were too long to send at once.)')).toBe(true);
  });
});
