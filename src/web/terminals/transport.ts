// The terminal protocol (docs/protocol.md) seen from the browser, behind a small interface: the plain
// WebSocket transport here is the app's. (Socket.IO clients speak the same events; the app does not
// need one, so none is bundled.)
import { CLOSE_SIGNED_OUT, FRAME_OUTPUT, PROTOCOL_VERSION, TERMINALS_WS_PATH } from '../../shared/terminals.js';
import type { Answer, ConnectionState, ServerEvents, TerminalTransport } from './transport-contract.js';

export type { Answer, ConnectionState, Notices, Requests, ServerEvents, TerminalTransport } from './transport-contract.js';

export const REQUEST_TIMEOUT_MS = 15_000;
export const RECONNECT_DELAY_MS = 300;
export const RECONNECT_DELAY_MAX_MS = 5_000;
// Bounded (about ten minutes); then the screen offers "Reconnect", and coming back online retries.
export const RECONNECT_ATTEMPTS = 120;

export const TIMEOUT_ANSWER = { ok: false, error: { code: 'timeout', message: 'The server did not answer in time; check the connection indicator and try again.' } } as const;
const CONNECTION_LOST_ANSWER = {
  ok: false,
  error: { code: 'connection_lost', message: 'The connection was lost before the server answered, so this may not have been done; check the connection indicator and try again.' },
} as const;

/** The connection state and the state and ready listeners: the part both transports share. */
export function createConnectionStatus() {
  let state: ConnectionState = 'connecting';
  const stateHandlers = new Set<(state: ConnectionState) => void>();
  const readyHandlers = new Set<() => void>();
  const set = (next: ConnectionState) => {
    if (state === next) return;
    state = next;
    for (const handler of stateHandlers) handler(next);
  };
  return {
    get state() {
      return state;
    },
    set,
    ready() {
      set('connected');
      for (const handler of readyHandlers) handler();
    },
    onState(handler: (state: ConnectionState) => void) {
      stateHandlers.add(handler);
      return () => void stateHandlers.delete(handler);
    },
    onReady(handler: () => void) {
      readyHandlers.add(handler);
      return () => void readyHandlers.delete(handler);
    },
    clear() {
      stateHandlers.clear();
      readyHandlers.clear();
    },
  };
}

/** A client that does not know the server's protocol version must not go on (docs/protocol.md). */
export const isKnownProtocol = (info: ServerEvents['terminal:ready']) => info.protocolVersion === PROTOCOL_VERSION;

