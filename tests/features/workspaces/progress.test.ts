import { describe, expect, it } from 'vitest';
import { createProgressParser, type GitProgress } from '../../../src/features/workspaces/git-runner.js';

describe("git's clone progress", () => {
  it('reads phases, percentages, and while receiving what has arrived and how fast, across chunk boundaries', () => {
    const seen: GitProgress[] = [];
    const parse = createProgressParser((progress) => seen.push(progress));
    parse('remote: Counting objects: 100% (12/12), done.\n');
    parse('Receiving objects:  45% (450/1000), 3.20 MiB | 1.10 Mi');
    parse('B/s\rReceiving objects:  45% (450/1000), 3.20 MiB | 1.10 MiB/s\r');
    parse('Receiving objects:  45% (451/1000), 3.43 MiB | 1.12 MiB/s\r');
    parse('Receiving objects: 100% (1000/1000), 7.91 MiB | 1.20 MiB/s, done.\n');
    parse('Resolving deltas: 100% (20/20), done.\n');
    expect(seen).toEqual([
      { phase: 'counting', percent: 100, processed: 12, total: 12 },
      { phase: 'receiving', percent: 45, processed: 450, total: 1000, received: '3.20 MiB', rate: '1.10 MiB/s' },
      // The same percentage, but more bytes: still news for a slow clone.
      { phase: 'receiving', percent: 45, processed: 451, total: 1000, received: '3.43 MiB', rate: '1.12 MiB/s' },
      { phase: 'receiving', percent: 100, processed: 1000, total: 1000, received: '7.91 MiB', rate: '1.20 MiB/s' },
      { phase: 'resolving', percent: 100, processed: 20, total: 20 },
    ]);
  });

  it('takes a size without a rate (before git has measured one)', () => {
    const seen: GitProgress[] = [];
    createProgressParser((progress) => seen.push(progress))('Receiving objects:  10% (1/10), 512.00 KiB\r');
    expect(seen).toEqual([{ phase: 'receiving', percent: 10, processed: 1, total: 10, received: '512.00 KiB' }]);
  });
});
