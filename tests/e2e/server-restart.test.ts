import { afterAll, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { stopTerminalHosts } from '../helpers/terminal-host.js';
import { TerminalsPage } from './pages/terminals.js';

// The PTYs in a terminal host (docs/terminal-host.md), which the app starts and which outlives it.
const fixture = useE2E({ env: { TERMINAL_HOST: 'auto' } });

// The host outlives the app by design; the test ends it.
afterAll(() => stopTerminalHosts(fixture().dataDir));

it('a terminal keeps running through a restart of the server: the page comes back by itself, with every line once, and types again', { timeout: 90_000 }, async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  await terminals.run('for i in $(seq 1 25); do echo tick-$i; sleep 0.2; done; echo TICKS-DONE');
  await terminals.waitForLine(/^tick-5$/);

  await e2e.restartApp();

  await terminals.waitForLine(/^TICKS-DONE$/, 0, 45_000).catch(async (error: unknown) => {
    await e2e.screenshot(page, 'server-restart-stuck');
    console.log(await terminals.screenText(), await page.locator('.term-conn').getAttribute('data-state'));
    throw error;
  });
  await page.locator('.term-conn[data-state="connected"]').waitFor();
  await terminals.run('echo back-$((2 + 3))');
  await terminals.waitForLine(/^back-5$/, 0, 15_000);
  // Every line exactly once (they all fit on the screen): nothing lost, nothing replayed twice.
  const ticks = (await terminals.screenText()).match(/^tick-\d+$/gm) ?? [];
  expect(ticks).toEqual(Array.from({ length: 25 }, (_, i) => `tick-${i + 1}`));
  expect(e2e.consoleProblems(page).filter((problem) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(problem))).toEqual([]);
});
