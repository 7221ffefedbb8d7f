/** Shared pieces of the bench: process figures from /proc, statistics, and terminal clients. */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { transformSync } from 'esbuild';
import * as nodePty from 'node-pty';
import WebSocket, { WebSocketServer } from 'ws';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it answers something; fails saying `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------- /proc

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** User + system CPU seconds of a process (all its threads). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples a process' RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid: number, everyMs = 20) {
  let peak = rssBytes(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // exited
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      try {
        peak = Math.max(peak, rssBytes(pid));
      } catch {
        // exited
      }
      return peak;
    },
  };
}

// ---------------------------------------------------------------- statistics

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latencyStats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN };
}

export const median = (values: number[]) => percentile([...values].sort((a, b) => a - b), 50);

// ---------------------------------------------------------------- the Shellport server

export interface ServerHandle {
  child: ChildProcess;
  pid: number;
  /** The server's DATA_DIR (the terminal host's socket is under it). */
  dataDir: string;
  port: number;
  cookie: string;
  origin: string;
  /** Runs a full garbage collection; resolves with the JavaScript memory left (V8 heap + Buffers), bytes. */
  gc(): Promise<{ heapUsed: number; external: number }>;
  /** The terminal manager's flow-control state of a terminal (pause count etc.). */
  inspect(sessionId: string): Promise<Record<string, unknown> | null>;
  close(): Promise<void>;
}

/** The V8 flags `npm start`, the Dockerfile and the systemd unit run the server with. */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=1'];

/** Forks a bench script under tsx with the production V8 flags; resolves with its `ready` message. */
async function forkReady<T>(script: string, args: string[], extraFlags: string[] = []): Promise<{ child: ChildProcess; ready: T }> {
  // A compiled script (.mjs, from compiledServer()) runs on plain node, as `npm start` does; TypeScript through tsx.
  const loader = script.endsWith('.mjs') ? [] : ['--import', 'tsx'];
  const child = fork(path.isAbsolute(script) ? script : `${BENCH_DIR}/${script}`, args, {
    execArgv: [...loader, ...extraFlags, ...SERVER_NODE_FLAGS, ...(process.env.BENCH_SERVER_NODE_OPTIONS ?? '').split(' ').filter(Boolean)],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<T>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
    child.on('message', (message: { type: string }) => {
      if (message.type === 'ready') resolve(message as T);
    });
  });
  return { child, ready };
}

let compiled: string | null = null;

/**
 * bench/server.ts against the compiled build (`npm run build`'s dist/, what `npm start` runs): the
 * server's own start-up without tsx compiling the source on the way. Built once per bench run.
 */
export function compiledServer(): string {
  if (compiled) return compiled;
  const root = path.resolve(BENCH_DIR, '..');
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--server'], { cwd: root, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stdout}${built.stderr}`);
  const source = readFileSync(path.join(BENCH_DIR, 'server.ts'), 'utf8');
  const { code } = transformSync(source, { loader: 'ts', format: 'esm', target: 'node20' });
  const outDir = path.join(root, 'dist', 'bench');
  mkdirSync(outDir, { recursive: true });
  compiled = path.join(outDir, 'server.mjs');
  writeFileSync(compiled, code.replaceAll("'../src/", "'../").replaceAll('"../src/', '"../'));
  return compiled;
}

/** Starts bench/server.ts (the real app) in a child process, with the production V8 flags; `compiled`: from dist/. */
export async function startServer(env: Record<string, string> = {}, options: { compiled?: boolean } = {}): Promise<ServerHandle> {
  const script = options.compiled ? compiledServer() : 'server.ts';
  const { child, ready } = await forkReady<{ port: number; cookie: string; dataDir: string }>(script, [JSON.stringify(env)], ['--expose-gc']);
  const origin = `http://127.0.0.1:${ready.port}`;
  return {
    child,
    pid: child.pid!,
    dataDir: ready.dataDir,
    port: ready.port,
    cookie: ready.cookie,
    origin,
    gc: () =>
      new Promise((resolve) => {
        const onMessage = (message: { type: string; heapUsed: number; external: number }) => {
          if (message.type !== 'gc-done') return;
          child.off('message', onMessage);
          resolve({ heapUsed: message.heapUsed, external: message.external });
        };
        child.on('message', onMessage);
        child.send({ type: 'gc' });
      }),
    inspect: (sessionId) =>
      new Promise((resolve) => {
        const onMessage = (message: { type: string; state: Record<string, unknown> | null }) => {
          if (message.type !== 'inspect-done') return;
          child.off('message', onMessage);
          resolve(message.state);
        };
        child.on('message', onMessage);
        child.send({ type: 'inspect', sessionId });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'close' });
      }),
  };
}

