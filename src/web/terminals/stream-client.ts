// The client half of docs/protocol.md for one terminal, without a DOM: attach and re-attach from the
// last byte received, exact de-duplication by offset, reset and behind handling, acknowledgements
// driven by the emulator's write callbacks (flow control), input queued while detached, and which
// output may ring, copy or answer queries (stream-roles.ts). The view (terminal-view.ts) renders
// it into xterm.js; the unit tests drive it with an in-memory transport and screen.
import type { TerminalInfo } from '../../shared/terminals.js';
import { StreamRoles, type StreamSegment } from './stream-roles.js';
import type { ServerEvents, TerminalTransport } from './transport-contract.js';

/** Acknowledge at least every this many processed bytes, and when output stops (debounced). */
export const ACK_EVERY_BYTES = 64 * 1024;
export const ACK_DEBOUNCE_MS = 50;
const DEFAULT_MAX_INPUT_BYTES = 64 * 1024;

/** What the output being parsed may do: news (marks, the bell, copies) and answers to queries. */
export type ParsingFlags = Pick<StreamSegment, 'live' | 'mayAnswer'>;

/** The terminal emulator as the stream sees it: writes are parsed in order, each callback once its bytes are. */
export interface StreamScreen {
  write(data: Uint8Array | string, processed?: () => void): void;
  /** Clears the screen and its modes (called in write order). */
  reset(): void;
  size(): { cols: number; rows: number };
}

