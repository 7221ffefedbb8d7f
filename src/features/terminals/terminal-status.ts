// What a terminal is doing (issue 20), decided from its live output's signals (signals.ts), the
// owner's input, and later from agent hooks (`report`). Pure: no timers, the clock is passed in.
import type { TerminalActivity, TerminalActivityState } from '../../shared/terminals.js';
import type { TerminalSignal } from './signals.js';

/** A command that ran at least this long says so when it ends ("long command done"): the owner is wanted. */
export const LONG_COMMAND_MS = 30_000;
/**
 * A bell this soon after input, while no command is known to run, answers the typing (readline's
 * completion with no match) rather than asking for the owner: it is not "waiting for input".
 */
export const BELL_AFTER_INPUT_MS = 1_000;

/** The message of a terminal whose program waits for a reply typed into it. */
export const WAITING_FOR_READ = 'Waiting for a reply in the terminal';

/** A change reported by something other than the output (agent hooks, later): `approval`, `waiting`, `working`. */
export interface ActivityReport {
  state: TerminalActivityState;
  message?: string | null;
  exitCode?: number | null;
  /** Whether the owner is wanted; by default only for `waiting` and `approval` (an agent's Stop hook says so for `finished`). */
  needsYou?: boolean;
}

/**
 * One terminal's activity. Each method returns true when what clients see changed (then send
 * `activity`); most calls (every keystroke, every bell in a row) change nothing and cost nothing.
 */
export class TerminalStatus {
  private state: TerminalActivityState = 'idle';
  private sinceMs: number;
  private exitCode: number | null | undefined;
  private message: string | null = null;
  private wanted = false;
  private long = false;
  /** An OSC 133 C came and no D yet: a command runs. */
  private commandStartedMs: number | null = null;
  private lastInputMs = -Infinity;

  /**
   * `now`: wall-clock milliseconds (the app clock) for `since`; `elapsed`: a monotonic clock for
   * durations (how long a command ran, how soon a bell followed a key).
   */
  constructor(
    private readonly now: () => number,
    private readonly elapsed: () => number = now,
    private readonly longCommandMs = LONG_COMMAND_MS,
  ) {
    this.sinceMs = now();
  }

  get activity(): TerminalActivity {
    return {
      state: this.state,
      since: new Date(this.sinceMs).toISOString(),
      needsYou: this.wanted,
      ...(this.state === 'finished' || this.state === 'failed' ? { exitCode: this.exitCode ?? null, longCommand: this.long } : {}),
      ...(this.state === 'waiting' || this.state === 'approval' ? { message: this.message } : {}),
    };
  }

  /** A signal from the live output. */
  signal(signal: TerminalSignal): boolean {
    switch (signal.kind) {
      case 'bell':
        // At the prompt (or without shell integration) a bell just after a key is the line editor's.
        if (this.commandStartedMs === null && this.elapsed() - this.lastInputMs < BELL_AFTER_INPUT_MS) return false;
        return this.enter('waiting', { message: this.state === 'waiting' ? this.message : null, needsYou: true });
      case 'notify': {
        const text = [signal.title, signal.body].filter(Boolean).join(': ');
        return this.enter('waiting', { message: text || null, needsYou: true });
      }
      case 'command-start':
        this.commandStartedMs = this.elapsed();
        return this.enter('working', { needsYou: false });
      case 'command-done': {
        // A D without a C: an empty command line, or the first prompt; nothing ran.
        if (this.commandStartedMs === null) return false;
        const long = this.elapsed() - this.commandStartedMs >= this.longCommandMs;
        this.commandStartedMs = null;
        const failed = signal.exitCode !== null && signal.exitCode !== 0;
        return this.enter(failed ? 'failed' : 'finished', { exitCode: signal.exitCode, long, needsYou: long });
      }
      case 'prompt':
        // A prompt without a D (a shell that sends only A): whatever ran is over, its result unknown.
        if (this.commandStartedMs === null) return false;
        this.commandStartedMs = null;
        return this.state === 'working' ? this.enter('idle', { needsYou: false }) : false;
      case 'command-line':
        return false;
    }
  }

  /**
   * The running command went quiet and is blocked reading the terminal (a prompt): waiting for the
   * owner. Only while a command is known to run; typing answers it as for any wait.
   */
  waitingForRead(): boolean {
    if (this.state !== 'working' || this.commandStartedMs === null) return false;
    return this.enter('waiting', { message: WAITING_FOR_READ, needsYou: true });
  }

  /** The owner typed into the terminal: what waited for them has them; a program waiting for input runs on. */
  input(): boolean {
    this.lastInputMs = this.elapsed();
    if (this.state === 'waiting' || this.state === 'approval') {
      return this.enter(this.commandStartedMs === null ? 'idle' : 'working', { needsYou: false });
    }
    return this.seen();
  }

  /** The owner saw the terminal: it no longer counts as needing them (its state stays). */
  seen(): boolean {
    if (!this.wanted) return false;
    this.wanted = false;
    return true;
  }

  /** A state reported from outside the output (agent hooks). */
  report(report: ActivityReport): boolean {
    const wanted = report.needsYou ?? (report.state === 'waiting' || report.state === 'approval');
    return this.enter(report.state, { message: report.message ?? null, exitCode: report.exitCode, needsYou: wanted });
  }

  private enter(state: TerminalActivityState, change: { message?: string | null; exitCode?: number | null; long?: boolean; needsYou: boolean }): boolean {
    const message = change.message ?? null;
    const exitCode = change.exitCode ?? null;
    const long = change.long ?? false;
    const same =
      state === this.state &&
      change.needsYou === this.wanted &&
      message === this.message &&
      // A command that ends, even the same way again, is news: a new `since`.
      state !== 'finished' &&
      state !== 'failed';
    if (same) return false;
    if (state !== this.state || state === 'finished' || state === 'failed' || message !== this.message) this.sinceMs = this.now();
    this.state = state;
    this.message = message;
    this.exitCode = exitCode;
    this.long = long;
    this.wanted = change.needsYou;
    return true;
  }
}
