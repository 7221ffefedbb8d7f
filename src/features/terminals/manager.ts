import { createFairShare } from './fair-share.js';
import { randomUUID } from 'node:crypto';
import { readlink } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { TerminalsConfig } from '../../config/terminals.js';
import type { Session } from '../../generated/prisma/client.js';
import type { Clock } from '../../infra/clock.js';
import type { Database } from '../../infra/database/client.js';
import type { Metrics } from '../../infra/metrics.js';
import type { PtyHost } from '../../infra/pty-host.js';
import { AppError, badRequest, notFound } from '../../http/errors.js';
import { buildShellEnv, ensureWorkingDirectory, findShell, listAllowedShells, type TerminalContextProvider } from './context.js';
import { createOutputStore, type OutputRange, type OutputStore } from './output-store.js';
import { MAX_DIMENSION, type CreateTerminalInput, type ListTerminalsFilter } from './schemas.js';
import { listStoredSessions, removeScrollback } from './scrollback-files.js';
import { TerminalSession, type Attachment, type OutputSink, type SessionEnd } from './session.js';
import type { TerminalInfo } from '../../shared/terminals.js';

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
}

export interface AttachOptions {
  lastSeq?: number | null;
  cols?: number;
  rows?: number;
}

export interface AttachResult {
  attachment: Attachment;
  session: TerminalInfo;
  /** Where the output sent to this client starts; differs from lastSeq after a reset. */
  from: number;
  reset: boolean;
}

const SWEEP_INTERVAL_MS = 30_000;
const EXIT_WAIT_MS = 2_000;
/** An idle terminal keeps this much of its ring buffer in memory; the rest is on disk. */
const IDLE_RING_BYTES = 16 * 1024;

export const sessionNotFound = (id: string) =>
  notFound(`No terminal with id ${id}: it never existed or was deleted. List terminals to find one.`);
