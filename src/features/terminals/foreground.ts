// What a running terminal is doing, read from /proc (issue 19, "After a reboot"): the shell's current
// directory, the command in the foreground, and — for agent CLIs whose conversation can be resumed —
// the conversation id their own session file names. Parsing is pure (unit-tested with fixture text);
// `readForeground` does the few reads. Nothing here reads a process's environment, and nothing
// read here is logged: command lines can carry tokens.
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';

/** Command lines are stored at most this long (they are for showing, never for running again). */
export const MAX_COMMAND_CHARS = 1000;

export type AgentKind = 'claude' | 'codex';

export interface AgentSession {
  agent: AgentKind;
  id: string;
}

export interface ForegroundState {
  /** The shell's current directory; null when it cannot be read. */
  cwd: string | null;
  /** The foreground command line when a program runs in front of the shell; null at the prompt or unknown. */
  command: string | null;
  /** An agent CLI in the foreground, with its conversation id when its session file or command line names one. */
  agent: AgentKind | null;
  agentSessionId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_TEXT = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Claude Code's transcript: <config dir>/projects/<the directory, munged>/<session id>.jsonl. */
const CLAUDE_SESSION_FILE = new RegExp(`/projects/[^/]+/(${UUID_TEXT})\\.jsonl$`, 'i');
/** Codex's rollout: <CODEX_HOME>/sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl. */
const CODEX_SESSION_FILE = new RegExp(`/sessions/\\d{4}/\\d{2}/\\d{2}/rollout-[^/]*-(${UUID_TEXT})\\.jsonl$`, 'i');
/** Interpreters an agent's launcher runs under (`node /usr/local/bin/claude`, a wrapper script). */
const INTERPRETERS = new Set(['node', 'nodejs', 'bun', 'deno', 'sh', 'bash', 'dash', 'zsh']);
/** How many open files of one process are looked at, at most. */
const MAX_FDS = 256;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses, so
 * the text is split after its last `)`). Returns the process group, session and the terminal's
 * foreground process group (`tpgid`, field 8; -1 without a terminal); null for text that is not a stat line.
 */
export function parseStat(text: string): { pgrp: number; session: number; tpgid: number } | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state): pgrp is field 5, session 6, tpgid 8.
  const pgrp = Number(fields[2]);
  const session = Number(fields[3]);
  const tpgid = Number(fields[5]);
  if (!Number.isInteger(pgrp) || !Number.isInteger(session) || !Number.isInteger(tpgid)) return null;
  return { pgrp, session, tpgid };
}

/** /proc/<pid>/cmdline: arguments separated (and ended) by NUL. */
export function parseCmdline(raw: Buffer | string): string[] {
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  const args = text.split('\0');
  if (args.length > 0 && args[args.length - 1] === '') args.pop();
  return args;
}

