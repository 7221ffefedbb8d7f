// The Runs screen (issue 21 §1, first slice): a Claude Code run started from the browser, against the
// fake Anthropic API, followed live to its transcript (a folded tool call, the answer) and its cost.
import { describe, expect, it } from 'vitest';
import { claudeBinary } from '../helpers/agent-clis.js';
import { startFakeModelApi, toolThenText } from '../helpers/fake-model-api.js';
import { OWNER_LOGIN, startE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';

describe('agent runs in the browser', () => {
  it('starts a run, follows its transcript live, and shows its status and cost', { timeout: 120_000 }, async () => {
    const modelApi = await startFakeModelApi(toolThenText({ name: 'Bash', input: { command: 'echo hi-from-tool', description: 'say hi' } }, 'all done'));
    const e2e = await startE2E({
      env: {
        RUNS_ANTHROPIC_BASE_URL: modelApi.url,
        RUNS_ANTHROPIC_API_KEY: 'test-key',
        RUNS_CLAUDE_PATH: claudeBinary(),
        TERMINAL_PASS_ENV: 'DISABLE_TELEMETRY,DISABLE_ERROR_REPORTING,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
        DISABLE_TELEMETRY: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    });
    try {
      await e2e.addRepo('agentic');
      const page = await e2e.newPage();
      await e2e.signIn(page);
      const id = await createWorkspace(page, `${OWNER_LOGIN}/agentic`);
      await page.goto(`${e2e.baseUrl}/workspaces/${id}/runs`);
      await page.getByText('No runs yet.').waitFor();

      await page.getByLabel('Prompt', { exact: true }).fill('Say hi with a tool');
      await page.getByLabel('Permission mode').selectOption('default');
      await page.getByLabel('Allowed tools').fill('Bash(echo:*)');
      await page.getByRole('button', { name: 'Start run' }).click();

      await page.locator('.run-row .run-status-succeeded').waitFor({ timeout: 60_000 }).catch(async (error: unknown) => {
        const runs = await page.evaluate(async (workspaceId) => (await fetch(`/api/workspaces/${workspaceId}/runs`)).text(), id);
        throw new Error(`${String(error)}\nruns: ${runs}\npage: ${await page.locator('main').innerText()}\nconsole: ${e2e.consoleProblems(page).join('\n')}`);
      });
      await page.locator('.run-text', { hasText: 'all done' }).waitFor();
      const tool = page.locator('details.run-tool');
      await expect(tool.locator('summary').textContent()).resolves.toBe('Bash echo hi-from-tool');
      await tool.locator('summary').click();
      await expect(tool.locator('.run-tool-result').textContent()).resolves.toBe('hi-from-tool');
      await expect(page.locator('.run-row .run-cost').textContent()).resolves.toBe('$0.00021');
      await page.locator('.run-summary', { hasText: 'Succeeded' }).waitFor();
      await e2e.screenshot(page, 'runs');
      expect(e2e.consoleProblems(page)).toEqual([]);

      // The agent's own terminal, one click away: its raw JSON lines, as they were printed.
      const run = (await page.evaluate(async (workspaceId) => (await (await fetch(`/api/workspaces/${workspaceId}/runs`)).json()).runs[0], id)) as { terminalId: string };
      await page.getByRole('link', { name: 'Terminal', exact: true }).click();
      await page.waitForURL(`**/terminals/${id}?session=${run.terminalId}`);
      const terminals = new TerminalsPage(page);
      await terminals.waitReady();
      await expect(terminals.sessionIdIn(0)).resolves.toBe(run.terminalId);
      await terminals.waitForLine(/"type":"result"/, 0, 15_000);
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await e2e.close();
      await modelApi.close();
    }
  });
});
