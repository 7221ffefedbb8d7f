// A terminal under a finger (issue 22 §2) in Chromium with phone emulation and real touch events
// (DevTools' Input.dispatchTouchEvent): scrolling the scrollback with a fling after the finger lifts,
// and in the alternate screen a swipe becoming cursor keys (less) or wheel reports (mouse tracking).
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { Touch } from './pages/touch.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

const fixture = useE2E();
/** Conditions waited for: generous, as two shared cores can be slow (never a fixed sleep). */
const WAIT = { timeout: 10_000 };

async function openPhoneTerminals(page: Page, e2e: ReturnType<typeof fixture>): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  // A shell of its own: a browser that remembers nothing opens the terminals earlier tests left running.
  await terminals.newTerminal();
  return terminals;
}

/** The number on the first row of the pane's screen (the output of `seq`), NaN when it shows none. */
async function firstNumber(terminals: TerminalsPage): Promise<number> {
  const first = (await terminals.screenText(0)).split('\n')[0] ?? '';
  return /^\d+$/.test(first.trim()) ? Number(first.trim()) : Number.NaN;
}

/** The height of one row of the pane's terminal, CSS pixels. */
async function rowHeight(terminals: TerminalsPage): Promise<number> {
  const box = (await terminals.view(0).locator('.xterm-rows > *').first().boundingBox())!;
  return box.height;
}

it('scrolls the scrollback with a finger, flings on after a quick flick, and stops where a resting finger lifts', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openPhoneTerminals(page, e2e);
  await terminals.run('clear; seq 1 400');
  await terminals.waitForLine(/^400$/);
  const screen = terminals.view(0).locator('.xterm-screen');
  const row = await rowHeight(terminals);
  const atBottom = await firstNumber(terminals);
  expect(atBottom).toBeGreaterThan(300);

  // A slow drag downwards (the finger resting before it lifts) shows older lines, as far as the finger went.
  const touch = new Touch(page);
  await touch.swipeOver(screen, 10.5 * row, { steps: 10, stepMs: 60, restMs: 300 });
  await expect.poll(() => firstNumber(terminals), WAIT).toBe(atBottom - 10);
  // It stays there: no fling after a resting finger.
  await page.waitForTimeout(300);
  expect(await firstNumber(terminals)).toBe(atBottom - 10);

  // A quick flick goes on after the finger lifts: further than the finger moved, then it stops.
  const beforeFlick = await firstNumber(terminals);
  await touch.swipeOver(screen, 10 * row, { steps: 5, stepMs: 16 });
  await expect.poll(() => firstNumber(terminals), WAIT).toBeLessThan(beforeFlick - 20);
  let settled = await firstNumber(terminals);
  await expect
    .poll(async () => {
      const now = await firstNumber(terminals);
      const still = now === settled;
      settled = now;
      return still;
    }, { ...WAIT, interval: 250 })
    .toBe(true);
  expect(settled).toBeGreaterThanOrEqual(1);

  // A flick upwards goes back towards the newest output.
  await touch.swipeOver(screen, -12 * row, { steps: 6, stepMs: 16 });
  await expect.poll(() => firstNumber(terminals), WAIT).toBeGreaterThan(settled + 12);
  await touch.detach();
  expect(e2e.consoleProblems(page)).toEqual([]);
});

