// Approvals (issue 20) in the browser: the hooks installed from Settings, a stand-in for Claude Code
// (tests/helpers/fake-agent.mjs, which calls the hooks as Claude Code does) asking in a real terminal,
// and the owner answering on a phone-sized touch screen — allow, deny with a reason, allow for the
// session, an edit's diff — and a second device that answers first.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { type E2E, useE2E } from './fixture.js';
import { ApprovalsPage } from './pages/approvals-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { TerminalsPage } from './pages/terminals.js';

// Browser globals inside evaluate() callbacks (the Node type-check has no DOM library).
declare const document: any;

const FAKE_AGENT = path.resolve(import.meta.dirname, '../helpers/fake-agent.mjs');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } as const;

const fixture = useE2E();

/** Installs Claude Code's hooks for the terminals' user (what Settings → Agent hooks → Install does). */
async function installHooks(page: Page): Promise<void> {
  const status = await page.evaluate(async () => (await fetch('/api/hooks/claude/install', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
  expect(status).toBe(200);
}

/** A desktop page with a terminal, in which the stand-in agent asks. */
async function agentTerminal(e2e: E2E): Promise<TerminalsPage> {
  const page = await e2e.newPage();
  await e2e.signIn(page);
  await installHooks(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  // A terminal of its own: the ones earlier tests left may still be busy.
  await terminals.newTerminal();
  return terminals;
}

/** The stand-in agent asks to use a tool; its outcome line shows in the terminal once answered. */
async function ask(terminals: TerminalsPage, args: string): Promise<void> {
  await terminals.run(`"$SHELLPORT_NODE" ${FAKE_AGENT} ask-permission ${args}`);
}

async function phone(e2e: E2E): Promise<{ page: Page; approvals: ApprovalsPage }> {
  const page = await e2e.newPage(PHONE);
  await e2e.signIn(page);
  const approvals = new ApprovalsPage(page, { touch: true });
  await approvals.open();
  return { page, approvals };
}

async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe('approvals', () => {
  it('installs the agent hooks from Settings, showing the exact change first, and keeps the approval settings', async () => {
    const e2e = fixture();
    const page = await e2e.newPage();
    await e2e.signIn(page);
    const settings = new SettingsPage(page);
    await settings.open();
    const claude = settings.hooks('Claude Code');
    await claude.getByText('Not installed').waitFor();
    await claude.getByRole('button', { name: 'Show change' }).click();
    const change = claude.getByLabel(/^The change to .*settings\.json$/);
    await change.waitFor();
    // The change in full: lines added are marked with + (and words for screen readers), not by colour alone.
    const added = await change.locator('.diff-line[data-kind="added"]').allTextContents();
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((line) => line.startsWith('Added: +'))).toBe(true);
    expect(added.join('\n')).toContain('shellport');
    await e2e.screenshot(page, 'settings-agent-hooks');
    await claude.getByRole('button', { name: 'Install the hooks of Claude Code' }).click();
    await claude.getByText('✓ Installed').waitFor();
    await claude.getByRole('button', { name: 'Remove the hooks of Claude Code' }).waitFor();

    const timeout = settings.approvals.getByLabel('Wait for an answer (seconds)');
    await timeout.fill('10');
    await timeout.press('Tab');
    await settings.approvals.getByText(/Give a whole number of seconds from 30 to 3600\. Nothing was saved/).waitFor();
    await timeout.fill('600');
    await timeout.press('Tab');
    await page.getByText('Requests wait 10 min for an answer.').waitFor();
    await settings.approvals.getByRole('radio', { name: /ask in its terminal/ }).check();
    await page.getByText('Unanswered requests go back to the agent’s own prompt.').waitFor();
    await page.reload();
    await settings.approvals.getByLabel('Wait for an answer (seconds)').waitFor();
    await expect(settings.approvals.getByLabel('Wait for an answer (seconds)').inputValue()).resolves.toBe('600');
    await expect(settings.approvals.getByRole('radio', { name: /ask in its terminal/ }).isChecked()).resolves.toBe(true);
    await settings.approvals.getByRole('radio', { name: /^Deny it/ }).check();
    await page.getByText('Unanswered requests are denied.').waitFor();
    expect(e2e.consoleProblems(page)).toEqual([]);
  });

  it('a phone allows, denies with a reason and allows an edit for the session, and the agent is told each', { timeout: 90_000 }, async () => {
    const e2e = fixture();
    const terminals = await agentTerminal(e2e);
    await ask(terminals, `Bash 'npm test -- --watch=false'`);
    const { page, approvals } = await phone(e2e);

    const request = approvals.request('npm test -- --watch=false');
    await request.waitFor();
    await expect(request.getByLabel('Command').textContent()).resolves.toBe('npm test -- --watch=false');
    await expect(request.locator('dd').allTextContents()).resolves.toEqual(expect.arrayContaining(['Home · bash', 'Claude Code']));
    await expect(request.locator('.approval-time-left').textContent()).resolves.toMatch(/^\d+ min( \d+ s)? left$/);
    await expect.poll(() => approvals.badge()).toBe('1');
    // Big enough for a finger, and nothing wider than the phone.
    for (const button of await request.getByRole('button').all()) expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await e2e.screenshot(page, 'phone-approvals');
    await approvals.answer('npm test -- --watch=false', 'Allow');
    await expect.poll(() => approvals.result('npm test -- --watch=false').textContent()).toBe('Allowed.');
    await terminals.waitForLine(/^ALLOWED$/, 0, 15_000);

    await ask(terminals, `Bash 'rm -rf build'`);
    // The inbox finds it by itself (it asks every few seconds while shown).
    await approvals.request('rm -rf build').waitFor({ timeout: 15_000 });
    await approvals.answer('rm -rf build', 'Deny', 'Not the build folder, use make clean.');
    await expect.poll(() => approvals.result('rm -rf build').textContent()).toBe('Denied.');
    await terminals.waitForLine(/^DENIED: Not the build folder, use make clean\.$/, 0, 15_000);

    // An edit: the diff, each changed line marked by a sign as well as its colour.
    await terminals.run(String.raw`printf 'const a = 1;\nconst b = 2;\n' > demo.ts`);
    await ask(terminals, `Edit "$PWD/demo.ts" 'const b = 2;' 'const b = 3;'`);
    const edit = approvals.request('demo.ts');
    await edit.waitFor({ timeout: 15_000 });
    const diff = edit.getByLabel('Change');
    await expect(diff.locator('.diff-line[data-kind="removed"]').allTextContents()).resolves.toEqual(['Removed: −const b = 2;\n']);
    await expect(diff.locator('.diff-line[data-kind="added"]').allTextContents()).resolves.toEqual(['Added: +const b = 3;\n']);
    await e2e.screenshot(page, 'phone-approvals-diff');
    await approvals.answer('demo.ts', 'Allow for this session');
    await expect.poll(() => approvals.result('demo.ts').textContent()).toBe('Allowed for this session.');
    await expect.poll(() => terminals.screenText(), { timeout: 15_000 }).toMatch(/demo\.ts" 'const b = 2;' 'const b = 3;'\n(hook stderr: .*\n)?ALLOWED/);

    // Answered ones move below, each with what became of it.
    await approvals.answeredRequest('rm -rf build').waitFor({ timeout: 15_000 });
    await expect(approvals.answeredRequest('rm -rf build').textContent()).resolves.toMatch(/Denied by .+ on Linux: Not the build folder, use make clean\./);
    await expect(approvals.answeredRequest('npm test -- --watch=false').textContent()).resolves.toContain('Allowed by');
    await expect.poll(() => approvals.badge()).toBe('');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    expect(e2e.consoleProblems(page)).toEqual([]);
    expect(e2e.consoleProblems(terminals.page)).toEqual([]);
  });

  it('when another device answered first, the phone says so in the server’s words', { timeout: 60_000 }, async () => {
    const e2e = fixture();
    const terminals = await agentTerminal(e2e);
    await ask(terminals, `Bash 'make deploy'`);
    await expect.poll(() => e2e.app.approvals.list().some((approval) => approval.summary === 'make deploy' && approval.status === 'pending'), { timeout: 15_000 }).toBe(true);

    // The phone's inbox shows the request; its clock stands still, so that no refresh replaces the card
    // before the tap (the card would then already say that it was answered elsewhere).
    const page = await e2e.newPage(PHONE);
    await e2e.signIn(page);
    await page.clock.install();
    await page.clock.pauseAt(Date.now() + 2_000);
    const approvals = new ApprovalsPage(page, { touch: true });
    await approvals.open();
    await approvals.request('make deploy').waitFor();

    const other = await e2e.newPage();
    await e2e.signIn(other);
    const first = new ApprovalsPage(other);
    await first.open();
    await first.answer('make deploy', 'Deny', 'Not on a Friday.');
    await expect.poll(() => first.result('make deploy').textContent()).toBe('Denied.');
    await terminals.waitForLine(/^DENIED: Not on a Friday\.$/, 0, 15_000);

    await approvals.answer('make deploy', 'Allow');
    await expect.poll(() => approvals.result('make deploy').textContent()).toMatch(/^This request was already denied from .+ on Linux at .+\.$/);
    await expect(approvals.request('make deploy').getAttribute('data-status')).resolves.toBe('closed');
    await expect(approvals.request('make deploy').getByRole('button').count()).resolves.toBe(0);
    await e2e.screenshot(page, 'phone-approvals-stale');
    expect(e2e.consoleProblems(page).filter((problem) => !/409 \(Conflict\)/.test(problem))).toEqual([]);
  });
});
