// One finger on a terminal (issue 22 §2): a vertical drag scrolls, with a fling after it (the lines
// and what they become are touch-scroll.ts's, DOM-free). Two fingers stay the screen's (pinch, tab
// swipe: two-finger-gesture.ts), a tap stays xterm's (focus, links).
import type { Terminal } from '@xterm/xterm';
import { arrowKeys, TouchScroll, touchScrollTarget } from './touch-scroll.js';

export interface TouchInputOptions {
  /** Sends bytes to the program (cursor keys in the alternate screen). */
  send(data: string): void;
}

/** The height of a row in CSS pixels, as xterm lays them out now. */
export function rowHeight(term: Terminal): number {
  const screen = term.element?.querySelector('.xterm-screen');
  return screen && term.rows > 0 ? screen.getBoundingClientRect().height / term.rows : 0;
}

/** Listens for touches on the terminal's element; returns what undoes it. */
export function enableTouchInput(term: Terminal, element: HTMLElement, options: TouchInputOptions): () => void {
  const scroll = new TouchScroll(() => rowHeight(term));
  let frame = 0;
  let lastPoint = { x: 0, y: 0 };

  const apply = (lines: number) => {
    if (lines === 0) return;
    const target = touchScrollTarget(term.buffer.active.type, term.modes.mouseTrackingMode !== 'none');
    if (target === 'scrollback') term.scrollLines(lines);
    else if (target === 'arrows') options.send(arrowKeys(lines, term.modes.applicationCursorKeysMode));
    else wheel(lines);
  };

  // Wheel reports through xterm's own wheel handling: it knows the mouse protocol and encoding the
  // program asked for, and where the finger is in cells. One event per line.
  const wheel = (lines: number) => {
    const screen = term.element?.querySelector('.xterm-screen');
    if (!screen) return;
    for (let i = 0; i < Math.abs(lines); i++) {
      screen.dispatchEvent(
        new WheelEvent('wheel', { deltaY: Math.sign(lines), deltaMode: WheelEvent.DOM_DELTA_LINE, clientX: lastPoint.x, clientY: lastPoint.y, bubbles: true, cancelable: true }),
      );
    }
  };

  const fling = (time: number) => {
    frame = 0;
    apply(scroll.frame(time));
    if (scroll.isFlinging) frame = requestAnimationFrame(fling);
  };
  const stopFling = () => {
    if (frame !== 0) cancelAnimationFrame(frame);
    frame = 0;
    scroll.stop();
  };

  const onStart = (event: TouchEvent) => {
    stopFling();
    if (event.touches.length !== 1) return;
    const touch = event.touches[0]!;
    lastPoint = { x: touch.clientX, y: touch.clientY };
    scroll.start({ y: touch.clientY, time: event.timeStamp });
  };
  const onMove = (event: TouchEvent) => {
    if (event.touches.length !== 1) {
      scroll.stop();
      return;
    }
    const touch = event.touches[0]!;
    lastPoint = { x: touch.clientX, y: touch.clientY };
    const lines = scroll.move({ y: touch.clientY, time: event.timeStamp });
    if (!scroll.isScrolling) return;
    // The page must not scroll or bounce instead.
    if (event.cancelable) event.preventDefault();
    apply(lines);
  };
  const onEnd = (event: TouchEvent) => {
    if (event.touches.length > 0) return;
    if (scroll.end(event.timeStamp)) frame = requestAnimationFrame(fling);
  };
  element.addEventListener('touchstart', onStart, { passive: true });
  element.addEventListener('touchmove', onMove, { passive: false });
  element.addEventListener('touchend', onEnd, { passive: true });
  element.addEventListener('touchcancel', stopFling, { passive: true });
  // A program switching screens mid-fling: the rest of the fling would land in the other one.
  const buffer = term.buffer.onBufferChange(stopFling);
  return () => {
    stopFling();
    buffer.dispose();
    element.removeEventListener('touchstart', onStart);
    element.removeEventListener('touchmove', onMove);
    element.removeEventListener('touchend', onEnd);
    element.removeEventListener('touchcancel', stopFling);
  };
}
