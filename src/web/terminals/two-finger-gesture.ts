// Two fingers on the terminals (issue 20): spreading or pinching them changes the font size (issue 16);
// sliding them sideways together moves to the next or previous terminal, as pages turn on a phone.
// One finger stays the terminal's (xterm.js scrolls with it; a long press selects text), so neither
// gesture fights scrolling or selection. Which of the two a gesture is gets decided once, by what
// happens first: the distance between the fingers changing, or both moving sideways. DOM-free.

export interface TouchPoint {
  x: number;
  y: number;
}

export type GestureKind = 'undecided' | 'pinch' | 'swipe' | 'other';

/** The fingers' distance changed by this share before they moved sideways: a pinch. */
export const PINCH_RATIO = 0.12;
/** Both fingers moved this far (CSS pixels, their midpoint) mostly sideways, their distance steady: a swipe. */
export const DECIDE_PX = 24;
/** A swipe turns the page when its midpoint ends at least this far from where it started. */
export const SWIPE_PX = 60;
/** Sideways means more sideways than up or down, by this factor. */
const SIDEWAYS = 1.5;

export type SwipeDirection = 'next' | 'previous';

const distance = ([a, b]: readonly [TouchPoint, TouchPoint]) => Math.hypot(a.x - b.x, a.y - b.y);
const midpoint = ([a, b]: readonly [TouchPoint, TouchPoint]): TouchPoint => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

export class TwoFingerGesture {
  private kind: GestureKind = 'undecided';
  private startDistance = 0;
  private startMid: TouchPoint = { x: 0, y: 0 };
  private lastMid: TouchPoint = { x: 0, y: 0 };
  private active = false;

  /** Two fingers are down: a new gesture begins. */
  start(points: readonly [TouchPoint, TouchPoint]): void {
    this.kind = 'undecided';
    this.startDistance = distance(points);
    this.startMid = this.lastMid = midpoint(points);
    this.active = this.startDistance > 0;
  }

  /**
   * The fingers moved. Returns what the gesture is so far and, for a pinch, the scale of the fingers'
   * distance to where it started (the font size follows it).
   */
  move(points: readonly [TouchPoint, TouchPoint]): { kind: GestureKind; scale: number } {
    if (!this.active) return { kind: this.kind, scale: 1 };
    const scale = distance(points) / this.startDistance;
    this.lastMid = midpoint(points);
    if (this.kind === 'undecided') {
      const dx = this.lastMid.x - this.startMid.x;
      const dy = this.lastMid.y - this.startMid.y;
      if (Math.abs(scale - 1) >= PINCH_RATIO) this.kind = 'pinch';
      else if (Math.abs(dx) >= DECIDE_PX && Math.abs(dx) >= SIDEWAYS * Math.abs(dy)) this.kind = 'swipe';
      else if (Math.abs(dy) >= DECIDE_PX) this.kind = 'other';
    }
    return { kind: this.kind, scale };
  }

  /** A finger lifted: the gesture is over. A swipe far enough sideways says where to go (fingers moving left: the next terminal). */
  end(): SwipeDirection | null {
    if (!this.active) return null;
    this.active = false;
    if (this.kind !== 'swipe') return null;
    const dx = this.lastMid.x - this.startMid.x;
    if (Math.abs(dx) < SWIPE_PX) return null;
    return dx < 0 ? 'next' : 'previous';
  }

  get isActive(): boolean {
    return this.active;
  }
}
