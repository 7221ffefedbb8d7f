import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { vi } from 'vitest';
import type { Env } from '../../../src/config/index.js';
import { listSegments } from '../../../src/features/terminals/scrollback-files.js';
import type { TerminalActivity } from '../../../src/shared/terminals.js';
import { buildTestApp, makeTempDir, signInAsOwner, type TestApp } from '../../helpers/app.js';

export interface TerminalTestApp extends TestApp {
  port: number;
  origin: string;
  cookie: string;
}

/** The real app listening on a loopback port, with the owner signed in. Short kill grace for speed. */
export async function startTerminalApp(env: Env = {}): Promise<TerminalTestApp> {
  const testApp = await buildTestApp({ TERMINAL_KILL_GRACE_MS: '300', HOME: makeTempDir('shellport-home-'), ...env });
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = testApp.app.server.address() as AddressInfo;
  return { ...testApp, port, origin: `http://127.0.0.1:${port}`, cookie: await signInAsOwner(testApp.app) };
}

export interface StreamState {
  chunks: Buffer[];
  /** Offset after the last byte received. */
  seq: number;
  resets: number[];
  /** Messages whose start did not continue the previous one (a gap or an overlap). */
  discontinuities: { expected: number; got: number }[];
  exit: { exitCode: number | null; reason: string; seq: number } | null;
  behind: number[];
  /** `terminal:snapshot`s received (the stream restarts at each one's seq). */
  snapshots: { seq: number; cols: number; rows: number; data: string }[];
}

/** Closes the test's terminal connections, Socket.IO or plain WebSocket. */
const openConnections: (() => void)[] = [];

/** Disconnects the test's terminal clients (registered for every file by tests/setup/cleanup.ts). */
export function disconnectTestSockets(): void {
  for (const close of openConnections.splice(0)) close();
}

/** Registers a connection for disconnectTestSockets. */
export function trackConnection(close: () => void): void {
  openConnections.push(close);
}

export type AckResponse = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

/** A `terminal:output` message as both transports deliver it. */
export interface OutputMessage {
  sessionId: string;
  seq: number;
  data: Buffer;
}

/**
 * A terminal protocol client that records every stream it receives, whatever carries the protocol:
 * subclasses connect it to Socket.IO (TerminalClient) or the plain WebSocket (WsTerminalClient in
 * transports.ts) and hand it what arrives through `receive`.
 */
export abstract class TerminalTestClient {
  readonly streams = new Map<string, StreamState>();
  readonly errors: { event: string; sessionId?: string; error: { code: string; message: string } }[] = [];
  readonly updates: { id: string; status: string }[] = [];
  /** `terminal:answering` events in arrival order. */
  readonly answering: { sessionId: string; answering: boolean; seq: number }[] = [];
  /** `terminal:activity` events in arrival order (issue 20). */
  readonly activities: { sessionId: string; activity: TerminalActivity }[] = [];
  autoAck = true;
  /** Keep received bytes (turn off for floods). */
  keepData = true;
  private readonly outputListeners: ((message: OutputMessage) => void)[] = [];

  /** Sends an event without asking for an acknowledgement (keystrokes, acks). */
  abstract send(event: string, payload: unknown): void;
  /** Sends an event and resolves with its acknowledgement (at most 10 s). */
  abstract request(event: string, payload?: unknown): Promise<AckResponse>;
  abstract close(): void;

  /** Records a server → client event. */
  protected receive(event: string, payload: any): void {
    switch (event) {
      case 'terminal:output':
        return this.receiveOutput(payload as OutputMessage);
      case 'terminal:reset': {
        const stream = this.stream(payload.sessionId);
        stream.chunks = [];
        stream.seq = payload.seq;
        stream.resets.push(payload.seq);
        return;
      }
      case 'terminal:snapshot': {
        const stream = this.stream(payload.sessionId);
        stream.chunks = [];
        stream.seq = payload.seq;
        stream.snapshots.push(payload);
        return;
      }
      case 'terminal:exit':
        this.stream(payload.sessionId).exit = payload;
        return;
      case 'terminal:behind':
        this.stream(payload.sessionId).behind.push(payload.seq);
        return;
      case 'terminal:error':
        this.errors.push(payload);
        return;
      case 'terminal:answering':
        this.answering.push(payload);
        return;
      case 'terminal:updated':
        this.updates.push(payload.session);
        return;
      case 'terminal:activity':
        this.activities.push(payload);
        return;
    }
  }

