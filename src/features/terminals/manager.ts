import { createFairShare } from './fair-share.js';
import { randomUUID } from 'node:crypto';
import { readlink, stat } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { TerminalsConfig } from '../../config/terminals.js';
import type { Terminal as TerminalRow } from '../../generated/prisma/client.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import type { PtyHost, PtyProcess, PtySpawnOptions } from '../../infra/pty-host.js';
import type { HostedTerminalInfo } from '../../infra/terminal-host-client.js';
import { AppError, badRequest, notFound } from '../../http/errors.js';
import { buildShellEnv, ensureWorkingDirectory, findShell, listAllowedShells, type TerminalContextProvider } from './context.js';
import { createOutputStore, type OutputRange, type OutputStore } from './output-store.js';
import { MAX_DIMENSION, type CreateTerminalInput, type ListTerminalsFilter } from './schemas.js';
import { listStoredTerminals, removeScrollback } from './scrollback-files.js';
import { isWaitingForTerminalRead, readForeground, resumeCommand, type AgentKind, type ForegroundState } from './foreground.js';
import { createMirrorPool, type MirrorPool } from './screen-mirrors.js';
import { withShellIntegration } from './shell-integration.js';
import { Terminal, type Attachment, type OutputSink, type TerminalEnd } from './terminal.js';
import type { TerminalActivity, TerminalInfo } from '../../shared/terminals.js';
import type { ActivityReport } from './terminal-status.js';

export interface TerminalManagerDeps {
  db: Database;
  /** SCROLLBACK_DIR: where terminal output is kept (scrollback-files.ts). */
  scrollbackDir: string;
  config: TerminalsConfig;
  clock: Clock;
  log: FastifyBaseLogger;
  metrics: Metrics;
  ptyHost: PtyHost;
  contextProvider: TerminalContextProvider;
  /** The owner's default shell as stored (the settings feature owns it), or null for bash. */
  defaultShell: () => Promise<string | null>;
  /** A terminal host that outlives the server (docs/terminal-host.md); null when the PTYs live in this process. */
  host?: TerminalHostLink | null;
  /** True when the machine rebooted since the last start (terminals left running ended with it). */
  rebooted?: () => boolean;
  /** Screen mirrors for snapshots on attach; default: a worker thread of this process. null: none (every attach replays). */
  mirrors?: MirrorPool | null;
}

/** What the manager needs of a terminal host beyond PtyHost: its terminals outlive this server. */
export interface TerminalHostLink {
  /** The terminals of the host that is running, or null when none answers (none is started for this). */
  listIfRunning(): Promise<HostedTerminalInfo[] | null>;
  /** Takes a terminal over; its output resumes at `from` or, when the host no longer holds that, later. */
  adopt(id: string, from: number): Promise<{ pty: PtyProcess; from: number; seq: number }>;
  /** Lets go of the host: its terminals keep running for the next server. */
  close(): Promise<void>;
}

/** A program started as a terminal (`startProgram`): an agent run's attempt. */
export interface ProgramSpec extends PtySpawnOptions {
  workspaceId: string;
  runId: string;
  name: string;
}

export interface AttachOptions {
  lastSeq?: number | null;
  cols?: number;
  rows?: number;
  /** The client takes `terminal:snapshot` (docs/protocol.md): one far behind gets the screen instead of a replay. */
  snapshot?: boolean;
  /** A read-only viewer (share links): it never types, resizes or answers queries; `cols`/`rows` are ignored. */
  readOnly?: boolean;
}

export interface AttachResult {
  attachment: Attachment;
  terminal: TerminalInfo;
  /** Where the output sent to this client starts; differs from lastSeq after a reset. */
  from: number;
  reset: boolean;
  /** The client is sent a snapshot of the screen at `from` first (a reset to `from` with the screen's content). */
  snapshot: boolean;
}

const SWEEP_INTERVAL_MS = 30_000;
/** How often running commands are looked at for a wait on a read; quiet for one interval first. */
const READ_CHECK_INTERVAL_MS = 1500;
const EXIT_WAIT_MS = 2_000;
/** An idle terminal keeps this much of its ring buffer in memory; the rest is on disk. */
const IDLE_RING_BYTES = 16 * 1024;

/** A terminal without output and clients for this long drops its screen mirror; an attach starts it again. */
const MIRROR_IDLE_MS = 10 * 60_000;

export const terminalNotFound = (id: string) =>
  notFound(`No terminal with id ${id}: it never existed or was deleted. List terminals to find one.`);
export const terminalEnded = (id: string) =>
  new AppError(409, 'session_ended', `Terminal ${id} has ended; its output stays readable. Open a new terminal to continue.`);

/** Throws a 400 unless cols/rows are whole numbers in 1..1000 (node-pty crashes or wraps otherwise). */
export function ensureSize(cols: unknown, rows: unknown): void {
  const ok = (value: unknown) => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_DIMENSION;
  if (!ok(cols) || !ok(rows)) {
    throw badRequest('invalid_size', `cols and rows must be whole numbers from 1 to ${MAX_DIMENSION}.`, { cols, rows });
  }
}

