// Approvals (issue 20 §3) end to end: a real terminal, hooks installed by its own `shellport`, and a
// stand-in for Claude Code (tests/helpers/fake-agent.mjs) that calls them as Claude Code does; the
// owner answers over /api/approvals; what the agent was told is what the stand-in prints.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Approval } from '../../../src/shared/attention.js';
import { agentTerminal, secondSignIn } from '../hooks/helpers.js';

const answer = (t: Awaited<ReturnType<typeof agentTerminal>>, id: string, payload: unknown, cookie?: string) =>
  t.owner({ method: 'POST', url: `/api/approvals/${id}/answer`, payload: payload as Record<string, unknown>, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' } }, cookie);

const authLog = async (t: Awaited<ReturnType<typeof agentTerminal>>) =>
  (await t.app.app.db.authLog.findMany({ where: { action: 'approval' }, orderBy: { id: 'asc' } })).map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> }));

describe('approvals', () => {
  it('holds a permission request until the owner allows it: the terminal shows it, the listeners hear of it, the agent is allowed, and the auth log says who', async () => {
    const t = await agentTerminal();
    const heard: Approval[] = [];
    t.app.app.approvals.onRequested((approval) => void heard.push(approval));
    const { outcome } = t.agent(`ask-permission Bash 'npm test -- --watch=false'`);
    const approval = await t.nextApproval();
    expect(approval).toMatchObject({
      sessionId: t.sessionId,
      workspaceId: null,
      terminalTitle: 'bash',
      agent: 'claude',
      tool: 'Bash',
      summary: 'npm test -- --watch=false',
      input: { command: 'npm test -- --watch=false' },
      diff: null,
      status: 'pending',
    });
    expect(Date.parse(approval.expiresAt) - Date.parse(approval.createdAt)).toBe(300_000);
    expect(heard.map((item) => item.id)).toEqual([approval.id]);
    expect(await t.activity()).toMatchObject({ state: 'approval', needsYou: true, message: 'Bash: npm test -- --watch=false' });
    expect(t.app.app.approvals.pendingFor(t.sessionId)?.id).toBe(approval.id);
    const listed = await t.owner({ method: 'GET', url: '/api/approvals' });
    expect(listed.json().approvals.map((item: Approval) => item.id)).toEqual([approval.id]);
    expect((await t.owner({ method: 'GET', url: `/api/approvals/${approval.id}` })).json().approval).toMatchObject({ id: approval.id, status: 'pending' });

    const answered = await answer(t, approval.id, { decision: 'allow' });
    expect(answered.statusCode, answered.body).toBe(200);
    expect(answered.json().approval).toMatchObject({ status: 'allowed', answeredBy: 'Firefox on Linux', answeredAt: expect.any(String) });
    expect(await outcome).toBe('ALLOWED');
    // The answer put the terminal back to work (the shell then says the command finished).
    const states = t.client.activities.filter((event) => event.sessionId === t.sessionId).map((event) => event.activity.state);
    expect(states.slice(states.indexOf('approval'))).toEqual(expect.arrayContaining(['approval', 'working']));
    expect(states.lastIndexOf('working')).toBeGreaterThan(states.indexOf('approval'));
    expect(t.app.app.approvals.pendingFor(t.sessionId)).toBeNull();

    const [entry] = await authLog(t);
    expect(entry).toMatchObject({ success: true, userAgent: expect.stringContaining('Firefox/128.0') });
    expect(entry!.details).toMatchObject({ approval: approval.id, terminal: t.sessionId, tool: 'Bash', summary: 'npm test -- --watch=false', outcome: 'allowed', told: 'allow', device: 'Firefox on Linux', signIn: expect.any(String) });
    expect(JSON.stringify(await t.app.app.db.authLog.findMany())).not.toContain(t.env.SHELLPORT_CREDENTIAL_SECRET!);
  });

  it('tells the agent the reason of a denial, and keeps credentials out of the record', async () => {
    const t = await agentTerminal();
    const { outcome } = t.agent(`ask-permission Bash 'curl -H "Authorization: Bearer abcdefghijklmnop1234" https://example.com'`);
    const approval = await t.nextApproval();
    const denied = await answer(t, approval.id, { decision: 'deny', reason: 'Use the staging server, not production.' });
    expect(denied.statusCode, denied.body).toBe(200);
    expect(denied.json().approval).toMatchObject({ status: 'denied', reason: 'Use the staging server, not production.' });
    expect(await outcome).toBe('DENIED: Use the staging server, not production.');
    const [entry] = await authLog(t);
    expect(entry).toMatchObject({ success: false });
    expect(entry!.details).toMatchObject({ outcome: 'denied', told: 'deny', reason: 'Use the staging server, not production.' });
    expect(JSON.stringify(entry)).not.toContain('abcdefghijklmnop1234');
  });

  it('allows the same request again at once after "allow for this session", and tells Claude Code the rule', async () => {
    const t = await agentTerminal();
    const first = t.agent(`ask-permission Bash 'npm run build'`);
    const approval = await t.nextApproval();
    expect((await answer(t, approval.id, { decision: 'allow-session' })).statusCode).toBe(200);
    const rule = [{ type: 'addRules', rules: [{ toolName: 'Bash', ruleContent: 'npm run build' }], behavior: 'allow', destination: 'session' }];
    expect(await first.outcome).toBe(`ALLOWED FOR SESSION: ${JSON.stringify(rule)}`);

    // The same request: allowed without asking; another one is asked.
    expect(await t.agent(`ask-permission Bash 'npm run build'`).outcome).toBe(`ALLOWED FOR SESSION: ${JSON.stringify(rule)}`);
    expect(t.app.app.approvals.list().filter((item) => item.status === 'pending')).toEqual([]);
    const other = t.agent(`ask-permission Bash 'npm publish'`);
    const second = await t.nextApproval(new Set([approval.id]));
    expect(second.summary).toBe('npm publish');
    expect((await answer(t, second.id, { decision: 'deny' })).statusCode).toBe(200);
    expect(await other.outcome).toMatch(/^DENIED: Denied in Shellport from Firefox on Linux\.$/);
    expect((await authLog(t)).map((entry) => entry.details.outcome)).toEqual(['allowed-for-session', 'allowed-for-session', 'denied']);
  });

  it('answers a request nobody answered with the configured default: deny, or hand it back to the agent to ask in the terminal', async () => {
    const t = await agentTerminal();
    const setting = await t.owner({ method: 'PATCH', url: '/api/settings', payload: { approvalTimeoutSeconds: 30 } });
    expect(setting.statusCode, setting.body).toBe(200);
    const denied = t.agent(`ask-permission WebFetch https://example.com/docs`);
    const first = await t.nextApproval();
    expect(first).toMatchObject({ tool: 'WebFetch', summary: 'https://example.com/docs' });
    expect(Date.parse(first.expiresAt) - Date.parse(first.createdAt)).toBe(30_000);
    t.app.clock.advance(29_000);
    t.app.app.approvals.expireDue();
    expect(t.app.app.approvals.get(first.id)?.status).toBe('pending');
    t.app.clock.advance(2_000);
    expect(await denied.outcome).toBe('DENIED: Nobody answered in Shellport within 30 seconds, so it was denied.');
    expect(t.app.app.approvals.get(first.id)).toMatchObject({ status: 'timed-out', reason: 'Nobody answered in Shellport within 30 seconds: denied.' });

    await t.owner({ method: 'PATCH', url: '/api/settings', payload: { approvalTimeoutSeconds: 60, approvalTimeoutAction: 'ask-in-terminal' } });
    const asked = t.agent(`ask-permission Bash 'rm -rf build'`);
    const second = await t.nextApproval(new Set([first.id]));
    t.app.clock.advance(61_000);
    expect(await asked.outcome).toBe('ASKED');
    expect(t.app.app.approvals.get(second.id)).toMatchObject({ status: 'timed-out', reason: 'Nobody answered in Shellport within 1 minute: the agent asks in the terminal.' });
    // The terminal waited for the owner's answer in it (until the stand-in, which does not ask, ended).
    expect(t.client.activities.filter((event) => event.sessionId === t.sessionId).map((event) => event.activity)).toContainEqual(
      expect.objectContaining({ state: 'waiting', needsYou: true, message: 'Asks in the terminal: Bash: rm -rf build' }),
    );

    // A late answer is refused, saying what happened and when.
    const late = await answer(t, second.id, { decision: 'allow' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error).toMatchObject({ code: 'approval_closed', message: expect.stringMatching(/^This request timed out at \S+: Nobody answered in Shellport within 1 minute/) });
    expect((await authLog(t)).map((entry) => [entry.details.outcome, entry.details.told])).toEqual([
      ['timed-out', 'deny'],
      ['timed-out', 'ask'],
    ]);
  });

  it('takes the first of two answers, refuses the other and later ones (409 approval_closed), and takes answers from any signed-in browser', async () => {
    const t = await agentTerminal();
    const { outcome } = t.agent(`ask-permission Bash 'git push --force'`);
    const approval = await t.nextApproval();
    const phone = await secondSignIn(t.app);
    const phoneSession = await t.app.app.auth.sessions.findValid(phone.slice(phone.indexOf('=') + 1));
    const [fromPhone, fromDesktop] = await Promise.all([answer(t, approval.id, { decision: 'deny', reason: 'not today' }, phone), answer(t, approval.id, { decision: 'allow' })]);
    expect([fromPhone.statusCode, fromDesktop.statusCode].sort()).toEqual([200, 409]);
    const [winner, loser] = fromPhone.statusCode === 200 ? [fromPhone, fromDesktop] : [fromDesktop, fromPhone];
    const won = winner.json().approval as Approval;
    expect(loser.json().error).toMatchObject({ code: 'approval_closed', message: expect.stringMatching(new RegExp(`^This request was already ${won.status} from Firefox on Linux at `)), details: { status: won.status } });
    expect(await outcome).toBe(won.status === 'denied' ? 'DENIED: not today' : 'ALLOWED');
    const again = await answer(t, approval.id, { decision: 'deny' }, phone);
    expect(again.statusCode).toBe(409);
    const entries = await authLog(t);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.details.outcome).toBe(won.status === 'denied' ? 'denied' : 'allowed');

    // An answer from the second browser alone: its sign-in is in the record.
    const next = t.agent(`ask-permission Bash 'git push'`);
    const second = await t.nextApproval(new Set([approval.id]));
    expect((await answer(t, second.id, { decision: 'allow' }, phone)).statusCode).toBe(200);
    expect(await next.outcome).toBe('ALLOWED');
    expect((await authLog(t)).at(-1)!.details).toMatchObject({ outcome: 'allowed', signIn: phoneSession!.id });
    // An unknown id is a 404, a malformed one a 400.
    expect((await answer(t, '00000000-0000-4000-8000-000000000000', { decision: 'allow' })).statusCode).toBe(404);
    expect((await answer(t, 'nope', { decision: 'allow' })).statusCode).toBe(400);
    expect((await answer(t, approval.id, { decision: 'maybe' })).json().error.code).toBe('validation_failed');
  });

  it('needs the signed-in owner, from Shellport\'s own page, to list and answer', async () => {
    const t = await agentTerminal();
    const { outcome } = t.agent(`ask-permission Bash 'make deploy'`);
    const approval = await t.nextApproval();
    const signedOut = await t.app.app.inject({ method: 'GET', url: '/api/approvals' });
    expect(signedOut.statusCode).toBe(401);
    expect((await t.app.app.inject({ method: 'GET', url: `/api/approvals/${approval.id}` })).statusCode).toBe(401);
    const publicUrl = new URL(t.app.config.server.publicUrl);
    const noCookie = await t.app.app.inject({ method: 'POST', url: `/api/approvals/${approval.id}/answer`, headers: { origin: publicUrl.origin, host: publicUrl.host }, payload: { decision: 'allow' } });
    expect(noCookie.statusCode).toBe(401);
    // A script with the cookie but without an Origin, or a page elsewhere, is refused.
    const noOrigin = await t.app.app.inject({ method: 'POST', url: `/api/approvals/${approval.id}/answer`, headers: { cookie: t.app.cookie }, payload: { decision: 'allow' } });
    expect(noOrigin.statusCode).toBe(403);
    expect(noOrigin.json().error.code).toBe('cross_site_request');
    const foreign = await t.owner({ method: 'POST', url: `/api/approvals/${approval.id}/answer`, headers: { origin: 'https://evil.example' }, payload: { decision: 'allow' } });
    expect(foreign.statusCode).toBe(403);
    expect(t.app.app.approvals.get(approval.id)?.status).toBe('pending');
    expect((await answer(t, approval.id, { decision: 'allow' })).statusCode).toBe(200);
    expect(await outcome).toBe('ALLOWED');
  });

  it('withdraws a request when the agent stops waiting, the server stops or the terminal ends; answers then say so', async () => {
    const t = await agentTerminal();
    // Neither agent prints an outcome: they are stopped first.
    void t.agent(`ask-permission Bash 'sleep 1000'`).outcome.catch(() => {});
    const first = await t.nextApproval();
    // The owner presses Ctrl-C in the terminal: the agent and its hook go.
    t.client.input(t.sessionId, '\x03');
    await vi.waitFor(() => expect(t.app.app.approvals.get(first.id)?.status).toBe('withdrawn'), { timeout: 10_000 });
    expect(t.app.app.approvals.get(first.id)?.reason).toBe('the agent stopped waiting (its hook ended)');
    const stale = await answer(t, first.id, { decision: 'allow' });
    expect(stale.json().error).toMatchObject({ code: 'approval_closed', message: expect.stringMatching(/withdrawn at .*the agent stopped waiting/) });

    // The server stopping withdraws what waits: the agent asks in the terminal.
    const stopping = t.agent(`ask-permission Bash 'make release'`);
    const third = await t.nextApproval(new Set([first.id]));
    t.app.app.approvals.close();
    expect(await stopping.outcome).toBe('ASKED');
    expect(t.app.app.approvals.get(third.id)).toMatchObject({ status: 'withdrawn', reason: 'the Shellport server stopped' });

    void t.agent(`ask-permission Bash 'sleep 2000'`).outcome.catch(() => {});
    const second = await t.nextApproval(new Set([first.id, third.id]));
    await t.app.app.terminals.kill(t.sessionId);
    await vi.waitFor(() => expect(t.app.app.approvals.get(second.id)).toMatchObject({ status: 'withdrawn', reason: 'the terminal ended' }), { timeout: 10_000 });
    const ended = await answer(t, second.id, { decision: 'deny' });
    expect(ended.statusCode).toBe(409);
    expect(ended.json().error.message).toMatch(/withdrawn at .*: the terminal ended/);
    expect((await authLog(t)).map((entry) => entry.details.outcome)).toEqual(['withdrawn', 'withdrawn', 'withdrawn']);
  });

  it('shows the change an Edit or Write would make as a diff against the file on disk', async () => {
    const t = await agentTerminal();
    const file = path.join(t.home, 'notes.txt');
    writeFileSync(file, 'one\ntwo\nthree\nfour\nfive\n');
    const edit = t.agent(`ask-permission Edit ${file} 'three' 'THREE'`);
    const approval = await t.nextApproval();
    expect(approval.summary).toBe(file);
    expect(approval.diff).toBe(`--- a${file}\n+++ b${file}\n@@ -1,5 +1,5 @@\n one\n two\n-three\n+THREE\n four\n five\n`);
    await answer(t, approval.id, { decision: 'allow' });
    expect(await edit.outcome).toBe('ALLOWED');

    // A relative path is the agent's (its cwd is the terminal's home); a new file is a diff from nothing.
    const write = t.agent(`ask-permission Write new.txt 'hello'`);
    const created = await t.nextApproval(new Set([approval.id]));
    expect(created.diff).toBe('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,1 @@\n+hello\n\\ No newline at end of file\n');
    await answer(t, created.id, { decision: 'deny' });
    expect(await write.outcome).toMatch(/^DENIED/);
  });
});
