import type { FastifyBaseLogger } from 'fastify';
import type { PtyProcess } from '../../infra/pty-host.js';
import { type FairShare, type FairShareState, initialFairShareState } from './fair-share.js';
import type { OutputStore, PersistTarget } from './output-store.js';
import { RingBuffer } from './ring-buffer.js';

/** How a terminal ended. */
export interface SessionEnd {
  exitCode: number | null;
  signal: number | null;
  /** exited | killed | idle-timeout | server-shutdown | server-restart | workspace-deleted | … */
  reason: string;
}

/**
 * Where one attached client's traffic goes (implemented by the socket layer). The session decides
 * what to send and when; the sink only delivers.
 */
export interface OutputSink {
  readonly clientId: string;
  /** `data` is borrowed (it may be the ring buffer's memory, overwritten by later output): copy what is kept past the call. */
  output(sessionId: string, seq: number, data: Buffer): void;
  /** The client must clear its screen: what follows starts at `seq`, not where it was. */
  reset(sessionId: string, seq: number): void;
  /** The client stopped acknowledging and no longer holds the PTY back; it is sent nothing until it acknowledges `seq`. */
  behind(sessionId: string, seq: number): void;
  resized(sessionId: string, cols: number, rows: number): void;
  exit(sessionId: string, end: SessionEnd & { seq: number }): void;
  /** From output offset `seq` on, this client is (or is no longer) the one that answers the program's queries. */
  answering(sessionId: string, answering: boolean, seq: number): void;
  /** True while earlier messages are still being written to the network: new output waits and coalesces. */
  isBusy(): boolean;
}

export interface FlowSettings {
  highWatermarkBytes: number;
  lowWatermarkBytes: number;
  stallTimeoutMs: number;
}

export interface SessionDeps {
  store: OutputStore;
  flow: FlowSettings;
  ringBufferBytes: number;
  log: FastifyBaseLogger;
  /** Wall-clock milliseconds of the app clock (idle timeout). */
  now: () => number;
  onOutputBytes(bytes: number): void;
  onInputBytes(bytes: number): void;
  /** The PTY exited; resolve once the end is recorded (the session then tells its clients). */
  onExit(session: TerminalSession): Promise<void>;
  onDetached(session: TerminalSession): void;
  fairShare: FairShare;
}

export interface SessionMeta {
  workspaceId: string | null;
  name: string | null;
  shell: string;
  cwd: string;
  pid: number | null;
  createdAt: Date;
}

/** Largest output message; bigger runs are split so acknowledgements flow while a flood is sent. */
const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * While output keeps arriving, it is held back until this much is pending (or an event-loop turn
 * brings nothing new): one network write per burst instead of one per PTY read.
 */
const COALESCE_BYTES = 32 * 1024;
/** What a client replaying older output may have unacknowledged. */
const CATCHUP_WINDOW_BYTES = 1024 * 1024;
/** Largest read from disk for a client catching up. */
const MAX_STORED_READ_BYTES = 1024 * 1024;

type AttachmentState = 'live' | 'catchup' | 'behind';

const monotonicMs = () => performance.now();

/**
 * One client attached to one terminal: the handle socket handlers use. Every method is safe to
 * call after the attachment ended (it does nothing).
 */
export class Attachment {
  /** Output offset sent up to. */
  sentSeq = 0;
  /** Output offset the client said it has processed. */
  ackedSeq = 0;
  /**
   * live: counts for flow control (the PTY waits for it). catchup: replaying older output at its
   * own pace; becomes live once within the low watermark. behind: stopped acknowledging; sent
   * nothing until it acknowledges what it was sent.
   */
  state: AttachmentState = 'live';
  reading = false;
  closed = false;
  exitSent = false;
  pendingReset = false;
  cols: number | null = null;
  rows: number | null = null;
  lastAckProgressAt = monotonicMs();

  constructor(
    readonly session: TerminalSession,
    readonly sink: OutputSink,
  ) {}

  /** Sends the reset (if the client's `lastSeq` could not be honoured) and the output it misses. */
  start(): void {
    this.session.startAttachment(this);
  }

  input(data: string | Buffer): void {
    this.session.input(this, data);
  }

  resize(cols: number, rows: number): void {
    this.session.resizeFrom(this, cols, rows);
  }

