// Usage and cost of agent runs (issue 21 §1) in a real Chromium the size of a phone: a model's price
// edited and reset in Settings, a monthly budget set there, and the totals and the budget's warning on
// the Operations page. The runs are rows with chosen costs (what the queue would have stored).
import { describe, expect, it } from 'vitest';
import type { PriceView } from '../../src/shared/usage.js';
import { startE2E } from './fixture.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

describe('usage and cost in the browser', () => {
  it('edits a price in Settings, sets a budget, and shows the totals and the warning on Operations at phone size', { timeout: 120_000 }, async () => {
    const e2e = await startE2E();
    try {
      const db = e2e.app.db;
      const workspace = await db.workspace.create({ data: { name: 'octocat/costly', cloneUrl: 'https://github.com/octocat/costly.git', localPath: '/nonexistent/costly', cloneState: 'ready' } });
      const now = new Date();
      const run = (costUsd: number, input: number, startedAt: Date) =>
        db.agentRun.create({
          data: { workspaceId: workspace.id, agent: 'claude', model: 'claude-sonnet-4-5', prompt: 'inserted', permissionMode: 'default', maxAttempts: 1, status: 'succeeded', createdAt: startedAt, startedAt, endedAt: startedAt, inputTokens: input, outputTokens: 10, cacheReadTokens: 1000, cacheWriteTokens: 0, costUsd },
        });
      await run(1.5, 1234, now);
      await run(2.25, 100, now);

      const page = await e2e.newPage(PHONE);
      await e2e.signIn(page);

      // Settings: the price of claude-sonnet-4, edited and saved, then reset.
      await page.goto(`${e2e.baseUrl}/settings`);
      const sonnet = page.locator('form.price[data-model="claude-sonnet-4"]');
      await sonnet.getByLabel('claude-sonnet-4: Input per million').fill('2.5');
      await sonnet.getByLabel('claude-sonnet-4: Cache read per million').fill('0.25');
      await sonnet.getByRole('button', { name: 'Save' }).click();
      await sonnet.locator('.badge', { hasText: 'edited' }).waitFor();
      const listed = async () => (await page.evaluate(async () => (await fetch('/api/prices')).json())) as { prices: PriceView[] };
      expect((await listed()).prices.find((price) => price.model === 'claude-sonnet-4')).toMatchObject({ inputPerMillion: 2.5, cacheReadPerMillion: 0.25, cacheWritePerMillion: 3.75, source: 'edited' });
      await e2e.screenshot(page, 'settings-prices-phone');
      expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
      await sonnet.getByRole('button', { name: 'Reset to shipped' }).click();
      await sonnet.locator('.badge', { hasText: 'shipped' }).waitFor();
      expect((await listed()).prices.find((price) => price.model === 'claude-sonnet-4')).toMatchObject({ inputPerMillion: 3, cacheReadPerMillion: 0.3, source: 'shipped' });

      // The budget: $4 a month, holding the queue; this month's $3.75 is 93 %.
      await page.getByLabel('Monthly budget (US dollars)').fill('4');
      await page.getByLabel('At 100 %, hold queued runs (running ones go on)').check();
      await page.getByRole('button', { name: 'Save budget' }).click();
      await page.locator('.budget-notice', { hasText: '93 % of the monthly budget ($4.00)' }).waitFor();

      // Operations: this month against the budget, and the totals.
      await page.goto(`${e2e.baseUrl}/operations`);
      await page.getByText(/This month \(\d{4}-\d{2}, UTC\): \$3\.75 of \$4\.00\./).waitFor();
      await page.locator('.budget-notice', { hasText: '93 %' }).waitFor();
      const months = page.getByRole('table', { name: 'Per month' });
      await expect(months.locator('tbody tr').first().innerText()).resolves.toMatch(/2\s+[\s\S]*1,334[\s\S]*\$3\.75/);
      const workspaces = page.getByRole('table', { name: 'Per workspace (last 12 months)' });
      await workspaces.getByText('octocat/costly').waitFor();
      await page.getByRole('table', { name: 'Per day (last 31 days)' }).getByText(now.toISOString().slice(0, 10)).waitFor();
      // Nothing wider than the phone.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await e2e.screenshot(page, 'operations-usage-phone');

      // Over the budget, with the queue held: a queued run says why it waits on the runs screen.
      const lowered = await page.evaluate(async () => (await fetch('/api/budget', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ monthlyUsd: 3, pauseQueue: true }) })).status);
      expect(lowered).toBe(200);
      await db.agentRun.create({ data: { workspaceId: workspace.id, agent: 'claude', model: 'claude-sonnet-4-5', prompt: 'waits for the budget', permissionMode: 'default', maxAttempts: 1 } });
      await page.goto(`${e2e.baseUrl}/workspaces/${workspace.id}/runs`);
      await page.locator('.run-row', { hasText: 'waits for the budget' }).getByText('Queued — held: the monthly budget is reached').waitFor();
      await page.locator('.budget-notice', { hasText: 'queued runs wait until the budget is raised' }).getByRole('button', { name: 'Resume the queue this month' }).waitFor();
      await e2e.screenshot(page, 'runs-budget-held-phone');
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await e2e.close();
    }
  });
});
