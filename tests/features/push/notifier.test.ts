// The notifier with its time injected: a clock and timers the test moves, terminals named by a map,
// and deliveries recorded instead of sent (the routes and end-to-end tests send them for real).
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createNotifier, type Schedule } from '../../../src/features/push/notifier.js';
import type { TerminalDescription } from '../../../src/features/push/policy.js';
import type { Approval, PushMessage } from '../../../src/shared/attention.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';

const GRACE_MS = 3000;

/** Timers that fire only when the test advances time. */
function manualTime(start = Date.parse('2026-12-11T10:00:00.000Z')) {
  let now = start;
  const timers: { at: number; task: () => void; cancelled: boolean }[] = [];
  const schedule: Schedule = (task, ms) => {
    const timer = { at: now + ms, task, cancelled: false };
    timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };
  return {
    clock: { now: () => new Date(now) },
    schedule,
    iso: (offsetMs = 0) => new Date(start + offsetMs).toISOString(),
    advance(ms: number) {
      now += ms;
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= now).sort((a, b) => a.at - b.at)) {
        timer.cancelled = true;
        timer.task();
      }
    },
    pendingTimers: () => timers.filter((t) => !t.cancelled).length,
  };
}

function setup(options: { approvals?: Map<string, Approval[]>; terminals?: Map<string, TerminalDescription> } = {}) {
  const time = manualTime();
  const sent: { message: PushMessage; approvalExpiresAt: string | null }[] = [];
  const terminals = options.terminals ?? new Map([['t1', { title: 'bash', workspaceId: 'ws-1', workspaceName: 'acme/api' }]]);
  const notifier = createNotifier({
    clock: time.clock,
    graceMs: GRACE_MS,
    schedule: time.schedule,
    describeTerminal: async (id) => terminals.get(id) ?? null,
    // As app.approvals answers: the oldest request a terminal waits on; a request is pending while listed.
    pendingApproval: async (id) => options.approvals?.get(id)?.[0] ?? null,
    isApprovalPending: async (request) => (options.approvals ? [...options.approvals.values()].flat().some((item) => item.id === request.id) : true),
    deliver: async (message, approvalExpiresAt) => {
      sent.push({ message, approvalExpiresAt });
    },
    log: pino({ level: 'silent' }),
  });
  /** Moves time on and lets the pushes that became due go out. */
  const advance = async (ms: number) => {
    time.advance(ms);
    await notifier.settled();
  };
  return { time, sent, notifier, advance, terminals };
}

const activity = (state: TerminalActivity['state'], since: string, extra: Partial<TerminalActivity> = {}): TerminalActivity => ({ state, since, needsYou: true, ...extra });

function approval(id: string, sessionId = 't1'): Approval {
  return {
    id,
    sessionId,
    workspaceId: 'ws-1',
    workspaceName: 'acme/api',
    terminalTitle: 'claude',
    agent: 'claude',
    tool: 'Bash',
    summary: 'rm -rf build',
    input: { command: 'rm -rf build' },
    diff: null,
    createdAt: '2026-12-11T10:00:00.000Z',
    expiresAt: '2026-12-11T10:05:00.000Z',
    status: 'pending',
    answeredAt: null,
    answeredBy: null,
    reason: null,
  };
}

