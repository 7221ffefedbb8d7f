// One attempt of an agent run, as a terminal of its own (docs/runs.md, "Runs outlive the server"): the
// agent is a program in a PTY, of the terminal host when there is one, so that a restart or an upgrade of
// the server leaves it running exactly like a shell. Its output — the agent's JSON lines — is the
// terminal's output, stored and numbered like any terminal's; the attempt reads it from an offset, line
// by line, so that the next server goes on where the last one stopped reading. Cancelling, the deadline
// and the output bound kill the agent and every process that carries the run's marker (Claude Code
// starts its Bash tool's shells in sessions of their own, outside the terminal's session).
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { TerminalInfo } from '../../shared/terminals.js';
import type { ProgramSpec } from '../terminals/manager.js';

export interface AgentCommand {
  /**
   * `NAME=value` put in the agent's environment and looked for in /proc/<pid>/environ when killing:
   * processes the agent starts in sessions of their own are not in the terminal's session.
   */
  marker: string;
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface AttemptLimits {
  /** Killed this long after the attempt started (the terminal's creation, also for a resumed attempt). */
  maxDurationMs: number;
  /** Output beyond this many bytes: killed. */
  maxOutputBytes: number;
  /** A line longer than this is cut (the rest up to its newline is dropped). */
  maxLineBytes?: number;
}

export interface AttemptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why Shellport killed it, if it did. */
  killedFor: 'cancel' | 'deadline' | 'output' | null;
  /** The end of what it printed that is not one of its JSON lines (its errors; at most 8 KiB). */
  stderrTail: string;
  /** Set when it could not be started at all (not found, not executable). */
  spawnError: string | null;
  /** The server let go of it (shutting down, with a terminal host keeping it running): no outcome yet. */
  detached?: boolean;
}

export interface RunningAttempt {
  /** The agent's pid, the leader of the terminal's process session and group. */
  readonly pid: number | undefined;
  /** The terminal it runs in. */
  readonly terminalId: string | null;
  /** Kills the agent and everything with the run's marker; `exited` settles once its end is read. */
  kill(reason: 'cancel' | 'deadline' | 'output'): void;
  /** Stops reading without killing (the server is going away; the terminal host keeps the agent). */
  detach(): void;
  readonly exited: Promise<AttemptExit>;
}

/** What an attempt needs of the terminals feature (its manager). */
export interface RunTerminals {
  startProgram(spec: ProgramSpec): Promise<TerminalInfo>;
  get(id: string): Promise<TerminalInfo>;
  readOutput(id: string, since: number, maxBytes: number): Promise<{ start: number; data: Buffer; seq: number; status: TerminalInfo['status'] }>;
  kill(id: string, reason?: string): Promise<TerminalInfo>;
  onChange(listener: (terminal: TerminalInfo) => void): () => void;
  /** Deletes a deleted run's ended terminals and their output. */
  deleteRunTerminals(runId: string): Promise<number>;
}

export interface LineHandler {
  /**
   * One line of output (without its line ending), in order; `end` is the offset just after it.
   * `seenBefore`: the line ends at or before the offset an earlier server had read (its events are stored).
   */
  (line: string, end: number, seenBefore: boolean): void;
}

const STDERR_TAIL = 8 * 1024;
const DEFAULT_MAX_LINE = 1024 * 1024;
const READ_BYTES = 256 * 1024;
/** How often a running attempt's terminal is read: soon after output, then less often while it is quiet. */
const POLL_MS = 150;
const QUIET_POLL_MS = 1000;
/** While quiet, every this many reads the terminal's state is asked too (its end is normally announced). */
const STATE_CHECK_EVERY = 5;
/** The agent's terminal: wide, so that nothing it prints for people wraps oddly when opened. */
export const RUN_TERMINAL_SIZE = { cols: 160, rows: 48 };

const signal = (target: number) => {
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Gone already.
  }
};

/** Processes whose environment holds `marker` (Linux /proc; elsewhere none are found). */
export function processesWithMarker(marker: string): number[] {
  const found: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  const needle = Buffer.from(`\0${marker}\0`);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from('\0'), readFileSync(`/proc/${entry}/environ`), Buffer.from('\0')]);
      if (environ.includes(needle)) found.push(Number(entry));
    } catch {
      // Exited meanwhile, or not ours to read.
    }
  }
  return found;
}

