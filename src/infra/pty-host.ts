import { writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import * as nodePty from 'node-pty';
import { adoptUserGroups, spawnIdentity, type TerminalUser } from './terminal-user.js';

/** One running pseudo-terminal. Output arrives as raw bytes, never decoded. */
export interface PtyProcess {
  readonly pid: number;
  onData(listener: (data: Buffer) => void): void;
  onExit(listener: (exit: { exitCode: number; signal: number | null }) => void): void;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  /** Stops reading from the PTY: the kernel buffer fills and the writing program blocks. */
  pause(): void;
  resume(): void;
}

export interface PtySpawnOptions {
  file: string;
  args: string[];
  cwd: string;
  /** The complete environment: nothing of the server's own environment is added. */
  env: Record<string, string>;
  cols: number;
  rows: number;
}

/**
 * The only module that talks to node-pty. A different host (e.g. one that keeps shells alive in
 * tmux across server restarts) can replace it without touching the terminal manager.
 */
export interface PtyHost {
  spawn(options: PtySpawnOptions): PtyProcess;
  /**
   * Ends every process in the terminal's session (the shell is a session leader; background jobs,
   * `nohup` children and their children share its session id): SIGHUP, SIGTERM and SIGCONT, then
   * SIGKILL for whatever is left after `graceMs`. A process that called setsid() is outside the
   * session and escapes (see docs/protocol.md, "Ending a terminal").
   */
  killSession(leaderPid: number, graceMs: number): Promise<void>;
}

/** How many /proc/<pid>/stat files one scan reads at a time: a scan must not take hundreds of descriptors. */
const SCAN_READS_AT_ONCE = 32;

/** Every live process by session id (field 6 of /proc/<pid>/stat), zombies excluded; empty without /proc. */
export async function scanSessions(): Promise<Map<number, number[]>> {
  const sessions = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return sessions;
  }
  for (let i = 0; i < entries.length; i += SCAN_READS_AT_ONCE) {
    await Promise.all(
      entries.slice(i, i + SCAN_READS_AT_ONCE).map(async (entry) => {
        let stat: string;
        try {
          stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        } catch {
          return; // exited while we looked
        }
        // "pid (comm) state ppid pgrp session …": comm may contain spaces and parentheses.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const state = fields[0];
        if (state === 'Z' || state === 'X') return;
        const sid = Number(fields[3]);
        const members = sessions.get(sid);
        if (members) members.push(Number(entry));
        else sessions.set(sid, [Number(entry)]);
      }),
    );
  }
  return sessions;
}

/** Processes whose session id is `sid`, zombies excluded. */
export async function listSessionProcesses(sid: number): Promise<number[]> {
  return (await scanSessions()).get(sid) ?? [];
}

/**
 * Shares scans of /proc between terminals being killed at once (ending a workspace's terminals, a
 * shutdown): each caller gets a scan that starts after it asked, and at most one runs at a time.
 * Without it, killing a few hundred terminals read /proc a few hundred times over, concurrently, and
 * ran the process out of descriptors (EMFILE).
 */
export function createSessionScanner(scan: () => Promise<Map<number, number[]>> = scanSessions): () => Promise<Map<number, number[]>> {
  let running: Promise<unknown> = Promise.resolve();
  let queued: Promise<Map<number, number[]>> | null = null;
  return () => {
    if (queued) return queued;
    const next = running.then(() => {
      queued = null;
      return scan();
    });
    queued = next;
    running = next.catch(() => undefined);
    return next;
  };
}

function signal(pids: Iterable<number>, name: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, name);
    } catch {
      // already gone, or not ours
    }
  }
}

/**
 * The PTY's master fd when node-pty has no write of its own queued, else null. The one place that
 * reads node-pty internals (`fd` and `_writeStream._writeQueue` are outside its typed API): should a
 * release rename them, this returns null, writes take node-pty's slower path, and the test of this
 * function in tests/infra/pty-host.test.ts fails.
 */
export function ptyMasterFdIfIdle(pty: nodePty.IPty): number | null {
  const internals = pty as unknown as { fd?: unknown; _writeStream?: { _writeQueue?: unknown[] } };
  return typeof internals.fd === 'number' && internals._writeStream?._writeQueue?.length === 0 ? internals.fd : null;
}

/**
 * Writes input straight to the PTY's (non-blocking) master fd when nothing is queued: node-pty's
 * own write goes through the libuv thread pool, which adds a hop to every keystroke's echo.
 * Whatever the kernel does not take at once (EAGAIN, a partial write) goes to node-pty's queue,
 * so order is kept.
 */
function writeNow(pty: nodePty.IPty, data: string | Buffer): void {
  const fd = ptyMasterFdIfIdle(pty);
  if (fd === null) {
    pty.write(data);
    return;
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let written = 0;
  try {
    written = writeSync(fd, bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  }
  if (written < bytes.length) pty.write(bytes.subarray(written));
}

const hasProc = () =>
  readdir('/proc/self')
    .then(() => true)
    .catch(() => false);

export interface PtyHostOptions {
  /** TERMINAL_USER: shells run as this account when it is not the server's own (the server is then root). */
  user?: TerminalUser | null;
}

export function createPtyHost({ user = null }: PtyHostOptions = {}): PtyHost {
  const identity = spawnIdentity(user);
  adoptUserGroups(user);
  const freshSessions = createSessionScanner();
  const members = async (sid: number) => (await freshSessions()).get(sid) ?? [];
  return {
    spawn(options) {
      const pty = nodePty.spawn(options.file, options.args, {
        name: options.env.TERM ?? 'xterm-256color',
        cols: options.cols,
        rows: options.rows,
        cwd: options.cwd,
        env: options.env,
        ...identity,
        // Raw bytes: a UTF-8 sequence split across two reads must reach the browser intact.
        encoding: null,
      });
      return {
        pid: pty.pid,
        // With `encoding: null` node-pty emits Buffers although its types say string.
        onData: (listener) => void pty.onData(listener as unknown as (data: string) => void),
        onExit: (listener) => void pty.onExit(({ exitCode, signal: sig }) => listener({ exitCode, signal: sig ?? null })),
        write: (data) => writeNow(pty, data),
        resize: (cols, rows) => pty.resize(cols, rows),
        pause: () => pty.pause(),
        resume: () => pty.resume(),
      };
    },

    async killSession(leaderPid, graceMs) {
      if (!(await hasProc())) {
        // Without /proc the best available is the process group.
        signal([-leaderPid], 'SIGHUP');
        signal([-leaderPid], 'SIGTERM');
        signal([-leaderPid], 'SIGCONT');
        await delay(graceMs);
        signal([-leaderPid], 'SIGKILL');
        return;
      }
      const first = new Set([leaderPid, ...(await members(leaderPid))]);
      // Interactive bash ignores SIGTERM but not SIGHUP; nohup'd children ignore SIGHUP but not
      // SIGTERM; a stopped job handles neither until SIGCONT.
      signal(first, 'SIGHUP');
      signal(first, 'SIGTERM');
      signal(first, 'SIGCONT');
      const deadline = Date.now() + graceMs;
      let left = await members(leaderPid);
      while (left.length > 0 && Date.now() < deadline) {
        await delay(Math.min(25, Math.max(1, deadline - Date.now())));
        left = await members(leaderPid);
      }
      // A process may fork while we kill; a few rounds catch the stragglers.
      for (let round = 0; round < 10 && left.length > 0; round++) {
        signal(left, 'SIGKILL');
        await delay(10);
        left = await members(leaderPid);
      }
    },
  };
}
