import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { vi } from 'vitest';
import type { Env } from '../../../src/config/index.js';
import { listSegments } from '../../../src/features/terminals/scrollback-files.js';
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
}

const openSockets: Socket[] = [];

/** Disconnects the test's Socket.IO clients (registered for every file by tests/setup/cleanup.ts). */
export function disconnectTestSockets(): void {
  for (const socket of openSockets.splice(0)) socket.disconnect();
}

type AckResponse = { ok: true; [key: string]: unknown } | { ok: false; error: { code: string; message: string } };

/** A real Socket.IO client on /terminals that records every stream it receives. */
export class TerminalClient {
  readonly streams = new Map<string, StreamState>();
  readonly errors: { event: string; sessionId?: string; error: { code: string; message: string } }[] = [];
  readonly updates: { id: string; status: string }[] = [];
  /** `terminal:answering` events in arrival order. */
  readonly answering: { sessionId: string; answering: boolean; seq: number }[] = [];
  autoAck = true;
  /** Keep received bytes (turn off for floods). */
  keepData = true;

  constructor(readonly socket: Socket) {
    socket.on('terminal:output', ({ sessionId, seq, data }: { sessionId: string; seq: number; data: Buffer }) => {
      const stream = this.stream(sessionId);
      const start = seq - data.length;
      if (start !== stream.seq) stream.discontinuities.push({ expected: stream.seq, got: start });
      if (this.keepData) stream.chunks.push(Buffer.from(data));
      stream.seq = seq;
      if (this.autoAck) socket.emit('terminal:ack', { sessionId, seq });
    });
    socket.on('terminal:reset', ({ sessionId, seq }: { sessionId: string; seq: number }) => {
      const stream = this.stream(sessionId);
      stream.chunks = [];
      stream.seq = seq;
      stream.resets.push(seq);
    });
    socket.on('terminal:exit', (payload: { sessionId: string; exitCode: number | null; reason: string; seq: number }) => {
      this.stream(payload.sessionId).exit = payload;
    });
    socket.on('terminal:behind', ({ sessionId, seq }: { sessionId: string; seq: number }) => this.stream(sessionId).behind.push(seq));
    socket.on('terminal:error', (payload: TerminalClient['errors'][number]) => this.errors.push(payload));
    socket.on('terminal:answering', (payload: TerminalClient['answering'][number]) => this.answering.push(payload));
    socket.on('terminal:updated', ({ session }: { session: { id: string; status: string } }) => this.updates.push(session));
  }

  stream(sessionId: string): StreamState {
    let stream = this.streams.get(sessionId);
    if (!stream) {
      stream = { chunks: [], seq: 0, resets: [], discontinuities: [], exit: null, behind: [] };
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

  async request(event: string, payload?: unknown): Promise<AckResponse> {
    return (await this.socket.timeout(10_000).emitWithAck(event, payload)) as AckResponse;
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
    this.socket.emit('terminal:input', { sessionId, data });
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
  openSockets.push(socket);
  return socket;
}

/** Waits for a condition with a bounded timeout. */
/** Bytes of a terminal's output on disk. */
export function storedBytes(app: TestApp, sessionId: string): number {
  return listSegments(app.config.storage.scrollbackDir, sessionId).reduce((sum, segment) => sum + segment.size, 0);
}

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
