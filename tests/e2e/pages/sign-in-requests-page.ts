import type { Page } from 'playwright-core';

/** Sign-in requests (/sign-in-requests, also a section of Settings): other browsers' device-code sign-ins awaiting approval. */
export class SignInRequestsPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/sign-in-requests');
    await this.page.getByRole('heading', { name: 'Sign-in requests', level: 1 }).waitFor();
  }

  /** The request that shows `code`, once it has appeared (the list refreshes by itself). */
  request(code: string) {
    return this.page.locator('.sign-in-request').filter({ hasText: code });
  }

  async approve(code: string): Promise<void> {
    await this.request(code).getByRole('button', { name: `Approve the sign-in with code ${code}` }).click();
    await this.request(code).waitFor({ state: 'detached' });
  }

  async deny(code: string): Promise<void> {
    await this.request(code).getByRole('button', { name: `Deny the sign-in with code ${code}` }).click();
    await this.request(code).waitFor({ state: 'detached' });
  }
}
