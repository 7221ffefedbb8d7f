// The terminal protocol over Socket.IO, for clients that want it; the web app uses the plain
// WebSocket transport (transport.ts), which costs less per message.
import { io, type Socket } from 'socket.io-client';
import {
  createConnectionStatus,
  isKnownProtocol,
  RECONNECT_ATTEMPTS,
  RECONNECT_DELAY_MAX_MS,
  RECONNECT_DELAY_MS,
  REQUEST_TIMEOUT_MS,
  TIMEOUT_ANSWER,
  type ServerEvents,
  type TerminalTransport,
} from './transport.js';

/** Socket.IO on the /terminals namespace, WebSocket only; reconnects by itself, with a bounded backoff. */
export function createSocketIoTransport(baseUrl: string = window.location.origin): TerminalTransport {
  const socket: Socket = io(`${baseUrl}/terminals`, {
    path: '/socket.io',
    transports: ['websocket'],
    withCredentials: true,
    reconnectionDelay: RECONNECT_DELAY_MS,
    reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
    reconnectionAttempts: RECONNECT_ATTEMPTS,
  });
  const status = createConnectionStatus();
  let closed = false;

  socket.on('terminal:ready', (info: ServerEvents['terminal:ready']) => {
    if (!isKnownProtocol(info)) {
      closed = true;
      socket.disconnect();
      status.set('offline');
      return;
    }
    status.ready();
  });
  socket.on('disconnect', (reason) => {
    if (closed) return;
    status.set('reconnecting');
    // A disconnect decided by the server is not retried by socket.io-client itself.
    if (reason === 'io server disconnect') socket.connect();
  });
  socket.on('connect_error', () => {
    if (!closed) status.set(socket.active ? 'reconnecting' : 'offline');
  });
  socket.io.on('reconnect_failed', () => status.set('offline'));
  /** Connects now, skipping whatever is left of the reconnection backoff. */
  const reconnectNow = () => {
    if (closed || socket.connected) return;
    status.set('connecting');
    socket.disconnect();
    socket.connect();
  };
  const onOnline = () => reconnectNow();
  window.addEventListener('online', onOnline);

  return {
    get state() {
      return status.state;
    },
    on(event, handler) {
      const listener = handler as (payload: unknown) => void;
      socket.on(event as string, listener);
      return () => socket.off(event as string, listener);
    },
    onReady: (handler) => status.onReady(handler),
    onState: (handler) => status.onState(handler),
    async request(event, payload) {
      try {
        return await socket.timeout(REQUEST_TIMEOUT_MS).emitWithAck(event, payload);
      } catch {
        return TIMEOUT_ANSWER;
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
      status.clear();
    },
  };
}