/** bench/naive-relay.ts in a child process: the same-run baseline of a relay without Shellport's work. */
export async function startNaiveRelay(): Promise<{ pid: number; url: string; close(): void }> {
  const { child, ready } = await forkReady<{ port: number }>('naive-relay.ts', []);
  return { pid: child.pid!, url: `ws://127.0.0.1:${ready.port}`, close: () => void child.kill() };
}

// ---------------------------------------------------------------- terminal clients

const ACK_EVERY_BYTES = 64 * 1024;

/** How a client acknowledges output: at once, at a processing rate (bytes/s), or never. */
export type AckMode = 'now' | 'none' | { bytesPerSecond: number };

class Matcher {
  private waiters: { text: Buffer; carry: Buffer; resolve: (t: number) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }[] = [];

  wait(text: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter = {
        text: Buffer.from(text),
        carry: Buffer.alloc(0),
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${JSON.stringify(text)}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  feed(chunk: Buffer): void {
    if (this.waiters.length === 0) return;
    const now = performance.now();
    for (const waiter of [...this.waiters]) {
      const n = waiter.text.length;
      const edge = Buffer.concat([waiter.carry, chunk.subarray(0, n - 1)]);
      if (edge.includes(waiter.text) || chunk.includes(waiter.text)) {
        clearTimeout(waiter.timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        waiter.resolve(now);
        continue;
      }
      const tail = chunk.length >= n - 1 ? chunk.subarray(chunk.length - (n - 1)) : Buffer.concat([waiter.carry, chunk]).subarray(-(n - 1));
      waiter.carry = Buffer.from(tail);
    }
  }
}

/** What every bench client can do, whatever server it talks to; each hands its output to `deliver`. */
export abstract class BenchTerm {
  /** Bytes of output received so far. */
  received = 0;
  /** Called with each output message's size as it arrives. */
  onChunk: ((bytes: number) => void) | null = null;
  /** Called with each output message's bytes (borrowed: copy what is kept). */
  onData: ((chunk: Buffer) => void) | null = null;
  private readonly matcher = new Matcher();

  abstract send(data: string): void;
  abstract close(): void;

  /** Resolves (with performance.now()) when `text` appears in output received after this call. */
  waitFor(text: string, timeoutMs = 60_000): Promise<number> {
    return this.matcher.wait(text, timeoutMs);
  }

  protected deliver(chunk: Buffer): void {
    this.received += chunk.length;
    this.onChunk?.(chunk.length);
    this.onData?.(chunk);
    this.matcher.feed(chunk);
  }
}

/** What bench/echo-probe.ts types into: a Shellport terminal, Wetty, or a floor (see RawPtyTerm, startFloorServer). */
export type ProbeKind = 'shellport' | 'wetty' | 'pty' | 'ws-floor';

/** How our protocol travels: Socket.IO (/terminals) or the plain WebSocket route (/ws/terminals). */
export type Transport = 'socket.io' | 'websocket';

interface Wire {
  emit(event: string, payload: unknown): void;
  request(event: string, payload: unknown): Promise<Record<string, any>>;
  onOutput(listener: (seq: number, data: Buffer) => void): void;
  onEvent(event: string, listener: (payload: any) => void): void;
  tcp(): { pause(): void; resume(): void };
  close(): void;
}

async function socketIoWire(server: { origin: string; cookie: string }): Promise<Wire> {
  const socket = io(`${server.origin}/terminals`, {
    transports: ['websocket'],
    extraHeaders: { cookie: server.cookie, origin: server.origin },
    reconnection: false,
    forceNew: true,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    emit: (event, payload) => void socket.emit(event, payload),
    request: async (event, payload) => (await socket.timeout(30_000).emitWithAck(event, payload)) as Record<string, any>,
    onOutput: (listener) => void socket.on('terminal:output', ({ seq, data }: { seq: number; data: Buffer }) => listener(seq, data)),
    onEvent: (event, listener) => void socket.on(event, listener),
    tcp: () => {
      const engine = socket.io.engine as unknown as { transport: { ws?: { _socket?: { pause(): void; resume(): void } } } };
      const tcp = engine.transport.ws?._socket;
      if (!tcp) throw new Error('no TCP socket under the client');
      return tcp;
    },
    close: () => void socket.disconnect(),
  };
}

async function webSocketWire(server: { origin: string; cookie: string }): Promise<Wire> {
  const ws = new WebSocket(`${server.origin.replace(/^http/, 'ws')}/ws/terminals`, { headers: { cookie: server.cookie, origin: server.origin }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`websocket refused: ${res.statusCode}`)));
  });
  let nextId = 0;
  const pending = new Map<number, (reply: Record<string, any>) => void>();
  const events = new Map<string, ((payload: any) => void)[]>();
  let output: ((seq: number, data: Buffer) => void) | null = null;
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (isBinary) {
      const idLength = raw[9]!;
      output?.(raw.readDoubleBE(1), raw.subarray(10 + idLength));
      return;
    }
    const message = JSON.parse(raw.toString('utf8')) as { event?: string; ack?: number; payload: any };
    if (message.ack !== undefined) {
      pending.get(message.ack)?.(message.payload);
      pending.delete(message.ack);
    } else if (message.event) {
      for (const listener of events.get(message.event) ?? []) listener(message.payload);
    }
  });
  return {
    emit: (event, payload) => ws.send(JSON.stringify({ event, payload })),
    request: (event, payload) =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => reject(new Error(`${event}: no answer in 30 s`)), 30_000);
        pending.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        ws.send(JSON.stringify({ event, payload, id }));
      }),
    onOutput: (listener) => {
      output = listener;
    },
    onEvent: (event, listener) => {
      events.set(event, [...(events.get(event) ?? []), listener]);
    },
    tcp: () => (ws as unknown as { _socket: { pause(): void; resume(): void } })._socket,
    close: () => ws.close(),
  };
}