/** Kills every process that carries `marker`, and their groups. */
function killMarked(marker: string): void {
  for (const pid of processesWithMarker(marker)) {
    signal(-pid);
    signal(pid);
  }
}

/** Why `executable` cannot be started with `PATH`, or null when it can. */
export async function whyNotExecutable(executable: string, searchPath: string): Promise<string | null> {
  const candidates = executable.includes('/') ? [executable] : searchPath.split(':').filter(Boolean).map((dir) => path.join(dir, executable));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return null;
    } catch {
      // Not this one.
    }
  }
  return executable.includes('/') ? `ENOENT: ${executable} does not exist or is not executable` : `ENOENT: ${executable} is not on PATH (${searchPath})`;
}

/**
 * `text` without terminal control sequences (CSI, OSC, DCS and other ESC sequences) and control characters
 * other than tab. A JSON line keeps its content: JSON never holds a raw ESC or control character.
 */
export function withoutTerminalControls(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?/g, '')
    .replace(/\x1bP[^\x1b]*(?:\x1b\\)?/g, '')
    .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\x1b[ -/]*[0-~]/g, '')
    .replace(/[\x00-\x08\x0a-\x1f\x7f]/g, '');
}

/**
 * Splits a terminal's output into lines by byte offset: a PTY ends lines with "\r\n"; a line longer than
 * `maxLine` bytes is cut there and the rest of it dropped. Lines that are not JSON are kept as the tail
 * of what the agent said on stderr (it shares the terminal with stdout).
 */
export class LineReader {
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private skipping = false;
  private readonly decoder = new StringDecoder('utf8');
  stderrTail = '';

  constructor(
    private readonly maxLine: number,
    private readonly emit: (line: string, end: number) => void,
  ) {}

  /** Output from offset `start`; a `start` later than where the last call ended means bytes were lost. */
  push(start: number, data: Buffer, expected: number): void {
    if (start > expected) {
      // Older output was trimmed before it was read: what was pending is incomplete.
      this.partial = [];
      this.partialBytes = 0;
      this.skipping = true;
    }
    let from = 0;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, from)) {
      const piece = data.subarray(from, newline);
      if (this.skipping) this.skipping = false;
      else this.line(Buffer.concat([...this.partial, piece]), start + newline + 1);
      this.partial = [];
      this.partialBytes = 0;
      from = newline + 1;
    }
    if (from < data.length && !this.skipping) {
      const rest = data.subarray(from);
      this.partial.push(Buffer.from(rest));
      this.partialBytes += rest.length;
      if (this.partialBytes > this.maxLine) {
        this.line(Buffer.concat(this.partial), start + data.length);
        this.partial = [];
        this.partialBytes = 0;
        this.skipping = true;
      }
    }
  }

  /** The last line, if it had no line ending. */
  end(offset: number): void {
    if (this.partialBytes > 0 && !this.skipping) this.line(Buffer.concat(this.partial), offset);
    this.partial = [];
    this.partialBytes = 0;
  }

  private line(bytes: Buffer, end: number): void {
    const cut = bytes.length > this.maxLine ? bytes.subarray(0, this.maxLine) : bytes;
    const text = withoutTerminalControls(this.decoder.write(cut) + this.decoder.end());
    // What a program sends its terminal (modes set and reset at exit, a title) is not part of what it says.
    if (text.trim() === '') return;
    if (!text.trimStart().startsWith('{')) this.stderrTail = `${this.stderrTail}${text}\n`.slice(-STDERR_TAIL);
    this.emit(text, end);
  }
}

/**
 * Starts `command` as a terminal of the workspace for run `runId` and follows it; or, with `resume`, follows
 * the terminal an earlier server started (reading again from its first byte so that the agent's reader
 * knows everything said, with the lines before `resume.readUpTo` marked as seen).
 */
