// The terminals screen in a real Chromium against the real app, and its connection to the server:
// typing and output, tabs and split panes, restore after a reload, resuming after a dropped
// connection, outages, and two windows sharing one terminal. (terminals-controls.test.ts has the
// toolbar, keys and phone layout; terminals-program-output.test.ts tab marks, the bell and OSC 52.)
import type { Page, WebSocketRoute } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { countLines, openTerminals, runningSessionIds, TERMINALS_E2E, TERMINALS_WS } from './terminals-shared.js';

// The page's own global, inside page.evaluate (the tests are type-checked without the DOM library).
declare const requestAnimationFrame: (callback: () => void) => number;

const fixture = useE2E(TERMINALS_E2E);

/** The page's terminal WebSockets, routed through the test: each one's page side and server side. */
type RoutedConnection = { page: WebSocketRoute; server: WebSocketRoute };

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
