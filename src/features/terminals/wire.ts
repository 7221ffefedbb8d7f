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
