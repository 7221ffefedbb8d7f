// Input for a prompt on a phone (issue 22 §2), in Chromium with phone emulation: an image pasted or
// picked goes into the repository's .shellport/uploads (kept out of git) and its path is typed at the
// cursor without Enter, for an agent to read; the key bar's microphone dictates into the line (a
// stand-in SpeechRecognition), and is not there where the browser has no speech recogniser.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
/** The start of a PNG file. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const fixture = useE2E();
/** Conditions waited for: generous, as two shared cores can be slow (never a fixed sleep). */
const WAIT = { timeout: 10_000 };

async function openPhoneTerminal(page: Page, e2e: ReturnType<typeof fixture>): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  await terminals.newTerminal();
  return terminals;
}

const count = (text: string, pattern: RegExp) => text.split('\n').filter((row) => pattern.test(row)).length;

/** Waits until the pane's screen, its rows joined (a long path wraps on a phone), matches; returns the match. */
async function waitForText(terminals: TerminalsPage, pattern: RegExp): Promise<RegExpMatchArray> {
  let match: RegExpMatchArray | null = null;
  await expect
    .poll(async () => {
      match = (await terminals.screenText(0)).replace(/\n/g, '').match(pattern);
      return match !== null;
    }, WAIT)
    .toBe(true);
  return match!;
}

it('an image pasted or picked on a phone goes into .shellport/uploads, out of git, and its path is typed at the cursor', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  const terminals = await openPhoneTerminal(page, e2e);
  await terminals.run('mkdir -p pasted-project/src && cd pasted-project && git init -q && cd src && echo "ready-$((4*4))"');
  await terminals.waitForLine(/^ready-16$/);

  // A screenshot pasted after `ls -l ` (as a phone's clipboard holds one: image.png).
  await page.keyboard.type('ls -l ');
  await terminals.waitForLine(/ls -l$/);
  await terminals.view(0).locator('.xterm-helper-textarea').evaluate((textarea, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
    textarea.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, [...PNG]);
  await page.locator('.toast-success').filter({ hasText: /^Uploaded image\.png to .*its path is at the cursor/ }).waitFor();
  // Typed, not run: the line waits for Enter.
  const [, uploaded] = await waitForText(terminals, /ls -l (\/\S+\/pasted-project\/\.shellport\/uploads\/image-\d{8}-\d{6}\.png)$/);
  expect(uploaded).toBeDefined();
  await page.keyboard.press('Enter');
  await waitForText(terminals, new RegExp(`-rw.* ${PNG.length} .*${uploaded!.replace(/[./]/g, '\\$&')}`));

  // Picked with the key bar's Image key: the picker asks for images; the path comes after `wc -c `.
  await terminals.focus(0);
  await page.keyboard.type('wc -c ');
  const chooser = page.waitForEvent('filechooser');
  await terminals.keyBarKey(/^Attach an image/).tap();
  const fileChooser = await chooser;
  expect(await fileChooser.element().getAttribute('accept')).toBe('image/*');
  await fileChooser.setFiles([{ name: 'photo(1).png', mimeType: 'image/png', buffer: PNG }]);
  // A name the shell would misread is quoted for it.
  await waitForText(terminals, /wc -c '\/\S+\/\.shellport\/uploads\/photo\(1\)-\d{8}-\d{6}\.png'$/);
  await page.keyboard.press('Enter');
  await waitForText(terminals, new RegExp(`\\.png'${PNG.length} \\/\\S+\\/photo\\(1\\)-\\d{8}-\\d{6}\\.png`));

  // Nothing for git to see.
  await terminals.run('echo "status=[$(git status --porcelain --untracked-files=all)]"');
  await terminals.waitForLine(/^status=\[\]$/);
  expect(e2e.consoleProblems(page)).toEqual([]);
});

it('the microphone key dictates into the line once, without Enter; without a speech recogniser there is no such key', async () => {
  const e2e = fixture();
  const without = await e2e.newPage(PHONE);
  // Whatever this Chromium has, this page has no recogniser.
  await without.addInitScript('delete window.SpeechRecognition; delete window.webkitSpeechRecognition;');
  const plain = await openPhoneTerminal(without, e2e);
  await plain.keyBarKey('Paste').waitFor();
  expect(await plain.keyBarKey(/^Dictate/).count()).toBe(0);

  const page = await e2e.newPage(PHONE);
  // A stand-in recogniser: an interim result, then the final one, then (as Chrome on Android does) the final one again.
  await page.addInitScript(`window.SpeechRecognition = class {
    start() {
      window.__recognitions = (window.__recognitions || 0) + 1;
      const result = (transcript, isFinal) => ({ isFinal, length: 1, 0: { transcript } });
      setTimeout(() => {
        this.onresult?.({ results: [result('echo dict', false)] });
        this.onresult?.({ results: [result('echo dictated words', true)] });
        this.onresult?.({ results: [result('echo dictated words', true)] });
        this.onend?.();
      }, 50);
    }
    stop() { this.onend?.(); }
    abort() {}
  };`);
  const terminals = await openPhoneTerminal(page, e2e);
  const microphone = terminals.keyBarKey(/^Dictate/);
  await microphone.tap();
  await terminals.waitForLine(/echo dictated words$/);
  await expect.poll(() => microphone.getAttribute('aria-pressed'), WAIT).toBe('false');
  // Not run yet: Enter is the owner's.
  expect(count(await terminals.screenText(0), /^dictated words$/)).toBe(0);
  await terminals.focus(0);
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^dictated words$/);
  expect(count(await terminals.screenText(0), /echo dictated words/)).toBe(1);
  expect(count(await terminals.screenText(0), /^dictated words$/)).toBe(1);
  expect(await page.evaluate('window.__recognitions')).toBe(1);
  expect(e2e.consoleProblems(page)).toEqual([]);
  expect(e2e.consoleProblems(without)).toEqual([]);
});

it('a browser whose recogniser has no speech service says so in words and loses the microphone key', async () => {
  const e2e = fixture();
  const page = await e2e.newPage(PHONE);
  // As Chromium builds without Google's speech service answer every start.
  await page.addInitScript(`window.SpeechRecognition = class {
    start() { setTimeout(() => { this.onerror?.({ error: 'network' }); this.onend?.(); }, 20); }
    stop() { this.onend?.(); }
    abort() {}
  };`);
  const terminals = await openPhoneTerminal(page, e2e);
  const microphone = terminals.keyBarKey(/^Dictate/);
  await microphone.tap();
  await page.locator('.toasts .toast').filter({ hasText: "keyboard's own microphone" }).waitFor(WAIT);
  await expect.poll(() => microphone.isVisible(), WAIT).toBe(false);
  expect(await terminals.keyBarKey('Paste').isVisible()).toBe(true);
});
