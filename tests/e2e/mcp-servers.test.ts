// Settings → MCP servers and New run's MCP picker (issue 21 §1, docs/runs.md "MCP servers"), in Chromium:
// add a server with a secret variable (shown masked, never in the page), add and remove another, then
// tick the first in New run; the agent (fake-claude.mjs, which names the servers of its --mcp-config
// in its answer) gets exactly it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNER_LOGIN, startE2E } from './fixture.js';
import { createWorkspace } from './pages/workspaces-page.js';

const FAKE_CLAUDE = path.resolve(import.meta.dirname, '../features/runs/fake-claude.mjs');
const SECRET = 'browser-secret-3c9e71';

describe('MCP servers in the browser', () => {
  it('adds a server with a masked secret, removes another, and gives the first to a run ticked in New run', { timeout: 120_000 }, async () => {
    const e2e = await startE2E({ env: { RUNS_CLAUDE_PATH: FAKE_CLAUDE } });
    try {
      await e2e.addRepo('mcp-repo');
      const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      await e2e.signIn(page);
      const id = await createWorkspace(page, `${OWNER_LOGIN}/mcp-repo`);

      await page.goto(`${e2e.baseUrl}/settings`);
      const section = page.locator('section', { has: page.getByRole('heading', { name: 'MCP servers' }) });
      await section.getByText('No MCP server yet.').waitFor();
      const addServer = async (name: string, withSecret: boolean) => {
        await section.getByLabel('Name', { exact: true }).fill(name);
        await section.getByLabel('Transport').selectOption('stdio');
        await section.getByLabel('Command').fill(process.execPath);
        await section.getByLabel('Arguments').fill('server.mjs');
        if (withSecret) {
          await section.getByRole('button', { name: 'Add variable' }).click();
          await section.getByLabel('Variable 1 name').fill('TOKEN');
          await section.getByLabel('Variable 1 value').fill(SECRET);
          await section.getByLabel('Variable 1 is secret').check();
        }
        await section.getByRole('button', { name: 'Add server' }).click();
        await section.locator(`li[data-server="${name}"]`).waitFor();
      };
      await addServer('tools', true);
      await addServer('spare', false);
      const tools = section.locator('li[data-server="tools"]');
      await expect(tools.innerText()).resolves.toContain('TOKEN=•••• (secret, set)');
      expect(await page.content()).not.toContain(SECRET);

      // Editing keeps the secret when its field stays empty.
      await tools.getByRole('button', { name: 'Edit tools' }).click();
      await expect(section.getByLabel('Variable 1 value').getAttribute('placeholder')).resolves.toBe('unchanged (set)');
      await expect(section.getByLabel('Variable 1 value').inputValue()).resolves.toBe('');
      await section.getByRole('button', { name: 'Save server' }).click();
      await section.getByRole('button', { name: 'Add server' }).waitFor();
      await expect(tools.innerText()).resolves.toContain('TOKEN=•••• (secret, set)');

      await section.locator('li[data-server="spare"]').getByRole('button', { name: 'Remove spare' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
      await section.locator('li[data-server="spare"]').waitFor({ state: 'detached' });
      await e2e.screenshot(page, 'mcp-servers-settings');

      await page.goto(`${e2e.baseUrl}/workspaces/${id}/runs`);
      await page.getByText('No runs yet.').waitFor();
      await page.getByLabel('Prompt', { exact: true }).fill('use the tools');
      await page.getByRole('checkbox', { name: 'tools' }).check();
      await page.getByRole('button', { name: 'Start run' }).click();
      await page.locator('.run-row .run-status-succeeded').waitFor({ timeout: 60_000 });
      await page.locator('.run-text', { hasText: 'mcp=tools' }).waitFor();
      await expect(page.locator('.run-mcp').textContent()).resolves.toBe('MCP servers: tools');
      await e2e.screenshot(page, 'mcp-servers-run');
      expect(await page.content()).not.toContain(SECRET);
      expect(e2e.logText()).not.toContain(SECRET);
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await e2e.close();
    }
  });
});
