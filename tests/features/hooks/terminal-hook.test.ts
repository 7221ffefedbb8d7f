// POST/GET /internal/terminal-hook (issue 20 §1): what agents' hooks report reaches the terminal's
// activity and the dashboard's agent info, through the real `shellport` command in a real terminal;
// only a running terminal's own secret, from this machine, is heard.
import { describe, expect, it, vi } from 'vitest';
import { TERMINAL_HOOK_ROUTE } from '../../../src/shared/attention.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';
import { shellEnvironment } from '../../helpers/terminal-env.js';
import { agentTerminal, FAKE_AGENT } from './helpers.js';

type Terminal = Awaited<ReturnType<typeof agentTerminal>>;

/** Waits for the terminal's activity to match. */
const activityOf = (t: Terminal, expected: Partial<TerminalActivity>) =>
  vi.waitFor(async () => expect(await t.activity()).toMatchObject(expected), { timeout: 10_000, interval: 20 });

function post(t: Terminal, body: unknown, headers: Record<string, string> = {}) {
  return fetch(t.env.SHELLPORT_HOOK_URL!, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.env.SHELLPORT_CREDENTIAL_SECRET}`, ...headers },
    body: JSON.stringify(body),
  });
}

describe('agent hooks', () => {
  it('gives every terminal the shellport command, its hook URL and its secret, and `shellport status` names the terminal', async () => {
    const t = await agentTerminal({}, { install: false });
    expect(t.env.SHELLPORT_HOOK_URL).toBe(`${t.app.origin}${TERMINAL_HOOK_ROUTE}`);
    expect(t.env.SHELLPORT_CREDENTIAL_SECRET).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(t.env.SHELLPORT_NODE).toBe(process.execPath);
    expect(t.env.PATH!.split(':')[0]).toMatch(/\/scripts\/terminal-bin$/);
    expect(await t.run('command -v shellport', /\S+/)).toMatch(/\/scripts\/terminal-bin\/shellport$/);
    await t.app.app.terminals.rename(t.sessionId, 'agent tab');
    expect(await t.run('shellport status', /Connected to Shellport[^\r\n]*/)).toBe(`Connected to Shellport at ${t.app.origin}: terminal "agent tab" ${t.sessionId}.`);
    expect(await t.run('shellport status', /claude hooks: [^\r\n]*/)).toBe('claude hooks: not installed (shellport hooks install claude)');
    // Without the secret it says why, and fails.
    expect(await t.run('SHELLPORT_CREDENTIAL_SECRET= shellport status 2>&1; echo "exit $?"', /exit \d+/)).toBe('exit 1');
  });

  it('turns Claude Code events into the terminal\'s activity and the agent\'s task: prompt, notification, stop, session end', async () => {
    const t = await agentTerminal();
    expect(await t.agent('start').outcome).toBe('REPORTED SessionStart');
    expect(t.app.app.agentHooks.agentFor(t.sessionId)).toEqual({ name: 'claude', task: null });

    expect(await t.agent(`prompt 'Fix the flaky   login test\nand run it'`).outcome).toBe('REPORTED UserPromptSubmit');
    expect(t.app.app.agentHooks.agentFor(t.sessionId)).toEqual({ name: 'claude', task: 'Fix the flaky login test and run it' });
    // Nothing was printed where Claude Code would add it to the conversation.
    expect(t.client.text(t.sessionId)).not.toContain('CONTEXT:');

    // The shell reports its own commands' ends too: the hooks run from a command that keeps running.
    t.client.input(t.sessionId, `"$SHELLPORT_NODE" ${FAKE_AGENT} notify 'Claude is waiting for your input' idle_prompt; sleep 600\r`);
    await activityOf(t, { state: 'waiting', needsYou: true, message: 'Claude is waiting for your input' });
    t.client.input(t.sessionId, '\x03');

    t.client.input(t.sessionId, `"$SHELLPORT_NODE" ${FAKE_AGENT} stop; sleep 600\r`);
    await activityOf(t, { state: 'finished', needsYou: true });
    t.client.input(t.sessionId, '\x03');

    t.client.input(t.sessionId, `"$SHELLPORT_NODE" ${FAKE_AGENT} prompt 'next task'; sleep 600\r`);
    await vi.waitFor(() => expect(t.app.app.agentHooks.agentFor(t.sessionId)?.task).toBe('next task'), { timeout: 10_000 });
    await activityOf(t, { state: 'working', needsYou: false });
    t.client.input(t.sessionId, '\x03');

    t.client.input(t.sessionId, `"$SHELLPORT_NODE" ${FAKE_AGENT} end; sleep 600\r`);
    await activityOf(t, { state: 'idle', needsYou: false });
    expect(t.app.app.agentHooks.agentFor(t.sessionId)).toBeNull();
    t.client.input(t.sessionId, '\x03');
  });

  it('reports a Codex turn as finished and runs the notify program Codex ran before (--then)', async () => {
    const t = await agentTerminal({}, { install: false });
    const turn = JSON.stringify({ type: 'agent-turn-complete', 'turn-id': '12', 'input-messages': ['Rename the config loader'], 'last-assistant-message': 'Renamed it.' });
    const marker = `${t.home}/chained.txt`;
    const line = await t.run(`shellport hook codex --then sh -c 'printf "%s" "$1" > ${marker}' chained '${turn}'; sleep 0.3; cat ${marker}; echo`, /\{[^\r\n]*/);
    expect(JSON.parse(line)).toMatchObject({ type: 'agent-turn-complete', 'turn-id': '12' });
    await activityOf(t, { state: 'finished' });
    expect(t.app.app.agentHooks.agentFor(t.sessionId)).toEqual({ name: 'codex', task: 'Rename the config loader' });
  });

  it('hears only a running terminal\'s own secret, from this machine, and never breaks the agent when refused', async () => {
    const t = await agentTerminal({}, { install: false });
    const event = { agent: 'claude', event: 'Stop', payload: { hook_event_name: 'Stop' } };
    const ok = await post(t, event);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(await ok.text()).toBe('{}\n');

    const refusals: [string, Response][] = [
      ['no secret', await post(t, event, { authorization: '' })],
      ['made-up secret', await post(t, event, { authorization: `Bearer ${'A'.repeat(43)}` })],
      ['the digest instead of the secret', await post(t, event, { authorization: `Bearer ${(await t.app.app.db.terminal.findUniqueOrThrow({ where: { id: t.sessionId } })).secretDigest}` })],
      ['through a proxy', await post(t, event, { 'x-forwarded-for': '203.0.113.7' })],
    ];
    for (const [what, response] of refusals) {
      expect(response.status, what).toBe(403);
      expect((await response.json()).error.code, what).toBe('hook_refused');
    }
    // Validation comes after the secret: a malformed body from the terminal is a 400.
    expect((await post(t, { agent: 'vim', event: 'x', payload: {} })).status).toBe(400);
    expect((await post(t, { agent: 'claude', event: 'Stop', payload: { big: 'x'.repeat(3 * 1024 * 1024) } })).status).toBe(413);

    // Another terminal's secret speaks for that terminal only; once it ended, it is refused.
    const other = await t.app.app.terminals.create({ shell: 'sh' });
    const otherSecret = (await shellEnvironment(other.pid!)).SHELLPORT_CREDENTIAL_SECRET!;
    expect(otherSecret).not.toBe(t.env.SHELLPORT_CREDENTIAL_SECRET);
    expect((await post(t, { agent: 'claude', event: 'UserPromptSubmit', payload: { prompt: 'from the other one' } }, { authorization: `Bearer ${otherSecret}` })).status).toBe(200);
    expect(t.app.app.agentHooks.agentFor(other.id)?.task).toBe('from the other one');
    // This terminal's agent (its Stop above) is its own.
    expect(t.app.app.agentHooks.agentFor(t.sessionId)).toEqual({ name: 'claude', task: null });
    await t.app.app.terminals.kill(other.id);
    const ended = await post(t, event, { authorization: `Bearer ${otherSecret}` });
    expect(ended.status).toBe(403);
    expect((await ended.json()).error.message).toMatch(/has ended/);
    expect(t.app.app.agentHooks.agentFor(other.id)).toBeNull();

    // In the terminal, a refused hook prints why on stderr and exits 0 with nothing on stdout.
    const refused = await t.run(`echo '{"hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"ls"}}' | SHELLPORT_CREDENTIAL_SECRET=${'A'.repeat(43)} shellport hook claude 2>${t.home}/err.txt; echo "exit $? out"; cat ${t.home}/err.txt`, /exit \d+ out|shellport: [^\r\n]*/);
    expect(refused).toBe('exit 0 out');
    expect(await t.run(`cat ${t.home}/err.txt`, /shellport: [^\r\n]*/)).toMatch(/^shellport: PermissionRequest not reported to Shellport at http:\/\/127\.0\.0\.1:\d+\/internal\/terminal-hook: Unknown or missing terminal secret/);
    // And when the server is gone, the same: exit 0, no decision.
    const gone = await t.run(`echo '{"hook_event_name":"PermissionRequest","tool_name":"Bash","tool_input":{"command":"ls"}}' | SHELLPORT_HOOK_URL=http://127.0.0.1:9/internal/terminal-hook shellport hook claude 2>/dev/null; echo "exit $? done"`, /[^\r\n]*exit \d+ done/);
    expect(gone).toBe('exit 0 done');
  });

  it('keeps the terminal in `approval` while Claude Code announces the permission prompt Shellport holds', async () => {
    const t = await agentTerminal();
    const asked = t.agent(`ask-permission Bash 'npm ci'`);
    const approval = await t.nextApproval();
    const notice = await post(t, { agent: 'claude', event: 'Notification', payload: { hook_event_name: 'Notification', message: 'Claude needs your permission to use Bash', notification_type: 'permission_prompt' } });
    expect(notice.status).toBe(200);
    expect(await t.activity()).toMatchObject({ state: 'approval', message: 'Bash: npm ci' });
    await t.owner({ method: 'POST', url: `/api/approvals/${approval.id}/answer`, payload: { decision: 'allow' } });
    expect(await asked.outcome).toBe('ALLOWED');
  });

  it('asks the owner for a PreToolUse hook installed with --approve, and answers in PreToolUse\'s format', async () => {
    const t = await agentTerminal({}, { install: false });
    await t.run(`mkdir -p ~/.claude && printf '%s' '{"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"shellport hook claude --approve"}]}]}}' > ~/.claude/settings.json && echo written`, /written/);
    const denied = t.agent(`pre-tool Bash 'terraform apply'`);
    const approval = await t.nextApproval();
    await t.owner({ method: 'POST', url: `/api/approvals/${approval.id}/answer`, payload: { decision: 'deny', reason: 'plan first' } });
    expect(await denied.outcome).toBe('DENIED: plan first');
    // Other tools do not match the matcher: nothing is asked.
    expect(await t.agent(`pre-tool WebFetch https://example.com`).outcome).toBe('ASKED');
    expect(t.app.app.approvals.list().filter((item) => item.status === 'pending')).toEqual([]);
  });
});
