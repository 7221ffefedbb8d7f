// The terminals screen's controls in a real Chromium against the real app: the toolbar and its
// menus, tabs and their names, keyboard shortcuts, copy and paste, a workspace's terminals, the
// phone layout and its key bar, and the light theme's colours.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';
import { countLines, openTerminals, runningSessionIds, TERMINALS_E2E } from './terminals-shared.js';

const fixture = useE2E(TERMINALS_E2E);

/**
 * Waits until the shell of the terminal in pane 0 runs a child (the command just entered has really
 * started): an interrupt sent before that reaches the shell alone, and the command then runs on.
 */
async function waitForChildOfShell(e2e: ReturnType<typeof fixture>, terminals: TerminalsPage): Promise<void> {
  const id = await terminals.sessionIdIn(0);
  const pid = (await e2e.app.terminals.get(id)).pid;
  await expect.poll(() => {
    try {
      return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    } catch {
      return '';
    }
  }, { timeout: 10_000 }).not.toBe('');
}

/** Adds a workspace of one of the fake GitHub's repositories (`octocat/<name>`); resolves its id once cloned. */
async function addReadyWorkspace(e2e: ReturnType<typeof fixture>, page: Page, repo: string): Promise<string> {
  await e2e.addRepo(repo);
  return createWorkspace(page, `octocat/${repo}`);
}