/** Our protocol (docs/protocol.md) over either transport. */
export class ShellportTerm extends BenchTerm {
  seq = 0;
  ackMode: AckMode = 'now';
  sessionId = '';
  private processedAt = 0;
  private ackedSeq = 0;
  private ackTimer: NodeJS.Timeout | null = null;

  private constructor(private readonly wire: Wire) {
    super();
    wire.onOutput((seq, data) => {
      this.seq = seq;
      this.deliver(data);
      this.acknowledge(seq, data.length);
    });
    wire.onEvent('terminal:reset', ({ seq }: { seq: number }) => {
      this.seq = seq;
    });
  }

  private acknowledge(seq: number, bytes: number) {
    const mode = this.ackMode;
    if (mode === 'none') return;
    if (mode === 'now') {
      // As docs/protocol.md recommends: every 64 KiB, and 50 ms after output stops.
      if (seq - this.ackedSeq >= ACK_EVERY_BYTES) {
        this.ackedSeq = seq;
        this.wire.emit('terminal:ack', { sessionId: this.sessionId, seq });
      }
      if (this.ackTimer) clearTimeout(this.ackTimer);
      this.ackTimer = setTimeout(() => {
        this.ackTimer = null;
        if (this.seq > this.ackedSeq) this.ackAll();
      }, 50);
      return;
    }
    const now = performance.now();
    this.processedAt = Math.max(now, this.processedAt) + (bytes / mode.bytesPerSecond) * 1000;
    setTimeout(() => this.wire.emit('terminal:ack', { sessionId: this.sessionId, seq }), this.processedAt - now);
  }

  /** Acknowledges everything received (after a pause). */
  ackAll(): void {
    this.ackedSeq = this.seq;
    this.wire.emit('terminal:ack', { sessionId: this.sessionId, seq: this.seq });
  }

  static async connect(server: { origin: string; cookie: string }, transport: Transport = 'socket.io'): Promise<ShellportTerm> {
    return new ShellportTerm(transport === 'websocket' ? await webSocketWire(server) : await socketIoWire(server));
  }

  async request(event: string, payload: unknown): Promise<Record<string, any>> {
    const reply = (await this.wire.request(event, payload)) as { ok: boolean; error?: { message: string } };
    if (!reply.ok) throw new Error(`${event}: ${reply.error?.message}`);
    return reply;
  }

  async create(): Promise<string> {
    const { session } = await this.request('terminal:create', { shell: 'bash', cols: 120, rows: 40 });
    return session.id as string;
  }

  /** Creates (or takes) a terminal, attaches and waits for the prompt. */
  async open(sessionId?: string, lastSeq = 0): Promise<this> {
    this.sessionId = sessionId ?? (await this.create());
    const prompt = sessionId ? null : this.waitFor('sp> ', 15_000);
    await this.request('terminal:attach', { sessionId: this.sessionId, lastSeq, cols: 120, rows: 40 });
    await prompt;
    return this;
  }

