// The agent runs' queue and their lifecycle (issue 21 §1, docs/runs.md). A run works in a git worktree
// of its own on a new branch (worktrees.ts) or in the workspace's directory itself. Each directory runs
// one run at a time, oldest first (a follow-up works in its parent's worktree, after it); a workspace
// runs at most `perWorkspace` at once, and at most `concurrency` run over all workspaces. An attempt that fails for a transient reason waits
// `retryBaseMs · 2^(attempt-1)` and is tried again, up to `maxAttempts`. Every line the agent prints
// becomes transcript events with a gap-free `seq` per run, stored before they are published, so that a
// reader replays from the database and follows live without a gap or a duplicate.
import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import type { RunsConfig } from '../../config/runs.js';
import type { TerminalUser } from '../../config/terminal-user.js';
import type { AgentRun, AgentRunEvent } from '../../generated/prisma/client.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Approval, PushMessage } from '../../shared/attention.js';
import { APP_ROUTES } from '../../shared/app-paths.js';
import { oneLine } from '../../shared/text.js';
import { AppError, conflict, notFound } from '../../http/errors.js';
import { FINISHED_RUN_STATUSES, type PermissionMode, type RunAgent, type RunEventType, type RunEventView, type RunStatus, type RunView } from '../../shared/runs.js';
import { buildShellEnv } from '../terminals/context.js';
import { parseToolRules as parseList, type AgentAdapter } from './agents.js';
import type { Worktree, Worktrees } from './worktrees.js';
import type { McpAttempt, RunMcp } from './mcp.js';
import { addUsage, ZERO_USAGE, type ModelPrice, type TokenUsage } from './pricing.js';
import { decideByRules } from './tool-rules.js';
import { startAttempt, type AttemptExit, type RunningAttempt, type RunTerminals } from './runner.js';
import type { AgentResult } from './stream-json.js';

export interface NewRun {
  agent: RunAgent;
  model: string;
  prompt: string;
  permissionMode: PermissionMode;
  allowedTools?: string[] | undefined;
  disallowedTools?: string[] | undefined;
  /** A worktree of its own on a new branch (the default) rather than the workspace's directory. */
  worktree?: boolean | undefined;
  /** Names of MCP servers from Settings the agent gets (mcp.ts); none: the agent's own configuration. */
  mcpServers?: string[] | undefined;
}

export interface RunServiceDeps {
  db: Database;
  clock: Clock;
  log: FastifyBaseLogger;
  config: RunsConfig;
  /** The terminals' base environment (TERMINAL_PASS_ENV, HOME of TERMINAL_USER…) and their account. */
  baseEnv: Readonly<Record<string, string>>;
  user: TerminalUser | null;
  /** The workspace's directory and variables, as its terminals get them; throws when it is not ready. */
  workspaceContext: (workspaceId: string) => Promise<{ cwd: string; env: Record<string, string> }>;
  /** The runs' git worktrees (worktrees.ts). */
  worktrees: Worktrees;
  /** How each agent is run and read (agents.ts). */
  agents: Readonly<Record<RunAgent, AgentAdapter>>;
  prices?: readonly ModelPrice[];
  /** The price table as it is now (the owner's edits over the shipped prices, prices-store.ts); read at each attempt's start. */
  priceTable?: () => Promise<readonly ModelPrice[]>;
  /** Whether queued runs wait now (the monthly budget, budget.ts); running and waiting-retry runs go on. */
  holdsQueue?: () => Promise<boolean>;
  /** The MCP servers of a run's attempt (mcp.ts). */
  mcp?: RunMcp;
  /** Where attempts run: each is a terminal (the terminals feature's manager), of the terminal host when there is one. */
  terminals: RunTerminals;
  /** True when terminals outlive this server: at shutdown, running agents are left running for the next server. */
  outlivesServer?: () => boolean;
  /** Pushes to the owner's devices (the push feature's `send`): a run that succeeded or failed for good. */
  notify?: (message: PushMessage) => Promise<unknown>;
}

interface ActiveRun {
  attempt: RunningAttempt | null;
  cancelled: boolean;
  /** Taken over from an earlier server (its agent kept running in its terminal). */
  resumed: boolean;
  settle: () => void;
  /** Settles once the attempt's outcome is stored (or, at shutdown with a terminal host, once it is let go). */
  finished: Promise<void>;
}

export function viewOfRun(row: AgentRun): RunView {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    agent: row.agent as RunAgent,
    model: row.model,
    prompt: row.prompt,
    permissionMode: row.permissionMode as PermissionMode,
    allowedTools: parseList(row.allowedTools),
    disallowedTools: parseList(row.disallowedTools),
    status: row.status as RunStatus,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    nextRetryAt: row.nextRetryAt?.toISOString() ?? null,
    agentSessionId: row.agentSessionId,
    error: row.error,
    usage: { input: row.inputTokens, output: row.outputTokens, cacheRead: row.cacheReadTokens, cacheWrite: row.cacheWriteTokens },
    costUsd: row.costUsd,
    agentCostUsd: row.agentCostUsd,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    endedAt: row.endedAt?.toISOString() ?? null,
    parentRunId: row.parentRunId,
    worktree: row.inWorktree,
    worktreePath: row.worktreePath,
    branch: row.branch,
    mcpServers: parseList(row.mcpServers),
    terminalId: row.terminalId,
  };
}

