import type { FastifyBaseLogger } from 'fastify';
import type { InputOrigin, PtyProcess } from '../../infra/pty-host.js';
import { type FairShare, type FairShareState, initialFairShareState } from './fair-share.js';
import type { OutputStore, PersistTarget } from './output-store.js';
import { RingBuffer } from './ring-buffer.js';
import { lastLines, tailText } from './output-text.js';
import { PREVIEW_MAX_LENGTH, type ScreenSnapshot } from './screen-mirror.js';
import type { MirrorPool } from './screen-mirrors.js';
import { SignalParser, type TerminalSignal } from './signals.js';
import { type ActivityReport, TerminalStatus } from './terminal-status.js';
import type { TerminalActivity } from '../../shared/terminals.js';

/** How a terminal ended. */
export interface TerminalEnd {
  exitCode: number | null;
  signal: number | null;
  /** exited | killed | idle-timeout | server-shutdown | server-restart | workspace-deleted | … */
  reason: string;
}

/**
 * Where one attached client's traffic goes (implemented by the socket layer). The terminal decides
 * what to send and when; the sink only delivers.
 */
export interface OutputSink {
  readonly clientId: string;
  /** `data` is borrowed (it may be the ring buffer's memory, overwritten by later output): copy what is kept past the call. */
  output(terminalId: string, seq: number, data: Buffer): void;
  /** The client must clear its screen: what follows starts at `seq`, not where it was. */
  reset(terminalId: string, seq: number): void;
  /** The client stopped acknowledging and no longer holds the PTY back; it is sent nothing until it acknowledges `seq`. */
  behind(terminalId: string, seq: number): void;
  resized(terminalId: string, cols: number, rows: number): void;
  exit(terminalId: string, end: TerminalEnd & { seq: number }): void;
  /** From output offset `seq` on, this client is (or is no longer) the one that answers the program's queries. */
  answering(terminalId: string, answering: boolean, seq: number): void;
  /** The client must clear its screen and write the snapshot's data: what follows starts at its `seq`. */
  snapshot(terminalId: string, snapshot: ScreenSnapshot): void;
  /** True while earlier messages are still being written to the network: new output waits and coalesces. */
  isBusy(): boolean;
}

export interface FlowSettings {
  highWatermarkBytes: number;
  lowWatermarkBytes: number;
  stallTimeoutMs: number;
}

export interface TerminalDeps {
  store: OutputStore;
  flow: FlowSettings;
  ringBufferBytes: number;
  log: FastifyBaseLogger;
  /** Wall-clock milliseconds of the app clock (idle timeout). */
  now: () => number;
  onOutputBytes(bytes: number): void;
  onInputBytes(bytes: number): void;
  /** The PTY exited; resolve once the end is recorded (the terminal then tells its clients). */
  onExit(terminal: Terminal): Promise<void>;
  onDetached(terminal: Terminal): void;
  fairShare: FairShare;
  /** Headless screens for snapshots on attach (screen-mirrors.ts); none: every attach replays. */
  mirrors?: MirrorPool | null;
  /** Scrollback lines above the screen sent with a snapshot (TERMINAL_SNAPSHOT_SCROLLBACK_LINES). */
  snapshotScrollbackLines?: number;
  /** The terminal's activity changed (issue 20): `terminal.activity` says what it is now. */
  onActivity?(terminal: Terminal): void;
}

/**
 * A terminal is mirrored once its retained output passes this: below it a raw replay is quick
 * (docs/performance.md, "Snapshots on attach"), and an idle shell costs no mirror.
 */
export const MIRROR_FROM_BYTES = 256 * 1024;
/** Output handed to the mirror thread in pieces of at most this (and per burst, as clients get it). */
const MIRROR_FEED_BYTES = 256 * 1024;
/** Parse backlog above which the mirror is fed no more for now: it catches up from the ring or the disk later, never holding the PTY. */
const MIRROR_MAX_BACKLOG_BYTES = 4 * 1024 * 1024;
/** Scrollback lines above the screen sent with a snapshot, unless configured otherwise. */
export const SNAPSHOT_SCROLLBACK_ROWS = 1000;
/** How long an attach waits for a lagging mirror to catch up before it snapshots what it has. */
const SNAPSHOT_CATCHUP_MS = 5_000;
/** How much of the newest output an unmirrored terminal's preview looks through. */
const PREVIEW_TAIL_BYTES = 8192;

