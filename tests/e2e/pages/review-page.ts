import type { Locator, Page } from 'playwright-core';

/** The review screen of a workspace (/workspaces/:id/review): its changes, their diffs, and the ship actions. */
export class ReviewPage {
  constructor(readonly page: Page) {}

  /** From a workspace's card on /workspaces: its "Review changes" link, tapped. */
  async openFromCard(name: string): Promise<void> {
    await this.page.getByRole('listitem', { name }).getByRole('link', { name: `Review changes of ${name}` }).tap();
    await this.page.waitForURL('**/workspaces/*/review');
    await this.page.getByRole('heading', { name: `Review ${name}`, level: 1 }).waitFor();
  }

  /** The summary of the changes ("2 files changed: …", "No uncommitted changes."). */
  get summary(): Locator {
    return this.page.locator('.rv-summary');
  }

  /** The entry of one changed file in the list (its path and, in words, what happened to it). */
  fileEntry(path: string): Locator {
    return this.page.getByRole('list', { name: 'Changed files' }).getByRole('listitem').filter({ hasText: path });
  }

  /** The section holding one file's diff. */
  file(path: string): Locator {
    return this.page.locator(`details.rv-file[data-path="${path}"]`);
  }

  /** The drawn lines of a file of one kind: 'add', 'del' or 'context'. */
  lines(path: string, kind: 'add' | 'del' | 'context'): Locator {
    return this.file(path).locator(`.rv-line[data-kind="${kind}"]`);
  }

  get commitMessage(): Locator {
    return this.page.getByLabel('Commit message', { exact: true });
  }

  get commitButton(): Locator {
    return this.page.locator('[data-action="commit"]');
  }

  pushButton(branch: string): Locator {
    return this.page.getByRole('button', { name: `Push ${branch}`, exact: true });
  }

  get pullRequestTitle(): Locator {
    return this.page.getByLabel('Title', { exact: true });
  }

  get pullRequestBase(): Locator {
    return this.page.getByLabel('Merge into', { exact: true });
  }

  get openPullRequestButton(): Locator {
    return this.page.getByRole('button', { name: 'Open pull request', exact: true });
  }

  /** The open pull request's link, once there is one. */
  get pullRequestLink(): Locator {
    return this.page.locator('[data-action="pull-request-link"]');
  }

  /** A notification whose text contains `text`. */
  toast(text: string): Locator {
    return this.page.locator('.toasts .toast').filter({ hasText: text });
  }
}
