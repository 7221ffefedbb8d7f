import WebSocket from 'ws';
import { TERMINALS_WS_PATH } from '../../../src/shared/terminals.js';
import {
  connectClient,
  trackConnection,
  TerminalTestClient,
  type AckResponse,
  type ConnectOptions,
  type TerminalTestApp,
} from './helpers.js';

/**
 * A client of the plain WebSocket route (docs/protocol.md, "Plain WebSocket") with the same
 * interface as the Socket.IO TerminalClient: binary output frames `[1][seq float64 BE][n][sessionId][data]`,
 * JSON events `{ event, payload }`, acknowledgements `{ ack: id, payload }`.
 */
export class WsTerminalClient extends TerminalTestClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (reply: AckResponse) => void; reject: (error: Error) => void }>();

  constructor(readonly ws: WebSocket) {
    super();
    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const n = raw[9]!;
        this.receive('terminal:output', { sessionId: raw.toString('latin1', 10, 10 + n), seq: raw.readDoubleBE(1), data: raw.subarray(10 + n) });
        return;
      }
      const message = JSON.parse(raw.toString()) as { ack?: number; event?: string; payload: any };
      if (message.ack === undefined) {
        this.receive(message.event!, message.payload);
        return;
      }
      this.pending.get(message.ack)?.resolve(message.payload as AckResponse);
      this.pending.delete(message.ack);
    });
    // A closed connection answers nothing more: fail what waits at once rather than after the timeout.
    ws.on('close', (code: number) => {
      for (const { reject } of this.pending.values()) reject(new Error(`the terminal WebSocket closed (${code}) before acknowledging`));
      this.pending.clear();
    });
    // A failed connection shows as its close; without a listener an 'error' event would crash the worker.
    ws.on('error', () => undefined);
  }

  send(event: string, payload: unknown): void {
    this.ws.send(JSON.stringify({ event, payload }));
  }

  request(event: string, payload?: unknown): Promise<AckResponse> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      // As socket.io-client's `timeout(10_000)`: a lost acknowledgement fails the test, not hangs it.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${event}: no acknowledgement within 10 s`));
      }, 10_000);
      const settle = <T>(then: (value: T) => void) => (value: T) => {
        clearTimeout(timer);
        then(value);
      };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      this.ws.send(JSON.stringify({ event, payload, id }));
    });
  }

  override input(sessionId: string, data: string | Buffer) {
    // The plain WebSocket carries input as text only; converting bytes here could change them.
    if (typeof data !== 'string') throw new Error('terminal:input over the plain WebSocket takes a string');
    super.input(sessionId, data);
  }

  close() {
    this.ws.close();
  }
}

/** Opens the plain WebSocket with the owner's cookie and our Origin. */
export async function connectWsClient(app: TerminalTestApp, options: ConnectOptions = {}): Promise<WsTerminalClient> {
  const headers: Record<string, string> = {};
  const cookie = options.cookie === undefined ? app.cookie : options.cookie;
  const origin = options.origin === undefined ? app.origin : options.origin;
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  const ws = new WebSocket(`ws://127.0.0.1:${app.port}${TERMINALS_WS_PATH}`, { headers });
  trackConnection(() => ws.close());
  // Listening before the connection opens: nothing the server sends first (terminal:ready) is missed.
  const client = new WsTerminalClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return client;
}

/** The two transports of the terminal protocol, for `describe.each`: the web app uses the second. */
export const TRANSPORTS: { name: string; connect: (app: TerminalTestApp, options?: ConnectOptions) => Promise<TerminalTestClient> }[] = [
  { name: 'Socket.IO', connect: connectClient },
  { name: 'the plain WebSocket', connect: connectWsClient },
];
