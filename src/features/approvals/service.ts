import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { AppError, notFound } from '../../http/errors.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Approval, ApprovalAnswer, ApprovalStatus, ApprovalTimeoutAction, HookAgent, TerminalHookResponse } from '../../shared/attention.js';
import { recordAuthEvent } from '../auth/auth-log.js';
import type { ActivityReport } from '../terminals/terminal-status.js';
import { requestKey, summarizeToolRequest } from './tool-request.js';

/*
 * Approvals (issue 20 §3). An agent's permission request, sent by `shellport hook` over
 * /internal/terminal-hook with its terminal's secret, becomes a pending Approval: the terminal shows
 * `approval`, listeners (the push feature) are told, and the hook's HTTP request waits for the
 * decision. It is settled exactly once, by the first of: the owner's answer (first answer wins; later
 * ones get 409 `approval_closed` saying what happened), the timeout (the owner's setting: deny, or
 * hand back to the agent's own prompt in the terminal), the terminal ending, the hook giving up
 * (its connection closed) or the server stopping. Every settlement is an auth-log entry `approval`.
 * Kept in memory: the pending ones, the last 50 settled, and the allow-for-this-session answers per
 * terminal; a restarted server starts with none (a waiting hook sees its connection close and the
 * agent asks in the terminal).
 */

/** What the agent is told (the hook prints it in the agent's format). */
export type HookDecision = NonNullable<TerminalHookResponse['decision']>;

export interface ApprovalPolicy {
  timeoutSeconds: number;
  timeoutAction: ApprovalTimeoutAction;
}

export interface ApprovalRequest {
  sessionId: string;
  workspaceId: string | null;
  agent: HookAgent;
  tool: string;
  input: unknown;
  /** The agent's working directory (relative paths in the request are its). */
  cwd: string | null;
}

export interface OpenedApproval {
  /** The request as the owner sees it; null when it was allowed at once (allowed for this session before). */
  approval: Approval | null;
  decision: Promise<HookDecision>;
  /** The hook gave up (its connection closed): the request is withdrawn, if still pending. */
  withdraw(why: string): void;
}

/** Who answers: the browser (its user agent) or the push device (its subscription), for the record. */
export interface AnsweringDevice {
  userAgent?: string | null;
  ip?: string | null;
  subscriptionId?: string | null;
  /** The device's name when the caller knows it (the push feature); else it is looked up or described. */
  name?: string | null;
  /** The sign-in session the answer came with. */
  authSessionId?: string | null;
}

export interface ApprovalServiceDeps {
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
  /** Sets a running terminal's activity (the terminal manager's reportActivity). */
  reportActivity: (sessionId: string, report: ActivityReport) => boolean;
  /** The terminal's title and workspace, for the owner. */
  describeTerminal: (sessionId: string) => Promise<{ workspaceName: string | null; title: string; runId?: string | null }>;
  /** The owner's settings: how long a request waits, and what it gets then. */
  policy: () => Promise<ApprovalPolicy>;
  /** The change an edit would make, as a diff (null when none can be shown). */
  describeChange: (request: ApprovalRequest) => Promise<string | null>;
  /** The name of a push device by its subscription id (the push feature's), when it knows it. */
  deviceName?: (subscriptionId: string) => Promise<string | null>;
  /** How often pending requests are checked against their expiry (default 1 s). */
  checkIntervalMs?: number;
  /**
   * A decision made without asking, or null to ask: an agent run's own tool rules (the runs feature's),
   * for the calls its approval hook sends (docs/runs.md, "Approvals").
   */
  decideWithoutAsking?: (request: ApprovalRequest) => Promise<{ behavior: 'allow' | 'deny'; reason: string } | null>;
}

interface Pending {
  approval: Approval;
  key: string;
  timeoutAction: ApprovalTimeoutAction;
  timeoutSeconds: number;
  resolve: (decision: HookDecision) => void;
}

