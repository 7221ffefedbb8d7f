// What programs' output does on the terminals screen beyond its text, in a real Chromium against the
// real app: the tab marks for unseen output, the bell, each terminal's activity on its tab and in
// the page's title, and copies to the clipboard (OSC 52).
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { openTerminals, TERMINALS_E2E, TERMINALS_WS } from './terminals-shared.js';

const fixture = useE2E(TERMINALS_E2E);

/** A tab that says nothing of unseen output (see TerminalsPage.tabMark). */
const NO_MARK = { description: null, mark: null };
const OUTPUT_MARK = { description: 'New output', mark: 'output' };
const BELL_MARK = { description: 'The bell rang', mark: 'bell' };

/**
 * Takes the focus from the page as another window in front would: another page takes the browser's
 * focus, and Chromium stops pretending the page still has it (Playwright's focus emulation). A click
 * on the page gives it back.
 */
async function loseFocus(page: Page): Promise<void> {
  await page.context().newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
  await expect.poll(() => page.evaluate('document.hasFocus()')).toBe(false);
}

/**
 * Headless Chromium reports every page visible (another page brought to the front, a minimised
 * window or a frozen page change nothing), so the page is told as a browser tells it: its
 * visibility state, then a visibilitychange event.
 */
async function setPageHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate(
    hidden
      ? "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }); Object.defineProperty(document, 'hidden', { configurable: true, get: () => true })"
      : 'delete document.visibilityState; delete document.hidden',
  );
  await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
}

/** The `terminal:ack` messages the page sends on its terminal WebSockets from now on. */
function acksSentBy(page: Page): { sessionId: string; seq: number }[] {
  const sent: { sessionId: string; seq: number }[] = [];
  page.on('websocket', (socket) => {
    if (!TERMINALS_WS.test(socket.url())) return;
    socket.on('framesent', ({ payload }) => {
      if (typeof payload === 'string' && payload.includes('"terminal:ack"')) sent.push((JSON.parse(payload) as { payload: { sessionId: string; seq: number } }).payload);
    });
  });
  return sent;
}

/** What the page types into its terminals (`terminal:input` data) from now on. */
function inputsSentBy(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (socket) => {
    if (!TERMINALS_WS.test(socket.url())) return;
    socket.on('framesent', ({ payload }) => {
      if (typeof payload === 'string' && payload.includes('"terminal:input"')) sent.push((JSON.parse(payload) as { payload: { data: string } }).payload.data);
    });
  });
  return sent;
}

