// An ended terminal never runs stray keys, and coming back to terminals that all ended puts a working
// shell in front (the ended ones stay readable in their tabs).
import { expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();

it('coming back to terminals that have all ended opens a new shell in front, the ended one still in its tab', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  const endedId = await terminals.sessionIdIn(0);
  expect(await terminals.tabSessionIds()).toEqual([endedId]);
  await terminals.run('echo before-the-end; exit 0');
  await terminals.view(0).getByText('The shell exited.').waitFor();

  await page.reload();
  await terminals.waitReady();
  await expect.poll(() => terminals.sessionIdIn(0)).not.toBe(endedId);
  expect(await terminals.tabSessionIds()).toContain(endedId);
  await terminals.waitFocused(0);
  await page.keyboard.type('echo fresh-$((1+1))');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^fresh-2$/);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 45_000);
