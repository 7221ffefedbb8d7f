// One finger scrolling a terminal (issue 22 §2), DOM-free: what a finger's drag and the fling after it
// are worth in lines, and what those lines become. In the normal screen they scroll the scrollback;
// in the alternate screen (less, vim, TUIs) there is no scrollback, so they become what the program
// understands: mouse wheel reports when it turned mouse tracking on, else cursor keys, as good mobile
// terminals do (Termux, Blink). xterm.js 6 has no touch scrolling of its own (xterm.js #5377).

export interface TouchSample {
  /** The finger's vertical position, CSS pixels. */
  y: number;
  /** Milliseconds (the event's timeStamp). */
  time: number;
}

/** A finger must move this far (CSS pixels) before a touch is a scroll rather than a tap or a long press. */
export const SCROLL_SLOP_PX = 8;
/** The fling slows by e^(−t/τ): the time constant (ms) of iOS's and Android's scroll views, about. */
export const FLING_TIME_CONSTANT_MS = 325;
/** Lifting faster than this (px/ms) flings; slower just stops. */
export const FLING_MIN_VELOCITY = 0.25;
/** A fling ends below this speed (px/ms). */
const FLING_STOP_VELOCITY = 0.02;
/** Velocity is measured over the samples of the last this many ms before the finger lifts. */
const VELOCITY_WINDOW_MS = 100;
/** No fling scrolls more than this fast (px/ms): a stalled frame must not jump a whole screen. */
const MAX_VELOCITY = 8;

export type TouchScrollTarget = 'scrollback' | 'wheel' | 'arrows';

/** What a vertical swipe becomes in a terminal in this state. */
export function touchScrollTarget(buffer: 'normal' | 'alternate', mouseTracking: boolean): TouchScrollTarget {
  if (buffer === 'normal') return 'scrollback';
  return mouseTracking ? 'wheel' : 'arrows';
}

/** Cursor keys for `lines` lines (positive: down, towards the end), as the program asked for them (DECCKM). */
export function arrowKeys(lines: number, applicationCursor: boolean): string {
  const key = `\x1b${applicationCursor ? 'O' : '['}${lines > 0 ? 'B' : 'A'}`;
  return key.repeat(Math.abs(Math.trunc(lines)));
}

/**
 * A finger's vertical drag turned into whole lines (positive: towards newer output, the finger moving
 * up, as a page follows a finger), then the fling after it lifts. Fractions of a line are kept for the
 * next step, so a slow drag scrolls as far as a fast one.
 */
export class TouchScroll {
  private samples: TouchSample[] = [];
  private startY = 0;
  private scrolling = false;
  private tracking = false;
  private pendingPx = 0;
  private velocity = 0;
  private lastFrame = 0;

  /** `lineHeight()`: a row's height in CSS pixels now (the font size can change meanwhile). */
  constructor(private readonly lineHeight: () => number) {}

  /** A finger touched: any fling stops (a touch during a fling catches it, as on a phone). */
  start(sample: TouchSample): void {
    this.velocity = 0;
    this.samples = [sample];
    this.startY = sample.y;
    this.scrolling = false;
    this.tracking = true;
    this.pendingPx = 0;
  }

  /** The finger moved: the lines to scroll now (0 until it moved past the slop). */
  move(sample: TouchSample): number {
    if (!this.tracking) return 0;
    const last = this.samples[this.samples.length - 1]!;
    this.samples.push(sample);
    this.samples = this.samples.filter((s) => sample.time - s.time <= VELOCITY_WINDOW_MS || s === last);
    if (!this.scrolling) {
      if (Math.abs(sample.y - this.startY) < SCROLL_SLOP_PX) return 0;
      this.scrolling = true;
      // The slop is not lost: the content follows the finger from where it touched.
      return this.take(this.startY - sample.y);
    }
    return this.take(last.y - sample.y);
  }

  /** The finger lifted: true when the content flings on (call `frame()` on every animation frame). */
  end(time: number): boolean {
    if (!this.tracking) return false;
    this.tracking = false;
    if (!this.scrolling) return false;
    const recent = this.samples.filter((s) => time - s.time <= VELOCITY_WINDOW_MS);
    const first = recent[0];
    const last = recent[recent.length - 1];
    if (!first || !last || last.time <= first.time) return false;
    const velocity = (first.y - last.y) / (last.time - first.time);
    if (Math.abs(velocity) < FLING_MIN_VELOCITY) return false;
    this.velocity = Math.max(-MAX_VELOCITY, Math.min(MAX_VELOCITY, velocity));
    // The fling's clock starts at its first frame (events and frames may not share a clock).
    this.lastFrame = Number.NaN;
    return true;
  }

  /** An animation frame during a fling (the first one only starts its clock): the lines to scroll now; `isFlinging` turns false when it stops. */
  frame(time: number): number {
    if (this.velocity === 0) return 0;
    if (Number.isNaN(this.lastFrame)) this.lastFrame = time;
    const elapsed = Math.max(0, time - this.lastFrame);
    this.lastFrame = time;
    // The distance the decaying velocity covers over the elapsed time: v·τ·(1 − e^(−t/τ)).
    const decay = Math.exp(-elapsed / FLING_TIME_CONSTANT_MS);
    const px = this.velocity * FLING_TIME_CONSTANT_MS * (1 - decay);
    this.velocity *= decay;
    if (Math.abs(this.velocity) < FLING_STOP_VELOCITY) this.velocity = 0;
    return this.take(px);
  }

  /** Stops a fling (the program's screen changed, the view went away). */
  stop(): void {
    this.velocity = 0;
    this.tracking = false;
  }

  /** The finger is scrolling (past the slop): the touch is no tap and no long press. */
  get isScrolling(): boolean {
    return this.tracking && this.scrolling;
  }

  get isFlinging(): boolean {
    return this.velocity !== 0;
  }

  private take(px: number): number {
    const height = this.lineHeight();
    if (!(height > 0)) return 0;
    this.pendingPx += px;
    const lines = Math.trunc(this.pendingPx / height);
    this.pendingPx -= lines * height;
    return lines;
  }
}
