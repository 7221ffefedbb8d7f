// The terminals screen's chrome in a real Chromium (issue 16): how much room the header and the
// toolbar take above a terminal on a desktop and on a phone, the terminal's padding, the toolbar's
// groups and names, Split opening a new terminal, toasts kept off the terminal, and a font size per device.
import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';

const fixture = useE2E();

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

/** Signs the page in and opens the terminals screen (or a workspace's). */
async function openTerminals(e2e: ReturnType<typeof fixture>, page: Page, path = '/terminals'): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open(path);
  return terminals;
}

type Box = { x: number; y: number; width: number; height: number };

/** The boxes of the visible elements a locator matches. */
async function visibleBoxes(locator: Locator): Promise<Box[]> {
  const boxes: Box[] = [];
  for (const element of await locator.all()) {
    if (!(await element.isVisible())) continue;
    const box = await element.boundingBox();
    if (box && box.width > 0 && box.height > 0) boxes.push(box);
  }
  return boxes;
}

/** The terminals the server runs, with where each started. */
async function sessions(page: Page): Promise<{ id: string; status: string; workspaceId: string | null; cwd: string }[]> {
  return ((await page.evaluate(async () => (await fetch('/api/terminals')).json())) as { sessions: { id: string; status: string; workspaceId: string | null; cwd: string }[] }).sessions;
}

it('keeps the chrome above a desktop terminal compact, and pads the terminal evenly', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();

  const placement = await terminals.terminalPlacement();
  console.info(`1280×800: the terminal's first row starts ${placement.top} px from the top of the window; padding ${placement.paddingLeft} px left, ${placement.paddingTop} px top`);
  // It was 99 px (a header of 56 px, a toolbar of 41 px, 2 px of padding); VS Code's terminal tabs take about 35.
  expect(placement.top).toBeLessThanOrEqual(70);
  // Room between the pane's edge and the text (it was 4 px left, 2 px top).
  expect(placement.paddingLeft).toBeGreaterThanOrEqual(8);
  expect(placement.paddingLeft).toBeLessThanOrEqual(10);
  expect(placement.paddingTop).toBeGreaterThanOrEqual(4);
  expect(placement.paddingTop).toBeLessThanOrEqual(6);
  // The padding is taken from the rows, not from the last one.
  expect(placement.lastRowCut).toBe(false);
  await e2e.screenshot(page, 'terminals-chrome-desktop');
  expect(e2e.consoleProblems(page)).toEqual([]);
});

