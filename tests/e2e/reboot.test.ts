// Issue 19, "After a reboot", in the browser: terminals ended by a reboot are announced with one
// action for all of them, and each says where it was and what it ran, with Start again and — when
// an agent conversation was recorded — Resume conversation. The reboot itself (host and server gone,
// boot id changed) is tested in tests/features/terminals/reboot.test.ts; here the terminals are
// ended and marked `reboot`, which is what the browser sees after one.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { useE2E, type E2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

// The fake `claude` (it records its arguments in ~/claude-args.log and holds a session file open) on the shells' PATH.
const bin = mkdtempSync(path.join(tmpdir(), 'shellport-e2e-bin-'));
copyFileSync(path.resolve(import.meta.dirname, '../features/terminals/fixtures/fake-claude'), path.join(bin, 'claude'));
afterAll(() => rmSync(bin, { recursive: true, force: true }));
const fixture = useE2E({ env: { PATH: `${bin}:${process.env.PATH}` } });

const home = (e2e: E2E) => path.join(e2e.dataDir, '..', 'home');
const claudeStarts = (e2e: E2E) => {
  try {
    return readFileSync(path.join(home(e2e), 'claude-args.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

/** What a reboot leaves: the terminals ended, as `reboot`, with what was recorded while they ran. */
async function reboot(e2e: E2E, ids: string[]): Promise<void> {
  for (const id of ids) await e2e.app.terminals.kill(id);
  await e2e.app.db.terminal.updateMany({ where: { id: { in: ids } }, data: { endReason: 'reboot' } });
}

it('after a reboot: the notice, Resume conversation in the agent\'s terminal, and Start all again for the rest', async () => {
  const e2e = fixture();
  const page = await e2e.newPage();
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  const agentId = await terminals.sessionIdIn(0);
  await terminals.run('mkdir -p project && cd project && claude');
  const started = await terminals.waitForLine(/fake claude: session [0-9a-f-]{36}/);
  const sessionId = started.split('session ')[1]!.trim();
  await terminals.newTerminal();
  const plainId = await terminals.sessionIdIn(0);
  await terminals.run('cd /tmp');
  await vi.waitFor(async () => {
    await e2e.app.terminals.sweepIdle();
    const rows = await e2e.app.db.terminal.findMany({ where: { id: { in: [agentId, plainId] } } });
    expect(rows.find((row) => row.id === agentId)?.agentSessionId).toBe(sessionId);
    expect(rows.find((row) => row.id === plainId)?.lastCwd).toBe('/tmp');
  }, { timeout: 10_000, interval: 250 });
  await reboot(e2e, [agentId, plainId]);

  await page.reload();
  await terminals.waitReady();
  await expect.poll(() => terminals.rebootNotice().textContent()).toContain('2 terminals ended when the machine restarted.');
  expect(await terminals.tabSessionIds()).toEqual(expect.arrayContaining([agentId, plainId]));

  await terminals.showTab(agentId);
  const agentView = terminals.viewOf(agentId);
  await agentView.getByText('Ended by a reboot.').waitFor();
  await agentView.getByText(`In ${path.join(home(e2e), 'project')}, running `).waitFor();
  expect(await agentView.locator('.term-exit-where').textContent()).toMatch(/running \S*bash \S+\/claude$/);
  await agentView.getByRole('button', { name: 'Resume conversation' }).click();
  // The new terminal takes the ended one's tab (whose scrollback shows the same line).
  await expect.poll(() => terminals.tabSessionIds()).not.toContain(agentId);
  await terminals.waitForLine(new RegExp(`fake claude: session ${sessionId}`));
  expect(claudeStarts(e2e)).toEqual([`--resume ${sessionId}`]); // the first start had no arguments: an empty line
  await expect.poll(() => terminals.rebootNotice().textContent()).toContain('One terminal ended when the machine restarted.');

  // The other one offers no conversation, only Start again; Start all again starts it in /tmp.
  await terminals.showTab(plainId);
  await terminals.viewOf(plainId).getByText('In /tmp').waitFor();
  expect(await terminals.viewOf(plainId).getByRole('button', { name: 'Resume conversation' }).count()).toBe(0);
  await terminals.rebootNotice().getByRole('button', { name: 'Start all again' }).click();
  await terminals.rebootNotice().waitFor({ state: 'hidden' });
  await expect.poll(() => terminals.tabSessionIds()).not.toContain(plainId);
  await terminals.waitFocused(0);
  await page.keyboard.type('echo "here: $PWD"');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^here: \/tmp$/);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);

it('on a phone, the notice and an ended terminal\'s bar fit the screen and work', async () => {
  const e2e = fixture();
  const page = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open('/terminals');
  const id = await terminals.sessionIdIn(0);
  await terminals.run('cd /tmp && sleep 300');
  await vi.waitFor(async () => {
    await e2e.app.terminals.sweepIdle();
    expect(await e2e.app.db.terminal.findUnique({ where: { id } })).toMatchObject({ lastCwd: '/tmp', lastCommand: 'sleep 300' });
  }, { timeout: 10_000, interval: 250 });
  await reboot(e2e, [id]);

  await page.reload();
  await terminals.waitReady();
  await expect.poll(() => terminals.rebootNotice().textContent()).toContain('One terminal ended when the machine restarted.');
  await terminals.showTab(id);
  const view = terminals.viewOf(id);
  await view.getByText('In /tmp, running sleep 300').waitFor();
  expect(await terminals.horizontalOverflow()).toBe(0);
  const again = view.getByRole('button', { name: 'Start again' });
  const box = (await again.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await e2e.screenshot(page, 'reboot-phone');
  await again.tap();
  await expect.poll(() => terminals.tabSessionIds()).not.toContain(id);
  await terminals.rebootNotice().waitFor({ state: 'hidden' });
  await terminals.waitFocused(0);
  await page.keyboard.type('echo "back in $PWD"');
  await page.keyboard.press('Enter');
  await terminals.waitForLine(/^back in \/tmp$/);
  expect(e2e.consoleProblems(page)).toEqual([]);
}, 60_000);
