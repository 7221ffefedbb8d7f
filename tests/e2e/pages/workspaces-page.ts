import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** The workspaces screen (/workspaces) and the add-workspace screen (/workspaces/new). */
export class WorkspacesPage {
  constructor(readonly page: Page) {}

  async open(): Promise<void> {
    await this.page.goto('/workspaces');
    await this.page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
  }

  /** The card of one workspace, found by its heading. */
  card(name: string): Locator {
    return this.page.getByRole('listitem', { name });
  }

  async openAddWorkspace(): Promise<void> {
    await this.page.getByRole('link', { name: 'Add workspace' }).click();
    await this.page.getByRole('heading', { name: 'Add workspace', level: 1 }).waitFor();
  }

  async searchRepositories(text: string): Promise<void> {
    await this.page.getByLabel('Search repositories', { exact: true }).fill(text);
  }

  /** Clicks "Add" next to a repository in the picker; the app returns to the workspace list. */
  async addFromPicker(fullName: string): Promise<void> {
    await this.page.getByRole('button', { name: `Add ${fullName}` }).click();
    await this.page.waitForURL(isWorkspacesList);
  }

  get gitUrlInput() {
    return this.page.getByLabel('Git URL', { exact: true });
  }

  /** "Edit URL" on a failed clone's card: the add-workspace screen with its URL to correct. */
  async editUrlOf(name: string): Promise<void> {
    await this.card(name).getByRole('link', { name: `Edit the URL of ${name}` }).click();
    await this.page.getByRole('heading', { name: 'Add workspace', level: 1 }).waitFor();
  }

  async cloneUrl(url: string): Promise<void> {
    await this.gitUrlInput.fill(url);
    await this.page.getByRole('button', { name: 'Clone URL' }).click();
  }

  /** Resolves when the card shows a cloned workspace (its facts and the "Open terminal" link). */
  async waitUntilReady(name: string): Promise<Locator> {
    const card = this.card(name);
    await card.getByRole('link', { name: 'Open terminal' }).waitFor({ timeout: 30_000 });
    return card;
  }

  /** The card's More button, which opens the menu of its less common actions. */
  moreButton(name: string): Locator {
    return this.card(name).getByRole('button', { name: 'More', exact: true });
  }

  /** Chooses an action from the card's More menu: Fetch, Switch branch, Environment variables or Delete. */
  async chooseFromMenu(name: string, item: 'Fetch' | 'Switch branch' | 'Environment variables' | 'Delete'): Promise<void> {
    await this.moreButton(name).click();
    await this.card(name).getByRole('menuitem', { name: item, exact: true }).click();
  }

  /** The value of one of the card's facts ("Branch", "Upstream", "Changed files"…). */
  fact(name: string, term: string): Locator {
    return this.card(name).locator('.facts > div').filter({ has: this.page.locator('dt', { hasText: term }) }).locator('dd');
  }

  /** The badge by the card's name that says what the workspace is doing ("1 terminal running · 2 files changed"). */
  activity(name: string): Locator {
    return this.card(name).locator('.workspace-activity');
  }

  /** The GitHub connection's notice (it needs renewing…), with its Reconnect link, on the list or on Add workspace. */
  githubNotice(): Locator {
    return this.page.locator('.notice');
  }

  async openTerminal(name: string): Promise<void> {
    await this.card(name).getByRole('link', { name: 'Open terminal' }).click();
    await this.page.waitForURL('**/terminals/*');
  }
}

/** The workspace list, with or without the `added` mark of a workspace just added. */
export const isWorkspacesList = (url: URL) => url.pathname === '/workspaces';

/** Creates a workspace of `owner/name` through the API and waits until its clone is ready; its id. */
export async function createWorkspace(page: Page, repo: string): Promise<string> {
  const created = await page.evaluate(async (name) => {
    const response = await fetch('/api/workspaces', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ repo: name }) });
    return (await response.json()) as { workspace: { id: string } };
  }, repo);
  const id = created.workspace.id;
  await expect
    .poll(async () => page.evaluate(async (workspaceId) => ((await (await fetch(`/api/workspaces/${workspaceId}`)).json()) as { workspace: { cloneState: string } }).workspace.cloneState, id), { timeout: 20_000 })
    .toBe('ready');
  return id;
}
