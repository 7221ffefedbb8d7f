// The terminals screen in a real Chromium against the real app: typing and output, tabs and split
// panes, restore after reload, resuming after a dropped connection, and the phone key bar.
import { readFileSync } from 'node:fs';
import type { Page, WebSocketRoute } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';

// The page's own global, inside page.evaluate (the tests are type-checked without the DOM library).
declare const requestAnimationFrame: (callback: () => void) => number;

// A small flow-control window and a stall timeout longer than any wait below: if the page did not
// acknowledge what xterm has written, a burst of output would stay paused and the test would fail.
// Small windows and buffers: a burst outruns the flow-control window and a long outage outruns
// what the server keeps (reset).
const fixture = useE2E({
  env: {
    TERMINAL_FLOW_HIGH_WATERMARK_KB: '64',
    TERMINAL_STALL_TIMEOUT_MS: '120000',
    TERMINAL_RING_BUFFER_KB: '64',
    TERMINAL_RETAINED_OUTPUT_KB: '64',
  },
});

const countLines = (text: string, line: string) => text.split('\n').filter((row) => row === line).length;

/** The page's terminal WebSockets, routed through the test: each one's page side and server side. */
type RoutedConnection = { page: WebSocketRoute; server: WebSocketRoute };
const TERMINALS_WS = /\/ws\/terminals$/;

/**
 * The console problems the app caused, without one the routing harness causes. Under
 * page.routeWebSocket the page holds Playwright's stand-in socket, which still reads OPEN while the
 * real socket beneath it closes after `server.close()`: a send in that window reaches the closing
 * socket and Chromium logs this. A page's own socket reads CLOSING then, and the app checks.
 */
const ROUTED_SOCKET_CLOSING = 'WebSocket is already in CLOSING or CLOSED state.';
function appProblems(e2e: ReturnType<typeof fixture>, page: Page): string[] {
  return e2e.consoleProblems(page).filter((problem) => !problem.endsWith(ROUTED_SOCKET_CLOSING));
}

/** While `refuse` is set, new connections are closed at once (the server is unreachable); `refused` counts them. */
type Gate = { refuse: boolean; refused: number };

/** Routes the page's terminal WebSockets through the test; the list fills as the page connects. */
async function routeTerminalSockets(page: Page, gate: Gate = { refuse: false, refused: 0 }): Promise<RoutedConnection[]> {
  const connections: RoutedConnection[] = [];
  await page.routeWebSocket(TERMINALS_WS, (ws) => {
    if (gate.refuse) {
      gate.refused++;
      void ws.close();
    } else {
      connections.push({ page: ws, server: ws.connectToServer() });
    }
  });
  return connections;
}

/** The `terminal:resize` messages the page sends on its terminal WebSockets from now on. */
function resizesSentBy(page: Page): string[] {
  const sent: string[] = [];
  page.on('websocket', (socket) => {
    if (!TERMINALS_WS.test(socket.url())) return;
    socket.on('framesent', ({ payload }) => {
      if (typeof payload === 'string' && payload.includes('"terminal:resize"')) sent.push(payload);
    });
  });
  return sent;
}

/** The terminals running on the server, as the page's own session sees them. */
async function runningSessionIds(page: Page): Promise<string[]> {
  const { sessions } = (await page.evaluate(async () => (await fetch('/api/terminals')).json())) as { sessions: { id: string; status: string }[] };
  return sessions.filter((session) => session.status === 'active').map((session) => session.id);
}

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

/** Signs the page in and opens the terminals screen. */
async function openTerminals(e2e: ReturnType<typeof fixture>, page: Page): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  return terminals;
}

