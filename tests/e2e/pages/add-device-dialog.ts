import type { Page } from 'playwright-core';

/** Settings → Add a device (src/web/screens/add-device.ts): the card's button and the dialog with the code. */
export class AddDeviceDialog {
  constructor(readonly page: Page) {}

  get section() {
    return this.page.getByRole('region', { name: 'Add a device' });
  }

  get dialog() {
    return this.page.getByRole('dialog', { name: 'Add a device' });
  }

  get qrCode() {
    return this.dialog.getByRole('img', { name: /Sign-in code for your phone/ });
  }

  get countdown() {
    return this.dialog.locator('.device-link-countdown');
  }

  /** Opens the dialog; resolves once it shows a link. */
  async open(): Promise<void> {
    await this.section.getByRole('button', { name: 'Add a device' }).click();
    await this.dialog.waitFor();
    await this.dialog.locator('.device-link-url').filter({ hasText: '/auth/device-link/' }).waitFor();
  }

  /**
   * The link the QR code holds, read from the page's text: a test browser has no camera to scan the
   * code with, and the dialog shows the same link as text for exactly that kind of device.
   */
  async link(): Promise<string> {
    return (await this.dialog.locator('.device-link-url').textContent())!.trim();
  }

  async close(): Promise<void> {
    await this.dialog.getByRole('button', { name: 'Close' }).click();
    await this.dialog.waitFor({ state: 'detached' });
  }
}