const SAFE_ARG = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Arguments as a shell would read them back (quoted where needed), cut to MAX_COMMAND_CHARS. */
export function formatCommandLine(args: readonly string[]): string | null {
  if (args.length === 0) return null;
  // Control characters (a pasted escape sequence) are never stored: shown as `?`.
  const quote = (arg: string) => (SAFE_ARG.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  const line = args.map(quote).join(' ');
  return line.length > MAX_COMMAND_CHARS ? `${line.slice(0, MAX_COMMAND_CHARS - 1)}…` : line;
}

/** Which agent CLI runs, from its arguments: `claude …`, `node …/claude …`, `node …/@openai/codex/bin/codex.js …`. */
export function detectAgent(args: readonly string[]): { agent: AgentKind; rest: string[] } | null {
  const name = (arg: string | undefined) => (arg === undefined ? '' : path.basename(arg));
  const kind = (arg: string | undefined): AgentKind | null => {
    const base = name(arg);
    if (base === 'claude' || (arg ?? '').endsWith('/@anthropic-ai/claude-code/cli.js')) return 'claude';
    if (base === 'codex' || (arg ?? '').endsWith('/@openai/codex/bin/codex.js')) return 'codex';
    return null;
  };
  const direct = kind(args[0]);
  if (direct) return { agent: direct, rest: args.slice(1) };
  if (INTERPRETERS.has(name(args[0]))) {
    // The script is the first argument that is not an interpreter option (`node --no-warnings cli.js`).
    const index = args.findIndex((arg, i) => i > 0 && !arg.startsWith('-'));
    const script = index > 0 ? kind(args[index]) : null;
    if (script) return { agent: script, rest: args.slice(index + 1) };
  }
  return null;
}

/**
 * The conversation id an agent was started with, when its command line names one:
 * `claude --resume <id>` (`-r`, `--resume=<id>`, `--session-id <id>`), `codex resume <id>`.
 * `--continue` and `resume --last` name none: those are left to the session file.
 */
export function sessionIdFromArgs(agent: AgentKind, rest: readonly string[]): string | null {
  if (agent === 'claude') {
    for (let i = 0; i < rest.length; i++) {
      const arg = rest[i]!;
      const inline = /^--(?:resume|session-id)=(.+)$/.exec(arg);
      if (inline && isUuid(inline[1]!)) return inline[1]!.toLowerCase();
      if ((arg === '--resume' || arg === '-r' || arg === '--session-id') && rest[i + 1] && isUuid(rest[i + 1]!)) return rest[i + 1]!.toLowerCase();
    }
    return null;
  }
  const resume = rest.indexOf('resume');
  if (resume < 0) return null;
  const id = rest.slice(resume + 1).find((arg) => !arg.startsWith('-'));
  return id && isUuid(id) ? id.toLowerCase() : null;
}

/** The conversation id in the path of a session file the agent holds open, or null. */
export function sessionIdFromOpenFile(agent: AgentKind, file: string): string | null {
  const match = (agent === 'claude' ? CLAUDE_SESSION_FILE : CODEX_SESSION_FILE).exec(file);
  return match ? match[1]!.toLowerCase() : null;
}

/** The command line that resumes a conversation, typed into a new shell (the id is a UUID: nothing to quote). */
export function resumeCommand(session: AgentSession): string {
  if (!isUuid(session.id)) throw new Error('not a conversation id');
  return session.agent === 'claude' ? `claude --resume ${session.id}` : `codex resume ${session.id}`;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** Session ids named by the files `pid` holds open (read through /proc/<pid>/fd; the first one found). */
async function sessionIdFromFds(procRoot: string, pid: number, agent: AgentKind): Promise<string | null> {
  let fds: string[];
  try {
    fds = (await readdir(`${procRoot}/${pid}/fd`)).slice(0, MAX_FDS);
  } catch {
    return null;
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = await readlink(`${procRoot}/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const id = sessionIdFromOpenFile(agent, target);
    if (id) return id;
  }
  return null;
}

/** Children of a process (Linux's /proc/<pid>/task/<pid>/children): Codex's launcher runs its native binary as one. */
async function childPids(procRoot: string, pid: number): Promise<number[]> {
  const text = await readText(`${procRoot}/${pid}/task/${pid}/children`);
  return text ? text.trim().split(/\s+/).filter(Boolean).map(Number).filter(Number.isInteger).slice(0, 8) : [];
}

/**
 * What the terminal whose shell is `shellPid` runs now: a few small reads of /proc (readlink of the
 * cwd, the shell's stat; when a program is in front, its cmdline; for an agent, its open files and
 * its children's). Never throws: what cannot be read is null (the shell ended, another user's process).
 */
export async function readForeground(shellPid: number, procRoot = '/proc'): Promise<ForegroundState> {
  const state: ForegroundState = { cwd: null, command: null, agent: null, agentSessionId: null };
  try {
    state.cwd = await readlink(`${procRoot}/${shellPid}/cwd`);
  } catch {
    return state;
  }
  const stat = await readText(`${procRoot}/${shellPid}/stat`);
  const parsed = stat ? parseStat(stat) : null;
  // tpgid is the foreground job's process group: its leader's pid. The shell's own group means the prompt.
  if (!parsed || parsed.tpgid <= 0 || parsed.tpgid === parsed.pgrp) return state;
  const leader = parsed.tpgid;
  let cmdline: Buffer;
  try {
    cmdline = await readFile(`${procRoot}/${leader}/cmdline`);
  } catch {
    return state;
  }
  const args = parseCmdline(cmdline);
  state.command = formatCommandLine(args);
  const agent = detectAgent(args);
  if (!agent) return state;
  state.agent = agent.agent;
  // The session file the agent holds open names the conversation as it is now; the command line
  // only what it was started with.
  state.agentSessionId = await sessionIdFromFds(procRoot, leader, agent.agent);
  if (!state.agentSessionId) {
    for (const child of await childPids(procRoot, leader)) {
      state.agentSessionId = await sessionIdFromFds(procRoot, child, agent.agent);
      if (state.agentSessionId) break;
    }
  }
  state.agentSessionId ??= sessionIdFromArgs(agent.agent, agent.rest);
  return state;
}

/** The read system calls by architecture (/proc/<pid>/syscall gives the number): read, readv, pread64, preadv. */
const READ_SYSCALLS: Partial<Record<NodeJS.Architecture, ReadonlySet<number>>> = {
  x64: new Set([0, 19, 17, 295]),
  arm64: new Set([63, 65, 67, 69]),
};

/**
 * The file descriptor a process is blocked reading, from the text of /proc/<pid>/syscall
 * ("<number> <arg1> …" while in a system call; "running" or "-1 …" otherwise); null when it is not
 * in a read, or on an architecture whose numbers are not known here.
 */
export function parseBlockedRead(text: string, arch: NodeJS.Architecture = process.arch): number | null {
  const [number, fd] = text.trim().split(/\s+/);
  const reads = READ_SYSCALLS[arch];
  if (!reads || number === undefined || fd === undefined || !/^\d+$/.test(number) || !reads.has(Number(number))) return null;
  const value = Number.parseInt(fd, 16);
  return Number.isInteger(value) && value >= 0 ? value : null;
}

/**
 * Whether the foreground of the shell `shellPid` is blocked reading its terminal (a prompt: `read`,
 * `input()`, a password question on /dev/tty): the foreground group's leader is in a read system
 * call on the shell's own terminal. The leader may be the shell itself, at its prompt or in the
 * `read` builtin: only the caller knows that a command runs. Programs that wait in poll/epoll (most
 * full-screen ones, Node agents) are not seen here; their hooks say when they wait.
 */
export async function isWaitingForTerminalRead(shellPid: number, procRoot = '/proc'): Promise<boolean> {
  const stat = await readText(`${procRoot}/${shellPid}/stat`);
  const parsed = stat ? parseStat(stat) : null;
  if (!parsed || parsed.tpgid <= 0) return false;
  const syscall = await readText(`${procRoot}/${parsed.tpgid}/syscall`);
  const fd = syscall ? parseBlockedRead(syscall) : null;
  if (fd === null) return false;
  const [terminal, read] = await Promise.all([
    readlink(`${procRoot}/${shellPid}/fd/0`).catch(() => null),
    readlink(`${procRoot}/${parsed.tpgid}/fd/${fd}`).catch(() => null),
  ]);
  return read !== null && (read === '/dev/tty' || (terminal !== null && read === terminal));
}
