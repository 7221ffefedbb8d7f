// A workspace's card in a real Chromium against the real server and the fake GitHub: its git status
// and upstream, its More menu by keyboard, pointer and touch, pulls, and toasts kept clear of its
// actions. Screenshots go to test-artifacts/.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { AppShell } from './pages/app-shell.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace, WorkspacesPage } from './pages/workspaces-page.js';
import { holdRequests, sessionCookie } from './screens-shared.js';

// Browser globals used inside page.evaluate() callbacks (the Node type-check has no DOM library).
declare const document: any;
declare const window: any;
declare const getComputedStyle: any;

const fixture = useE2E();

describe('web app screens: workspace cards', () => {
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
