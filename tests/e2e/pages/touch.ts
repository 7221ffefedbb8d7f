// Real touch input for phone-sized pages: DevTools' Input.dispatchTouchEvent, with the events' own
// timestamps, so that how fast a finger moved does not depend on how busy the machine is.
import type { CDPSession, Locator, Page } from 'playwright-core';

export interface SwipeOptions {
  /** Where the finger goes down and where it lifts (CSS pixels in the viewport). */
  from: { x: number; y: number };
  to: { x: number; y: number };
  /** Moves between them. */
  steps?: number;
  /** Milliseconds between two moves (event time, not wall time): 16 is a quick flick, 120 a slow drag. */
  stepMs?: number;
  /** Milliseconds the finger rests at the end before lifting (a rest stops a fling). */
  restMs?: number;
}

export class Touch {
  private cdp: CDPSession | null = null;
  /** The events' clock, seconds since the epoch; only ever moves on. */
  private clock = Date.now() / 1000;

  constructor(readonly page: Page) {}

  private async session(): Promise<CDPSession> {
    this.cdp ??= await this.page.context().newCDPSession(this.page);
    return this.cdp;
  }

  private tick(ms: number): number {
    this.clock = Math.max(this.clock + ms / 1000, Date.now() / 1000);
    return this.clock;
  }

  /** One finger down at `from`, moved in steps to `to`, lifted. */
  async swipe({ from, to, steps = 10, stepMs = 16, restMs = 0 }: SwipeOptions): Promise<void> {
    const cdp = await this.session();
    const at = (step: number) => [{ x: from.x + ((to.x - from.x) * step) / steps, y: from.y + ((to.y - from.y) * step) / steps, id: 0 }];
    let time = this.tick(0);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0), timestamp: time });
    for (let step = 1; step <= steps; step++) {
      time += stepMs / 1000;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(step), timestamp: time });
    }
    if (restMs > 0) {
      time += restMs / 1000;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(steps), timestamp: time });
    }
    time += 0.008;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: time });
    this.clock = time;
  }

  /** A vertical swipe over the middle of an element by `dy` CSS pixels (negative: the finger moves up). */
  async swipeOver(target: Locator, dy: number, options: Omit<SwipeOptions, 'from' | 'to'> = {}): Promise<void> {
    const box = (await target.boundingBox())!;
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2 - dy / 2;
    await this.swipe({ from: { x, y }, to: { x, y: y + dy }, ...options });
  }

  /** One finger held still at a point for `ms` (event time), then lifted: a long press. */
  async longPress(point: { x: number; y: number }, ms = 700): Promise<void> {
    const cdp = await this.session();
    const time = this.tick(0);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ ...point, id: 0 }], timestamp: time });
    // A long press is a finger resting while time passes: the page's timer must see the time pass.
    await this.page.waitForTimeout(ms);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: this.tick(ms) });
  }

  /** A quick tap: down and up at one point. */
  async tap(point: { x: number; y: number }): Promise<void> {
    const cdp = await this.session();
    const time = this.tick(0);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ ...point, id: 0 }], timestamp: time });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [], timestamp: this.tick(60) });
  }

  async detach(): Promise<void> {
    await this.cdp?.detach();
    this.cdp = null;
  }
}
