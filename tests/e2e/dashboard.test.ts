// The dashboard (issue 20) on a phone: every running terminal with its state in a sign and a word and a
// preview of its screen, the ones needing the owner first, a tap opening the terminal, an approval answered in place, the same after
// a reload. And on the phone's terminals screen, two fingers
// swiped sideways move to the next or previous terminal.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { DashboardResponse } from '../../src/shared/attention.js';
import { useE2E } from './fixture.js';
import { DashboardPage } from './pages/dashboard-page.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';

const FAKE_AGENT = path.resolve(import.meta.dirname, '../helpers/fake-agent.mjs');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

const fixture = useE2E();

/** The terminals the server lists for the dashboard, in its order. */
async function serverOrder(page: Page): Promise<string[]> {
  return page.evaluate(async () => ((await (await fetch('/api/dashboard')).json()) as DashboardResponse).terminals.map((terminal) => terminal.id));
}

/** Two fingers on the phone's screen slide sideways by `dx` (negative: to the left), through DevTools' touch input. */
async function twoFingerSwipe(page: Page, dx: number, fingers = 2): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const y = 420;
  const points = (x: number) => Array.from({ length: fingers }, (_, id) => ({ x: x + id * 90, y, id }));
  const start = dx < 0 ? 260 - 90 * (fingers - 1) : 60;
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(start) });
  for (let step = 1; step <= 8; step++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(start + (dx * step) / 8) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** Two fingers spread apart from 60 px to 60 + `grow` px around the same midpoint: a pinch outwards. */
async function spread(page: Page, grow: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const points = (apart: number) => [
    { x: 195 - apart / 2, y: 420, id: 0 },
    { x: 195 + apart / 2, y: 420, id: 1 },
  ];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(60) });
  for (let step = 1; step <= 8; step++) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(60 + (grow * step) / 8) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