/**
 * Owns every PTY of the app: creation within the limits, attachment of clients, output
 * persistence and replay, kill and exit handling, idle timeout and disposal. Handlers call it;
 * nothing else touches a PTY.
 */
export function createTerminalManager(deps: TerminalManagerDeps) {
  const { db, scrollbackDir, config, clock, log, metrics, ptyHost, contextProvider, defaultShell } = deps;
  const terminals = new Map<string, Terminal>();
  const loading = new Map<string, Promise<Terminal>>();
  const listeners = new Set<(terminal: TerminalInfo) => void>();
  const activityListeners = new Set<(sessionId: string, activity: TerminalActivity) => void>();
  const store: OutputStore = createOutputStore({
    root: scrollbackDir,
    log,
    batchBytes: config.persist.batchBytes,
    intervalMs: config.persist.intervalMs,
    retainedBytes: config.retainedOutputBytes,
    slotBytes: 2 * config.ringBufferBytes,
  });
  const mirrors = deps.mirrors === undefined ? createMirrorPool({ log }) : deps.mirrors;
  let creating = 0;
  let closing = false;
  const sweepTimer = setInterval(() => void sweep().catch((error: unknown) => log.error({ err: error }, 'terminal sweep failed')), SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  const running = () => [...terminals.values()].filter((terminal) => terminal.isRunning);

  // A command that goes quiet may be waiting for a reply typed into the terminal (issue 20): only
  // terminals whose integration says a command runs are looked at, once their output stopped.
  const quietSeq = new Map<string, number>();
  async function checkQuietCommands(): Promise<void> {
    for (const terminal of running()) {
      if (terminal.activity?.state !== 'working' || terminal.pid === null) {
        quietSeq.delete(terminal.id);
        continue;
      }
      const quiet = quietSeq.get(terminal.id) === terminal.seq;
      quietSeq.set(terminal.id, terminal.seq);
      if (quiet && (await isWaitingForTerminalRead(terminal.pid))) terminal.markWaitingForRead();
    }
    for (const id of quietSeq.keys()) if (!terminals.get(id)?.isRunning) quietSeq.delete(id);
  }
  const readCheckTimer = setInterval(() => void checkQuietCommands().catch((error: unknown) => log.warn({ err: error }, 'checking quiet commands failed')), READ_CHECK_INTERVAL_MS);
  readCheckTimer.unref();

  function toInfo(row: TerminalRow, live?: Terminal): TerminalInfo {
    const end = live?.end;
    const status = live ? (live.isRunning ? 'active' : 'terminated') : row.status === 'terminated' ? 'terminated' : 'active';
    return {
      id: row.id,
      workspaceId: row.workspaceId,
      name: live ? live.meta.name : row.name,
      shell: row.shell,
      pid: row.pid,
      status,
      cwd: row.cwd,
      cols: live?.cols ?? row.cols,
      rows: live?.rows ?? row.rows,
      createdAt: row.createdAt.toISOString(),
      lastActivityAt: live ? new Date(live.lastActivityMs).toISOString() : row.lastActivityAt.toISOString(),
      endedAt: row.endedAt?.toISOString() ?? (end ? clock.now().toISOString() : null),
      exitCode: row.exitCode ?? end?.exitCode ?? null,
      endReason: row.endReason ?? end?.reason ?? null,
      seq: live ? live.seq : null,
      clients: live ? live.attachments.size : 0,
      lastCwd: row.lastCwd,
      lastCommand: row.lastCommand,
      agentSession: row.agent && row.agentSessionId ? { agent: row.agent as AgentKind, id: row.agentSessionId } : null,
      restartedAs: row.restartedAs,
      activity: live?.activity ?? null,
      runId: row.runId,
    };
  }

  /** What each running terminal was last seen running, as stored; only changes are written. */
  const recorded = new Map<string, string>();

  /**
   * Records where a running terminal is and what runs in it (foreground.ts), so that after a reboot
   * it can start again there or resume its agent's conversation. The agent's conversation is kept only
   * while the agent is in front (at the prompt after it quit, there is nothing to resume).
   */
  async function recordForeground(terminal: Terminal): Promise<void> {
    const pid = terminal.pid;
    if (pid === null || !terminal.isRunning) return;
    const state: ForegroundState = await readForeground(pid);
    if (state.cwd === null) return; // gone meanwhile, or not ours to read: keep what was recorded
    const data = {
      lastCwd: state.cwd,
      lastCommand: state.command,
      agent: state.agentSessionId ? state.agent : null,
      agentSessionId: state.agentSessionId,
    };
    const key = JSON.stringify(data);
    if (recorded.get(terminal.id) === key) return;
    recorded.set(terminal.id, key);
    await db.terminal.updateMany({ where: { id: terminal.id }, data });
  }

  async function findRow(id: string): Promise<TerminalRow> {
    const row = await db.terminal.findUnique({ where: { id } });
    if (!row) throw terminalNotFound(id);
    return row;
  }

  async function info(id: string): Promise<TerminalInfo> {
    return toInfo(await findRow(id), terminals.get(id));
  }

  function emitChange(terminal: TerminalInfo) {
    for (const listener of listeners) {
      try {
        listener(terminal);
      } catch (error) {
        log.error({ err: error }, 'terminal change listener failed');
      }
    }
  }

  function emitActivity(terminal: Terminal) {
    const activity = terminal.activity;
    if (!activity) return;
    for (const listener of activityListeners) {
      try {
        listener(terminal.id, activity);
      } catch (error) {
        log.error({ err: error }, 'terminal activity listener failed');
      }
    }
  }

  async function chooseShell(requested: string | undefined): Promise<string> {
    const allowed = await listAllowedShells(config.shellsFile, config.baseEnv.PATH ?? '');
    if (requested) {
      const shell = findShell(requested, allowed);
      if (!shell) {
        throw badRequest('shell_not_allowed', `${requested} is not an allowed shell. Allowed: ${allowed.join(', ') || '(none)'} (from ${config.shellsFile}).`, { allowed });
      }
      return shell;
    }
    const preferred = await defaultShell();
    const shell = (preferred && findShell(preferred, allowed)) || findShell('bash', allowed) || findShell('sh', allowed);
    if (preferred && shell && findShell(preferred, allowed) === null) log.warn({ preferred }, 'the configured default shell is not allowed; using bash');
    if (!shell) throw new AppError(500, 'no_shell', `No usable shell: neither bash nor sh is installed and ${config.shellsFile} lists none.`);
    return shell;
  }

  /** Records the end of a terminal whose PTY exited: flush its output, then the row. */
  async function recordEnd(terminal: Terminal): Promise<void> {
    const end = terminal.end as TerminalEnd;
    metrics.activeTerminals.set(running().length);
    await store.flush(terminal);
    store.release(terminal.id);
    const now = clock.now();
    await db.terminal.updateMany({
      where: { id: terminal.id },
      data: { status: 'terminated', exitCode: end.exitCode, endedAt: now, endReason: end.reason, lastActivityAt: new Date(terminal.lastActivityMs) },
    });
    terminal.releasePty();
    recorded.delete(terminal.id);
    log.info({ sessionId: terminal.id, exitCode: end.exitCode, signal: end.signal, reason: end.reason }, 'terminal ended');
    const row = await db.terminal.findUnique({ where: { id: terminal.id } });
    if (row) emitChange(toInfo(row, terminal));
    forgetIfUnused(terminal);
  }

  function forgetIfUnused(terminal: Terminal) {
    if (!terminal.isRunning && terminal.finalizedDone && terminal.attachments.size === 0 && terminals.get(terminal.id) === terminal) {
      terminals.delete(terminal.id);
    }
  }

  // Label lookups once, not per chunk.
  const outBytes = metrics.terminalBytes.labels({ direction: 'out' });
  const inBytes = metrics.terminalBytes.labels({ direction: 'in' });
  // One object shared by every terminal: an idle terminal should cost as little memory as possible.
  const terminalDeps = {
    store,
    flow: config.flow,
    ringBufferBytes: config.ringBufferBytes,
    log,
    now: () => clock.now().getTime(),
    onOutputBytes: (bytes: number) => outBytes.inc(bytes),
    onInputBytes: (bytes: number) => inBytes.inc(bytes),
    onExit: recordEnd,
    fairShare: createFairShare(config.flow.sharedOutputBytesPerSecond),
    mirrors,
    snapshotScrollbackLines: config.snapshotScrollbackLines,
    onActivity: emitActivity,
    onDetached: (terminal: Terminal) => {
      terminal.activityUnsaved = true;
      if (terminal.finalizedDone) forgetIfUnused(terminal);
    },
  };

  /** An ended terminal, loaded to replay its stored output. */
  function loadStored(row: TerminalRow): Promise<Terminal> {
    const pending = loading.get(row.id);
    if (pending) return pending;
    const promise = (async () => {
      const bounds = await store.bounds(row.id);
      const existing = terminals.get(row.id);
      if (existing) return existing;
      const terminal = new Terminal(
        row.id,
        { workspaceId: row.workspaceId, name: row.name, shell: row.shell, cwd: row.cwd, pid: row.pid, createdAt: row.createdAt, runId: row.runId },
        terminalDeps,
        null,
        {
          cols: row.cols,
          rows: row.rows,
          seq: bounds?.end ?? 0,
          retainedStart: bounds?.start ?? 0,
          end: { exitCode: row.exitCode, signal: null, reason: row.endReason ?? 'exited' },
        },
      );
      terminals.set(row.id, terminal);
      return terminal;
    })().finally(() => loading.delete(row.id));
    loading.set(row.id, promise);
    return promise;
  }

  /** A terminal the host kept running, taken over: output resumes where the stored output ends. */
  async function adoptHosted(row: TerminalRow, info: HostedTerminalInfo, host: TerminalHostLink): Promise<void> {
    const bounds = await store.bounds(row.id);
    const storedEnd = bounds?.end ?? 0;
    const { pty, from } = await host.adopt(row.id, storedEnd);
    if (from > storedEnd) log.warn({ sessionId: row.id, storedEnd, from }, 'output of a terminal was lost between two servers (the host no longer held it)');
    const terminal = new Terminal(
      row.id,
      { workspaceId: row.workspaceId, name: row.name, shell: row.shell, cwd: row.cwd, pid: info.pid, createdAt: row.createdAt, runId: row.runId },
      terminalDeps,
      pty,
      { cols: info.cols, rows: info.rows, seq: from, retainedStart: bounds?.start ?? from },
    );
    terminals.set(row.id, terminal);
  }

  async function endTerminal(terminal: Terminal, reason: string): Promise<void> {
    if (terminal.isRunning) {
      terminal.terminating ??= reason;
      terminal.updateFlow(); // a paused PTY must drain so that its exit is seen
      const pid = terminal.pid;
      if (pid !== null) await ptyHost.killSession(pid, config.killGraceMs);
      const exited = await Promise.race([terminal.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, EXIT_WAIT_MS, false).unref())]);
      if (!exited) await terminal.forceEnd(reason);
    }
    await terminal.finalized;
  }

  async function sweep(): Promise<number> {
    const now = clock.now().getTime();
    let ended = 0;
    const toEnd: Terminal[] = [];
    for (const terminal of running()) {
      if (terminal.outputSinceSweep) {
        terminal.outputSinceSweep = false;
        terminal.lastActivityMs = now;
        terminal.activityUnsaved = true;
      } else if (terminal.attachments.size === 0 && terminal.persistedSeq === terminal.seq) {
        terminal.compact(IDLE_RING_BYTES);
        if (terminal.isMirrored && now - terminal.lastActivityMs >= MIRROR_IDLE_MS) terminal.closeMirror();
      }
      if (config.idleTimeoutMs > 0 && !terminal.meta.runId && terminal.attachments.size === 0 && now - terminal.lastActivityMs >= config.idleTimeoutMs) {
        toEnd.push(terminal);
      } else if (terminal.activityUnsaved) {
        terminal.activityUnsaved = false;
        await db.terminal.updateMany({ where: { id: terminal.id }, data: { lastActivityAt: new Date(terminal.lastActivityMs) } });
      }
      // Only the error's name: what was read (a command line) may hold a token.
      if (!toEnd.includes(terminal)) await recordForeground(terminal).catch((error: unknown) => log.warn({ sessionId: terminal.id, error: (error as Error).name }, 'recording what a terminal runs failed'));
    }
    for (const terminal of toEnd) {
      log.info({ sessionId: terminal.id, idleMs: now - terminal.lastActivityMs }, 'ending idle terminal');
      await endTerminal(terminal, 'idle-timeout');
      ended++;
    }
    return ended;
  }

  const manager = {
    /**
     * Starts a shell. Throws AppError on a limit, an unknown workspace or a shell not allowed.
     * `plan` (from `restart`) starts it in place of an ended terminal: its workspace, shell and directory.
     */
    async create(input: CreateTerminalInput, plan?: RestartPlan): Promise<TerminalInfo> {
      if (closing) throw new AppError(503, 'shutting_down', 'The server is shutting down; open the terminal again in a moment.');
      const cols = input.cols ?? 80;
      const rows = input.rows ?? 24;
      ensureSize(cols, rows);
      if (running().length + creating >= config.maxSessions) {
        throw new AppError(
          409,
          'too_many_terminals',
          `${config.maxSessions} terminals are already running (TERMINAL_MAX_SESSIONS). Close one before opening another.`,
          { max: config.maxSessions },
        );
      }
      creating++;
      try {
        const id = randomUUID();
        const workspaceId = plan ? plan.source.workspaceId : input.workspaceId ?? null;
        const shell = await chooseShell(plan ? plan.source.shell : input.shell);
        let context = await contextProvider.resolve(workspaceId, id);
        if (plan) {
          // Where the shell last was; when that directory is gone, the workspace's (or home), and the answer says so.
          if (await isDirectory(plan.cwd)) context = { ...context, cwd: plan.cwd };
          else plan.notice = `The directory ${plan.cwd} no longer exists: the terminal started in ${context.cwd} instead.`;
        }
        await ensureWorkingDirectory(context.cwd);
        const env = withShellIntegration(shell, buildShellEnv(config.baseEnv, context.env, shell));
        const now = clock.now();
        // The row exists before the PTY so that the first output can be stored.
        const recordedEnv = { ...env, ...Object.fromEntries(Object.keys(context.env).filter((key) => key in env).map((key) => [key, '(hidden)'])) };
        const row = await db.terminal.create({
          data: {
            id,
            workspaceId,
            name: input.name ?? plan?.source.name ?? null,
            shell,
            status: 'active',
            cwd: context.cwd,
            env: JSON.stringify(recordedEnv),
            cols,
            rows,
            createdAt: now,
            lastActivityAt: now,
            secretDigest: context.secretDigest ?? null,
          },
        });
        let pty;
        try {
          pty = await ptyHost.spawn({ id, file: shell, args: [], cwd: context.cwd, env, cols, rows });
        } catch (error) {
          log.error({ err: error, shell }, 'starting a terminal failed');
          await db.terminal.update({ where: { id }, data: { status: 'terminated', endedAt: clock.now(), endReason: 'spawn-failed' } });
          throw new AppError(500, 'spawn_failed', `The shell ${shell} could not be started; the server log has the details.`);
        }
        const terminal = new Terminal(
          id,
          { workspaceId, name: row.name, shell, cwd: context.cwd, pid: pty.pid, createdAt: now },
          terminalDeps,
          pty,
          { cols, rows },
        );
        terminals.set(id, terminal);
        metrics.activeTerminals.set(running().length);
        const updated = await db.terminal.update({ where: { id }, data: { pid: pty.pid } });
        if (plan) {
          await db.terminal.updateMany({ where: { id: plan.source.id }, data: { restartedAs: id } });
          // Typed, not run in place of the shell: the shell stays when the agent exits. The tty holds it until the shell reads.
          if (plan.typed) pty.write(`${plan.typed}\r`);
        }
        log.info({ sessionId: id, pid: pty.pid, shell, workspaceId, ...(plan ? { restartOf: plan.source.id, resumed: Boolean(plan.typed) } : {}) }, 'terminal started');
        const result = toInfo(updated, terminal);
        emitChange(result);
        return result;
      } finally {
        creating--;
      }
    },

    /**
     * Starts an ended terminal again (`terminal:create` with `restartOf`): same workspace and shell, in
     * the directory its shell was last seen in (else where it started); with `resume`, the recorded agent
     * conversation is resumed in the new shell (`claude --resume <id>`, `codex resume <id>`).
     */
    async restart(sourceId: string, input: CreateTerminalInput = {}): Promise<{ session: TerminalInfo; notice?: string }> {
      const source = await findRow(sourceId);
      const live = terminals.get(sourceId);
      if (live ? live.isRunning : source.status !== 'terminated') {
        throw new AppError(409, 'terminal_running', `Terminal ${sourceId} is still running: attach to it instead of starting it again.`);
      }
      if (input.workspaceId !== undefined && (input.workspaceId ?? null) !== source.workspaceId) {
        throw badRequest('validation_failed', 'workspaceId: a terminal starts again in its own workspace; leave workspaceId out.', { workspaceId: source.workspaceId });
      }
      if (input.shell !== undefined) throw badRequest('validation_failed', 'shell: a terminal starts again with its own shell; leave shell out.');
      let typed: string | undefined;
      if (input.resume) {
        if (!source.agent || !source.agentSessionId) {
          throw new AppError(409, 'no_agent_session', `No agent conversation was recorded for terminal ${sourceId}: start it again without resume.`);
        }
        typed = resumeCommand({ agent: source.agent as AgentKind, id: source.agentSessionId });
      }
      const plan: RestartPlan = { source, cwd: source.lastCwd ?? source.cwd, ...(typed ? { typed } : {}), notice: null };
      const session = await manager.create(input, plan);
      return { session, ...(plan.notice ? { notice: plan.notice } : {}) };
    },

    /**
     * Starts again every terminal ended by a reboot and not started again yet (in one workspace, or
     * with null those without one); with `resume`, those with a recorded agent conversation resume it.
     * One failure (a limit, a workspace gone) does not stop the others.
     */
    async restartEndedByReboot(filter: { workspaceId?: string | null; resume?: boolean; cols?: number; rows?: number } = {}) {
      const rows = await db.terminal.findMany({
        where: { status: 'terminated', endReason: 'reboot', restartedAs: null, ...(filter.workspaceId !== undefined ? { workspaceId: filter.workspaceId } : {}) },
        orderBy: { createdAt: 'asc' },
      });
      const started: { from: string; session: TerminalInfo; notice?: string }[] = [];
      const failed: { from: string; error: { code: string; message: string } }[] = [];
      for (const row of rows) {
        try {
          const resume = Boolean(filter.resume && row.agent && row.agentSessionId);
          const size = filter.cols !== undefined && filter.rows !== undefined ? { cols: filter.cols, rows: filter.rows } : {};
          started.push({ from: row.id, ...(await manager.restart(row.id, { ...size, ...(resume ? { resume } : {}) })) });
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          failed.push({ from: row.id, error: { code: error.code, message: error.message } });
        }
      }
      return { started, failed };
    },

    /**
     * Starts a program (an agent run's attempt) as a terminal of `workspaceId`: a PTY of the terminal
     * host when there is one, so that it outlives this server like a shell does. Its environment is
     * `env` over the terminal's own (hooks, git credentials); no shell integration, no idle timeout.
     * Not counted against TERMINAL_MAX_SESSIONS (the runs' own concurrency bounds them).
     */
    async startProgram(spec: ProgramSpec): Promise<TerminalInfo> {
      if (closing) throw new AppError(503, 'shutting_down', 'The server is shutting down; the run starts with the next server.');
      const id = randomUUID();
      const context = await contextProvider.resolve(spec.workspaceId, id);
      const env = { ...context.env, ...spec.env };
      const now = clock.now();
      // Only the terminals' base values are recorded as they are: the rest may be keys and secrets.
      const recordedEnv = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, config.baseEnv[key] === value ? value : '(hidden)']));
      await db.terminal.create({
        data: { id, workspaceId: spec.workspaceId, name: spec.name, shell: spec.file, status: 'active', cwd: spec.cwd, env: JSON.stringify(recordedEnv), cols: spec.cols, rows: spec.rows, createdAt: now, lastActivityAt: now, secretDigest: context.secretDigest ?? null, runId: spec.runId },
      });
      let pty;
      try {
        pty = await ptyHost.spawn({ id, file: spec.file, args: spec.args, cwd: spec.cwd, env, cols: spec.cols, rows: spec.rows });
      } catch (error) {
        await db.terminal.update({ where: { id }, data: { status: 'terminated', endedAt: clock.now(), endReason: 'spawn-failed' } });
        throw error;
      }
      const terminal = new Terminal(id, { workspaceId: spec.workspaceId, name: spec.name, shell: spec.file, cwd: spec.cwd, pid: pty.pid, createdAt: now, runId: spec.runId }, terminalDeps, pty, { cols: spec.cols, rows: spec.rows });
      terminals.set(id, terminal);
      metrics.activeTerminals.set(running().length);
      const updated = await db.terminal.update({ where: { id }, data: { pid: pty.pid } });
      log.info({ sessionId: id, pid: pty.pid, runId: spec.runId, workspaceId: spec.workspaceId }, 'run terminal started');
      return toInfo(updated, terminal);
    },

    /** True when terminals outlive this server (a terminal host keeps them); false when they end with it. */
    get outlivesServer(): boolean {
      return Boolean(deps.host);
    },

    /** Attaches a client; call `attachment.start()` after acknowledging to begin the replay. */
    async attach(id: string, sink: OutputSink, options: AttachOptions = {}): Promise<AttachResult> {
      if (options.cols !== undefined || options.rows !== undefined) ensureSize(options.cols, options.rows);
      let terminal = terminals.get(id);
      const row = await findRow(id);
      terminal ??= terminals.get(id) ?? (await loadStored(row));
      const attachment = terminal.attach(sink, options);
      let snapshot = false;
      if (options.snapshot && terminal.wantsSnapshot(options.lastSeq)) {
        // Taken after the attach applied the client's size: the mirror lays the screen out for it.
        attachment.awaitingSnapshot = true;
        const state = attachment.state;
        attachment.state = 'catchup'; // holds no PTY while it waits
        const taken = await terminal.takeSnapshot().catch((error: unknown) => {
          log.error({ err: error, sessionId: id }, 'taking a screen snapshot failed; the client gets a replay');
          return null;
        });
        attachment.awaitingSnapshot = false;
        if (taken) {
          terminal.startFromSnapshot(attachment, taken);
          snapshot = true;
        } else {
          attachment.state = state;
        }
      }
      return {
        attachment,
        terminal: toInfo(row, terminal),
        from: attachment.sentSeq,
        reset: snapshot || attachment.pendingReset,
        snapshot,
      };
    },

    get: info,

    async list(filter: ListTerminalsFilter = {}): Promise<TerminalInfo[]> {
      const rows = await db.terminal.findMany({
        // A run's terminals are the run's (its page links to them), not shell tabs.
        where: { runId: null, ...(filter.workspaceId ? { workspaceId: filter.workspaceId } : {}), ...(filter.status ? { status: filter.status } : {}) },
        orderBy: { createdAt: 'desc' },
      });
      return rows.map((row) => toInfo(row, terminals.get(row.id)));
    },

    async rename(id: string, name: string | null): Promise<TerminalInfo> {
      const { count } = await db.terminal.updateMany({ where: { id }, data: { name } });
      if (count === 0) throw terminalNotFound(id);
      const live = terminals.get(id);
      if (live) live.meta.name = name;
      const result = await info(id);
      emitChange(result);
      return result;
    },

    /** Ends a terminal and every process in its process session; resolves once the end is recorded. */
    async kill(id: string, reason = 'killed'): Promise<TerminalInfo> {
      const live = terminals.get(id);
      if (live) await endTerminal(live, reason);
      return info(id);
    },

    /**
     * For a workspace being deleted: ends its running terminals (reason `workspace-deleted`), then
     * deletes all its terminals' records and stored output; returns how many there were.
     */
    async deleteWorkspaceTerminals(workspaceId: string): Promise<number> {
      const targets = running().filter((terminal) => terminal.meta.workspaceId === workspaceId);
      await Promise.all(targets.map((terminal) => endTerminal(terminal, 'workspace-deleted')));
      const rows = await db.terminal.findMany({ where: { workspaceId }, select: { id: true } });
      await db.terminal.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
      for (const { id } of rows) {
        terminals.delete(id);
        store.remove(id);
      }
      return rows.length;
    },

    /** For a deleted agent run: deletes its ended terminals' records and stored output; returns how many. */
    async deleteRunTerminals(runId: string): Promise<number> {
      const rows = await db.terminal.findMany({ where: { runId, status: 'terminated' }, select: { id: true } });
      const ended = rows.map((row) => row.id).filter((id) => !terminals.get(id)?.isRunning);
      await db.terminal.deleteMany({ where: { id: { in: ended } } });
      for (const id of ended) {
        terminals.delete(id);
        store.remove(id);
      }
      return ended.length;
    },

    /** A running terminal's activity as an agent's hook reported it; false when it does not run (here). */
    reportActivity(id: string, report: ActivityReport): boolean {
      return terminals.get(id)?.reportActivity(report) ?? false;
    },

    /** Flow-control state of a terminal in memory (diagnostics and tests); null when not in memory. */
    inspect(id: string) {
      const terminal = terminals.get(id);
      if (!terminal) return null;
      return {
        seq: terminal.seq,
        persistedSeq: terminal.persistedSeq,
        retainedStart: terminal.retainedStart,
        ringStart: terminal.ring.start,
        ringCapacity: terminal.ring.capacity,
        mirrored: terminal.isMirrored,
        paused: terminal.isPaused,
        pauseCount: terminal.pauseCount,
        yieldCount: terminal.yieldCount,
        readCount: terminal.readCount,
        clients: [...terminal.attachments].map((a) => ({ id: a.sink.clientId, state: a.state, sentSeq: a.sentSeq, ackedSeq: a.ackedSeq })),
      };
    },

    /** The pid of the terminal's running shell; 404 for an unknown terminal, 409 for one that has ended. */
    async shellPid(id: string): Promise<number> {
      const live = terminals.get(id);
      if (!live) await findRow(id);
      const pid = live?.isRunning ? live.pid : null;
      if (pid === null) throw terminalEnded(id);
      return pid;
    },

    /** The absolute path of the shell's current directory, read from /proc (the shell may have `cd`ed anywhere). */
    async workingDirectory(id: string): Promise<string> {
      const pid = await manager.shellPid(id);
      try {
        return await readlink(`/proc/${pid}/cwd`);
      } catch (error) {
        log.info({ sessionId: id, pid, err: error }, 'could not read the shell\'s working directory');
        throw new AppError(409, 'working_directory_unknown', `The current directory of terminal ${id}'s shell cannot be read; try again, or open a new terminal.`);
      }
    },

    /**
     * The last `rows` non-blank rows of a running terminal's current screen, as plain text (the
     * dashboard's live preview; Terminal.screenPreview); none when it does not run here.
     */
    async screenPreview(id: string, rows: number): Promise<string[]> {
      const live = terminals.get(id);
      return live?.isRunning ? live.screenPreview(rows) : [];
    },

    /** Terminals whose shell is running. */
    countActive(): number {
      return running().length;
    },

    /** Output from offset `since` (for scripts and ended terminals). `start > since` means older output was trimmed. */
    async readOutput(id: string, since: number, maxBytes: number): Promise<OutputRange & { seq: number; status: TerminalInfo['status'] }> {
      const row = await findRow(id);
      const live = terminals.get(id);
      let seq: number;
      let start = since;
      let data: Buffer = Buffer.alloc(0);
      if (live) {
        seq = live.seq;
        if (since > seq) start = seq;
        if (start < live.earliestAvailable) start = live.earliestAvailable;
        if (start >= live.ring.start) {
          data = live.ring.copy(start, Math.min(seq, start + maxBytes));
        } else {
          const range = await store.read(id, start, maxBytes);
          if (range && range.start < live.ring.start) {
            start = range.start;
            data = range.data;
          } else {
            start = live.ring.start;
            data = live.ring.copy(start, Math.min(seq, start + maxBytes));
          }
        }
      } else {
        const bounds = await store.bounds(id);
        seq = bounds?.end ?? 0;
        if (since > seq) start = seq;
        const range = bounds && start < seq ? await store.read(id, Math.max(start, bounds.start), maxBytes) : null;
        if (range) {
          start = range.start;
          data = range.data;
        } else if (bounds && start < bounds.start) {
          start = bounds.start;
        }
      }
      return { start, end: start + data.length, data, seq, status: toInfo(row, live).status };
    },

    /** Subscribes to created/renamed/ended terminals; returns the unsubscribe function. */
    onChange(listener: (terminal: TerminalInfo) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Subscribes to running terminals' activity changes (issue 20); returns the unsubscribe function. */
    onActivity(listener: (sessionId: string, activity: TerminalActivity) => void): () => void {
      activityListeners.add(listener);
      return () => activityListeners.delete(listener);
    },

    /** Ends idle terminals (TERMINAL_IDLE_TIMEOUT_MINUTES) and saves activity times; runs every 30 s. */
    sweepIdle: sweep,

    /** Whether output is being saved (the `scrollback` readiness check). */
    scrollbackHealth: () => store.health(),

    /**
     * Start-up. With a terminal host, the terminals it kept running are taken over, each resuming
     * its output where the stored output ends; the rest ended while no server was up (`host-exited`,
     * or `reboot`). Without one, terminals the previous process left running are gone with it
     * (`server-restart`). Their output stays readable either way.
     */
    async recoverAfterRestart(): Promise<number> {
      const rows = await db.terminal.findMany({ where: { status: { not: 'terminated' } } });
      const hosted = deps.host ? await deps.host.listIfRunning() : null;
      const kept = new Map((hosted ?? []).map((info) => [info.id, info]));
      const reason = deps.rebooted?.() ? 'reboot' : deps.host ? 'host-exited' : 'server-restart';
      let ended = 0;
      for (const row of rows) {
        const info = kept.get(row.id);
        kept.delete(row.id);
        if (info && deps.host) {
          try {
            await adoptHosted(row, info, deps.host);
            continue;
          } catch (error) {
            log.error({ err: error, sessionId: row.id }, 'taking over a terminal from the terminal host failed');
          }
        }
        await db.terminal.updateMany({ where: { id: row.id }, data: { status: 'terminated', endedAt: clock.now(), endReason: reason } });
        ended++;
      }
      if (ended > 0) log.info({ count: ended, reason }, 'terminals that ended while no server was up marked ended');
      // The host runs terminals this database does not know (deleted meanwhile, or another database restored).
      for (const stray of kept.values()) {
        if (!stray.exit) await ptyHost.killSession(stray.pid, config.killGraceMs).catch(() => undefined);
        log.warn({ sessionId: stray.id, pid: stray.pid }, 'ended a terminal of the terminal host that the database does not know');
      }
      const adopted = rows.length - ended;
      if (adopted > 0) log.info({ count: adopted }, 'took over the terminals the terminal host kept running');
      metrics.activeTerminals.set(running().length);
      // Output of terminals the database no longer knows (a crash between deleting a row and its
      // files, or an older database restored): only the ids found on disk are looked up.
      const stored = listStoredTerminals(scrollbackDir);
      if (stored.length > 0) {
        const known = new Set((await db.terminal.findMany({ where: { id: { in: stored } }, select: { id: true } })).map((row) => row.id));
        const orphans = stored.filter((id) => !known.has(id));
        for (const id of orphans) removeScrollback(scrollbackDir, id);
        if (orphans.length > 0) log.info({ count: orphans.length }, 'deleted the stored output of terminals that no longer exist');
      }
      return ended;
    },

    /**
     * Without a terminal host: kills every PTY, writes pending output and records the ends. With
     * one: writes pending output and lets go; the terminals keep running for the next server.
     */
    async dispose(): Promise<void> {
      closing = true;
      clearInterval(sweepTimer);
      clearInterval(readCheckTimer);
      if (deps.host) {
        // The terminals run on without a server: what they run now is what a reboot meanwhile would end.
        await Promise.all(running().map((terminal) => recordForeground(terminal).catch(() => undefined)));
        await mirrors?.dispose();
        await store.close();
        for (const terminal of terminals.values()) for (const attachment of [...terminal.attachments]) attachment.detach();
        terminals.clear();
        await deps.host.close();
        return;
      }
      await Promise.all([...terminals.values()].map((terminal) => endTerminal(terminal, 'server-shutdown')));
      for (const terminal of terminals.values()) for (const attachment of [...terminal.attachments]) attachment.detach();
      terminals.clear();
      await store.close();
      await mirrors?.dispose();
    },
  };
  return manager;
}

export type TerminalManager = ReturnType<typeof createTerminalManager>;

/** Starting a terminal in place of an ended one (`restart`). */
interface RestartPlan {
  source: TerminalRow;
  /** The directory to start in, when it still exists. */
  cwd: string;
  /** A command line typed into the new shell (resuming an agent's conversation). */
  typed?: string;
  /** Set when the terminal could not start where asked, for the answer. */
  notice: string | null;
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}
