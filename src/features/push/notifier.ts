// The notifier (issue 20 §2): turns terminal activity and approval requests into at most one push per
// change, after a grace period in which a page showing the terminal can take it (`terminal:seen`
// clears needsYou). It keeps only small in-memory state per terminal; time and timers are injected.
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../infra/clock.js';
import type { Approval, PushMessage } from '../../shared/attention.js';
import type { TerminalActivity } from '../../shared/terminals.js';
import { activityKey, composeTerminalMessage, pushKindFor, type TerminalDescription } from './policy.js';

/** Runs `task` once after `ms`; the function returned cancels it. */
export type Schedule = (task: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (task, ms) => {
  const timer = setTimeout(task, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Grace before a push: a page that shows the terminal marks it seen at once, and then nothing is sent. */
export const DEFAULT_GRACE_MS = 3000;

export interface NotifierDeps {
  clock: Clock;
  graceMs: number;
  schedule: Schedule;
  /** Names a terminal for the notification; null when it no longer exists (then nothing is sent). */
  describeTerminal(sessionId: string): Promise<TerminalDescription | null>;
  /** The request a terminal's agent waits on, if any (for a terminal in the `approval` state). */
  pendingApproval(sessionId: string): Promise<Approval | null>;
  /** Whether a request still waits for an answer. */
  isApprovalPending(approval: Approval): Promise<boolean>;
  /** Sends to every device that wants it (kinds and quiet hours are the sender's business). */
  deliver(message: PushMessage, approvalExpiresAt: string | null): Promise<unknown>;
  log: FastifyBaseLogger;
}

interface Candidate {
  kind: NonNullable<ReturnType<typeof pushKindFor>>;
  /** The changes this push stands for; each pushes at most once. */
  keys: string[];
  /** The activity change it came from, if any: it must still be the terminal's, and still want the owner. */
  activityKey: string | null;
  approval: Approval | null;
  /** The terminal's event count when it was made: a clearing event after it drops it. */
  createdAt: number;
  cancel: () => void;
}

interface TerminalState {
  latest: TerminalActivity | null;
  /** Event count of the last activity that did not want the owner (seen, typed into, moved on). */
  clearedAt: number;
  pending: Candidate | null;
  /** Keys already pushed, newest last (a few are enough: a change never comes back). */
  pushed: string[];
}

const PUSHED_KEYS_KEPT = 16;
/** Terminals remembered; the oldest without a pending push are forgotten beyond this. */
const TERMINALS_KEPT = 2000;

export type Notifier = ReturnType<typeof createNotifier>;

/**
 * Per terminal: at most one pending push (a newer change replaces it, so a burst is one push), each
 * change (state + since, or an approval id) pushed once, and nothing when the owner saw it or it
 * stopped wanting them within the grace period.
 */
export function createNotifier(deps: NotifierDeps) {
  const terminals = new Map<string, TerminalState>();
  const inFlight = new Set<Promise<void>>();
  let events = 0;
  let closed = false;

  function stateOf(sessionId: string): TerminalState {
    let state = terminals.get(sessionId);
    if (!state) {
      state = { latest: null, clearedAt: 0, pending: null, pushed: [] };
      terminals.set(sessionId, state);
      if (terminals.size > TERMINALS_KEPT) {
        for (const [id, old] of terminals) {
          if (terminals.size <= TERMINALS_KEPT) break;
          if (!old.pending) terminals.delete(id);
        }
      }
    }
    return state;
  }

  function cancelPending(state: TerminalState): void {
    state.pending?.cancel();
    state.pending = null;
  }

  function propose(sessionId: string, state: TerminalState, candidate: Omit<Candidate, 'cancel' | 'createdAt'>): void {
    const previous = state.pending;
    // An approval request and the terminal's `approval` state are one push: keep what each knows.
    if (previous && previous.kind === 'approval' && candidate.kind === 'approval') {
      candidate = {
        ...candidate,
        keys: [...new Set([...previous.keys, ...candidate.keys])],
        activityKey: candidate.activityKey ?? previous.activityKey,
        approval: candidate.approval ?? previous.approval,
      };
    }
    cancelPending(state);
    const pending: Candidate = { ...candidate, createdAt: events, cancel: () => {} };
    pending.cancel = deps.schedule(() => {
      if (state.pending !== pending) return;
      state.pending = null;
      track(fire(sessionId, state, pending));
    }, deps.graceMs);
    state.pending = pending;
  }

  /** Resolves once the pushes being sent now are done (tests, shutdown). */
  async function settled(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  }

  function track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => deps.log.error({ err: error }, 'push notification failed'));
    inFlight.add(tracked);
    void tracked.finally(() => inFlight.delete(tracked));
  }

  /** Whether the owner still needs to hear of it: not seen since, still the terminal's state, still pending. */
  function stillWanted(state: TerminalState, candidate: Candidate): boolean {
    if (closed || state.clearedAt > candidate.createdAt) return false;
    if (candidate.activityKey) {
      const latest = state.latest;
      if (!latest || !latest.needsYou || activityKey(latest) !== candidate.activityKey) return false;
    }
    return true;
  }

  async function fire(sessionId: string, state: TerminalState, candidate: Candidate): Promise<void> {
    if (!stillWanted(state, candidate)) return;
    let approval = candidate.approval;
    // A request answered meanwhile (on another device, in the terminal) is not news.
    if (approval && !(await deps.isApprovalPending(approval))) return;
    if (candidate.kind === 'approval' && !approval) approval = await deps.pendingApproval(sessionId);
    const keys = approval ? [...candidate.keys, `approval:${approval.id}`] : candidate.keys;
    if (keys.some((key) => state.pushed.includes(key))) return;
    const described = await deps.describeTerminal(sessionId);
    if (described?.approvalsOnly && candidate.kind !== 'approval') return;
    const terminal = described ?? (approval ? { title: approval.terminalTitle, workspaceId: approval.workspaceId, workspaceName: approval.workspaceName } : null);
    if (!terminal || !stillWanted(state, candidate) || keys.some((key) => state.pushed.includes(key))) return;
    state.pushed.push(...keys);
    state.pushed.splice(0, Math.max(0, state.pushed.length - PUSHED_KEYS_KEPT));
    const message = composeTerminalMessage({
      kind: candidate.kind,
      sessionId,
      terminal,
      activity: candidate.activityKey ? state.latest : null,
      approval,
      now: deps.clock.now(),
    });
    await deps.deliver(message, approval?.expiresAt ?? null);
  }

  return {
    /** A terminal's activity changed (`app.terminals.onActivity`). */
    activity(sessionId: string, activity: TerminalActivity): void {
      if (closed) return;
      events += 1;
      const state = stateOf(sessionId);
      state.latest = activity;
      const kind = pushKindFor(activity);
      if (!kind) {
        // Seen, typed into, or on to something that does not want the owner: nothing pending goes out.
        state.clearedAt = events;
        cancelPending(state);
        return;
      }
      const key = activityKey(activity);
      if (state.pushed.includes(key) || state.pending?.keys.includes(key)) return;
      propose(sessionId, state, { kind, keys: [key], activityKey: key, approval: null });
    },

    /** An agent asks the owner to allow something (`app.approvals.onRequested`). */
    approvalRequested(approval: Approval): void {
      if (closed) return;
      events += 1;
      const state = stateOf(approval.sessionId);
      const key = `approval:${approval.id}`;
      if (state.pushed.includes(key) || state.pending?.keys.includes(key)) return;
      propose(approval.sessionId, state, { kind: 'approval', keys: [key], activityKey: null, approval });
    },

    settled,

    /** Cancels every pending push and waits for the ones being sent. */
    async close(): Promise<void> {
      closed = true;
      for (const state of terminals.values()) cancelPending(state);
      await settled();
    },
  };
}
