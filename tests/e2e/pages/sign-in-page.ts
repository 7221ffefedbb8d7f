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

  /** The start-up link form's field (servers that accept the start-up link). */
  get startupLinkField() {
    return this.page.getByLabel('Start-up link or token');
  }

  /** The field for the setup link, shown while nobody owns the server and this browser has not opened it. */
  get setupField() {
    return this.page.getByLabel('Setup link or token');
  }

  /** The code a device-code sign-in waiting for approval shows, to be found on the approval page. */
  get requestCode() {
    return this.page.getByLabel('Your request code');
  }

  /** GitHub's code, once the device-code sign-in may go on to GitHub. */
  get deviceCode() {
    return this.page.getByLabel('Your device code');
  }

  /** Clicks "Use a device code" and waits until the page shows either a request code or GitHub's code. */
  async startDeviceCode(): Promise<void> {
    await this.deviceCodeButton.click();
    await this.page.locator('.device-code').waitFor();
  }

  /** Pastes `link` (the whole printed link, or the token) into the start-up link form and waits for the workspaces screen. */
  async signInWithStartupLink(link: string): Promise<void> {
    await this.startupLinkField.fill(link);
    await this.page.locator('form.token-form').getByRole('button', { name: 'Sign in' }).click();
    await this.page.waitForURL('**/workspaces');
    await this.page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
  }

  /** Clicks "Sign in with GitHub" and waits for the app to land on the workspaces screen. */
  async signInWithGitHub(): Promise<void> {
    await this.webFlowButton.click();
    await this.page.waitForURL('**/workspaces');
    await this.page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
  }
}
