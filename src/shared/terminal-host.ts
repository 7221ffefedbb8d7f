// The terminal host as the API shows it (GET /api/terminal-host, POST /api/terminal-host/restart;
// docs/terminal-host.md, "Restarting the host on purpose"). Shared by the server and the web app.

/** TERMINAL_HOST: who starts the host (docs/terminal-host.md, "Modes"). */
export type TerminalHostMode = 'auto' | 'service' | 'in-process';

/**
 * Where the host stands, for this server:
 * - `connected`: the server drives a running host;
 * - `not-running`: none runs (auto: the next terminal starts one);
 * - `unreachable`: none answers, and TERMINAL_HOST=service expects one;
 * - `refused`: a host runs but this server cannot use it (another protocol): restart it;
 * - `in-process`: no host; the terminals live in the server (restarting a host does not apply).
 */
export type TerminalHostState = 'connected' | 'not-running' | 'unreachable' | 'refused' | 'in-process';

/** The endReason of the terminals a restart of the host ended. */
export const HOST_RESTARTED_REASON = 'host-restarted';

/** A running terminal, as listed by the terminal host routes (the ones a restart ends). */
export interface TerminalHostTerminal {
  id: string;
  name: string | null;
  workspaceId: string | null;
  /** Null for a terminal outside any workspace (or one whose workspace is gone). */
  workspaceName: string | null;
  /** The shell's process id. */
  pid: number | null;
  /** ISO time the terminal was opened. */
  startedAt: string;
}

export interface TerminalHostView {
  mode: TerminalHostMode;
  state: TerminalHostState;
  /** Whether POST /api/terminal-host/restart applies (a host runs, or may: not in-process). */
  isRestartable: boolean;
  connected: boolean;
  pid: number | null;
  /** The host's Shellport version (package.json), as it said when the server connected. */
  version: string | null;
  /** The host protocol it speaks. */
  protocol: number | null;
  /** ISO time the host started. */
  startedAt: string | null;
  /** Why the server cannot use the host, with what to do; null when nothing is wrong. */
  problem: string | null;
  /** The state in one sentence. */
  message: string;
  /** The running terminals: the ones a restart would end. */
  terminals: TerminalHostTerminal[];
}

/** POST /api/terminal-host/restart: `confirm` is the number of running terminals the owner was shown. */
export interface RestartTerminalHostBody {
  confirm: number;
}

export interface RestartTerminalHostResult {
  /** The terminals the restart ended (their output stays readable). */
  ended: TerminalHostTerminal[];
  /** The pid of the host that was stopped; null when none was running. */
  previousPid: number | null;
  /** What happened, in one sentence. */
  message: string;
}

/** The 409 answer's `details` when the running terminals changed since the owner saw them. */
export interface TerminalHostChangedDetails {
  confirmed: number;
  running: number;
  terminals: TerminalHostTerminal[];
}