  private receiveOutput(message: OutputMessage): void {
    const { sessionId, seq, data } = message;
    const stream = this.stream(sessionId);
    const start = seq - data.length;
    if (start !== stream.seq) stream.discontinuities.push({ expected: stream.seq, got: start });
    if (this.keepData) stream.chunks.push(Buffer.from(data));
    stream.seq = seq;
    if (this.autoAck) this.ack(sessionId, seq);
    for (const listener of this.outputListeners) listener(message);
  }

  /** Calls `listener` for each `terminal:output`, after it is recorded (and acknowledged, with autoAck). */
  onOutput(listener: (message: OutputMessage) => void): void {
    this.outputListeners.push(listener);
  }

  ack(sessionId: string, seq: number): void {
    this.send('terminal:ack', { sessionId, seq });
  }

  stream(sessionId: string): StreamState {
    let stream = this.streams.get(sessionId);
    if (!stream) {
      stream = { chunks: [], seq: 0, resets: [], discontinuities: [], exit: null, behind: [], snapshots: [] };
      this.streams.set(sessionId, stream);
    }
    return stream;
  }

  bytes(sessionId: string): Buffer {
    return Buffer.concat(this.stream(sessionId).chunks);
  }

  text(sessionId: string): string {
    return this.bytes(sessionId).toString('utf8');
  }

  /** Sends and expects `{ ok: true }`; returns the reply. */
  async ok(event: string, payload?: unknown): Promise<Record<string, any>> {
    const reply = await this.request(event, payload);
    if (!reply.ok) throw new Error(`${event} failed: ${reply.error.code}: ${reply.error.message}`);
    return reply;
  }

  async create(options: Record<string, unknown> = {}): Promise<{ id: string; pid: number; [key: string]: any }> {
    return (await this.ok('terminal:create', { shell: 'bash', ...options })).session;
  }

  async attach(sessionId: string, options: Record<string, unknown> = {}) {
    const stream = this.stream(sessionId);
    if (options.lastSeq !== undefined && options.lastSeq !== null) stream.seq = options.lastSeq as number;
    return this.ok('terminal:attach', { sessionId, ...options });
  }

  input(sessionId: string, data: string | Buffer) {
    this.send('terminal:input', { sessionId, data });
  }

  /** Waits until the session's received text matches. */
  async waitForText(sessionId: string, pattern: string | RegExp, timeout = 10_000): Promise<string> {
    return vi.waitFor(
      () => {
        const text = this.text(sessionId);
        if (typeof pattern === 'string' ? !text.includes(pattern) : !pattern.test(text)) {
          throw new Error(`waiting for ${String(pattern)}; have …${JSON.stringify(text.slice(-300))}`);
        }
        return text;
      },
      { timeout, interval: 10 },
    );
  }
}

/** A real Socket.IO client on /terminals that records every stream it receives. */
export class TerminalClient extends TerminalTestClient {
  constructor(readonly socket: Socket) {
    super();
    socket.onAny((event: string, payload: unknown) => this.receive(event, payload));
  }

  send(event: string, payload: unknown): void {
    this.socket.emit(event, payload);
  }

  async request(event: string, payload?: unknown): Promise<AckResponse> {
    return (await this.socket.timeout(10_000).emitWithAck(event, payload)) as AckResponse;
  }

  close() {
    this.socket.disconnect();
  }
}

export interface ConnectOptions {
  cookie?: string | null;
  origin?: string | null;
}

/** Connects a socket.io-client over WebSocket with the owner's cookie and our Origin. */
export async function connectClient(app: TerminalTestApp, options: ConnectOptions = {}): Promise<TerminalClient> {
  const socket = connectSocket(app, options);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
  return new TerminalClient(socket);
}

export function connectSocket(app: TerminalTestApp, options: ConnectOptions = {}): Socket {
  const headers: Record<string, string> = {};
  const cookie = options.cookie === undefined ? app.cookie : options.cookie;
  const origin = options.origin === undefined ? app.origin : options.origin;
  if (cookie) headers.cookie = cookie;
  if (origin) headers.origin = origin;
  const socket = io(`${app.origin}/terminals`, { transports: ['websocket'], extraHeaders: headers, reconnection: false, forceNew: true });
  trackConnection(() => socket.disconnect());
  return socket;
}

/** Bytes of a terminal's output on disk. */
export function storedBytes(app: TestApp, sessionId: string): number {
  return listSegments(app.config.storage.scrollbackDir, sessionId).reduce((sum, segment) => sum + segment.size, 0);
}

/** Waits until `check` returns a truthy value (at most `timeout` ms); resolves with it. */
export function waitUntil<T>(check: () => T | Promise<T>, timeout = 10_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (!value) throw new Error('condition not met yet');
      return value;
    },
    { timeout, interval: 10 },
  );
}