it('opens terminals with tabs and a split, restores them after a reload and resumes after a dropped connection', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const connections = await routeTerminalSockets(page);
  const terminals = await openTerminals(e2e, page);
  expect(await terminals.tabs().count()).toBe(1);

  // Type and see the output.
  await terminals.run('echo hello-$RANDOM');
  const hello = await terminals.waitForLine(/^hello-\d+$/);
  const firstId = await terminals.sessionIdIn(0);

  // A second tab, then a split, which opens a third terminal beside it; its tab shows the first there instead.
  await terminals.newTerminal();
  expect(await terminals.tabs().count()).toBe(2);
  const secondId = await terminals.sessionIdIn(0);
  expect(secondId).not.toBe(firstId);
  await terminals.run('echo second-$RANDOM');
  const second = await terminals.waitForLine(/^second-\d+$/);
  await terminals.splitSideBySide();
  const splitId = await terminals.sessionIdIn(1);
  expect([firstId, secondId]).not.toContain(splitId);
  await terminals.tabLabel(firstId).click();
  await expect.poll(() => terminals.sessionIdIn(1)).toBe(firstId);
  await terminals.waitForLine(new RegExp(`^${hello}$`), 1);
  await e2e.screenshot(page, 'terminals-desktop');
  // The keyboard meets the panes as they are seen (left, then right), and Ctrl+Shift+← / → move between them.
  const leftFirst = await page.evaluate(
    "document.querySelector('.term-view[data-slot=\"0\"]').compareDocumentPosition(document.querySelector('.term-view[data-slot=\"1\"]')) & Node.DOCUMENT_POSITION_FOLLOWING",
  );
  expect(leftFirst).toBeTruthy();
  await terminals.focus(0);
  await page.keyboard.press('Control+Shift+ArrowRight');
  await terminals.waitFocused(1);
  await page.keyboard.press('Control+Shift+ArrowLeft');
  await terminals.waitFocused(0);

  // Reload: the same terminals, in the same panes, with their scrollback.
  await page.reload();
  await terminals.waitReady();
  expect(await terminals.tabSessionIds()).toEqual([firstId, secondId, splitId]);
  expect(await terminals.sessionIdIn(0)).toBe(secondId);
  expect(await terminals.sessionIdIn(1)).toBe(firstId);
  await terminals.waitForLine(new RegExp(`^${second}$`), 0);
  await terminals.waitForLine(new RegExp(`^${hello}$`), 1);

  // Drop the connection to the server while output is being produced; it resumes from the last seq.
  // Only this page's connection is attached (the one from before the reload is gone).
  const attachedClients = async (id: string) => ((await (await page.request.get(`/api/terminals/${id}`)).json()) as { session: { clients: number } }).session.clients;
  await expect.poll(() => attachedClients(secondId)).toBe(1);
  const before = connections.length;
  await terminals.run('for i in 1 2 3 4 5 6; do echo L$((i*111)); sleep 0.2; done; echo loop-$((6*7))-done', 0);
  await terminals.waitForLine(/^L111$/, 0);
  await connections.at(-1)?.server.close();
  await expect.poll(() => connections.length, { timeout: 10_000 }).toBe(before + 1);
  await terminals.waitForLine(/^loop-42-done$/, 0);
  await page.locator('.term-conn[data-state="connected"]').waitFor();
  const text = await terminals.screenText(0);
  for (const line of ['L111', 'L222', 'L333', 'L444', 'L555', 'L666', 'loop-42-done', second]) {
    expect(countLines(text, line), `${line} in:\n${text}`).toBe(1);
  }
  // Still attached after the reconnect: typing reaches the shell.
  await terminals.run('echo after-$RANDOM', 0);
  await terminals.waitForLine(/^after-\d+$/, 0);

  // A burst much larger than the flow-control window (64 KiB here) arrives whole and in order: the
  // page acknowledges what xterm has written, so the terminal is never left paused.
  await terminals.run('seq 1 80000; echo flow-$((6*7))', 0);
  await terminals.waitForLine(/^flow-42$/, 0, 30_000);
  const tail = (await terminals.screenText(0)).split('\n');
  const end = tail.indexOf('flow-42');
  expect(tail.slice(end - 5, end)).toEqual(['79996', '79997', '79998', '79999', '80000']);

  // Ctrl+F opens the search box; Escape closes it and gives the terminal the focus back.
  await terminals.run('echo find-me find-me', 0);
  await terminals.waitForLine(/^find-me find-me$/, 0);
  await terminals.focus(0);
  await page.keyboard.press('Control+f');
  const search = page.getByRole('searchbox', { name: 'Find in terminal' });
  await expect.poll(() => search.evaluate((input) => input === (input.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);
  // Matches are counted: twice in the command typed above, twice in its output.
  await search.fill('find-me');
  await search.press('Enter');
  await expect.poll(() => terminals.view(0).locator('.term-search-status').textContent()).toMatch(/^[1-4] of 4$/);
  await search.fill('no-such-text-anywhere');
  await expect.poll(() => terminals.view(0).locator('.term-search-status').textContent()).toBe('No matches');
  // The box has one ×, its Close search: no clear button at the end of the field beside it (clicks there keep the text).
  const searchBox = (await search.boundingBox())!;
  for (let x = searchBox.width - 30; x < searchBox.width - 2; x += 4) await search.click({ position: { x, y: searchBox.height / 2 } });
  expect(await search.inputValue()).toBe('no-such-text-anywhere');
  await search.press('Escape');
  await terminals.waitFocused(0);

  // Rename from the toolbar's menu; Ctrl+Shift+↑ leaves the terminal for the tab bar.
  await terminals.chooseMore('Rename terminal');
  await page.getByRole('dialog').getByRole('textbox', { name: 'Name' }).fill('builds');
  await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
  await page.getByRole('tab', { name: 'builds' }).waitFor();
  await terminals.focus(0);
  await page.keyboard.press('Control+Shift+ArrowUp');
  await expect.poll(() => page.getByRole('tab', { name: 'builds' }).evaluate((tab) => tab === (tab.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);

  // A shell that exits shows its exit code and stops showing a cursor. A command typed into it runs
  // nowhere (no key presses "Start again"); an Enter on its own starts a new shell in the same place.
  await terminals.run('exit 3', 1);
  await expect.poll(() => terminals.view(1).locator('.term-exit').textContent()).toContain('The shell exited with code 3. Enter starts a new shell here.');
  // In a half-width pane the bar is one line: its buttons are not pushed onto a second one.
  const startAgainBox = (await terminals.view(1).getByRole('button', { name: 'Start again' }).boundingBox())!;
  const closeTabBox = (await terminals.view(1).getByRole('button', { name: 'Close tab' }).boundingBox())!;
  expect(closeTabBox.y).toBe(startAgainBox.y);
  expect((await terminals.view(1).locator('.term-exit').boundingBox())!.height).toBeLessThan(startAgainBox.height * 2);
  await expect.poll(() => terminals.view(1).locator('.xterm-cursor').count()).toBe(0);
  const runningBefore = await runningSessionIds(page);
  await terminals.run('echo one two three four', 1);
  await terminals.view(1).getByText('What you type here goes nowhere').waitFor();
  expect(await terminals.hasFocus(terminals.view(1).getByRole('button', { name: 'Start again' }))).toBe(false);
  expect(await terminals.sessionIdIn(1)).toBe(firstId);
  expect((await runningSessionIds(page)).sort()).toEqual([...runningBefore].sort());
  await terminals.focus(1);
  // A second Enter while the first is starting the shell starts nothing more.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminals.sessionIdIn(1)).not.toBe(firstId);
  const restartedId = await terminals.sessionIdIn(1);
  await terminals.run('echo again-$RANDOM', 1);
  await terminals.waitForLine(/^again-\d+$/, 1);
  // The new shell started with an empty line: nothing typed into the ended one reached it.
  expect(await terminals.screenText(1)).not.toMatch(/one two|command not found/);
  expect(await terminals.tabSessionIds()).toEqual([restartedId, secondId, splitId]);
  expect((await runningSessionIds(page)).sort()).toEqual([...runningBefore, restartedId].sort());

  // Clicking a pane makes it the focused one (outlined, and the one search and the key bar act on).
  await terminals.focus(0);
  await expect.poll(() => page.locator('.term-view-focused').getAttribute('data-slot')).toBe('0');
  await terminals.focus(1);
  await expect.poll(() => page.locator('.term-view-focused').getAttribute('data-slot')).toBe('1');
  // Outlined all round (not only along its top), the other pane not at all.
  type Styled = { ownerDocument: { defaultView: { getComputedStyle(element: unknown): { boxShadow: string } } } };
  const outline = (slot: 0 | 1) => terminals.view(slot).evaluate((view) => (view as unknown as Styled).ownerDocument.defaultView.getComputedStyle(view).boxShadow);
  expect(await outline(1)).toMatch(/0px 0px 0px 1px inset/);
  expect(await outline(0)).toBe('none');

  // Closing a running terminal asks first. A reflexive Enter keeps the shell; "Kill terminal" ends it on the server.
  await terminals.closeTab(restartedId);
  const keep = page.getByRole('dialog').getByRole('button', { name: 'Keep running' });
  await expect.poll(() => keep.evaluate((button) => button === (button.ownerDocument as { activeElement: unknown }).activeElement)).toBe(true);
  await page.getByRole('dialog').getByRole('button', { name: 'Kill terminal' }).click();
  await expect.poll(() => terminals.tabSessionIds()).toEqual([secondId, splitId]);
  const killed = await page.evaluate(async (id) => (await (await fetch(`/api/terminals/${id}`)).json()) as { session: { status: string } }, restartedId);
  expect(killed.session.status).toBe('terminated');

  expect(appProblems(e2e, page)).toEqual([]);
}, 60_000);

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

it('after an outage whose output the server no longer fully has, resets the screen and shows what it kept', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  // The network, as the page sees it: while offline, every WebSocket is refused.
  let online = true;
  const connections: RoutedConnection[] = [];
  await page.routeWebSocket(TERMINALS_WS, (ws) => {
    if (!online) {
      void ws.close();
      return;
    }
    connections.push({ page: ws, server: ws.connectToServer() });
  });
  const dropNetwork = async () => {
    online = false;
    for (const connection of connections.splice(0)) {
      await connection.server.close();
      await connection.page.close();
    }
  };
  const terminals = await openTerminals(e2e, page);
  await terminals.newTerminal();
  const id = await terminals.sessionIdIn(0);
  await terminals.run('echo before-$((6*7))');
  await terminals.waitForLine(/^before-42$/);
  expect(await terminals.find('before-42')).toBe(true);

  // ~600 KB of output while the network is down: more than the server keeps (here 256 KiB: the
  // retained output is at least the ring buffer, 2 × high watermark + 128 KiB) yet fewer rows
  // than xterm's scrollback, so without the reset the old lines would still be there.
  await terminals.run(`sleep 1; seq 1 1400 | sed 's/$/ ${'x'.repeat(425)}/'; echo outage-$((6*7))`);
  await dropNetwork();
  await page.locator('.term-conn:not([data-state="connected"])').waitFor();
  await expect
    .poll(
      async () => {
        const response = await page.request.get(`/api/terminals/${id}/output?since=0`);
        return response.headers()['shellport-output-truncated'] === 'true' && (await response.text()).includes('outage-42');
      },
      { timeout: 15_000 },
    )
    .toBe(true);

  // The network is back; the browser says so with an `online` event, which skips the backoff.
  online = true;
  await page.evaluate('window.dispatchEvent(new Event("online"))');
  await page.locator('.term-conn[data-state="connected"]').waitFor();
  await terminals.waitForLine(/^outage-42$/);
  const rows = (await terminals.screenText(0)).split('\n');
  const end = rows.indexOf('outage-42');
  expect(rows[end - 1]).toMatch(/^x+$/); // the end of line 1400, wrapped
  // Searched until found: on a loaded machine a second reconnect (the backoff's timer beside the
  // `online` event) may still be replaying the kept output into the scrollback.
  await expect.poll(() => terminals.find(`1400 ${'x'.repeat(20)}`), { timeout: 15_000 }).toBe(true);
  // terminal:reset cleared the screen: what the server no longer has is not shown stale either.
  expect(await terminals.find('before-42')).toBe(false);

  // Failed connection attempts while offline are the browser's own messages; nothing else.
  expect(appProblems(e2e, page).filter((problem) => !problem.includes('WebSocket connection to'))).toEqual([]);
}, 60_000);

it('announces an outage that lasts, runs what was typed meanwhile, and stops reconnecting when the server ends the connection as signed out', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const gate = { refuse: false, refused: 0 };
  const connections = await routeTerminalSockets(page, gate);
  const terminals = await openTerminals(e2e, page);
  expect(connections).toHaveLength(1);
  const outage = terminals.outage();
  const outageMessage = outage.getByRole('status');
  const retryNow = outage.getByRole('button', { name: 'Retry now' });

  // What the server sends when the sign-in ended (close code 4001): retrying cannot help.
  await connections[0]!.page.close({ code: 4001, reason: 'signed out' });
  await page.locator('.term-conn[data-state="offline"]').waitFor();
  const reconnect = page.getByRole('button', { name: 'Reconnect now' });
  await reconnect.waitFor();
  expect(connections).toHaveLength(1);
  expect(await outageMessage.textContent()).toMatch(/^Not connected to the server\..*choose Reconnect\.$/);
  // Offline, the toolbar's Reconnect (which the message names) is the way back; the banner has no second one.
  expect(await retryNow.isHidden()).toBe(true);

  // Still signed in here, so choosing Reconnect connects again and the terminal works.
  await reconnect.click();
  await page.locator('.term-conn[data-state="connected"]').waitFor();
  expect(connections).toHaveLength(2);
  await terminals.run('echo back-$((6*7))');
  await terminals.waitForLine(/^back-42$/);
  expect(await outage.isHidden()).toBe(true);

  // A connection that stays down is announced above the terminals; what is typed meanwhile runs once it is back.
  gate.refuse = true;
  await connections.at(-1)!.server.close();
  await page.locator('.term-conn[data-state="reconnecting"]').waitFor();
  await outage.waitFor({ state: 'visible', timeout: 10_000 });
  expect(await outageMessage.textContent()).toMatch(/^Connection lost, reconnecting…/);
  await terminals.focus(0);
  await page.keyboard.type('echo held-$((6*7))');
  await page.keyboard.press('Enter');
  // What was typed is counted (18 characters and Enter), so that it does not look lost.
  await expect.poll(() => outage.textContent()).toContain('19 inputs waiting to be sent.');
  await e2e.screenshot(page, 'terminals-reconnecting');
  // The banner says when the next attempt is, and "Retry now" makes one at once.
  await expect.poll(() => outage.textContent(), { timeout: 10_000 }).toMatch(/Next attempt in [2-5] s\./);
  const refusedBefore = gate.refused;
  await retryNow.click();
  await expect.poll(() => gate.refused, { timeout: 800 }).toBeGreaterThan(refusedBefore);
  gate.refuse = false;
  await page.locator('.term-conn[data-state="connected"]').waitFor({ timeout: 15_000 });
  await terminals.waitForLine(/^held-42$/);
  expect(await outage.isHidden()).toBe(true);

  expect(appProblems(e2e, page)).toEqual([]);
}, 40_000);

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

it('says when another window\'s size is in force, and takes the size back on a click', async () => {
  const e2e = fixture();
  const desk = await e2e.newPage();
  const deskResizes = resizesSentBy(desk);
  const terminals = await openTerminals(e2e, desk);
  await terminals.newTerminal();
  const id = await terminals.sessionIdIn(0);
  const notice = terminals.view(0).locator('.term-sized');

  // The same terminal on a phone: typing there gives the shell the phone's size.
  const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await e2e.signIn(phone);
  const onPhone = new TerminalsPage(phone);
  await onPhone.open(`/terminals?session=${id}`);
  expect(await onPhone.sessionIdIn(0)).toBe(id);
  await onPhone.run("stty size | sed 's/^/phone /'");
  const [, , phoneCols] = (await onPhone.waitForLine(/^phone \d+ \d+$/)).split(' ');
  await notice.waitFor({ state: 'visible' });
  // (The phone's rows may change again as its key bar settles; the notice tells the latest size.)
  expect(await notice.textContent()).toMatch(new RegExp(`^Sized for another window \\(${phoneCols}×\\d+\\)`));
  // Showing the notice must not resize the desk's terminal (which would take the size back by itself,
  // and the two windows would take turns).
  const resizesBefore = deskResizes.length;
  // A resize caused by the notice would leave within two frames (ResizeObserver, then the refit in
  // requestAnimationFrame); then a round trip through the shell to the desk. The command runs on the
  // phone: typing on the desk would take the size back by itself.
  await desk.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(() => resolve())))));
  await onPhone.run('echo round-$((20+22))');
  await terminals.waitForLine(/^round-42$/);
  expect(deskResizes.length).toBe(resizesBefore);
  expect(await notice.isVisible()).toBe(true);
  expect(await onPhone.view(0).locator('.term-sized').isHidden()).toBe(true);

  // A click on the notice takes the desk's size back: the phone is told, and the shell has the desk's size.
  await notice.click();
  await expect.poll(() => notice.isHidden()).toBe(true);
  await onPhone.view(0).locator('.term-sized').waitFor({ state: 'visible' });
  await terminals.run("stty size | sed 's/^/desk /'");
  const [, , deskCols] = (await terminals.waitForLine(/^desk \d+ \d+$/)).split(' ');
  expect(Number(deskCols)).toBeGreaterThan(Number(phoneCols));

  expect(e2e.consoleProblems(desk)).toEqual([]);
  expect(e2e.consoleProblems(phone)).toEqual([]);
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
