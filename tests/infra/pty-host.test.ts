import { fstatSync } from 'node:fs';
import * as nodePty from 'node-pty';
import { describe, expect, it } from 'vitest';
import { createSessionScanner, ptyMasterFdIfIdle, scanSessions } from '../../src/infra/pty-host.js';

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

describe('the direct keystroke write path', () => {
  it("finds node-pty's master fd while it has no write queued, and none while it has (node-pty internals it relies on)", async () => {
    const pty = nodePty.spawn('/bin/sh', ['-c', 'sleep 5'], { cols: 80, rows: 24, cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    try {
      const fd = ptyMasterFdIfIdle(pty);
      expect(fd, "node-pty's `fd` or `_writeStream._writeQueue` changed: keystrokes lose their direct write (see ptyMasterFdIfIdle in src/infra/pty-host.ts)").toEqual(expect.any(Number));
      expect(fstatSync(fd!).isCharacterDevice()).toBe(true);
      // node-pty's own write stays queued until the thread pool has written it.
      pty.write('x');
      expect(ptyMasterFdIfIdle(pty), "node-pty's write queue is no longer `_writeStream._writeQueue`: direct writes could overtake queued ones").toBeNull();
    } finally {
      pty.kill('SIGKILL');
    }
  });
});

describe('a paused PTY whose program exits', () => {
  it("hands over what the program wrote last instead of losing it to node-pty's destroy 200 ms after the exit (node-pty internals it relies on)", async () => {
    const { createPtyHost, drainBeforeDestroy } = await import('../../src/infra/pty-host.js');
    const probe = nodePty.spawn('/bin/true', [], { encoding: null } as nodePty.IPtyForkOptions);
    expect(drainBeforeDestroy(probe, () => undefined)).toBe(true);
    await new Promise((resolve) => probe.onExit(resolve));

    const host = createPtyHost();
    const pty = await host.spawn({
      id: 'paused-exit',
      file: '/bin/sh',
      // 300 000 bytes, far more than the kernel's PTY buffer: most of it waits in the stream while paused.
      args: ['-c', "stty -opost; head -c 300000 /dev/zero | tr '\\000' x; exit 3"],
      cwd: '/',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent' },
      cols: 80,
      rows: 24,
    });
    let received = 0;
    let paused = false;
    pty.onData((chunk) => {
      received += chunk.length;
      if (!paused) {
        paused = true;
        pty.pause();
        // Resumed only long after the program exited and node-pty gave up waiting for the PTY to close.
        setTimeout(() => pty.resume(), 1_000);
      }
    });
    const exit = await new Promise<{ exitCode: number }>((resolve) => pty.onExit(resolve));
    expect(exit.exitCode).toBe(3);
    expect(received).toBe(300_000);
  });
});
