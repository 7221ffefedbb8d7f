import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from '../../src/shared/units.js';

describe('units for operators', () => {
  it('gives sizes in binary units with at most three figures', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512 * 1024 * 1024)).toBe('512 MiB');
    expect(formatBytes(84_955_992_064)).toBe('79.1 GiB');
    expect(formatBytes(3 * 1024 ** 4)).toBe('3 TiB');
  });

  it('gives durations in minutes, hours and minutes, or days', () => {
    expect(formatDuration(20_000)).toBe('under a minute');
    expect(formatDuration(7 * 60_000)).toBe('7 min');
    expect(formatDuration(3 * 3_600_000 + 12 * 60_000)).toBe('3 h 12 min');
    expect(formatDuration(5 * 3_600_000)).toBe('5 h');
    expect(formatDuration(50 * 3_600_000)).toBe('2 days');
  });
});
