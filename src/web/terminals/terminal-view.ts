// One terminal in the browser: an xterm.js instance rendering a TerminalStream (stream-client.ts, the
// DOM-free client half of docs/protocol.md), with search, the exit bar, the size notice and WebGL.
import { FitAddon } from '@xterm/addon-fit';
import { type ISearchOptions, SearchAddon } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import type { TerminalInfo } from '../../shared/terminals.js';
import { h } from '../app/dom.js';
import { describeEnd, describeWhereItWas, endedKeyAction, resumableAgent } from './ended-terminal.js';
import { attachLocalEcho, type LocalEchoOverlay } from './local-echo-overlay.js';
import { enableProgramCopy } from './program-copy.js';
import { gateQueryAnswers, isFocusReport } from './query-gate.js';
import { matchShortcut, type ScreenAction } from './shortcuts.js';
import { type ParsingFlags, TerminalStream } from './stream-client.js';
import { MINIMUM_CONTRAST, SEARCH_DECORATIONS, XTERM_THEMES, type TerminalTheme } from './theme.js';
import { anchorRow, type ScrollAnchor, scrollToRow, takeScrollAnchor } from './scroll-anchor.js';
import { enableTouchInput } from './touch-input.js';
import { enableImeInput } from './ime-events.js';
import { enableTouchSelect } from './touch-select.js';
import { previewLinkFor } from '../../shared/preview.js';
import type { TerminalTransport } from './transport.js';

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
  terminal: TerminalInfo;
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
  /** Start a new terminal in place of this ended one; `resume`: resume its recorded agent conversation there. */
  onStartAgain(view: TerminalView, resume?: boolean): void;
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

export class TerminalView {
  readonly element: HTMLElement;
  readonly term: Terminal;
  /** Window title set by the shell (OSC 0/2). */
  title = '';
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
  /** Shown above a screen painted from a snapshot when the person scrolls to its top or searches. */
  private readonly earlierButton: HTMLButtonElement;
  private webgl: WebglAddon | null = null;
  private readonly cleanups: Array<() => void> = [];
  /** The protocol client: what this terminal has, acknowledged and may answer. */
  private readonly stream: TerminalStream;
  /** Typed characters shown before the server echoes them (issue 22 §1, docs/local-echo.md). */
  private readonly localEcho: LocalEchoOverlay;
  /** What the output xterm is parsing now may do: a replay must not ring, copy or answer again. */
  private parsing: ParsingFlags = { live: false, mayAnswer: false };
  private redrawUntil = 0;
  /** Keys typed into the ended terminal since the last Enter: a lone Enter starts it again, a typed line does not. */
  private typedSinceEnd = false;
  private exitHint!: HTMLElement;
  private opened = false;
  private disposed = false;
  private resizeObserver: ResizeObserver | null = null;
  private refitFrame = 0;
  /** Where the view was scrolled back to before a resize, until the frame that restores it. */
  private scrollAnchor: ScrollAnchor | null = null;

