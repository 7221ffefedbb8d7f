// The terminal protocol (docs/protocol.md) seen from the browser, behind a small interface so that the
// Socket.IO transport can be swapped for a plain WebSocket one with the same events.
import { io, type Socket } from 'socket.io-client';

export interface TerminalSession {
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
  seq: number | null;
  clients: number;
}

export interface ProtocolError {
  code: string;
  message: string;
  details?: unknown;
}

/** Server → client events and their payloads. */
export interface ServerEvents {
  'terminal:ready': { protocolVersion: number; maxInputBytes: number; highWatermarkBytes: number; lowWatermarkBytes: number };
  'terminal:output': { sessionId: string; seq: number; data: ArrayBuffer | Uint8Array };
  'terminal:reset': { sessionId: string; seq: number };
  'terminal:behind': { sessionId: string; seq: number };
  'terminal:resized': { sessionId: string; cols: number; rows: number };
  'terminal:exit': { sessionId: string; exitCode: number | null; signal: number | null; reason: string; seq: number };
  'terminal:updated': { session: TerminalSession };
  'terminal:error': { event: string; sessionId?: string; error: ProtocolError };
}

/** Client → server requests (acknowledged) and what a successful acknowledgement carries. */
export interface Requests {
  'terminal:create': { payload: { workspaceId?: string | null; cols?: number; rows?: number; name?: string }; result: { session: TerminalSession } };
  'terminal:attach': {
    payload: { sessionId: string; lastSeq?: number | null; cols?: number; rows?: number };
    result: { session: TerminalSession; from: number; reset: boolean; seq: number | null };
  };
  'terminal:detach': { payload: { sessionId: string }; result: object };
  'terminal:kill': { payload: { sessionId: string }; result: { session: TerminalSession } };
  'terminal:rename': { payload: { sessionId: string; name: string | null }; result: { session: TerminalSession } };
  'terminal:list': { payload: { workspaceId?: string; status?: 'active' | 'terminated' }; result: { sessions: TerminalSession[] } };
}

/** Client → server messages sent without waiting for an answer. */
export interface Notices {
  'terminal:input': { sessionId: string; data: string };
  'terminal:resize': { sessionId: string; cols: number; rows: number };
  'terminal:ack': { sessionId: string; seq: number };
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

export type Answer<T> = ({ ok: true } & T) | { ok: false; error: ProtocolError };

export interface TerminalTransport {
  readonly state: ConnectionState;
  on<E extends keyof ServerEvents>(event: E, handler: (payload: ServerEvents[E]) => void): () => void;
  /** Fires on every (re)connection, after the server said `terminal:ready`: re-attach here. */
  onReady(handler: () => void): () => void;
  onState(handler: (state: ConnectionState) => void): () => void;
  request<E extends keyof Requests>(event: E, payload: Requests[E]['payload']): Promise<Answer<Requests[E]['result']>>;
  /** Sends when connected; returns false (and sends nothing) while the connection is down. */
  notify<E extends keyof Notices>(event: E, payload: Notices[E]): boolean;
  /** Tries to connect now (after the automatic attempts gave up, or when the browser is back online). */
  reconnect(): void;
  close(): void;
}

export const PROTOCOL_VERSION = 1;
const REQUEST_TIMEOUT_MS = 15_000;

/** Socket.IO on the /terminals namespace, WebSocket only; reconnects by itself, with a bounded backoff. */
export function createSocketIoTransport(baseUrl: string = window.location.origin): TerminalTransport {
  const socket: Socket = io(`${baseUrl}/terminals`, {
    path: '/socket.io',
    transports: ['websocket'],
    withCredentials: true,
    reconnectionDelay: 300,
    reconnectionDelayMax: 5_000,
    // Bounded (about ten minutes); then the screen offers "Reconnect", and coming back online retries.
    reconnectionAttempts: 120,
  });
  let state: ConnectionState = 'connecting';
  let closed = false;
  const stateHandlers = new Set<(state: ConnectionState) => void>();
  const readyHandlers = new Set<() => void>();
  const setState = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    for (const handler of stateHandlers) handler(next);
  };

  socket.on('terminal:ready', (info: ServerEvents['terminal:ready']) => {
    if (info.protocolVersion !== PROTOCOL_VERSION) {
      // A client that does not know the version must not go on (docs/protocol.md).
      closed = true;
      socket.disconnect();
      setState('offline');
      return;
    }
    setState('connected');
    for (const handler of readyHandlers) handler();
  });
  socket.on('disconnect', (reason) => {
    if (closed) return;
    setState('reconnecting');
    // A disconnect decided by the server is not retried by socket.io-client itself.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', () => {
    if (!closed) setState(socket.active ? 'reconnecting' : 'offline');
  });
  socket.io.on('reconnect_failed', () => setState('offline'));
  /** Connects now, skipping whatever is left of the reconnection backoff. */
  const reconnectNow = () => {
    if (closed || socket.connected) return;
    setState('connecting');
    socket.disconnect();
    socket.connect();
  };
  const onOnline = () => reconnectNow();
  window.addEventListener('online', onOnline);

  return {
    get state() {
      return state;
    },
    on(event, handler) {
      const listener = handler as (payload: unknown) => void;
      socket.on(event as string, listener);
      return () => socket.off(event as string, listener);
    },
    onReady(handler) {
      readyHandlers.add(handler);
      return () => readyHandlers.delete(handler);
    },
    onState(handler) {
      stateHandlers.add(handler);
      return () => stateHandlers.delete(handler);
    },
    async request(event, payload) {
      try {
        return await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, payload);
      } catch {
        return { ok: false, error: { code: 'timeout', message: 'The server did not answer in time; check the connection indicator and try again.' } };
      }
    },
    notify(event, payload) {
      // Socket.IO would buffer it and send it before the re-attach, where the server refuses it as
      // not attached: the terminal view keeps input until it is attached again instead.
      if (!socket.connected) return false;
      socket.emit(event, payload);
      return true;
    },
    reconnect: reconnectNow,
    close() {
      closed = true;
      window.removeEventListener('online', onOnline);
      socket.disconnect();
      stateHandlers.clear();
      readyHandlers.clear();
    },
  };
}