export async function startAttempt(
  terminals: RunTerminals,
  run: { id: string; workspaceId: string; name: string },
  command: AgentCommand,
  limits: AttemptLimits,
  onLine: LineHandler,
  resume?: { terminalId: string; readUpTo: number },
): Promise<RunningAttempt> {
  const failed = (spawnError: string): RunningAttempt => ({
    pid: undefined,
    terminalId: null,
    kill: () => {},
    detach: () => {},
    exited: Promise.resolve({ code: null, signal: null, killedFor: null, stderrTail: '', spawnError }),
  });
  let terminal: TerminalInfo;
  if (resume) {
    terminal = await terminals.get(resume.terminalId);
  } else {
    const why = await whyNotExecutable(command.executable, command.env.PATH ?? '');
    if (why) return failed(why);
    const [markerName = '', ...markerValue] = command.marker.split('=');
    try {
      terminal = await terminals.startProgram({
        workspaceId: run.workspaceId,
        runId: run.id,
        name: run.name,
        file: command.executable,
        args: command.args,
        cwd: command.cwd,
        env: { ...command.env, [markerName]: markerValue.join('=') },
        ...RUN_TERMINAL_SIZE,
      });
    } catch (error) {
      return failed((error as Error).message);
    }
  }
  // A resumed attempt's deadline counts from its terminal's start; a new one's from now.
  const startedAt = resume ? Date.parse(terminal.createdAt) : Date.now();
  return follow(terminals, terminal, command.marker, limits, onLine, resume?.readUpTo ?? 0, startedAt);
}

function follow(terminals: RunTerminals, terminal: TerminalInfo, marker: string, limits: AttemptLimits, onLine: LineHandler, readUpTo: number, startedAt: number): RunningAttempt {
  const id = terminal.id;
  let killedFor: AttemptExit['killedFor'] = null;
  let detached = false;
  let ended = terminal.status === 'terminated';
  let wake: (() => void) | null = null;
  const nudge = () => {
    wake?.();
    wake = null;
  };
  const unsubscribe = terminals.onChange((changed) => {
    if (changed.id === id && changed.status === 'terminated') {
      ended = true;
      nudge();
    }
  });
  const kill = (reason: 'cancel' | 'deadline' | 'output') => {
    killMarked(marker);
    if (ended) return;
    killedFor ??= reason;
    void terminals.kill(id, `run-${reason}`).catch(() => undefined);
  };
  const deadline = setTimeout(() => kill('deadline'), Math.max(0, startedAt + limits.maxDurationMs - Date.now()));
  deadline.unref();

  let offset = 0;
  const reader = new LineReader(limits.maxLineBytes ?? DEFAULT_MAX_LINE, (line, end) => onLine(line, end, end <= readUpTo));
  const exited = (async (): Promise<AttemptExit> => {
    let quietReads = 0;
    try {
      for (;;) {
        if (detached) return { code: null, signal: null, killedFor, stderrTail: reader.stderrTail.trim(), spawnError: null, detached: true };
        const wasEnded = ended;
        const range = await terminals.readOutput(id, offset, READ_BYTES).catch(() => null);
        // The terminal's record is gone (its workspace was deleted): nothing more to read.
        if (!range) break;
        if (range.data.length > 0) {
          reader.push(range.start, range.data, offset);
          offset = range.start + range.data.length;
          if (offset > limits.maxOutputBytes) kill('output');
          quietReads = 0;
          continue;
        }
        // Everything read, and the end (which comes after the last output) was known before the read.
        if (wasEnded && offset >= range.seq) break;
        quietReads += 1;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(nudge, Math.min(QUIET_POLL_MS, POLL_MS * quietReads)).unref();
        });
        if (!ended && quietReads % STATE_CHECK_EVERY === 0) ended = (await terminals.get(id).catch(() => null))?.status !== 'active';
      }
      reader.end(offset);
      const code = (await terminals.get(id).catch(() => null))?.exitCode ?? null;
      return { code, signal: null, killedFor, stderrTail: reader.stderrTail.trim(), spawnError: null };
    } finally {
      clearTimeout(deadline);
      unsubscribe();
      // Tools the agent left running (a background server) go with it — unless the server only let go.
      if (!detached) killMarked(marker);
    }
  })();
  return {
    pid: terminal.pid ?? undefined,
    terminalId: id,
    kill,
    detach: () => {
      detached = true;
      nudge();
    },
    exited,
  };
}
