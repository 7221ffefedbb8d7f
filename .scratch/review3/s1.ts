import type { E2E } from '../../tests/e2e/fixture.js';
const S = '/work/main/.scratch/review3/shots/';
export default async function (e2e: E2E, state: any) {
  const out: string[] = [];
  for (const [tag, opts] of [['desk', {}], ['phone', { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true }]] as const) {
    const page = await e2e.newPage(opts as any);
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: /Shellport/ }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: S + `signin-${tag}.png`, fullPage: true });
    await e2e.signIn(page);
    await page.getByRole('heading', { name: 'Workspaces', level: 1 }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: S + `ws-empty-${tag}.png`, fullPage: true });
    await page.goto('/nope/x');
    await page.waitForTimeout(800);
    await page.screenshot({ path: S + `404-${tag}.png`, fullPage: true });
    await page.goto('/settings');
    await page.getByRole('heading', { name: 'Signed-in browsers' }).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: S + `settings-${tag}.png`, fullPage: true });
    await page.goto('/operations');
    await page.getByRole('button', { name: 'Run backup now' }).waitFor();
    await page.waitForTimeout(500);
    await page.screenshot({ path: S + `ops-${tag}.png`, fullPage: true });
    state[tag] = page;
    out.push(...e2e.consoleProblems(page));
  }
  return out;
}
