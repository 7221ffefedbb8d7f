import type { Page } from 'playwright-core';

// The browser's document inside page.evaluate() (the Node type-check has no DOM library).
declare const document: { documentElement: { dataset: Record<string, string | undefined> } };

export type ThemeLabel = 'Dark' | 'Light' | 'High contrast';

/** The settings screen (/settings). */
export class SettingsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/settings');
    await this.page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await this.page.getByRole('heading', { name: 'Signed-in browsers' }).waitFor();
  }

  async chooseTheme(label: ThemeLabel): Promise<void> {
    await this.page.getByRole('radio', { name: label }).check();
  }

  /** The theme the page shows: <html data-theme>. */
  currentTheme(): Promise<string | null> {
    return this.page.evaluate(() => document.documentElement.dataset.theme ?? null);
  }

  async setFontSize(size: number): Promise<void> {
    const input = this.page.getByLabel('Terminal font size', { exact: true });
    await input.fill(String(size));
    await input.press('Tab');
  }

  sessionRows() {
    return this.page.getByRole('table').locator('tbody tr');
  }
}
