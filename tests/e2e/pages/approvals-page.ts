import type { Locator, Page } from 'playwright-core';

export type Decision = 'Allow' | 'Allow for this session' | 'Deny';

/** The approvals inbox (/approvals): requests waiting for an answer, and the latest answered. */
export class ApprovalsPage {
  /** `touch`: a phone's page (hasTouch), where buttons are tapped; else clicked. */
  constructor(
    readonly page: Page,
    private readonly options: { touch?: boolean } = {},
  ) {}

  async open(): Promise<void> {
    await this.page.goto('/approvals');
    await this.page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    await this.page.getByRole('heading', { name: 'Waiting for you', level: 2 }).waitFor();
  }

  get waiting(): Locator {
    return this.page.getByRole('region', { name: 'Waiting for you' });
  }

  get answered(): Locator {
    return this.page.getByRole('region', { name: 'Answered recently' });
  }

  /** A waiting request's card, by its one-line summary (the command, the file, the URL). */
  request(summary: string): Locator {
    return this.waiting.getByRole('listitem').filter({ has: this.page.getByRole('heading', { name: summary, level: 3 }) });
  }

  /** An answered request's entry, by its summary. */
  answeredRequest(summary: string): Locator {
    return this.answered.getByRole('listitem').filter({ has: this.page.getByRole('heading', { name: summary, level: 3 }) });
  }

  /** Taps a decision on a request (with a reason for Deny when given). */
  async answer(summary: string, decision: Decision, reason?: string): Promise<void> {
    const card = this.request(summary);
    if (reason !== undefined) await card.getByLabel(/^Reason, if you deny/).fill(reason);
    const button = card.getByRole('button', { name: decision, exact: true });
    await (this.options.touch ? button.tap() : button.click());
  }

  /** What the card says after an answer (the outcome, or why it did not count). */
  result(summary: string): Locator {
    return this.request(summary).getByRole('status');
  }

  /** The navigation's count of waiting requests ('' when none show). */
  async badge(): Promise<string> {
    const count = this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Approvals/ }).locator('.nav-count');
    return (await count.isVisible()) ? ((await count.locator('.nav-count-number').textContent()) ?? '') : '';
  }
}
