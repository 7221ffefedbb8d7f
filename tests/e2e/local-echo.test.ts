// Predictive local echo in Chromium (issue 22 §1, docs/local-echo.md), forced on: what is typed at a
// shell prompt shows at once and is confirmed, the screen ends exactly as the server has it, and
// nothing is ever guessed in vim's alternate screen or at a `read -s` prompt. The server's output is
// held back by the test (HeldLink) for as long as it checks the page: a slow link without timing.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { connectionTooltip, forceLocalEcho, HeldLink, predictedText, waitForNoPrediction, watchPane } from './pages/local-echo.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();

/** A signed-in page with prediction on, its output held at will, and a new terminal at a plain prompt. */
async function openPredictingTerminal(page: Page): Promise<{ terminals: TerminalsPage; link: HeldLink }> {
  const e2e = fixture();
  await forceLocalEcho(page, 'on');
  const link = await HeldLink.route(page);
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open();
  await terminals.newTerminal();
  await terminals.run("PS1='ready$ '");
  await terminals.waitForLine(/^ready\$$/);
  return { terminals, link };
}

it('shows what is typed at a shell prompt at once, then the server’s echo; the screen ends as the server has it', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const { terminals, link } = await openPredictingTerminal(page);
  // The round trip, measured with terminal:ping, is in the connection indicator's tooltip.
  await expect.poll(() => connectionTooltip(page), { timeout: 10_000 }).toMatch(/^Connected to the server\nRound trip: \d+ ms; typing is predicted/);

  link.hold();
  await page.keyboard.type('echo pre');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('edicted');
  // Drawn over the terminal while the server has not answered; the terminal itself has none of it.
  expect(await predictedText(page)).toBe('echo predicted');
  expect(await terminals.screenText()).not.toContain('echo');
  await e2e.screenshot(page, 'local-echo-predicted');
  link.release();
  await terminals.waitForLine(/^ready\$ echo predicted$/);
  await waitForNoPrediction(page);

  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^predicted$/);
  await terminals.waitForLine(/^ready\$$/);
  await waitForNoPrediction(page);
  const screen = await terminals.screenText();

  // Another device without prediction, on the same terminal, sees the same screen.
  const id = await terminals.sessionIdIn(0);
  const other = await e2e.newPage();
  await forceLocalEcho(other, 'off');
  await e2e.signIn(other);
  const otherTerminals = new TerminalsPage(other);
  await otherTerminals.open(`/terminals?session=${id}`);
  await otherTerminals.waitForLine(/^predicted$/);
  expect(await otherTerminals.screenText()).toBe(screen);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('in a line-oriented program, draws nothing until the server has echoed a character of the line, then guesses', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const { terminals, link } = await openPredictingTerminal(page);
  await terminals.run('echo started; cat');
  // Printed once the command runs: the shell's mark that it does (OSC 133 C) came before.
  await terminals.waitForLine(/^started$/);
  // The shell's prompt mark no longer holds (a command runs): the first character waits for its echo…
  link.hold();
  await page.keyboard.type('l');
  expect(await predictedText(page)).toBe('');
  link.release();
  await terminals.waitForLine(/^l$/);
  // …which proves this line echoes: what follows shows at once.
  link.hold();
  await page.keyboard.type('ine');
  expect(await predictedText(page)).toBe('ine');
  link.release();
  await terminals.waitForLine(/^line$/);
  await waitForNoPrediction(page);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+D');
  await terminals.waitForLine(/^ready\$$/);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('guesses nothing in vim (the alternate screen)', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const { terminals, link } = await openPredictingTerminal(page);
  await terminals.run('vim -u NONE -N -n');
  await terminals.waitForLine(/^~/);
  const watch = await watchPane(page, []);
  link.hold();
  await page.keyboard.type('ihello from vim');
  expect(await predictedText(page)).toBe('');
  link.release();
  await terminals.waitForLine(/^hello from vim$/);
  await page.keyboard.press('Escape');
  await page.keyboard.type('dd:q!');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^ready\$$/);
  expect((await watch.stop()).predicted).toBe(false);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('never shows what is typed at a read -s prompt, during or after', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const { terminals, link } = await openPredictingTerminal(page);
  await terminals.run('read -s -p "Secret: " s; echo; echo "got ${#s} characters"');
  await terminals.waitForLine(/^Secret:$/);
  const watch = await watchPane(page, ['sw0', 'w0r', 'rdf', 'fish', 'qzj']);
  // As if the link were slow: the guesses would have all the time to show.
  link.hold();
  await page.keyboard.type('sw0rdfish');
  expect(await predictedText(page)).toBe('');
  link.release();
  // And on a fast link, after the first characters went unechoed.
  await page.keyboard.type('qzj');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^got 12 characters$/);
  expect(await watch.stop()).toEqual({ predicted: false, secretSeen: null });
  expect(await terminals.screenText()).not.toMatch(/sw0rdfish|qzj/);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('never shows a passphrase asked by PROMPT_COMMAND after the prompt’s A mark; the prompt after it (B) is predicted again', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const { terminals, link } = await openPredictingTerminal(page);
  // A hook after Shellport's in PROMPT_COMMAND (as a direnv .envrc asking for a passphrase), once.
  await terminals.run('ask() { PROMPT_COMMAND=${PROMPT_COMMAND%;ask}; read -s -p "Passphrase: " p; echo; echo "got ${#p} characters"; }; PROMPT_COMMAND="$PROMPT_COMMAND;ask"');
  await terminals.waitForLine(/^Passphrase:$/);
  const watch = await watchPane(page, ['sw0', 'w0r', 'rdf', 'fish']);
  link.hold();
  await page.keyboard.type('sw0rdfish');
  expect(await predictedText(page)).toBe('');
  link.release();
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^got 9 characters$/);
  await terminals.waitForLine(/^ready\$$/);
  expect(await watch.stop()).toEqual({ predicted: false, secretSeen: null });
  // The prompt itself ended with B: what is typed there shows at once.
  link.hold();
  await page.keyboard.type('echo after');
  expect(await predictedText(page)).toBe('echo after');
  link.release();
  await terminals.waitForLine(/^ready\$ echo after$/);
  await waitForNoPrediction(page);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('a wrong guess (the terminal echoes in capitals) ends with the server’s text only', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const { terminals, link } = await openPredictingTerminal(page);
  await terminals.run('stty olcuc');
  await terminals.waitForLine(/^READY\$$/);
  link.hold();
  await page.keyboard.type('echo abc');
  expect(await predictedText(page)).toBe('echo abc');
  link.release();
  await terminals.waitForLine(/^READY\$ ECHO ABC$/);
  await waitForNoPrediction(page);
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^ABC$/);
  await terminals.run('stty -olcuc');
  await terminals.waitForLine(/^ready\$$/);
  const screen = await terminals.screenText();
  expect(screen).toContain('READY$ ECHO ABC');
  expect(screen).not.toContain('echo abc');
  await waitForNoPrediction(page);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('auto predicts over a slow link and says so in the indicator; the menu turns it on and off on this device', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const link = await HeldLink.route(page);
  link.delayMs = 60;
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open();
  await terminals.newTerminal();
  await expect.poll(() => connectionTooltip(page), { timeout: 15_000 }).toMatch(/Round trip: \d+ ms; typing is predicted/);
  expect(Number(/Round trip: (\d+) ms/.exec(await connectionTooltip(page))![1])).toBeGreaterThanOrEqual(60);

  const item = page.getByRole('menuitem', { name: /^Typing prediction/ });
  await page.getByRole('button', { name: 'More actions' }).click();
  expect(await item.textContent()).toBe('Typing prediction: auto (on now)');
  await item.click();
  await page.getByRole('button', { name: 'More actions' }).click();
  expect(await item.textContent()).toBe('Typing prediction: on');
  await item.click();
  expect(await connectionTooltip(page)).not.toMatch(/typing is predicted/);
  // Off: typing shows nothing before the server's echo.
  await terminals.waitFocused(0);
  link.hold();
  await page.keyboard.type('echo off');
  expect(await predictedText(page)).toBe('');
  link.release();
  await terminals.waitForLine(/echo off$/);
  // Kept on this device.
  expect(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('shellport.terminals.localEcho'))).toBe('off');
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

/** Animations in the page that never end (each keeps Chromium drawing a frame on the main thread 60 times a second). */
const endlessAnimations = (page: Page) =>
  page.evaluate(() =>
    document
      .getAnimations()
      .filter((animation) => animation.playState === 'running' && animation.effect?.getTiming().iterations === Infinity)
      .map((animation) => (animation as CSSAnimation).animationName ?? 'an animation'),
  );

it('a focused terminal runs no endless animation (the DOM renderer’s blinking cursor made every echo wait two frames), after a reload and on a phone too', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open();
  await terminals.newTerminal();
  await terminals.run('echo typed-here');
  await terminals.waitForLine(/^typed-here$/);
  await terminals.focus();
  expect(await endlessAnimations(page)).toEqual([]);

  await page.reload();
  await terminals.focus();
  expect(await endlessAnimations(page)).toEqual([]);

  const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await e2e.signIn(phone);
  const onPhone = new TerminalsPage(phone);
  await onPhone.open();
  await onPhone.focus();
  expect(await endlessAnimations(phone)).toEqual([]);
});