  ack(seq: number): void {
    this.session.ack(this, seq);
  }

  /** The transport can take more: send what is waiting. */
  pump(): void {
    this.session.pump(this);
  }

  detach(): void {
    this.session.detach(this);
  }
}

/**
 * One terminal: its PTY, output stream (offsets, ring buffer, persistence) and attached clients,
 * with flow control between them.
 *
 * Flow control (docs/protocol.md, "Flow control"): a client is sent at most `highWatermarkBytes`
 * beyond what it acknowledged. The PTY is paused while any live client is `highWatermarkBytes`
 * behind, or while `persistHighBytes` of output are not yet on disk, and resumed once
 * every live client is within `lowWatermarkBytes` and persistence caught up. A live client that
 * holds the PTY paused without acknowledging anything for `stallTimeoutMs` becomes "behind": it
 * no longer holds the PTY, and later catches up from the ring buffer or from disk (or gets a
 * reset when its position was trimmed).
 */
export class TerminalSession implements PersistTarget {
  seq: number;
  persistedSeq: number;
  retainedStart: number;
  readonly ring: RingBuffer;
  readonly attachments = new Set<Attachment>();
  cols: number;
  rows: number;
  end: SessionEnd | null;
  /** The reason given when the server started ending the terminal. */
  terminating: string | null = null;
  lastActivityMs: number;
  outputSinceSweep = false;
  activityUnsaved = false;
  readonly exited: Promise<void>;
  /** Settles once the end is recorded in the database. */
  finalized: Promise<void> | null = null;
  /** The end is recorded: clients get `terminal:exit` once they have all output. */
  finalizedDone = false;
  private resolveExited!: () => void;
  private paused = false;
  /** How often the PTY was paused (diagnostics). */
  pauseCount = 0;
  /** How often the PTY paused to leave the CPU to a terminal being typed in (diagnostics). */
  yieldCount = 0;
  /** PTY reads so far (diagnostics: compare with the messages sent). */
  readCount = 0;
  private stallTimer: NodeJS.Timeout | null = null;
  private readonly persistHighBytes: number;
  private readonly persistLowBytes: number;
  /** Output is streaming: new output waits for the end of the burst or COALESCE_BYTES (see onData). */
  private coalescing = false;
  private arrivedSinceCheck = false;
  /** Set while paused to leave the CPU to a terminal being typed in (fair-share.ts). */
  private yieldTimer: NodeJS.Timeout | null = null;
  private readonly share: FairShareState = initialFairShareState();
  /**
   * The one client that answers the program's queries (cursor position, device attributes, colours):
   * the last one to type, else the most recently attached (docs/protocol.md, "Answering queries").
   */
  private answerer: Attachment | null = null;

  constructor(
    readonly id: string,
    readonly meta: SessionMeta,
    private readonly deps: SessionDeps,
    private readonly pty: PtyProcess | null,
    init: { cols: number; rows: number; seq?: number; retainedStart?: number; end?: SessionEnd | null },
  ) {
    this.seq = init.seq ?? 0;
    this.persistedSeq = this.seq;
    this.retainedStart = init.retainedStart ?? this.seq;
    this.ring = new RingBuffer(deps.ringBufferBytes, deps.ringBufferBytes * 2, this.seq);
    this.cols = init.cols;
    this.rows = init.rows;
    this.end = init.end ?? null;
    this.lastActivityMs = deps.now();
    this.persistHighBytes = deps.ringBufferBytes - 2 * MAX_MESSAGE_BYTES;
    this.persistLowBytes = Math.floor(this.persistHighBytes / 2);
    this.exited = new Promise((resolve) => {
      this.resolveExited = resolve;
    });
    if (this.end || !pty) {
      this.resolveExited();
      this.finalized = Promise.resolve();
      this.finalizedDone = true;
      return;
    }
    pty.onData((chunk) => this.onData(chunk));
    pty.onExit(({ exitCode, signal }) => void this.onExit(exitCode, signal));
  }

  /** The shell is running and the server is not ending it. */
  get isRunning(): boolean {
    return this.pty !== null && this.end === null;
  }

  get pid(): number | null {
    return this.pty?.pid ?? null;
  }

