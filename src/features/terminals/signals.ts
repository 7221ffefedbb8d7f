// Generic signals in a terminal's live output (issue 20): the bell, desktop notifications
// (OSC 9, OSC 777) and shell integration marks (OSC 133, "FinalTerm" semantic prompts). Runs on the
// output hot path, so it never decodes a chunk: it jumps from ESC to ESC and BEL to BEL with
// Buffer.indexOf (memchr) and copies only the payload of an OSC string, at most MAX_OSC_BYTES.
// State survives chunk boundaries: a sequence may be split anywhere.

/** What the output said, in stream order. */
export type TerminalSignal =
  | { kind: 'bell' }
  /** OSC 9 (iTerm2, Windows Terminal, Ghostty) or OSC 777 (urxvt, foot, VTE): text already made safe to show. */
  | { kind: 'notify'; source: 'osc9' | 'osc777'; title: string | null; body: string }
  /** OSC 133 A: a prompt starts (the previous command, if any, is over). */
  | { kind: 'prompt' }
  /** OSC 133 B: the prompt ends, the command line starts. */
  | { kind: 'command-line' }
  /** OSC 133 C: the command line was entered; its output starts. */
  | { kind: 'command-start' }
  /** OSC 133 D [; exit code]: the command finished (null: no code given or not a number). */
  | { kind: 'command-done'; exitCode: number | null };

/** OSC payloads longer than this are skipped (not copied): none we act on is that long. */
const MAX_OSC_BYTES = 1024;
/** Notification text longer than this (in characters) is cut, with an ellipsis. */
export const MAX_NOTIFICATION_CHARS = 200;

const BEL = 0x07;
const ESC = 0x1b;
const BACKSLASH = 0x5c;

const enum State {
  Ground,
  /** After ESC. */
  Escape,
  /** Inside an OSC string (ESC ]): collecting its payload. */
  Osc,
  /** Inside another string (DCS, SOS, PM, APC): skipped to its end; a BEL there is not a bell. */
  OtherString,
  /** After ESC inside a string: a backslash ends it (ST), anything else aborts it. */
  StringEscape,
}

/** Characters that must not reach a label or a title: C0, DEL, C1, and bidi and zero-width controls. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+/g;

/** Notification text as it may be shown: control characters become spaces, runs of space one, at most MAX_NOTIFICATION_CHARS. */
export function cleanNotificationText(text: string): string {
  const clean = text.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (clean.length <= MAX_NOTIFICATION_CHARS) return clean;
  // Never cut a surrogate pair in half.
  const cut = [...clean.slice(0, MAX_NOTIFICATION_CHARS)];
  if (cut.length && /[\ud800-\udbff]/.test(cut[cut.length - 1]!)) cut.pop();
  return `${cut.join('').trimEnd()}…`;
}

/**
 * The signals of one terminal's output stream. Feed it every live chunk once, in order (never a
 * replay); `scan` calls `emit` for each complete signal and allocates nothing for chunks without one.
 */
export class SignalParser {
  private state = State.Ground;
  /** Which string the StringEscape state is in. */
  private inOsc = false;
  /** The OSC payload so far (only its first MAX_OSC_BYTES). */
  private osc: Buffer | null = null;
  private oscLength = 0;
  private oscTooLong = false;

