// The scrollback is the owner's setting (Settings → Scrollback), and search covers exactly it,
// starting from the newest match.
import { expect, it } from 'vitest';
import { AppShell } from './pages/app-shell.js';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();

it('search starts at the newest match and goes to older ones with Enter', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  await terminals.run("printf 'needle-%s\\n' old middle new");
  await terminals.waitForLine(/^needle-new$/);
  await terminals.focus(0);
  await page.keyboard.press('Control+f');
  const box = terminals.view(0).getByRole('searchbox', { name: 'Find in terminal' });
  await box.fill('needle-');
  const status = terminals.view(0).locator('.term-search-status');
  // The output's three and the command line's one: the newest (the last in order) is the one shown first.
  await expect.poll(() => status.textContent()).toMatch(/^(\d+) of \1$/);
  const total = Number((await status.textContent())!.split(' of ')[1]);
  await box.press('Enter');
  await expect.poll(() => status.textContent()).toBe(`${total - 1} of ${total}`);
  await box.press('Shift+Enter');
  await expect.poll(() => status.textContent()).toBe(`${total} of ${total}`);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);

it('keeps as many lines as Settings says, and search covers exactly those', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const shell = new AppShell(page);
  await page.goto('/settings');
  const scrollback = page.getByLabel('Scrollback (lines)', { exact: true });
  await expect.poll(() => scrollback.inputValue()).toBe('10000');
  await scrollback.fill('1000');
  await scrollback.press('Tab');
  await shell.toasts().filter({ hasText: 'Terminals keep 1,000 lines of scrollback.' }).waitFor();
  // A value out of range is explained at the field and not saved.
  await scrollback.fill('5');
  await scrollback.press('Tab');
  await page.getByText('Scrollback must be a whole number of lines between 1,000 and 100,000.').first().waitFor();

  await shell.goTo('Terminals');
  const terminals = new TerminalsPage(page);
  await terminals.waitReady();
  await terminals.run("echo first-marker; seq 1 3000 | sed 's/^/line-/'; echo done-$((6*7))");
  await terminals.waitForLine(/^done-42$/, 0, 20_000);
  expect(await terminals.find('line-2999')).toBe(true);
  // 1000 lines back from the end reach line 2000 or so: the marker and the first lines are gone.
  expect(await terminals.find('first-marker')).toBe(false);
  expect(await terminals.find('line-1000')).toBe(false);

  // Back to a generous scrollback: a new terminal keeps everything printed.
  await page.goto('/settings');
  await scrollback.fill('20000');
  await scrollback.press('Tab');
  await shell.toasts().filter({ hasText: 'Terminals keep 20,000 lines of scrollback.' }).waitFor();
  await shell.goTo('Terminals');
  await terminals.waitReady();
  await terminals.newTerminal();
  await terminals.run("echo second-marker; seq 1 3000 | sed 's/^/row-/'; echo done-$((7*7))");
  await terminals.waitForLine(/^done-49$/, 0, 20_000);
  expect(await terminals.find('second-marker')).toBe(true);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);
