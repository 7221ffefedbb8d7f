// The terminal protocol's fixed values (docs/protocol.md), shared by the server and the web app:
// this module imports nothing, so the browser bundle can take it as it is.

/** Sent in `terminal:ready`, bumped on any incompatible change; a client that does not know it must not go on. */
export const PROTOCOL_VERSION = 1;
/** The plain WebSocket route (docs/protocol.md, "Plain WebSocket"). */
export const TERMINALS_WS_PATH = '/ws/terminals';
/** First byte of a binary frame from the server: terminal output. */
export const FRAME_OUTPUT = 1;
/** Close code of a plain WebSocket whose sign-in ended: reconnecting cannot help. */
export const CLOSE_SIGNED_OUT = 4001;