export interface TerminalMeta {
  workspaceId: string | null;
  name: string | null;
  shell: string;
  cwd: string;
  pid: number | null;
  createdAt: Date;
  /** The agent run whose attempt this terminal is (no idle timeout: the run has its own deadline). */
  runId?: string | null;
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
  /** Taken for this client on attach: sent instead of a replay, before the output from its `seq`. */
  pendingSnapshot: ScreenSnapshot | null = null;
  /** Waiting for its snapshot: nothing is sent yet. */
  awaitingSnapshot = false;

  constructor(
    readonly terminal: Terminal,
    readonly sink: OutputSink,
    /** A read-only viewer (share links, issue 23 §2): never types, resizes or answers queries. */
    readonly readOnly = false,
  ) {}

  /** Sends the reset (if the client's `lastSeq` could not be honoured) and the output it misses. */
  start(): void {
    this.terminal.startAttachment(this);
  }

  input(data: string | Buffer, origin?: InputOrigin): void {
    this.terminal.input(this, data, origin);
  }

  resize(cols: number, rows: number): void {
    this.terminal.resizeFrom(this, cols, rows);
  }

  ack(seq: number): void {
    this.terminal.ack(this, seq);
  }

  /** The transport can take more: send what is waiting. */
  pump(): void {
    this.terminal.pump(this);
  }

