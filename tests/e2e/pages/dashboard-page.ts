import type { Locator, Page } from 'playwright-core';

export interface DashboardCard {
  id: string;
  title: string;
  /** The status's sign and word ("⋯ Working", "! Waiting for input"). */
  status: string;
  place: string;
  /** The rows of its screen preview, as shown (empty when it has none). */
  preview: string[];
  needsYou: boolean;
}

/** The dashboard (/dashboard): every running terminal, the ones needing the owner first. */
export class DashboardPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/dashboard');
    await this.page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    // Loaded: a terminal's card, or the note that none runs.
    await this.page.locator('.dash-terminal, main .empty:not([hidden])').first().waitFor();
  }

  get list(): Locator {
    return this.page.getByRole('list', { name: 'Running terminals' });
  }

  card(sessionId: string): Locator {
    return this.page.locator(`.dash-terminal[data-terminal-id="${sessionId}"]`);
  }

  /** Every card, top to bottom, as the page shows it. */
  async cards(): Promise<DashboardCard[]> {
    return this.page.locator('.dash-terminal').evaluateAll((items) =>
      items.map((item) => ({
        id: item.getAttribute('data-terminal-id') ?? '',
        title: item.querySelector('.dash-title')?.textContent ?? '',
        status: [item.querySelector('.status-glyph')?.textContent, item.querySelector('.status-word')?.textContent].filter(Boolean).join(' '),
        place: item.querySelector('.dash-place')?.textContent ?? '',
        preview: Array.from(item.querySelectorAll('.dash-preview-line'), (line) => line.textContent ?? ''),
        needsYou: item.getAttribute('data-needs-you') === 'true',
      })),
    );
  }

  /** A terminal's screen preview (the block on its card). */
  preview(sessionId: string): Locator {
    return this.card(sessionId).getByRole('group', { name: 'Screen preview' });
  }

  /** Taps a terminal's card (its title's link covers it): the terminals screen opens on it. */
  async openTerminal(sessionId: string): Promise<void> {
    // Near the card's top left: the status line, which the title's stretched link covers.
    await this.card(sessionId).tap({ position: { x: 12, y: 12 } });
    await this.page.waitForURL((url) => url.pathname.startsWith('/terminals') && url.searchParams.get('session') === sessionId);
  }
}