export interface StreamEvents {
  /** From here on (in write order) the emulator parses output with these flags. */
  parsing(flags: ParsingFlags): void;
  /** Output past the replay arrived. */
  liveOutput(): void;
  /** An attach was answered (or failed: `error` set); `previous` is the terminal as it was before. */
  attached(previous: TerminalInfo): void;
  /** The terminal ended, once the emulator has processed its last output. */
  exited(end: { exitCode: number | null; reason: string }): void;
  /** Another client's size is in force. */
  resizedElsewhere(cols: number, rows: number): void;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Splits input into messages of at most `maxBytes` UTF-8 bytes, never inside a surrogate pair. */
export function chunkInput(data: string, maxBytes: number): string[] {
  // At most 3 UTF-8 bytes per UTF-16 code unit.
  const maxUnits = Math.max(1, Math.floor(maxBytes / 3));
  if (data.length <= maxUnits) return [data];
  const chunks: string[] = [];
  let start = 0;
  while (start < data.length) {
    let end = Math.min(data.length, start + maxUnits);
    const last = data.charCodeAt(end - 1);
    if (end < data.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(data.slice(start, end));
    start = end;
  }
  return chunks;
}

/** Inputs kept for sending again after a lost connection: what can be in flight when it drops. */
const RESEND_MAX_INPUTS = 64;
const RESEND_MAX_CHARS = 64 * 1024;

/** 128 random bits in base 16 (getRandomValues, unlike randomUUID, works on plain-HTTP origins too). */
function newDeviceId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export class TerminalStream {
  terminal: TerminalInfo;
  /** Why the last attach failed (shown by the view), or null. */
  error: string | null = null;
  /** End of the bytes handed to the screen (what the next attach asks to continue from). */
  receivedSeq = 0;
  /** End of the bytes the screen has processed (its write callback ran). */
  processedSeq = 0;
  ackedSeq = 0;
  /** Inputs typed while the terminal had ended and the connection was down: never sent. */
  droppedInputs = 0;
  /**
   * The screen starts from a `terminal:snapshot` at this offset: output before it is not in the
   * emulator's scrollback (`loadEarlierOutput()` replays it); null when the screen has all of it.
   */
  snapshotSeq: number | null = null;
  /** Ask for snapshots on attach (docs/protocol.md, "Snapshots"); off after `loadEarlierOutput()` until the next reload. */
  private wantsSnapshots = true;
  private ackTimer: unknown = null;
  private attached = false;
  private attachGeneration = 0;
  private readonly roles = new StreamRoles();
  private writing: ParsingFlags = { live: false, mayAnswer: false };
  private pendingInput: string[] = [];
  /** Names this client's input (docs/protocol.md, "Exactly-once input"): stable across reconnects. */
  private readonly device = newDeviceId();
  private nextInputId = 1;
  /** The latest inputs sent: after a lost connection they are sent again, and the server runs each once. */
  private recentInputs: { data: string; inputId: number }[] = [];
  private recentInputBytes = 0;
  private resendOnAttach = false;
  private maxInputBytes = DEFAULT_MAX_INPUT_BYTES;
  private disposed = false;
  private readonly cleanups: Array<() => void>;

  constructor(
    terminal: TerminalInfo,
    private readonly transport: TerminalTransport,
    private readonly screen: StreamScreen,
    private readonly events: StreamEvents,
    private readonly timers: Timers = realTimers,
  ) {
    this.terminal = terminal;
    const mine = (payload: { sessionId: string }) => payload.sessionId === this.terminal.id;
    this.cleanups = [
      transport.on('terminal:output', (payload) => mine(payload) && this.onOutput(payload)),
      transport.on('terminal:reset', (payload) => mine(payload) && this.onReset(payload.seq)),
      transport.on('terminal:snapshot', (payload) => mine(payload) && this.onSnapshot(payload)),
      transport.on('terminal:behind', (payload) => mine(payload) && this.onBehind(payload.seq)),
      transport.on('terminal:exit', (payload) => mine(payload) && this.onExit(payload)),
      transport.on('terminal:resized', (payload) => mine(payload) && events.resizedElsewhere(payload.cols, payload.rows)),
      transport.on('terminal:answering', (payload) => mine(payload) && this.roles.noteRole(payload.seq, payload.answering)),
      transport.on('terminal:ready', (info) => {
        this.maxInputBytes = info.maxInputBytes;
      }),
      transport.on('terminal:error', (payload) => {
        if (mine(payload as { sessionId: string }) && payload.error.code === 'not_attached' && transport.state === 'connected') void this.attach();
      }),
    ];
  }

  get isAttached(): boolean {
    return this.attached;
  }

  /** Inputs (keystrokes, pastes) typed while detached, sent once attached again. */
  get queuedInputs(): number {
    return this.pendingInput.length;
  }

  /** The screen has processed everything up to the end of the attach's replay. */
  get isCaughtUp(): boolean {
    return this.roles.isLiveAt(this.processedSeq);
  }

  /** (Re-)attaches from the last byte handed to the screen, so nothing is duplicated or lost. */
  async attach(): Promise<void> {
    if (this.disposed) return;
    const generation = ++this.attachGeneration;
    this.attached = false;
    this.roles.startAttach();
    const previous = this.terminal;
    const size = this.validSize();
    const answer = await this.transport.request('terminal:attach', {
      sessionId: this.terminal.id,
      lastSeq: this.receivedSeq > 0 ? this.receivedSeq : null,
      ...size,
      ...(this.wantsSnapshots ? { snapshot: true } : {}),
    });
    if (this.disposed || generation !== this.attachGeneration) return;
    if (!answer.ok) {
      this.error = answer.error.code === 'not_found' ? 'This terminal no longer exists on the server.' : answer.error.message;
      this.events.attached(previous);
      return;
    }
    this.error = null;
    this.terminal = answer.session;
    // The replay ends where the stream ended when the server answered (null: an ended terminal, all replay).
    this.roles.replayEndsAt(answer.seq);
    // Without a reset the stream continues at `from`; with one, terminal:reset (which follows) says where.
    if (!answer.reset && answer.from > this.receivedSeq) {
      this.receivedSeq = answer.from;
      this.processedSeq = Math.max(this.processedSeq, answer.from);
    }
    this.attached = this.terminal.status === 'active';
    if (this.attached) {
      // A resize while the attach was on its way was not sent: send the size the screen has now.
      const now = this.screen.size();
      if (size.cols !== now.cols || size.rows !== now.rows) this.resize(now.cols, now.rows);
      if (this.resendOnAttach) this.resendRecent();
      for (const data of this.pendingInput.splice(0)) this.send(data);
    }
    this.events.attached(previous);
  }

  /**
   * Replaces a screen painted from a snapshot with a full replay of the retained output (the
   * "Load earlier output" action): the emulator cannot insert lines above what it shows, so it
   * starts again from the oldest byte the server keeps.
   */
  async loadEarlierOutput(): Promise<void> {
    if (this.snapshotSeq === null || this.disposed) return;
    this.wantsSnapshots = false;
    this.snapshotSeq = null;
    this.receivedSeq = 0;
    this.screen.write('', () => {
      this.screen.reset();
      this.processedSeq = 0;
      this.ackedSeq = 0;
    });
    await this.attach();
  }

  /** The transport dropped: nothing is attached until the next `attach()`. */
  connectionLost(): void {
    this.attached = false;
    // What was sent just before may or may not have arrived: send it again once attached.
    this.resendOnAttach = this.recentInputs.length > 0;
    this.attachGeneration++;
    this.roles.connectionLost();
    this.clearAckTimer();
    // Acks for the old connection are meaningless; the next attach starts from receivedSeq.
    this.ackedSeq = this.processedSeq;
  }

  /** Sends input to a running terminal, queued while detached; false when the terminal has ended. */
  send(data: string): boolean {
    if (!data || this.disposed) return true;
    if (this.terminal.status !== 'active') return false;
    if (!this.attached) {
      this.pendingInput.push(data);
      return true;
    }
    for (const chunk of chunkInput(data, this.maxInputBytes)) {
      const inputId = this.nextInputId;
      if (!this.transport.notify('terminal:input', { sessionId: this.terminal.id, data: chunk, device: this.device, inputId })) {
        this.pendingInput.push(chunk);
        continue;
      }
      this.nextInputId++;
      this.remember(chunk, inputId);
    }
    return true;
  }

  private remember(data: string, inputId: number): void {
    this.recentInputs.push({ data, inputId });
    this.recentInputBytes += data.length;
    while (this.recentInputs.length > RESEND_MAX_INPUTS || this.recentInputBytes > RESEND_MAX_CHARS) {
      this.recentInputBytes -= this.recentInputs.shift()!.data.length;
    }
  }

  /** Sends the latest inputs again with their numbers: the ones that arrived before are dropped there. */
  private resendRecent(): void {
    this.resendOnAttach = false;
    for (const { data, inputId } of this.recentInputs) {
      this.transport.notify('terminal:input', { sessionId: this.terminal.id, data, device: this.device, inputId });
    }
  }

  /** Sends this client's size; true when it went out (the terminal's programs redraw). */
  resize(cols: number, rows: number): boolean {
    if (!this.attached || !isValidSize(cols, rows)) return false;
    return this.transport.notify('terminal:resize', { sessionId: this.terminal.id, cols, rows });
  }

  /** A terminal update from the terminal list; a running one that ended while detached drops its queue. */
  update(terminal: TerminalInfo): void {
    const ended = this.terminal.status === 'active' && terminal.status === 'terminated';
    this.terminal = terminal;
    if (ended && !this.attached) this.dropQueuedInput();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.clearAckTimer();
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private onOutput({ seq, data }: ServerEvents['terminal:output']): void {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const start = seq - bytes.length;
    if (seq <= this.receivedSeq) return; // already have all of it
    const from = Math.max(start, this.receivedSeq);
    this.receivedSeq = seq;
    let live = false;
    for (const segment of this.roles.take(from, seq)) {
      this.setWriting(segment);
      live ||= segment.live;
      const to = segment.to;
      this.screen.write(bytes.subarray(segment.from - start, to - start), () => {
        this.processedSeq = Math.max(this.processedSeq, to);
        this.scheduleAck();
      });
    }
    if (live) this.events.liveOutput();
  }

  /** In write order: from here on the screen parses output that may (or may not) ring, copy and answer. */
  private setWriting({ live, mayAnswer }: ParsingFlags): void {
    if (live === this.writing.live && mayAnswer === this.writing.mayAnswer) return;
    this.writing = { live, mayAnswer };
    this.screen.write('', () => this.events.parsing({ live, mayAnswer }));
  }

  private onReset(seq: number): void {
    // In write order: whatever was queued before the reset is processed first, then the screen clears.
    this.receivedSeq = seq;
    this.screen.write('', () => {
      this.screen.reset();
      this.processedSeq = seq;
      this.ackedSeq = Math.min(this.ackedSeq, seq);
    });
  }

  /** Like a reset to `seq`, with the screen's content: written as replay (never answered, never news). */
  private onSnapshot({ seq, data }: ServerEvents['terminal:snapshot']): void {
    this.receivedSeq = seq;
    this.snapshotSeq = seq;
    this.screen.write('', () => {
      this.screen.reset();
      this.processedSeq = seq;
      this.ackedSeq = seq; // the server counts the snapshot as acknowledged
    });
    this.setWriting({ live: false, mayAnswer: false });
    this.screen.write(data);
  }

  private onBehind(seq: number): void {
    // The server waits for an ack of everything it sent; ack as soon as the screen has processed it.
    this.screen.write('', () => {
      this.processedSeq = Math.max(this.processedSeq, Math.min(seq, this.receivedSeq));
      this.flushAck();
    });
  }

  private onExit({ exitCode, reason }: ServerEvents['terminal:exit']): void {
    this.attached = false;
    this.dropQueuedInput();
    this.screen.write('', () => {
      this.flushAck();
      this.terminal = { ...this.terminal, status: 'terminated', exitCode, endReason: reason };
      this.events.exited({ exitCode, reason });
    });
  }

  private dropQueuedInput(): void {
    this.droppedInputs += this.pendingInput.length;
    this.pendingInput = [];
  }

  private scheduleAck(): void {
    if (this.processedSeq - this.ackedSeq >= ACK_EVERY_BYTES) {
      this.flushAck();
      return;
    }
    this.clearAckTimer();
    this.ackTimer = this.timers.setTimeout(() => this.flushAck(), ACK_DEBOUNCE_MS);
  }

  private flushAck(): void {
    this.clearAckTimer();
    if (this.processedSeq <= this.ackedSeq || this.disposed) return;
    if (this.transport.notify('terminal:ack', { sessionId: this.terminal.id, seq: this.processedSeq })) this.ackedSeq = this.processedSeq;
  }

  private clearAckTimer(): void {
    if (this.ackTimer !== null) this.timers.clearTimeout(this.ackTimer);
    this.ackTimer = null;
  }

  private validSize(): { cols?: number; rows?: number } {
    const { cols, rows } = this.screen.size();
    return isValidSize(cols, rows) ? { cols, rows } : {};
  }
}

function isValidSize(cols: number, rows: number): boolean {
  return cols >= 1 && rows >= 1 && cols <= 1000 && rows <= 1000;
}
