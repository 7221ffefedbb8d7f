/**
 * Keeps a flooding terminal from crowding out the one the owner is typing in. While another
 * terminal had input within INTERACTIVE_MS, a terminal's output is held to its share
 * (TERMINAL_SHARED_OUTPUT_KBPS): it earns credit at that rate, banking at most one SLICE_MS worth,
 * each PTY read spends it, and once in debt its PTY pauses until the debt is earned back, so the
 * flooding program blocks and leaves the CPU to the shell being typed in. Charging whole reads
 * (a few KiB each) against the credit keeps the rate true however large the reads are. A terminal
 * alone, or the one being typed in, is never held back.
 */
export const INTERACTIVE_MS = 1000;
export const SLICE_MS = 10;

export interface FairShareState {
  /** Bytes the terminal may still produce now; negative: its debt. */
  credit: number;
  /** When the credit was last brought up to date (monotonic ms). */
  at: number;
}

export const initialFairShareState = (): FairShareState => ({ credit: 0, at: Number.NEGATIVE_INFINITY });

export interface FairShare {
  noteInput(terminal: object): void;
  /** Counts `bytes` of output of `terminal`; returns how long its PTY should pause (0: go on). */
  pauseFor(terminal: object, state: FairShareState, bytes: number): number;
}

/** `bytesPerSecond` 0 turns it off. `now`: monotonic milliseconds. */
export function createFairShare(bytesPerSecond: number, now: () => number = () => performance.now()): FairShare {
  const bankedAtMost = (bytesPerSecond * SLICE_MS) / 1000;
  let lastInputFrom: object | null = null;
  let lastInputAt = Number.NEGATIVE_INFINITY;
  return {
    noteInput(terminal) {
      lastInputFrom = terminal;
      lastInputAt = now();
    },
    pauseFor(terminal, state, bytes) {
      const at = now();
      if (bytesPerSecond === 0 || lastInputFrom === terminal || at - lastInputAt > INTERACTIVE_MS) {
        state.credit = bankedAtMost;
        state.at = at;
        return 0;
      }
      state.credit = Math.min(bankedAtMost, state.credit + ((at - state.at) * bytesPerSecond) / 1000) - bytes;
      state.at = at;
      return state.credit < 0 ? Math.ceil((-state.credit * 1000) / bytesPerSecond) : 0;
    },
  };
}
