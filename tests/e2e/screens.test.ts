// The web app's screens in a real Chromium against the real server and the fake GitHub:
// sign-in, adding a workspace from the repository picker with live clone progress, settings
// (theme), operations, errors in words, and a phone-sized layout. Screenshots go to test-artifacts/.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GITHUB_STATE_TEXT } from '../../src/shared/github.js';
import { useE2E } from './fixture.js';
import { AppShell } from './pages/app-shell.js';
import { OperationsPage } from './pages/operations-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace, isWorkspacesList, WorkspacesPage } from './pages/workspaces-page.js';

// Browser globals used inside page.evaluate() callbacks (the Node type-check has no DOM library).
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;
declare const MutationObserver: any;

const fixture = useE2E();

describe('web app screens', () => {
  it('signs in through the GitHub web flow from the sign-in screen', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    // Signed out, any screen leads to the sign-in screen.
    await page.goto('/settings');
    await page.waitForURL('**/sign-in');
    const signIn = new SignInPage(page);
    await signIn.webFlowButton.waitFor();
    // With the web flow configured, the device flow is off (GITHUB_DEVICE_FLOW=auto; sign-in.test.ts turns it on).
    await expect(signIn.deviceCodeButton.count()).resolves.toBe(0);
    await e2e.screenshot(page, 'sign-in');
    // Finding out that nobody is signed in costs no refused request (/auth/options says so).
    expect(e2e.consoleProblems(page)).toEqual([]);
    await signIn.open();

    e2e.fake.signInBrowserAs('octocat');
    // Keyboard first: the skip link, then the sign-in link, reached with Tab and followed with Enter.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect(signIn.webFlowButton.evaluate((link) => link === document.activeElement)).resolves.toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/workspaces');
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    await expect(page.getByText('@octocat').isVisible()).resolves.toBe(true);
    await expect(page.getByText('No workspaces yet').isVisible()).resolves.toBe(true);
    // The empty list offers the two ways to start: a workspace, or a terminal in the home directory.
    const empty = page.locator('.empty');
    await expect(empty.getByRole('link', { name: 'Add your first workspace' }).getAttribute('href')).resolves.toBe('/workspaces/new');
    await expect(empty.getByRole('link', { name: 'Open a terminal' }).getAttribute('href')).resolves.toBe('/terminals');
    await e2e.screenshot(page, 'workspaces-empty');
    // Signed in, the sign-in screen has nothing to offer: it moves on.
    await page.goto('/sign-in');
    await page.waitForURL('**/workspaces');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('adds a workspace from the repository picker and shows the clone progress until it is done', async () => {
    const e2e = fixture();
    await e2e.addRepo('big-project', { megabytes: 12, description: 'Plenty of bytes to clone' });
    await e2e.addRepo('other-thing');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    // On a desktop the search box is ready for typing.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'q');

    // The picker lists both repositories; the search narrows it down.
    await page.getByRole('button', { name: 'Add octocat/other-thing' }).waitFor();
    await workspaces.searchRepositories('bytes');
    await page.getByRole('button', { name: 'Add octocat/other-thing' }).waitFor({ state: 'detached' });
    await e2e.screenshot(page, 'add-workspace');

    // Record every progress label the card shows, from the moment the list appears.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { progressSeen: string[] }).progressSeen = seen;
      new MutationObserver(() => {
        for (const label of document.querySelectorAll('.progress-label')) {
          const text = label.textContent ?? '';
          if (seen[seen.length - 1] !== text) seen.push(text);
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await workspaces.addFromPicker('octocat/big-project');
    const card = await workspaces.waitUntilReady('octocat/big-project');
    // The clone has ended, and so has its progress toast (it turns into "Cloned …" or has faded).
    await expect(new AppShell(page).toasts().filter({ hasText: 'Cloning octocat/big-project' }).count()).resolves.toBe(0);
    const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.some((text) => /\d+%/.test(text))).toBe(true);
    // While receiving, how much has arrived: a slow clone looks slow, not stuck.
    expect(seen.some((text) => /^Receiving objects — \d+% · [\d.]+ [KMG]?i?B/.test(text)), seen.join(' | ')).toBe(true);

    // What the workspace is doing, in words (not "Idle").
    await expect(workspaces.activity('octocat/big-project').textContent()).resolves.toBe('No changes, no terminal running');
    await expect(card.locator('dd').first().textContent()).resolves.toBe('main');
    await expect(card.locator('progress').count()).resolves.toBe(0);
    const listed = (await e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: await sessionCookie(page) } })).json().workspaces;
    expect(listed.find((w: { name: string }) => w.name === 'octocat/big-project')).toMatchObject({ name: 'octocat/big-project', cloneState: 'ready' });

    // Fetch from the card's More menu; then the branch switcher (from the same menu) lists the other branch.
    await workspaces.chooseFromMenu('octocat/big-project', 'Fetch');
    await new AppShell(page).toasts().filter({ hasText: 'Fetched octocat/big-project.' }).waitFor();
    await workspaces.chooseFromMenu('octocat/big-project', 'Switch branch');
    await card.getByRole('heading', { name: 'Switch branch', level: 3 }).waitFor();
    await expect(card.getByLabel('Branch', { exact: true }).inputValue()).resolves.toBe('main');
    await expect(card.getByLabel('Branch', { exact: true }).evaluate((select) => select === document.activeElement)).resolves.toBe(true);
    await e2e.screenshot(page, 'workspaces');

    // The picker now marks it as a workspace.
    await workspaces.openAddWorkspace();
    await page.getByText('Already a workspace').waitFor();
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('shows API errors in words and deletes a workspace only after typed confirmation', async () => {
    const e2e = fixture();
    await e2e.addRepo('to-delete');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();

    await workspaces.cloneUrl('https://someone:secret@example.com/team/project.git');
    const error = page.getByRole('alert').filter({ hasText: /user name|password|credentials/i });
    await error.waitFor();
    await expect(error.textContent()).resolves.not.toContain('secret');

    // The repository list is cached on the server; "Refresh list" asks GitHub again.
    await workspaces.searchRepositories('to-delete');
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await workspaces.addFromPicker('octocat/to-delete');
    const card = await workspaces.waitUntilReady('octocat/to-delete');

    // Environment variables: a name the server would refuse is explained next to the field, and not sent.
    await workspaces.chooseFromMenu('octocat/to-delete', 'Environment variables');
    const envRequests: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/env/')) envRequests.push(request.url());
    });
    const envName = card.getByLabel('Name', { exact: true });
    await envName.fill('1BAD NAME');
    await card.getByRole('button', { name: 'Save variable' }).click();
    await card.getByText('A name may use letters, digits and underscores (_), not starting with a digit').waitFor();
    await expect(envName.getAttribute('aria-invalid')).resolves.toBe('true');
    // The error replaces the hint rather than repeating it.
    expect(await card.getByText('Letters, digits and _; for example API_KEY.').isHidden()).toBe(true);
    await expect(envName.evaluate((input) => input === document.activeElement)).resolves.toBe(true);
    expect(envRequests).toEqual([]);
    // A secret is chosen first, is masked while typed, and is listed by name only.
    await card.getByLabel(/^Secret/).check();
    await card.getByLabel('Name', { exact: true }).fill('API_KEY');
    const envValue = card.getByLabel('Value', { exact: true });
    await expect(envValue.getAttribute('type')).resolves.toBe('password');
    await envValue.fill('hunter2');
    await card.getByRole('button', { name: 'Save variable' }).click();
    await card.getByRole('button', { name: 'Remove API_KEY' }).waitFor();
    await expect(card.getByText('hunter2').count()).resolves.toBe(0);
    await expect(envName.getAttribute('aria-invalid')).resolves.toBeNull();
    await expect.poll(() => envValue.getAttribute('type')).toBe('text');

    await workspaces.chooseFromMenu('octocat/to-delete', 'Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete octocat/to-delete?' });
    const confirm = dialog.getByRole('button', { name: 'Delete workspace' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    // Disabled looks disabled: hollow and dashed, unlike the red button it becomes.
    const look = () => confirm.evaluate((button) => ({ background: getComputedStyle(button).backgroundColor, border: getComputedStyle(button).borderTopStyle }));
    const disabledLook = await look();
    await dialog.getByRole('textbox').fill('octocat/to-delete');
    const enabledLook = await look();
    expect(disabledLook.border).toBe('dashed');
    expect(enabledLook.border).toBe('solid');
    expect(disabledLook.background).not.toBe(enabledLook.background);
    await confirm.click();
    await card.waitFor({ state: 'detached' });
    await page.getByText('Deleted octocat/to-delete.').waitFor();
    const listed = (await e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: await sessionCookie(page) } })).json().workspaces;
    expect(listed.map((w: { name: string }) => w.name)).not.toContain('octocat/to-delete');
    // The only console output is Chromium's note about the refused request (HTTP 400).
    expect(e2e.consoleProblems(page).filter((line) => !/Failed to load resource: .*status of 400/.test(line))).toEqual([]);
  });

  it('offers to correct the URL of a failed clone, and the corrected clone replaces it', async () => {
    const e2e = fixture();
    await e2e.addRepo('fixed-repo');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    // An SSH URL (what GitHub's Code button shows first) is answered next to the field, with the https URL to use.
    await workspaces.cloneUrl('git@github.com:octocat/fixed-repo.git');
    const urlError = page.locator('.field-error').filter({ hasText: 'SSH URLs cannot be cloned here' });
    await urlError.waitFor();
    await urlError.getByRole('button', { name: 'Use this URL' }).click();
    await expect(workspaces.gitUrlInput.inputValue()).resolves.toBe('https://github.com/octocat/fixed-repo.git');
    expect(await urlError.count()).toBe(0);

    const typo = 'https://127.0.0.1:1/nope/missing.git';
    await workspaces.cloneUrl(typo);
    await page.waitForURL(isWorkspacesList);
    // The new workspace is in view and marked, wherever the list put it.
    expect(new URL(page.url()).searchParams.get('added')).toMatch(/\S+/);
    const failed = workspaces.card('127.0.0.1-1/missing');
    await failed.getByText('Error', { exact: true }).waitFor({ timeout: 20_000 });

    await workspaces.editUrlOf('127.0.0.1-1/missing');
    await expect(workspaces.gitUrlInput.inputValue()).resolves.toBe(typo);
    await expect(workspaces.gitUrlInput.evaluate((input) => input === document.activeElement)).resolves.toBe(true);
    await workspaces.cloneUrl(`${e2e.fake.url}/octocat/fixed-repo.git`);
    await page.waitForURL(isWorkspacesList);
    await expect.poll(() => workspaces.card('octocat/fixed-repo').evaluate((card) => card.classList.contains('workspace-added'))).toBe(true);
    await workspaces.waitUntilReady('octocat/fixed-repo');
    await expect(failed.count()).resolves.toBe(0);
    const listed = (await e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie: await sessionCookie(page) } })).json().workspaces;
    expect(listed.map((w: { name: string }) => w.name)).not.toContain('127.0.0.1-1/missing');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('checks the font size before saving it and explains a wrong one next to the field', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const settings = new SettingsPage(page);
    await settings.open();
    const patches: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PATCH' && request.url().endsWith('/api/settings')) patches.push(request.postData() ?? '');
    });
    const shell = new AppShell(page);

    for (const typed of ['99', '', '3']) {
      await settings.setFontSize(typed);
      await expect(settings.fontSizeError().textContent()).resolves.toBe('Font size must be a whole number between 8 and 32. Nothing was saved: terminals still use 14.');
      await expect(settings.fontSizeInput.getAttribute('aria-invalid')).resolves.toBe('true');
      // Read with the field by screen readers.
      const describedBy = (await settings.fontSizeInput.getAttribute('aria-describedby')) ?? '';
      expect(describedBy.split(' ')).toContain(await settings.fontSizeError().getAttribute('id'));
    }
    expect(patches).toEqual([]);
    await expect(shell.toasts().count()).resolves.toBe(0);
    const saved = await e2e.app.inject({ method: 'GET', url: '/api/settings', headers: { cookie: await sessionCookie(page) } });
    expect(saved.json().settings.fontSize).toBe(14);

    await settings.setFontSize(16);
    await shell.toasts().filter({ hasText: 'Terminal font size: 16.' }).waitFor();
    await expect(settings.fontSizeError().count()).resolves.toBe(0);
    await expect(settings.fontSizeInput.getAttribute('aria-invalid')).resolves.toBeNull();
    expect(patches).toEqual([JSON.stringify({ fontSize: 16 })]);

    const reset = await e2e.app.inject({ method: 'PATCH', url: '/api/settings', headers: { cookie: await sessionCookie(page), origin: e2e.baseUrl }, payload: { fontSize: 14 } });
    expect(reset.statusCode).toBe(200);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('lists workspaces at once and fills in their git status; deleting names what would be lost; the variables panel lines up', async () => {
    const e2e = fixture();
    await e2e.addRepo('busy-repo');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaceId = await createWorkspace(page, 'octocat/busy-repo');
    // A running terminal with an uncommitted file in the workspace.
    const terminals = new TerminalsPage(page);
    await terminals.open(`/terminals/${workspaceId}`);
    await terminals.run('touch new-file; echo made-$((6*7))');
    await terminals.waitForLine(/^made-42$/);

    // While the list is on its way the screen says so; then the cards show before their git status.
    const list = await holdRequests(page, (url) => url.pathname === '/api/workspaces');
    const status = await holdRequests(page, (url) => url.pathname.endsWith('/status'));
    await new AppShell(page).goTo('Workspaces');
    await page.getByText('Loading workspaces…').waitFor();
    await list.release();
    const workspaces = new WorkspacesPage(page);
    const card = workspaces.card('octocat/busy-repo');
    await card.getByRole('link', { name: 'Open terminal' }).waitFor();
    await expect(card.locator('dd').first().textContent()).resolves.toBe('Loading…');
    await expect(page.getByText('Loading workspaces…').count()).resolves.toBe(0);
    await expect(workspaces.activity('octocat/busy-repo').textContent()).resolves.toBe('1 terminal running');
    await status.release();
    await expect.poll(() => card.locator('dd').first().textContent()).toBe('main');
    // With the git status, the badge says what is going on in the workspace, not only its terminals.
    await expect.poll(() => workspaces.activity('octocat/busy-repo').textContent()).toBe('1 terminal running · 1 file changed');

    // The delete dialog says what the card shows: a running terminal and an uncommitted file.
    await workspaces.chooseFromMenu('octocat/busy-repo', 'Delete');
    const dialog = page.getByRole('dialog', { name: 'Delete octocat/busy-repo?' });
    await expect(dialog.textContent()).resolves.toContain('1 terminal is running and will be ended; 1 file has uncommitted changes that will be lost.');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    // Cancelled, the keyboard is back on the More button the deletion came from.
    const more = workspaces.moreButton('octocat/busy-repo');
    await expect.poll(() => more.evaluate((button) => button === document.activeElement)).toBe(true);

    // The variables panel has a heading, its fields line up, and its menu item says it is open (and looks it).
    const envItem = card.getByRole('menuitem', { name: 'Environment variables' });
    const look = () => envItem.evaluate((item) => `${getComputedStyle(item).borderLeftColor} ${getComputedStyle(item).fontWeight}`);
    await more.click();
    const closedLook = await look();
    await expect(envItem.getAttribute('aria-expanded')).resolves.toBe('false');
    await envItem.click();
    await card.getByRole('heading', { name: 'Environment variables', level: 3 }).waitFor();
    await more.click();
    await expect(envItem.getAttribute('aria-expanded')).resolves.toBe('true');
    expect(await look()).not.toBe(closedLook);
    await page.keyboard.press('Escape');
    const nameTop = (await card.getByLabel('Name', { exact: true }).boundingBox())!.y;
    const valueTop = (await card.getByLabel('Value', { exact: true }).boundingBox())!.y;
    expect(Math.abs(nameTop - valueTop)).toBeLessThan(1);
    // Its close button (or Escape in it) closes it and gives the keyboard back to More.
    await card.getByRole('button', { name: 'Close the environment variables' }).click();
    await card.getByRole('heading', { name: 'Environment variables', level: 3 }).waitFor({ state: 'detached' });
    await expect(more.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    await more.click();
    await expect(envItem.getAttribute('aria-expanded')).resolves.toBe('false');
    await envItem.click();
    await expect.poll(() => card.getByLabel(/^Secret/).evaluate((input) => input === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');
    await card.getByRole('heading', { name: 'Environment variables', level: 3 }).waitFor({ state: 'detached' });
    await expect(more.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('keeps Open terminal and Pull on a card and the rest in a More menu that works by keyboard, pointer and touch', async () => {
    const e2e = fixture();
    await e2e.addRepo('menu-repo');
    await e2e.addRepo('menu-next');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    // Two cards: the first one's menu opens over the second.
    await createWorkspace(page, 'octocat/menu-repo');
    await createWorkspace(page, 'octocat/menu-next');
    const name = 'octocat/menu-repo';
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    const card = await workspaces.waitUntilReady(name);
    const more = workspaces.moreButton(name);
    const menu = card.getByRole('menu');
    const focused = () => page.evaluate(() => document.activeElement?.textContent);
    const isFocused = (locator: typeof more) => locator.evaluate((element) => element === document.activeElement);

    // On the card: the primary action, Pull, and More, a closed menu button.
    const actions = card.locator('.actions');
    await expect(actions.getByRole('link').allTextContents()).resolves.toEqual(['Open terminal']);
    await expect(actions.getByRole('button').count()).resolves.toBe(2);
    await expect(actions.getByRole('button', { name: 'Pull', exact: true }).isVisible()).resolves.toBe(true);
    await expect(more.getAttribute('aria-haspopup')).resolves.toBe('menu');
    await expect(more.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(menu.count()).resolves.toBe(0);

    // Keyboard: Enter opens it on its first item, the arrows move round it, Escape closes it back onto More.
    await more.focus();
    await page.keyboard.press('Enter');
    await menu.waitFor();
    await expect(more.getAttribute('aria-expanded')).resolves.toBe('true');
    await expect(menu.getByRole('menuitem').allTextContents()).resolves.toEqual(['Fetch', 'Switch branch', 'Environment variables', 'Delete']);
    await expect.poll(focused).toBe('Fetch');
    for (const [key, item] of [['ArrowDown', 'Switch branch'], ['ArrowDown', 'Environment variables'], ['ArrowUp', 'Switch branch'], ['Home', 'Fetch'], ['ArrowUp', 'Delete'], ['ArrowDown', 'Fetch'], ['End', 'Delete']] as const) {
      await page.keyboard.press(key);
      await expect.poll(focused, { message: `${key} → ${item}` }).toBe(item);
    }
    // Delete is marked as dangerous: its own colour among the items.
    await page.keyboard.press('Home');
    const colour = (item: string) => menu.getByRole('menuitem', { name: item }).evaluate((element) => getComputedStyle(element).color);
    expect(await colour('Delete')).not.toBe(await colour('Switch branch'));
    await expect(colour('Fetch')).resolves.toBe(await colour('Switch branch'));
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    await expect(more.getAttribute('aria-expanded')).resolves.toBe('false');
    await expect(isFocused(more)).resolves.toBe(true);
    // ArrowUp opens it on its last item; Tab leaves it closed.
    await page.keyboard.press('ArrowUp');
    await menu.waitFor();
    await expect.poll(focused).toBe('Delete');
    await page.keyboard.press('Tab');
    await menu.waitFor({ state: 'hidden' });

    // Pointer: a click opens it, whole and on top of the next card; a click elsewhere closes it.
    await more.click();
    await menu.waitFor();
    await expect(itemsNotWholeOrCovered(menu)).resolves.toEqual([]);
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).click();
    await menu.waitFor({ state: 'hidden' });
    await expect(more.getAttribute('aria-expanded')).resolves.toBe('false');

    // An item chosen with the keyboard: its panel opens below the card, with the keyboard in it.
    await more.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await card.getByRole('heading', { name: 'Switch branch', level: 3 }).waitFor();
    await menu.waitFor({ state: 'hidden' });
    await expect.poll(() => isFocused(card.getByLabel('Branch', { exact: true }))).toBe(true);
    await e2e.screenshot(page, 'workspace-menu');
    expect(e2e.consoleProblems(page)).toEqual([]);

    // A phone, by touch: the menu is whole on screen; a tap elsewhere closes it, a tap on an item chooses it.
    const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await e2e.signIn(phone);
    const onPhone = new WorkspacesPage(phone);
    await onPhone.open();
    await onPhone.waitUntilReady(name);
    const phoneMenu = onPhone.card(name).getByRole('menu');
    await onPhone.moreButton(name).tap();
    await phoneMenu.waitFor();
    await expect(itemsNotWholeOrCovered(phoneMenu)).resolves.toEqual([]);
    await e2e.screenshot(phone, 'phone-workspace-menu');
    await phone.getByRole('heading', { name: 'Workspaces', level: 1 }).tap();
    await phoneMenu.waitFor({ state: 'hidden' });
    await onPhone.moreButton(name).tap();
    await phoneMenu.getByRole('menuitem', { name: 'Environment variables' }).tap();
    await onPhone.card(name).getByRole('heading', { name: 'Environment variables', level: 3 }).waitFor();
    expect(e2e.consoleProblems(phone)).toEqual([]);
    }, 60_000);

  it('says in a few words how a branch stands against its upstream: up to date, ahead, behind or both', async () => {
    const e2e = fixture();
    await e2e.addRepo('sync-repo');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const id = await createWorkspace(page, 'octocat/sync-repo');
    const { localPath } = (await e2e.app.inject({ method: 'GET', url: `/api/workspaces/${id}`, headers: { cookie: await sessionCookie(page) } })).json().workspace as { localPath: string };
    // Commits made in the workspace's directory, as a terminal would.
    const git = (...args: string[]) => execFileSync('git', ['-C', localPath, '-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { stdio: 'ignore' });
    const name = 'octocat/sync-repo';
    const workspaces = new WorkspacesPage(page);
    const upstream = workspaces.fact(name, 'Upstream');
    const expectUpstream = async (text: string, title: string) => {
      await page.reload();
      await expect.poll(() => upstream.textContent()).toBe(text);
      await expect(upstream.getAttribute('title')).resolves.toBe(`${title} (as of the last fetch).`);
    };
    await workspaces.open();
    await expectUpstream('up to date with origin/main', 'main has the same commits as origin/main');
    git('commit', '--allow-empty', '-m', 'local work');
    await expectUpstream('1 ahead of origin/main', 'main has 1 commit not yet pushed to origin/main');
    git('reset', '--hard', 'HEAD~2');
    await expectUpstream('1 behind origin/main', 'origin/main has 1 commit not yet pulled into main');
    git('commit', '--allow-empty', '-m', 'other work');
    await expectUpstream('1 ahead, 1 behind origin/main', 'main has 1 commit that origin/main does not, and origin/main has 1 commit that main does not');
    git('reset', '--hard', 'HEAD~1');

    // Pull brings it up to date; the keyboard stays on Pull though the card is rebuilt.
    await expectUpstream('1 behind origin/main', 'origin/main has 1 commit not yet pulled into main');
    const pull = workspaces.card(name).getByRole('button', { name: 'Pull', exact: true });
    await pull.click();
    await new AppShell(page).toasts().filter({ hasText: `Pulled ${name}.` }).waitFor();
    await expect(upstream.textContent()).resolves.toBe('up to date with origin/main');
    await expect(pull.evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    expect(e2e.consoleProblems(page)).toEqual([]);
    }, 60_000);

  it('shows a refused pull’s effect on the card at once: it fetched, so the card says how far behind it now is', async () => {
    const e2e = fixture();
    await e2e.addRepo('refused-pull');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const id = await createWorkspace(page, 'octocat/refused-pull');
    const { localPath } = (await e2e.app.inject({ method: 'GET', url: `/api/workspaces/${id}`, headers: { cookie: await sessionCookie(page) } })).json().workspace as { localPath: string };
    const identity = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com'];
    execFileSync('git', ['-C', localPath, ...identity, 'commit', '--allow-empty', '-m', 'local work'], { stdio: 'ignore' });
    const name = 'octocat/refused-pull';
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    const upstream = workspaces.fact(name, 'Upstream');
    await expect.poll(() => upstream.textContent()).toBe('1 ahead of origin/main');
    await expect(workspaces.activity(name).textContent()).resolves.toBe('1 commit to push');

    // Meanwhile someone pushes to GitHub: the branches have diverged, and Pull (fast-forward only) is refused.
    const bare = e2e.fake.findRepo('octocat', 'refused-pull')!.bare!;
    const bareGit = (...args: string[]) => execFileSync('git', ['--git-dir', bare, ...identity, ...args], { encoding: 'utf8' }).trim();
    bareGit('update-ref', 'refs/heads/main', bareGit('commit-tree', 'main^{tree}', '-p', 'main', '-m', 'upstream work'));
    await workspaces.card(name).getByRole('button', { name: 'Pull', exact: true }).click();
    await new AppShell(page).toasts().filter({ hasText: 'Pull refused: the branch has diverged' }).waitFor();
    // Without a reload, the card shows what the refused pull's fetch brought.
    await expect.poll(() => upstream.textContent()).toBe('1 ahead, 1 behind origin/main');
    await expect(workspaces.activity(name).textContent()).resolves.toBe('1 commit to push · 1 commit to pull');
    expect(e2e.consoleProblems(page).filter((line) => !/Failed to load resource: .*status of 409/.test(line))).toEqual([]);
  }, 60_000);

  it('says the GitHub connection needs renewing, with Reconnect, on the workspace list, Add workspace and Settings alike', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    // The token stops working while the owner is away: the first look at the status comes after.
    const me = await holdRequests(page, (url) => url.pathname === '/api/me');
    await e2e.signIn(page);
    const settingsRow = await e2e.app.db.settings.findUniqueOrThrow({ where: { id: 'singleton' } });
    e2e.fake.revokeToken(e2e.app.vault.decrypt(settingsRow.githubAccessToken!));
    await me.release();

    const needsRenewal = GITHUB_STATE_TEXT.needs_renewal;
    const workspaces = new WorkspacesPage(page);
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    const notice = workspaces.githubNotice();
    await notice.getByText(needsRenewal).waitFor();
    await expect(notice.getByRole('link', { name: 'Reconnect GitHub' }).getAttribute('href')).resolves.toBe('/auth/github');

    await workspaces.openAddWorkspace();
    await notice.getByText(needsRenewal).waitFor();
    await expect(notice.getByRole('link', { name: 'Reconnect GitHub' }).getAttribute('href')).resolves.toBe('/auth/github');
    await expect(page.getByRole('button', { name: /^Add octocat\// }).count()).resolves.toBe(0);
    await e2e.screenshot(page, 'add-workspace-github-renewal');

    const settings = new SettingsPage(page);
    await new AppShell(page).goTo('Settings');
    await settings.githubSection.getByText(needsRenewal).waitFor();
    await expect(settings.githubSection.getByText('Connected to GitHub.').count()).resolves.toBe(0);
    // The default shell list names each shell once, and no restricted shell.
    const shells = await settings.defaultShells();
    expect(shells.filter((shell) => /\/(rbash|rksh|nologin|false)$/.test(shell))).toEqual([]);
    const names = shells.map((shell) => shell.replace(/^\/usr\/bin\//, '/bin/'));
    expect(new Set(names).size, shells.join(', ')).toBe(names.length);

    // Reconnect: the GitHub web flow, and back to a working connection everywhere.
    await settings.githubSection.getByRole('link', { name: 'Reconnect GitHub' }).click();
    await page.waitForURL(isWorkspacesList);
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    await workspaces.openAddWorkspace();
    await page.getByText(/^(\d+ repositor|Your GitHub account has no repositories)/).waitFor();
    await expect(notice.count()).resolves.toBe(0);
    await new AppShell(page).goTo('Settings');
    await settings.githubSection.getByText('Connected to GitHub.').waitFor();
    // The only console output is Chromium's note about the refused repository list (HTTP 409).
    expect(e2e.consoleProblems(page).filter((line) => !/Failed to load resource: .*status of 409/.test(line))).toEqual([]);
  });

  it('keeps toasts clear of the card’s actions and of the form button just used, on a desktop and on a phone', async () => {
    const e2e = fixture();
    const repos = ['toast-a', 'toast-b', 'toast-c'];
    for (const repo of repos) await e2e.addRepo(repo);
    // The newest is the list's last card: scrolled to the window's bottom, its buttons are where the toasts show.
    const name = 'octocat/toast-c';
    const sizes = [
      { size: 'desktop', options: {}, variable: 'DESKTOP_VAR' },
      { size: 'phone', options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }, variable: 'PHONE_VAR' },
    ];
    for (const [index, { size, options, variable }] of sizes.entries()) {
      const page = await e2e.newPage(options);
      await e2e.signIn(page);
      if (index === 0) for (const repo of repos) await createWorkspace(page, `octocat/${repo}`);
      const press = (control: import('playwright-core').Locator) => (size === 'phone' ? control.tap() : control.click());
      const workspaces = new WorkspacesPage(page);
      await workspaces.open();
      const card = await workspaces.waitUntilReady(name);
      await expect.poll(() => workspaces.fact(name, 'Upstream').textContent()).toContain('origin/main');
      // The cards above with their variables open: room to scroll, whatever else the list holds.
      for (const above of ['octocat/toast-a', 'octocat/toast-b']) {
        await workspaces.chooseFromMenu(above, 'Environment variables');
        await workspaces.card(above).getByRole('button', { name: 'Save variable' }).waitFor();
      }
      const toasts = new AppShell(page).toasts();
      const { height } = page.viewportSize()!;

      // Pull, with the card's actions at the bottom of the window.
      const actions = [card.getByRole('link', { name: 'Open terminal' }), card.getByRole('button', { name: 'Pull', exact: true }), workspaces.moreButton(name)];
      await card.locator('.actions').evaluate((element) => element.scrollIntoView({ block: 'end' }));
      expect(bottomOf((await card.locator('.actions').boundingBox())!), size).toBeGreaterThan(height - 2);
      await press(actions[1]!);
      await shown(toasts.filter({ hasText: `Pulled ${name}.` }));
      for (const control of actions) await expectClearOfToasts(page, control, `${size}: ${await control.textContent()}`);

      // Save variable (at the right of the card, under the toasts' corner), at the bottom of the window.
      await workspaces.chooseFromMenu(name, 'Environment variables');
      const save = card.getByRole('button', { name: 'Save variable' });
      await card.getByLabel('Name', { exact: true }).fill(variable);
      await card.getByLabel('Value', { exact: true }).fill('1');
      await save.evaluate((element) => element.scrollIntoView({ block: 'end' }));
      expect(bottomOf((await save.boundingBox())!), size).toBeGreaterThan(height - 2);
      await press(save);
      const saved = toasts.filter({ hasText: `Saved ${variable}.` });
      await shown(saved);
      // Side by side with the toast: only being above it keeps the button in view.
      const saveBox = (await save.boundingBox())!;
      const savedBox = (await saved.boundingBox())!;
      expect(saveBox.x < savedBox.x + savedBox.width && savedBox.x < saveBox.x + saveBox.width, size).toBe(true);
      await expectClearOfToasts(page, save, `${size}: Save variable`);
      await e2e.screenshot(page, `toast-clear-${size}`);
      expect(e2e.consoleProblems(page)).toEqual([]);
    }
    }, 60_000);

  it('filters a long workspace list by name, repository or description', async () => {
    const e2e = fixture();
    const names = ['alpha-api', 'alpha-web', 'beta-cli', 'gamma-docs', 'delta-infra', 'epsilon-bot'];
    for (const name of names) await e2e.addRepo(name, { description: name === 'gamma-docs' ? 'Handbook for the team' : undefined });
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const workspaces = new WorkspacesPage(page);
    const filter = page.getByRole('searchbox', { name: 'Filter workspaces' });
    // Only this test's workspaces (tests before this one added theirs to the shared server); deleted
    // from another screen, so that no list is loading their git status meanwhile.
    await new SettingsPage(page).open();
    await page.evaluate(async () => {
      const { workspaces: existing } = (await (await fetch('/api/workspaces')).json()) as { workspaces: { id: string; name: string }[] };
      for (const workspace of existing) await fetch(`/api/workspaces/${workspace.id}?confirm=${encodeURIComponent(workspace.name)}`, { method: 'DELETE' });
    });
    // A short list has no filter.
    for (const name of names.slice(0, 5)) await createWorkspace(page, `octocat/${name}`);
    await new AppShell(page).goTo('Workspaces');
    await workspaces.card('octocat/alpha-api').waitFor();
    await expect.poll(() => filter.isHidden()).toBe(true);

    await createWorkspace(page, 'octocat/epsilon-bot');
    await page.reload();
    await filter.fill('ALPHA');
    const shown = () => page.locator('.workspace-list > li:not([hidden])').count();
    await expect.poll(shown).toBe(2);
    await expect.poll(() => workspaces.card('octocat/alpha-web').isVisible()).toBe(true);
    await filter.fill('handbook');
    await expect.poll(shown).toBe(1);
    await expect.poll(() => workspaces.card('octocat/gamma-docs').isVisible()).toBe(true);
    await filter.fill('nothing-like-this');
    await expect.poll(shown).toBe(0);
    await page.getByText('No workspace matches this filter.').waitFor();
    // Escape clears it.
    await filter.press('Escape');
    await expect.poll(shown).toBe(6);
    await expect.poll(() => page.getByText('No workspace matches this filter.').isHidden()).toBe(true);
    expect(e2e.consoleProblems(page)).toEqual([]);
  }, 60_000);

  it('keeps a long clone\'s progress toast until the clone is done, and says so on whatever screen shows then', async () => {
    const e2e = fixture();
    await e2e.addRepo('slow-clone');
    const page = await e2e.newPage();
    await page.clock.install();
    await e2e.signIn(page);
    // The page hears of the clone's end only from the clone's own event stream, which waits here
    // until the test lets it go: by then a minute has passed, the clone is done, and the owner has
    // moved on to Settings.
    const cloneEvents = await holdRequests(page, (url) => /^\/api\/workspaces\/[\w-]+\/events$/.test(url.pathname));
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    // The server caches the repository list, from before this repository existed.
    await page.getByRole('button', { name: 'Refresh list' }).click();
    await workspaces.addFromPicker('octocat/slow-clone');
    const toasts = new AppShell(page).toasts();
    await toasts.filter({ hasText: 'Cloning octocat/slow-clone…' }).waitFor();
    const cookie = await sessionCookie(page);
    await expect
      .poll(() => e2e.app.inject({ method: 'GET', url: '/api/workspaces', headers: { cookie } }).then((response) => response.json().workspaces.find((w: { name: string }) => w.name === 'octocat/slow-clone')?.cloneState), { timeout: 20_000 })
      .toBe('ready');
    await page.clock.fastForward(60_000);
    await expect(toasts.filter({ hasText: 'Cloning octocat/slow-clone…' }).count()).resolves.toBe(1);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await cloneEvents.release();
    await toasts.filter({ hasText: 'Cloned octocat/slow-clone.' }).waitFor();
    await expect(toasts.filter({ hasText: 'Cloning octocat/slow-clone…' }).count()).resolves.toBe(0);
  });

  it('says when the GitHub account has no repositories, rather than that none matches', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    await page.route('**/api/github/repos?*', (route) => route.fulfill({ json: { repositories: [], total: 0 } }));
    const workspaces = new WorkspacesPage(page);
    await workspaces.open();
    await workspaces.openAddWorkspace();
    await page.getByText('Your GitHub account has no repositories this sign-in can see. Create one on GitHub, then choose Refresh list, or paste a git URL below.').waitFor();
    await workspaces.searchRepositories('anything');
    await page.getByText('No repository matches.').waitFor();
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('shows toasts in a corner, once per message, and lets them go by themselves unless hovered', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await page.clock.install();
    await e2e.signIn(page);
    const settings = new SettingsPage(page);
    await settings.open();
    const toasts = new AppShell(page).toasts();

    await settings.chooseTheme('Light');
    await toasts.filter({ hasText: 'Theme: Light.' }).waitFor();
    await settings.chooseTheme('Dark');
    await toasts.filter({ hasText: 'Theme: Dark.' }).waitFor();
    await settings.chooseTheme('Light');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    // The repeat replaced the earlier "Theme: Light." (now the newest) instead of stacking a copy.
    await expect(toasts.filter({ hasText: 'Theme: Light.' }).count()).resolves.toBe(1);
    await expect(toasts.last().textContent()).resolves.toContain('Theme: Light.');
    // In the bottom right corner, clear of the screen's heading and first actions.
    const box = (await toasts.last().boundingBox())!;
    expect(box.x).toBeGreaterThan(1280 / 2);
    expect(box.y).toBeGreaterThan(800 / 2);

    // Each has a close button with a name; the rest go by themselves, except while hovered.
    await expect(toasts.first().getByRole('button', { name: 'Dismiss notification' }).count()).resolves.toBe(1);
    await toasts.first().getByRole('button', { name: 'Dismiss notification' }).click();
    await expect(toasts.count()).resolves.toBe(1);
    await toasts.last().hover();
    await page.clock.fastForward(30_000);
    await expect(toasts.count()).resolves.toBe(1);
    await page.mouse.move(5, 5);
    await page.clock.fastForward(6_000);
    await toasts.first().waitFor({ state: 'detached' });

    await settings.chooseTheme('Dark');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('follows the device’s light or dark preference until a theme is chosen, the terminals too', async () => {
    const e2e = fixture();
    // As on a new server (tests before this one chose themes on the shared one).
    await e2e.app.db.settings.updateMany({ data: { theme: 'system' } });
    const page = await e2e.newPage({ colorScheme: 'light' });
    const pageTheme = () => page.evaluate(() => document.documentElement.dataset.theme);
    await page.goto('/sign-in');
    await expect.poll(pageTheme).toBe('light');
    // Signing in keeps the colours: the server's default is the device's preference, not dark.
    await e2e.signIn(page);
    await expect.poll(pageTheme).toBe('light');
    const settings = new SettingsPage(page);
    await settings.open();
    await expect(page.getByRole('radio', { name: 'System (as the device)' }).isChecked()).resolves.toBe(true);

    const terminals = new TerminalsPage(page);
    await terminals.open('/terminals');
    const terminalTheme = () => page.locator('.term-screen').getAttribute('data-theme');
    await expect.poll(terminalTheme).toBe('light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(pageTheme).toBe('dark');
    await expect.poll(terminalTheme).toBe('dark');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('switches theme (kept on the server across reloads) and lists this browser’s session', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const settings = new SettingsPage(page);
    await settings.open();
    await expect(settings.currentTheme()).resolves.toBe('dark');
    const darkBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await e2e.screenshot(page, 'settings-dark');

    await settings.chooseTheme('Light');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
    const lightBackground = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(lightBackground).not.toBe(darkBackground);
    await new AppShell(page).toasts().filter({ hasText: 'Theme: Light.' }).waitFor();
    await e2e.screenshot(page, 'settings-light');

    await settings.chooseTheme('High contrast');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'high-contrast');
    await settings.setFontSize(18);
    await new AppShell(page).toasts().filter({ hasText: 'Terminal font size: 18.' }).waitFor();

    // A fresh browser (no localStorage) gets the theme from the server.
    const other = await e2e.newPage();
    await e2e.signIn(other);
    await other.waitForFunction(() => document.documentElement.dataset.theme === 'high-contrast');
    const otherSettings = new SettingsPage(other);
    await otherSettings.open();
    await expect(other.getByLabel('Terminal font size', { exact: true }).inputValue()).resolves.toBe('18');
    // The sessions list loads after the settings form.
    await expect.poll(() => otherSettings.sessionRows().count()).toBeGreaterThanOrEqual(2);
    await e2e.screenshot(other, 'settings-high-contrast');

    // Revoke the first browser's session from the second one.
    const revoke = other.getByRole('button', { name: /^Revoke the session/ }).first();
    await revoke.click();
    await other.getByText('Session revoked.').waitFor();
    await page.reload();
    await page.waitForURL('**/sign-in');

    const reset = await e2e.app.inject({ method: 'PATCH', url: '/api/settings', headers: { cookie: await sessionCookie(other), origin: e2e.baseUrl }, payload: { theme: 'dark', fontSize: 14 } });
    expect(reset.statusCode).toBe(200);
    expect(e2e.consoleProblems(other)).toEqual([]);
  });

  it('shows health, jobs, backups, metrics and the auth log on the operations screen', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const operations = new OperationsPage(page);
    await operations.open();
    // Checks by name in words, schedules in words (the cron in the tooltip).
    await page.getByText('Data directory', { exact: true }).waitFor();
    await expect(page.getByRole('cell', { name: 'At 02:00', exact: true }).getAttribute('title')).resolves.toBe('0 2 * * *');
    await page.getByText('No backups yet').waitFor();
    await expect(page.getByRole('cell', { name: /login \(github web\) as @octocat/ }).first().isVisible()).resolves.toBe(true);

    await expect(operations.healthCard.getByText(/No backup yet/).count()).resolves.toBe(1);

    // Run from the keyboard: the focus stays on the job's button, which is rebuilt with the new run.
    await operations.runJobWithKeyboard('backup');
    await page.getByText('The backup job finished.').waitFor({ timeout: 20_000 });
    await page.locator('.backups li').first().waitFor();
    // The health card has caught up with the new backup too.
    await operations.healthCard.getByText('The newest backup was made just now.').waitFor();
    await expect(operations.healthCard.getByText(/No backup yet/).count()).resolves.toBe(0);
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Run backup now' && document.activeElement.textContent === 'Run now');
    await operations.runJob('metrics');
    await page.getByText('The metrics job finished.').waitFor({ timeout: 20_000 });
    await page.locator('svg.sparkline').first().waitFor();
    // Each chart has its axes: 0 to a round top in the metric's unit, and the times of the 24 hours' ends.
    const cpu = page.locator('.metric').filter({ has: page.getByRole('heading', { name: 'CPU', level: 3 }) });
    const [top, bottom] = await cpu.locator('.chart-y span').allTextContents();
    expect(bottom).toBe('0 %');
    expect(top).toMatch(/^(\d+(\.\d+)?) %$/);
    expect(Number.parseFloat(top!)).toBeGreaterThan(0);
    expect(Number.parseFloat(top!)).toBeLessThanOrEqual(100);
    const times = await cpu.locator('.chart-x span').allTextContents();
    expect(times).toHaveLength(2);
    for (const time of times) expect(time).toMatch(/\d:\d\d/);
    await expect(cpu.getByRole('img').getAttribute('aria-label')).resolves.toMatch(/^CPU from .+ to .+, on a scale of 0 % to \d/);
    await e2e.screenshot(page, 'operations');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('fits a 390×844 phone screen', async () => {
    const e2e = fixture();
    const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await e2e.signIn(page);
    // Every entry of the main navigation is whole on screen (none cut off or scrolled away).
    const navLinks = new AppShell(page).nav.getByRole('link');
    await navLinks.first().waitFor();
    const outside = await navLinks.evaluateAll((links) =>
      links.filter((link) => {
        const box = link.getBoundingClientRect();
        return box.left < 0 || box.right > document.documentElement.clientWidth || link.scrollWidth > link.clientWidth;
      }).map((link) => link.textContent),
    );
    expect(await navLinks.allInnerTexts()).toEqual(['Dashboard', 'Workspaces', 'Terminals', 'Approvals', 'Settings', 'Operations']);
    expect(outside).toEqual([]);
    for (const name of ['Workspaces', 'Settings', 'Operations'] as const) {
      await new AppShell(page).goTo(name);
      // Loaded: a workspace card, or the empty-list message (other tests of this file add workspaces).
      if (name === 'Workspaces') await page.locator('li.workspace, .empty:not([hidden])').first().waitFor();
      if (name === 'Operations') await page.getByRole('button', { name: 'Run backup now' }).waitFor();
      if (name === 'Settings') await new SettingsPage(page).sessionButtons().first().waitFor();
      // Every row button of the tables is whole on screen, without sideways scrolling.
      const rowButtons = name === 'Operations' ? page.getByRole('button', { name: /^Run \w+ now$/ }) : name === 'Settings' ? new SettingsPage(page).sessionButtons() : null;
      if (rowButtons) {
        expect(await rowButtons.count()).toBeGreaterThan(0);
        const cut = await rowButtons.evaluateAll((buttons) =>
          buttons.filter((button) => {
            const box = button.getBoundingClientRect();
            return box.left < 0 || box.right > document.documentElement.clientWidth || button.scrollWidth > button.clientWidth;
          }).map((button) => button.getAttribute('aria-label')),
        );
        expect(cut, name).toEqual([]);
        const scrolling = await page.locator('.table-wrap').evaluateAll((wraps) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth).length);
        expect(scrolling, `${name}: tables scrolling sideways`).toBe(0);
      }
      // Nothing wider than the screen: no sideways scrolling of the page.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      const wide = overflow > 0 ? await page.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth).slice(0, 5).map((el) => `${el.tagName}.${el.className}`)) : [];
      expect(overflow, `${name}: ${wide.join(', ')}`).toBeLessThanOrEqual(0);
      await e2e.screenshot(page, `phone-${name.toLowerCase()}`);
    }

    // Add workspace: nothing focused on arrival (no keyboard over the list), a Git URL field as wide as its card.
    await new AppShell(page).goTo('Workspaces');
    await new WorkspacesPage(page).openAddWorkspace();
    await expect(page.evaluate(() => document.activeElement?.tagName)).resolves.not.toBe('INPUT');
    const urlInput = new WorkspacesPage(page).gitUrlInput;
    const urlWidth = (await urlInput.boundingBox())!.width;
    const formWidth = (await urlInput.locator('xpath=ancestor::form').boundingBox())!.width;
    expect(urlWidth).toBeGreaterThanOrEqual(formWidth - 1);
    await e2e.screenshot(page, 'phone-add-workspace');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('a screen still loading when the owner moves on never writes into the next one', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const shell = new AppShell(page);
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    // Settings asks GitHub for the connection's status before it draws its GitHub card: make that slow.
    e2e.app.github.forgetStatusCheck();
    e2e.fake.setHang({ scopes: ['api'], afterMs: 1500 });
    try {
      await shell.nav.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
      await shell.goTo('Terminals');
      const terminals = new TerminalsPage(page);
      await terminals.waitReady();
      // Once GitHub has answered and Settings has finished, nothing of it is on the terminals screen.
      await expect.poll(() => e2e.fake.heldRequests.length, { timeout: 10_000 }).toBe(0);
      await terminals.run('echo still-mine');
      await terminals.waitForLine(/^still-mine$/);
      await expect(page.getByRole('heading', { name: 'GitHub', level: 2 }).count()).resolves.toBe(0);
      await expect(page.locator('main').count()).resolves.toBe(1);
    } finally {
      e2e.fake.setHang(null);
    }
    expect(e2e.consoleProblems(page)).toEqual([]);
  });
});

type Box = { x: number; y: number; width: number; height: number };
const bottomOf = (box: Box) => box.y + box.height;

/** The menu's items that are cut off by the window or covered by anything (their centre is not theirs); their names. */
function itemsNotWholeOrCovered(menu: import('playwright-core').Locator): Promise<string[]> {
  return menu.getByRole('menuitem').evaluateAll((items) =>
    items
      .filter((item) => {
        const box = item.getBoundingClientRect();
        const onTop = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return box.left < 0 || box.top < 0 || box.right > window.innerWidth || box.bottom > window.innerHeight || !item.contains(onTop);
      })
      .map((item) => item.textContent ?? ''),
  );
}

/** Waits until the toast is shown and has finished arriving (its slide-in animation). */
async function shown(toast: import('playwright-core').Locator): Promise<void> {
  await toast.waitFor();
  await toast.evaluate((element) => Promise.all(element.getAnimations().map((animation: { finished: Promise<unknown> }) => animation.finished)));
}

/** The control is whole in the window and no toast overlaps it. */
async function expectClearOfToasts(page: import('playwright-core').Page, control: import('playwright-core').Locator, what: string): Promise<void> {
  const box = (await control.boundingBox())!;
  const { height } = page.viewportSize()!;
  // (Within a pixel: layout has fractions.)
  expect(box.y, `${what} is above the window`).toBeGreaterThanOrEqual(-1);
  expect(bottomOf(box), `${what} is below the window`).toBeLessThanOrEqual(height + 1);
  const toasts = page.locator('.toasts .toast');
  expect(await toasts.count(), what).toBeGreaterThan(0);
  for (const toast of await toasts.all()) {
    const area = (await toast.boundingBox())!;
    const overlaps = box.x < area.x + area.width && area.x < box.x + box.width && box.y < bottomOf(area) && area.y < bottomOf(box);
    expect(overlaps, `${what} is under the toast "${await toast.textContent()}"`).toBe(false);
  }
}

async function sessionCookie(page: import('playwright-core').Page): Promise<string> {
  const cookies = await page.context().cookies();
  const session = cookies.find((cookie) => cookie.name === 'shellport_session');
  if (!session) throw new Error('the page has no session cookie');
  return `shellport_session=${session.value}`;
}

/** Holds the page's GET requests whose URL matches until `release()` (then they go on to the server). */
async function holdRequests(page: import('playwright-core').Page, matches: (url: URL) => boolean): Promise<{ release(): Promise<void> }> {
  const held: import('playwright-core').Route[] = [];
  let holding = true;
  await page.route(
    (url) => matches(url),
    (route) => {
      if (holding && route.request().method() === 'GET') held.push(route);
      else void route.continue();
    },
  );
  return {
    async release() {
      holding = false;
      for (const route of held.splice(0)) await route.continue().catch(() => undefined);
    },
  };
}