  detach(): void {
    this.terminal.detach(this);
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
export class Terminal implements PersistTarget {
  seq: number;
  persistedSeq: number;
  retainedStart: number;
  readonly ring: RingBuffer;
  readonly attachments = new Set<Attachment>();
  cols: number;
  rows: number;
  end: TerminalEnd | null;
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
  /** Offset up to which output went to the screen mirror; null while the terminal is not mirrored. */
  private mirrorSeq: number | null = null;
  /** The mirror is being fed from disk (its position left the ring buffer). */
  private mirrorReading = false;
  /** Attaches waiting for the mirror to catch up (null while none is). */
  private mirrorWaiters: Array<() => void> | null = null;
  /** The last screen preview and the output offset it reflects: a list polled every few seconds reuses it while nothing was printed. */
  private previewCache: { seq: number; rows: number; fromMirror: boolean; lines: string[] } | null = null;
  /** Bells, notifications and shell marks in the live output (never in a replay): created with the PTY. */
  private readonly signals: SignalParser | null = null;
  /** What the terminal is doing, from those signals and the owner's input (terminal-status.ts). */
  private readonly status: TerminalStatus | null = null;
  /**
   * The callbacks handed out on every read, made in the constructor for a running terminal. Not
   * class fields' arrows: tsx (keepNames) gives each of those, per terminal, a `name` of its own,
   * which costs a few hundred bytes per idle terminal (issue 19).
   */
  private readonly onSignal!: (signal: TerminalSignal) => void;
  /** Runs after each event-loop turn of a burst (`turnEnded`). */
  private readonly endOfTurn!: () => void;

  constructor(
    readonly id: string,
    readonly meta: TerminalMeta,
    private readonly deps: TerminalDeps,
    private readonly pty: PtyProcess | null,
    init: { cols: number; rows: number; seq?: number; retainedStart?: number; end?: TerminalEnd | null },
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
    this.signals = new SignalParser();
    this.status = new TerminalStatus(deps.now, monotonicMs);
    this.onSignal = (signal) => {
      if (this.status?.signal(signal)) this.deps.onActivity?.(this);
    };
    this.endOfTurn = () => this.turnEnded();
    pty.onData((chunk) => this.onData(chunk));
    pty.onExit(({ exitCode, signal, reason }) => void this.onExit(exitCode, signal, reason));
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
    // A terminal host holds output until it is stored (docs/terminal-host.md).
    this.pty?.stored?.(this.persistedSeq);
    if (this.paused) this.updateFlow();
  }

  /** The end is recorded: a terminal host may forget the terminal. */
  releasePty(): void {
    this.pty?.release?.();
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
    // Once per live byte, here only: replays are sent from the ring or the disk and never pass through.
    this.signals?.scan(chunk, this.onSignal);
    if (!this.coalescing) {
      this.coalescing = true;
      setImmediate(this.endOfTurn);
      for (const attachment of this.attachments) this.pump(attachment);
    }
    for (const attachment of this.attachments) if (this.seq - attachment.sentSeq >= COALESCE_BYTES) this.pump(attachment);
    if (this.mirrorSeq === null) {
      if (this.deps.mirrors && this.seq - this.earliestAvailable > MIRROR_FROM_BYTES) this.startMirror();
    } else if (this.seq - this.mirrorSeq >= MIRROR_FEED_BYTES) {
      this.feedMirror();
    }
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
  private turnEnded(): void {
    if (this.arrivedSinceCheck) {
      this.arrivedSinceCheck = false;
      setImmediate(this.endOfTurn);
      return;
    }
    this.coalescing = false;
    for (const attachment of [...this.attachments]) this.pump(attachment);
    this.feedMirror();
  }

  private onExit(exitCode: number, signal: number | null, reason?: string): Promise<void> {
    if (this.finalized) return this.finalized;
    // A shell ended by a signal reports 128 + signal, as shells do for their children.
    this.end = { exitCode: signal ? 128 + signal : exitCode, signal: signal || null, reason: this.terminating ?? reason ?? 'exited' };
    this.clearStallTimer();
    this.paused = false;
    this.closeMirror();
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

  /** Ends the terminal record without an exit from the PTY (it never reported one). */
  forceEnd(reason: string): Promise<void> {
    this.terminating ??= reason;
    return this.onExit(-1, null);
  }

  attach(sink: OutputSink, options: { lastSeq?: number | null; cols?: number; rows?: number; readOnly?: boolean }): Attachment {
    const attachment = new Attachment(this, sink, options.readOnly === true);
    const requested = options.lastSeq ?? 0;
    let from = requested;
    if (from > this.seq || from < this.earliestAvailable) from = this.earliestAvailable;
    attachment.pendingReset = from !== requested;
    attachment.sentSeq = from;
    attachment.ackedSeq = from;
    attachment.state = this.seq - from <= this.deps.flow.lowWatermarkBytes ? 'live' : 'catchup';
    this.attachments.add(attachment);
    // A viewer never answers: its answers would be input (docs/protocol.md, "Answering queries").
    if (!attachment.readOnly && (!this.answerer || this.answerer.closed)) this.answerer = attachment;
    this.lastActivityMs = this.deps.now();
    this.activityUnsaved = true;
    if (options.cols !== undefined && options.rows !== undefined) this.resizeFrom(attachment, options.cols, options.rows);
    return attachment;
  }

  /** Whether a client resuming at `lastSeq` is far enough behind for a snapshot to beat a replay. */
  wantsSnapshot(lastSeq: number | null | undefined): boolean {
    if (!this.deps.mirrors || !this.isRunning) return false;
    const from = lastSeq && lastSeq >= this.earliestAvailable && lastSeq <= this.seq ? lastSeq : this.earliestAvailable;
    return this.seq - from > MIRROR_FROM_BYTES;
  }

  /** The client starts from `snapshot` (sent by `start()` instead of a replay), then the output from its seq. */
  startFromSnapshot(attachment: Attachment, snapshot: ScreenSnapshot): void {
    if (attachment.closed) return;
    attachment.pendingSnapshot = snapshot;
    attachment.pendingReset = false;
    attachment.sentSeq = snapshot.seq;
    attachment.ackedSeq = snapshot.seq;
    attachment.lastAckProgressAt = monotonicMs();
    attachment.state = this.seq - snapshot.seq <= this.deps.flow.lowWatermarkBytes ? 'live' : 'catchup';
  }

  startAttachment(attachment: Attachment): void {
    if (attachment.closed) return;
    if (attachment.pendingSnapshot) {
      attachment.sink.snapshot(this.id, attachment.pendingSnapshot);
      attachment.pendingSnapshot = null;
      attachment.pendingReset = false;
    } else if (attachment.pendingReset) {
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
    if (this.answerer === attachment) this.handAnswering([...this.attachments].filter((other) => !other.readOnly).at(-1) ?? null);
    this.lastActivityMs = this.deps.now();
    this.updateFlow();
    this.deps.onDetached(this);
  }

  input(attachment: Attachment, data: string | Buffer, origin?: InputOrigin): void {
    if (attachment.closed || attachment.readOnly || !this.pty || this.end) return;
    // Before the input reaches the program: whatever it asks in reply is this client's to answer.
    if (this.answerer !== attachment) this.handAnswering(attachment);
    // The most recently active client's size wins (docs/protocol.md, "Size").
    if (attachment.cols !== null && attachment.rows !== null && (attachment.cols !== this.cols || attachment.rows !== this.rows)) {
      this.applySize(attachment.cols, attachment.rows, attachment);
    }
    this.pty.write(data, origin);
    if (this.status?.input()) this.deps.onActivity?.(this);
    this.deps.fairShare.noteInput(this);
    // Typed into, it is the terminal that must not wait (a Ctrl-C's prompt must come back at once).
    this.stopYielding();
    this.deps.onInputBytes(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    this.lastActivityMs = this.deps.now();
    this.activityUnsaved = true;
  }

  /** What the running terminal is doing (issue 20); null once it ended or when it has no PTY. */
  get activity(): TerminalActivity | null {
    return this.status && this.isRunning ? this.status.activity : null;
  }

  /** The owner saw the terminal (`terminal:seen`): it no longer counts as needing them. */
  markSeen(): void {
    if (this.isRunning && this.status?.seen()) this.deps.onActivity?.(this);
  }

  /** The program in front went quiet, blocked reading the terminal (manager's read check). */
  markWaitingForRead(): void {
    if (this.isRunning && this.status?.waitingForRead()) this.deps.onActivity?.(this);
  }

  /** A state reported from outside the output (agent hooks); false when the terminal does not run. */
  reportActivity(report: ActivityReport): boolean {
    if (!this.isRunning || !this.status) return false;
    if (this.status.report(report)) this.deps.onActivity?.(this);
    return true;
  }

  /** Makes `next` the client that answers queries, from the current end of the stream on, and tells both. */
  private handAnswering(next: Attachment | null): void {
    const previous = this.answerer;
    this.answerer = next;
    if (previous && !previous.closed) previous.sink.answering(this.id, false, this.seq);
    if (next) next.sink.answering(this.id, true, this.seq);
  }

  resizeFrom(attachment: Attachment, cols: number, rows: number): void {
    if (attachment.closed || attachment.readOnly) return;
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
    // In stream order: the output so far was laid out for the old size.
    if (this.mirrorSeq !== null) {
      this.feedMirror();
      this.deps.mirrors?.resize(this.id, cols, rows);
    }
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
    if (attachment.closed || attachment.state === 'behind' || attachment.reading || attachment.awaitingSnapshot) return;
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

  get isMirrored(): boolean {
    return this.mirrorSeq !== null;
  }

  /** Mirrors the screen from the oldest output still available (read back from disk as needed). */
  private startMirror(): void {
    const mirrors = this.deps.mirrors;
    if (!mirrors || this.mirrorSeq !== null || !this.isRunning) return;
    this.mirrorSeq = this.earliestAvailable;
    mirrors.open(this.id, { cols: this.cols, rows: this.rows, seq: this.mirrorSeq }, () => this.feedMirror());
    this.feedMirror();
  }

  /** Drops the mirror (an idle terminal's memory); the next attach that wants a snapshot starts it again. */
  closeMirror(): void {
    if (this.mirrorSeq === null) return;
    this.mirrorSeq = null;
    this.deps.mirrors?.close(this.id);
    this.wakeMirrorWaiters();
  }

  private wakeMirrorWaiters(): void {
    const waiters = this.mirrorWaiters;
    this.mirrorWaiters = null;
    if (waiters) for (const wake of waiters) wake();
  }

  /** Hands the mirror thread the output it lacks, while its parse backlog is small: it never holds the PTY. */
  private feedMirror(): void {
    const mirrors = this.deps.mirrors;
    if (!mirrors || this.mirrorSeq === null || this.mirrorReading) return;
    while (this.mirrorSeq < this.seq && mirrors.backlog(this.id) < MIRROR_MAX_BACKLOG_BYTES) {
      if (this.mirrorSeq < this.ring.start) {
        void this.feedMirrorFromDisk();
        return;
      }
      const to = Math.min(this.seq, this.mirrorSeq + MIRROR_FEED_BYTES);
      mirrors.write(this.id, this.ring.copy(this.mirrorSeq, to), to);
      this.mirrorSeq = to;
    }
    if (this.mirrorWaiters && this.seq - this.mirrorSeq <= MIRROR_FEED_BYTES) this.wakeMirrorWaiters();
  }

  private async feedMirrorFromDisk(): Promise<void> {
    const from = this.mirrorSeq;
    if (from === null) return;
    this.mirrorReading = true;
    let range: Awaited<ReturnType<OutputStore['read']>> = null;
    try {
      range = await this.deps.store.read(this.id, from, MIRROR_FEED_BYTES);
    } catch (error) {
      this.deps.log.error({ err: error, sessionId: this.id }, 'reading terminal output for its screen mirror failed');
    }
    this.mirrorReading = false;
    if (this.mirrorSeq !== from) return; // closed (or restarted) meanwhile
    if (range && range.end > from && range.start < this.ring.start) {
      // A hole (range.start > from) makes the mirror incomplete: its snapshots are null, attaches replay.
      this.deps.mirrors?.write(this.id, range.data, range.end);
      this.mirrorSeq = range.end;
    } else if (this.earliestAvailable > from) {
      // It lagged past what is retained (a long flood parses slower than it arrives): start again
      // from the oldest byte kept, as a replay would.
      this.closeMirror();
      this.startMirror();
      return;
    } else {
      const resume = this.ring.start;
      this.deps.mirrors?.write(this.id, this.ring.copy(resume, Math.min(this.seq, resume + MIRROR_FEED_BYTES)), Math.min(this.seq, resume + MIRROR_FEED_BYTES));
      this.mirrorSeq = Math.min(this.seq, resume + MIRROR_FEED_BYTES);
    }
    this.feedMirror();
  }

  /**
   * The current screen for a client far behind: starts the mirror if needed, waits (bounded) for it
   * to catch up with the output, and snapshots. Null when the terminal is not mirrored or its
   * mirror missed output: the client gets a replay.
   */
  async takeSnapshot(): Promise<ScreenSnapshot | null> {
    const mirrors = this.deps.mirrors;
    if (!mirrors || !this.isRunning) return null;
    if (this.mirrorSeq === null) this.startMirror();
    if (this.mirrorSeq === null) return null;
    this.feedMirror();
    if (this.seq - this.mirrorSeq > MIRROR_FEED_BYTES || mirrors.backlog(this.id) > MIRROR_MAX_BACKLOG_BYTES) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, SNAPSHOT_CATCHUP_MS);
        (this.mirrorWaiters ??= []).push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.mirrorSeq === null) return null;
    this.feedMirror(); // what arrived meanwhile
    const snapshot = await mirrors.snapshot(this.id, this.deps.snapshotScrollbackLines ?? SNAPSHOT_SCROLLBACK_ROWS);
    if (!snapshot) {
      // It missed output: start again for the next attach (this one gets a replay).
      this.closeMirror();
      return null;
    }
    // Never older than what can still be sent after it.
    if (snapshot.seq < this.earliestAvailable || snapshot.seq > this.seq) return null;
    return snapshot;
  }

  /**
   * The last `rows` non-blank rows of the screen as plain text (issue 19 §3: a list's live preview).
   * A mirrored terminal answers from its headless screen, so a full-screen program shows what it
   * drew; the mirror thread answers with what it has parsed, never waiting for a backlog. Otherwise
   * the output's tail stripped of escapes (output-text.ts). Never starts a mirror: an idle terminal
   * stays cheap. Reused while no output arrived since.
   */
  async screenPreview(rows: number): Promise<string[]> {
    const cached = this.previewCache;
    // A tail-based preview is stale once a mirror (started by an attach) can say better.
    if (cached && cached.rows === rows && cached.seq === this.seq && (cached.fromMirror || this.mirrorSeq === null)) return cached.lines;
    const mirrors = this.deps.mirrors;
    if (mirrors && this.mirrorSeq !== null) {
      this.feedMirror();
      const preview = await mirrors.preview(this.id, rows, PREVIEW_MAX_LENGTH);
      // A mirror far behind (started again, reading the older output back) would show an old screen: the tail is nearer.
      if (preview && this.seq - preview.seq <= MIRROR_FEED_BYTES) {
        // Its seq is what the mirror had parsed: behind, the next call asks again.
        this.previewCache = { seq: preview.seq, rows, fromMirror: true, lines: preview.lines };
        return preview.lines;
      }
    }
    const from = Math.max(this.ring.start, this.seq - PREVIEW_TAIL_BYTES);
    const lines = lastLines(tailText(this.ring.copy(from, this.seq), from === 0), rows, PREVIEW_MAX_LENGTH);
    this.previewCache = { seq: this.seq, rows, fromMirror: false, lines };
    return lines;
  }

  /** Gives memory back when nothing needs the older in-memory output. */
  compact(keepBytes: number): void {
    let keepFrom = this.persistedSeq;
    for (const attachment of this.attachments) keepFrom = Math.min(keepFrom, attachment.sentSeq);
    this.ring.shrink(keepBytes, keepFrom);
  }
}
