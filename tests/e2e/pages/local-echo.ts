// Predictive local echo in the browser (issue 22 §1): forcing it on for a page, a link whose output
// the test holds back (the round trip as long as the test wants, with no timing), and what the page
// draws over the terminal.
import type { Page, WebSocketRoute } from 'playwright-core';
import type { PaneSlot } from './terminals.js';

declare const document: { querySelector(selector: string): { textContent: string | null; title?: string; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> } | null };
declare const localStorage: { setItem(key: string, value: string): void };
declare const window: Record<string, unknown> & { setInterval(callback: () => void, ms: number): number; clearInterval(handle: number): void };

/** This device's setting (local-echo-setting.ts), before the app reads it. */
export async function forceLocalEcho(page: Page, mode: 'on' | 'off'): Promise<void> {
  await page.addInitScript((value) => {
    try {
      localStorage.setItem('shellport.terminals.localEcho', value);
    } catch {
      // Pages of other origins (the fake GitHub's) may refuse storage.
    }
  }, mode);
}

/**
 * Routes the page's terminal sockets through the test: what the page sends goes straight on, what
 * the server sends waits while `hold()` is in force — a long round trip the test ends with `release()` —
 * or, with `delayMs`, that long (a slow link; the same delay for every message keeps their order).
 */
export class HeldLink {
  delayMs = 0;
  private held = false;
  private readonly queue: Array<{ page: WebSocketRoute; message: string | Buffer }> = [];

  static async route(page: Page): Promise<HeldLink> {
    const link = new HeldLink();
    await page.routeWebSocket(/\/ws\/terminals$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (link.held) link.queue.push({ page: ws, message });
        else if (link.delayMs > 0) setTimeout(() => ws.send(message), link.delayMs);
        else ws.send(message);
      });
    });
    return link;
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    for (const { page, message } of this.queue.splice(0)) page.send(message);
  }
}

/** The characters drawn as guesses over a pane's terminal ('' when none). */
export function predictedText(page: Page, slot: PaneSlot = 0): Promise<string> {
  return page.evaluate((selector) => {
    const layer = document.querySelector(selector);
    if (!layer) return '';
    return Array.from(layer.querySelectorAll('.term-prediction'), (cell) => cell.textContent ?? '').join('');
  }, `.term-view[data-slot="${slot}"] .term-predictions:not([hidden])`);
}

/** Waits until no guess is drawn over the pane. */
export async function waitForNoPrediction(page: Page, slot: PaneSlot = 0): Promise<void> {
  await page.waitForFunction(
    (selector) => (document.querySelector(selector)?.querySelectorAll('.term-prediction').length ?? 0) === 0,
    `.term-view[data-slot="${slot}"] .term-predictions:not([hidden])`,
  );
}

/**
 * Samples the pane every few milliseconds until `stop()`: whether any guess was drawn, and whether
 * any of `secrets` showed in the terminal's rows or over them.
 */
export async function watchPane(page: Page, secrets: string[], slot: PaneSlot = 0): Promise<{ stop(): Promise<{ predicted: boolean; secretSeen: string | null }> }> {
  await page.evaluate(
    ({ rows, layer, secrets }) => {
      const seen = { predicted: false, secretSeen: null as string | null };
      window.__paneWatch = seen;
      window.__paneWatchTimer = window.setInterval(() => {
        const overlay = document.querySelector(layer);
        const drawn = overlay ? Array.from(overlay.querySelectorAll('.term-prediction'), (cell) => cell.textContent ?? '').join('') : '';
        if (drawn) seen.predicted = true;
        const text = (document.querySelector(rows)?.textContent ?? '') + drawn;
        seen.secretSeen ??= secrets.find((secret) => text.includes(secret)) ?? null;
      }, 5);
    },
    { rows: `.term-view[data-slot="${slot}"] .xterm-rows`, layer: `.term-view[data-slot="${slot}"] .term-predictions:not([hidden])`, secrets },
  );
  return {
    stop: () =>
      page.evaluate(() => {
        window.clearInterval(window.__paneWatchTimer as number);
        return window.__paneWatch as { predicted: boolean; secretSeen: string | null };
      }),
  };
}

/** The connection indicator's tooltip (it names the measured round trip). */
export function connectionTooltip(page: Page): Promise<string> {
  return page.evaluate(() => document.querySelector('.term-conn')?.title ?? '');
}
