/**
 * The protocol between the web server and the terminal host (docs/terminal-host.md): frames over a
 * Unix domain socket, each a JSON header and an optional binary body (terminal output and input
 * travel as raw bytes, never decoded).
 *
 * Frame: u32 (big-endian) length of the rest · u32 length of the header · header (UTF-8 JSON) · body.
 */

/** Bumped when a message changes meaning; a server refuses a host that speaks a version it does not know. */
export const HOST_PROTOCOL_VERSION = 1;
/** Versions of the host this server can drive (an older host keeps working after an upgrade of the server). */
export const SUPPORTED_HOST_PROTOCOLS: readonly number[] = [1];

/** Largest frame accepted: a body is at most one output chunk or one input message. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export interface SpawnRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
}

/** What the host knows of one of its terminals (`list`). */
export interface HostedTerminalInfo {
  id: string;
  pid: number;
  cols: number;
  rows: number;
  /** The end of its output stream. */
  seq: number;
  /** The host holds output from here on (what the server has not yet said it stored). */
  heldFrom: number;
  /** Set once the shell exited (the host keeps the record until the server releases it). */
  exit: { exitCode: number; signal: number | null } | null;
  startedAt: string;
}

/** Server → host. `req` numbers a request; the host answers `reply` with the same number. */
export type ServerMessage =
  /** `control`: an operator's command (list, shutdown only), which does not replace the server's connection. */
  | { t: 'hello'; protocol: number; token: string; window: number; control?: boolean }
  | { t: 'spawn'; req: number; id: string; spawn: SpawnRequest }
  | { t: 'list'; req: number }
  | { t: 'adopt'; req: number; id: string; from: number }
  /** Body: the bytes. `device`/`inputId`: set when the client numbers its input (exactly once across reconnects). */
  | { t: 'input'; id: string; device?: string; inputId?: number }
  | { t: 'resize'; id: string; cols: number; rows: number }
  | { t: 'pause'; id: string }
  | { t: 'resume'; id: string }
  /** Output below `seq` is stored by the server: the host may forget it. */
  | { t: 'stored'; id: string; seq: number }
  | { t: 'kill'; req: number; pid: number; graceMs: number }
  /** The server recorded the terminal's end: the host forgets it. */
  | { t: 'release'; id: string }
  /** Ends every terminal and the host itself (an explicit restart of the host). */
  | { t: 'shutdown'; req: number; graceMs: number }
  /** What the host holds in memory; `gc`: after a full garbage collection (the bench's figures). */
  | { t: 'memory'; req: number; gc?: boolean };

/** The host's `memory` reply, bytes. */
export interface HostMemory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Host → server. */
export type HostMessage =
  | { t: 'welcome'; protocol: number; version: string; pid: number; startedAt: string }
  | { t: 'reply'; req: number; ok: true; pid?: number; terminals?: HostedTerminalInfo[]; from?: number; seq?: number; memory?: HostMemory }
  | { t: 'reply'; req: number; ok: false; error: string }
  /** Body: output bytes ending at offset `seq`. */
  | { t: 'output'; id: string; seq: number }
  /** `reason`: set when the host ended the terminal itself (`host-restarted`: a shutdown on request). */
  | { t: 'exit'; id: string; seq: number; exitCode: number; signal: number | null; reason?: string }
  /** An input the client had already sent through an earlier server was dropped (it ran once already). */
  | { t: 'duplicate'; id: string; device: string; inputId: number }
  | { t: 'bye'; reason: string };

export interface Frame<H> {
  header: H;
  body: Buffer | null;
}

export function encodeFrame(header: object, body?: Buffer | null): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const bodyLength = body ? body.length : 0;
  const frame = Buffer.allocUnsafe(8 + head.length + bodyLength);
  frame.writeUInt32BE(4 + head.length + bodyLength, 0);
  frame.writeUInt32BE(head.length, 4);
  head.copy(frame, 8);
  if (body) body.copy(frame, 8 + head.length);
  return frame;
}

/**
 * Splits a byte stream into frames. Throws on a frame that is malformed or larger than
 * MAX_FRAME_BYTES: the peer is not speaking this protocol and the connection must close.
 */
export class FrameDecoder<H> {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  push(chunk: Buffer): Frame<H>[] {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    const frames: Frame<H>[] = [];
    while (this.pendingBytes >= 4) {
      if (this.pending[0]!.length < 4) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
      const length = this.pending[0]!.readUInt32BE(0);
      if (length < 4 || length > MAX_FRAME_BYTES) throw new Error(`terminal host protocol: a frame of ${length} bytes`);
      // A large frame arrives in many chunks: they are joined once, when it is complete.
      if (this.pendingBytes < 4 + length) break;
      const buffer = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
      const headLength = buffer.readUInt32BE(4);
      if (headLength > length - 4) throw new Error('terminal host protocol: a header longer than its frame');
      const header = JSON.parse(buffer.toString('utf8', 8, 8 + headLength)) as H;
      if (typeof header !== 'object' || header === null || typeof (header as { t?: unknown }).t !== 'string') {
        throw new Error('terminal host protocol: a header without a type');
      }
      const bodyLength = length - 4 - headLength;
      // Bodies are copied out: the decoder's buffer is reused for what follows.
      const body = bodyLength > 0 ? Buffer.from(buffer.subarray(8 + headLength, 4 + length)) : null;
      frames.push({ header, body });
      const rest = buffer.subarray(4 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
    }
    return frames;
  }
}

/** Where the host's socket, token, pid and log live, under DATA_DIR. */
export function hostPaths(dir: string) {
  return {
    dir,
    socket: `${dir}/host.sock`,
    token: `${dir}/token`,
    log: `${dir}/host.log`,
    pid: `${dir}/host.pid`,
  };
}

/** Unix socket paths are limited to 107 bytes on Linux. */
export const MAX_SOCKET_PATH = 107;
