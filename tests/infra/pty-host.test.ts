import { describe, expect, it } from 'vitest';
import { createSessionScanner, scanSessions } from '../../src/infra/pty-host.js';

describe('the shared /proc session scanner', () => {
  it('runs one scan at a time, shared by every caller that asked while it waited, and each caller gets a scan started after it asked', async () => {
    const started: number[] = [];
    const finishers: Array<() => void> = [];
    let scans = 0;
    const scanner = createSessionScanner(async () => {
      const n = ++scans;
      started.push(n);
      await new Promise<void>((resolve) => finishers.push(resolve));
      return new Map([[n, [n]]]);
    });
    const first = scanner();
    await Promise.resolve();
    await Promise.resolve();
    expect(started).toEqual([1]);
    // Asked while scan 1 runs: they must not get scan 1 (it may predate their signals), and share scan 2.
    const second = scanner();
    const third = scanner();
    expect(second).toBe(third);
    finishers.shift()!();
    expect((await first).has(1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(started).toEqual([1, 2]);
    finishers.shift()!();
    expect((await second).has(2)).toBe(true);
    expect(scans).toBe(2);
  });

  it('finds this process in its own session', async () => {
    const sessions = await scanSessions();
    const all = [...sessions.values()].flat();
    expect(all).toContain(process.pid);
  });
});
