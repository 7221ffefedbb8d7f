import type { Page } from 'playwright-core';

/** The operations screen (/operations). */
export class OperationsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/operations');
    await this.page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
    await this.page.getByRole('button', { name: 'Run backup now' }).waitFor();
  }

  runButton(name: string) {
    return this.page.getByRole('button', { name: `Run ${name} now` });
  }

  async runJob(name: string): Promise<void> {
    await this.runButton(name).click();
  }

  /** Focuses the job's button and presses Enter, as a keyboard user would. */
  async runJobWithKeyboard(name: string): Promise<void> {
    await this.runButton(name).focus();
    await this.page.keyboard.press('Enter');
  }

  get healthCard() {
    return this.page.getByRole('region', { name: 'Health' });
  }
}
