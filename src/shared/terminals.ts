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
}

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
  /** From offset `seq` on, this client is (or is no longer) the one that answers the program's queries. */
  'terminal:answering': { sessionId: string; answering: boolean; seq: number };
  'terminal:error': { event: string; sessionId?: string; error: ProtocolError };
}

/** Client → server requests (acknowledged) and what a successful acknowledgement carries. */
export interface Requests {
  'terminal:create': { payload: { workspaceId?: string | null; cols?: number; rows?: number; name?: string }; result: { session: TerminalInfo } };
  'terminal:attach': {
    payload: { sessionId: string; lastSeq?: number | null; cols?: number; rows?: number };
    result: { session: TerminalInfo; from: number; reset: boolean; seq: number | null };
  };
  'terminal:detach': { payload: { sessionId: string }; result: object };
  'terminal:kill': { payload: { sessionId: string }; result: { session: TerminalInfo } };
  'terminal:rename': { payload: { sessionId: string; name: string | null }; result: { session: TerminalInfo } };
  'terminal:list': { payload: { workspaceId?: string; status?: 'active' | 'terminated' }; result: { sessions: TerminalInfo[] } };
}

/** Client → server messages sent without waiting for an answer. */
export interface Notices {
  'terminal:input': { sessionId: string; data: string };
  'terminal:resize': { sessionId: string; cols: number; rows: number };
  'terminal:ack': { sessionId: string; seq: number };
}