  scan(chunk: Buffer, emit: (signal: TerminalSignal) => void): void {
    const end = chunk.length;
    let i = 0;
    // Where the next BEL is, searched once and again only once passed.
    let nextBel = -2;
    while (i < end) {
      switch (this.state) {
        case State.Ground: {
          if (nextBel !== -1 && nextBel < i) nextBel = chunk.indexOf(BEL, i);
          const nextEsc = chunk.indexOf(ESC, i);
          if (nextEsc === -1 && nextBel === -1) return;
          if (nextBel !== -1 && (nextEsc === -1 || nextBel < nextEsc)) {
            emit({ kind: 'bell' });
            i = nextBel + 1;
          } else {
            this.state = State.Escape;
            i = nextEsc + 1;
          }
          break;
        }
        case State.Escape: {
          const byte = chunk[i]!;
          if (byte === 0x5d /* ] */) {
            this.startOsc();
            i++;
          } else if (byte === 0x50 /* P */ || byte === 0x58 /* X */ || byte === 0x5e /* ^ */ || byte === 0x5f /* _ */) {
            this.state = State.OtherString;
            i++;
          } else if (byte === ESC) {
            i++; // ESC ESC: the second starts the sequence
          } else {
            // CSI and the rest: no string, no BEL inside that matters; the ground scan goes on from here.
            this.state = State.Ground;
          }
          break;
        }
        case State.Osc:
        case State.OtherString: {
          const inOsc = this.state === State.Osc;
          // A string ends at BEL or ST (ESC \): jump to the nearest of the two.
          const bel = chunk.indexOf(BEL, i);
          const esc = chunk.indexOf(ESC, i);
          const stop = bel === -1 ? esc : esc === -1 ? bel : Math.min(bel, esc);
          const payloadEnd = stop === -1 ? end : stop;
          if (inOsc) this.collect(chunk, i, payloadEnd);
          if (stop === -1) return;
          const byte = chunk[stop]!;
          i = stop + 1;
          if (byte === BEL) {
            if (inOsc) this.finishOsc(emit);
            this.state = State.Ground;
            nextBel = -2;
          } else {
            this.inOsc = inOsc;
            this.state = State.StringEscape;
          }
          break;
        }
        case State.StringEscape: {
          if (chunk[i] === BACKSLASH) {
            if (this.inOsc) this.finishOsc(emit);
            this.state = State.Ground;
            i++;
          } else {
            // ESC then something else: the string was cut short, and a new sequence starts.
            this.osc = null;
            this.state = State.Escape;
          }
          break;
        }
      }
    }
  }

  private startOsc(): void {
    this.state = State.Osc;
    this.oscLength = 0;
    this.oscTooLong = false;
    this.osc ??= Buffer.allocUnsafe(MAX_OSC_BYTES);
  }

  private collect(chunk: Buffer, from: number, to: number): void {
    if (this.oscTooLong || !this.osc) return;
    if (this.oscLength + (to - from) > MAX_OSC_BYTES) {
      this.oscTooLong = true;
      return;
    }
    chunk.copy(this.osc, this.oscLength, from, to);
    this.oscLength += to - from;
  }

  private finishOsc(emit: (signal: TerminalSignal) => void): void {
    const osc = this.osc;
    if (!osc || this.oscTooLong) return;
    const length = this.oscLength;
    this.oscLength = 0;
    // Only the numbers we act on; everything else (titles, colours, hyperlinks, clipboard) is left alone.
    const signal = parseOsc(osc, length);
    if (signal) emit(signal);
  }
}

function startsWith(buffer: Buffer, length: number, prefix: string): boolean {
  if (length < prefix.length) return false;
  for (let k = 0; k < prefix.length; k++) if (buffer[k] !== prefix.charCodeAt(k)) return false;
  return true;
}

function parseOsc(buffer: Buffer, length: number): TerminalSignal | null {
  if (startsWith(buffer, length, '133;')) {
    const mark = String.fromCharCode(buffer[4] ?? 0);
    if (length > 5 && buffer[5] !== 0x3b /* ; */) return null;
    switch (mark) {
      case 'A':
        return { kind: 'prompt' };
      case 'B':
        return { kind: 'command-line' };
      case 'C':
        return { kind: 'command-start' };
      case 'D': {
        // D;<code>[;more options]
        const rest = length > 6 ? buffer.toString('latin1', 6, length).split(';')[0]! : '';
        const code = /^\d{1,3}$/.test(rest) ? Number(rest) : null;
        return { kind: 'command-done', exitCode: code };
      }
      default:
        return null;
    }
  }
  if (startsWith(buffer, length, '9;')) {
    const text = buffer.toString('utf8', 2, length);
    // ConEmu's and Windows Terminal's OSC 9;<number>;… are progress, working directory and the like, not notifications.
    if (/^\d+(;|$)/.test(text)) return null;
    const body = cleanNotificationText(text);
    return { kind: 'notify', source: 'osc9', title: null, body };
  }
  if (startsWith(buffer, length, '777;notify;')) {
    const text = buffer.toString('utf8', 11, length);
    const split = text.indexOf(';');
    const title = cleanNotificationText(split === -1 ? text : text.slice(0, split));
    const body = split === -1 ? '' : cleanNotificationText(text.slice(split + 1));
    return { kind: 'notify', source: 'osc777', title: title || null, body };
  }
  return null;
}
