// Soft keyboards and input methods (issue 22 §2, xterm.js #3600) in Chromium with phone emulation:
// Android keyboards' event sequences (ime-sequences.ts) replayed on xterm's textarea, and Chromium's
// own input-method path (DevTools' Input.imeSetComposition and Input.insertText); each character
// reaches the shell exactly once, autocorrect and suggestions edit the line rather than add to it.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { IME_SEQUENCES, type ImeEvent } from './ime-sequences.js';
import { TerminalsPage } from './pages/terminals.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

const fixture = useE2E();
/** Conditions waited for: generous, as two shared cores can be slow (never a fixed sleep). */
const WAIT = { timeout: 10_000 };

/** In the browser: replays keys of input-method events on the focused pane's textarea, a task per key (values after what it held). */
const REPLAY = `async (keys) => {
  const textarea = document.querySelector('.term-view[data-slot="0"] .xterm-helper-textarea');
  // What the field held already (keys typed before): the keyboard's text follows it.
  const before = textarea.value;
  const keyEvent = (type) => {
    const event = new KeyboardEvent(type, { key: 'Unidentified', bubbles: true, cancelable: true, composed: true });
    Object.defineProperty(event, 'keyCode', { get: () => 229 });
    Object.defineProperty(event, 'which', { get: () => 229 });
    textarea.dispatchEvent(event);
  };
  const change = (inputType, data, value, isComposing) => {
    textarea.dispatchEvent(new InputEvent('beforeinput', { inputType, data, isComposing, bubbles: true, cancelable: true, composed: true }));
    if (isComposing) textarea.dispatchEvent(new CompositionEvent('compositionupdate', { data, bubbles: true, composed: true }));
    textarea.value = before + value;
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    textarea.dispatchEvent(new InputEvent('input', { inputType, data, isComposing, bubbles: true, composed: true }));
  };
  for (const events of keys) {
    for (const event of events) {
      if (event.type === 'key229') keyEvent('keydown');
      else if (event.type === 'compositionstart' || event.type === 'compositionend') textarea.dispatchEvent(new CompositionEvent(event.type, { data: event.data, bubbles: true, composed: true }));
      else if (event.type === 'compose') change('insertCompositionText', event.data, event.value, true);
      else change(event.inputType, event.data, event.value, false);
    }
    if (events[0]?.type === 'key229') keyEvent('keyup');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}`;

async function replay(page: Page, keys: ImeEvent[][]): Promise<void> {
  await page.evaluate(`(${REPLAY})(${JSON.stringify(keys)})`);
}

async function openPhoneTerminal(page: Page, e2e: ReturnType<typeof fixture>): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  await terminals.newTerminal();
  return terminals;
}

const count = (text: string, line: string) => text.split('\n').filter((row) => row === line).length;

it('replays Android keyboards\' sequences (Gboard, autocorrect, suggestions, SwiftKey, Samsung, dictation): each character once', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openPhoneTerminal(page, e2e);
  await terminals.focus(0);
  for (const [index, sequence] of IME_SEQUENCES.entries()) {
    await page.keyboard.type(`echo ${index}'[`);
    await terminals.waitForLine(new RegExp(`echo ${index}'\\[$`));
    await replay(page, sequence.keys);
    await page.keyboard.type(`]'`);
    await page.keyboard.press('Enter');
    const expected = `${index}[${sequence.expected}]`;
    await terminals.waitForLine(new RegExp(`^${index}\\[`)).catch((error: Error) => {
      throw new Error(`${sequence.name}: ${error.message}`);
    });
    const lines = (await terminals.screenText(0)).split('\n').filter((row) => row.startsWith(`${index}[`));
    expect(lines, sequence.name).toEqual([expected]);
    await terminals.run('clear');
  }
  expect(e2e.consoleProblems(page)).toEqual([]);
});

it('sends exactly the bytes typed: a program reading raw input gets each character once, from Android events and from Chromium\'s input method', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openPhoneTerminal(page, e2e);
  // cat -v shows every byte the program gets: a DEL as ^?, Enter as ^M.
  await terminals.run('stty raw -echo; cat -v');
  await terminals.waitForLine(/cat -v$/);
  const gboard = IME_SEQUENCES[0]!;
  await replay(page, gboard.keys);
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/\^M$/);
  expect((await terminals.screenText(0)).split('\n').filter((row) => row.includes('^M'))).toEqual([`${gboard.expected}^M`]);

  // Chromium's own input-method path: a word composed, committed as the suggestion "hello", a space,
  // then a word autocorrected as it commits.
  const cdp = await page.context().newCDPSession(page);
  for (const text of ['h', 'he', 'hel']) await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
  // The word being composed shows at the cursor until it is committed.
  const composing = terminals.view(0).locator('.composition-view.active');
  await expect.poll(() => composing.textContent(), WAIT).toBe('hel');
  await cdp.send('Input.insertText', { text: 'hello' });
  await composing.waitFor({ state: 'detached' });
  await cdp.send('Input.insertText', { text: ' ' });
  for (const text of ['t', 'te', 'teh']) await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length });
  await cdp.send('Input.insertText', { text: 'the' });
  await cdp.detach();
  await page.keyboard.press('Enter');
  await expect.poll(async () => count(await terminals.screenText(0), `${gboard.expected}^Mhello the^M`), WAIT).toBe(1);
  expect(e2e.consoleProblems(page)).toEqual([]);
});
