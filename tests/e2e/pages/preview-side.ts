// Page object for the Ports list and the preview beside the terminals (src/web/preview).
import type { FrameLocator, Locator, Page } from 'playwright-core';

export class PreviewSide {
  constructor(readonly page: Page) {}

  side(): Locator {
    return this.page.locator('.preview-side');
  }

  /** Opens the Ports list from the terminals' toolbar. */
  async openPorts(): Promise<void> {
    await this.page.locator('.preview-ports-toggle').click();
    await this.side().and(this.page.locator('[data-mode="ports"]')).waitFor();
  }

  port(port: number): Locator {
    return this.page.locator(`.preview-port[data-port="${port}"]`);
  }

  emptyText(): Locator {
    return this.page.locator('.preview-empty');
  }

  /** Opens a port's preview from the Ports list. */
  async open(port: number): Promise<void> {
    await this.port(port).getByRole('button', { name: 'Open', exact: true }).click();
    await this.side().and(this.page.locator('[data-mode="preview"]')).waitFor();
  }

  frame(): FrameLocator {
    return this.page.frameLocator('.preview-frame');
  }

  refused(): Locator {
    return this.page.locator('.preview-refused');
  }

  async back(): Promise<void> {
    await this.page.getByRole('button', { name: 'Back to the terminal' }).click();
    await this.side().waitFor({ state: 'hidden' });
  }
}
