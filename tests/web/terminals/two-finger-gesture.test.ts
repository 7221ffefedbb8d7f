// Two fingers on the terminals: a pinch (font size) or a sideways swipe (next/previous terminal), decided once.
import { describe, expect, it } from 'vitest';
import { DECIDE_PX, SWIPE_PX, TwoFingerGesture, type TouchPoint } from '../../../src/web/terminals/two-finger-gesture.js';

/** Two fingers 100 px apart, side by side, at (x, y) for the left one. */
const fingers = (x: number, y: number, apart = 100): [TouchPoint, TouchPoint] => [
  { x, y },
  { x: x + apart, y },
];

/** Moves both fingers from `from` to `to` in `steps`, feeding each step; returns the last kind. */
function slide(gesture: TwoFingerGesture, from: number, to: number, steps = 10, y = 300) {
  let last = gesture.move(fingers(from, y));
  for (let i = 1; i <= steps; i++) last = gesture.move(fingers(from + ((to - from) * i) / steps, y));
  return last;
}

describe('two fingers on the terminals', () => {
  it('swiping left moves to the next terminal, right to the previous one', () => {
    const gesture = new TwoFingerGesture();
    gesture.start(fingers(200, 300));
    expect(slide(gesture, 200, 200 - SWIPE_PX - 20).kind).toBe('swipe');
    expect(gesture.end()).toBe('next');

    gesture.start(fingers(100, 300));
    slide(gesture, 100, 100 + SWIPE_PX + 20);
    expect(gesture.end()).toBe('previous');
  });

  it('a short swipe does nothing, and neither does a gesture that already ended', () => {
    const gesture = new TwoFingerGesture();
    gesture.start(fingers(200, 300));
    expect(slide(gesture, 200, 200 - (SWIPE_PX - 10)).kind).toBe('swipe');
    expect(gesture.end()).toBeNull();
    expect(gesture.end()).toBeNull();
  });

  it('fingers spreading first make a pinch, with the scale of their distance, and never turn the page', () => {
    const gesture = new TwoFingerGesture();
    gesture.start(fingers(200, 300, 100));
    const pinch = gesture.move(fingers(190, 300, 150));
    expect(pinch).toEqual({ kind: 'pinch', scale: 1.5 });
    // Sliding sideways afterwards stays a pinch: the font size follows, the tab does not change.
    expect(slide(gesture, 190, 0).kind).toBe('pinch');
    expect(gesture.end()).toBeNull();
  });

  it('a swipe stays a swipe when the fingers drift apart later', () => {
    const gesture = new TwoFingerGesture();
    gesture.start(fingers(300, 300, 100));
    expect(gesture.move(fingers(300 - DECIDE_PX - 1, 300, 100)).kind).toBe('swipe');
    expect(gesture.move(fingers(150, 300, 140)).kind).toBe('swipe');
    expect(gesture.end()).toBe('next');
  });

  it('moving up or down with two fingers is neither', () => {
    const gesture = new TwoFingerGesture();
    gesture.start(fingers(200, 300));
    gesture.move(fingers(210, 300 - DECIDE_PX - 5));
    expect(gesture.move(fingers(200 - SWIPE_PX - 30, 200)).kind).toBe('other');
    expect(gesture.end()).toBeNull();
  });

  it('a move before any start, or fingers on the same spot, changes nothing', () => {
    const gesture = new TwoFingerGesture();
    expect(gesture.move(fingers(0, 0))).toEqual({ kind: 'undecided', scale: 1 });
    gesture.start([{ x: 5, y: 5 }, { x: 5, y: 5 }]);
    expect(gesture.isActive).toBe(false);
    expect(gesture.end()).toBeNull();
  });
});
