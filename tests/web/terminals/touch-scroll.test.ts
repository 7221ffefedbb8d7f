import { describe, expect, it } from 'vitest';
import { arrowKeys, FLING_MIN_VELOCITY, SCROLL_SLOP_PX, TouchScroll, touchScrollTarget } from '../../../src/web/terminals/touch-scroll.js';

const LINE = 20;

/** Drags from `from` to `to` in `steps` moves `stepMs` apart; returns the lines the moves scrolled. */
function drag(scroll: TouchScroll, from: number, to: number, steps: number, stepMs: number, startTime = 0): number {
  scroll.start({ y: from, time: startTime });
  let lines = 0;
  for (let step = 1; step <= steps; step++) lines += scroll.move({ y: from + ((to - from) * step) / steps, time: startTime + step * stepMs });
  return lines;
}

describe('touch scrolling', () => {
  it('is no scroll until the finger passes the slop, then follows it from where it touched', () => {
    const scroll = new TouchScroll(() => LINE);
    scroll.start({ y: 300, time: 0 });
    expect(scroll.move({ y: 300 - (SCROLL_SLOP_PX - 1), time: 10 })).toBe(0);
    expect(scroll.isScrolling).toBe(false);
    // Past the slop: the whole distance counts (30 px: one line, 10 px kept).
    expect(scroll.move({ y: 270, time: 20 })).toBe(1);
    expect(scroll.isScrolling).toBe(true);
    expect(scroll.move({ y: 260, time: 30 })).toBe(1);
  });

  it('scrolls towards newer output when the finger moves up, older when it moves down, losing no fraction', () => {
    const up = new TouchScroll(() => LINE);
    expect(drag(up, 400, 200, 40, 16)).toBe(10);
    const down = new TouchScroll(() => LINE);
    expect(drag(down, 200, 400, 40, 16)).toBe(-10);
  });

  it('a slow lift stops; a fast one flings on, slowing until it stops, further than the drag', () => {
    const slow = new TouchScroll(() => LINE);
    drag(slow, 400, 300, 50, 20);
    expect(slow.end(50 * 20 + 5)).toBe(false);
    expect(slow.isFlinging).toBe(false);

    const fast = new TouchScroll(() => LINE);
    const dragged = drag(fast, 500, 300, 5, 10); // 4 px/ms
    expect(dragged).toBe(10);
    expect(fast.end(55)).toBe(true);
    // The first frame only starts the fling's clock (frames and events may not share one).
    expect(fast.frame(1000)).toBe(0);
    let flung = 0;
    let previous = Infinity;
    let time = 1000;
    for (let i = 0; i < 600 && fast.isFlinging; i++) {
      time += 16;
      const lines = fast.frame(time);
      expect(lines).toBeGreaterThanOrEqual(0);
      expect(lines).toBeLessThanOrEqual(previous + 1);
      previous = Math.max(lines, 1);
      flung += lines;
    }
    expect(fast.isFlinging).toBe(false);
    // v·τ = 4 px/ms · 325 ms ≈ 1300 px ≈ 65 lines.
    expect(flung).toBeGreaterThan(50);
    expect(flung).toBeLessThan(70);
  });

  it('a new touch catches a fling, and stop() ends it', () => {
    const scroll = new TouchScroll(() => LINE);
    drag(scroll, 500, 300, 5, 10);
    expect(scroll.end(55)).toBe(true);
    scroll.start({ y: 300, time: 70 });
    expect(scroll.isFlinging).toBe(false);
    expect(scroll.frame(90)).toBe(0);
    drag(scroll, 500, 300, 5, 10, 100);
    scroll.end(155);
    scroll.stop();
    expect(scroll.frame(170)).toBe(0);
  });

  it('a finger resting before it lifts does not fling', () => {
    const scroll = new TouchScroll(() => LINE);
    drag(scroll, 500, 300, 5, 10);
    scroll.move({ y: 300, time: 300 });
    expect(scroll.end(310)).toBe(false);
    expect(FLING_MIN_VELOCITY).toBeGreaterThan(0);
  });

  it('a tap is no scroll and flings nothing', () => {
    const scroll = new TouchScroll(() => LINE);
    scroll.start({ y: 100, time: 0 });
    expect(scroll.end(80)).toBe(false);
  });

  it('scrolls the scrollback in the normal screen, else wheel reports or cursor keys', () => {
    expect(touchScrollTarget('normal', false)).toBe('scrollback');
    expect(touchScrollTarget('normal', true)).toBe('scrollback');
    expect(touchScrollTarget('alternate', true)).toBe('wheel');
    expect(touchScrollTarget('alternate', false)).toBe('arrows');
    expect(arrowKeys(3, false)).toBe('\x1b[B\x1b[B\x1b[B');
    expect(arrowKeys(-2, true)).toBe('\x1bOA\x1bOA');
    expect(arrowKeys(0, false)).toBe('');
  });
});
