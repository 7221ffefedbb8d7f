// Starts one attempt of an agent run as a child process and follows it to its end. The child leads a
// process group of its own (detached), so that cancelling, the deadline and shutdown kill the agent
// and every tool it started (a shell, a dev server) at once, with the group's signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface AgentCommand {
  /**
   * `NAME=value` put in the child's environment and looked for in /proc/<pid>/environ when killing:
   * Claude Code starts its Bash tool's shells in sessions of their own (setsid), out of the group.
   */
  marker: string;
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Run as this account (TERMINAL_USER) when set. */
  uid?: number;
  gid?: number;
}

export interface AttemptLimits {
  /** Killed after this long. */
  maxDurationMs: number;
  /** Stdout beyond this many bytes: killed. */
  maxOutputBytes: number;
  /** A line longer than this is cut (the rest up to its newline is dropped). */
  maxLineBytes?: number;
}

export interface AttemptExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why Shellport killed it, if it did. */
  killedFor: 'cancel' | 'deadline' | 'output' | null;
  /** The end of its stderr (at most 8 KiB). */
  stderrTail: string;
  /** Set when it could not be started at all (ENOENT…). */
  spawnError: string | null;
}

export interface RunningAttempt {
  readonly pid: number | undefined;
  /** Kills the whole process group; `exited` settles once the leader has gone. */
  kill(reason: 'cancel' | 'deadline' | 'output'): void;
  readonly exited: Promise<AttemptExit>;
}

const STDERR_TAIL = 8 * 1024;
const DEFAULT_MAX_LINE = 1024 * 1024;

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

/** Kills the child's process group and every process that carries the run's marker, and their groups. */
function killAll(child: ChildProcess, marker: string): void {
  if (child.pid !== undefined) signal(-child.pid);
  for (const pid of processesWithMarker(marker)) {
    signal(-pid);
    signal(pid);
  }
}

/** Starts `command`; `onLine` gets each stdout line (without its newline), in order. */
export function startAttempt(command: AgentCommand, limits: AttemptLimits, onLine: (line: string) => void): RunningAttempt {
  const maxLine = limits.maxLineBytes ?? DEFAULT_MAX_LINE;
  let killedFor: AttemptExit['killedFor'] = null;
  let spawnError: string | null = null;
  let stderrTail = '';
  const [markerName = '', ...markerValue] = command.marker.split('=');
  const child = spawn(command.executable, command.args, {
    cwd: command.cwd,
    env: { ...command.env, [markerName]: markerValue.join('=') },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(command.uid !== undefined ? { uid: command.uid } : {}),
    ...(command.gid !== undefined ? { gid: command.gid } : {}),
  });
  const kill = (reason: 'cancel' | 'deadline' | 'output') => {
    killedFor ??= reason;
    killAll(child, command.marker);
  };
  const deadline = setTimeout(() => kill('deadline'), limits.maxDurationMs);
  deadline.unref();

  let outputBytes = 0;
  let pending = '';
  let skippingRestOfLine = false;
  const decoder = new StringDecoder('utf8');
  child.stdout?.on('data', (chunk: Buffer) => {
    outputBytes += chunk.length;
    if (outputBytes > limits.maxOutputBytes) {
      kill('output');
      return;
    }
    pending += decoder.write(chunk);
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      if (skippingRestOfLine) skippingRestOfLine = false;
      else onLine(line.length > maxLine ? line.slice(0, maxLine) : line);
      newline = pending.indexOf('\n');
    }
    if (pending.length > maxLine) {
      if (!skippingRestOfLine) onLine(pending.slice(0, maxLine));
      skippingRestOfLine = true;
      pending = '';
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });

  const exited = new Promise<AttemptExit>((resolve) => {
    child.once('error', (error) => {
      spawnError = error.message;
      // Never started (ENOENT, EACCES): no 'close' follows.
      if (child.pid === undefined) {
        clearTimeout(deadline);
        resolve({ code: null, signal: null, killedFor, stderrTail: '', spawnError });
      }
    });
    child.once('close', (code, signal) => {
      clearTimeout(deadline);
      const rest = pending + decoder.end();
      if (rest && !skippingRestOfLine) onLine(rest);
      // Tools the agent left running (a background server) go with it.
      killAll(child, command.marker);
      resolve({ code, signal, killedFor, stderrTail: stderrTail.trim(), spawnError });
    });
  });
  return { pid: child.pid, kill, exited };
}