export const sessionEnded = (id: string) =>
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
  const sessions = new Map<string, TerminalSession>();
  const loading = new Map<string, Promise<TerminalSession>>();
  const listeners = new Set<(session: TerminalInfo) => void>();
  const store: OutputStore = createOutputStore({
    root: scrollbackDir,
    log,
    batchBytes: config.persist.batchBytes,
    intervalMs: config.persist.intervalMs,
    retainedBytes: config.retainedOutputBytes,
    slotBytes: 2 * config.ringBufferBytes,
  });
  let creating = 0;
  let closing = false;
  const sweepTimer = setInterval(() => void sweep().catch((error: unknown) => log.error({ err: error }, 'terminal sweep failed')), SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  const running = () => [...sessions.values()].filter((session) => session.isRunning);

  function toInfo(row: Session, live?: TerminalSession): TerminalInfo {
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
    };
  }

  async function findRow(id: string): Promise<Session> {
    const row = await db.session.findUnique({ where: { id } });
    if (!row) throw sessionNotFound(id);
    return row;
  }

  async function info(id: string): Promise<TerminalInfo> {
    return toInfo(await findRow(id), sessions.get(id));
  }

  function emitChange(session: TerminalInfo) {
    for (const listener of listeners) {
      try {
        listener(session);
      } catch (error) {
        log.error({ err: error }, 'terminal change listener failed');
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

  /** Records the end of a session whose PTY exited: flush its output, then the row. */
  async function recordEnd(session: TerminalSession): Promise<void> {
    const end = session.end as SessionEnd;
    metrics.activeTerminalSessions.set(running().length);
    await store.flush(session);
    store.release(session.id);
    const now = clock.now();
    await db.session.updateMany({
      where: { id: session.id },
      data: { status: 'terminated', exitCode: end.exitCode, endedAt: now, endReason: end.reason, lastActivityAt: new Date(session.lastActivityMs) },
    });
    log.info({ sessionId: session.id, exitCode: end.exitCode, signal: end.signal, reason: end.reason }, 'terminal ended');
    const row = await db.session.findUnique({ where: { id: session.id } });
    if (row) emitChange(toInfo(row, session));
    forgetIfUnused(session);
  }

  function forgetIfUnused(session: TerminalSession) {
    if (!session.isRunning && session.finalizedDone && session.attachments.size === 0 && sessions.get(session.id) === session) {
      sessions.delete(session.id);
    }
  }

  // Label lookups once, not per chunk.
  const outBytes = metrics.terminalBytes.labels({ direction: 'out' });
  const inBytes = metrics.terminalBytes.labels({ direction: 'in' });
  // One object shared by every session: an idle terminal should cost as little memory as possible.
  const sessionDeps = {
    store,
    flow: config.flow,
    ringBufferBytes: config.ringBufferBytes,
    log,
    now: () => clock.now().getTime(),
    onOutputBytes: (bytes: number) => outBytes.inc(bytes),
    onInputBytes: (bytes: number) => inBytes.inc(bytes),
    onExit: recordEnd,
    fairShare: createFairShare(config.flow.sharedOutputBytesPerSecond),
    onDetached: (session: TerminalSession) => {
      session.activityUnsaved = true;
      if (session.finalizedDone) forgetIfUnused(session);
    },
  };

  /** An ended terminal, loaded to replay its stored output. */
  function loadStored(row: Session): Promise<TerminalSession> {
    const pending = loading.get(row.id);
    if (pending) return pending;
    const promise = (async () => {
      const bounds = await store.bounds(row.id);
      const existing = sessions.get(row.id);
      if (existing) return existing;
      const session = new TerminalSession(
        row.id,
        { workspaceId: row.workspaceId, name: row.name, shell: row.shell, cwd: row.cwd, pid: row.pid, createdAt: row.createdAt },
        sessionDeps,
        null,
        {
          cols: row.cols,
          rows: row.rows,
          seq: bounds?.end ?? 0,
          retainedStart: bounds?.start ?? 0,
          end: { exitCode: row.exitCode, signal: null, reason: row.endReason ?? 'exited' },
        },
      );
      sessions.set(row.id, session);
      return session;
    })().finally(() => loading.delete(row.id));
    loading.set(row.id, promise);
    return promise;
  }

  async function endSession(session: TerminalSession, reason: string): Promise<void> {
    if (session.isRunning) {
      session.terminating ??= reason;
      session.updateFlow(); // a paused PTY must drain so that its exit is seen
      const pid = session.pid;
      if (pid !== null) await ptyHost.killSession(pid, config.killGraceMs);
      const exited = await Promise.race([session.exited.then(() => true), new Promise<boolean>((resolve) => setTimeout(resolve, EXIT_WAIT_MS, false).unref())]);
      if (!exited) await session.forceEnd(reason);
    }
    await session.finalized;
  }

  async function sweep(): Promise<number> {
    const now = clock.now().getTime();
    let ended = 0;
    const toEnd: TerminalSession[] = [];
    for (const session of running()) {
      if (session.outputSinceSweep) {
        session.outputSinceSweep = false;
        session.lastActivityMs = now;
        session.activityUnsaved = true;
      } else if (session.attachments.size === 0 && session.persistedSeq === session.seq) {
        session.compact(IDLE_RING_BYTES);
      }
      if (config.idleTimeoutMs > 0 && session.attachments.size === 0 && now - session.lastActivityMs >= config.idleTimeoutMs) {
        toEnd.push(session);
      } else if (session.activityUnsaved) {
        session.activityUnsaved = false;
        await db.session.updateMany({ where: { id: session.id }, data: { lastActivityAt: new Date(session.lastActivityMs) } });
      }
    }
    for (const session of toEnd) {
      log.info({ sessionId: session.id, idleMs: now - session.lastActivityMs }, 'ending idle terminal');
      await endSession(session, 'idle-timeout');
      ended++;
    }
    return ended;
  }

  const manager = {
    /** Starts a shell. Throws AppError on a limit, an unknown workspace or a shell not allowed. */
    async create(input: CreateTerminalInput): Promise<TerminalInfo> {
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
        const workspaceId = input.workspaceId ?? null;
        const shell = await chooseShell(input.shell);
        const context = await contextProvider.resolve(workspaceId, id);
        await ensureWorkingDirectory(context.cwd);
        const env = buildShellEnv(config.baseEnv, context.env, shell);
        const now = clock.now();
        // The row exists before the PTY so that the first output can be stored.
        const recordedEnv = { ...env, ...Object.fromEntries(Object.keys(context.env).filter((key) => key in env).map((key) => [key, '(hidden)'])) };
        const row = await db.session.create({
          data: {
            id,
            workspaceId,
            name: input.name ?? null,
            shell,
            status: 'active',
            cwd: context.cwd,
            env: JSON.stringify(recordedEnv),
            cols,
            rows,
            createdAt: now,
            lastActivityAt: now,
          },
        });
        let pty;
        try {
          pty = ptyHost.spawn({ file: shell, args: [], cwd: context.cwd, env, cols, rows });
        } catch (error) {
          log.error({ err: error, shell }, 'starting a terminal failed');
          await db.session.update({ where: { id }, data: { status: 'terminated', endedAt: clock.now(), endReason: 'spawn-failed' } });
          throw new AppError(500, 'spawn_failed', `The shell ${shell} could not be started; the server log has the details.`);
        }
        const session = new TerminalSession(
          id,
          { workspaceId, name: row.name, shell, cwd: context.cwd, pid: pty.pid, createdAt: now },
          sessionDeps,
          pty,
          { cols, rows },
        );
        sessions.set(id, session);
        metrics.activeTerminalSessions.set(running().length);
        const updated = await db.session.update({ where: { id }, data: { pid: pty.pid } });
        log.info({ sessionId: id, pid: pty.pid, shell, workspaceId }, 'terminal started');
        const result = toInfo(updated, session);
        emitChange(result);
        return result;
      } finally {
        creating--;
      }
    },

    /** Attaches a client; call `attachment.start()` after acknowledging to begin the replay. */
    async attach(id: string, sink: OutputSink, options: AttachOptions = {}): Promise<AttachResult> {
      if (options.cols !== undefined || options.rows !== undefined) ensureSize(options.cols, options.rows);
      let session = sessions.get(id);
      const row = await findRow(id);
      session ??= sessions.get(id) ?? (await loadStored(row));
      const attachment = session.attach(sink, options);
      return {
        attachment,
        session: toInfo(row, session),
        from: attachment.sentSeq,
        reset: attachment.pendingReset,
      };
    },

    get: info,

    async list(filter: ListTerminalsFilter = {}): Promise<TerminalInfo[]> {
      const rows = await db.session.findMany({
        where: { ...(filter.workspaceId ? { workspaceId: filter.workspaceId } : {}), ...(filter.status ? { status: filter.status } : {}) },
        orderBy: { createdAt: 'desc' },
      });
      return rows.map((row) => toInfo(row, sessions.get(row.id)));
    },

    async rename(id: string, name: string | null): Promise<TerminalInfo> {
      const { count } = await db.session.updateMany({ where: { id }, data: { name } });
      if (count === 0) throw sessionNotFound(id);
      const live = sessions.get(id);
      if (live) live.meta.name = name;
      const result = await info(id);
      emitChange(result);
      return result;
    },

    /** Ends a terminal and every process in its session; resolves once the end is recorded. */
    async kill(id: string, reason = 'killed'): Promise<TerminalInfo> {
      const live = sessions.get(id);
      if (live) await endSession(live, reason);
      return info(id);
    },

    /**
     * For a workspace being deleted: ends its running terminals (reason `workspace-deleted`), then
     * deletes all its terminals' records and stored output; returns how many there were.
     */
    async deleteWorkspaceSessions(workspaceId: string): Promise<number> {
      const targets = running().filter((session) => session.meta.workspaceId === workspaceId);
      await Promise.all(targets.map((session) => endSession(session, 'workspace-deleted')));
      const rows = await db.session.findMany({ where: { workspaceId }, select: { id: true } });
      await db.session.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
      for (const { id } of rows) {
        sessions.delete(id);
        store.remove(id);
      }
      return rows.length;
    },

    /** Flow-control state of a terminal in memory (diagnostics and tests); null when not in memory. */
    inspect(id: string) {
      const session = sessions.get(id);
      if (!session) return null;
      return {
        seq: session.seq,
        persistedSeq: session.persistedSeq,
        retainedStart: session.retainedStart,
        ringStart: session.ring.start,
        ringCapacity: session.ring.capacity,
        paused: session.isPaused,
        pauseCount: session.pauseCount,
        yieldCount: session.yieldCount,
        readCount: session.readCount,
        clients: [...session.attachments].map((a) => ({ id: a.sink.clientId, state: a.state, sentSeq: a.sentSeq, ackedSeq: a.ackedSeq })),
      };
    },

    /** The pid of the terminal's running shell; 404 for an unknown terminal, 409 for one that has ended. */
    async shellPid(id: string): Promise<number> {
      const live = sessions.get(id);
      if (!live) await findRow(id);
      const pid = live?.isRunning ? live.pid : null;
      if (pid === null) throw sessionEnded(id);
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

    /** Terminals whose shell is running. */
    countActive(): number {
      return running().length;
    },

    /** Output from offset `since` (for scripts and ended terminals). `start > since` means older output was trimmed. */
    async readOutput(id: string, since: number, maxBytes: number): Promise<OutputRange & { seq: number; status: TerminalInfo['status'] }> {
      const row = await findRow(id);
      const live = sessions.get(id);
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
    onChange(listener: (session: TerminalInfo) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** Ends idle terminals (TERMINAL_IDLE_TIMEOUT_MINUTES) and saves activity times; runs every 30 s. */
    sweepIdle: sweep,

    /** Whether output is being saved (the `scrollback` readiness check). */
    scrollbackHealth: () => store.health(),

    /**
     * Start-up: terminals the previous process left running are gone with it. Mark them ended
     * (`server-restart`); their output stays readable.
     */
    async recoverAfterRestart(): Promise<number> {
      const { count } = await db.session.updateMany({
        where: { status: { not: 'terminated' } },
        data: { status: 'terminated', endedAt: clock.now(), endReason: 'server-restart' },
      });
      if (count > 0) log.info({ count }, 'terminals left running by the previous server process marked ended');
      // Output of terminals the database no longer knows (a crash between deleting a row and its
      // files, or an older database restored): only the ids found on disk are looked up.
      const stored = listStoredSessions(scrollbackDir);
      if (stored.length > 0) {
        const known = new Set((await db.session.findMany({ where: { id: { in: stored } }, select: { id: true } })).map((row) => row.id));
        const orphans = stored.filter((id) => !known.has(id));
        for (const id of orphans) removeScrollback(scrollbackDir, id);
        if (orphans.length > 0) log.info({ count: orphans.length }, 'deleted the stored output of terminals that no longer exist');
      }
      return count;
    },

    /** Kills every PTY, writes pending output and records the ends. */
    async dispose(): Promise<void> {
      closing = true;
      clearInterval(sweepTimer);
      await Promise.all([...sessions.values()].map((session) => endSession(session, 'server-shutdown')));
      for (const session of sessions.values()) for (const attachment of [...session.attachments]) attachment.detach();
      sessions.clear();
      await store.close();
    },
  };
  return manager;
}

export type TerminalManager = ReturnType<typeof createTerminalManager>;
