// Predictive local echo (issue 22 §1, docs/local-echo.md), without a DOM: from the keys sent, the
// shell's prompt marks (OSC 133) and the emulator's screen after each write, it decides which cells
// to show before the server's echo arrives, and when a guess is confirmed or wrong. It never touches
// the screen: the view (local-echo-overlay.ts) draws its guesses over xterm.js, so the server's bytes
// stay the only thing in the terminal's buffer.
//
// The ideas are Mosh's (Winstein & Balakrishnan, "Mosh: An Interactive Remote Shell for Mobile
// Clients", USENIX ATC 2012: judge a guess against the screen the server produced, show guesses only
// once echo is known to work, stop after a wrong one) and VS Code's typeAheadAddon (guesses as an
// ordered timeline of steps confirmed as a prefix). What differs: guesses are checked against the
// screen's cells and cursor after each write, not matched in the byte stream, and a guess typed
// where echo is not known (after Enter, in a program that may not echo) is kept invisible until the
// server has echoed one, so a password typed at `sudo`, `ssh` or `read -s` is never drawn.

/** The emulator's screen as the model reads it (xterm.js's active buffer in the browser). */
export interface EchoScreen {
  readonly cols: number;
  /** The cursor: `y` counts rows from the top of the scrollback (xterm's baseY + cursorY). */
  cursor(): { x: number; y: number };
  /** The alternate screen (vim, less, TUIs) is in use. */
  isAlternateScreen(): boolean;
  /** What a cell shows ('' or ' ' when blank). */
  cellText(y: number, x: number): string;
}

export interface EchoTimers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What to draw: guessed cells on row `y` (`text` ' ' for a blank) and where the cursor will be. */
export interface EchoPrediction {
  y: number;
  cells: ReadonlyArray<{ x: number; text: string }>;
  cursorX: number;
}

/** A guess not confirmed within this long (or four round trips, if longer) is dropped: no echo, or a stalled link. */
export const CONFIRM_TIMEOUT_MS = 1500;

const isBlank = (text: string) => text === '' || text === ' ';
const sameCell = (a: string, b: string) => a === b || (isBlank(a) && isBlank(b));

/**
 * Characters drawn one cell wide in every font and by every Unicode width table (ASCII and the
 * Latin blocks); anything else (CJK, emoji, combining marks) is not guessed.
 */
const isPredictable = (char: string) => /^[\u0020-\u007e\u00a1-\u024f]$/.test(char);

type Key = { kind: 'text'; text: string } | { kind: 'erase' } | { kind: 'left' } | { kind: 'right' } | { kind: 'enter' } | { kind: 'line-edit' } | { kind: 'neutral' } | { kind: 'other' };

/** What a piece of input is, as far as guessing goes. */
export function classifyInput(data: string): Key {
  switch (data) {
    case '\r':
      return { kind: 'enter' };
    case '\x7f':
    case '\b':
      return { kind: 'erase' };
    case '\x1b[D':
    case '\x1bOD':
      return { kind: 'left' };
    case '\x1b[C':
    case '\x1bOC':
      return { kind: 'right' };
    // Keys that edit or replace the line in the shell's line editor and leave it in charge: Tab
    // (completion), Up/Down (history), Home/End, Delete.
    case '\t':
    case '\x1b[A':
    case '\x1bOA':
    case '\x1b[B':
    case '\x1bOB':
    case '\x1b[H':
    case '\x1bOH':
    case '\x1b[F':
    case '\x1bOF':
    case '\x1b[1~':
    case '\x1b[4~':
    case '\x1b[3~':
      return { kind: 'line-edit' };
    // Focus reports (DECSET 1004) say nothing about the line.
    case '\x1b[I':
    case '\x1b[O':
      return { kind: 'neutral' };
  }
  // Typed text, or a word from a phone's keyboard; a paste in bracketed-paste mode starts with ESC.
  if (data.length > 0 && [...data].every(isPredictable)) return { kind: 'text', text: data };
  return { kind: 'other' };
}

/** One guessed step: the cell it changes (none for a cursor move) and where the cursor goes. */
interface Step {
  cell: { x: number; text: string } | null;
  cursorX: number;
  at: number;
}

