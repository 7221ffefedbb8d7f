import type { Page } from 'playwright-core';

/** The operations screen (/operations). */
export class OperationsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/operations');
    await this.page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
    await this.page.getByRole('button', { name: 'Run backup now' }).waitFor();
  }

  async runJob(name: string): Promise<void> {
    await this.page.getByRole('button', { name: `Run ${name} now` }).click();
  }
}
