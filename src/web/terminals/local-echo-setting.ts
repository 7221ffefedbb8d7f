// Whether this device guesses the echo of what is typed (issue 22 §1, docs/local-echo.md): auto (when
// the round trip to the server is long enough to feel), on or off, kept per device like the font
// size (font-size.ts), since the link is the device's: a phone on a train wants it, the desktop on
// the same network as the server does not. And the round trip itself, measured with terminal:ping.
// DOM-free: callers pass the storage.
import type { KeyValueStorage } from './font-size.js';

export type LocalEchoMode = 'auto' | 'on' | 'off';

const STORAGE_KEY = 'shellport.terminals.localEcho';
const MODES: readonly LocalEchoMode[] = ['auto', 'on', 'off'];

/** `auto` guesses once the measured round trip exceeds this: below it an echo already feels immediate. */
export const AUTO_THRESHOLD_MS = 30;
/** How often the round trip is measured while connected, after the first few samples (a second apart). */
export const PING_INTERVAL_MS = 10_000;
export const FIRST_PINGS_INTERVAL_MS = 1000;
/** Samples the estimate is the median of: one slow answer (a busy server, a GC pause) does not switch `auto`. */
const SAMPLES = 5;
/** No estimate before this many: the first answer after connecting is often slow (the server warming up). */
export const MIN_SAMPLES = 3;

/** This device's choice; `auto` when it made none (or what is stored is not a mode). */
export function localEchoMode(storage: KeyValueStorage | null): LocalEchoMode {
  let stored: string | null = null;
  try {
    stored = storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return 'auto';
  }
  return MODES.find((mode) => mode === stored) ?? 'auto';
}

export function rememberLocalEchoMode(storage: KeyValueStorage | null, mode: LocalEchoMode): void {
  try {
    if (mode === 'auto') storage?.removeItem(STORAGE_KEY);
    else storage?.setItem(STORAGE_KEY, mode);
  } catch {
    // Full or disabled storage: the choice holds until the page is left.
  }
}

/** The next mode in the menu's cycle: auto → on → off → auto. */
export function nextLocalEchoMode(mode: LocalEchoMode): LocalEchoMode {
  return MODES[(MODES.indexOf(mode) + 1) % MODES.length]!;
}

/** Whether to guess: `auto` only with a measured round trip above the threshold. */
export function isLocalEchoOn(mode: LocalEchoMode, roundTripMs: number | null): boolean {
  if (mode !== 'auto') return mode === 'on';
  return roundTripMs !== null && roundTripMs > AUTO_THRESHOLD_MS;
}

/** The menu item's words. */
export function describeLocalEchoMode(mode: LocalEchoMode, roundTripMs: number | null): string {
  if (mode === 'on') return 'Typing prediction: on';
  if (mode === 'off') return 'Typing prediction: off';
  return `Typing prediction: auto (${isLocalEchoOn(mode, roundTripMs) ? 'on' : 'off'} now)`;
}

/** The connection indicator's line about the link. */
export function describeRoundTrip(roundTripMs: number | null, predicting: boolean): string {
  if (roundTripMs === null) return 'Round trip: not measured yet';
  return `Round trip: ${Math.round(roundTripMs)} ms${predicting ? '; typing is predicted (underlined until the server confirms it)' : ''}`;
}

/** The round trip as the median of the latest samples. */
export class RoundTripMeter {
  private samples: number[] = [];

  add(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > SAMPLES) this.samples.shift();
  }

  /** Forget the samples (a new connection may take another path). */
  clear(): void {
    this.samples = [];
  }

  get count(): number {
    return this.samples.length;
  }

  get estimate(): number | null {
    if (this.samples.length < MIN_SAMPLES) return null;
    const sorted = [...this.samples].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  }
}