describe('the notifier', () => {
  it('pushes a bell once the grace period passed, and not before', async () => {
    const { time, sent, notifier, advance } = setup();
    notifier.activity('t1', activity('waiting', time.iso()));
    await advance(GRACE_MS - 1);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent.map((s) => s.message)).toEqual([expect.objectContaining({ kind: 'bell', title: 'Bell · acme/api › bash', tag: 'terminal-t1', url: '/terminals/ws-1?session=t1' })]);
    expect(sent[0]!.message.sentAt).toBe(time.iso(GRACE_MS));
  });

  it('pushes each state change once: the same state and since again (seen, then rung again) does not push twice', async () => {
    const { time, sent, notifier, advance } = setup();
    const since = time.iso();
    notifier.activity('t1', activity('waiting', since, { message: 'Build: done' }));
    await advance(GRACE_MS);
    expect(sent).toHaveLength(1);
    notifier.activity('t1', activity('waiting', since, { message: 'Build: done', needsYou: false }));
    notifier.activity('t1', activity('waiting', since, { message: 'Build: done' }));
    await advance(GRACE_MS * 2);
    expect(sent).toHaveLength(1);
    // A new change of the same kind is news.
    notifier.activity('t1', activity('working', time.iso(GRACE_MS * 3), { needsYou: false }));
    notifier.activity('t1', activity('waiting', time.iso(GRACE_MS * 4), { message: 'Build: done' }));
    await advance(GRACE_MS);
    expect(sent.map((s) => s.message.kind)).toEqual(['waiting', 'waiting']);
  });

  it('sends nothing when the owner sees the terminal within the grace period, or it stops wanting them', async () => {
    const { time, sent, notifier, advance } = setup();
    notifier.activity('t1', activity('waiting', time.iso()));
    await advance(1000);
    notifier.activity('t1', activity('waiting', time.iso(), { needsYou: false })); // terminal:seen
    await advance(GRACE_MS * 2);
    expect(sent).toEqual([]);
    expect(time.pendingTimers()).toBe(0);

    // The command ended after its bell: finished, not wanted.
    notifier.activity('t1', activity('waiting', time.iso(10_000)));
    notifier.activity('t1', activity('finished', time.iso(10_001), { needsYou: false, exitCode: 0, longCommand: false }));
    await advance(GRACE_MS * 2);
    expect(sent).toEqual([]);

    // Rung again after it was seen (same since): the owner is wanted again, and hears of it now.
    const since = time.iso(20_000);
    notifier.activity('t1', activity('waiting', since));
    notifier.activity('t1', activity('waiting', since, { needsYou: false }));
    notifier.activity('t1', activity('waiting', since));
    await advance(GRACE_MS);
    expect(sent.map((s) => s.message.kind)).toEqual(['bell']);
  });

  it('collapses a burst into one push of the latest change', async () => {
    const { time, sent, notifier, advance } = setup();
    notifier.activity('t1', activity('waiting', time.iso()));
    await advance(1000);
    notifier.activity('t1', activity('waiting', time.iso(1000), { message: 'Tests: 3 failed' }));
    await advance(GRACE_MS - 1);
    expect(sent).toEqual([]);
    await advance(1);
    expect(sent.map((s) => [s.message.kind, s.message.body])).toEqual([['waiting', 'Tests: 3 failed']]);
  });

  it('pushes long commands, failures and an agent’s finish; each terminal on its own', async () => {
    const terminals = new Map([
      ['t1', { title: 'bash', workspaceId: null, workspaceName: null }],
      ['t2', { title: 'claude', workspaceId: 'ws-2', workspaceName: 'acme/web' }],
      ['t3', { title: 'zsh', workspaceId: null, workspaceName: null }],
    ]);
    const { time, sent, notifier, advance } = setup({ terminals });
    notifier.activity('t1', activity('finished', time.iso(), { exitCode: 0, longCommand: true }));
    notifier.activity('t2', activity('finished', time.iso(), { exitCode: null, longCommand: false }));
    notifier.activity('t3', activity('failed', time.iso(), { exitCode: 2, longCommand: true }));
    notifier.activity('t3', activity('working', time.iso(1), { needsYou: false }));
    notifier.activity('t3', activity('failed', time.iso(2), { exitCode: 1, longCommand: true }));
    await advance(GRACE_MS);
    expect(sent.map((s) => [s.message.sessionId, s.message.kind, s.message.body])).toEqual([
      ['t1', 'long-command', 'The long command finished (exit code 0).'],
      ['t2', 'finished', 'The agent finished and waits for you.'],
      ['t3', 'failed', 'The command failed (exit code 1) after a long run.'],
    ]);
  });

  it('makes one push of an approval request and the terminal’s approval state, with the approval’s id and expiry', async () => {
    const pending = new Map([['t1', [approval('ap-1')]]]);
    const { time, sent, notifier, advance } = setup({ approvals: pending });
    notifier.approvalRequested(approval('ap-1'));
    notifier.activity('t1', activity('approval', time.iso(), { message: 'Claude needs your permission to use Bash' }));
    await advance(GRACE_MS);
    expect(sent).toEqual([
      {
        message: expect.objectContaining({ kind: 'approval', approvalId: 'ap-1', body: 'Bash: rm -rf build', title: 'Needs approval · acme/api › bash' }),
        approvalExpiresAt: '2026-12-11T10:05:00.000Z',
      },
    ]);
    // The same request reported again is not news.
    notifier.approvalRequested(approval('ap-1'));
    await advance(GRACE_MS);
    expect(sent).toHaveLength(1);

    // The terminal's state alone finds its pending request.
    pending.set('t1', [approval('ap-2')]);
    notifier.activity('t1', activity('working', time.iso(10_000), { needsYou: false }));
    notifier.activity('t1', activity('approval', time.iso(11_000)));
    await advance(GRACE_MS);
    expect(sent.map((s) => s.message.approvalId)).toEqual(['ap-1', 'ap-2']);
  });

  it('pushes only the approvals of an agent run\'s terminal, opening the run', async () => {
    const runUrl = '/workspaces/ws-1/runs?run=r1';
    const terminals = new Map([['t1', { title: 'Run · Claude Code · attempt 1', workspaceId: 'ws-1', workspaceName: 'acme/api', url: runUrl, approvalsOnly: true }]]);
    const { time, sent, notifier, advance } = setup({ approvals: new Map([['t1', [approval('ap-1')]]]), terminals });
    notifier.activity('t1', activity('waiting', time.iso(), { message: 'Build done' }));
    notifier.activity('t1', activity('finished', time.iso(1000)));
    await advance(GRACE_MS);
    expect(sent).toEqual([]);
    notifier.approvalRequested(approval('ap-1'));
    await advance(GRACE_MS);
    expect(sent.map((entry) => entry.message)).toEqual([expect.objectContaining({ kind: 'approval', approvalId: 'ap-1', url: runUrl })]);
  });

  it('does not push a request answered within the grace period, and works without an approvals feature', async () => {
    const pending = new Map<string, Approval[]>([['t1', [approval('ap-1')]]]);
    const { sent, notifier, advance } = setup({ approvals: pending });
    notifier.approvalRequested(approval('ap-1'));
    pending.set('t1', []);
    await advance(GRACE_MS);
    expect(sent).toEqual([]);

    const without = setup();
    without.notifier.approvalRequested(approval('ap-9'));
    await without.advance(GRACE_MS);
    expect(without.sent.map((s) => s.message.approvalId)).toEqual(['ap-9']);
  });

  it('sends nothing for a terminal that no longer runs, and nothing after close', async () => {
    const { time, sent, notifier, advance, terminals } = setup();
    notifier.activity('gone', activity('waiting', time.iso()));
    await advance(GRACE_MS);
    expect(sent).toEqual([]);
    expect(terminals.has('gone')).toBe(false);

    notifier.activity('t1', activity('waiting', time.iso(5000)));
    await notifier.close();
    await advance(GRACE_MS);
    notifier.activity('t1', activity('waiting', time.iso(9000), { message: 'again' }));
    await advance(GRACE_MS);
    expect(sent).toEqual([]);
  });
});
