import type { E2E } from '../../tests/e2e/fixture.js';
import { TerminalsPage } from '../../tests/e2e/pages/terminals.js';
const S = '/work/main/.scratch/review3/shots/';
export default async function (e2e: E2E, state: any) {
  const page = state.term;
  const dom = await page.evaluate(() => ({
    focusedPane: [...document.querySelectorAll('.term-view')].map((v: any) => [v.dataset.slot, v.className, v.dataset.sessionId?.slice(0, 4)]),
    tabs: [...document.querySelectorAll('.term-tab')].map((t: any) => [t.dataset.sessionId.slice(0, 4), t.dataset.pane, t.querySelector('[role=tab]').getAttribute('aria-selected')]),
    active: document.activeElement?.className,
  }));
  const t = new TerminalsPage(page);
  const url = page.url();
  for (const theme of ['Light', 'High contrast', 'Dark']) {
    await page.goto('/settings');
    await page.getByRole('radio', { name: theme }).check();
    await page.waitForTimeout(500);
    await page.screenshot({ path: S + `settings-${theme.replace(' ', '')}.png`, fullPage: true });
    if (theme === 'Dark') break;
    await page.goto(url);
    await t.waitReady();
    await page.waitForTimeout(1000);
    await page.screenshot({ path: S + `term-${theme.replace(' ', '')}.png` });
    await page.goto('/workspaces');
    await page.waitForTimeout(1000);
    await page.screenshot({ path: S + `ws-${theme.replace(' ', '')}.png`, fullPage: true });
  }
  return dom;
}
