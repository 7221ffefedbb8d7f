import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import {
  encodeFrame,
  FrameDecoder,
  type HostedTerminalInfo,
  type HostMemory,
  type HostMessage,
  HOST_PROTOCOL_VERSION,
  hostPaths,
  MAX_SOCKET_PATH,
  type ServerMessage,
  SUPPORTED_HOST_PROTOCOLS,
} from '../terminal-host/protocol.js';
import { ensureHostToken } from '../terminal-host/token.js';
import type { InputOrigin, PtyHost, PtyProcess, PtySpawnOptions } from './pty-host.js';
import type { TerminalHostView } from '../shared/terminal-host.js';

export type { HostedTerminalInfo } from '../terminal-host/protocol.js';
export { ensureHostToken } from '../terminal-host/token.js';

interface ClientLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface TerminalHostClientOptions {
  /** DATA_DIR/terminal-host: socket, token, log. */
  dir: string;
  log: ClientLog;
  /** Output the host may send ahead of what the server stored. */
  window: number;
  /** auto: start a host when none answers; never: one runs as a service of its own (wait for it). */
  start: 'auto' | 'never';
  /** TERMINAL_USER as given (the host switches to it for each shell). */
  user: string | null;
  /** An operator's command: looks and shuts down, beside the server's connection (never replacing it). */
  control?: boolean;
  /** How long to wait for a host to answer, started or not. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** What the client knows of the host: the connection part of the view Operations shows. */
export type TerminalHostStatus = Pick<TerminalHostView, 'connected' | 'pid' | 'version' | 'protocol' | 'startedAt' | 'problem'>;

/** A request to the host before it is numbered. */
type RequestMessage = Extract<ServerMessage, { req: number }> extends infer M ? (M extends unknown ? Omit<M, 'req'> : never) : never;

type RemoteExit = { exitCode: number; signal: number | null; reason?: string };

/**
 * A PTY the host runs, seen from the server. Events that arrive before listeners are kept for them.
 * Lists are made when first needed, and `client` is one object all of a host's PTYs share: an idle
 * terminal costs the server as little memory as it can (issue 19).
 */
class RemotePty implements PtyProcess {
  private dataListeners: ((data: Buffer) => void)[] | null = null;
  private exitListeners: ((exit: RemoteExit) => void)[] | null = null;
  private early: Buffer[] | null = null;
  private earlyExit: RemoteExit | null = null;
  ended = false;
  /** Output offset received so far (continuity check). */
  seq: number;

  constructor(
    readonly id: string,
    readonly pid: number,
    from: number,
    private readonly client: { send(message: ServerMessage, body?: Buffer): boolean },
  ) {
    this.seq = from;
  }

  onData(listener: (data: Buffer) => void): void {
    if (this.dataListeners) this.dataListeners.push(listener);
    else this.dataListeners = [listener];
    const early = this.early;
    if (early) {
      this.early = null;
      for (const chunk of early) listener(chunk);
    }
  }

  onExit(listener: (exit: RemoteExit) => void): void {
    if (this.exitListeners) {
      this.exitListeners.push(listener);
      return;
    }
    this.exitListeners = [listener];
    if (this.earlyExit) listener(this.earlyExit);
  }

  deliver(data: Buffer): void {
    const listeners = this.dataListeners;
    if (!listeners) {
      if (this.early) this.early.push(data);
      else this.early = [data];
    } else {
      for (const listener of listeners) listener(data);
    }
  }

  finish(exit: RemoteExit): void {
    if (this.ended) return;
    this.ended = true;
    const listeners = this.exitListeners;
    if (!listeners) this.earlyExit = exit;
    else for (const listener of listeners) listener(exit);
  }

  write(data: string | Buffer, origin?: InputOrigin): boolean {
    if (this.ended) return false;
    const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.client.send({ t: 'input', id: this.id, ...(origin ?? {}) }, body);
  }

