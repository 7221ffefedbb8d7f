// Operations → Terminal host in a real Chromium against the real app with a real terminal host
// (TERMINAL_HOST=auto): the card, the restart dialog listing the terminals it ends, a refusal when
// the terminals changed meanwhile, the restart itself, and the card on a phone.
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { stopTerminalHosts, terminalHostPids } from '../helpers/terminal-host.js';

const fixture = useE2E({ env: { TERMINAL_HOST: 'auto' } });


let dataDir: string | null = null;
afterAll(() => {
  if (dataDir) stopTerminalHosts(dataDir);
});

class TerminalHostCard {
  constructor(readonly page: Page) {}

  get region() {
    return this.page.getByRole('region', { name: 'Terminal host' });
  }

  get restartButton() {
    return this.region.getByRole('button', { name: 'Restart terminal host…' });
  }

  get dialog() {
    return this.page.getByRole('dialog', { name: 'Restart the terminal host?' });
  }

  async open(): Promise<void> {
    await this.page.goto('/operations');
    await this.page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
    await this.region.getByText('Mode').waitFor();
  }

  fact(term: string) {
    return this.region.locator('.facts div', { has: this.page.locator('dt', { hasText: term }) }).locator('dd');
  }
}

it('shows the host, lists the terminals a restart ends, refuses a stale confirmation, and restarts', async () => {
  const e2e = fixture();
  dataDir = e2e.dataDir;
  await e2e.app.terminals.create({ name: 'build' });
  await e2e.app.terminals.create({ name: 'agent' });
  const [hostPid] = terminalHostPids(e2e.dataDir);
  expect(hostPid).toBeGreaterThan(0);

  const page = await e2e.newPage();
  await e2e.signIn(page);
  const card = new TerminalHostCard(page);
  await card.open();
  expect(await card.fact('Mode').textContent()).toBe('Started by Shellport when needed (auto)');
  expect(await card.fact('Status').textContent()).toBe('Running, connected');
  expect(await card.fact('Process id').textContent()).toBe(String(hostPid));
  expect(await card.fact('Running terminals').textContent()).toBe('2');
  await card.region.getByRole('list', { name: 'Terminals a restart would end' }).getByText('“build”').waitFor();
  await page.getByRole('region', { name: 'Health' }).getByText(/Terminal host: Connected to the terminal host/).waitFor();

  // Cancelled: nothing ends.
  await card.restartButton.click();
  await card.dialog.getByText(/This ends these 2 terminals: “(build|agent)”, “(build|agent)”/).waitFor();
  await card.dialog.getByRole('button', { name: 'Cancel' }).click();
  await card.dialog.waitFor({ state: 'detached' });
  expect(terminalHostPids(e2e.dataDir)).toEqual([hostPid]);

  // A terminal opens while the dialog shows two: the confirmation no longer matches, nothing ends.
  await card.restartButton.click();
  await card.dialog.getByRole('button', { name: 'End 2 terminals and restart' }).waitFor();
  await e2e.app.terminals.create({ name: 'late' });
  await card.dialog.getByRole('button', { name: 'End 2 terminals and restart' }).click();
  await card.region.getByRole('status').getByText(/3 terminal\(s\) are running now, not the 2 you confirmed: nothing was ended\..*The list above is up to date\./).waitFor();
  expect(await card.fact('Running terminals').textContent()).toBe('3');
  expect(e2e.app.terminals.countActive()).toBe(3);

  await card.restartButton.click();
  await card.dialog.getByText(/“late”/).waitFor();
  await card.dialog.getByRole('button', { name: 'End 3 terminals and restart' }).click();
  await card.region.getByRole('status').getByText(new RegExp(`Restarted the terminal host \\(pid ${hostPid}\\): 3 terminal\\(s\\) ended; the next terminal starts a new one\\.`)).waitFor({ timeout: 20_000 });
  expect(await card.fact('Status').textContent()).toBe('Not running');
  expect(await card.fact('Running terminals').textContent()).toBe('0');
  await card.region.getByText('No terminal host is running; the next terminal starts one.').waitFor();
  expect(e2e.app.terminals.countActive()).toBe(0);
  const ended = await e2e.app.terminals.list({ status: 'terminated' });
  expect(ended.map((terminal) => terminal.endReason)).toEqual(['host-restarted', 'host-restarted', 'host-restarted']);
  await e2e.screenshot(page, 'operations-terminal-host');
  // The stale confirmation's 409 is the browser's own notice of a refused request.
  expect(e2e.consoleProblems(page).filter((line) => !/Failed to load resource: .*status of 409 .*\/api\/terminal-host\/restart/.test(line))).toEqual([]);
});

it('fits a phone: the card, its button and the dialog stay within the screen', async () => {
  const e2e = fixture();
  dataDir = e2e.dataDir;
  await e2e.app.terminals.create({ name: 'a terminal with a rather long name for a phone screen' });
  const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await e2e.signIn(page);
  const card = new TerminalHostCard(page);
  await card.open();
  await card.restartButton.scrollIntoViewIfNeeded();
  const button = await card.restartButton.boundingBox();
  expect(button!.x).toBeGreaterThanOrEqual(0);
  expect(button!.x + button!.width).toBeLessThanOrEqual(390);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  await card.restartButton.tap();
  await card.dialog.getByText(/This ends this terminal: “a terminal with a rather long name/).waitFor();
  const dialog = await card.dialog.boundingBox();
  expect(dialog!.x).toBeGreaterThanOrEqual(0);
  expect(dialog!.x + dialog!.width).toBeLessThanOrEqual(390);
  await e2e.screenshot(page, 'operations-terminal-host-phone');
  await card.dialog.getByRole('button', { name: 'Cancel' }).tap();
  await card.dialog.waitFor({ state: 'detached' });
  expect(e2e.app.terminals.countActive()).toBe(1);
  expect(e2e.consoleProblems(page)).toEqual([]);
});