  get inMemoryFrom(): number {
    return this.ring.start;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  view(from: number, to: number): Buffer {
    return this.ring.view(from, to);
  }

  onPersisted(): void {
    if (this.paused) this.updateFlow();
  }

  /** The oldest offset a client can still be sent. */
  get earliestAvailable(): number {
    return Math.min(this.retainedStart, this.ring.start);
  }

  /**
   * The first output after a quiet turn (a keystroke's echo, a prompt) leaves at once. What follows
   * in the same burst waits in the ring buffer until an event-loop turn brings no more or
   * COALESCE_BYTES are pending: a flood leaves in few large messages instead of one per PTY read,
   * and no timer ever holds output back.
   */
  private onData(chunk: Buffer): void {
    this.readCount++;
    this.ring.push(chunk, this.persistedSeq);
    this.seq += chunk.length;
    this.outputSinceSweep = true;
    this.arrivedSinceCheck = true;
    this.deps.onOutputBytes(chunk.length);
    this.deps.store.noteOutput(this, chunk.length);
    if (!this.coalescing) {
      this.coalescing = true;
      setImmediate(this.endOfTurn);
      for (const attachment of this.attachments) this.pump(attachment);
    }
    for (const attachment of this.attachments) if (this.seq - attachment.sentSeq >= COALESCE_BYTES) this.pump(attachment);
    this.yieldIfOverShare(chunk.length);
    this.updateFlow();
  }

  /** Holds the PTY (through updateFlow) while this terminal, flooding while another is typed in, is over its share. */
  private yieldIfOverShare(bytes: number): void {
    // Reads that arrive while already yielding are charged too: the debt carries over.
    const pauseMs = this.deps.fairShare.pauseFor(this, this.share, bytes);
    if (pauseMs <= 0 || this.yieldTimer) return;
    this.yieldCount++;
    this.yieldTimer = setTimeout(() => this.stopYielding(), pauseMs);
  }

  private stopYielding(): void {
    if (!this.yieldTimer) return;
    clearTimeout(this.yieldTimer);
    this.yieldTimer = null;
    this.updateFlow();
  }

  /** Runs after each event-loop turn of a burst: sends what waits once the burst pauses. */
  private readonly endOfTurn = (): void => {
    if (this.arrivedSinceCheck) {
      this.arrivedSinceCheck = false;
      setImmediate(this.endOfTurn);
      return;
    }
    this.coalescing = false;
    for (const attachment of [...this.attachments]) this.pump(attachment);
  };

  private onExit(exitCode: number, signal: number | null): Promise<void> {
    if (this.finalized) return this.finalized;
    // A shell ended by a signal reports 128 + signal, as shells do for their children.
    this.end = { exitCode: signal ? 128 + signal : exitCode, signal: signal || null, reason: this.terminating ?? 'exited' };
    this.clearStallTimer();
    this.paused = false;
    this.resolveExited();
    this.finalized = (async () => {
      try {
        await this.deps.onExit(this);
      } catch (error) {
        this.deps.log.error({ err: error, sessionId: this.id }, 'recording the end of a terminal failed');
      }
      this.finalizedDone = true;
      for (const attachment of [...this.attachments]) this.pump(attachment);
    })();
    return this.finalized;
  }

  /** Ends the session record without an exit from the PTY (it never reported one). */
  forceEnd(reason: string): Promise<void> {
    this.terminating ??= reason;
    return this.onExit(-1, null);
  }

  attach(sink: OutputSink, options: { lastSeq?: number | null; cols?: number; rows?: number }): Attachment {
    const attachment = new Attachment(this, sink);
    const requested = options.lastSeq ?? 0;
    let from = requested;
    if (from > this.seq || from < this.earliestAvailable) from = this.earliestAvailable;
    attachment.pendingReset = from !== requested;
    attachment.sentSeq = from;
    attachment.ackedSeq = from;
    attachment.state = this.seq - from <= this.deps.flow.lowWatermarkBytes ? 'live' : 'catchup';
    this.attachments.add(attachment);
    if (!this.answerer || this.answerer.closed) this.answerer = attachment;
    this.lastActivityMs = this.deps.now();
    this.activityUnsaved = true;
    if (options.cols !== undefined && options.rows !== undefined) this.resizeFrom(attachment, options.cols, options.rows);
    return attachment;
  }

  startAttachment(attachment: Attachment): void {
    if (attachment.closed) return;
    if (attachment.pendingReset) {
      attachment.pendingReset = false;
      attachment.sink.reset(this.id, attachment.sentSeq);
    }
    attachment.sink.answering(this.id, this.answerer === attachment, this.seq);
    this.pump(attachment);
    this.updateFlow();
  }

  detach(attachment: Attachment): void {
    if (attachment.closed) return;
    attachment.closed = true;
    this.attachments.delete(attachment);
    if (this.answerer === attachment) this.handAnswering([...this.attachments].at(-1) ?? null);
    this.lastActivityMs = this.deps.now();
    this.updateFlow();
    this.deps.onDetached(this);
  }

  input(attachment: Attachment, data: string | Buffer): void {
    if (attachment.closed || !this.pty || this.end) return;
    // Before the input reaches the program: whatever it asks in reply is this client's to answer.
    if (this.answerer !== attachment) this.handAnswering(attachment);
    // The most recently active client's size wins (docs/protocol.md, "Size").
    if (attachment.cols !== null && attachment.rows !== null && (attachment.cols !== this.cols || attachment.rows !== this.rows)) {
      this.applySize(attachment.cols, attachment.rows, attachment);
    }
    this.pty.write(data);
    this.deps.fairShare.noteInput(this);
    // Typed into, it is the terminal that must not wait (a Ctrl-C's prompt must come back at once).
    this.stopYielding();
    this.deps.onInputBytes(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    this.lastActivityMs = this.deps.now();
    this.activityUnsaved = true;
  }

  /** Makes `next` the client that answers queries, from the current end of the stream on, and tells both. */
  private handAnswering(next: Attachment | null): void {
    const previous = this.answerer;
    this.answerer = next;
    if (previous && !previous.closed) previous.sink.answering(this.id, false, this.seq);
    if (next) next.sink.answering(this.id, true, this.seq);
  }

  resizeFrom(attachment: Attachment, cols: number, rows: number): void {
    if (attachment.closed) return;
    attachment.cols = cols;
    attachment.rows = rows;
    if (this.pty && !this.end && (cols !== this.cols || rows !== this.rows)) this.applySize(cols, rows, attachment);
  }

  private applySize(cols: number, rows: number, from: Attachment): void {
    if (!this.pty) return;
    try {
      this.pty.resize(cols, rows);
    } catch (error) {
      // The PTY closed under us (the shell is exiting); its exit is reported separately.
      this.deps.log.debug({ err: error, sessionId: this.id }, 'resizing a closing terminal failed');
      return;
    }
    this.cols = cols;
    this.rows = rows;
    for (const other of this.attachments) if (other !== from) other.sink.resized(this.id, cols, rows);
  }

  ack(attachment: Attachment, seq: number): void {
    if (attachment.closed) return;
    const acked = Math.min(seq, attachment.sentSeq);
    if (acked > attachment.ackedSeq) {
      attachment.ackedSeq = acked;
      attachment.lastAckProgressAt = monotonicMs();
    }
    if (attachment.state === 'behind' && attachment.ackedSeq >= attachment.sentSeq) attachment.state = 'catchup';
    if (attachment.state === 'catchup' && this.seq - attachment.ackedSeq <= this.deps.flow.lowWatermarkBytes) {
      attachment.state = 'live';
    }
    this.pump(attachment);
    this.updateFlow();
  }

  /** Sends `attachment` what it lacks, as far as its window and its transport allow. */
  pump(attachment: Attachment): void {
    if (attachment.closed || attachment.state === 'behind' || attachment.reading) return;
    // A client replaying older output gets a larger window: fewer round trips per megabyte.
    const window = attachment.state === 'live' ? this.deps.flow.highWatermarkBytes : Math.max(this.deps.flow.highWatermarkBytes, CATCHUP_WINDOW_BYTES);
    while (attachment.sentSeq < this.seq) {
      if (attachment.sink.isBusy()) return;
      const room = attachment.ackedSeq + window - attachment.sentSeq;
      if (room <= 0) return;
      if (attachment.sentSeq < this.ring.start) {
        void this.sendStored(attachment, Math.min(room, MAX_STORED_READ_BYTES));
        return;
      }
      const to = Math.min(this.seq, attachment.sentSeq + Math.min(room, MAX_MESSAGE_BYTES));
      // One copy on the way out: the transport frames the ring's bytes into its own message.
      const data = this.ring.view(attachment.sentSeq, to);
      attachment.sentSeq = to;
      attachment.sink.output(this.id, to, data);
    }
    if (this.end && !attachment.exitSent && this.finalizedDone) {
      attachment.exitSent = true;
      attachment.sink.exit(this.id, { ...this.end, seq: this.seq });
      this.detach(attachment);
    }
  }

  private async sendStored(attachment: Attachment, maxBytes: number): Promise<void> {
    attachment.reading = true;
    let range: Awaited<ReturnType<OutputStore['read']>> = null;
    try {
      range = await this.deps.store.read(this.id, attachment.sentSeq, maxBytes);
    } catch (error) {
      this.deps.log.error({ err: error, sessionId: this.id }, 'reading terminal output failed');
    }
    attachment.reading = false;
    if (attachment.closed) return;
    const memoryFrom = this.ring.start;
    if (!range || range.start >= memoryFrom) {
      // Nothing stored between here and what memory holds: skip the hole.
      if (attachment.sentSeq < memoryFrom) this.resetAttachment(attachment, memoryFrom);
    } else {
      if (range.start > attachment.sentSeq) this.resetAttachment(attachment, range.start);
      if (range.end > attachment.sentSeq) {
        attachment.sentSeq = range.end;
        attachment.sink.output(this.id, range.end, range.data);
      }
    }
    this.pump(attachment);
  }

  private resetAttachment(attachment: Attachment, seq: number): void {
    attachment.sink.reset(this.id, seq);
    attachment.sentSeq = seq;
    attachment.ackedSeq = seq;
    attachment.lastAckProgressAt = monotonicMs();
  }

  /** Pauses or resumes the PTY from the live clients' lag and the persistence backlog. */
  updateFlow(): void {
    if (!this.pty) return;
    if (this.end || this.terminating) {
      if (this.paused) {
        this.paused = false;
        this.pty.resume();
      }
      this.clearStallTimer();
      return;
    }
    const { highWatermarkBytes, lowWatermarkBytes, stallTimeoutMs } = this.deps.flow;
    let clientLag = 0;
    for (const attachment of this.attachments) {
      if (attachment.state === 'live') clientLag = Math.max(clientLag, this.seq - attachment.ackedSeq);
    }
    const persistLag = this.seq - this.persistedSeq;
    if (!this.paused) {
      if (this.yieldTimer || clientLag >= highWatermarkBytes || persistLag >= this.persistHighBytes) {
        this.paused = true;
        this.pauseCount++;
        this.pty.pause();
      }
    } else if (!this.yieldTimer && clientLag <= lowWatermarkBytes && persistLag <= this.persistLowBytes) {
      this.paused = false;
      this.pty.resume();
    }
    if (this.paused && clientLag > lowWatermarkBytes) {
      this.stallTimer ??= setTimeout(() => this.dropStalledClients(), stallTimeoutMs);
    } else {
      this.clearStallTimer();
    }
  }

  private dropStalledClients(): void {
    this.stallTimer = null;
    const { lowWatermarkBytes, stallTimeoutMs } = this.deps.flow;
    const now = monotonicMs();
    for (const attachment of this.attachments) {
      if (
        attachment.state === 'live' &&
        this.seq - attachment.ackedSeq > lowWatermarkBytes &&
        now - attachment.lastAckProgressAt >= stallTimeoutMs - 1
      ) {
        attachment.state = 'behind';
        this.deps.log.info({ sessionId: this.id, client: attachment.sink.clientId, sentSeq: attachment.sentSeq, ackedSeq: attachment.ackedSeq }, 'terminal client stopped acknowledging; dropped to resync');
        attachment.sink.behind(this.id, attachment.sentSeq);
      }
    }
    this.updateFlow();
  }

  private clearStallTimer(): void {
    if (this.stallTimer) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
  }

  /** Gives memory back when nothing needs the older in-memory output. */
  compact(keepBytes: number): void {
    let keepFrom = this.persistedSeq;
    for (const attachment of this.attachments) keepFrom = Math.min(keepFrom, attachment.sentSeq);
    this.ring.shrink(keepBytes, keepFrom);
  }
}