describe('the dashboard', () => {
  const ids: Record<'working' | 'waiting' | 'failed' | 'approval', string> = { working: '', waiting: '', failed: '', approval: '' };
  let workspaceId = '';

  it('shows every terminal, the ones needing you first, opens one with a tap, answers an approval, and reads the same after a reload', { timeout: 120_000 }, async () => {
    const e2e = fixture();
    await e2e.addRepo('dash-project');
    const desk = await e2e.newPage();
    await e2e.signIn(desk);
    expect(await desk.evaluate(async () => (await fetch('/api/hooks/claude/install', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)).toBe(200);
    workspaceId = await createWorkspace(desk, 'octocat/dash-project');

    // Four terminals, each in another state: a long command, one that will ring the bell, one that
    // failed, and an agent asking for approval.
    const terminals = new TerminalsPage(desk);
    await terminals.open(`/terminals/${workspaceId}`);
    ids.working = await terminals.sessionIdIn(0);
    await terminals.run('sleep 600');
    await terminals.newTerminal();
    ids.waiting = await terminals.sessionIdIn(0);
    await terminals.run(String.raw`sleep 4; printf '\a'; sleep 600`);
    await terminals.newTerminal();
    ids.failed = await terminals.sessionIdIn(0);
    // A row longer than a phone is wide: the preview cuts it, the page does not scroll sideways.
    await terminals.run(`echo about-to-fail; printf 'long-%0150d\\n' 0; false`);
    await terminals.waitForLine(/^about-to-fail$/);
    await terminals.newTerminal();
    ids.approval = await terminals.sessionIdIn(0);
    await terminals.run(`"$SHELLPORT_NODE" ${FAKE_AGENT} ask-permission Bash 'npm run e2e'`);
    // Nobody looks at the terminals now: the bell and the request are for the owner to find.
    await desk.goto('/workspaces');

    // The phone opens the dashboard, as the installed app does (its start_url).
    const page = await e2e.newPage(PHONE);
    await e2e.signIn(page);
    const dashboard = new DashboardPage(page);
    await dashboard.open();
    await dashboard.list.waitFor();
    const statusOf = async (id: string) => (await dashboard.cards()).find((card) => card.id === id)?.status;
    await expect.poll(() => statusOf(ids.waiting), { timeout: 20_000 }).toBe('! Waiting for input');
    await expect.poll(() => statusOf(ids.approval), { timeout: 20_000 }).toBe('? Needs approval');
    await expect.poll(() => statusOf(ids.failed)).toBe('✗ Failed');
    await expect.poll(() => statusOf(ids.working)).toBe('⋯ Working');

    /** In the server's order, the ones needing you first; returns the cards. */
    const checkOrder = async () => {
      const cards = await dashboard.cards();
      expect(cards.map((card) => card.id)).toEqual(await serverOrder(page));
      const firstCalm = cards.findIndex((card) => !card.needsYou);
      expect(cards.slice(firstCalm === -1 ? cards.length : firstCalm).some((card) => card.needsYou)).toBe(false);
      for (const card of cards) expect(card.place).toBe('octocat/dash-project · main');
      return cards;
    };
    const cards = await checkOrder();
    expect(cards.filter((card) => card.needsYou).map((card) => card.id).sort()).toEqual([ids.waiting, ids.approval].sort());
    // Each card previews the last rows of its terminal's screen, in a monospace block of up to 6 lines.
    const previewOf = async (id: string) => (await dashboard.cards()).find((card) => card.id === id)?.preview ?? [];
    await expect.poll(async () => (await previewOf(ids.failed)).at(-1), { timeout: 10_000 }).toMatch(/[$#]$/);
    const failedPreview = await previewOf(ids.failed);
    expect(failedPreview.length).toBeGreaterThanOrEqual(3);
    expect(failedPreview.length).toBeLessThanOrEqual(6);
    expect(failedPreview).toContain('about-to-fail');
    expect(failedPreview.find((line) => line.startsWith('long-'))).toMatch(/^long-0{114}…$/);
    expect((await previewOf(ids.working)).join('\n')).toContain('sleep 600');
    const block = dashboard.preview(ids.failed);
    const look = await block.evaluate((pre) => {
      const card = pre.closest('li')!.getBoundingClientRect();
      const box = pre.getBoundingClientRect();
      const long = Array.from(pre.querySelectorAll<HTMLElement>('.dash-preview-line')).find((line) => line.textContent!.startsWith('long-'))!;
      return { font: getComputedStyle(pre).fontFamily, inside: box.left >= card.left && box.right <= card.right, cut: long.scrollWidth > long.clientWidth, overflow: getComputedStyle(long).textOverflow };
    });
    expect(look).toMatchObject({ inside: true, cut: true, overflow: 'ellipsis' });
    expect(look.font).toMatch(/mono/i);
    await dashboard.card(ids.approval).getByText('Asks for approval.').waitFor();
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await e2e.screenshot(page, 'phone-dashboard');

    // The approval, answered on the dashboard itself.
    await dashboard.card(ids.approval).getByRole('button', { name: /^Allow what/ }).tap();
    await expect.poll(() => e2e.app.approvals.list().find((approval) => approval.sessionId === ids.approval)?.status, { timeout: 10_000 }).toBe('allowed');
    await expect.poll(() => statusOf(ids.approval), { timeout: 15_000 }).not.toBe('? Needs approval');

    // A tap on a card opens that terminal.
    await dashboard.openTerminal(ids.working);
    const phoneTerminals = new TerminalsPage(page);
    await phoneTerminals.waitReady();
    await expect(phoneTerminals.sessionIdIn(0)).resolves.toBe(ids.working);

    // Back, and after a reload: the same, in the same order.
    await page.goBack();
    await dashboard.list.waitFor();
    await page.reload();
    await dashboard.list.waitFor();
    await expect.poll(() => statusOf(ids.waiting)).toBe('! Waiting for input');
    // The list may have moved on meanwhile (the terminal just opened counts as seen): what shows is what the server says.
    await expect.poll(async () => {
      const [shown, server] = [await dashboard.cards(), await serverOrder(page)];
      return JSON.stringify(shown.map((card) => card.id)) === JSON.stringify(server);
    }).toBe(true);
    await checkOrder();
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('on a phone, two fingers swiped sideways move between the terminals; one finger does not', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const page = await e2e.newPage(PHONE);
    await e2e.signIn(page);
    const terminals = new TerminalsPage(page);
    // A browser that remembers nothing for the workspace opens its running terminals as tabs.
    await terminals.open(`/terminals/${workspaceId}`);
    const tabs = await terminals.tabSessionIds();
    expect(tabs.length).toBeGreaterThanOrEqual(3);
    const start = tabs.indexOf((await terminals.selectedTabSessionId())!);
    const fontSize = await terminals.fontSizePx();

    await twoFingerSwipe(page, -160);
    await expect.poll(() => terminals.selectedTabSessionId()).toBe(tabs[(start + 1) % tabs.length]);
    await terminals.viewOf(tabs[(start + 1) % tabs.length]!).and(page.locator('[data-slot="0"]')).waitFor();
    await twoFingerSwipe(page, -160);
    await expect.poll(() => terminals.selectedTabSessionId()).toBe(tabs[(start + 2) % tabs.length]);
    await twoFingerSwipe(page, 160);
    await expect.poll(() => terminals.selectedTabSessionId()).toBe(tabs[(start + 1) % tabs.length]);
    // A swipe is not a pinch: the text size stayed.
    expect(await terminals.fontSizePx()).toBe(fontSize);

    // One finger is the terminal's (scrolling, selecting): the tab stays.
    await twoFingerSwipe(page, -160, 1);
    await page.waitForTimeout(300);
    expect(await terminals.selectedTabSessionId()).toBe(tabs[(start + 1) % tabs.length]);
    // Fingers spreading apart are a pinch: larger text, the same tab.
    await spread(page, 60);
    await expect.poll(() => terminals.fontSizePx()).toBeGreaterThan(fontSize);
    expect(await terminals.selectedTabSessionId()).toBe(tabs[(start + 1) % tabs.length]);
    expect(e2e.consoleProblems(page)).toEqual([]);
  });
});
