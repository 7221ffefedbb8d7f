import type { Page } from 'playwright-core';

/** The header and navigation every signed-in screen shares. */
export class AppShell {
  constructor(readonly page: Page) {}

  get nav() {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  async goTo(name: 'Dashboard' | 'Workspaces' | 'Terminals' | 'Approvals' | 'Settings' | 'Operations'): Promise<void> {
    await this.nav.getByRole('link', { name: new RegExp(`^${name}`) }).click();
    await this.page.waitForURL(`**/${name.toLowerCase()}`);
    if (name !== 'Terminals') await this.page.getByRole('heading', { name, level: 1 }).waitFor();
  }

  /** The text of every notification currently shown. */
  toasts() {
    return this.page.locator('.toasts .toast');
  }
}