it('in less (the alternate screen), a swipe moves the pager; with mouse tracking on, it sends wheel reports', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openPhoneTerminals(page, e2e);
  await terminals.run('seq 1 500 | less');
  await terminals.waitForLine(/^:$/);
  expect(await firstNumber(terminals)).toBe(1);
  const screen = terminals.view(0).locator('.xterm-screen');
  const row = await rowHeight(terminals);
  const touch = new Touch(page);

  // The finger moves up: the text follows it, as a page would — less goes forward, a line per row moved.
  await touch.swipeOver(screen, -8.5 * row, { steps: 8, stepMs: 60, restMs: 300 });
  await expect.poll(() => firstNumber(terminals), WAIT).toBe(9);
  // And down: back.
  await touch.swipeOver(screen, 5.5 * row, { steps: 5, stepMs: 60, restMs: 300 });
  await expect.poll(() => firstNumber(terminals), WAIT).toBe(4);
  await page.keyboard.press('q');
  await terminals.waitForLine(/^\S+@\S+[#$]$/);

  // A program that asked for mouse reports (SGR encoding) in the alternate screen gets wheel events:
  // button 65 is the wheel turning down, which a finger moving up means.
  await terminals.run("printf '\\e[?1049h\\e[?1000h\\e[?1006h'; stty raw -echo; cat -v");
  await touch.swipeOver(screen, -3.5 * row, { steps: 3, stepMs: 60, restMs: 300 });
  await terminals.waitForLine(/(\^\[\[<65;\d+;\d+M){3}/);
  const line = await terminals.waitForLine(/\^\[\[</);
  expect(line).not.toContain('<64;');
  await touch.detach();
  expect(e2e.consoleProblems(page)).toEqual([]);
});

/**
 * Lets the test show and hide an on-screen keyboard: on phones it shrinks the visual viewport only
 * (the layout viewport keeps its size), which resizing the window cannot emulate. `window.visualViewport`
 * becomes a stand-in that reports the real one's values, except the height while `__keyboard(px)` is in force.
 */
const ON_SCREEN_KEYBOARD = `(() => {
  const real = window.visualViewport;
  const stand = new EventTarget();
  let keyboard = 0;
  for (const key of ['width', 'offsetLeft', 'offsetTop', 'pageLeft', 'pageTop', 'scale']) Object.defineProperty(stand, key, { get: () => real[key] });
  Object.defineProperty(stand, 'height', { get: () => real.height - keyboard });
  for (const type of ['resize', 'scroll']) real.addEventListener(type, () => stand.dispatchEvent(new Event(type)));
  Object.defineProperty(window, 'visualViewport', { get: () => stand, configurable: true });
  window.__keyboard = (px) => { keyboard = px; stand.dispatchEvent(new Event('resize')); };
})();`;

it('keeps the prompt and the key bar above the on-screen keyboard, and the lines read where they were after a rotation', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  await page.addInitScript(ON_SCREEN_KEYBOARD);
  const terminals = await openPhoneTerminals(page, e2e);
  await terminals.run('clear; seq 1 300');
  await terminals.waitForLine(/^300$/);
  await page.keyboard.type('echo typed-here');
  await terminals.waitForLine(/echo typed-here$/);
  const rowsBefore = await terminals.rowCount(0);
  const keyBar = page.getByRole('toolbar', { name: 'Terminal keys' });
  const bottomOf = async (locator: ReturnType<Page['locator']>) => {
    const box = (await locator.boundingBox())!;
    return box.y + box.height;
  };
  const promptRow = async () => terminals.row((await terminals.waitForLine(/echo typed-here$/)));

  // The keyboard takes 360 px of the 844: the terminal refits above it, the key bar and the prompt line too.
  await page.evaluate('window.__keyboard(360)');
  await expect.poll(() => terminals.rowCount(0), WAIT).toBeLessThan(rowsBefore);
  await expect.poll(() => bottomOf(keyBar), WAIT).toBeLessThanOrEqual(844 - 360 + 0.5);
  const prompt = await promptRow();
  expect(await bottomOf(prompt)).toBeLessThanOrEqual((await keyBar.boundingBox())!.y + 0.5);
  await e2e.screenshot(page, 'touch-keyboard-shown');
  // Typing goes on at the visible prompt.
  await page.keyboard.type(' more');
  await terminals.waitForLine(/typed-here more$/);
  await page.evaluate('window.__keyboard(0)');
  await expect.poll(() => terminals.rowCount(0), WAIT).toBe(rowsBefore);
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^typed-here more$/);

  // Scrolled back into the output, a rotation to landscape and back keeps the same lines in view.
  const touch = new Touch(page);
  const screen = terminals.view(0).locator('.xterm-screen');
  await touch.swipeOver(screen, 12.5 * (await rowHeight(terminals)), { steps: 12, stepMs: 60, restMs: 300 });
  await expect.poll(() => firstNumber(terminals), WAIT).toBeLessThan(300 - 20);
  const top = await firstNumber(terminals);
  await page.setViewportSize({ width: 844, height: 390 });
  await expect.poll(() => terminals.rowCount(0), WAIT).toBeLessThan(rowsBefore);
  await expect.poll(() => firstNumber(terminals), WAIT).toBe(top);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => terminals.rowCount(0), WAIT).toBe(rowsBefore);
  await expect.poll(() => firstNumber(terminals), WAIT).toBe(top);
  await touch.detach();
  expect(e2e.consoleProblems(page)).toEqual([]);
});

/** Where the centre of a cell of a row of the pane is, in the viewport (columns from 0). */
async function cellPoint(terminals: TerminalsPage, line: string, column: number, cols: number): Promise<{ x: number; y: number }> {
  const box = (await (await terminals.row(line)).boundingBox())!;
  const screen = (await terminals.view(0).locator('.xterm-screen').boundingBox())!;
  const width = screen.width / cols;
  return { x: screen.x + (column + 0.5) * width, y: box.y + box.height / 2 };
}

it('a long press selects a word with handles to extend it and copies it; a link that wraps is copied, opened and tapped open whole', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openPhoneTerminals(page, e2e);
  const url = 'https://example.com/a/very/long/path/that/wraps/onto/the/next/row/on/a/phone/index.html?q=1';
  const opened: string[] = [];
  await page.context().route('https://example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>opened</title>' }));
  page.context().on('page', (popup) => {
    void popup.waitForURL(/example\.com/).then(() => opened.push(popup.url()), () => undefined);
  });
  await terminals.run(`clear; echo cols=$(tput cols); echo 'alpha beta-gamma delta'; printf 'https://example.com/%s\\n' ${url.slice('https://example.com/'.length).replace('?', '\\?')}`);
  const cols = Number((await terminals.waitForLine(/^cols=\d+$/)).slice('cols='.length));
  expect(url.length).toBeGreaterThan(cols);
  const firstPart = url.slice(0, cols);
  await terminals.waitForLine(new RegExp(`^${firstPart.replace(/[.?/]/g, '\\$&')}$`));
  const secondRow = url.slice(cols, 2 * cols);
  const touch = new Touch(page);

  // A long press on "gamma" selects the word it is in (a dash does not end a word).
  await touch.longPress(await cellPoint(terminals, 'alpha beta-gamma delta', 13, cols));
  const actions = page.getByRole('toolbar', { name: 'Selection' });
  await actions.waitFor();
  expect(await terminals.hasSelection(0)).toBe(true);
  expect(await actions.getByRole('button', { name: 'Open' }).isVisible()).toBe(false);
  await e2e.screenshot(page, 'touch-selection');
  // The end handle dragged onto "delta" takes the selection there.
  const handle = (await terminals.view(0).locator('.term-select-handle[data-end="end"]').boundingBox())!;
  const target = await cellPoint(terminals, 'alpha beta-gamma delta', 21, cols);
  await touch.swipe({ from: { x: handle.x + handle.width / 2, y: handle.y + handle.height / 2 }, to: { x: target.x, y: handle.y + handle.height / 2 }, steps: 6, stepMs: 30 });
  await actions.getByRole('button', { name: 'Copy' }).tap();
  await expect.poll(() => terminals.readClipboard(), WAIT).toBe('beta-gamma delta');
  await actions.waitFor({ state: 'hidden' });

  // A long press on the link's second row selects the whole link; Copy copies all of it.
  await touch.longPress(await cellPoint(terminals, secondRow, 2, cols));
  await actions.getByRole('button', { name: 'Open' }).waitFor();
  await actions.getByRole('button', { name: 'Copy' }).tap();
  await expect.poll(() => terminals.readClipboard(), WAIT).toBe(url);
  // Open opens it whole.
  await touch.longPress(await cellPoint(terminals, firstPart, 5, cols));
  await actions.getByRole('button', { name: 'Open' }).tap();
  await expect.poll(() => opened, WAIT).toEqual([url]);
  // And a tap on the link (its second row) opens it whole too, back on the terminal's tab.
  await page.bringToFront();
  await touch.tap(await cellPoint(terminals, secondRow, 3, cols));
  await expect.poll(() => opened, WAIT).toEqual([url, url]);
  await touch.detach();
  expect(e2e.consoleProblems(page)).toEqual([]);
});