  resize(cols: number, rows: number): void {
    if (!this.ended) this.client.send({ t: 'resize', id: this.id, cols, rows });
  }

  pause(): void {
    if (!this.ended) this.client.send({ t: 'pause', id: this.id });
  }

  resume(): void {
    if (!this.ended) this.client.send({ t: 'resume', id: this.id });
  }

  stored(seq: number): void {
    if (!this.ended) this.client.send({ t: 'stored', id: this.id, seq });
  }

  release(): void {
    this.client.send({ t: 'release', id: this.id });
  }
}

/** How to start the host: the compiled module from dist/, or the TypeScript source through tsx. */
function hostCommand(): string[] {
  const entry = new URL('../terminal-host/main.' + (import.meta.url.endsWith('.ts') ? 'ts' : 'js'), import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return ['--enable-source-maps', fileURLToPath(entry)];
  return ['--import', import.meta.resolve('tsx'), fileURLToPath(entry)];
}

/** The environment a started host gets: nothing of the server's secrets, only what the host itself reads. */
function hostEnvironment(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'NODE_ENV', 'LOG_LEVEL'];
  return Object.fromEntries(keep.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]));
}

/**
 * The server's side of the terminal host (docs/terminal-host.md): a PtyHost whose PTYs live in
 * another process, so that they outlive this one. Connects (starting a host when none answers and
 * `start` is auto), adopts the terminals the host kept, and when the host dies ends its terminals
 * with `host-exited`; the next terminal starts a new host.
 */
