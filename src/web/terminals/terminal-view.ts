// One terminal session in the browser: an xterm.js instance plus the client half of
// docs/protocol.md — attach/re-attach from the last seq, exact de-duplication by offset, reset and
// behind handling, and acknowledgements driven by xterm's write callbacks (flow control).
import { FitAddon } from '@xterm/addon-fit';
import { type ISearchOptions, SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import type { TerminalInfo } from '../../features/terminals/wire.js';
import { describeEnd, endedKeyAction } from './ended-terminal.js';
import { enableProgramCopy } from './program-copy.js';
import { gateQueryAnswers, isFocusReport } from './query-gate.js';
import { matchShortcut, type ScreenAction } from './shortcuts.js';
import { type StreamSegment, StreamRoles } from './stream-roles.js';
import { MINIMUM_CONTRAST, SEARCH_DECORATIONS, XTERM_THEMES, type TerminalTheme } from './theme.js';
import type { ServerEvents, TerminalTransport } from './transport.js';

/** Acknowledge at least every this many processed bytes, and when output stops (debounced). */
const ACK_EVERY_BYTES = 64 * 1024;
const ACK_DEBOUNCE_MS = 50;
const DEFAULT_MAX_INPUT_BYTES = 64 * 1024;
/**
 * Rows a little taller than the font: at 1.0 the DOM renderer clips the underscore of DejaVu Sans Mono
 * at several sizes (10, 14, 19, 23 px), so `snake_case` read as `snake case`.
 */
const LINE_HEIGHT = 1.1;
/**
 * Programs redraw when their terminal gets a new size (this window attaching or resizing, or another
 * window): for so long after, output is not news for the tab's mark (or a reload, or coming back from
 * a phone, would light up every tab).
 */
const REDRAW_MS = 1000;

export type Activity = 'output' | 'bell';

export interface TerminalViewOptions {
  session: TerminalInfo;
  transport: TerminalTransport;
  fontSize: number;
  theme: TerminalTheme;
  /** Lines kept above the screen (the owner's setting): search covers them, a replay fills them. */
  scrollbackLines: number;
  /** Lets the screen apply the key bar's sticky modifiers to typed input. */
  transformInput(data: string): string;
  onChange(view: TerminalView): void;
  onFocus(view: TerminalView): void;
  /** New output arrived (not a replay); `bell` when it rang the bell (BEL). */
  onActivity(view: TerminalView, kind: Activity): void;
  onStartAgain(view: TerminalView): void;
  onCloseRequest(view: TerminalView): void;
  /** A screen shortcut pressed in this terminal (shortcuts.ts); false when it does nothing and the key goes to the program. */
  onShortcut(action: ScreenAction, event: KeyboardEvent): boolean;
}

/**
 * WebGL only where it is hardware accelerated: software WebGL (SwiftShader, llvmpipe — e.g. headless
 * or GPU-less machines) is slower than the DOM renderer and fills the console with driver warnings.
 */
function isWebglAccelerated(): boolean {
  try {
    const canvas = document.createElement('canvas');
    const gl = canvas.getContext('webgl2', { failIfMajorPerformanceCaveat: true });
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return !/swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    return false;
  }
}
let webglSupport: boolean | undefined;

function chunkInput(data: string, maxBytes: number): string[] {
  // At most 3 UTF-8 bytes per UTF-16 code unit; never split a surrogate pair.
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

export class TerminalView {
  readonly element: HTMLElement;
  readonly term: Terminal;
  session: TerminalInfo;
  /** Window title set by the shell (OSC 0/2). */
  title = '';
  /** What the UI shows about the connection of this terminal. */
  error: string | null = null;
  /** What its tab shows about output the owner has not seen yet (the screen sets and clears it). */
  unseen: Activity | null = null;
  private readonly transport: TerminalTransport;
  private readonly options: TerminalViewOptions;
  private readonly host: HTMLElement;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon();
  private readonly searchBox: HTMLFormElement;
  private readonly searchInput: HTMLInputElement;
  private readonly searchStatus: HTMLElement;
  private theme: TerminalTheme;
  private readonly exitBar: HTMLElement;
  private readonly sizeNotice: HTMLButtonElement;
  private webgl: WebglAddon | null = null;
  private readonly cleanups: Array<() => void> = [];
  /** End of the bytes handed to xterm (what the next attach asks to continue from). */
  private receivedSeq = 0;
  /** End of the bytes xterm has processed (its write callback ran). */
  private processedSeq = 0;
  private ackedSeq = 0;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private attached = false;
  private attachGeneration = 0;
  /** Which output is live and which this client may answer queries in (docs/protocol.md, "Answering queries"). */
  private readonly roles = new StreamRoles();
  /** What the output last handed to xterm may do, and what the output xterm is parsing now may: a replay must not ring, copy or answer again. */
  private writing: Pick<StreamSegment, 'live' | 'mayAnswer'> = { live: false, mayAnswer: false };
  private parsingLive = false;
  private parsingMayAnswer = false;
  private redrawUntil = 0;
  private pendingInput: string[] = [];
  /** Keys typed into the ended terminal since the last Enter: a lone Enter starts it again, a typed line does not. */
  private typedSinceEnd = false;
  /** Inputs queued while disconnected that never reached the shell, because it ended meanwhile. */
  private droppedInputs = 0;
  private exitHint!: HTMLElement;
  private maxInputBytes = DEFAULT_MAX_INPUT_BYTES;
  private opened = false;
  private disposed = false;
  private resizeObserver: ResizeObserver | null = null;
  private refitFrame = 0;

  constructor(options: TerminalViewOptions) {
    this.options = options;
    this.theme = options.theme;
    this.session = options.session;
    this.transport = options.transport;
    this.element = document.createElement('div');
    this.element.className = 'term-view';
    this.element.dataset.sessionId = this.session.id;
    this.host = document.createElement('div');
    this.host.className = 'term-xterm';

    this.searchBox = document.createElement('form');
    this.searchBox.className = 'term-search';
    this.searchBox.hidden = true;
    this.searchBox.setAttribute('role', 'search');
    this.searchInput = document.createElement('input');
    this.searchInput.type = 'search';
    this.searchInput.placeholder = 'Find';
    this.searchInput.setAttribute('aria-label', 'Find in terminal');
    // The newest match first, as the output a person looks for is usually the latest: up is older.
    const previous = this.button('↑', 'Find previous', () => this.findNext(true));
    const next = this.button('↓', 'Find next', () => this.findNext(false));
    const close = this.button('×', 'Close search', () => this.closeSearch());
    this.searchStatus = document.createElement('span');
    this.searchStatus.className = 'term-search-status';
    this.searchStatus.setAttribute('aria-live', 'polite');
    this.searchBox.append(this.searchInput, this.searchStatus, previous, next, close);
    this.searchBox.addEventListener('submit', (event) => {
      event.preventDefault();
      this.findNext(true);
    });
    this.searchInput.addEventListener('keydown', (event) => {
      const action = matchShortcut(event, 'search');
      if (!action) return;
      event.preventDefault();
      if (action === 'close-search') this.closeSearch();
      else this.findNext(false);
    });
    this.searchInput.addEventListener('input', () => {
      if (this.searchInput.value) this.search.findPrevious(this.searchInput.value, this.searchOptions(true));
      else {
        this.search.clearDecorations();
        this.searchStatus.textContent = '';
      }
    });

    this.exitBar = document.createElement('div');
    this.exitBar.className = 'term-exit';
    this.exitBar.hidden = true;
    this.exitBar.setAttribute('role', 'status');

    this.sizeNotice = document.createElement('button');
    this.sizeNotice.type = 'button';
    this.sizeNotice.className = 'term-sized';
    this.sizeNotice.hidden = true;
    this.sizeNotice.addEventListener('click', () => this.takeSizeBack());

    this.element.append(this.sizeNotice, this.host, this.searchBox, this.exitBar);

    this.term = new Terminal({
      fontSize: options.fontSize,
      lineHeight: LINE_HEIGHT,
      fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
      theme: XTERM_THEMES[options.theme],
      minimumContrastRatio: MINIMUM_CONTRAST[options.theme],
      scrollback: options.scrollbackLines,
      cursorBlink: true,
      // The search addon's match highlighting (and with it its match count) uses decorations, and
      // `unicode.activeVersion` is still a proposed API.
      allowProposedApi: true,
    });
    this.term.loadAddon(this.fit);
    // Emoji and other wide characters as wide as the shell (glibc) counts them, or line editing goes astray.
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.loadAddon(this.search);
    this.search.onDidChangeResults(({ resultIndex, resultCount }) => this.showSearchCount(resultIndex, resultCount));
    this.term.loadAddon(new WebLinksAddon());
    this.term.attachCustomKeyEventHandler((event) => event.type !== 'keydown' || !this.handleShortcut(event));
    this.cleanups.push(
      disposeOf(gateQueryAnswers(this.term.parser, () => this.parsingMayAnswer)),
      disposeOf(this.term.onData((data) => this.onTermData(data))),
      disposeOf(this.term.onBinary((data) => this.sendInput(data))),
      disposeOf(this.term.onBell(() => this.parsingLive && this.options.onActivity(this, 'bell'))),
      enableProgramCopy(this.term, this.element, () => this.parsingLive),
      disposeOf(
        this.term.onTitleChange((title) => {
          this.title = title;
          this.options.onChange(this);
        }),
      ),
      disposeOf(
        // Only this window resizing gets here (the notice floats over the terminal, so showing it
        // resizes nothing); resizing a window is activity, so its size wins and the notice goes.
        this.term.onResize(({ cols, rows }) => {
          this.sizeNotice.hidden = true;
          this.sendResize(cols, rows);
        }),
      ),
    );
    this.cleanups.push(
      this.transport.on('terminal:output', (payload) => payload.sessionId === this.session.id && this.onOutput(payload)),
      this.transport.on('terminal:reset', (payload) => payload.sessionId === this.session.id && this.onReset(payload.seq)),
      this.transport.on('terminal:behind', (payload) => payload.sessionId === this.session.id && this.onBehind(payload)),
      this.transport.on('terminal:exit', (payload) => payload.sessionId === this.session.id && this.onExit(payload)),
      this.transport.on('terminal:resized', (payload) => payload.sessionId === this.session.id && this.onResizedElsewhere(payload)),
      this.transport.on('terminal:answering', (payload) => payload.sessionId === this.session.id && this.roles.noteRole(payload.seq, payload.answering)),
      this.transport.on('terminal:ready', (info) => {
        this.maxInputBytes = info.maxInputBytes;
      }),
      this.transport.on('terminal:error', (payload) => {
        if (payload.sessionId !== this.session.id) return;
        if (payload.error.code === 'not_attached' && this.transport.state === 'connected') void this.attach();
      }),
    );
    this.element.addEventListener('focusin', () => this.options.onFocus(this));
    this.host.addEventListener('focusin', () => this.takeSizeBack());
    this.host.addEventListener('pointerdown', () => this.takeSizeBack());
  }

  /** Opens xterm in its element (which must be in the document) and attaches; call once. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.term.open(this.host);
    if (webglSupport === undefined) webglSupport = isWebglAccelerated();
    if (webglSupport) this.enableWebgl();
    // Fit in the next frame: resizing inside the observer's callback can loop ("ResizeObserver loop" errors).
    this.resizeObserver = new ResizeObserver(() => {
      if (this.refitFrame !== 0) return;
      this.refitFrame = requestAnimationFrame(() => {
        this.refitFrame = 0;
        this.refit();
      });
    });
    this.resizeObserver.observe(this.host);
    this.refit();
    if (this.session.status === 'terminated' && this.session.seq === null) this.showExit(this.session.exitCode, this.session.endReason);
    // Once the caller has laid out the screen (the tab it adds can take room from the terminal), so
    // that the attach gives the terminal the size it keeps: each change makes its programs redraw.
    queueMicrotask(() => {
      this.refit();
      if (this.transport.state === 'connected') void this.attach();
    });
  }

  get label(): string {
    return this.session.name ?? this.automaticLabel;
  }

  /** The label without a name given by the owner: the shell's window title, else its program. */
  get automaticLabel(): string {
    return this.title || this.session.shell.split('/').pop() || 'terminal';
  }

  /** Inputs (keystrokes, pastes) typed while detached, sent once attached again. */
  get queuedInputs(): number {
    return this.pendingInput.length;
  }

  get isRunning(): boolean {
    return this.session.status === 'active';
  }

  get isAttached(): boolean {
    return this.attached;
  }

  /** (Re-)attaches from the last byte handed to xterm, so nothing is duplicated or lost. */
  async attach(): Promise<void> {
    if (this.disposed || !this.opened) return;
    const generation = ++this.attachGeneration;
    this.attached = false;
    this.roles.startAttach();
    const before = this.session;
    const dims = this.dimensions();
    const answer = await this.transport.request('terminal:attach', {
      sessionId: this.session.id,
      lastSeq: this.receivedSeq > 0 ? this.receivedSeq : null,
      ...dims,
    });
    if (this.disposed || generation !== this.attachGeneration) return;
    if (!answer.ok) {
      this.error = answer.error.code === 'not_found' ? 'This terminal no longer exists on the server.' : answer.error.message;
      this.options.onChange(this);
      return;
    }
    this.error = null;
    this.session = answer.session;
    // The replay ends where the stream ended when the server answered (null: an ended terminal, all replay).
    this.roles.replayEndsAt(answer.seq);
    // Without a reset the stream continues at `from`; with one, terminal:reset (which follows) says where.
    if (!answer.reset && answer.from > this.receivedSeq) {
      this.receivedSeq = answer.from;
      this.processedSeq = Math.max(this.processedSeq, answer.from);
    }
    this.attached = this.session.status === 'active';
    if (this.attached) {
      if (this.session.cols !== before.cols || this.session.rows !== before.rows) this.expectRedraw();
      // A resize while the attach was on its way was not sent: send the size xterm has now.
      if (dims.cols !== this.term.cols || dims.rows !== this.term.rows) this.sendResize(this.term.cols, this.term.rows);
      const queued = this.pendingInput.splice(0);
      for (const data of queued) this.sendInput(data);
    }
    this.options.onChange(this);
  }

  /** The transport dropped: nothing is attached until the next `attach()`. */
  connectionLost(): void {
    this.attached = false;
    this.attachGeneration++;
    this.roles.connectionLost();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    // Acks for the old connection are meaningless; the next attach starts from receivedSeq.
    this.ackedSeq = this.processedSeq;
  }

  /** What xterm sends: keys, pastes, mouse and focus reports, and (only where the query gate let it) answers to queries. */
  private onTermData(data: string): void {
    // A focus report before this client has caught up would go to a program the replay only remembers.
    if (isFocusReport(data) && !this.roles.isLiveAt(this.processedSeq)) return;
    this.sendInput(this.options.transformInput(data));
  }

  sendInput(data: string): void {
    if (!data || this.disposed) return;
    if (this.session.status !== 'active') {
      this.answerEndedInput(data);
      return;
    }
    // The server applies this client's size before its input: the notice is out of date.
    this.sizeNotice.hidden = true;
    if (!this.attached) {
      this.pendingInput.push(data);
      return;
    }
    for (const chunk of chunkInput(data, this.maxInputBytes)) {
      if (!this.transport.notify('terminal:input', { sessionId: this.session.id, data: chunk })) {
        this.pendingInput.push(chunk);
      }
    }
  }

  refit(): void {
    if (!this.opened || this.disposed || this.element.hidden || this.host.clientWidth === 0 || this.host.clientHeight === 0) return;
    try {
      this.fit.fit();
    } catch {
      // Not measurable yet (hidden); the next resize fits it.
    }
  }

  focus(): void {
    this.term.focus();
  }

  setTheme(theme: TerminalTheme): void {
    this.theme = theme;
    this.term.options.theme = XTERM_THEMES[theme];
    this.term.options.minimumContrastRatio = MINIMUM_CONTRAST[theme];
  }

  setScrollbackLines(lines: number): void {
    this.term.options.scrollback = lines;
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = size;
    this.refit();
  }

  setSession(session: TerminalInfo): void {
    const wasActive = this.session.status === 'active';
    this.session = session;
    if (wasActive && session.status === 'terminated' && !this.attached) {
      this.dropQueuedInput();
      this.showExit(session.exitCode, session.endReason);
    }
    this.options.onChange(this);
  }

  openSearch(): void {
    this.searchBox.hidden = false;
    const selection = this.term.getSelection();
    if (selection && !selection.includes('\n')) this.searchInput.value = selection;
    this.searchInput.focus();
    this.searchInput.select();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.resizeObserver?.disconnect();
    if (this.refitFrame !== 0) cancelAnimationFrame(this.refitFrame);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.webgl?.dispose();
    this.term.dispose();
    this.element.remove();
  }

  /** Keys the app (or the browser) takes instead of xterm: true when xterm must leave the key alone. */
  private handleShortcut(event: KeyboardEvent): boolean {
    const action = matchShortcut(event, 'terminal', { 'normal-screen': this.term.buffer.active.type === 'normal', selection: this.term.hasSelection() });
    switch (action) {
      case undefined:
        return false;
      case 'find':
        event.preventDefault();
        this.openSearch();
        return true;
      case 'copy':
        // Ctrl+C and Cmd+C are the browser's copy (xterm answers its copy event with the selection).
        // Once it is made (after this handler), Ctrl+C clears the selection: the next one is ^C again.
        if (event.shiftKey) {
          event.preventDefault();
          this.copySelection();
        } else if (event.ctrlKey) {
          setTimeout(() => this.term.clearSelection());
        }
        return true;
      case 'paste':
        // Not prevented: the browser's own paste reaches xterm's paste handler, so bracketed paste
        // applies and no clipboard permission is needed.
        return true;
      default:
        if (!this.options.onShortcut(action, event)) return false;
        event.preventDefault();
        return true;
    }
  }

  /**
   * Ctrl+Shift+C. The copy command first, while the key press still counts as the user's gesture
   * (xterm answers the copy event with its selection; no permission needed); the clipboard API
   * where the command is refused.
   */
  private copySelection(): void {
    const text = this.term.getSelection();
    if (!text || document.execCommand('copy')) return;
    void navigator.clipboard?.writeText(text).catch(() => undefined);
  }

  private dimensions(): { cols?: number; rows?: number } {
    const { cols, rows } = this.term;
    return cols >= 1 && rows >= 1 && cols <= 1000 && rows <= 1000 ? { cols, rows } : {};
  }

  private sendResize(cols: number, rows: number): void {
    if (this.attached && cols >= 1 && rows >= 1 && cols <= 1000 && rows <= 1000) {
      if (this.transport.notify('terminal:resize', { sessionId: this.session.id, cols, rows })) this.expectRedraw();
    }
  }

  /** The terminal got a new size: its programs redraw, which is not news for the tab (REDRAW_MS). */
  private expectRedraw(): void {
    this.redrawUntil = performance.now() + REDRAW_MS;
  }

  /** Another client's size won (docs/protocol.md, Size): say so, and how to take it back. */
  private onResizedElsewhere({ cols, rows }: ServerEvents['terminal:resized']): void {
    this.expectRedraw();
    if (cols === this.term.cols && rows === this.term.rows) {
      this.sizeNotice.hidden = true;
      return;
    }
    this.sizeNotice.textContent = `Sized for another window (${cols}×${rows}), so output may look garbled here. Type, or click here, to take it back.`;
    this.sizeNotice.hidden = false;
  }

  /** Sends this window's size again; the server applies it if another client's size is in force. */
  private takeSizeBack(): void {
    if (this.sizeNotice.hidden) return;
    this.sizeNotice.hidden = true;
    this.sendResize(this.term.cols, this.term.rows);
    this.term.focus();
  }

  /**
   * Typing into an ended terminal reaches no shell and starts nothing, except an Enter on its own
   * (a line typed and entered here is not a request for a new shell, and must not half-run in one).
   * A typed line is dropped with its Enter, and the bar says so; the next lone Enter starts again.
   */
  private answerEndedInput(data: string): void {
    if (this.exitBar.hidden) return;
    const action = endedKeyAction(this.typedSinceEnd, data);
    this.typedSinceEnd = action.typed;
    if (action.startAgain) this.options.onStartAgain(this);
    else if (action.hint) this.exitHint.hidden = false;
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
      this.term.write(bytes.subarray(segment.from - start, to - start), () => {
        this.processedSeq = Math.max(this.processedSeq, to);
        this.scheduleAck();
      });
    }
    if (live && performance.now() >= this.redrawUntil) this.options.onActivity(this, 'output');
  }

  /** In write order: from here on xterm parses output that may (or may not) ring, copy and answer. */
  private setWriting({ live, mayAnswer }: Pick<StreamSegment, 'live' | 'mayAnswer'>): void {
    if (live === this.writing.live && mayAnswer === this.writing.mayAnswer) return;
    this.writing = { live, mayAnswer };
    this.term.write('', () => {
      this.parsingLive = live;
      this.parsingMayAnswer = mayAnswer;
    });
  }

  private onReset(seq: number): void {
    // In write order: whatever was queued before the reset is processed first, then the screen clears.
    this.receivedSeq = seq;
    this.term.write('', () => {
      this.term.reset();
      this.processedSeq = seq;
      this.ackedSeq = Math.min(this.ackedSeq, seq);
    });
  }

  private onBehind({ seq }: ServerEvents['terminal:behind']): void {
    // The server waits for an ack of everything it sent; ack as soon as xterm has processed it.
    this.term.write('', () => {
      this.processedSeq = Math.max(this.processedSeq, Math.min(seq, this.receivedSeq));
      this.flushAck();
    });
  }

  private onExit({ exitCode, reason }: ServerEvents['terminal:exit']): void {
    this.attached = false;
    this.dropQueuedInput();
    this.term.write('', () => {
      this.flushAck();
      this.session = { ...this.session, status: 'terminated', exitCode, endReason: reason };
      this.showExit(exitCode, reason);
      this.options.onChange(this);
    });
  }

  private scheduleAck(): void {
    if (this.processedSeq - this.ackedSeq >= ACK_EVERY_BYTES) {
      this.flushAck();
      return;
    }
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => this.flushAck(), ACK_DEBOUNCE_MS);
  }

  private flushAck(): void {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.processedSeq <= this.ackedSeq || this.disposed) return;
    if (this.transport.notify('terminal:ack', { sessionId: this.session.id, seq: this.processedSeq })) this.ackedSeq = this.processedSeq;
  }

  /** Input typed while the connection was down, for a terminal that ended meanwhile: dropped, and the exit bar says so. */
  private dropQueuedInput(): void {
    this.droppedInputs += this.pendingInput.length;
    this.pendingInput = [];
  }

  private showExit(exitCode: number | null, reason: string | null): void {
    this.exitBar.replaceChildren();
    const text = document.createElement('span');
    text.className = 'term-exit-text';
    text.textContent = `${describeEnd(exitCode, reason)} Enter starts a new shell here.`;
    this.typedSinceEnd = false;
    this.exitHint = document.createElement('span');
    this.exitHint.className = 'term-exit-hint';
    this.exitHint.hidden = true;
    this.exitHint.textContent = 'What you type here goes nowhere: this shell has ended.';
    // No blinking cursor inviting input that goes nowhere; \x1b[?25l hides it.
    this.term.options.cursorBlink = false;
    this.term.write('\x1b[?25l');
    this.sizeNotice.hidden = true;
    const again = this.button('Start again', 'Start again', () => this.options.onStartAgain(this), 'term-button term-button-primary');
    again.title = 'Start a new terminal in the same place';
    const close = this.button('Close tab', 'Close tab', () => this.options.onCloseRequest(this));
    const buttons = document.createElement('span');
    buttons.className = 'term-exit-buttons';
    buttons.append(again, close);
    this.exitBar.append(text, this.exitHint, buttons);
    if (this.droppedInputs > 0) {
      const dropped = document.createElement('span');
      dropped.className = 'term-exit-hint';
      dropped.textContent = `${this.droppedInputs === 1 ? 'One input' : `${this.droppedInputs} inputs`} typed while disconnected did not reach it: the shell had ended.`;
      this.exitBar.append(dropped);
    }
    this.exitBar.hidden = false;
    this.element.dataset.ended = 'true';
  }

  private findNext(backwards: boolean): void {
    const query = this.searchInput.value;
    if (!query) return;
    if (backwards) this.search.findPrevious(query, this.searchOptions());
    else this.search.findNext(query, this.searchOptions());
  }

  /** Decorations highlight every match and make the addon count them (onDidChangeResults). */
  private searchOptions(incremental = false): ISearchOptions {
    return { incremental, decorations: SEARCH_DECORATIONS[this.theme] };
  }

  private showSearchCount(index: number, count: number): void {
    if (!this.searchInput.value) this.searchStatus.textContent = '';
    else if (count === 0) this.searchStatus.textContent = 'No matches';
    // The addon stops counting at its highlight limit and then reports no position.
    else if (index < 0) this.searchStatus.textContent = `${count}+ matches`;
    else this.searchStatus.textContent = `${index + 1} of ${count}`;
  }

  private closeSearch(): void {
    this.searchBox.hidden = true;
    this.searchStatus.textContent = '';
    this.search.clearDecorations();
    this.term.clearSelection();
    this.term.focus();
  }

  private enableWebgl(): void {
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // Back to the DOM renderer; the terminal keeps its content.
        webgl.dispose();
        if (this.webgl === webgl) this.webgl = null;
      });
      this.term.loadAddon(webgl);
      this.webgl = webgl;
    } catch {
      this.webgl = null;
    }
  }

  private button(text: string, label: string, onClick: () => void, className = 'term-button'): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = className;
    button.textContent = text;
    button.setAttribute('aria-label', label);
    button.title = label;
    button.addEventListener('click', onClick);
    return button;
  }
}

function disposeOf(disposable: { dispose(): void }): () => void {
  return () => disposable.dispose();
}
