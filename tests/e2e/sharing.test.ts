// Read-only share links in a real Chromium (issue 23 §2): the owner shares a terminal from its menu, a
// browser without a session opens the link and watches live output, its keys reach nothing, and it is
// disconnected when the owner revokes the link in Settings.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { OWNER_LOGIN, useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();

/** The viewer's terminal rows, one line each. */
function viewerText(page: Page): Promise<string> {
  return page.locator('.share-terminal .xterm-rows').evaluate((element) =>
    Array.from((element as unknown as { children: ArrayLike<{ textContent: string | null }> }).children).map((row) => (row.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n'),
  );
}

async function waitForViewerLine(page: Page, pattern: RegExp): Promise<void> {
  await expect.poll(() => viewerText(page), { timeout: 10_000, interval: 50 }).toMatch(pattern);
}

it('shares a terminal read-only: a browser without a session watches it live, cannot type, and is cut off by Revoke', async () => {
  const e2e = fixture();
  const ownerPage = await e2e.newPage();
  await e2e.signIn(ownerPage);
  const terminals = new TerminalsPage(ownerPage);
  await terminals.open('/terminals');
  await terminals.newTerminal();
  await terminals.waitFocused();
  await terminals.run('echo before-$((20+22))');
  await terminals.waitForLine(/^before-42$/);

  // Share it from the terminal's menu; the dialog shows the link.
  await terminals.chooseMore('Share read-only…');
  const dialog = ownerPage.getByRole('dialog', { name: 'Share read-only' });
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const linkField = dialog.getByRole('textbox', { name: 'Share link' });
  await linkField.waitFor();
  const link = await linkField.inputValue();
  expect(link).toMatch(new RegExp(`^${e2e.baseUrl}/share/[A-Za-z0-9_-]{43}$`));
  await e2e.screenshot(ownerPage, 'share-dialog');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Another browser context, no session: the viewer's page.
  const viewer = await e2e.newPage();
  await viewer.goto(link);
  await viewer.getByText('Read-only', { exact: true }).waitFor();
  await viewer.getByText(`shared by ${OWNER_LOGIN}`).waitFor();
  await viewer.getByText('you cannot type into it').waitFor();
  await waitForViewerLine(viewer, /^before-42$/m);

  // Live output typed by the owner.
  await terminals.run('echo live-$((5*5))');
  await waitForViewerLine(viewer, /^live-25$/m);

  // The viewer's keys do nothing: the owner's terminal never sees them.
  await viewer.locator('.share-terminal').click();
  await viewer.keyboard.type('echo viewer-typed-$((3*3))');
  await viewer.keyboard.press('Enter');
  await terminals.run('echo check-$((1+1))');
  await terminals.waitForLine(/^check-2$/);
  await waitForViewerLine(viewer, /^check-2$/m);
  expect(await terminals.screenText()).not.toContain('viewer-typed');
  expect(await viewerText(viewer)).not.toContain('viewer-typed');
  await e2e.screenshot(viewer, 'share-viewer');

  // The owner revokes it in Settings (another signed-in page): the viewer is disconnected at once.
  const settings = await e2e.newPage();
  await e2e.signIn(settings);
  await settings.goto('/settings');
  const item = settings.locator('.share-item').filter({ hasText: '1 viewer' });
  await item.waitFor();
  await item.getByRole('button', { name: /^Revoke the share link of / }).click();
  await viewer.getByText('The owner stopped sharing this terminal.').waitFor({ timeout: 5000 });
  await settings.getByText('No terminal is shared.', { exact: false }).waitFor();
  for (const page of [ownerPage, viewer, settings]) expect(e2e.consoleProblems(page)).toEqual([]);
  // The link is dead: opening it again says so (the browser reports the lookup's 404, nothing else).
  await viewer.reload();
  await viewer.getByText('This share link does not work', { exact: false }).waitFor();
  expect(e2e.consoleProblems(viewer).every((problem) => /status of 404/.test(problem))).toBe(true);
}, 90_000);
