// A previewed page's WebSocket (a dev server's hot reload: Vite's HMR socket, webpack-dev-server's)
// relayed to the dev server, frame by frame.
//
// Why not @fastify/http-proxy's `websocket: true`: its relay sends every frame on without regard to
// what the other side has taken (a fast dev server would fill the server's memory behind a slow
// phone), its shared `upgrade` listener matches only literal prefixes, so with Socket.IO and the
// terminals' socket on the same server it never sees `/preview/:port/…`, and it has no liveness
// check of an idle dev server. Here: `ws` on both sides, each direction paused while the other has
// more than HIGH_WATER bytes unsent, a deadline on the dev server's handshake, and pings both ways.
import type { FastifyBaseLogger } from 'fastify';
import WebSocket from 'ws';

/** Bytes handed to one side and not yet written to its connection, above which the other side is paused… */
const HIGH_WATER = 1024 * 1024;
/** …and below which it reads again. */
const LOW_WATER = 256 * 1024;

export interface RelayOptions {
  /** The browser's side, already upgraded. */
  client: WebSocket;
  /** `ws://127.0.0.1:5173/path?query`. */
  url: string;
  /** The subprotocol the browser was answered with (Vite's `vite-hmr`), asked of the dev server too. */
  protocol: string;
  headers: Record<string, string>;
  connectTimeoutMs: number;
  /** How often each side is pinged; a side that has not answered the previous ping by then is dropped. */
  pingIntervalMs: number;
  maxPayload: number;
  log: FastifyBaseLogger;
}

export interface Relay {
  /** Closes both sides (a sign-out, the server closing). */
  close(code: number, reason: string): void;
  readonly closed: Promise<void>;
}

/** Close codes an endpoint may send (RFC 6455 §7.4; 1005, 1006 and 1015 are only ever reported). */
function sendableCode(code: number, fallback: number): number {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999) ? code : fallback;
}

/** A close reason within the 123 bytes a close frame allows. */
function shortReason(reason: string): string {
  let text = reason;
  while (Buffer.byteLength(text) > 123) text = text.slice(0, -1);
  return text;
}

function messageBytes(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, part) => sum + part.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

export function relayWebSocket(options: RelayOptions): Relay {
  const { client, log } = options;
  const upstream = new WebSocket(options.url, options.protocol ? [options.protocol] : [], {
    headers: options.headers,
    handshakeTimeout: options.connectTimeoutMs,
    perMessageDeflate: false,
    maxPayload: options.maxPayload,
    followRedirects: false,
  });
  let ended = false;
  let upstreamOpened = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });

  const end = (code: number, reason: string) => {
    if (ended) return;
    ended = true;
    clearInterval(pinger);
    for (const socket of [client, upstream]) {
      // A paused side (waiting for the dev server, or for the other side to drain) must read the
      // peer's close frame, also when a close started elsewhere (the server's shutdown closes every
      // browser socket). The dev server's side has a connection to resume only once it opened.
      const isConnected = socket === client || upstreamOpened;
      if (isConnected && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CLOSING)) socket.resume();
      if (socket.readyState === WebSocket.OPEN) socket.close(sendableCode(code, 1011), shortReason(reason));
      else if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    }
    // A peer that never answers the close frame is cut off rather than waited for.
    setTimeout(() => {
      client.terminate();
      upstream.terminate();
    }, 5000).unref();
    resolveClosed();
  };

  // Until the dev server answers, the browser's frames wait here (and its connection is not read).
  const waiting: { data: WebSocket.RawData; isBinary: boolean }[] = [];
  client.pause();

  /** Sends on `to` what came from `from`, pausing `from` while `to` has too much unsent. */
  const forward = (from: WebSocket, to: WebSocket, pending: { bytes: number }) => (data: WebSocket.RawData, isBinary: boolean) => {
    if (ended) return;
    if (to.readyState !== WebSocket.OPEN) {
      // Only the dev server's side can still be connecting; a side that is closing takes nothing more.
      if (to === upstream && to.readyState === WebSocket.CONNECTING) waiting.push({ data, isBinary });
      return;
    }
    const size = messageBytes(data);
    pending.bytes += size;
    to.send(data, { binary: isBinary }, () => {
      pending.bytes -= size;
      if (pending.bytes <= LOW_WATER && from.isPaused && !ended) from.resume();
    });
    if (pending.bytes >= HIGH_WATER) from.pause();
  };
  const toUpstream = { bytes: 0 };
  const toClient = { bytes: 0 };
  const fromClient = forward(client, upstream, toUpstream);
  client.on('message', fromClient);
  upstream.on('message', forward(upstream, client, toClient));

  upstream.on('open', () => {
    upstreamOpened = true;
    for (const message of waiting.splice(0)) fromClient(message.data, message.isBinary);
    if (toUpstream.bytes < HIGH_WATER) client.resume();
  });

  // Liveness: a side that did not answer the last ping is gone (a phone that lost its network, a
  // dev server stopped with SIGSTOP); one that answers may stay idle for as long as it likes.
  const alive = new Map<WebSocket, boolean>([
    [client, true],
    [upstream, true],
  ]);
  for (const socket of [client, upstream]) socket.on('pong', () => alive.set(socket, true));
  const pinger = setInterval(() => {
    for (const socket of [client, upstream]) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (!alive.get(socket)) {
        log.info({ side: socket === client ? 'browser' : 'dev server' }, 'preview websocket did not answer a ping; closed');
        end(1001, socket === client ? 'the browser stopped answering' : 'the dev server stopped answering');
        return;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, options.pingIntervalMs);
  pinger.unref();

  client.on('close', (code, reason) => end(code, reason.toString()));
  upstream.on('close', (code, reason) => end(code, reason.toString()));
  client.on('error', (error) => {
    log.info({ err: error }, 'preview websocket: browser side failed');
    end(1011, 'browser connection failed');
  });
  upstream.on('error', (error) => {
    // Refused, a timed-out handshake, an HTTP answer instead of an upgrade ("Unexpected server response: 404").
    log.info({ err: error }, 'preview websocket: dev server side failed');
    end(1014, `dev server: ${error.message}`);
  });

  return { close: end, closed };
}