it('groups the toolbar, names every button, tells the two splits apart and gives the workspace its name in full', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const repo = 'a-workspace-whose-name-is-long-but-fits';
  await e2e.addRepo(repo);
  const workspaceId = await createWorkspace(page, `octocat/${repo}`);
  const terminals = new TerminalsPage(page);
  await terminals.open(`/terminals/${workspaceId}`);

  // Every button of the toolbar (tabs, their close buttons, actions) has a name and a tooltip.
  const unnamed = await page.locator('.term-toolbar button').evaluateAll((buttons) =>
    buttons
      .map((element) => element as unknown as { getAttribute(name: string): string | null; textContent: string | null; getClientRects(): { length: number }; outerHTML: string })
      .filter((button) => button.getClientRects().length > 0)
      .filter((button) => !(button.getAttribute('aria-label') ?? button.textContent ?? '').trim() || !button.getAttribute('title'))
      .map((button) => button.outerHTML.slice(0, 120)),
  );
  expect(unnamed).toEqual([]);

  // The actions come in named groups, the rarely used ones in a "More actions" menu.
  const groups = await page.locator('.term-actions [role="group"]').evaluateAll((elements) => elements.map((element) => (element as unknown as { getAttribute(name: string): string | null }).getAttribute('aria-label')));
  expect(groups.length).toBeGreaterThanOrEqual(2);
  for (const label of groups) expect(label).toBeTruthy();
  expect(await terminals.moreButton().getAttribute('aria-haspopup')).toBe('menu');
  await terminals.moreButton().click();
  const items = page.getByRole('menu').getByRole('menuitem');
  expect(await items.allTextContents()).toEqual(expect.arrayContaining(['Rename terminal', 'Keyboard shortcuts']));
  await page.keyboard.press('Escape');
  await expect.poll(() => page.getByRole('menu').isVisible()).toBe(false);

  // New terminal, the main action, stands out: drawn in the accent colour, unlike the others.
  const colour = (name: string) => terminals.toolbarButton(name).evaluate((button) => (button.ownerDocument as unknown as { defaultView: { getComputedStyle(element: unknown): { color: string } } }).defaultView.getComputedStyle(button).color);
  expect(await colour('New terminal')).not.toBe(await colour('Split side by side'));
  expect(await colour('New terminal')).not.toBe(await colour('Find in terminal'));

  // The two splits draw their two panes: tall ones side by side, wide ones stacked.
  const panes = (name: string) =>
    terminals
      .toolbarButton(name)
      .locator('svg rect')
      .evaluateAll((rects) => rects.map((rect) => (rect as unknown as { getBBox(): { width: number; height: number } }).getBBox()).map(({ width, height }) => ({ width, height })));
  const sideBySide = await panes('Split side by side');
  const stacked = await panes('Split stacked');
  expect(sideBySide).toHaveLength(2);
  expect(stacked).toHaveLength(2);
  for (const pane of sideBySide) expect(pane.height).toBeGreaterThan(pane.width);
  for (const pane of stacked) expect(pane.width).toBeGreaterThan(pane.height);

  // The workspace's name takes the room the toolbar has: not cut off.
  const place = page.locator('.term-place');
  await expect.poll(() => place.textContent()).toBe(`octocat/${repo}`);
  const fit = await place.evaluate((element) => ({ scroll: (element as unknown as { scrollWidth: number }).scrollWidth, client: (element as unknown as { clientWidth: number }).clientWidth }));
  expect(fit.scroll).toBeLessThanOrEqual(fit.client);
  await e2e.screenshot(page, 'terminals-chrome-toolbar');
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);

it('splits into a new terminal beside the one shown, in the same workspace, rather than showing another tab', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const repo = 'split-place';
  await e2e.addRepo(repo);
  const workspaceId = await createWorkspace(page, `octocat/${repo}`);
  const terminals = new TerminalsPage(page);
  await terminals.open(`/terminals/${workspaceId}`);
  // Two tabs: before, Split showed the other one beside this one.
  await terminals.newTerminal();
  const tabsBefore = await terminals.tabSessionIds();
  expect(tabsBefore).toHaveLength(2);
  const shownId = await terminals.sessionIdIn(0);

  await terminals.splitSideBySide();
  const newId = await terminals.sessionIdIn(1);
  expect(tabsBefore).not.toContain(newId);
  expect(await terminals.sessionIdIn(0)).toBe(shownId);
  expect(await terminals.tabSessionIds()).toEqual([...tabsBefore, newId]);
  await terminals.waitFocused(1);
  // A new shell on the server, in the same workspace and directory as the one beside it.
  const all = await sessions(page);
  const created = all.find((session) => session.id === newId);
  const beside = all.find((session) => session.id === shownId);
  expect(created?.status).toBe('active');
  expect(created?.workspaceId).toBe(workspaceId);
  expect(created?.cwd).toBe(beside?.cwd);
  await terminals.run('pwd', 1);
  await terminals.waitForLine(new RegExp(`^${beside!.cwd}$`), 1);

  // Stacked after closing the split: again a new terminal.
  await terminals.toolbarButton('Close the split').click();
  await terminals.toolbarButton('Split stacked').click();
  await terminals.view(1).locator('.xterm-screen').waitFor();
  await expect.poll(() => terminals.tabs().count()).toBe(tabsBefore.length + 2);
  expect([...tabsBefore, newId]).not.toContain(await terminals.sessionIdIn(1));
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);

