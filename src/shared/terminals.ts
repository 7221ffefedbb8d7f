// The terminal protocol's fixed values and shapes (docs/protocol.md), shared by the server and the
// web app: this module imports nothing, so the browser bundle can take it as it is.

/** Sent in `terminal:ready`, bumped on any incompatible change; a client that does not know it must not go on. */
export const PROTOCOL_VERSION = 1;
/** The plain WebSocket route (docs/protocol.md, "Plain WebSocket"). */
export const TERMINALS_WS_PATH = '/ws/terminals';
/** First byte of a binary frame from the server: terminal output. */
export const FRAME_OUTPUT = 1;
/** Close code of a plain WebSocket whose sign-in ended: reconnecting cannot help. */
export const CLOSE_SIGNED_OUT = 4001;

/** What clients see of a terminal (HTTP and socket). */
export interface TerminalInfo {
  id: string;
  workspaceId: string | null;
  name: string | null;
  shell: string;
  pid: number | null;
  status: 'active' | 'terminated';
  cwd: string;
  cols: number;
  rows: number;
  createdAt: string;
  lastActivityAt: string;
  endedAt: string | null;
  exitCode: number | null;
  endReason: string | null;
  /** Offset just after the newest output byte; null for an ended terminal not in memory. */
  seq: number | null;
  /** Clients attached right now. */
  clients: number;
  /**
   * What the terminal was last seen running (every 30 s, issue 19): the shell's directory and the
   * foreground command line (at most 1000 characters; null at the prompt); null when never seen.
   */
  lastCwd?: string | null;
  lastCommand?: string | null;
  /** An agent conversation recorded while the agent ran, which `terminal:create { restartOf, resume: true }` resumes. */
  agentSession?: AgentSessionInfo | null;
  /** The terminal started again in place of this ended one. */
  restartedAs?: string | null;
  /** What a running terminal is doing (issue 20); absent for an ended terminal. Changes come as `terminal:activity`. */
  activity?: TerminalActivity | null;
  /** The agent run whose attempt runs in this terminal (its output is the agent's JSON lines); null for a shell. */
  runId?: string | null;
}

/**
 * What a running terminal is doing, as far as its output says (issue 20, docs/protocol.md,
 * "Terminal activity"). `working`: a command runs; `waiting`: the program rang the bell or sent a
 * notification (it wants input); `approval`: an agent asks to be allowed something (reserved for
 * agent hooks); `finished`/`failed`: the last command ended with exit code 0 / another code;
 * `idle`: nothing known yet (a shell at its prompt, or one without shell integration).
 */
export type TerminalActivityState = 'idle' | 'working' | 'waiting' | 'approval' | 'finished' | 'failed';

export interface TerminalActivity {
  state: TerminalActivityState;
  /** When the terminal entered `state` (ISO 8601). */
  since: string;
  /** finished/failed: the command's exit code (null when the shell did not say). */
  exitCode?: number | null;
  /** waiting/approval: the notification's text (control characters removed, at most 200 characters). */
  message?: string | null;
  /** The owner is wanted: waiting, approval, or a long command that ended. Typing into the terminal (or `terminal:seen`) clears it. */
  needsYou: boolean;
  /** finished/failed: the command ran at least the long-command threshold. */
  longCommand?: boolean;
}

/** Whether an activity counts as "needs you" (the page title's count, the favicon badge). */
export function needsYou(activity: TerminalActivity | null | undefined): boolean {
  return Boolean(activity?.needsYou);
}

/** An agent CLI's conversation, by the id its own session file names (never guessed). */
export interface AgentSessionInfo {
  agent: 'claude' | 'codex';
  id: string;
}

/** The end reason of terminals that were running when the machine went down. */
export const END_REASON_REBOOT = 'reboot';

/** The error of a refused request (`{ ok: false, error }`) or of a `terminal:error` event. */
export interface ProtocolError {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * Server → client events and their payloads (docs/protocol.md, "Server → client events").
 * `Bytes` is how output arrives: a Buffer on the server, an ArrayBuffer or Uint8Array in a browser.
 */
export interface ServerEvents<Bytes = Uint8Array> {
  'terminal:ready': { protocolVersion: number; maxInputBytes: number; highWatermarkBytes: number; lowWatermarkBytes: number };
  'terminal:output': { sessionId: string; seq: number; data: Bytes };
  'terminal:reset': { sessionId: string; seq: number };
  'terminal:behind': { sessionId: string; seq: number };
  'terminal:resized': { sessionId: string; cols: number; rows: number };
  'terminal:exit': { sessionId: string; exitCode: number | null; signal: number | null; reason: string; seq: number };
  'terminal:updated': { session: TerminalInfo };
  /** A running terminal's activity changed (to every connection, like `terminal:updated`); decided from live output only, never from a replay. */
  'terminal:activity': { sessionId: string; activity: TerminalActivity };
  /** From offset `seq` on, this client is (or is no longer) the one that answers the program's queries. */
  'terminal:answering': { sessionId: string; answering: boolean; seq: number };
  /**
   * Sent on attach instead of a replay to a client that announced `snapshot: true` and is far behind:
   * clear the screen (`term.reset()`) and write `data` (text with escape sequences, never answered);
   * output follows from `seq`. `cols` × `rows` is the size it was laid out for.
   */
  'terminal:snapshot': { sessionId: string; seq: number; cols: number; rows: number; data: string };
  'terminal:error': { event: string; sessionId?: string; error: ProtocolError };
}

/** Client → server requests (acknowledged) and what a successful acknowledgement carries. */
export interface Requests {
  'terminal:create': {
    payload: { workspaceId?: string | null; cols?: number; rows?: number; name?: string; restartOf?: string; resume?: boolean };
    /** `notice`: with restartOf, when the terminal could not start where it was (its directory is gone). */
    result: { session: TerminalInfo; notice?: string };
  };
  'terminal:attach': {
    /** `snapshot: true`: this client takes `terminal:snapshot` instead of a long replay. */
    payload: { sessionId: string; lastSeq?: number | null; cols?: number; rows?: number; snapshot?: boolean };
    /** `snapshot: true`: a `terminal:snapshot` at `from` comes first (and `reset` is true). */
    result: { session: TerminalInfo; from: number; reset: boolean; seq: number | null; snapshot?: boolean };
  };
  'terminal:detach': { payload: { sessionId: string }; result: object };
  'terminal:kill': { payload: { sessionId: string }; result: { session: TerminalInfo } };
  'terminal:rename': { payload: { sessionId: string; name: string | null }; result: { session: TerminalInfo } };
  'terminal:list': { payload: { workspaceId?: string; status?: 'active' | 'terminated' }; result: { sessions: TerminalInfo[] } };
  /** Answered at once with nothing: clients time it to measure the round trip (the web app's local echo, issue 22). */
  'terminal:ping': { payload: Record<string, never>; result: object };
}

/** Client → server messages sent without waiting for an answer. */
export interface Notices {
  /** `device` and `inputId` (together): numbered input runs once even when sent again after a reconnect. */
  'terminal:input': { sessionId: string; data: string; device?: string; inputId?: number };
  'terminal:resize': { sessionId: string; cols: number; rows: number };
  'terminal:ack': { sessionId: string; seq: number };
  /** The owner saw the terminal (its tab shown on a visible page): clears its activity's `needsYou`. */
  'terminal:seen': { sessionId: string };
}