export function createTerminalHostClient(options: TerminalHostClientOptions) {
  const { dir, log, window } = options;
  const paths = hostPaths(dir);
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  if (Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    throw new Error(`The terminal host's socket path ${paths.socket} is longer than the ${MAX_SOCKET_PATH} bytes Unix sockets allow: use a shorter DATA_DIR.`);
  }
  const ptys = new Map<string, RemotePty>();
  const pending = new Map<number, { resolve(value: Record<string, unknown>): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  let nextReq = 1;
  let socket: net.Socket | null = null;
  let connecting: Promise<net.Socket> | null = null;
  let closing = false;
  const status: TerminalHostStatus = { connected: false, pid: null, version: null, protocol: null, startedAt: null, problem: null };

  function send(message: ServerMessage, body?: Buffer): boolean {
    if (!socket || socket.destroyed) return false;
    socket.write(encodeFrame(message, body));
    return true;
  }
  /** What every RemotePty sends through: one object, not one per terminal. */
  const sender = { send };

  function request(message: RequestMessage): Promise<Record<string, unknown>> {
    return ensureConnected().then(
      () =>
        new Promise((resolve, reject) => {
          const req = nextReq++;
          const timer = setTimeout(() => {
            pending.delete(req);
            reject(new Error(`the terminal host did not answer ${message.t} within ${requestTimeoutMs} ms`));
          }, requestTimeoutMs);
          pending.set(req, { resolve, reject, timer });
          send({ ...message, req } as ServerMessage);
        }),
    );
  }

  function onMessage(message: HostMessage, body: Buffer | null): void {
    switch (message.t) {
      case 'output': {
        const pty = ptys.get(message.id);
        if (!pty || !body) return;
        if (message.seq - body.length !== pty.seq) {
          log.error({ terminal: message.id, expected: pty.seq, got: message.seq - body.length }, 'terminal host output out of order');
        }
        pty.seq = message.seq;
        pty.deliver(body);
        return;
      }
      case 'exit': {
        const pty = ptys.get(message.id);
        if (!pty) return;
        ptys.delete(message.id);
        pty.finish({ exitCode: message.exitCode, signal: message.signal, ...(message.reason ? { reason: message.reason } : {}) });
        return;
      }
      case 'reply': {
        const waiter = pending.get(message.req);
        if (!waiter) return;
        pending.delete(message.req);
        clearTimeout(waiter.timer);
        if (message.ok) waiter.resolve(message as unknown as Record<string, unknown>);
        else waiter.reject(new Error(`terminal host: ${message.error}`));
        return;
      }
      case 'duplicate':
        // Input a client sent again after a reconnect had run already: expected, nothing to do.
        return;
      case 'bye':
        log.warn({ reason: message.reason }, 'the terminal host closed the connection');
        status.problem = `The terminal host closed the connection: ${message.reason}.`;
        return;
      case 'welcome':
        return;
    }
  }

  function hostLost(reason: string): void {
    socket = null;
    status.connected = false;
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`the terminal host went away (${reason})`));
    }
    pending.clear();
    const lost = [...ptys.values()];
    ptys.clear();
    if (closing) return;
    if (lost.length > 0) log.error({ terminals: lost.length, reason }, 'the terminal host went away: its terminals ended');
    for (const pty of lost) pty.finish({ exitCode: -1, signal: null, reason: 'host-exited' });
  }

  function tryConnect(): Promise<net.Socket | null> {
    return new Promise((resolve) => {
      const candidate = net.connect(paths.socket);
      candidate.once('connect', () => resolve(candidate));
      candidate.once('error', () => resolve(null));
    });
  }

  function startHostProcess(): void {
    const logFd = openSync(paths.log, 'a', 0o600);
    try {
      const args = [...hostCommand(), '--dir', dir, ...(options.user ? ['--user', options.user] : []), '--idle-exit-seconds', '60'];
      const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd], env: hostEnvironment() });
      child.on('error', (error) => log.error({ err: error }, 'starting the terminal host failed'));
      child.unref();
      log.info({ pid: child.pid, log: paths.log }, 'started a terminal host');
    } finally {
      closeSync(logFd);
    }
  }

  /** Connects and says hello; resolves once the host welcomed this server. */
  async function connect(): Promise<net.Socket> {
    const token = ensureHostToken(dir);
    const deadline = Date.now() + connectTimeoutMs;
    let candidate = await tryConnect();
    if (!candidate && options.start === 'auto') startHostProcess();
    while (!candidate && Date.now() < deadline) {
      await delay(50);
      candidate = await tryConnect();
    }
    if (!candidate) {
      status.problem =
        options.start === 'auto'
          ? `No terminal host answered on ${paths.socket} within ${connectTimeoutMs} ms; its log is ${paths.log}.`
          : `No terminal host answers on ${paths.socket}: start its service (TERMINAL_HOST=service expects one, docs/terminal-host.md).`;
      throw new Error(status.problem);
    }
    const connected = candidate;
    const decoder = new FrameDecoder<HostMessage>();
    const welcome = await new Promise<Extract<HostMessage, { t: 'welcome' }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the terminal host did not welcome this server in time')), connectTimeoutMs);
      let welcomed = false;
      connected.on('data', (chunk: Buffer) => {
        let frames;
        try {
          frames = decoder.push(chunk);
        } catch (error) {
          log.error({ err: error }, 'the terminal host broke the protocol');
          connected.destroy();
          return;
        }
        for (const { header, body } of frames) {
          if (!welcomed && header.t === 'welcome') {
            welcomed = true;
            clearTimeout(timer);
            resolve(header);
            continue;
          }
          if (!welcomed && header.t === 'bye') {
            clearTimeout(timer);
            status.problem = `The terminal host refused this server: ${header.reason}. Restart the host (it ends its terminals).`;
            reject(new Error(status.problem));
            continue;
          }
          onMessage(header, body);
        }
      });
      connected.once('close', () => {
        clearTimeout(timer);
        if (!welcomed) reject(new Error('the terminal host closed the connection before welcoming this server'));
        else if (socket === connected) hostLost('connection closed');
      });
      connected.on('error', () => undefined);
      connected.write(encodeFrame({ t: 'hello', protocol: HOST_PROTOCOL_VERSION, token, window, ...(options.control ? { control: true } : {}) }));
    });
    if (!SUPPORTED_HOST_PROTOCOLS.includes(welcome.protocol)) {
      connected.destroy();
      status.problem = `The running terminal host speaks protocol ${welcome.protocol}, which this server does not; restart the host (it ends its terminals).`;
      throw new Error(status.problem);
    }
    Object.assign(status, { connected: true, pid: welcome.pid, version: welcome.version, protocol: welcome.protocol, startedAt: welcome.startedAt, problem: null });
    log.info({ pid: welcome.pid, version: welcome.version }, 'connected to the terminal host');
    socket = connected;
    return connected;
  }

  function ensureConnected(): Promise<net.Socket> {
    if (closing) return Promise.reject(new Error('the server is closing'));
    if (socket && !socket.destroyed) return Promise.resolve(socket);
    connecting ??= connect().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  async function listTerminals(): Promise<HostedTerminalInfo[]> {
    const reply = await request({ t: 'list' });
    return reply.terminals as HostedTerminalInfo[];
  }

  const host: PtyHost = {
    async spawn(spawnOptions: PtySpawnOptions & { id: string }): Promise<PtyProcess> {
      const { id, ...rest } = spawnOptions;
      const pty = new RemotePty(id, 0, 0, sender);
      ptys.set(id, pty);
      try {
        const reply = await request({ t: 'spawn', id, spawn: rest });
        (pty as { pid: number }).pid = Number(reply.pid);
        return pty;
      } catch (error) {
        ptys.delete(id);
        throw error;
      }
    },
    async killSession(leaderPid: number, graceMs: number): Promise<void> {
      await request({ t: 'kill', pid: leaderPid, graceMs });
    },
  };

  return {
    ...host,
    connect: ensureConnected,
    list: listTerminals,
    /** The running host's terminals; null when none answers (none is started for this). */
    async listIfRunning(): Promise<HostedTerminalInfo[] | null> {
      // Start-up asks this: it must not wait for a host that is not there (nor start one for it).
      if (!socket) {
        const probe = await tryConnect();
        if (!probe) return null;
        probe.destroy();
      }
      try {
        return await listTerminals();
      } catch (error) {
        log.error({ err: error }, 'could not list the terminal host\'s terminals');
        return null;
      }
    },
    /** Takes over a terminal the host kept; its output resumes at `from` (or later, if the host no longer holds it). */
    async adopt(id: string, from: number): Promise<{ pty: PtyProcess; from: number; seq: number }> {
      const pty = new RemotePty(id, 0, from, sender);
      ptys.set(id, pty);
      try {
        const reply = await request({ t: 'adopt', id, from });
        (pty as { pid: number }).pid = Number(reply.pid);
        pty.seq = Number(reply.from);
        return { pty, from: Number(reply.from), seq: Number(reply.seq) };
      } catch (error) {
        ptys.delete(id);
        throw error;
      }
    },
    /** What the host holds in memory (after a full collection when `gc`); null from a host too old to say. */
    async memory(gc = false): Promise<HostMemory | null> {
      const reply = await request({ t: 'memory', gc });
      return (reply.memory as HostMemory | undefined) ?? null;
    },
    /** Ends every terminal and the host; the next terminal starts a new one. */
    async restartHost(graceMs: number): Promise<void> {
      await request({ t: 'shutdown', graceMs });
    },
    status: (): TerminalHostStatus => ({ ...status }),
    /** Disconnects; the host and its terminals keep running. */
    async close(): Promise<void> {
      closing = true;
      const current = socket;
      socket = null;
      if (current && !current.destroyed) {
        await new Promise<void>((resolve) => {
          current.once('close', () => resolve());
          current.end();
          setTimeout(() => {
            current.destroy();
            resolve();
          }, 1_000).unref();
        });
      }
      hostLost('server closing');
    },
  };
}

export type TerminalHostClient = ReturnType<typeof createTerminalHostClient>;
