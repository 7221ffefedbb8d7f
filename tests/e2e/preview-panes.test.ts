// The Ports list and previews beside the terminals (issue 23 §1), in a real Chromium: dev servers
// started with a real `node` in a workspace terminal are listed with their process, open in a
// pane beside the terminal (full-screen with Back on a phone), and one that forbids framing opens in
// a tab instead.
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { useE2E } from './fixture.js';
import { PreviewSide } from './pages/preview-side.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';

const fixture = useE2E();

/** A one-line dev server for the terminal; its LISTENING_<port> line is built at run time, so the typed command's echo does not match it. */
function devServerCommand(port: number, { denyFraming = false } = {}): string {
  const deny = denyFraming ? "s.setHeader('x-frame-options', 'DENY'); " : '';
  return (
    `node -e "require('http').createServer((q, s) => { ${deny}s.setHeader('content-type', 'text/html'); ` +
    `s.end('<title>app</title><h1>App on port ${port}</h1>'); }).listen(${port}, '127.0.0.1', () => console.log('LISTENING' + '_${port}'))"`
  );
}

describe('ports and previews beside the terminals', () => {
  let workspaceId = '';
  let framable = 0;
  let forbidding = 0;

  it("lists a workspace terminal's dev servers with their process and opens one beside the terminal", { timeout: 90_000 }, async () => {
    const e2e = fixture();
    await e2e.addRepo('preview-project');
    const page = await e2e.newPage();
    await e2e.signIn(page);
    workspaceId = await createWorkspace(page, 'octocat/preview-project');
    const terminals = new TerminalsPage(page);
    await terminals.open(`/terminals/${workspaceId}`);
    const side = new PreviewSide(page);

    // Nothing listens yet: the list says what to do.
    await side.openPorts();
    await expect.poll(() => side.emptyText().textContent()).toMatch(/Start a dev server in a terminal/);

    framable = await freePort();
    forbidding = await freePort();
    await terminals.run(`${devServerCommand(framable)} & ${devServerCommand(forbidding, { denyFraming: true })}`);
    await terminals.waitForLine(new RegExp(`^LISTENING_${framable}$`));
    await terminals.waitForLine(new RegExp(`^LISTENING_${forbidding}$`));

    // The list, still showing, refreshes by itself.
    await side.port(framable).waitFor({ timeout: 15_000 });
    expect(await side.port(framable).locator('.preview-port-process').textContent()).toMatch(/^node \(pid \d+\) on 127\.0\.0\.1$/);
    await side.port(forbidding).waitFor();

    await side.open(framable);
    await expect.poll(() => side.frame().locator('h1').textContent()).toBe(`App on port ${framable}`);
    // Beside the terminal, which still shows.
    expect(await terminals.view(0).isVisible()).toBe(true);
    const [paneBox, terminalBox] = [await side.side().boundingBox(), await terminals.view(0).boundingBox()];
    expect(paneBox!.x).toBeGreaterThanOrEqual(terminalBox!.x + terminalBox!.width - 1);
    await e2e.screenshot(page, 'preview-pane');
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('opens an app that forbids framing in a new tab instead, and says why', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const terminals = new TerminalsPage(page);
    await terminals.open(`/terminals/${workspaceId}`);
    const side = new PreviewSide(page);
    await side.openPorts();
    await side.port(forbidding).waitFor({ timeout: 15_000 });
    await side.open(forbidding);
    await expect.poll(() => side.refused().textContent()).toMatch(/does not allow other pages to show it in a frame \(X-Frame-Options: DENY\)/);
    expect(await page.locator('.preview-frame').count()).toBe(0);

    const [tab] = await Promise.all([page.context().waitForEvent('page'), side.refused().getByRole('link', { name: `Open port ${forbidding} in a new tab` }).click()]);
    await tab.waitForURL(new RegExp(`/preview/${forbidding}/~[A-Za-z0-9_-]{42}/$`));
    await expect.poll(() => tab.textContent('h1')).toBe(`App on port ${forbidding}`);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('shows a preview full-screen on a phone, and Back returns to the terminal', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await e2e.signIn(phone);
    const terminals = new TerminalsPage(phone);
    await terminals.open(`/terminals/${workspaceId}`);
    const side = new PreviewSide(phone);
    await side.openPorts();
    await side.port(framable).waitFor({ timeout: 15_000 });
    await side.open(framable);
    await expect.poll(() => side.frame().locator('h1').textContent()).toBe(`App on port ${framable}`);
    const box = await side.side().boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: 390, height: 844 });
    await e2e.screenshot(phone, 'preview-phone');

    await side.back();
    expect(await terminals.view(0).isVisible()).toBe(true);
    await terminals.waitForLine(new RegExp(`^LISTENING_${framable}$`));
    expect(e2e.consoleProblems(phone)).toEqual([]);
  });
});