  constructor(options: TerminalViewOptions) {
    this.options = options;
    this.theme = options.theme;
    this.transport = options.transport;
    this.host = h('div', { class: 'term-xterm' });

    this.searchInput = h('input', {
      type: 'search',
      placeholder: 'Find',
      'aria-label': 'Find in terminal',
      onkeydown: (event: KeyboardEvent) => {
        const action = matchShortcut(event, 'search');
        if (!action) return;
        event.preventDefault();
        if (action === 'close-search') this.closeSearch();
        else this.findNext(false);
      },
      oninput: () => {
        if (this.searchInput.value) this.search.findPrevious(this.searchInput.value, this.searchOptions(true));
        else {
          this.search.clearDecorations();
          this.searchStatus.textContent = '';
        }
      },
    });
    this.searchStatus = h('span', { class: 'term-search-status', 'aria-live': 'polite' });
    this.searchBox = h(
      'form',
      {
        class: 'term-search',
        hidden: true,
        role: 'search',
        onsubmit: (event: SubmitEvent) => {
          event.preventDefault();
          this.findNext(true);
        },
      },
      this.searchInput,
      this.searchStatus,
      // The newest match first, as the output a person looks for is usually the latest: up is older.
      this.button('↑', 'Find previous', () => this.findNext(true)),
      this.button('↓', 'Find next', () => this.findNext(false)),
      this.button('×', 'Close search', () => this.closeSearch()),
    );

    this.exitBar = h('div', { class: 'term-exit', hidden: true, role: 'status' });
    this.sizeNotice = h('button', { type: 'button', class: 'term-sized', hidden: true, onclick: () => this.takeSizeBack() });
    this.earlierButton = h(
      'button',
      { type: 'button', class: 'term-earlier', hidden: true, title: 'Replay all the output the server keeps', onclick: () => void this.loadEarlierOutput() },
      'Load earlier output',
    );

    this.element = h(
      'div',
      { class: 'term-view', 'data-terminal-id': options.terminal.id },
      this.sizeNotice,
      this.earlierButton,
      this.host,
      this.searchBox,
      this.exitBar,
    );

    this.term = new Terminal({
      fontSize: options.fontSize,
      lineHeight: LINE_HEIGHT,
      fontFamily: 'ui-monospace, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace',
      theme: XTERM_THEMES[options.theme],
      minimumContrastRatio: MINIMUM_CONTRAST[options.theme],
      scrollback: options.scrollbackLines,
      // Blinking only with the WebGL renderer (enableWebgl): the DOM renderer blinks with an endless
      // CSS animation of the cursor's colours, which keeps Chromium drawing a frame on the main
      // thread 60 times a second while a terminal has focus — and, since Chromium holds tasks back
      // after a key until the next frame, it made every echo wait about two frames (30 against
      // 8.5 ms on loopback; docs/performance.md, "In the browser"), and a phone's battery pay for it.
      cursorBlink: false,
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
    // A dev server's local address opens its preview through Shellport; other links open as they are.
    this.term.loadAddon(new WebLinksAddon((event, uri) => openTerminalLink(event, uri)));
    this.term.attachCustomKeyEventHandler((event) => event.type !== 'keydown' || !this.handleShortcut(event));
    this.cleanups.push(
      disposeOf(gateQueryAnswers(this.term.parser, () => this.parsing.mayAnswer)),
      disposeOf(this.term.onData((data) => this.onTermData(data))),
      disposeOf(this.term.onBinary((data) => this.sendInput(data))),
      disposeOf(this.term.onBell(() => this.parsing.live && this.options.onActivity(this, 'bell'))),
      disposeOf(this.term.onScroll(() => this.showEarlierAction())),
      enableProgramCopy(this.term, this.element, () => this.parsing.live),
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
    this.stream = new TerminalStream(
      options.terminal,
      this.transport,
      {
        write: (data, processed) => this.term.write(data, processed),
        reset: () => {
          this.term.reset();
          this.localEcho.reset();
        },
        size: () => ({ cols: this.term.cols, rows: this.term.rows }),
      },
      {
        parsing: (flags) => {
          this.parsing = flags;
        },
        liveOutput: () => {
          if (performance.now() >= this.redrawUntil) this.options.onActivity(this, 'output');
        },
        attached: (previous) => this.onAttached(previous),
        exited: ({ exitCode, reason }) => {
          this.showExit(exitCode, reason);
          this.options.onChange(this);
        },
        resizedElsewhere: (cols, rows) => this.onResizedElsewhere(cols, rows),
      },
    );
    this.cleanups.push(() => this.stream.dispose());
    this.localEcho = attachLocalEcho(this.term);
    this.cleanups.push(() => this.localEcho.dispose());
    this.element.addEventListener('focusin', () => this.options.onFocus(this));
    this.host.addEventListener('focusin', () => this.takeSizeBack());
    this.host.addEventListener('pointerdown', () => this.takeSizeBack());
  }

  /** Opens xterm in its element (which must be in the document) and attaches; call once. */
  open(): void {
    if (this.opened) return;
    this.opened = true;
    this.term.open(this.host);
    // One finger scrolls (and in full-screen programs becomes wheel or cursor keys): touch-input.ts.
    this.cleanups.push(enableTouchInput(this.term, this.host, { send: (data) => this.sendInput(data) }));
    // Soft keyboards' and input methods' text, each character once (xterm.js #3600): ime-events.ts.
    this.cleanups.push(enableImeInput(this.term, this.host));
    // A long press selects a word or a whole link, with handles, Copy and Open: touch-select.ts.
    this.cleanups.push(enableTouchSelect(this.term, this.host, { openLink: (uri) => openTerminalLink(new MouseEvent('click'), uri) }));
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
    if (this.terminal.status === 'terminated' && this.terminal.seq === null) this.showExit(this.terminal.exitCode, this.terminal.endReason);
    // Once the caller has laid out the screen (the tab it adds can take room from the terminal), so
    // that the attach gives the terminal the size it keeps: each change makes its programs redraw.
    queueMicrotask(() => {
      this.refit();
      if (this.transport.state === 'connected') void this.attach();
    });
  }

  get label(): string {
    return this.terminal.name ?? this.automaticLabel;
  }

  /** The label without a name given by the owner: the shell's window title, else its program. */
  get automaticLabel(): string {
    return this.title || this.terminal.shell.split('/').pop() || 'terminal';
  }

  /** Inputs (keystrokes, pastes) typed while detached, sent once attached again. */
  get queuedInputs(): number {
    return this.stream.queuedInputs;
  }

  get isRunning(): boolean {
    return this.terminal.status === 'active';
  }

  get isAttached(): boolean {
    return this.stream.isAttached;
  }

  get terminal(): TerminalInfo {
    return this.stream.terminal;
  }

  /** What the UI shows about the connection of this terminal. */
  get error(): string | null {
    return this.stream.error;
  }

  /** (Re-)attaches from the last byte handed to xterm, so nothing is duplicated or lost. */
  async attach(): Promise<void> {
    if (this.disposed || !this.opened) return;
    await this.stream.attach();
  }

  /** The transport dropped: nothing is attached until the next `attach()`. */
  connectionLost(): void {
    this.stream.connectionLost();
  }

  /** The screen was painted from a snapshot: older output is not in xterm's scrollback. */
  get hasEarlierOutput(): boolean {
    return this.stream.snapshotSeq !== null;
  }

  /** Replays all retained output in place of the snapshot (xterm cannot insert lines above its buffer). */
  async loadEarlierOutput(): Promise<void> {
    this.earlierButton.hidden = true;
    await this.stream.loadEarlierOutput();
  }

  /** The action shows while a snapshot's screen is scrolled to its top or searched. */
  private showEarlierAction(): void {
    // On every scroll: nothing is read or written unless there is earlier output to offer.
    if (!this.hasEarlierOutput) {
      if (!this.earlierButton.hidden) this.earlierButton.hidden = true;
      return;
    }
    const buffer = this.term.buffer.active;
    const hidden = !((buffer.viewportY === 0 && buffer.baseY > 0) || !this.searchBox.hidden);
    if (this.earlierButton.hidden !== hidden) this.earlierButton.hidden = hidden;
  }

  private onAttached(previous: TerminalInfo): void {
    const { terminal } = this.stream;
    if (this.stream.isAttached && (terminal.cols !== previous.cols || terminal.rows !== previous.rows)) this.expectRedraw();
    this.options.onChange(this);
  }

  /** What xterm sends: keys, pastes, mouse and focus reports, and (only where the query gate let it) answers to queries. */
  private onTermData(data: string): void {
    // A focus report before this client has caught up would go to a program the replay only remembers.
    if (isFocusReport(data) && !this.stream.isCaughtUp) return;
    this.sendInput(this.options.transformInput(data));
  }

  sendInput(data: string): void {
    if (!data || this.disposed) return;
    // Guessed only on a screen that shows the terminal as it is now (not while detached or replaying).
    this.localEcho.input(data, this.stream.isAttached && this.stream.isCaughtUp);
    if (!this.stream.send(data)) {
      this.answerEndedInput(data);
      return;
    }
    // The server applies this client's size before its input: the notice is out of date.
    if (!this.sizeNotice.hidden) this.sizeNotice.hidden = true;
  }

  refit(): void {
    if (!this.opened || this.disposed || this.element.hidden || this.host.clientWidth === 0 || this.host.clientHeight === 0) return;
    // Scrolled back, the same lines stay in view (a rotation, the on-screen keyboard): scroll-anchor.ts.
    const anchor = this.scrollAnchor ?? takeScrollAnchor(this.term.buffer.active);
    try {
      this.fit.fit();
    } catch {
      // Not measurable yet (hidden); the next resize fits it.
    }
    if (anchor && !this.scrollAnchor) {
      this.scrollAnchor = anchor;
      requestAnimationFrame(() => {
        this.scrollAnchor = null;
        if (!this.disposed) scrollToRow(this.term, this.term.buffer.active, anchorRow(this.term.buffer.active, anchor));
      });
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

  /** Predictive local echo on or off (the device's setting and the round trip), and the round trip it waits for echoes by. */
  setLocalEcho(enabled: boolean, roundTripMs: number | null): void {
    this.localEcho.setEnabled(enabled);
    if (roundTripMs !== null) this.localEcho.setRoundTrip(roundTripMs);
  }

  setScrollbackLines(lines: number): void {
    this.term.options.scrollback = lines;
  }

  setFontSize(size: number): void {
    this.term.options.fontSize = size;
    this.refit();
  }

  setTerminal(terminal: TerminalInfo): void {
    const wasActive = this.terminal.status === 'active';
    this.stream.update(terminal);
    if (wasActive && terminal.status === 'terminated' && !this.stream.isAttached) this.showExit(terminal.exitCode, terminal.endReason);
    this.options.onChange(this);
  }

  openSearch(): void {
    this.searchBox.hidden = false;
    const selection = this.term.getSelection();
    if (selection && !selection.includes('\n')) this.searchInput.value = selection;
    this.searchInput.focus();
    this.searchInput.select();
    this.showEarlierAction();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
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


  private sendResize(cols: number, rows: number): void {
    if (this.stream.resize(cols, rows)) this.expectRedraw();
  }

  /** The terminal got a new size: its programs redraw, which is not news for the tab (REDRAW_MS). */
  private expectRedraw(): void {
    this.redrawUntil = performance.now() + REDRAW_MS;
  }

  /** Another client's size won (docs/protocol.md, Size): say so, and how to take it back. */
  private onResizedElsewhere(cols: number, rows: number): void {
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









  private showExit(exitCode: number | null, reason: string | null): void {
    this.exitBar.replaceChildren();
    const text = h('span', { class: 'term-exit-text' }, `${describeEnd(exitCode, reason)} Enter starts a new shell here.`);
    this.typedSinceEnd = false;
    this.exitHint = h('span', { class: 'term-exit-hint', hidden: true }, 'What you type here goes nowhere: this shell has ended.');
    // No blinking cursor inviting input that goes nowhere; \x1b[?25l hides it.
    this.term.options.cursorBlink = false;
    this.term.write('\x1b[?25l');
    this.sizeNotice.hidden = true;
    const agent = resumableAgent(this.terminal);
    const again = this.button('Start again', 'Start again', () => this.options.onStartAgain(this), agent ? 'term-button' : 'term-button term-button-primary');
    again.title = 'Start a new terminal in the same place';
    const close = this.button('Close tab', 'Close tab', () => this.options.onCloseRequest(this));
    const buttons = h('span', { class: 'term-exit-buttons' }, again, close);
    if (agent) {
      // The recorded conversation, resumed by the agent's own command in a new shell there (issue 19).
      const resume = this.button('Resume conversation', 'Resume conversation', () => this.options.onStartAgain(this, true), 'term-button term-button-primary');
      resume.title = `Start a new terminal in the same place and resume the ${agent} conversation there`;
      buttons.prepend(resume);
    }
    this.exitBar.append(text, this.exitHint, buttons);
    if (reason === 'reboot') this.exitBar.append(h('span', { class: 'term-exit-where' }, describeWhereItWas(this.terminal)));
    const { droppedInputs } = this.stream;
    if (droppedInputs > 0) {
      const dropped = `${droppedInputs === 1 ? 'One input' : `${droppedInputs} inputs`} typed while disconnected did not reach it: the shell had ended.`;
      this.exitBar.append(h('span', { class: 'term-exit-hint' }, dropped));
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
    this.showEarlierAction();
    this.searchStatus.textContent = '';
    this.search.clearDecorations();
    this.term.clearSelection();
    this.term.focus();
  }

  private enableWebgl(): void {
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // Back to the DOM renderer; the terminal keeps its content, and its cursor stops blinking (see the constructor).
        webgl.dispose();
        if (this.webgl === webgl) this.webgl = null;
        this.term.options.cursorBlink = false;
      });
      this.term.loadAddon(webgl);
      this.webgl = webgl;
      // Its blink is a timer that draws only when the cursor changes; an ended terminal's cursor stays hidden.
      if (this.exitBar.hidden) this.term.options.cursorBlink = true;
    } catch {
      this.webgl = null;
    }
  }

  private button(text: string, label: string, onClick: () => void, className = 'term-button'): HTMLButtonElement {
    return h('button', { type: 'button', class: className, 'aria-label': label, title: label, onclick: onClick }, text);
  }
}

function disposeOf(disposable: { dispose(): void }): () => void {
  return () => disposable.dispose();
}

/**
 * Opens a link clicked in a terminal in a new tab, as the links addon would (without a way back to
 * this page), a dev server's local address as its preview on Shellport.
 */
function openTerminalLink(_event: MouseEvent, uri: string): void {
  const target = new URL(previewLinkFor(uri) ?? uri, location.href).href;
  const opened = window.open();
  if (!opened) return;
  try {
    opened.opener = null;
  } catch {
    // Some browsers refuse the assignment; the page is blank and same-origin until it navigates.
  }
  opened.location.href = target;
}
