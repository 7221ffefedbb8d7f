import { readSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import * as nodePty from 'node-pty';
import { adoptUserGroups, spawnIdentity, type TerminalUser } from './terminal-user.js';

/** One running pseudo-terminal. Output arrives as raw bytes, never decoded. */
export interface PtyProcess {
  readonly pid: number;
  onData(listener: (data: Buffer) => void): void;
  /** `reason` is set when the PTY ended for a reason of the host's own (`host-exited`). */
  onExit(listener: (exit: { exitCode: number; signal: number | null; reason?: string }) => void): void;
  /**
   * `origin` numbers input per device so that input sent again after a reconnect runs once
   * (docs/terminal-host.md, "Exactly-once input"); a host that outlives the server honours it.
   * False when nothing was written: input that ran before, or no connection to the terminal host.
   */
  write(data: string | Buffer, origin?: InputOrigin): boolean;
  resize(cols: number, rows: number): void;
  /** Stops reading from the PTY: the kernel buffer fills and the writing program blocks. */
  pause(): void;
  resume(): void;
  /** Output below `seq` is stored: a host that holds output for the next server may forget it. */
  stored?(seq: number): void;
  /** The end is recorded: a host that keeps ended terminals for the next server may forget this one. */
  release?(): void;
}

export interface InputOrigin {
  device: string;
  inputId: number;
}

/** Distinct devices remembered per terminal for exactly-once input. */
const MAX_INPUT_DEVICES = 64;

/**
 * The newest input number seen per device: a client that could not know whether its input arrived
 * (the connection or the server went away) sends it again, and it runs once.
 */
export class InputLedger {
  private readonly last = new Map<string, number>();

  /** True when the input is new (and remembers it); false for one that ran before. */
  accept(origin: InputOrigin | undefined): boolean {
    if (!origin) return true;
    const last = this.last.get(origin.device);
    if (last !== undefined && origin.inputId <= last) return false;
    this.last.delete(origin.device);
    this.last.set(origin.device, origin.inputId);
    if (this.last.size > MAX_INPUT_DEVICES) this.last.delete(this.last.keys().next().value!);
    return true;
  }
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
  /** `id` names the terminal (a host that outlives the server lists its terminals by it). */
  spawn(options: PtySpawnOptions & { id: string }): Promise<PtyProcess>;
  /**
   * Ends every process in the terminal's session (the shell is a session leader; background jobs,
   * `nohup` children and their children share its session id): SIGHUP, SIGTERM and SIGCONT, then
   * SIGKILL for whatever is left after `graceMs`. A process that called setsid() is outside the
   * session and escapes (see docs/protocol.md, "Ending a terminal"). Hand-written, not tree-kill or
   * ps-tree: those follow parent links, which a `nohup`'d child re-parented to init no longer has,
   * while its session id stays; and they run `ps` once per call instead of sharing one /proc scan.
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
 * node-pty, once the shell exits, waits for the PTY to close and destroys it after 200 ms if it has
 * not; a PTY whose reads are paused (flow control) never closes on its own, so what the program
 * wrote last, still in the stream's buffer and the kernel's, was lost. This reads it out first:
 * node-pty's destroy of the PTY's stream first hands over what the stream buffered (as 'data'
 * events) and what the kernel holds (`deliver`). The one place that reads node-pty's `_socket` and
 * `fd`: should a release change them, this returns false, the old loss comes back, and the test of
 * this function in tests/infra/pty-host.test.ts fails.
 */
export function drainBeforeDestroy(pty: nodePty.IPty, deliver: (data: Buffer) => void): boolean {
  const internals = pty as unknown as { fd?: unknown; _socket?: { destroy?: unknown; read?: unknown } };
  const socket = internals._socket;
  const fd = internals.fd;
  if (!socket || typeof socket.destroy !== 'function' || typeof socket.read !== 'function' || typeof fd !== 'number') return false;
  // Called on the socket rather than bound to it: two bound functions less per terminal (issue 19).
  const destroy = socket.destroy as (...args: unknown[]) => unknown;
  const read = socket.read as () => unknown;
  socket.destroy = (...args: unknown[]) => {
    try {
      // In paused mode read() returns what the stream buffered and emits it as 'data'.
      while (read.call(socket) !== null) {
        // delivered through the 'data' event
      }
      const buffer = Buffer.allocUnsafe(64 * 1024);
      for (;;) {
        const count = readSync(fd, buffer);
        if (count <= 0) break;
        deliver(Buffer.from(buffer.subarray(0, count)));
      }
    } catch {
      // EAGAIN (nothing left) or EIO (the other side closed and nothing is left)
    }
    return destroy.apply(socket, args);
  };
  return true;
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

/**
 * A node-pty PTY as a PtyProcess. Its methods are the class's, not closures made per terminal, and
 * what only some terminals need (a second listener, the input ledger) is made when first needed:
 * an idle terminal costs the host as little memory as it can (issue 19).
 */
class NodePtyProcess implements PtyProcess {
  readonly pid: number;
  /** Made on the first input that carries an origin. */
  private ledger: InputLedger | null = null;
  private dataListeners: ((data: Buffer) => void)[] | null = null;

  constructor(private readonly pty: nodePty.IPty) {
    this.pid = pty.pid;
    // With `encoding: null` node-pty emits Buffers although its types say string.
    pty.onData(((data: Buffer) => this.deliver(data)) as unknown as (data: string) => void);
    drainBeforeDestroy(pty, (data) => this.deliver(data));
  }

  private deliver(data: Buffer): void {
    const listeners = this.dataListeners;
    if (listeners) for (const listener of listeners) listener(data);
  }

  onData(listener: (data: Buffer) => void): void {
    if (this.dataListeners) this.dataListeners.push(listener);
    else this.dataListeners = [listener];
  }

  onExit(listener: (exit: { exitCode: number; signal: number | null }) => void): void {
    this.pty.onExit(({ exitCode, signal: sig }) => listener({ exitCode, signal: sig ?? null }));
  }

  write(data: string | Buffer, origin?: InputOrigin): boolean {
    if (origin && !(this.ledger ??= new InputLedger()).accept(origin)) return false;
    writeNow(this.pty, data);
    return true;
  }

  resize(cols: number, rows: number): void {
    this.pty.resize(cols, rows);
  }

  pause(): void {
    this.pty.pause();
  }

  resume(): void {
    this.pty.resume();
  }
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
    async spawn(options) {
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
      return new NodePtyProcess(pty);
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