  send(data: string): void {
    this.wire.emit('terminal:input', { sessionId: this.sessionId, data });
  }

  /** Stops (or restarts) reading from the TCP socket: the kernel buffers fill and the server's writes stall. */
  setTcpReading(reading: boolean): void {
    const tcp = this.wire.tcp();
    if (reading) tcp.resume();
    else tcp.pause();
  }

  close(): void {
    this.wire.close();
  }
}

/**
 * The echo floor of the PTY alone: node-pty in the probe's own process, no network, no server.
 * Typing into `cat > /dev/null` the way the probe does with a Shellport terminal.
 */
export class RawPtyTerm extends BenchTerm {

  private constructor(private readonly pty: nodePty.IPty) {
    super();
    pty.onData((data) => this.deliver(data as unknown as Buffer));
  }

  static async open(): Promise<RawPtyTerm> {
    const child = nodePty.spawn('/bin/sh', [], {
      name: 'xterm-256color',
      cols: 120,
      rows: 40,
      cwd: os.tmpdir(),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color', PS1: 'sp> ' },
      encoding: null,
    });
    const term = new RawPtyTerm(child);
    await term.waitFor('sp> ', 15_000);
    return term;
  }

  send(data: string): void {
    this.pty.write(data);
  }

  close(): void {
    this.pty.kill();
  }
}

/**
 * The echo floor of the network alone: a WebSocket server (in the bench's process) that answers
 * each message of the probe with a one-byte binary frame, as Shellport's route frames output. No
 * PTY, no terminal logic: what two Node processes and the `ws` library cost per round trip here.
 */
export async function startFloorServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (ws) => {
    ws.on('message', (raw: Buffer) => {
      const { payload } = JSON.parse(raw.toString('utf8')) as { payload: { data: string } };
      ws.send(Buffer.from(payload.data.slice(0, 1)));
    });
  });
  const { port } = server.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A client of a bare WebSocket terminal: JSON input as Shellport's protocol sends it, each binary message is output. */
export class BareWebSocketTerm extends BenchTerm {

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on('message', (raw: Buffer) => this.deliver(raw));
  }

  static async connect(url: string): Promise<BareWebSocketTerm> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new BareWebSocketTerm(ws);
  }

  send(data: string): void {
    this.ws.send(JSON.stringify({ event: 'terminal:input', payload: { sessionId: '00000000-0000-4000-8000-000000000000', data } }));
  }

  close(): void {
    this.ws.close();
  }
}

/** Wetty's protocol: Socket.IO on <base>/socket.io; `input`/`resize`/`commit` in, `data` (text) out. */
export class WettyTerm extends BenchTerm {

  private constructor(readonly socket: Socket) {
    super();
    socket.on('data', (data: string) => {
      this.deliver(Buffer.from(data, 'latin1'));
      // As Wetty's client does after xterm.js processed the data.
      socket.emit('commit', data.length);
    });
  }

  static async connect(origin: string, base = '/wetty'): Promise<WettyTerm> {
    const socket = io(origin, { path: `${base}/socket.io`, transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: { origin } });
    const term = new WettyTerm(socket);
    const login = new Promise<void>((resolve) => socket.once('login', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    await login;
    socket.emit('resize', { cols: 120, rows: 40 });
    await term.waitFor('sp> ', 15_000);
    return term;
  }

  send(data: string): void {
    this.socket.emit('input', data);
  }

  close(): void {
    this.socket.disconnect();
  }
}

export interface WettyHandle {
  pid: number;
  origin: string;
  close(): Promise<void>;
}

/** Starts Wetty (installed under `dir`) on 127.0.0.1 as a local bash: no ssh, no login prompt (root only). */
export async function startWetty(dir: string, port: number, home: string): Promise<WettyHandle> {
  const child = spawn(process.execPath, [`${dir}/node_modules/wetty/build/main.js`, '--host', '127.0.0.1', '--port', String(port), '--base', '/wetty', '--command', 'bash', '--log-level', 'warn'], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', TERM: 'xterm-256color' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wetty exited (${child.exitCode}): ${output.slice(-500)}`);
    try {
      const response = await fetch(`${origin}/wetty/socket.io/?EIO=4&transport=polling`);
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`wetty did not start in 20 s: ${output.slice(-500)}`);
    await sleep(100);
  }
  return {
    pid: child.pid!,
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
