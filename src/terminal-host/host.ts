import { timingSafeEqual } from 'node:crypto';
import { chmodSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PtyHost, PtyProcess } from '../infra/pty-host.js';
import {
  encodeFrame,
  FrameDecoder,
  type HostedTerminalInfo,
  type HostMemory,
  type HostMessage,
  HOST_PROTOCOL_VERSION,
  hostPaths,
  type ServerMessage,
} from './protocol.js';
import { ensureHostToken } from './token.js';

export interface HostLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface TerminalHostOptions {
  /** The host's directory (socket, token): DATA_DIR/terminal-host. */
  dir: string;
  ptyHost: PtyHost;
  log: HostLog;
  /** The build the host runs (package version and build id): shown to the server and in Operations. */
  version: string;
  /** With no terminal and no server for this long, the host exits; null: it never does (a service of its own). */
  idleExitMs: number | null;
  /** Per terminal, output the server has not stored is held up to this much; then the program waits. */
  holdBytes?: number;
  /** Called once the host stopped listening (idle, or a shutdown request): the process may exit. */
  onStopped?: (reason: string) => void;
}

const HELLO_TIMEOUT_MS = 2_000;
const DEFAULT_HOLD_BYTES = 8 * 1024 * 1024;

interface Connection {
  socket: net.Socket;
  /** An operator's command (`npm run terminal-host`), beside the server's connection. */
  control: boolean;
  /** Output sent ahead of what the server stored, at most. */
  window: number;
  busy: boolean;
}

/** One terminal the host runs: its PTY and the output the server has not yet stored. */
class HostedTerminal {
  seq = 0;
  /** Output [heldFrom, seq) is held, in `chunks` (null while none is: an idle terminal's memory, issue 19). */
  heldFrom = 0;
  private chunks: Buffer[] | null = null;
  /** Where output to the current server has got to; null until the server adopts the terminal. */
  sentSeq: number | null = null;
  serverPaused = false;
  private paused = false;
  exit: { exitCode: number; signal: number | null } | null = null;
  exitSent = false;
  /** Why the host itself ended the terminal (`host-restarted`), if it did. */
  endReason: string | null = null;
  /** Epoch milliseconds: a number costs less than a Date kept per terminal. */
  private readonly startedAtMs = Date.now();

  constructor(
    readonly id: string,
    readonly pty: PtyProcess,
    public cols: number,
    public rows: number,
    private readonly holdBytes: number,
  ) {}

  hold(chunk: Buffer): void {
    if (this.chunks) this.chunks.push(chunk);
    else this.chunks = [chunk];
    this.seq += chunk.length;
    this.updateFlow();
  }

  /** The server stored output below `seq`: forget it. */
  stored(seq: number): void {
    const chunks = this.chunks;
    let drop = Math.min(seq, this.seq) - this.heldFrom;
    while (chunks && drop > 0 && chunks.length > 0) {
      const first = chunks[0]!;
      if (first.length <= drop) {
        chunks.shift();
        drop -= first.length;
        this.heldFrom += first.length;
      } else {
        chunks[0] = first.subarray(drop);
        this.heldFrom += drop;
        drop = 0;
      }
    }
    // All stored: the array (and the room it grew) goes too.
    if (chunks && chunks.length === 0) this.chunks = null;
    this.updateFlow();
  }