it('marks the tab of a terminal behind others that prints, clears the mark when shown, and marks nothing for output replayed after a reload', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();
  const behindId = await terminals.sessionIdIn(0);
  await terminals.run('sleep 3; echo later-$((6*7))');
  await terminals.waitForLine(/sleep 3; echo later/);
  await terminals.newTerminal();
  const shownId = await terminals.sessionIdIn(0);

  // The terminal on screen prints as well: seen as it comes, so not marked.
  await terminals.run('echo shown-$((6*7))');
  await terminals.waitForLine(/^shown-42$/);
  await expect.poll(() => terminals.tabMark(behindId), { timeout: 6_000 }).toEqual(OUTPUT_MARK);
  await terminals.waitForSessionLine(behindId, /^later-42$/);
  expect(await terminals.tabMark(shownId)).toEqual(NO_MARK);
  expect(await terminals.tabLabel(behindId).getAttribute('title')).toMatch(/\nNew output$/);
  await e2e.screenshot(page, 'terminals-tab-activity');

  // Showing it clears the mark.
  await terminals.tabLabel(behindId).click();
  await expect.poll(() => terminals.sessionIdIn(0)).toBe(behindId);
  await terminals.waitForLine(/^later-42$/);
  expect(await terminals.tabMark(behindId)).toEqual(NO_MARK);

  // Split, both panes are on screen: output in the one without the focus marks nothing either.
  await terminals.splitSideBySide();
  const rightId = await terminals.sessionIdIn(1);
  await terminals.run('sleep 1; echo right-$((6*7))', 1);
  await terminals.focus(0);
  await terminals.waitForLine(/^right-42$/, 1);
  expect(await terminals.tabMark(rightId)).toEqual(NO_MARK);
  await terminals.toolbarButton('Close the split').click();

  // After a reload every terminal replays its output: no tab is marked for that.
  const acks = acksSentBy(page);
  await page.reload();
  await terminals.waitReady();
  const tabs = await terminals.tabSessionIds();
  expect(tabs).toContain(shownId);
  await terminals.waitForSessionLine(shownId, /^shown-42$/);
  for (const id of tabs) await terminals.waitForSessionLine(id, /\S/);
  for (const id of tabs) expect(await terminals.tabMark(id), id).toEqual(NO_MARK);

  // Output after the replay is new again.
  await terminals.tabLabel(shownId).click();
  await terminals.run('sleep 1; echo after-reload-$((6*7))');
  await page.keyboard.press('Control+Shift+PageDown');
  await expect.poll(() => terminals.sessionIdIn(0)).not.toBe(shownId);
  await expect.poll(() => terminals.tabMark(shownId), { timeout: 5_000 }).toEqual(OUTPUT_MARK);
  await terminals.waitForSessionLine(shownId, /^after-reload-42$/);

  // Resizing the window resizes every terminal and their shells redraw their prompt: not new output either.
  await terminals.tabLabel(shownId).click();
  await expect.poll(() => terminals.tabMark(shownId)).toEqual(NO_MARK);
  const outputEnd = async (id: string) => ((await (await page.request.get(`/api/terminals/${id}`)).json()) as { session: { seq: number } }).session.seq;
  const before = await outputEnd(behindId);
  await page.setViewportSize({ width: 1000, height: 640 });
  await expect.poll(() => outputEnd(behindId)).toBeGreaterThan(before);
  const redrawn = await outputEnd(behindId);
  // The page has processed the redraw once it acknowledges it.
  await expect.poll(() => acks.some((ack) => ack.sessionId === behindId && ack.seq >= redrawn)).toBe(true);
  for (const id of tabs) expect(await terminals.tabMark(id), id).toEqual(NO_MARK);

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('marks the tab of a terminal that rang the bell unseen, and while the page is hidden says so in its title', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();
  const ringingId = await terminals.sessionIdIn(0);
  await terminals.run(String.raw`sleep 2; printf '\a'`);
  await terminals.waitForLine(/sleep 2; printf/);
  await terminals.newTerminal();
  const shownId = await terminals.sessionIdIn(0);

  // Behind another tab: the bell mark.
  await expect.poll(() => terminals.tabMark(ringingId), { timeout: 5_000 }).toEqual(BELL_MARK);
  expect(await terminals.tabMark(shownId)).toEqual(NO_MARK);
  await e2e.screenshot(page, 'terminals-tab-bell');

  // On screen, in a page that has the focus, the bell is heard by nobody and marks nothing (and makes no sound).
  await terminals.run(String.raw`printf '\a'; echo rang-here-$((6*7))`);
  await terminals.waitForLine(/^rang-here-42$/);
  expect(await terminals.tabMark(shownId)).toEqual(NO_MARK);

  // On screen while another window has the focus: marked, until the page has the focus again.
  await terminals.run(String.raw`sleep 2; printf '\a'; echo rang-unfocused-$((6*7))`);
  await loseFocus(page);
  await terminals.waitForLine(/^rang-unfocused-42$/);
  await expect.poll(() => terminals.tabMark(shownId)).toEqual(BELL_MARK);
  await terminals.focus(0);
  await expect.poll(() => terminals.tabMark(shownId)).toEqual(NO_MARK);

  // In a hidden page, the title starts with a bell until the page is visible again; then it is what it was.
  const title = await page.title();
  expect(title).toMatch(/ · Shellport$/);
  await terminals.run(String.raw`sleep 1; printf '\a'; echo rang-hidden-$((6*7))`);
  await setPageHidden(page, true);
  await terminals.waitForLine(/^rang-hidden-42$/);
  await expect.poll(() => page.title()).toBe(`🔔 ${title}`);
  expect(await terminals.tabMark(shownId)).toEqual(BELL_MARK);
  await setPageHidden(page, false);
  await expect.poll(() => page.title()).toBe(title);
  expect(await terminals.tabMark(shownId)).toEqual(NO_MARK);

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('lets programs copy to the clipboard (OSC 52), never lets them read it, and refuses a copy too large', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const inputs = inputsSentBy(page);
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();

  // What a shell, vim or tmux send: base64 after "52;c;", ended by BEL …
  await terminals.run(String.raw`printf '\e]52;c;%s\a' "$(printf hello | base64)"; echo copied-$((6*7))`);
  await terminals.waitForLine(/^copied-42$/);
  await expect.poll(() => terminals.readClipboard()).toBe('hello');
  // … or by ST, with no selection named; the text is UTF-8.
  await terminals.run(String.raw`printf '\e]52;;%s\e\\' "$(printf 'gr\u00fc\u00dfe \u2713' | base64)"; echo copied-utf8-$((6*7))`);
  await terminals.waitForLine(/^copied-utf8-42$/);
  await expect.poll(() => terminals.readClipboard()).toBe('grüße ✓');
  expect(await terminals.copyNotice(0).isHidden()).toBe(true);

  // A read request is never answered: the clipboard stays as it was and nothing is typed into the terminal
  // (an answer would be echoed by the terminal, or read by cat, as ^[]52;c;…).
  await terminals.writeClipboard('mine-42');
  await terminals.run(String.raw`printf '\e]52;c;?\a'; timeout 1 cat -v; echo read-done-$((6*7))`);
  await terminals.waitForLine(/read-done-42$/);
  expect(await terminals.screenText(0)).not.toContain('^[]52');
  expect(inputs.join('')).toContain('read-done');
  expect(inputs.filter((data) => data.includes('\x1b]'))).toEqual([]);
  expect(await terminals.readClipboard()).toBe('mine-42');

  // A reload replays the copies above: they do not copy again.
  await page.reload();
  await terminals.waitReady();
  await terminals.waitForLine(/^read-done-42$/);
  expect(await terminals.readClipboard()).toBe('mine-42');

  // More than 1 MiB is refused, and the notice says so.
  await terminals.run(String.raw`printf '\e]52;c;%s\a' "$(head -c 1200000 /dev/zero | tr '\0' x | base64 -w0)"; echo big-$((6*7))`);
  await terminals.waitForLine(/^big-42$/, 0, 30_000);
  const notice = terminals.copyNotice(0);
  await expect.poll(() => notice.textContent()).toContain('A program tried to copy 1.1 MiB, more than the 1 MiB allowed, so nothing was copied.');
  expect(await notice.getByRole('button', { name: 'Copy' }).count()).toBe(0);
  expect(await terminals.readClipboard()).toBe('mine-42');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect.poll(() => notice.isHidden()).toBe(true);
  await terminals.waitFocused(0);

  // Without the focus the browser refuses the copy: the notice offers it, and its button copies with the click.
  await terminals.run(String.raw`sleep 2; printf '\e]52;c;%s\a' "$(printf refused-copy-42 | base64)"`);
  await loseFocus(page);
  await expect.poll(() => notice.textContent(), { timeout: 5_000 }).toContain('A program copied 15 bytes; the browser asks for a click to put it on the clipboard.');
  await e2e.screenshot(page, 'terminals-program-copy');
  await notice.getByRole('button', { name: 'Copy' }).click();
  await expect.poll(() => notice.isHidden()).toBe(true);
  await expect.poll(() => terminals.readClipboard()).toBe('refused-copy-42');
  await terminals.waitFocused(0);

  expect(e2e.consoleProblems(page)).toEqual([]);
}, 90_000);

it('shows each terminal\'s activity on its tab, counts the ones needing the owner in the title, and a reload raises nothing again', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  const ringingId = await terminals.sessionIdIn(0);
  // By the keyboard: earlier tests leave many tabs here, and the scrolled tab strip can slip under the "in workspaces" menu.
  const select = async (id: string) => {
    await terminals.tabLabel(id).focus();
    await page.keyboard.press('Enter');
    await terminals.viewOf(id).and(page.locator('[data-slot="0"]')).waitFor();
  };

  // A command that fails: the tab says so, in words and with its colour.
  await terminals.run('(exit 3)');
  await expect.poll(() => terminals.tabActivity(ringingId)).toEqual({ state: 'failed', text: 'Failed', needsYou: false });

  // A bell in a terminal behind another tab, from a command still running: waiting for input, counted in the title.
  await terminals.run(String.raw`sleep 2; printf '\a'; sleep 120`);
  await terminals.waitForLine(/sleep 2; printf/);
  await terminals.newTerminal();
  const shownId = await terminals.sessionIdIn(0);
  await expect.poll(() => terminals.tabActivity(ringingId), { timeout: 10_000 }).toEqual({ state: 'waiting', text: 'Waiting for input', needsYou: true });
  await expect.poll(() => page.title()).toMatch(/^\(1\) .* · Shellport$/);
  await e2e.screenshot(page, 'terminals-tab-activity');

  // After a reload the server still says what is true (the replayed bell rings nothing new): one.
  await page.reload();
  await terminals.waitReady();
  await expect.poll(() => terminals.tabActivity(ringingId)).toEqual({ state: 'waiting', text: 'Waiting for input', needsYou: true });
  await expect.poll(() => page.title()).toMatch(/^\(1\) /);

  // Seen: no longer counted. A reload replays its bell again, and nothing is raised.
  await select(ringingId);
  await expect.poll(() => page.title()).not.toMatch(/^\(\d+\)/);
  expect(await terminals.tabActivity(ringingId)).toMatchObject({ state: 'waiting', needsYou: false });
  await page.reload();
  await terminals.waitReady();
  await select(shownId);
  await expect.poll(() => terminals.tabActivity(ringingId)).toMatchObject({ state: 'waiting', needsYou: false });
  expect(await page.title()).not.toMatch(/^\(\d+\)/);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);