export class LocalEcho {
  private enabled = false;
  private roundTripMs = 0;
  /** Guesses not confirmed yet, in the order typed; all on row `row`. */
  private steps: Step[] = [];
  private row = -1;
  /** The screen before the first pending step: cursor column and the cells the steps touch. */
  private baseCursorX = 0;
  private baseCells = new Map<number, string>();
  /** Where this line's typing started and its end as typed (-1: unknown), for Backspace and Left/Right. */
  private line: { y: number; start: number; end: number } | null = null;
  /** The shell's prompt ended (OSC 133 B) and no command started since: its line editor reads the line, and echoes. */
  private atPrompt = false;
  /** The server echoed a guess on this line: later guesses on it are drawn at once. */
  private echoSeen = false;
  /** No echo came, or a guess was wrong: no guessing until the line ends or a prompt comes. */
  private suspended = false;
  private lastCursor: { x: number; y: number } | null = null;
  private timer: unknown = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly screen: EchoScreen,
    private readonly timers: EchoTimers,
  ) {}

  /** Guessing on or off (the setting, and for `auto` the round trip); off drops every guess. */
  setEnabled(enabled: boolean): void {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    if (!enabled) this.dropSteps();
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  /** The measured round trip: guesses wait for their echo a few of them before giving up. */
  setRoundTrip(ms: number): void {
    this.roundTripMs = ms;
  }

  /** Called when guesses change (to draw them again). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** What to draw now, or null: nothing guessed, or nothing known to echo yet. */
  get prediction(): EchoPrediction | null {
    if (this.steps.length === 0 || !this.isVisible) return null;
    const cells = new Map<number, string>();
    for (const step of this.steps) if (step.cell) cells.set(step.cell.x, step.cell.text);
    return {
      y: this.row,
      cells: [...cells].map(([x, text]) => ({ x, text: isBlank(text) ? ' ' : text })),
      cursorX: this.steps.at(-1)!.cursorX,
    };
  }

  /** Guesses waiting for the server (drawn or not). */
  get pendingCount(): number {
    return this.steps.length;
  }

  /** Whether guesses made now are drawn: at a prompt (after its B mark), or once this line's echo was seen. */
  get isVisible(): boolean {
    return this.atPrompt || this.echoSeen;
  }

  /** Input about to be sent to the terminal (after the key bar's modifiers). */
  input(data: string): void {
    this.expire();
    const key = classifyInput(data);
    switch (key.kind) {
      case 'neutral':
        return;
      case 'enter':
        // A new line may go to a program that does not echo (a password prompt): start over.
        this.atPrompt = false;
        this.endLine();
        return;
      case 'line-edit':
        // The line editor redraws the line: guesses would fight it. It stays the line editor, so a prompt stays one.
        this.dropSteps();
        if (this.line) this.line.end = -1;
        return;
      case 'other':
        // Ctrl-C, Ctrl-D, a paste, a mouse report…: anything may happen next; echo must be seen again.
        this.atPrompt = false;
        this.endLine();
        return;
    }
    if (!this.mayGuess()) {
      this.dropSteps();
      return;
    }
    const cursor = this.predictedCursor();
    if (this.line && this.line.y !== cursor.y) this.endLine();
    let ok: boolean;
    switch (key.kind) {
      case 'text':
        ok = [...key.text].every((char) => this.guessChar(char));
        break;
      case 'erase':
        ok = this.guessErase();
        break;
      case 'left':
        ok = this.guessMove(-1);
        break;
      case 'right':
        ok = this.guessMove(1);
        break;
    }
    // A key not safe to guess: its echo will redraw what the pending guesses expect.
    if (!ok) this.dropSteps();
    this.changed();
  }

  /**
   * A shell integration mark (OSC 133 ; A/B/C/D), in output order. Only B (the prompt ends) says the
   * line editor reads the line: the shell prints it as part of the prompt, after its prompt hooks
   * (bash's PROMPT_COMMAND, zsh's precmd) are over. A comes from the first of those hooks, and one
   * that runs after it may read a passphrase with echo off; so from A (a shell that sends only A, an
   * older integration) as from C (a command starts, it may read a password) echo must be seen again.
   */
  promptMark(kind: string): void {
    if (kind === 'A' || kind === 'B' || kind === 'C') {
      this.atPrompt = kind === 'B';
      this.endLine();
    }
  }

  /** The emulator has parsed more of the server's output: confirm, keep or drop the guesses. */
  outputProcessed(): void {
    if (this.screen.isAlternateScreen()) {
      this.atPrompt = false;
      this.endLine();
      this.lastCursor = null;
      return;
    }
    const cursor = this.screen.cursor();
    const moved = this.lastCursor !== null && (this.lastCursor.x !== cursor.x || this.lastCursor.y !== cursor.y);
    this.lastCursor = cursor;
    if (this.line && cursor.y !== this.line.y) {
      // Another row: a new line, or output; whatever was guessed there is over.
      this.endLine();
      return;
    }
    if (this.steps.length === 0) {
      // Output moved the cursor that no guess explains: the program, not our echo, is writing.
      if (moved && !this.atPrompt) this.echoSeen = false;
      return;
    }
    const confirmed = this.confirmedSteps(cursor.x);
    if (confirmed > 0) {
      this.steps.splice(0, confirmed);
      this.echoSeen = true;
      this.captureBase();
      this.changed();
      return;
    }
    if (!this.isUnchanged(cursor.x)) this.fail();
    else this.expire();
  }

  /** Drops every guess and what is known about the line (a reset, a new attach, a resize). */
  reset(): void {
    this.atPrompt = false;
    this.lastCursor = null;
    this.endLine();
  }

  dispose(): void {
    this.clearTimer();
    this.listeners.clear();
  }

  private mayGuess(): boolean {
    return this.enabled && !this.suspended && !this.screen.isAlternateScreen();
  }

  /** The cursor once every pending guess is applied. */
  private predictedCursor(): { x: number; y: number } {
    if (this.steps.length > 0) return { x: this.steps.at(-1)!.cursorX, y: this.row };
    return this.screen.cursor();
  }

  /** A cell as it will be once every pending guess is applied. */
  private predictedCell(y: number, x: number): string {
    for (let i = this.steps.length - 1; i >= 0; i--) {
      const cell = this.steps[i]!.cell;
      if (cell && cell.x === x) return cell.text;
    }
    return this.screen.cellText(y, x);
  }

  /** Nothing but blanks from `x` to the right edge: the cursor is at the end of what the line shows. */
  private isEndOfLine(y: number, x: number): boolean {
    for (let col = x; col < this.screen.cols; col++) if (!isBlank(this.predictedCell(y, col))) return false;
    return true;
  }

  private guessChar(char: string): boolean {
    const { x, y } = this.predictedCursor();
    // Never the last column: a wrap is the line editor's business (and differs between them).
    if (x + 1 >= this.screen.cols - 1 || !this.isEndOfLine(y, x)) return false;
    this.line ??= { y, start: x, end: x };
    this.line.end = Math.max(this.line.end, x + 1);
    this.addStep(y, { x, text: char }, x + 1);
    return true;
  }

  private guessErase(): boolean {
    const { x, y } = this.predictedCursor();
    if (!this.line || x <= this.line.start || !this.isEndOfLine(y, x)) return false;
    this.line.end = x - 1;
    this.addStep(y, { x: x - 1, text: ' ' }, x - 1);
    return true;
  }

  private guessMove(delta: -1 | 1): boolean {
    const { x, y } = this.predictedCursor();
    if (!this.line) return false;
    const to = x + delta;
    if (to < this.line.start || to > this.line.end) return false;
    this.addStep(y, null, to);
    return true;
  }

  private addStep(y: number, cell: Step['cell'], cursorX: number): void {
    if (this.steps.length === 0) {
      this.row = y;
      this.baseCursorX = this.screen.cursor().x;
      this.baseCells.clear();
    }
    if (cell && !this.baseCells.has(cell.x)) this.baseCells.set(cell.x, this.screen.cellText(y, cell.x));
    this.steps.push({ cell, cursorX, at: this.timers.now() });
    this.lastCursor = this.screen.cursor();
    this.scheduleExpiry();
  }

  /**
   * The longest run of pending steps the screen shows done: every cell they changed reads as
   * guessed and the cursor is exactly where the last of them put it (so a program's own output that
   * happens to contain the guessed character elsewhere confirms nothing).
   */
  private confirmedSteps(cursorX: number): number {
    for (let count = this.steps.length; count > 0; count--) {
      if (this.steps[count - 1]!.cursorX !== cursorX) continue;
      const cells = new Map<number, string>();
      for (const step of this.steps.slice(0, count)) if (step.cell) cells.set(step.cell.x, step.cell.text);
      if ([...cells].every(([x, text]) => sameCell(this.screen.cellText(this.row, x), text))) return count;
    }
    return 0;
  }

  /** The screen still shows what it showed before the pending steps: the echo is on its way. */
  private isUnchanged(cursorX: number): boolean {
    if (cursorX !== this.baseCursorX) return false;
    return [...this.baseCells].every(([x, text]) => sameCell(this.screen.cellText(this.row, x), text));
  }

  /** After a confirmation the screen is the new base for the steps left. */
  private captureBase(): void {
    this.baseCursorX = this.screen.cursor().x;
    this.baseCells.clear();
    for (const step of this.steps) if (step.cell && !this.baseCells.has(step.cell.x)) this.baseCells.set(step.cell.x, this.screen.cellText(this.row, step.cell.x));
    if (this.steps.length === 0) this.clearTimer();
    else this.scheduleExpiry();
  }

  /** The server did something else: the screen (the truth) shows it; no guessing until the line settles. */
  private fail(): void {
    this.suspended = true;
    this.echoSeen = false;
    this.dropSteps();
  }

  /** Guesses that waited too long: the program does not echo (or the link stalled). */
  private expire(): void {
    const oldest = this.steps[0];
    if (oldest && this.timers.now() - oldest.at >= this.timeoutMs) this.fail();
  }

  private get timeoutMs(): number {
    return Math.max(CONFIRM_TIMEOUT_MS, 4 * this.roundTripMs);
  }

  private scheduleExpiry(): void {
    this.clearTimer();
    const oldest = this.steps[0];
    if (!oldest) return;
    const wait = Math.max(0, oldest.at + this.timeoutMs - this.timers.now());
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.expire();
    }, wait);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The line is over (Enter, another row, a prompt, a command): what was known about its echo goes with it. */
  private endLine(): void {
    this.line = null;
    this.echoSeen = false;
    this.suspended = false;
    this.dropSteps();
  }

  private dropSteps(): void {
    this.clearTimer();
    if (this.steps.length === 0) return;
    this.steps = [];
    this.baseCells.clear();
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
