// Uploading files into a terminal's current directory in a real Chromium against the real app:
// dropped on the terminal (with the question before replacing a file), and through the toolbar's
// "Upload files…" file picker on a phone.
import { readFileSync } from 'node:fs';
import type { JSHandle, Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();

async function openTerminals(e2e: ReturnType<typeof fixture>, page: Page): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  return terminals;
}

/** Drags a file made in the page onto the terminal and drops it there, as a file manager would. */
async function dropFile(page: Page, target: Locator, name: string, text: string, check?: () => Promise<void>): Promise<void> {
  const dataTransfer: JSHandle = await page.evaluateHandle(
    `(() => { const data = new DataTransfer(); data.items.add(new File([${JSON.stringify(text)}], ${JSON.stringify(name)}, { type: 'text/plain' })); return data; })()`,
  );
  await target.dispatchEvent('dragenter', { dataTransfer });
  await target.dispatchEvent('dragover', { dataTransfer });
  await check?.();
  await target.dispatchEvent('drop', { dataTransfer });
  await dataTransfer.dispose();
}

/** The toast that settles an upload (success or error) whose text matches. */
const settledToast = (page: Page, text: RegExp) => page.locator('.toast-success, .toast-error').filter({ hasText: text });

it('uploads a file dropped on the terminal into the shell\'s current directory, and asks before replacing it', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  const terminals = await openTerminals(e2e, page);
  await terminals.run('mkdir -p drop-target && cd drop-target && echo "in-$((3*4))"');
  await terminals.waitForLine(/^in-12$/);

  const screen = terminals.view(0).locator('.xterm-screen');
  const overlay = terminals.view(0).locator('.term-drop');
  await dropFile(page, screen, 'notes.txt', 'first upload line\n', async () => {
    // While the file is over the terminal, the pane says what a drop does.
    await overlay.waitFor({ state: 'visible' });
    expect(await overlay.textContent()).toContain('Drop to upload');
  });
  expect(await overlay.isVisible()).toBe(false);
  const done = settledToast(page, /notes\.txt/);
  await done.waitFor();
  const message = (await done.textContent()) ?? '';
  expect(message).toMatch(/^Uploaded notes\.txt \(18 bytes\) to \/.*\/drop-target\/notes\.txt/);
  const filePath = /to (\/\S+notes\.txt)/.exec(message)![1]!;
  expect(readFileSync(filePath, 'utf8')).toBe('first upload line\n');

  // The shell sees it where it is.
  await terminals.run('cat notes.txt; wc -c < notes.txt');
  await terminals.waitForLine(/^first upload line$/);
  await terminals.waitForLine(/^18$/);
  await page.locator('.toast .icon-button').first().click();

  // The same name again: asked first; "Keep it" keeps the file.
  await dropFile(page, screen, 'notes.txt', 'second\n');
  const question = page.getByRole('dialog', { name: 'Replace notes.txt?' });
  await question.waitFor();
  expect(await question.textContent()).toContain(filePath);
  await question.getByRole('button', { name: 'Keep it' }).click();
  await page.locator('.toast').filter({ hasText: /^Kept .*notes\.txt; notes\.txt was not uploaded/ }).waitFor();
  expect(readFileSync(filePath, 'utf8')).toBe('first upload line\n');

  // And "Replace" replaces it.
  await dropFile(page, screen, 'notes.txt', 'second\n');
  await question.waitFor();
  await question.getByRole('button', { name: 'Replace' }).click();
  await settledToast(page, /^Uploaded notes\.txt \(7 bytes\)/).waitFor();
  expect(readFileSync(filePath, 'utf8')).toBe('second\n');
  await terminals.run('echo "now: $(cat notes.txt)"');
  await terminals.waitForLine(/^now: second$/);
  // Chromium logs every answer of 400 and above; the two 409s asked the question above.
  const problems = e2e.consoleProblems(page);
  expect(problems.filter((line) => !/status of 409 .*\/files\?name=notes\.txt/.test(line))).toEqual([]);
  expect(problems).toHaveLength(2);
});

it('uploads with the toolbar\'s file picker on a 390×844 phone', async () => {
  const e2e = fixture();
  const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const terminals = await openTerminals(e2e, page);
  await terminals.run('mkdir -p from-phone && cd from-phone && echo "ready-$((5*5))"');
  await terminals.waitForLine(/^ready-25$/);

  // On a phone "Upload files…" is in the toolbar's "More actions" menu, whose button shares the
  // toolbar's one row with New terminal.
  const more = terminals.moreButton();
  const box = (await more.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  expect(await terminals.horizontalOverflow()).toBe(0);
  const newTerminal = (await terminals.toolbarButton('New terminal').boundingBox())!;
  expect(Math.abs(box.y + box.height / 2 - (newTerminal.y + newTerminal.height / 2))).toBeLessThan(2);
  await e2e.screenshot(page, 'uploads-phone');

  const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, index) => (index * 7) % 256));
  const chooser = page.waitForEvent('filechooser');
  await terminals.chooseMore('Upload files…');
  const fileChooser = await chooser;
  expect(fileChooser.isMultiple()).toBe(true);
  await fileChooser.setFiles([
    { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: bytes },
    { name: '.hidden-notes', mimeType: 'text/plain', buffer: Buffer.from('dot file\n') },
  ]);
  await settledToast(page, /^Uploaded photo\.jpg \(293 KiB\) to \/.*\/from-phone\/photo\.jpg/).waitFor();
  await settledToast(page, /^Uploaded \.hidden-notes/).waitFor();

  await terminals.run('wc -c < photo.jpg; cat .hidden-notes');
  await terminals.waitForLine(/^300000$/);
  await terminals.waitForLine(/^dot file$/);
  expect(e2e.consoleProblems(page)).toEqual([]);
});
