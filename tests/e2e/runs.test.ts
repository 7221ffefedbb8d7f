// The Runs screen (issue 21 §1, first slice): a Claude Code run started from the browser, against the
// fake Anthropic API, followed live to its transcript (a folded tool call, the answer) and its cost.
import { describe, expect, it } from 'vitest';
import { claudeBinary } from '../helpers/agent-clis.js';
import { startFakeModelApi, toolThenText } from '../helpers/fake-model-api.js';
import { OWNER_LOGIN, startE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';
import { createWorkspace } from './pages/workspaces-page.js';

/** The real Claude Code against the fake Anthropic API, quiet. */
const runsEnv = (modelApiUrl: string) => ({
  RUNS_ANTHROPIC_BASE_URL: modelApiUrl,
  RUNS_ANTHROPIC_API_KEY: 'test-key',
  RUNS_CLAUDE_PATH: claudeBinary(),
  TERMINAL_PASS_ENV: 'DISABLE_TELEMETRY,DISABLE_ERROR_REPORTING,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
});

/**
 * The app with the real Claude Code whose model calls Bash with `command`, then says "all done"; a
 * phone signed in, with the workspace `repo` made. Closed by `close`.
 */
async function phoneWithWorkspace(repo: string, command: string) {
  const modelApi = await startFakeModelApi(toolThenText({ name: 'Bash', input: { command, description: 'say it' } }, 'all done'));
  const e2e = await startE2E({ env: runsEnv(modelApi.url) });
  const close = async () => {
    await e2e.close();
    await modelApi.close();
  };
  try {
    await e2e.addRepo(repo);
    const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await e2e.signIn(page);
    const id = await createWorkspace(page, `${OWNER_LOGIN}/${repo}`);
    return { e2e, page, id, close };
  } catch (error) {
    await close();
    throw error;
  }
}

describe('agent runs in the browser', () => {
  it('starts a run, follows its transcript live, and shows its status and cost', { timeout: 120_000 }, async () => {
    const modelApi = await startFakeModelApi(toolThenText({ name: 'Bash', input: { command: 'echo hi-from-tool', description: 'say hi' } }, 'all done'));
    const e2e = await startE2E({ env: runsEnv(modelApi.url) });
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

  it('on a phone, a run in default mode asks in its transcript; Allow there lets the agent go on', { timeout: 120_000 }, async () => {
    const { e2e, page, id, close } = await phoneWithWorkspace('asking', 'echo approved-on-phone');
    try {
      await page.goto(`${e2e.baseUrl}/workspaces/${id}/runs`);
      await page.getByLabel('Prompt', { exact: true }).fill('Say it with a tool');
      await page.getByLabel('Permission mode').selectOption('default');
      await page.getByRole('button', { name: 'Start run' }).click();

      const request = page.locator('.run-approval', { hasText: 'echo approved-on-phone' });
      await request.getByText('Waiting for your answer.').waitFor({ timeout: 60_000 });
      await expect(request.locator('strong').textContent()).resolves.toBe('Asks to use Bash: ');
      await e2e.screenshot(page, 'phone-run-approval');
      await request.getByRole('button', { name: 'Allow' }).tap();
      await request.getByText(/^Allowed from /).waitFor();
      await page.locator('.run-summary', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
      await page.locator('.run-text', { hasText: 'all done' }).waitFor();
      const tool = page.locator('details.run-tool');
      await tool.locator('summary').tap();
      await expect(tool.locator('.run-tool-result').textContent()).resolves.toBe('approved-on-phone');
      // After a reload the request is still there, settled.
      await page.reload();
      await page.locator('.run-row a').first().click();
      await page.locator('.run-approval', { hasText: 'echo approved-on-phone' }).getByText(/^Allowed from /).waitFor();
      expect(await page.locator('.run-approval button').count()).toBe(0);
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await close();
    }
  });

  it('on a phone, the dashboard shows a run waiting for approval above the terminals; Allow there, and it goes on and leaves', { timeout: 120_000 }, async () => {
    const { e2e, page, id, close } = await phoneWithWorkspace('dashed', 'echo from-dashboard');
    try {
      const created = await page.evaluate(
        async (workspaceId) =>
          (await fetch(`/api/workspaces/${workspaceId}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'Say it\nfrom the dashboard', agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'default', worktree: false }) })).json(),
        id,
      );
      const runId = (created as { run: { id: string } }).run.id;
      await page.goto(`${e2e.baseUrl}/dashboard`);
      const card = page.locator(`.dash-run[data-run-id="${runId}"]`);
      await card.locator('.status-word', { hasText: 'Needs approval' }).waitFor({ timeout: 60_000 });
      await expect(card.locator('.dash-title').textContent()).resolves.toBe('Say it from the dashboard');
      await expect(card.locator('.dash-place').textContent()).resolves.toBe(`${OWNER_LOGIN}/dashed · Claude Code`);
      await expect(page.locator('.dash-summary').textContent()).resolves.toBe('1 run · 1 needs you');
      await e2e.screenshot(page, 'phone-dashboard-run');
      // The inbox has it too, and leads to the run.
      await page.goto(`${e2e.baseUrl}/approvals`);
      await expect(page.locator('.approval-facts a').first().getAttribute('href')).resolves.toBe(`/workspaces/${id}/runs?run=${runId}`);
      await page.goto(`${e2e.baseUrl}/dashboard`);
      await card.getByRole('button', { name: /^Allow/ }).tap();
      // Done: it leaves the dashboard, and its page says so.
      await card.waitFor({ state: 'detached', timeout: 60_000 });
      await page.goto(`${e2e.baseUrl}/workspaces/${id}/runs?run=${runId}`);
      await page.locator('.run-summary', { hasText: 'Succeeded' }).waitFor({ timeout: 30_000 });
      await page.locator('.run-approval', { hasText: 'echo from-dashboard' }).getByText(/^Allowed from /).waitFor();
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await close();
    }
  });
});
