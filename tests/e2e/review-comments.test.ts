// Comments on a review's lines, from a phone, sent to the agent as the next prompt of its conversation
// (issue 21 §2). The agent is tests/features/runs/fake-claude.mjs: Claude Code's stream-json lines, a
// session id it keeps on --resume, and a file written when its prompt asks.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunView } from '../../src/shared/runs.js';
import { OWNER_LOGIN, startE2E } from './fixture.js';
import { createWorkspace } from './pages/workspaces-page.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;
const FAKE_CLAUDE = path.resolve(import.meta.dirname, '../features/runs/fake-claude.mjs');

describe('review comments to the agent', () => {
  it('comments on a changed line on a phone, keeps the comment across a reload, and sends it as a follow-up of the run', { timeout: 120_000 }, async () => {
    const e2e = await startE2E({ env: { RUNS_CLAUDE_PATH: FAKE_CLAUDE } });
    try {
      await e2e.addRepo('commented');
      const page = await e2e.newPage(PHONE);
      await e2e.signIn(page);
      const id = await createWorkspace(page, `${OWNER_LOGIN}/commented`);
      const api = <T>(url: string, body?: unknown) =>
        page.evaluate(
          async ({ url, body }) => {
            const response = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
            return { status: response.status, body: await response.json() };
          },
          { url, body },
        ) as Promise<{ status: number; body: T }>;

      // A run in the workspace itself that adds a file: a change to review.
      const started = await api<{ run: RunView }>(`/api/workspaces/${id}/runs`, { prompt: 'write notes.txt limit is ten', agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'acceptEdits', worktree: false });
      expect(started.status).toBe(201);
      await expect.poll(async () => (await api<{ run: RunView }>(`/api/runs/${started.body.run.id}`)).body.run.status, { timeout: 60_000 }).toBe('succeeded');
      const { agentSessionId } = (await api<{ run: RunView }>(`/api/runs/${started.body.run.id}`)).body.run;
      expect(agentSessionId).toEqual(expect.any(String));

      await page.goto(`${e2e.baseUrl}/workspaces/${id}/review`);
      const file = page.locator('details.rv-file[data-path="notes.txt"]');
      await file.waitFor();
      if ((await file.getAttribute('open')) === null) await file.locator('summary').tap();
      await file.getByRole('button', { name: 'Comment on notes.txt, line 1' }).tap();
      await page.getByRole('textbox', { name: 'Comment on notes.txt, line 1' }).fill('Make the limit a setting, not a note.');
      await page.getByRole('button', { name: 'Add comment' }).tap();
      const card = page.locator('.rv-comments');
      await card.getByText('notes.txt:1').waitFor();
      await expect(file.getByRole('button', { name: 'Comment on notes.txt, line 1' }).textContent()).resolves.toBe('+1');

      // Kept on the device: a reload (a phone's tab thrown away and back) still has it.
      await page.reload();
      await card.getByText('Make the limit a setting, not a note.').waitFor();
      const box = await card.getByRole('button', { name: 'Send the comment to the agent' }).boundingBox();
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);

      await card.getByRole('button', { name: 'Send the comment to the agent' }).tap();
      await page.waitForURL(new RegExp(`/workspaces/${id}/runs\\?run=`));
      const runs = (await api<{ runs: RunView[] }>(`/api/workspaces/${id}/runs`)).body.runs;
      const followUp = runs.find((run) => run.parentRunId === started.body.run.id);
      expect(followUp?.prompt).toBe(['Please address this review comment on your changes:', '', '1. notes.txt, added line 1 (`limit is ten`):', '   Make the limit a setting, not a note.'].join('\n'));
      await expect.poll(async () => (await api<{ run: RunView }>(`/api/runs/${followUp!.id}`)).body.run, { timeout: 60_000 }).toMatchObject({ status: 'succeeded', agentSessionId });

      // Sent: the review has no comments left.
      await page.goto(`${e2e.baseUrl}/workspaces/${id}/review`);
      await page.locator('details.rv-file').first().waitFor();
      await expect(card.isHidden()).resolves.toBe(true);
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await e2e.close();
    }
  });

  it("reviews a run's own worktree from the run's page and commits there, leaving the workspace alone", { timeout: 120_000 }, async () => {
    const e2e = await startE2E({ env: { RUNS_CLAUDE_PATH: FAKE_CLAUDE } });
    try {
      await e2e.addRepo('worktreed');
      const page = await e2e.newPage(PHONE);
      await e2e.signIn(page);
      const id = await createWorkspace(page, `${OWNER_LOGIN}/worktreed`);
      const started = await page.evaluate(async (workspaceId) => {
        const response = await fetch(`/api/workspaces/${workspaceId}/runs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ prompt: 'write idea.txt an idea', agent: 'claude', model: 'claude-sonnet-4-5', permissionMode: 'acceptEdits' }),
        });
        return (await response.json()) as { run: RunView };
      }, id);

      await page.goto(`${e2e.baseUrl}/workspaces/${id}/runs?run=${started.run.id}`);
      await page.locator('.run-summary', { hasText: 'Succeeded' }).waitFor({ timeout: 60_000 });
      await page.getByRole('link', { name: 'Review changes' }).tap();
      await page.waitForURL(new RegExp(`/workspaces/${id}/review\\?run=${started.run.id}$`));
      await page.getByRole('heading', { name: /an agent run$/ }).waitFor();
      await page.locator('details.rv-file[data-path="idea.txt"]').waitFor();
      await page.getByRole('button', { name: 'Commit 1 file' }).tap();
      await page.locator('.toast', { hasText: 'Committed' }).waitFor();

      const state = await page.evaluate(
        async ({ workspaceId, runId }) => {
          const run = (await (await fetch(`/api/workspaces/${workspaceId}/review-state?run=${runId}`)).json()) as { status: { branch: string; changedFiles: number } };
          const workspace = (await (await fetch(`/api/workspaces/${workspaceId}/review-state`)).json()) as { status: { branch: string; changedFiles: number } };
          return { run: run.status, workspace: workspace.status };
        },
        { workspaceId: id, runId: started.run.id },
      );
      expect(state.run).toMatchObject({ branch: expect.stringMatching(/^shellport\/run-/), changedFiles: 0 });
      expect(state.workspace).toMatchObject({ branch: 'main', changedFiles: 0 });
      expect(e2e.consoleProblems(page)).toEqual([]);
    } finally {
      await e2e.close();
    }
  });
});