/** ws: or wss: (as the page's http: or https:) URL of the plain WebSocket route. */
function webSocketUrl(baseUrl: string, path: string): string {
  const url = new URL(path, baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** [1][seq: float64 BE][n][sessionId: n latin1 bytes][data] → terminal:output, `data` a view into the frame. */
function decodeOutputFrame(frame: ArrayBuffer): ServerEvents['terminal:output'] | null {
  if (frame.byteLength < 10) return null;
  const view = new DataView(frame);
  if (view.getUint8(0) !== FRAME_OUTPUT) return null;
  const idLength = view.getUint8(9);
  if (frame.byteLength < 10 + idLength) return null;
  const sessionId = String.fromCharCode(...new Uint8Array(frame, 10, idLength));
  return { sessionId, seq: view.getFloat64(1), data: new Uint8Array(frame, 10 + idLength) };
}

type ServerMessage = { ack: number; payload: Answer<object> } | { event: string; payload: unknown };

interface PendingRequest {
  text: string;
  /** Sent on the current connection (else it waits for the next one, as Socket.IO buffers it). */
  sent: boolean;
  resolve(answer: Answer<object>): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * The same protocol over the plain WebSocket route: one frame per message and no JSON for output,
 * so it costs less than Socket.IO. Reconnects by itself with a bounded backoff, except after a
 * sign-out (close code 4001), where retrying cannot help.
 */
export interface WebSocketTransportOptions {
  /** The route (default /ws/terminals; a share viewer's is /ws/share/<token>). */
  path?: string;
  /** Close codes after which reconnecting cannot help (besides a sign-out's): the transport goes offline and says which. */
  finalCloseCodes?: readonly number[];
  onFinalClose?(code: number): void;
}

export function createWebSocketTransport(baseUrl: string = window.location.origin, options: WebSocketTransportOptions = {}): TerminalTransport {
  const url = webSocketUrl(baseUrl, options.path ?? TERMINALS_WS_PATH);
  const status = createConnectionStatus();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const pending = new Map<number, PendingRequest>();
  let socket: WebSocket | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let nextAttemptAt: number | null = null;
  let failedAttempts = 0;
  let nextId = 0;
  let closed = false;

  const dispatch = (event: string, payload: unknown) => {
    for (const handler of listeners.get(event) ?? []) handler(payload);
  };
  const settle = (id: number, answer: Answer<object>) => {
    const request = pending.get(id);
    if (!request) return;
    pending.delete(id);
    clearTimeout(request.timer);
    request.resolve(answer);
  };
  const failSentRequests = () => {
    for (const [id, request] of pending) if (request.sent) settle(id, CONNECTION_LOST_ANSWER);
  };
  // Until its close event, a socket can be closing already: sending then only logs an error.
  const isOpen = () => socket?.readyState === WebSocket.OPEN;
  const send = (request: PendingRequest) => {
    if (!isOpen()) return;
    socket?.send(request.text);
    request.sent = true;
  };

  const onReady = (info: ServerEvents['terminal:ready']) => {
    if (!isKnownProtocol(info)) {
      closed = true;
      socket?.close();
      status.set('offline');
      return;
    }
    failedAttempts = 0;
    for (const request of pending.values()) if (!request.sent) send(request);
    status.ready();
    dispatch('terminal:ready', info);
  };
  const onMessage = ({ data }: MessageEvent<string | ArrayBuffer>) => {
    if (typeof data !== 'string') {
      const output = decodeOutputFrame(data);
      if (output) dispatch('terminal:output', output);
      return;
    }
    const message = JSON.parse(data) as ServerMessage;
    if ('ack' in message) settle(message.ack, message.payload);
    else if (message.event === 'terminal:ready') onReady(message.payload as ServerEvents['terminal:ready']);
    else dispatch(message.event, message.payload);
  };
  const onClose = ({ code }: CloseEvent) => {
    socket = null;
    if (closed) return;
    // The state first: views mark themselves detached, so the failed answers below are stale to them.
    if (code === CLOSE_SIGNED_OUT) status.set('offline');
    else if (options.finalCloseCodes?.includes(code)) {
      closed = true;
      status.set('offline');
      options.onFinalClose?.(code);
    } else scheduleRetry();
    failSentRequests();
  };
  const connect = () => {
    retryTimer = null;
    nextAttemptAt = null;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', onMessage);
    ws.addEventListener('close', onClose);
    socket = ws;
  };
  const scheduleRetry = () => {
    if (++failedAttempts > RECONNECT_ATTEMPTS) {
      status.set('offline');
      return;
    }
    status.set('reconnecting');
    const delay = Math.min(RECONNECT_DELAY_MS * 2 ** (failedAttempts - 1), RECONNECT_DELAY_MAX_MS);
    retryTimer = setTimeout(connect, delay);
    nextAttemptAt = Date.now() + delay;
  };
  /** Forgets the current socket (without its close reaching onClose) and any pending retry. */
  const dropSocket = () => {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    nextAttemptAt = null;
    if (!socket) return;
    const ws = socket;
    socket = null;
    ws.removeEventListener('message', onMessage);
    ws.removeEventListener('close', onClose);
    // Closing before the handshake is done makes the browser log an error: close it once open.
    if (ws.readyState === WebSocket.CONNECTING) ws.addEventListener('open', () => ws.close(), { once: true });
    else ws.close();
  };
  /** Connects now, skipping whatever is left of the reconnection backoff. */
  const reconnectNow = () => {
    if (closed || isOpen()) return;
    dropSocket();
    failedAttempts = 0;
    status.set('connecting');
    connect();
  };
  const onOnline = () => reconnectNow();
  window.addEventListener('online', onOnline);
  connect();

  return {
    get state() {
      return status.state;
    },
    get nextAttemptAt() {
      return nextAttemptAt;
    },
    on(event, handler) {
      const listener = handler as (payload: unknown) => void;
      let handlers = listeners.get(event);
      if (!handlers) listeners.set(event, (handlers = new Set()));
      handlers.add(listener);
      return () => void handlers.delete(listener);
    },
    onReady: (handler) => status.onReady(handler),
    onState: (handler) => status.onState(handler),
    request(event, payload) {
      const id = ++nextId;
      return new Promise((resolve) => {
        const request: PendingRequest = {
          text: JSON.stringify({ event, payload, id }),
          sent: false,
          resolve: resolve as PendingRequest['resolve'],
          timer: setTimeout(() => settle(id, TIMEOUT_ANSWER), REQUEST_TIMEOUT_MS),
        };
        pending.set(id, request);
        if (status.state === 'connected') send(request);
      });
    },
    notify(event, payload) {
      // Not queued: the terminal view keeps input until it is attached again.
      if (status.state !== 'connected' || !isOpen()) return false;
      socket?.send(JSON.stringify({ event, payload }));
      return true;
    },
    reconnect: reconnectNow,
    close() {
      closed = true;
      window.removeEventListener('online', onOnline);
      dropSocket();
      for (const id of [...pending.keys()]) settle(id, CONNECTION_LOST_ANSWER);
      status.clear();
      listeners.clear();
    },
  };
}