it('keeps the toolbar within a 390 px phone with several tabs, the tabs scrolling sideways instead', async () => {
  const e2e = fixture();
  const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await e2e.signIn(page);
  // A workspace's terminals: its name in the row too.
  const id = await addReadyWorkspace(e2e, page, 'phone-tabs');
  const terminals = new TerminalsPage(page);
  await terminals.open(`/terminals/${id}`);
  for (let i = 0; i < 3; i++) await terminals.newTerminal();
  await expect.poll(() => page.locator('.term-tab').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
  expect(await terminals.horizontalOverflow()).toBe(0);
  // Every toolbar control stays on the screen: +, Ports and More actions.
  for (const name of ['New terminal', 'Ports', 'More actions']) {
    const box = (await page.getByRole('button', { name, exact: true }).first().boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
  }
});

it('fits a 390×844 phone and sends Ctrl-C from the key bar to a running sleep', async () => {
  const e2e = fixture();
  const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();

  // Nothing wider than the screen.
  expect(await terminals.horizontalOverflow()).toBe(0);
  // The header is a menu button for the navigation, in the terminals' one row: the terminal gets the height.
  const header = page.locator('header.app-header');
  expect((await header.boundingBox())!.height).toBeLessThan(60);
  expect(await header.getByRole('button', { name: 'Menu' }).isVisible()).toBe(true);
  expect(await header.getByRole('link', { name: 'Workspaces' }).isVisible()).toBe(false);
  expect(await header.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);
  const ctrl = terminals.keyBarKey(/^Control/);
  await ctrl.waitFor();
  // The key bar is wider than the phone: its right edge says more keys wait there, until scrolled to.
  const keyBar = page.getByRole('toolbar', { name: 'Terminal keys' });
  await expect.poll(() => keyBar.getAttribute('data-more-right')).toBe('true');
  expect(await keyBar.getAttribute('data-more-left')).toBe('false');
  await terminals.keyBarKey('Larger text').scrollIntoViewIfNeeded();
  await expect.poll(() => keyBar.getAttribute('data-more-right')).toBe('false');
  expect(await keyBar.getAttribute('data-more-left')).toBe('true');

  await terminals.run('sleep 100; echo slept-$((2*21))');
  await terminals.waitForLine(/sleep 100; echo slept/);
  await waitForChildOfShell(e2e, terminals);
  await ctrl.tap();
  expect(await ctrl.getAttribute('aria-pressed')).toBe('true');
  await terminals.waitFocused(0);
  await page.keyboard.type('c');
  await terminals.waitForLine(/\^C$/);
  expect(await ctrl.getAttribute('aria-pressed')).toBe('false');
  // The shell is back at its prompt: a new command runs now, not after 100 s.
  await terminals.run('echo phone-$RANDOM');
  await terminals.waitForLine(/^phone-\d+$/);
  expect(countLines(await terminals.screenText(0), 'slept-42')).toBe(0);
  // ^C has a key of its own: one tap interrupts.
  await terminals.run('sleep 100; echo slept-again-$((2*21))');
  await terminals.waitForLine(/sleep 100; echo slept-again/);
  await waitForChildOfShell(e2e, terminals);
  await terminals.keyBarKey('Interrupt (Ctrl+C)').tap();
  await terminals.run('echo interrupted-$((3*14))');
  await terminals.waitForLine(/^interrupted-42$/);
  expect(countLines(await terminals.screenText(0), 'slept-again-42')).toBe(0);
  // Paste: a phone's terminal has no paste gesture of its own.
  await terminals.writeClipboard('echo pasted-on-phone-$((6*7))');
  await terminals.keyBarKey('Paste').tap();
  await terminals.waitForLine(/echo pasted-on-phone/);
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^pasted-on-phone-42$/);
  await e2e.screenshot(page, 'terminals-phone');

  // The on-screen keyboard takes the lower part of the screen: the terminal refits to fewer rows.
  const rowsBefore = await terminals.rowCount(0);
  await page.setViewportSize({ width: 390, height: 500 });
  await expect.poll(() => terminals.rowCount(0)).toBeLessThan(rowsBefore);
  expect(await terminals.horizontalOverflow()).toBe(0);

  // A+ on the key bar makes the text larger.
  const sizeBefore = await terminals.fontSizePx(0);
  await terminals.keyBarKey('Larger text').tap();
  await expect.poll(() => terminals.fontSizePx(0)).toBeGreaterThan(sizeBefore);

  // In a workspace, the workspace's name, the tabs and the actions share one row: the terminal gets the height.
  await page.setViewportSize({ width: 390, height: 844 });
  const workspaceId = await addReadyWorkspace(e2e, page, 'phone-place-with-a-rather-long-name');
  await terminals.open(`/terminals/${workspaceId}`);
  await page.locator('.term-place:not([hidden])').waitFor();
  // The vertical middles of the toolbar's visible items.
  const middles = (await page.evaluate(`[...document.querySelectorAll('.term-toolbar > *')]
    .filter((element) => element.offsetParent !== null)
    .map((element) => { const box = element.getBoundingClientRect(); return box.top + box.height / 2; })`)) as number[];
  const toolbarRows = Math.max(...middles) - Math.min(...middles) < 4 ? 1 : 2;
  expect(toolbarRows).toBe(1);
  expect(await terminals.horizontalOverflow()).toBe(0);
  await e2e.screenshot(page, 'terminals-phone-workspace');

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it("names the workspace its terminals run in, numbers tabs that would read the same, and says when a workspace does not exist", async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const workspaceId = await addReadyWorkspace(e2e, page, 'toolbox');

  const terminals = new TerminalsPage(page);
  await terminals.open(`/terminals/${workspaceId}`);
  const place = page.locator('.term-place');
  await expect.poll(() => place.textContent()).toBe('octocat/toolbox');
  expect(await place.getAttribute('href')).toBe('/workspaces');
  await terminals.newTerminal();
  await expect.poll(() => terminals.tabs().locator('[role="tab"]').allTextContents()).toEqual(['bash', 'bash 2']);
  await expect.poll(() => page.title()).toBe('bash 2 · octocat/toolbox · Shellport');
  await e2e.screenshot(page, 'terminals-workspace');

  expect(e2e.consoleProblems(page)).toEqual([]);

  // A workspace id that does not exist, or is not even an id: no terminal can open there.
  for (const missing of ['00000000-0000-4000-8000-000000000000', 'does-not-exist']) {
    await page.goto(`${e2e.baseUrl}/terminals/${missing}`);
    await page.getByRole('heading', { name: 'No such workspace' }).waitFor();
    expect(await page.getByRole('button', { name: 'New terminal' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Go to your workspaces' }).waitFor();
  }
  // Chromium reports each refused lookup (404, 400) as a console error; nothing else went wrong.
  const problems = e2e.consoleProblems(page);
  expect(problems.length).toBeGreaterThan(0);
  for (const problem of problems) expect(problem).toMatch(/status of 40[04]/);
}, 60_000);

it('lists on the home terminals the workspaces with terminals running, kept up to date, and links a card\'s terminal count to them', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  // Earlier tests left terminals running in workspaces: end them, so that only home shells run.
  await page.evaluate(async () => {
    const { sessions } = (await (await fetch('/api/terminals?status=active')).json()) as { sessions: { id: string; workspaceId: string | null }[] };
    for (const session of sessions) if (session.workspaceId) await fetch(`/api/terminals/${session.id}`, { method: 'DELETE' });
  });
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  expect(await terminals.elsewhere().isHidden()).toBe(true);

  const workspaceId = await addReadyWorkspace(e2e, page, 'gadgets');
  await terminals.open(`/terminals/${workspaceId}`);
  await terminals.newTerminal();
  // Listed on the home screen only.
  expect(await terminals.elsewhere().count()).toBe(0);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Terminals' }).click();
  await terminals.waitReady();
  const summary = terminals.elsewhere().locator('summary');
  await expect.poll(() => summary.textContent()).toBe('2 in workspaces');
  await summary.click();
  await expect.poll(() => terminals.elsewhereLinks().allTextContents()).toEqual(['octocat/gadgets 2 terminals']);
  expect(await terminals.elsewhereLinks().getAttribute('href')).toBe(`/terminals/${workspaceId}`);

  // A terminal started or ended there (here through the API) changes the count at once.
  const started = await page.evaluate(async (id) => {
    const response = await fetch('/api/terminals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workspaceId: id }) });
    return ((await response.json()) as { session: { id: string } }).session.id;
  }, workspaceId);
  await expect.poll(() => terminals.elsewhereLinks().allTextContents()).toEqual(['octocat/gadgets 3 terminals']);
  expect(await summary.textContent()).toBe('3 in workspaces');
  await page.evaluate(async (id) => void (await fetch(`/api/terminals/${id}`, { method: 'DELETE' })), started);
  await expect.poll(() => terminals.elsewhereLinks().allTextContents()).toEqual(['octocat/gadgets 2 terminals']);

  await terminals.elsewhereLinks().click();
  await page.waitForURL(`**/terminals/${workspaceId}`);
  await terminals.waitReady();
  await expect.poll(() => page.locator('.term-place').textContent()).toBe('octocat/gadgets');

  // The card of the workspace: its count of running terminals leads to them.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).click();
  const count = page.getByRole('listitem', { name: 'octocat/gadgets' }).getByRole('link', { name: '2', exact: true });
  expect(await count.getAttribute('href')).toBe(`/terminals/${workspaceId}`);
  await count.click();
  await page.waitForURL(`**/terminals/${workspaceId}`);
  await terminals.waitReady();

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('renames a tab from the toolbar or with a double-click, and shows the start of a long name', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();
  const id = await terminals.sessionIdIn(0);
  // (Terminals of earlier tests may have tabs too: "bash 2", "bash 3"…)
  const automatic = (await terminals.tabLabel(id).textContent()) ?? '';
  expect(automatic).toMatch(/^bash( \d+)?$/);

  // The dialog says which terminal it renames, and what an empty name gives.
  await terminals.chooseMore('Rename terminal');
  const dialog = page.getByRole('dialog');
  const name = dialog.getByRole('textbox', { name: 'Name' });
  expect(await dialog.getByRole('heading').textContent()).toBe(`Rename “${automatic}”`);
  expect(await name.inputValue()).toBe('');
  expect(await name.getAttribute('placeholder')).toBe(automatic);
  await dialog.getByText('Leave empty for the automatic name.').waitFor();
  await name.fill('renamed-in-toolbar');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('tab', { name: 'renamed-in-toolbar' }).waitFor();

  // A double-click on a tab renames it; the field holds its name.
  const long = 'a very long terminal name for the server logs tail -f output';
  expect(long).toHaveLength(60);
  await page.getByRole('tab', { name: 'renamed-in-toolbar' }).dblclick();
  await expect.poll(() => name.inputValue()).toBe('renamed-in-toolbar');
  await name.fill(long);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('tab', { name: long }).waitFor();
  await terminals.waitFocused(0);

  // Too long for its tab: the label shows the start and ends in an ellipsis, inside the tab; the tooltip has it whole.
  expect(await terminals.tabLabelFit(id)).toEqual({ overflows: true, textOverflow: 'ellipsis', startVisible: true, insideTab: true });
  expect(await terminals.tabLabel(id).getAttribute('title')).toMatch(new RegExp(`^${long} — `));
  await e2e.screenshot(page, 'terminals-long-name');

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);

it('draws the toolbar buttons as icons, shows the keyboard shortcuts, and opens and switches terminals from the keyboard', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  // A terminal of this test's own, last in the tabs (earlier tests left others running).
  await terminals.newTerminal();
  const firstId = await terminals.sessionIdIn(0);

  // Every glyph-free button is found by its name and draws an SVG icon that shows (ink on the toolbar).
  const iconButtons = ['New terminal', 'Split side by side', 'Split stacked', 'Find in terminal', 'More actions'];
  const expectIcon = async (name: string) => {
    const button = terminals.toolbarButton(name);
    expect(await button.locator('svg').count(), name).toBe(1);
    expect((await button.textContent())?.trim(), name).toBe('');
    expect(await button.getAttribute('title'), name).toMatch(new RegExp(`^${name}`));
    expect(await button.locator('svg').boundingBox(), name).toMatchObject({ width: 16, height: 16 });
    expect(await terminals.inkPixels(button), name).toBeGreaterThan(10);
  };
  for (const name of iconButtons) await expectIcon(name);
  expect(await terminals.toolbarButton('New terminal').getAttribute('title')).toBe('New terminal (Ctrl+Shift+`)');
  // Split opens a terminal of its own, which keeps its tab once the split is closed.
  await terminals.splitSideBySide();
  const splitId = await terminals.sessionIdIn(1);
  await expectIcon('Close the split');
  await terminals.focus(0); // closing the split keeps the focused pane
  await terminals.toolbarButton('Close the split').click();
  await expect.poll(() => page.locator('.term-panes').getAttribute('data-split')).toBe('none');
  await expect.poll(() => terminals.sessionIdIn(0)).toBe(firstId);

  // The toolbar's menu opens the sheet, which lists the keys there are; Escape gives the terminal the focus back.
  await terminals.chooseMore('Keyboard shortcuts');
  await terminals.shortcutSheet().waitFor();
  expect(await terminals.shortcutSheet().getByRole('heading').allTextContents()).toEqual(['Keyboard shortcuts', 'In a terminal', 'In the search box', 'In the tab list']);
  expect(await terminals.shortcutRows()).toEqual(
    expect.arrayContaining([
      ['Ctrl+Shift+`', 'New terminal'],
      ['Ctrl+Shift+PageDown', 'Next tab'],
      ['Ctrl+Shift+PageUp', 'Previous tab'],
      ['Ctrl+Shift+↑', 'Go to the tab list'],
      ['Ctrl+F or Ctrl+Shift+F', 'Find (Ctrl+F: not in full-screen programs such as less and vim, which keep it)'],
      ['Ctrl+Shift+/', 'Keyboard shortcuts'],
      ['Delete', 'Close the tab'],
    ]),
  );
  await e2e.screenshot(page, 'terminals-shortcuts');
  await page.keyboard.press('Escape');
  await expect.poll(() => terminals.shortcutSheet().count()).toBe(0);
  await terminals.waitFocused(0);
  // Ctrl+Shift+/ (Ctrl+?) in the terminal opens it too.
  await page.keyboard.press('Control+Shift+Slash');
  await expect.poll(() => terminals.hasFocus(terminals.shortcutSheet().getByRole('button', { name: 'Close' }))).toBe(true);
  await page.keyboard.press('Escape');
  await expect.poll(() => terminals.shortcutSheet().count()).toBe(0);
  await terminals.waitFocused(0);

  // Ctrl+Shift+` opens a new terminal, on the server too, and once only.
  await terminals.run('seq 1 300; echo filled-$((6*7))');
  await terminals.waitForLine(/^filled-42$/);
  const tabsBefore = await terminals.tabSessionIds();
  const runningBefore = await runningSessionIds(page);
  await page.keyboard.press('Control+Shift+Backquote');
  await expect.poll(() => terminals.tabs().count()).toBe(tabsBefore.length + 1);
  const newId = await terminals.sessionIdIn(0);
  expect(tabsBefore).not.toContain(newId);
  await terminals.waitFocused(0);
  expect((await runningSessionIds(page)).sort()).toEqual([...runningBefore, newId].sort());
  const tabs = await terminals.tabSessionIds();
  expect(tabs.slice(-3)).toEqual([firstId, splitId, newId]);

  // Ctrl+Shift+PageDown / PageUp show the next and previous tab, round from the ends.
  const expectShown = async (id: string) => {
    await expect.poll(() => terminals.sessionIdIn(0)).toBe(id);
    expect(await terminals.selectedTabSessionId()).toBe(id);
    await terminals.waitFocused(0);
  };
  const at = (index: number) => tabs[(index + tabs.length) % tabs.length]!;
  await page.keyboard.press('Control+Shift+PageDown');
  await expectShown(at(0));
  await page.keyboard.press('Control+Shift+PageUp');
  await expectShown(newId);
  await page.keyboard.press('Control+Shift+PageUp');
  await expectShown(splitId);
  await page.keyboard.press('Control+Shift+PageUp');
  await expectShown(firstId);
  await page.keyboard.press('Control+Shift+PageUp');
  await expectShown(at(-4));
  await page.keyboard.press('Control+Shift+PageDown');
  await expectShown(firstId);
  // The keys never reached the terminal: it did not scroll a page up, and the next command line is clean.
  expect(await terminals.screenText(0)).toContain('\nfilled-42\n');
  await terminals.run('echo after-keys-$((6*7))');
  await terminals.waitForLine(/[$#] echo after-keys-\$\(\(6\*7\)\)$/);
  await terminals.waitForLine(/^after-keys-42$/);

  // From the tab list (Ctrl+Shift+↑ leads there) the screen's keys work too.
  await page.keyboard.press('Control+Shift+ArrowUp');
  await expect.poll(() => terminals.hasFocus(terminals.tabLabel(firstId))).toBe(true);
  await page.keyboard.press('Control+Shift+PageDown');
  await expectShown(splitId);

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('draws underscores, counts emoji as wide as the shell does, and leaves Ctrl+F to full-screen programs', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();

  // At the default font size the underscore is drawn inside its row, not clipped away below it.
  await terminals.run(`echo ${'_'.repeat(20)}`);
  await terminals.waitForLine(/^_{20}$/);
  // Twenty underscores, each several pixels wide (clipped, a few stray anti-aliased pixels remain).
  expect(await terminals.inkPixels(await terminals.row('_'.repeat(20)))).toBeGreaterThan(20 * 5);

  // An emoji takes two columns, as for bash: "Y" at column 3 lands on "X", right after it.
  await terminals.run(String.raw`printf '\U0001F600X\e[3GY\n'`);
  await terminals.waitForLine(/^\u{1F600}Y$/u);

  // Ctrl+F searches on the normal screen; in less it pages forward, and Ctrl+Shift+F searches.
  const search = page.getByRole('searchbox', { name: 'Find in terminal' });
  await terminals.run('seq 1 500 | less');
  await terminals.waitForLine(/^1$/);
  await page.keyboard.press('Control+f');
  await expect.poll(async () => (await terminals.screenText(0)).split('\n')[0]).not.toBe('1');
  expect(await search.isHidden()).toBe(true);
  await page.keyboard.press('Control+Shift+F');
  await expect.poll(() => terminals.hasFocus(search)).toBe(true);
  await search.press('Escape');
  await terminals.waitFocused(0);
  await page.keyboard.press('q');
  await terminals.run('echo back-$((6*7))');
  await terminals.waitForLine(/^back-42$/);
  await page.keyboard.press('Control+f');
  await expect.poll(() => terminals.hasFocus(search)).toBe(true);
  await search.press('Escape');
  await page.getByRole('button', { name: 'Find in terminal' }).click();
  await expect.poll(() => terminals.hasFocus(search)).toBe(true);

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);

it('copies and pastes with the keys of Linux terminals, and asks before the page is left while a shell runs', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();

  // Ctrl+C with a selection copies it and clears the selection; the shell gets no ^C.
  await terminals.run('echo copy-me-42');
  await terminals.waitForLine(/^copy-me-42$/);
  await terminals.selectWord('copy-me-42');
  await expect.poll(() => terminals.hasSelection()).toBe(true);
  await page.keyboard.press('Control+c');
  await expect.poll(() => terminals.readClipboard()).toBe('copy-me-42');
  await expect.poll(() => terminals.hasSelection()).toBe(false);
  // Ctrl+Shift+C copies too.
  await terminals.run('echo shift-copy-42');
  await terminals.waitForLine(/^shift-copy-42$/);
  await terminals.selectWord('shift-copy-42');
  await page.keyboard.press('Control+Shift+C');
  await expect.poll(() => terminals.readClipboard()).toBe('shift-copy-42');

  // Ctrl+V and Ctrl+Shift+V paste (no ^V reaches the shell).
  await terminals.writeClipboard('echo pasted-$((6*7))');
  await terminals.focus(0);
  await page.keyboard.press('Control+v');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^pasted-42$/);
  await terminals.writeClipboard('echo shift-pasted-$((6*7))');
  await page.keyboard.press('Control+Shift+V');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^shift-pasted-42$/);
  // Without a selection Ctrl+C is still the interrupt.
  // Pressed only once the child prints, so it holds the terminal's foreground: a ^C that comes while bash
  // is still starting the command is bash's own, and the sleep would outlive this test and spoil the next.
  await terminals.run("sh -c 'echo sleeping-$((6*7)); exec sleep 100'; echo slept");
  await terminals.waitForLine(/^sleeping-42$/);
  await page.keyboard.press('Control+c');
  await terminals.waitForLine(/\^C$/);
  expect(await terminals.screenText(0)).not.toContain('^V');

  // Leaving the page while a shell runs asks first (a stray Ctrl+W would otherwise close the tab).
  const dialog = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const asked = await dialog;
  expect(asked.type()).toBe('beforeunload');
  await asked.dismiss();
  expect(page.isClosed()).toBe(false);

  // The owner can turn the question off in Settings: back on the terminals, with the shell still running, nothing asks.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Ask before closing or reloading a page while a shell runs').uncheck();
  await page.getByText('Pages with running shells close without asking.').waitFor();
  await page.goBack();
  await terminals.run('echo still-$((6*7))');
  await terminals.waitForLine(/^still-42$/);
  let askedWhenOff = false;
  const onDialog = (other: { accept(): Promise<void> }) => {
    askedWhenOff = true;
    void other.accept();
  };
  page.on('dialog', onDialog);
  await page.reload();
  await terminals.waitForLine(/^still-42$/);
  expect(askedWhenOff).toBe(false);
  page.off('dialog', onDialog);
  await nav.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Ask before closing or reloading a page while a shell runs').check();
  await page.getByText('Closing or reloading a page with a running shell asks first.').waitFor();

  // Away from the terminals screen, nothing asks.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).click();
  await page.getByRole('heading', { name: 'Workspaces' }).waitFor();
  let askedAgain = false;
  page.on('dialog', (other) => {
    askedAgain = true;
    void other.accept();
  });
  const closed = page.waitForEvent('close');
  await page.close({ runBeforeUnload: true });
  await closed;
  expect(askedAgain).toBe(false);
}, 45_000);

it('on the light theme, darkens colours programs chose for a dark background until they read (WCAG AA)', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const saved = await page.evaluate(async () => (await fetch('/api/settings', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ theme: 'light' }) })).status);
  expect(saved).toBe(200);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  await terminals.run(String.raw`printf '\e[97mbright-white\e[0m \e[37mwhite\e[0m \e[93mbright-yellow\e[0m\n'`);
  await terminals.waitForLine(/^bright-white white bright-yellow$/);
  const row = await terminals.row('bright-white white bright-yellow');
  const contrasts = await row.evaluate((element) => {
    const luminance = (css: string) => {
      const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((part) => Number(part) / 255) as [number, number, number];
      const linear = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    };
    const view = element as unknown as { ownerDocument: { defaultView: { getComputedStyle(node: unknown): { color: string } } }; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };
    const background = luminance('rgb(255, 255, 255)');
    return Object.fromEntries(
      Array.from(view.querySelectorAll('span'))
        .filter((span) => (span.textContent ?? '').trim() !== '')
        .map((span) => {
          const foreground = luminance(view.ownerDocument.defaultView.getComputedStyle(span).color);
          return [(span.textContent ?? '').trim(), (background + 0.05) / (foreground + 0.05)];
        }),
    );
  });
  for (const word of ['bright-white', 'white', 'bright-yellow']) expect(contrasts[word], word).toBeGreaterThanOrEqual(4.5);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);
