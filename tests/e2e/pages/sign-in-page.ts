import type { Page } from 'playwright-core';

/** The sign-in screen (/sign-in). */
export class SignInPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/sign-in');
    await this.page.getByRole('heading', { name: /Shellport/ }).waitFor();
  }

  get webFlowButton() {
    return this.page.getByRole('link', { name: 'Sign in with GitHub' });
  }

  get deviceCodeButton() {
    return this.page.getByRole('button', { name: 'Use a device code' });
  }

  /** Clicks "Sign in with GitHub" and waits for the app to land on the workspaces screen. */
  async signInWithGitHub(): Promise<void> {
    await this.webFlowButton.click();
    await this.page.waitForURL('**/workspaces');
    await this.page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
  }
}
