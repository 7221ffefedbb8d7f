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

  get fontSizeInput() {
    return this.page.getByLabel('Terminal font size', { exact: true });
  }

  /** Types a size (or '' to empty the box) and leaves the field, which saves it. */
  async setFontSize(size: number | string): Promise<void> {
    await this.fontSizeInput.fill(String(size));
    await this.fontSizeInput.press('Tab');
  }

  /** The message shown under the font size field when what was typed cannot be saved. */
  fontSizeError() {
    return this.page.locator('.field', { has: this.fontSizeInput }).locator('.field-error');
  }

  /** The GitHub card: the connection's status and Connect/Reconnect. */
  get githubSection() {
    return this.page.getByRole('region', { name: 'GitHub' });
  }

  /** The paths the Default shell list offers (without its first entry, the default). */
  defaultShells(): Promise<string[]> {
    return this.page
      .getByLabel('Default shell', { exact: true })
      .locator('option')
      .evaluateAll((options) => options.map((option) => option.getAttribute('value') ?? '').filter(Boolean));
  }

  /** The buttons that end a session: "Sign out" (this browser) and "Revoke" (others). */
  sessionButtons() {
    return this.page.getByRole('button', { name: /^(Sign out this browser|Revoke the session)/ });
  }

  sessionRows() {
    return this.page.getByRole('table').locator('tbody tr');
  }

  /** Settings → Notifications: this browser's subscription and the list of devices. */
  get notifications() {
    return this.page.getByRole('region', { name: 'Notifications' });
  }

  /** Names this browser and turns notifications on; resolves once the card says it gets them. */
  async turnOnNotifications(name: string): Promise<void> {
    await this.notifications.getByLabel('Name of this device', { exact: true }).fill(name);
    await this.notifications.getByRole('button', { name: 'Turn on notifications' }).click();
    await this.notifications.getByRole('status').filter({ hasText: `This browser gets notifications as ${name}.` }).waitFor({ timeout: 15_000 });
  }

  /** A subscribed device in the list, by its name. */
  device(name: string) {
    return this.notifications.getByRole('listitem').filter({ has: this.page.getByRole('heading', { name, level: 4 }) });
  }

  /** Settings → Approvals. */
  get approvals() {
    return this.page.getByRole('region', { name: 'Approvals' });
  }

  /** Settings → Agent hooks: one list item per agent CLI. */
  hooks(agentName: string) {
    return this.page.getByRole('region', { name: 'Agent hooks' }).getByRole('listitem', { name: agentName });
  }
}