const KEPT_CLOSED = 50;
/** Settled requests keep their input's strings up to this long (a Write's content can be megabytes). */
const KEPT_INPUT_STRING = 16 * 1024;

/** The input with long strings cut, as a settled request keeps it. */
function compactInput(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.length > KEPT_INPUT_STRING ? `${value.slice(0, KEPT_INPUT_STRING)}… (${value.length} characters)` : value;
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => compactInput(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, compactInput(item, depth + 1)]));
}
const DEFAULT_CHECK_MS = 1000;

/** "Firefox on Linux": enough to recognize one's own browser in the record. */
export function describeBrowser(userAgent: string | null | undefined): string {
  if (!userAgent) return 'an unknown device';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /OPR\//.test(userAgent)
      ? 'Opera'
      : /Firefox\/|FxiOS/.test(userAgent)
        ? 'Firefox'
        : /Chrome\/|CriOS/.test(userAgent)
          ? 'Chrome'
          : /Safari\//.test(userAgent)
            ? 'Safari'
            : null;
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iPod/.test(userAgent)
      ? 'iOS'
      : /Mac OS X|Macintosh/.test(userAgent)
        ? 'macOS'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /CrOS/.test(userAgent)
            ? 'ChromeOS'
            : /Linux/.test(userAgent)
              ? 'Linux'
              : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? userAgent.slice(0, 60);
}