it('keeps a phone to one row of controls above the terminal, without split buttons, and its toasts off the terminal', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openTerminals(e2e, page);
  const placement = await terminals.terminalPlacement();
  console.info(`390×844: the terminal's first row starts ${placement.top} px from the top of the window`);

  // Everything that can be pressed above the terminal sits in one row.
  const above = (await visibleBoxes(page.locator('header a, header button, .term-toolbar a, .term-toolbar button, .term-toolbar summary'))).filter((box) => box.y + box.height <= placement.top);
  expect(above.length).toBeGreaterThan(0);
  const middles = above.map((box) => box.y + box.height / 2);
  expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(4);
  expect(placement.top).toBeLessThanOrEqual(56);
  expect(await terminals.horizontalOverflow()).toBe(0);
  // Two panes do not fit a phone: no split buttons, in the toolbar or its menu.
  expect(await visibleBoxes(page.getByRole('button', { name: /^Split/ }))).toEqual([]);
  await terminals.moreButton().click();
  expect(await page.getByRole('menu').getByRole('menuitem', { name: /^Split/ }).count()).toBe(0);
  await page.keyboard.press('Escape');
  // The app's navigation is a menu at the start of that row.
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).waitFor();
  await page.getByRole('button', { name: 'Menu' }).click();
  await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).isVisible()).toBe(false);
  await e2e.screenshot(page, 'terminals-chrome-phone');

  // A toast (here an upload's) shows between the terminal and the key bar: the terminal's rows make way.
  const chooser = page.waitForEvent('filechooser');
  await terminals.chooseMore('Upload files…');
  await (await chooser).setFiles([{ name: 'toast-check.txt', mimeType: 'text/plain', buffer: Buffer.from('toast\n') }]);
  const toast = page.locator('.toasts .toast').filter({ hasText: /^Uploaded toast-check\.txt/ });
  await toast.waitFor();
  const keyBar = (await page.getByRole('toolbar', { name: 'Terminal keys' }).boundingBox())!;
  await expect
    .poll(async () => {
      const pane = (await terminals.view(0).boundingBox())!;
      const box = (await toast.boundingBox())!;
      return { belowTerminal: box.y >= pane.y + pane.height, aboveKeyBar: box.y + box.height <= keyBar.y };
    })
    .toEqual({ belowTerminal: true, aboveKeyBar: true });
  await e2e.screenshot(page, 'terminals-chrome-phone-toast');
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);

it('keeps the font size per device: A+ on one leaves another as it was, a reload keeps it, and the setting is the default for the others', async () => {
  const e2e = fixture();
  const desk = await e2e.newPage();
  const phone = await e2e.newPage(PHONE);
  const onDesk = await openTerminals(e2e, desk);
  const onPhone = await openTerminals(e2e, phone);
  const serverFontSize = async () => ((await desk.evaluate(async () => (await fetch('/api/settings')).json())) as { settings: { fontSize: number } }).settings.fontSize;
  expect(await serverFontSize()).toBe(14);
  expect(await onDesk.fontSizePx(0)).toBe(14);
  expect(await onPhone.fontSizePx(0)).toBe(14);

  await onDesk.toolbarButton('Larger text').click();
  await expect.poll(() => onDesk.fontSizePx(0)).toBe(15);
  await onPhone.keyBarKey('Smaller text').tap();
  await onPhone.keyBarKey('Smaller text').tap();
  await expect.poll(() => onPhone.fontSizePx(0)).toBe(12);
  // The owner's setting is left alone: it is the default for devices that chose nothing.
  expect(await serverFontSize()).toBe(14);

  await desk.reload();
  await onDesk.waitReady();
  await phone.reload();
  await onPhone.waitReady();
  expect(await onDesk.fontSizePx(0)).toBe(15);
  expect(await onPhone.fontSizePx(0)).toBe(12);

  // A new default from Settings reaches a device that chose nothing, not the desk.
  const saved = await desk.evaluate(async () => (await fetch('/api/settings', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fontSize: 17 }) })).status);
  expect(saved).toBe(200);
  const other = await e2e.newPage();
  const onOther = await openTerminals(e2e, other);
  expect(await onOther.fontSizePx(0)).toBe(17);
  await desk.reload();
  await onDesk.waitReady();
  expect(await onDesk.fontSizePx(0)).toBe(15);

  const reset = await desk.evaluate(async () => (await fetch('/api/settings', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fontSize: 14 }) })).status);
  expect(reset).toBe(200);
  for (const page of [desk, phone, other]) expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);
