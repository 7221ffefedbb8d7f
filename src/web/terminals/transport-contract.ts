// The browser's view of a terminal transport, without a DOM: what the stream client (stream-client.ts)
// and the screen use, and what transport.ts implements over a plain WebSocket.
import type { Notices, ProtocolError, Requests, ServerEvents as ServerEventsOf } from '../../shared/terminals.js';

export type { Notices, Requests };
/** Server → client events as the browser receives them: output bytes arrive as an ArrayBuffer or a view. */
export type ServerEvents = ServerEventsOf<ArrayBuffer | Uint8Array>;

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export type Answer<T> = ({ ok: true } & T) | { ok: false; error: ProtocolError };

export interface TerminalTransport {
  readonly state: ConnectionState;
  /** While reconnecting: when the next automatic attempt starts (ms since the epoch); null while none waits. Not every transport knows. */
  readonly nextAttemptAt?: number | null;
  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void;
  /** Fires on every (re)connection, after the server said `terminal:ready`: re-attach here. */
  onReady(handler: () => void): () => void;
  onState(handler: (state: ConnectionState) => void): () => void;
  request<E extends keyof Requests>(event: E, payload: Requests[E]['payload']): Promise<Answer<Requests[E]['result']>>;
  /** Sends when connected; returns false (and sends nothing) while the connection is down. */
  notify<E extends keyof Notices>(event: E, payload: Notices[E]): boolean;
  /** Tries to connect now (after the automatic attempts gave up, to skip the wait before the next one, or when the browser is back online). */
  reconnect(): void;
  close(): void;
}