  /** Held output [from, to) as one buffer. */
  slice(from: number, to: number): Buffer {
    const parts: Buffer[] = [];
    let offset = this.heldFrom;
    for (const chunk of this.chunks ?? []) {
      const end = offset + chunk.length;
      if (end > from && offset < to) parts.push(chunk.subarray(Math.max(0, from - offset), Math.min(chunk.length, to - offset)));
      if (end >= to) break;
      offset = end;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  updateFlow(): void {
    // After the exit, what the program left in the PTY must drain.
    const shouldPause = !this.exit && (this.serverPaused || this.seq - this.heldFrom >= this.holdBytes);
    if (shouldPause === this.paused) return;
    this.paused = shouldPause;
    if (shouldPause) this.pty.pause();
    else this.pty.resume();
  }

  info(): HostedTerminalInfo {
    return {
      id: this.id,
      pid: this.pty.pid,
      cols: this.cols,
      rows: this.rows,
      seq: this.seq,
      heldFrom: this.heldFrom,
      exit: this.exit,
      startedAt: new Date(this.startedAtMs).toISOString(),
    };
  }
}

function tokensEqual(given: unknown, expected: Buffer): boolean {
  if (typeof given !== 'string') return false;
  const bytes = Buffer.from(given, 'utf8');
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}

/**
 * The terminal host: owns the PTYs so that they outlive the web server (docs/terminal-host.md).
 * One server talks to it at a time, over a Unix socket in a directory of mode 0700, after proving it
 * read the token file beside the socket. Output the server has not stored is held (up to
 * `holdBytes` per terminal, then the program waits) and sent again to the next server from where
 * that one's stored output ends.
 */
export async function startTerminalHost(options: TerminalHostOptions) {
  const { ptyHost, log, version } = options;
  const holdBytes = options.holdBytes ?? DEFAULT_HOLD_BYTES;
  const paths = hostPaths(options.dir);
  const token = Buffer.from(ensureHostToken(paths.dir), 'utf8');
  if (token.length < 32) throw new Error(`${paths.token} holds no usable token`);

  const terminals = new Map<string, HostedTerminal>();
  let current: Connection | null = null;
  let idleSince = Date.now();
  let stopped = false;

  function send(connection: Connection, message: HostMessage, body?: Buffer): void {
    if (connection.socket.destroyed) return;
    if (!connection.socket.write(encodeFrame(message, body))) connection.busy = true;
  }

  /** Sends the current server what it lacks of `terminal`, within its window, then the exit. */
  function pump(terminal: HostedTerminal): void {
    const connection = current;
    if (!connection || terminal.sentSeq === null) return;
    while (terminal.sentSeq < terminal.seq && !connection.busy) {
      const room = terminal.heldFrom + connection.window - terminal.sentSeq;
      if (room <= 0) return;
      const to = Math.min(terminal.seq, terminal.sentSeq + Math.min(room, 256 * 1024));
      const data = terminal.slice(terminal.sentSeq, to);
      terminal.sentSeq = to;
      send(connection, { t: 'output', id: terminal.id, seq: to }, data);
    }
    if (terminal.exit && !terminal.exitSent && terminal.sentSeq === terminal.seq) {
      terminal.exitSent = true;
      send(connection, { t: 'exit', id: terminal.id, seq: terminal.seq, ...terminal.exit, ...(terminal.endReason ? { reason: terminal.endReason } : {}) });
    }
  }

  function track(id: string, pty: PtyProcess, cols: number, rows: number): HostedTerminal {
    const terminal = new HostedTerminal(id, pty, cols, rows, holdBytes);
    terminals.set(id, terminal);
    pty.onData((chunk) => {
      terminal.hold(chunk);
      pump(terminal);
    });
    pty.onExit(({ exitCode, signal }) => {
      terminal.exit = { exitCode, signal };
      terminal.updateFlow();
      log.info({ terminal: id, exitCode, signal }, 'terminal ended');
      pump(terminal);
    });
    return terminal;
  }

  async function handleRequest(message: ServerMessage & { req: number }): Promise<object | undefined> {
    switch (message.t) {
      case 'spawn': {
        if (terminals.has(message.id)) throw new Error(`terminal ${message.id} already exists`);
        const { spawn } = message;
        const pty = await ptyHost.spawn({ id: message.id, ...spawn });
        const terminal = track(message.id, pty, spawn.cols, spawn.rows);
        terminal.sentSeq = 0;
        log.info({ terminal: message.id, pid: pty.pid }, 'terminal started');
        return { pid: pty.pid };
      }
      case 'list':
        return { terminals: [...terminals.values()].map((terminal) => terminal.info()) };
      case 'adopt': {
        const terminal = terminals.get(message.id);
        if (!terminal) throw new Error(`no terminal ${message.id}`);
        // What the server has stored needs holding no longer; it may lack some of what was held.
        const from = Math.min(terminal.seq, Math.max(terminal.heldFrom, message.from));
        terminal.stored(from);
        terminal.sentSeq = from;
        terminal.exitSent = false;
        terminal.serverPaused = false;
        terminal.updateFlow();
        // After the reply: the server learns where output resumes before the output itself.
        setImmediate(() => pump(terminal));
        return { from, pid: terminal.pty.pid, seq: terminal.seq };
      }
      case 'kill':
        await ptyHost.killSession(message.pid, message.graceMs);
        return {};
      case 'shutdown':
        await shutdown(message.graceMs);
        return {};
      case 'memory':
        return { memory: memoryHeld(message.gc === true) };
      default:
        return undefined;
    }
  }

  function handle(connection: Connection, message: ServerMessage, body: Buffer | null): void {
    if ('req' in message) {
      const req = message.req;
      handleRequest(message).then(
        (result) => send(connection, { t: 'reply', req, ok: true, ...result }),
        (error: unknown) => send(connection, { t: 'reply', req, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
      return;
    }
    const terminal = 'id' in message ? terminals.get(message.id) : undefined;
    if (!terminal) return;
    switch (message.t) {
      case 'input':
        if (!body || terminal.exit) return;
        if (message.device !== undefined && message.inputId !== undefined) {
          if (!terminal.pty.write(body, { device: message.device, inputId: message.inputId })) {
            send(connection, { t: 'duplicate', id: terminal.id, device: message.device, inputId: message.inputId });
          }
        } else {
          terminal.pty.write(body);
        }
        return;
      case 'resize':
        if (terminal.exit) return;
        try {
          terminal.pty.resize(message.cols, message.rows);
          terminal.cols = message.cols;
          terminal.rows = message.rows;
        } catch {
          // closing under us; its exit follows
        }
        return;
      case 'pause':
      case 'resume':
        terminal.serverPaused = message.t === 'pause';
        terminal.updateFlow();
        return;
      case 'stored':
        terminal.stored(message.seq);
        pump(terminal);
        return;
      case 'release':
        if (terminal.exit) terminals.delete(terminal.id);
        return;
    }
  }

  function accept(socket: net.Socket): void {
    const decoder = new FrameDecoder<ServerMessage>();
    let connection: Connection | null = null;
    const helloTimer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => {
      let frames;
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        log.warn({ err: error }, 'a client broke the host protocol; closed');
        socket.destroy();
        return;
      }
      for (const { header, body } of frames) {
        if (!connection) {
          if (header.t !== 'hello' || !tokensEqual(header.token, token)) {
            log.warn({}, 'a local process without the token tried the host socket; closed');
            socket.destroy();
            return;
          }
          if (header.protocol !== HOST_PROTOCOL_VERSION) {
            socket.end(encodeFrame({ t: 'bye', reason: `this host speaks protocol ${HOST_PROTOCOL_VERSION}, not ${header.protocol}` }));
            return;
          }
          clearTimeout(helloTimer);
          connection = { socket, window: Math.max(64 * 1024, Number(header.window) || 0), busy: false, control: header.control === true };
          if (connection.control) send(connection, welcome());
          else takeOver(connection);
          continue;
        }
        if (connection.control) {
          // An operator's command: it may look and shut the host down, nothing else.
          if (header.t === 'list' || header.t === 'shutdown' || header.t === 'memory') handle(connection, header, body);
          continue;
        }
        if (connection !== current) return;
        handle(connection, header, body);
      }
    });
    socket.on('drain', () => {
      if (!connection || connection !== current) return;
      connection.busy = false;
      for (const terminal of terminals.values()) pump(terminal);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(helloTimer);
      if (connection && connection === current) {
        current = null;
        idleSince = Date.now();
        for (const terminal of terminals.values()) {
          terminal.sentSeq = null;
          // Nobody holds the program back but the host's own limit.
          terminal.serverPaused = false;
          terminal.updateFlow();
        }
        log.info({ terminals: terminals.size }, 'the server disconnected; terminals keep running');
      }
    });
  }

  /** A server connected: it replaces any earlier one, and adopts the terminals it knows. */
  function takeOver(connection: Connection): void {
    const previous = current;
    current = connection;
    if (previous) {
      previous.socket.end(encodeFrame({ t: 'bye', reason: 'another server connected' }));
      previous.socket.destroy();
    }
    for (const terminal of terminals.values()) {
      terminal.sentSeq = null;
      terminal.serverPaused = false;
      terminal.updateFlow();
    }
    send(connection, welcome());
    log.info({ terminals: terminals.size }, 'a server connected');
  }

  const startedAt = new Date();
  const welcome = (): HostMessage => ({ t: 'welcome', protocol: HOST_PROTOCOL_VERSION, version, pid: process.pid, startedAt: startedAt.toISOString() });
  const server = net.createServer(accept);
  // The socket is created with the umask's mode: never, even for a moment, open beyond this user.
  const umask = process.umask(0o077);
  try {
    await listenReplacingStale(server, paths.socket);
  } finally {
    process.umask(umask);
  }
  chmodSync(paths.socket, 0o600);
  writeFileSync(paths.pid, `${process.pid}\n`, { mode: 0o600 });
  log.info({ socket: paths.socket, pid: process.pid, version }, 'terminal host listening');

  const idleTimer =
    options.idleExitMs === null
      ? null
      : setInterval(() => {
          if (current || terminals.size > 0) {
            idleSince = Date.now();
            return;
          }
          if (Date.now() - idleSince >= (options.idleExitMs ?? 0)) void stop('idle');
        }, Math.min(5_000, Math.max(100, Math.floor((options.idleExitMs ?? 0) / 4))));
  idleTimer?.unref();

  async function stop(reason: string): Promise<void> {
    if (stopped) return;
    stopped = true;
    if (idleTimer) clearInterval(idleTimer);
    rmSync(paths.pid, { force: true });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    current?.socket.end();
    await closed;
    log.info({ reason }, 'terminal host stopped');
    options.onStopped?.(reason);
  }

  /** Ends every terminal (their exits reach the server), then stops. */
  async function shutdown(graceMs: number): Promise<void> {
    const running = [...terminals.values()].filter((terminal) => !terminal.exit);
    log.info({ terminals: running.length }, 'shutting down on request: ending every terminal');
    for (const terminal of running) terminal.endReason = 'host-restarted';
    await Promise.all(running.map((terminal) => ptyHost.killSession(terminal.pty.pid, graceMs)));
    const deadline = Date.now() + graceMs + 2_000;
    while (running.some((terminal) => !terminal.exit || !terminal.exitSent) && Date.now() < deadline && current) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    setImmediate(() => void stop('shutdown'));
  }

  return {
    socketPath: paths.socket,
    terminals: () => [...terminals.values()].map((terminal) => terminal.info()),
    stop,
  };
}

export type TerminalHost = Awaited<ReturnType<typeof startTerminalHost>>;

/** Listens on `socketPath`; a socket file left by a host that died is replaced, a live host's is not. */
async function listenReplacingStale(server: net.Server, socketPath: string): Promise<void> {
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const alive = await new Promise<boolean>((resolve) => {
      const probe = net.connect(socketPath);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (alive) throw Object.assign(new Error(`another terminal host is running on ${socketPath}`), { code: 'HOST_RUNNING' });
    unlinkSync(socketPath);
    await listen();
  }
}

let collectGarbage: (() => void) | null = null;

/** What the host holds (its heap and Buffers per terminal are what the bench's memory targets count). */
function memoryHeld(afterGc: boolean): HostMemory {
  if (afterGc) {
    // The host is not started with --expose-gc: a collection asked for by an operator's command only.
    if (!collectGarbage) {
      setFlagsFromString('--expose-gc');
      collectGarbage = runInNewContext('gc') as () => void;
    }
    collectGarbage();
  }
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}
