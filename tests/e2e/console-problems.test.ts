// The e2e console filter: timing notices pass, every other error and warning is a problem. No browser.
import { describe, expect, it } from 'vitest';
import { isConsoleProblem, isTimingNotice } from './console-problems.js';

describe('e2e console problems', () => {
  it('ignores xterm.js and Chromium notices that a task ran late', () => {
    for (const text of [
      'task queue exceeded allotted deadline by 23ms',
      "[Violation] 'setTimeout' handler took 53ms",
      "[Violation] 'requestAnimationFrame' handler took 112ms",
      '[Violation] Forced reflow while executing JavaScript took 41ms',
    ]) {
      expect(isTimingNotice(text), text).toBe(true);
      expect(isConsoleProblem('warning', text), text).toBe(false);
      expect(isConsoleProblem('error', text), text).toBe(false);
    }
  });

  it('keeps every other error and warning, including other [Violation] advice', () => {
    for (const text of [
      'WebSocket connection failed',
      'Uncaught TypeError: x is undefined',
      "[Violation] Added non-passive event listener to a scroll-blocking 'wheel' event.",
      'the task queue exceeded allotted deadline by 23ms and then threw',
      'xterm.js: task queue exceeded allotted deadline',
    ]) {
      expect(isTimingNotice(text), text).toBe(false);
      expect(isConsoleProblem('warning', text), text).toBe(true);
      expect(isConsoleProblem('error', text), text).toBe(true);
    }
  });

  it('ignores logs, info and debug messages', () => {
    expect(isConsoleProblem('log', 'anything')).toBe(false);
    expect(isConsoleProblem('info', 'anything')).toBe(false);
    expect(isConsoleProblem('debug', 'anything')).toBe(false);
  });
});