function viewOfEvent(row: AgentRunEvent): RunEventView {
  let payload: Record<string, unknown> = {};
  try {
    payload = JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    // Written by this module as JSON; unreadable only if edited by hand.
  }
  return { seq: row.seq, type: row.type as RunEventType, payload, createdAt: row.createdAt.toISOString() };
}

/** How often ended runs' worktrees are checked for a merged or deleted branch, besides after each run. */
const SWEEP_INTERVAL_MS = 60 * 60_000;
/** Usage-limit waits per run, beyond which it fails: a limit that never lifts should not loop forever. */
const MAX_USAGE_LIMIT_WAITS = 5;
/** setTimeout's longest delay (about 24.8 days; limits reset within a week, so never reached). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createRunService(deps: RunServiceDeps) {
  const { db, clock, log, config } = deps;
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const active = new Map<string, ActiveRun>();
  /** Waiting-retry runs whose wait is over. */
  const due = new Set<string>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  /** The next seq of each run with events being written, and the chain that keeps writes in order. */
  const nextSeq = new Map<string, number>();
  const writes = new Map<string, Promise<void>>();
  let lastCreatedAt = 0;
  let sweepTimer: NodeJS.Timeout | null = null;
  /** The sweep in progress (one at a time). */
  let sweeping: Promise<void> = Promise.resolve();
  let closing = false;
  let pumping = false;
  let pumpAgain = false;

  /** Appends an event to the run's transcript (in call order), then tells the live readers. */
  function appendEvent(runId: string, type: RunEventType, payload: Record<string, unknown>): Promise<void> {
    return appendEvents(runId, [{ type, payload }]);
  }

  /**
   * Appends events (in call order), with `outputOffset`, in one transaction: the events of one line of
   * the agent's output and how far its output is read, so that a next server reads on without a duplicate.
   */
  function appendEvents(runId: string, events: readonly { type: RunEventType; payload: Record<string, unknown> }[], outputOffset?: number): Promise<void> {
    const previous = writes.get(runId) ?? Promise.resolve();
    const write = previous.then(async () => {
      let seq = nextSeq.get(runId);
      if (seq === undefined) {
        const last = await db.agentRunEvent.findFirst({ where: { runId }, orderBy: { seq: 'desc' }, select: { seq: true } });
        seq = (last?.seq ?? 0) + 1;
      }
      nextSeq.set(runId, seq + events.length);
      const now = clock.now();
      const creates = events.map((event, index) => db.agentRunEvent.create({ data: { runId, seq: seq + index, type: event.type, payload: JSON.stringify(event.payload), createdAt: now } }));
      const rows = outputOffset === undefined ? await db.$transaction(creates) : (await db.$transaction([...creates, db.agentRun.update({ where: { id: runId }, data: { outputOffset }, select: { id: true } })])).slice(0, creates.length);
      for (const row of rows as AgentRunEvent[]) emitter.emit(runId, viewOfEvent(row));
    });
    const settled = write.catch((error: unknown) => log.error({ err: error, runId, types: events.map((event) => event.type) }, 'storing agent run events failed'));
    writes.set(runId, settled);
    return settled;
  }

  async function requireRun(id: string): Promise<AgentRun> {
    const row = await db.agentRun.findUnique({ where: { id } });
    if (!row) throw notFound(`No agent run with id ${id}: list a workspace's runs to find its id.`);
    return row;
  }

  async function setStatus(runId: string, status: RunStatus, data: Partial<AgentRun> = {}, extra: Record<string, unknown> = {}): Promise<AgentRun> {
    const row = await db.agentRun.update({ where: { id: runId }, data: { ...data, status } });
    await appendEvent(runId, 'status', { status, attempt: row.attempts, ...extra });
    if (status === 'succeeded' || status === 'failed') pushEnd(row);
    return row;
  }

  function schedulePump(): void {
    void pump().catch((error: unknown) => log.error({ err: error }, 'the agent run queue failed'));
  }

  async function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        await fill();
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
  }

  /** Starts what may start: per workspace its oldest unfinished run, while under the concurrency limit. */
  async function fill(): Promise<void> {
    if (closing) return;
    // Asked at every pump (after each run, on each new one), so the budget also warns with nothing queued.
    const held = (await deps.holdsQueue?.()) ?? false;
    if (active.size >= config.concurrency) return;
    const pending = await db.agentRun.findMany({ where: { status: { in: ['queued', 'waiting-retry', 'running'] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    const busy = new Set<string>();
    const runningIn = new Map<string, number>();
    for (const run of pending) {
      if (run.status === 'running' || active.has(run.id)) runningIn.set(run.workspaceId, (runningIn.get(run.workspaceId) ?? 0) + 1);
    }
    for (const run of pending) {
      const lane = laneOf(run);
      if (busy.has(lane)) continue;
      // The oldest unfinished run of a directory holds its place, even while it waits for a retry.
      busy.add(lane);
      if (run.status === 'running' || active.has(run.id)) continue;
      if (run.status === 'waiting-retry' && !due.has(run.id)) continue;
      if (run.status === 'queued' && held) continue;
      if ((runningIn.get(run.workspaceId) ?? 0) >= config.perWorkspace) continue;
      if (active.size >= config.concurrency) break;
      due.delete(run.id);
      runningIn.set(run.workspaceId, (runningIn.get(run.workspaceId) ?? 0) + 1);
      startRun(run);
    }
  }

  /** The directory a run works in, as far as the queue knows: one run at a time in each. */
  function laneOf(run: AgentRun): string {
    if (!run.inWorktree) return `workspace:${run.workspaceId}`;
    return run.worktreePath ? `worktree:${run.worktreePath}` : `new-worktree:${run.id}`;
  }

  /** The run's worktree, made on its first attempt (a follow-up has its parent's). */
  async function ensureWorktree(run: AgentRun, workspaceDir: string): Promise<string> {
    if (run.worktreePath) {
      if (!(await deps.worktrees.exists(run.worktreePath))) throw new AppError(409, 'worktree_gone', `The run's worktree (${run.worktreePath}) is gone: its branch was merged or deleted. Start a new run.`);
      return run.worktreePath;
    }
    const worktree = await deps.worktrees.create(workspaceDir, run.workspaceId, run.id);
    await db.agentRun.update({ where: { id: run.id }, data: { worktreePath: worktree.path, branch: worktree.branch, baseCommit: worktree.baseCommit } });
    await appendEvent(run.id, 'status', { status: 'running', attempt: run.attempts + 1, worktreePath: worktree.path, branch: worktree.branch });
    return worktree.path;
  }

  /** Counts a run as active (the queue's limits, cancel, shutdown) until `untrack`. */
  function track(run: AgentRun, resumed: boolean): ActiveRun {
    let settle = () => {};
    const entry: ActiveRun = { attempt: null, cancelled: false, resumed, settle: () => settle(), finished: new Promise<void>((resolve) => (settle = resolve)) };
    active.set(run.id, entry);
    return entry;
  }

  function untrack(runId: string, entry: ActiveRun): void {
    active.delete(runId);
    entry.settle();
    schedulePump();
    scheduleSweep();
  }

  function startRun(run: AgentRun): void {
    const entry = track(run, false);
    void runAttempt(run, entry)
      .catch(async (error: unknown) => {
        log.error({ err: error, runId: run.id }, 'an agent run failed unexpectedly');
        await setStatus(run.id, 'failed', { error: 'Shellport could not run the agent (see the server log).', endedAt: clock.now() }).catch(() => {});
      })
      .finally(() => untrack(run.id, entry));
  }

  async function runAttempt(run: AgentRun, entry: ActiveRun): Promise<void> {
    const attemptNumber = run.attempts + 1;
    await setStatus(run.id, 'running', { attempts: attemptNumber, startedAt: run.startedAt ?? clock.now(), nextRetryAt: null, error: null });
    let context: { cwd: string; env: Record<string, string> };
    try {
      context = await deps.workspaceContext(run.workspaceId);
      if (run.inWorktree) context = { ...context, cwd: await ensureWorktree(run, context.cwd) };
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The workspace cannot be used.';
      if (!(error instanceof AppError)) log.error({ err: error, runId: run.id }, 'preparing an agent run failed');
      await appendEvent(run.id, 'error', { message });
      await setStatus(run.id, 'failed', { error: message, endedAt: clock.now() });
      return;
    }
    if (entry.cancelled) {
      await setStatus(run.id, 'cancelled', { endedAt: clock.now() });
      return;
    }
    const agent = agentOf(run);
    let mcp: McpAttempt;
    try {
      mcp = deps.mcp ? await deps.mcp.prepare(run.agent as RunAgent, parseList(run.mcpServers), deps.user, run.id) : { args: (base) => [...base], env: {}, dispose: async () => {} };
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The run\'s MCP servers could not be prepared (see the server log).';
      if (!(error instanceof AppError)) log.error({ err: error, runId: run.id }, 'preparing a run\'s MCP servers failed');
      await appendEvent(run.id, 'error', { message });
      await setStatus(run.id, 'failed', { error: message, endedAt: clock.now() });
      return;
    }
    const env = { ...buildShellEnv(deps.baseEnv, context.env, '/bin/bash'), ...agent.env(), ...mcp.env };
    const command = { marker: markerOf(run.id), executable: agent.executable, args: mcp.args(agent.args(run)), cwd: context.cwd, env };
    await followAttempt(run, entry, attemptNumber, context.cwd, mcp, (onLine) => startAttempt(deps.terminals, attemptTerminal(run, attemptNumber), command, limits(), onLine));
  }

  const markerOf = (runId: string) => `SHELLPORT_RUN_ID=${runId}`;
  const limits = () => ({ maxDurationMs: config.maxDurationMs, maxOutputBytes: config.maxTranscriptBytes });
  const attemptTerminal = (run: AgentRun, attemptNumber: number) => ({ id: run.id, workspaceId: run.workspaceId, name: `Run · ${agentOf(run).name} · attempt ${attemptNumber}` });

  /**
   * Reads an attempt's output into the transcript until it ends, then stores the outcome. A resumed
   * attempt (a new server taking over a running agent) reads its output again from the first byte, so that
   * the reader knows the session, usage and result; only lines past the stored offset become events.
   */
  async function followAttempt(run: AgentRun, entry: ActiveRun, attemptNumber: number, cwd: string, mcp: McpAttempt | null, start: (onLine: Parameters<typeof startAttempt>[4]) => Promise<RunningAttempt>): Promise<void> {
    const agent = agentOf(run);
    const prices = deps.priceTable ? await deps.priceTable() : deps.prices;
    const parser = agent.createParser({ model: run.model, cwd, ...(prices ? { prices } : {}) });
    let result: AgentResult | null = null;
    let usageLimitResetsAt: number | null = null;
    let messageUsage: TokenUsage = ZERO_USAGE;
    const attempt = await start((line, end, seenBefore) => {
      const parsed = parser.parseLine(line);
      if (parsed.result) result = parsed.result;
      if (parsed.usageLimitResetsAt !== undefined) usageLimitResetsAt = parsed.usageLimitResetsAt;
      for (const event of parsed.events) if (event.type === 'usage') messageUsage = addUsage(messageUsage, event.payload.usage as TokenUsage);
      if (seenBefore) return;
      if (parsed.sessionId && parsed.events.some((event) => event.type === 'session')) {
        void db.agentRun.update({ where: { id: run.id }, data: { agentSessionId: parsed.sessionId } }).catch((error: unknown) => log.warn({ err: error, runId: run.id }, 'storing a run\'s session id failed'));
      }
      if (parsed.events.length > 0) void appendEvents(run.id, parsed.events, end);
    });
    entry.attempt = attempt;
    if (entry.cancelled) attempt.kill('cancel');
    if (attempt.terminalId && !entry.resumed) {
      await db.agentRun.update({ where: { id: run.id }, data: { terminalId: attempt.terminalId, outputOffset: 0 } });
      // The agent's pid (its terminal's process group, for an operator: ps -g) and the terminal to open.
      void appendEvent(run.id, 'status', { status: 'running', attempt: attemptNumber, pid: attempt.pid ?? null, terminalId: attempt.terminalId });
    }
    const exit = await attempt.exited;
    await (writes.get(run.id) ?? Promise.resolve());
    if (exit.detached) return;
    // A resumed attempt's MCP file was written by the server that started it.
    const removed = mcp ? mcp.dispose() : deps.mcp?.removeLeftovers({ runId: run.id });
    await Promise.resolve(removed).catch((error: unknown) => log.warn({ err: error, runId: run.id }, 'removing a run\'s MCP configuration failed'));
    await finishAttempt(run, attemptNumber, exit, result, messageUsage, entry.cancelled, usageLimitResetsAt);
  }

  /** Start-up with a run whose agent runs on in its terminal (kept by the terminal host), or ended while no server was up. */
  function resumeRun(run: AgentRun, terminalId: string, cwd: string): void {
    const entry = track(run, true);
    const command = { marker: markerOf(run.id), executable: agentOf(run).executable, args: [], cwd, env: {} };
    void followAttempt(run, entry, run.attempts, cwd, null, (onLine) => startAttempt(deps.terminals, attemptTerminal(run, run.attempts), command, limits(), onLine, { terminalId, readUpTo: run.outputOffset }))
      .catch(async (error: unknown) => {
        log.error({ err: error, runId: run.id }, 'following an agent run after a restart failed');
        await setStatus(run.id, 'failed', { error: 'Shellport could not follow the agent after a restart (see the server log).', endedAt: clock.now() }).catch(() => {});
      })
      .finally(() => untrack(run.id, entry));
  }

  function agentOf(run: Pick<AgentRun, 'agent'>): AgentAdapter {
    const agent = deps.agents[run.agent as RunAgent] as AgentAdapter | undefined;
    if (!agent) throw new AppError(400, 'agent_not_supported', `No agent "${run.agent}": it is one of ${Object.keys(deps.agents).join(', ')}.`);
    return agent;
  }

  function describeFailure(agent: AgentAdapter, exit: AttemptExit, result: AgentResult | null): string {
    if (exit.spawnError) return `${agent.name} could not be started: ${exit.spawnError}`;
    if (exit.killedFor === 'deadline') return `The run took longer than ${Math.round(config.maxDurationMs / 60_000)} minutes and was stopped.`;
    if (exit.killedFor === 'output') return `The agent printed more than ${Math.round(config.maxTranscriptBytes / 1024)} KiB and was stopped.`;
    if (result?.isError) return result.text || `The agent ended with an error (${result.subtype}).`;
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    return `${agent.name} ${how}${exit.stderrTail ? `: ${exit.stderrTail.slice(-1000)}` : ''}.`;
  }

  async function finishAttempt(run: AgentRun, attemptNumber: number, exit: AttemptExit, result: AgentResult | null, messageUsage: TokenUsage, cancelled: boolean, usageLimitResetsAt: number | null): Promise<void> {
    const current = await requireRun(run.id);
    // The result line's totals are the agent's own count; without one, the replies' usage seen so far.
    const usage = result?.usage ?? messageUsage;
    const totals = {
      inputTokens: current.inputTokens + usage.input,
      outputTokens: current.outputTokens + usage.output,
      cacheReadTokens: current.cacheReadTokens + usage.cacheRead,
      cacheWriteTokens: current.cacheWriteTokens + usage.cacheWrite,
      ...(result?.costUsd !== null && result?.costUsd !== undefined ? { costUsd: (current.costUsd ?? 0) + result.costUsd } : {}),
      ...(result?.agentCostUsd !== null && result?.agentCostUsd !== undefined ? { agentCostUsd: (current.agentCostUsd ?? 0) + result.agentCostUsd } : {}),
    };
    if (cancelled) {
      await setStatus(run.id, 'cancelled', { ...totals, endedAt: clock.now() });
      return;
    }
    if (result && !result.isError && exit.code === 0 && exit.killedFor === null) {
      await setStatus(run.id, 'succeeded', { ...totals, endedAt: clock.now() });
      return;
    }
    const agent = agentOf(run);
    const error = describeFailure(agent, exit, result);
    await appendEvent(run.id, 'error', { message: error, exitCode: exit.code, signal: exit.signal, stderr: exit.stderrTail.slice(-2000) });
    // A usage limit with a reset time: wait for it, then go on by itself. The wait is not one of the run's
    // retries (its attempts grow by one), and a run waits so at most MAX_USAGE_LIMIT_WAITS times.
    if (exit.killedFor === null && result?.isError && usageLimitResetsAt !== null && !closing && (await usageLimitWaits(run.id)) < MAX_USAGE_LIMIT_WAITS) {
      const nextRetryAt = new Date(Math.max(usageLimitResetsAt, clock.now().getTime()));
      await setStatus(run.id, 'waiting-retry', { ...totals, error, nextRetryAt, maxAttempts: current.maxAttempts + 1 }, { nextRetryAt: nextRetryAt.toISOString(), error, usageLimit: true });
      scheduleRetry(run.id, Math.min(nextRetryAt.getTime() - clock.now().getTime(), MAX_TIMER_MS));
      return;
    }
    if (exit.killedFor === null && agent.isTransientFailure(result) && attemptNumber < current.maxAttempts && !closing) {
      const delay = config.retryBaseMs * 2 ** (attemptNumber - 1);
      const nextRetryAt = new Date(clock.now().getTime() + delay);
      await setStatus(run.id, 'waiting-retry', { ...totals, error, nextRetryAt }, { nextRetryAt: nextRetryAt.toISOString(), error });
      scheduleRetry(run.id, delay);
      return;
    }
    await setStatus(run.id, 'failed', { ...totals, error, endedAt: clock.now() });
  }

  /** Tells the owner's devices that a run ended by itself ("Agent finished" or "Failed" pushes); never waited for. */
  function pushEnd(run: AgentRun): void {
    if (!deps.notify) return;
    void (async () => {
      const workspace = await db.workspace.findUnique({ where: { id: run.workspaceId }, select: { name: true } });
      const succeeded = run.status === 'succeeded';
      const what = oneLine(run.prompt, 120);
      await deps.notify!({
        kind: succeeded ? 'finished' : 'failed',
        title: `${succeeded ? 'Run finished' : 'Run failed'} · ${workspace?.name ?? 'a workspace'}`,
        body: succeeded ? what : `${what} — ${run.error ?? 'it failed'}`.slice(0, 300),
        tag: `run-${run.id}`,
        url: `${APP_ROUTES.workspaces}/${encodeURIComponent(run.workspaceId)}/runs?run=${encodeURIComponent(run.id)}`,
        sentAt: clock.now().toISOString(),
      });
    })().catch((error: unknown) => log.warn({ err: error, runId: run.id }, 'pushing the end of a run failed'));
  }

  async function usageLimitWaits(runId: string): Promise<number> {
    const waits = await db.agentRunEvent.findMany({ where: { runId, type: 'status', payload: { contains: '"usageLimit":true' } }, select: { id: true } });
    return waits.length;
  }

  function scheduleRetry(runId: string, delayMs: number): void {
    const timer = setTimeout(() => {
      retryTimers.delete(runId);
      due.add(runId);
      schedulePump();
    }, Math.max(0, delayMs));
    timer.unref();
    retryTimers.set(runId, timer);
  }

  /** A follow-up or a retry works where its parent did: in its worktree while that is there. */
  const inheritedPlace = (parent: AgentRun) =>
    parent.inWorktree && parent.worktreePath ? { worktreePath: parent.worktreePath, branch: parent.branch, baseCommit: parent.baseCommit } : {};

  async function insertRun(workspaceId: string, input: NewRun, links: { parentRunId?: string; resumeSessionId?: string; place?: Partial<Pick<AgentRun, 'worktreePath' | 'branch' | 'baseCommit'>> } = {}): Promise<RunView> {
    // Creation order is queue order: strictly increasing even within one millisecond.
    lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
    const row = await db.agentRun.create({
      data: {
        workspaceId,
        agent: input.agent,
        model: input.model,
        prompt: input.prompt,
        permissionMode: input.permissionMode,
        allowedTools: JSON.stringify(input.allowedTools ?? []),
        disallowedTools: JSON.stringify(input.disallowedTools ?? []),
        mcpServers: JSON.stringify(input.mcpServers ?? []),
        maxAttempts: config.maxAttempts,
        inWorktree: input.worktree ?? true,
        ...links.place,
        createdAt: new Date(lastCreatedAt),
        ...(links.parentRunId ? { parentRunId: links.parentRunId } : {}),
        ...(links.resumeSessionId ? { resumeSessionId: links.resumeSessionId } : {}),
      },
    });
    await appendEvent(row.id, 'status', { status: 'queued', attempt: 0 });
    schedulePump();
    return viewOfRun(row);
  }

  async function workspaceDirOf(workspaceId: string): Promise<string> {
    const workspace = await db.workspace.findUnique({ where: { id: workspaceId }, select: { localPath: true } });
    if (!workspace) throw notFound(`No workspace with id ${workspaceId}.`);
    return workspace.localPath;
  }

  async function sweepWorktrees(): Promise<number> {
    const rows = await db.agentRun.findMany({ where: { worktreePath: { not: null } }, orderBy: { createdAt: 'asc' } });
    const byPath = new Map<string, AgentRun[]>();
    for (const row of rows) byPath.set(row.worktreePath!, [...(byPath.get(row.worktreePath!) ?? []), row]);
    let removed = 0;
    for (const [worktreePath, chain] of byPath) {
      if (closing || chain.some((run) => !FINISHED_RUN_STATUSES.includes(run.status as RunStatus) || active.has(run.id))) continue;
      const first = chain[0]!;
      if (!first.branch || !first.baseCommit) continue;
      const worktree: Worktree = { path: worktreePath, branch: first.branch, baseCommit: first.baseCommit };
      try {
        const workspaceDir = await workspaceDirOf(first.workspaceId);
        // A workspace directory not there (moved, a restore under way): nothing can be told; ask later.
        if (!(await deps.worktrees.exists(workspaceDir))) continue;
        const state = await deps.worktrees.state(workspaceDir, worktree);
        // Merged but with changes not committed since: kept, so that nothing is lost.
        if (state === 'active' || (state === 'merged' && (await deps.worktrees.isDirty(worktree)))) continue;
        await deps.worktrees.remove(workspaceDir, worktree, { deleteBranch: state === 'merged' });
        await db.agentRun.updateMany({ where: { worktreePath }, data: { worktreePath: null } });
        for (const run of chain) await appendEvent(run.id, 'status', { status: 'worktree-removed', attempt: run.attempts, worktreePath, branch: worktree.branch, because: state });
        removed += 1;
        log.info({ worktreePath, branch: worktree.branch, state }, 'removed a finished run\'s worktree');
      } catch (error) {
        log.warn({ err: error, worktreePath }, 'checking a run\'s worktree failed');
      }
    }
    return removed;
  }

  function scheduleSweep(): void {
    if (closing) return;
    sweeping = sweeping.then(sweepWorktrees).then(
      () => {},
      (error: unknown) => log.error({ err: error }, 'sweeping the runs\' worktrees failed'),
    );
  }

  return {
    /**
     * For the approvals feature: how a permission request from a run's terminal is decided by the run's
     * own tool rules (a disallowing rule wins), or null to ask the owner; null for a shell's terminal.
     */
    async decideByToolRules(terminalId: string, tool: string, input: unknown): Promise<{ behavior: 'allow' | 'deny'; reason: string } | null> {
      const run = await db.agentRun.findFirst({ where: { terminalId }, select: { allowedTools: true, disallowedTools: true } });
      if (!run) return null;
      const fields = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
      const decision = decideByRules({ allowed: parseList(run.allowedTools), disallowed: parseList(run.disallowedTools) }, tool, fields);
      if (decision === 'allow') return { behavior: 'allow', reason: "Allowed by the run's allowed tools." };
      if (decision === 'deny') return { behavior: 'deny', reason: "Denied by the run's disallowed tools." };
      return null;
    },

    /**
     * For the approvals feature: a permission request of a run's agent was made or settled; it goes into
     * the run's transcript (`approval` events: its id, tool, summary, status, who answered), where the
     * run page shows it with Allow and Deny while it waits. Nothing for a shell's terminal.
     */
    async noteApproval(approval: Approval): Promise<void> {
      const run = await db.agentRun.findFirst({ where: { terminalId: approval.sessionId }, select: { id: true } });
      if (!run) return;
      const { id: approvalId, tool, summary, status, answeredBy, reason, expiresAt } = approval;
      await appendEvent(run.id, 'approval', { approvalId, tool, summary, status, answeredBy, reason, expiresAt });
    },

    /** Looks at the queue again: what held it (the budget) may have changed. */
    wake: schedulePump,

    /** Queues a run in a workspace. */
    async create(workspaceId: string, input: NewRun): Promise<RunView> {
      agentOf(input).ensureSupports(input);
      await deps.mcp?.ensureUsable(input.agent, input.mcpServers ?? []);
      const workspace = await db.workspace.findUnique({ where: { id: workspaceId }, select: { id: true } });
      if (!workspace) throw notFound(`No workspace with id ${workspaceId}: list workspaces to find its id.`);
      return insertRun(workspaceId, input);
    },

    async list(workspaceId: string): Promise<RunView[]> {
      const workspace = await db.workspace.findUnique({ where: { id: workspaceId }, select: { id: true } });
      if (!workspace) throw notFound(`No workspace with id ${workspaceId}: list workspaces to find its id.`);
      const rows = await db.agentRun.findMany({ where: { workspaceId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 200 });
      return rows.map(viewOfRun);
    },

    get: async (id: string): Promise<RunView> => viewOfRun(await requireRun(id)),

    /** Runs that have not ended (queued, running, waiting to retry), in every workspace, oldest first. */
    async listActive(): Promise<RunView[]> {
      const rows = await db.agentRun.findMany({ where: { status: { in: ['queued', 'running', 'waiting-retry'] } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: 200 });
      return rows.map(viewOfRun);
    },

    /** The worktree of a run of this workspace, for review and ship (`?run=`); 404 for another's run. */
    async worktreeOf(workspaceId: string, runId: string): Promise<string> {
      const run = await db.agentRun.findUnique({ where: { id: runId } });
      if (!run || run.workspaceId !== workspaceId) throw notFound(`No agent run ${runId} in this workspace.`);
      if (!run.worktreePath) {
        throw conflict('run_without_worktree', run.inWorktree ? 'The run has no worktree: it has not started yet, or its worktree was removed once its branch was merged or deleted.' : "The run works in the workspace's directory: review the workspace itself.");
      }
      return run.worktreePath;
    },

    /** The transcript after `since`, in seq order, at most `limit` events. */
    async events(id: string, since: number, limit = 1000): Promise<RunEventView[]> {
      await requireRun(id);
      const rows = await db.agentRunEvent.findMany({ where: { runId: id, seq: { gt: since } }, orderBy: { seq: 'asc' }, take: limit });
      return rows.map(viewOfEvent);
    },

    /** Live transcript events of one run (each after it is stored). */
    subscribe(id: string, listener: (event: RunEventView) => void): () => void {
      emitter.on(id, listener);
      return () => emitter.off(id, listener);
    },

    /** Stops a queued, waiting or running run; returns once the agent's process group is gone. */
    async cancel(id: string): Promise<RunView> {
      const run = await requireRun(id);
      const entry = active.get(id);
      if (entry) {
        entry.cancelled = true;
        entry.attempt?.kill('cancel');
        await entry.finished;
        return viewOfRun(await requireRun(id));
      }
      if (run.status === 'queued' || run.status === 'waiting-retry') {
        clearTimeout(retryTimers.get(id));
        retryTimers.delete(id);
        due.delete(id);
        const row = await setStatus(id, 'cancelled', { endedAt: clock.now(), nextRetryAt: null });
        schedulePump();
        return viewOfRun(row);
      }
      throw conflict('run_finished', `The run has ended already (${run.status}); there is nothing to cancel.`);
    },

    /** A new run with the same prompt and settings as a failed or cancelled one. */
    async retry(id: string): Promise<RunView> {
      const run = await requireRun(id);
      if (run.status !== 'failed' && run.status !== 'cancelled') {
        throw conflict('run_not_retryable', `Only a failed or cancelled run can be retried; this one is ${run.status}.`);
      }
      const input = { agent: run.agent as RunAgent, model: run.model, prompt: run.prompt, permissionMode: run.permissionMode as PermissionMode, allowedTools: parseList(run.allowedTools), disallowedTools: parseList(run.disallowedTools), worktree: run.inWorktree, mcpServers: parseList(run.mcpServers) };
      return insertRun(run.workspaceId, input, { parentRunId: run.id, place: inheritedPlace(run), ...(run.resumeSessionId ? { resumeSessionId: run.resumeSessionId } : {}) });
    },

    /** A follow-up: a new run that resumes the agent's session of an ended run with another prompt. */
    async continue(id: string, prompt: string): Promise<RunView> {
      const run = await requireRun(id);
      if (!FINISHED_RUN_STATUSES.includes(run.status as RunStatus)) {
        throw conflict('run_not_finished', `A run can be continued once it has ended; this one is ${run.status}.`);
      }
      if (!run.agentSessionId) throw conflict('run_without_session', 'The run has no agent session to continue (the agent never started one); retry it instead.');
      const input = { agent: run.agent as RunAgent, model: run.model, prompt, permissionMode: run.permissionMode as PermissionMode, allowedTools: parseList(run.allowedTools), disallowedTools: parseList(run.disallowedTools), worktree: run.inWorktree, mcpServers: parseList(run.mcpServers) };
      return insertRun(run.workspaceId, input, { parentRunId: run.id, resumeSessionId: run.agentSessionId, place: inheritedPlace(run) });
    },

    /** Start-up: runs a restart cut short fail; waiting ones get their timers again; the queue starts. */
    async start(): Promise<void> {
      const interrupted = await db.agentRun.findMany({ where: { status: 'running' } });
      for (const run of interrupted) {
        const terminal = run.terminalId ? await deps.terminals.get(run.terminalId).catch(() => null) : null;
        // Running on in the terminal host, or ended by itself while no server was up: its output says how it went.
        if (terminal && (terminal.status === 'active' || terminal.endReason === 'exited')) {
          resumeRun(run, terminal.id, terminal.cwd);
          continue;
        }
        await setStatus(run.id, 'failed', { error: 'The server stopped during the run, and the agent with it.', endedAt: clock.now() });
      }
      // MCP files of attempts no server follows any more (a crash between writing and removing one).
      // Not awaited: start-up does not wait for the temporary directory to be listed.
      void deps.mcp?.removeLeftovers({ keep: new Set(active.keys()) }).catch((error: unknown) => log.warn({ err: error }, 'removing old MCP configurations failed'));
      const waiting = await db.agentRun.findMany({ where: { status: 'waiting-retry' }, select: { id: true, nextRetryAt: true } });
      for (const run of waiting) scheduleRetry(run.id, (run.nextRetryAt?.getTime() ?? 0) - clock.now().getTime());
      schedulePump();
      scheduleSweep();
      sweepTimer = setInterval(scheduleSweep, SWEEP_INTERVAL_MS);
      sweepTimer.unref();
    },

    /**
     * Deletes an ended run and its transcript. Its worktree goes too unless another run of the same
     * chain (a follow-up, a retry) still works there; its branch is deleted only if merged.
     */
    async remove(id: string): Promise<{ worktreeRemoved: boolean; branchDeleted: boolean }> {
      const run = await requireRun(id);
      if (!FINISHED_RUN_STATUSES.includes(run.status as RunStatus)) {
        throw conflict('run_not_finished', `Only an ended run can be deleted; this one is ${run.status}: cancel it first.`);
      }
      let outcome = { worktreeRemoved: false, branchDeleted: false };
      if (run.worktreePath && run.branch) {
        const sharers = await db.agentRun.count({ where: { worktreePath: run.worktreePath, id: { not: id } } });
        if (sharers === 0) {
          const workspaceDir = await workspaceDirOf(run.workspaceId);
          const { branchDeleted } = await deps.worktrees.remove(workspaceDir, { path: run.worktreePath, branch: run.branch }, { deleteBranch: true });
          outcome = { worktreeRemoved: true, branchDeleted };
        }
      }
      await db.agentRun.delete({ where: { id } });
      // Its attempts' terminals (the raw output) go with it.
      await deps.terminals.deleteRunTerminals(id);
      nextSeq.delete(id);
      writes.delete(id);
      return outcome;
    },

    /** Removes the worktrees of ended runs whose branch was merged or deleted (run at start, after runs, hourly); how many. */
    sweepWorktrees(): Promise<number> {
      const next = sweeping.then(sweepWorktrees);
      sweeping = next.then(
        () => {},
        () => {},
      );
      return next;
    },

    /** Cancels a workspace's runs and removes their worktrees (before it is deleted). */
    async cancelWorkspaceRuns(workspaceId: string): Promise<void> {
      const runs = await db.agentRun.findMany({ where: { workspaceId, status: { in: ['queued', 'waiting-retry', 'running'] } }, select: { id: true } });
      for (const { id } of runs) {
        await this.cancel(id).catch(() => {});
      }
      const withWorktrees = await db.agentRun.findMany({ where: { workspaceId, worktreePath: { not: null } }, select: { worktreePath: true, branch: true } });
      const workspaceDir = await workspaceDirOf(workspaceId).catch(() => null);
      for (const path of new Set(withWorktrees.map((run) => run.worktreePath!))) {
        const branch = withWorktrees.find((run) => run.worktreePath === path)?.branch ?? '';
        if (workspaceDir) await deps.worktrees.remove(workspaceDir, { path, branch }, { deleteBranch: false }).catch((error: unknown) => log.warn({ err: error, path }, 'removing a run\'s worktree failed'));
      }
      await deps.worktrees.removeWorkspaceDir(workspaceId);
    },

    /** Shutdown: kills every running agent and waits until their outcomes are stored. */
    async close(): Promise<void> {
      closing = true;
      if (sweepTimer) clearInterval(sweepTimer);
      await sweeping;
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
      // With a terminal host the agents run on, and the next server reads on; without one they end here.
      const letGo = deps.outlivesServer?.() ?? false;
      const finishing = [...active.values()].map((entry) => {
        if (letGo && entry.attempt) entry.attempt.detach();
        else {
          entry.cancelled = true;
          entry.attempt?.kill('cancel');
        }
        return entry.finished;
      });
      await Promise.all(finishing);
      await Promise.all([...writes.values()]);
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;
