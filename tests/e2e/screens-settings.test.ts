// The web app's other screens in a real Chromium against the real server and the fake GitHub:
// sign-in, settings (theme, font size, sessions, the GitHub connection), toasts, operations, a
// phone-sized layout, and a screen left while loading. Screenshots go to test-artifacts/.
import { describe, expect, it } from 'vitest';
import { GITHUB_STATE_TEXT } from '../../src/shared/github.js';
import { useE2E } from './fixture.js';
import { AppShell } from './pages/app-shell.js';
import { OperationsPage } from './pages/operations-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { SignInPage } from './pages/sign-in-page.js';
import { TerminalsPage } from './pages/terminals.js';
import { isWorkspacesList, WorkspacesPage } from './pages/workspaces-page.js';
import { holdRequests, sessionCookie } from './screens-shared.js';

// Browser globals used inside page.evaluate() callbacks (the Node type-check has no DOM library).
declare const document: any;
declare const getComputedStyle: any;

const fixture = useE2E();

describe('web app screens: sign-in, settings and operations', () => {
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
      // Loaded: a workspace card, or the empty-list message (whatever the tests before this one left).
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