// Credentials a command line may carry, masked before it goes into the auth log.
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-[A-Za-z0-9_-]{16,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g, '[redacted]'],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/([?&](?:token|key|secret|password|access_token)=)[^&\s'"]+/gi, '$1[redacted]'],
  [/((?:password|passwd|secret|token|api[-_]?key)[=:]\s*)[^\s'"]+/gi, '$1[redacted]'],
  [/(--(?:password|token|secret|api-key)[= ])\S+/gi, '$1[redacted]'],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1[redacted]@'],
];

/** A summary as the auth log keeps it: one line, credentials masked. */
export function redactForLog(summary: string): string {
  let redacted = summary;
  for (const [pattern, replacement] of SECRET_PATTERNS) redacted = redacted.replace(pattern, replacement);
  return redacted.length > 200 ? `${redacted.slice(0, 199)}…` : redacted;
}

function minutes(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
}

export function createApprovalService(deps: ApprovalServiceDeps) {
  const { db, clock, log } = deps;
  const pending = new Map<string, Pending>();
  const closed: Approval[] = [];
  /** Per terminal: the tool + request keys allowed for the rest of its session. */
  const allowedForSession = new Map<string, Set<string>>();
  const requestedListeners = new Set<(approval: Approval) => void | Promise<void>>();
  const closedListeners = new Set<(approval: Approval) => void | Promise<void>>();
  let timer: NodeJS.Timeout | null = null;

  const snapshot = (approval: Approval): Approval => ({ ...approval });

  function emit(listeners: Set<(approval: Approval) => void | Promise<void>>, approval: Approval, what: string) {
    for (const listener of listeners) {
      try {
        void Promise.resolve(listener(snapshot(approval))).catch((error: unknown) => log.error({ err: error, approvalId: approval.id }, `an approval ${what} listener failed`));
      } catch (error) {
        log.error({ err: error, approvalId: approval.id }, `an approval ${what} listener failed`);
      }
    }
  }

  function oldestPendingOf(sessionId: string): Pending | null {
    let oldest: Pending | null = null;
    for (const entry of pending.values()) {
      if (entry.approval.sessionId === sessionId && (!oldest || entry.approval.createdAt < oldest.approval.createdAt)) oldest = entry;
    }
    return oldest;
  }

  const approvalActivity = (approval: Approval): ActivityReport => ({ state: 'approval', message: `${approval.tool}: ${approval.summary}`.slice(0, 300), needsYou: true });

  /** The terminal's activity after one of its requests was settled: the next pending one, else `after`. */
  function reportAfter(sessionId: string, after: ActivityReport | null) {
    const next = oldestPendingOf(sessionId);
    if (next) deps.reportActivity(sessionId, approvalActivity(next.approval));
    else if (after) deps.reportActivity(sessionId, after);
  }

  async function record(approval: Approval, outcome: string, told: HookDecision['behavior'], device: AnsweringDevice = {}) {
    await recordAuthEvent(db, clock, {
      action: 'approval',
      success: told === 'allow',
      ip: device.ip ?? null,
      userAgent: device.userAgent ?? null,
      details: {
        approval: approval.id,
        terminal: approval.sessionId,
        workspace: approval.workspaceId,
        agent: approval.agent,
        tool: approval.tool,
        summary: redactForLog(approval.summary),
        outcome,
        told,
        ...(approval.answeredBy ? { device: approval.answeredBy } : {}),
        ...(device.subscriptionId ? { subscription: device.subscriptionId } : {}),
        ...(device.authSessionId ? { signIn: device.authSessionId } : {}),
        ...(approval.reason ? { reason: redactForLog(approval.reason) } : {}),
      },
    }).catch((error: unknown) => log.error({ err: error, approvalId: approval.id }, 'recording an approval in the auth log failed'));
  }

  /** Moves a pending request to the settled ones and tells the hook. */
  function settle(entry: Pending, status: ApprovalStatus, decision: HookDecision, change: { answeredBy?: string | null; reason?: string | null }): Approval {
    pending.delete(entry.approval.id);
    if (pending.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
    Object.assign(entry.approval, { status, answeredAt: clock.now().toISOString(), answeredBy: change.answeredBy ?? null, reason: change.reason ?? null, input: compactInput(entry.approval.input) });
    closed.unshift(entry.approval);
    closed.length = Math.min(closed.length, KEPT_CLOSED);
    entry.resolve(decision);
    emit(closedListeners, entry.approval, 'closed');
    return snapshot(entry.approval);
  }

  function expireDue() {
    const now = clock.now().getTime();
    for (const entry of [...pending.values()]) {
      if (Date.parse(entry.approval.expiresAt) > now) continue;
      const waited = `Nobody answered in Shellport within ${minutes(entry.timeoutSeconds)}`;
      if (entry.timeoutAction === 'deny') {
        const approval = settle(entry, 'timed-out', { behavior: 'deny', reason: `${waited}, so it was denied.` }, { reason: `${waited}: denied.` });
        reportAfter(approval.sessionId, { state: 'working', needsYou: false });
        void record(approval, 'timed-out', 'deny');
      } else {
        const approval = settle(entry, 'timed-out', { behavior: 'ask' }, { reason: `${waited}: the agent asks in the terminal.` });
        reportAfter(approval.sessionId, { state: 'waiting', message: `Asks in the terminal: ${approval.tool}: ${approval.summary}`.slice(0, 300), needsYou: true });
        void record(approval, 'timed-out', 'ask');
      }
    }
  }

  function withdraw(id: string, why: string, options: { report?: boolean } = {}) {
    const entry = pending.get(id);
    if (!entry) return;
    const approval = settle(entry, 'withdrawn', { behavior: 'ask' }, { reason: why });
    if (options.report !== false) reportAfter(approval.sessionId, { state: 'working', needsYou: false });
    void record(approval, 'withdrawn', 'ask');
  }

  function describeClosed(approval: Approval): string {
    const at = approval.answeredAt ?? 'an unknown time';
    switch (approval.status) {
      case 'allowed':
        return `This request was already allowed${approval.answeredBy ? ` from ${approval.answeredBy}` : ''} at ${at}.`;
      case 'denied':
        return `This request was already denied${approval.answeredBy ? ` from ${approval.answeredBy}` : ''} at ${at}.`;
      case 'timed-out':
        return `This request timed out at ${at}: ${approval.reason ?? 'nobody answered in time'}`;
      case 'withdrawn':
        return `This request was withdrawn at ${at}: ${approval.reason ?? 'the agent stopped waiting'}`;
      default:
        return 'This request is no longer waiting for an answer.';
    }
  }

  async function nameOf(device: AnsweringDevice): Promise<string> {
    if (device.name) return device.name;
    if (device.subscriptionId && deps.deviceName) {
      const name = await deps.deviceName(device.subscriptionId).catch(() => null);
      if (name) return name;
    }
    return describeBrowser(device.userAgent);
  }

  const service = {
    /**
     * A permission request from a terminal's agent. Allowed at once when the same request (tool and
     * command, file or URL) was allowed for this terminal's session before; otherwise pending.
     */
    async request(request: ApprovalRequest): Promise<OpenedApproval> {
      const key = `${request.tool}\0${requestKey(request.tool, request.input)}`;
      const summary = summarizeToolRequest(request.tool, request.input);
      const decided = await (deps.decideWithoutAsking?.(request) ?? Promise.resolve(null)).catch((error: unknown) => {
        log.warn({ err: error, sessionId: request.sessionId }, 'deciding a permission request by rules failed; asking');
        return null;
      });
      if (decided) {
        log.info({ sessionId: request.sessionId, tool: request.tool, behavior: decided.behavior }, 'a permission request was decided by rules');
        return { approval: null, decision: Promise.resolve({ ...decided, scope: 'once' }), withdraw: () => {} };
      }
      if (allowedForSession.get(request.sessionId)?.has(key)) {
        log.info({ sessionId: request.sessionId, tool: request.tool }, 'a permission request allowed for this session was allowed again');
        void recordAuthEvent(db, clock, {
          action: 'approval',
          success: true,
          details: { terminal: request.sessionId, workspace: request.workspaceId, agent: request.agent, tool: request.tool, summary: redactForLog(summary), outcome: 'allowed-for-session', told: 'allow' },
        }).catch((error: unknown) => log.error({ err: error }, 'recording an approval in the auth log failed'));
        return { approval: null, decision: Promise.resolve({ behavior: 'allow', scope: 'session', reason: 'Allowed for this session in Shellport.' }), withdraw: () => {} };
      }
      const [policy, terminal, diff] = await Promise.all([
        deps.policy(),
        deps.describeTerminal(request.sessionId),
        deps.describeChange(request).catch((error: unknown) => {
          log.warn({ err: error, tool: request.tool }, 'the change of a permission request could not be shown');
          return null;
        }),
      ]);
      const now = clock.now();
      const approval: Approval = {
        id: randomUUID(),
        sessionId: request.sessionId,
        workspaceId: request.workspaceId,
        workspaceName: terminal.workspaceName,
        terminalTitle: terminal.title,
        runId: terminal.runId ?? null,
        agent: request.agent,
        tool: request.tool,
        summary,
        input: request.input,
        diff,
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + policy.timeoutSeconds * 1000).toISOString(),
        status: 'pending',
        answeredAt: null,
        answeredBy: null,
        reason: null,
      };
      let resolve!: (decision: HookDecision) => void;
      const decision = new Promise<HookDecision>((done) => (resolve = done));
      pending.set(approval.id, { approval, key, timeoutAction: policy.timeoutAction, timeoutSeconds: policy.timeoutSeconds, resolve });
      timer ??= setInterval(expireDue, deps.checkIntervalMs ?? DEFAULT_CHECK_MS);
      timer.unref();
      if (oldestPendingOf(approval.sessionId)?.approval.id === approval.id) deps.reportActivity(approval.sessionId, approvalActivity(approval));
      log.info({ approvalId: approval.id, sessionId: approval.sessionId, tool: approval.tool }, 'an agent asks for approval');
      emit(requestedListeners, approval, 'requested');
      return { approval: snapshot(approval), decision, withdraw: (why) => withdraw(approval.id, why) };
    },

    /**
     * The owner's answer. The first answer wins; an answer to a request no longer pending is a 409
     * `approval_closed` whose message says what happened and when.
     */
    async answer(id: string, answer: ApprovalAnswer, from: AnsweringDevice = {}): Promise<Approval> {
      if (!pending.has(id)) throw closedOrMissing(id);
      const device = { ...from, subscriptionId: from.subscriptionId ?? answer.subscriptionId ?? null };
      const name = await nameOf(device);
      // Checked again after the await: another answer may have come first.
      const entry = pending.get(id);
      if (!entry) throw closedOrMissing(id);
      const reason = answer.reason?.trim() || null;
      let approval: Approval;
      if (answer.decision === 'deny') {
        approval = settle(entry, 'denied', { behavior: 'deny', reason: reason ?? `Denied in Shellport from ${name}.`, scope: 'once' }, { answeredBy: name, reason });
      } else {
        const forSession = answer.decision === 'allow-session';
        if (forSession) {
          const keys = allowedForSession.get(entry.approval.sessionId) ?? new Set<string>();
          keys.add(entry.key);
          allowedForSession.set(entry.approval.sessionId, keys);
        }
        approval = settle(entry, 'allowed', { behavior: 'allow', reason, scope: forSession ? 'session' : 'once' }, { answeredBy: name, reason });
      }
      reportAfter(approval.sessionId, { state: 'working', needsYou: false });
      await record(approval, answer.decision === 'deny' ? 'denied' : answer.decision === 'allow-session' ? 'allowed-for-session' : 'allowed', answer.decision === 'deny' ? 'deny' : 'allow', device);
      return approval;
    },

    get(id: string): Approval | null {
      const entry = pending.get(id);
      if (entry) return snapshot(entry.approval);
      const found = closed.find((approval) => approval.id === id);
      return found ? snapshot(found) : null;
    },

    /** Pending requests, oldest first, then the last 50 settled, newest first. */
    list(): Approval[] {
      const waiting = [...pending.values()].map((entry) => snapshot(entry.approval)).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
      return [...waiting, ...closed.map(snapshot)];
    },

    /** The oldest request a terminal's agent waits on, or null. */
    pendingFor(sessionId: string): Approval | null {
      const entry = oldestPendingOf(sessionId);
      return entry ? snapshot(entry.approval) : null;
    },

    /** A terminal ended: its requests are withdrawn, and what was allowed for its session is forgotten. */
    endTerminal(sessionId: string): void {
      allowedForSession.delete(sessionId);
      for (const entry of [...pending.values()]) if (entry.approval.sessionId === sessionId) withdraw(entry.approval.id, 'the terminal ended', { report: false });
    },

    /** Subscribes to new pending requests (the push feature sends them with Allow/Deny buttons); returns the unsubscribe function. */
    onRequested(listener: (approval: Approval) => void | Promise<void>): () => void {
      requestedListeners.add(listener);
      return () => requestedListeners.delete(listener);
    },

    /** Subscribes to settled requests (answered, timed out, withdrawn); returns the unsubscribe function. */
    onClosed(listener: (approval: Approval) => void | Promise<void>): () => void {
      closedListeners.add(listener);
      return () => closedListeners.delete(listener);
    },

    /** Checks the expiry of pending requests now (it also runs every second while any is pending). */
    expireDue,

    /** Shutdown: pending requests are withdrawn (their agents ask in the terminal), the timer stops. */
    close(): void {
      for (const entry of [...pending.values()]) withdraw(entry.approval.id, 'the Shellport server stopped', { report: false });
      if (timer) clearInterval(timer);
      timer = null;
    },
  };

  function closedOrMissing(id: string): AppError {
    const found = closed.find((approval) => approval.id === id);
    if (!found) return notFound(`No approval request ${id}: it never existed, or it was settled long ago (the server keeps the last ${KEPT_CLOSED}).`);
    return new AppError(409, 'approval_closed', describeClosed(found), { status: found.status, answeredAt: found.answeredAt, answeredBy: found.answeredBy });
  }

  return service;
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
