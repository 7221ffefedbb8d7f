/**
 * Keeps a flooding terminal from crowding out the one the owner is typing in. While another
 * terminal had input within INTERACTIVE_MS, a terminal may produce at most its share of output per
 * SLICE_MS (TERMINAL_SHARED_OUTPUT_KBPS); beyond that its PTY pauses until the slice ends, so the
 * flooding program blocks and leaves the CPU to the shell being typed in. A terminal alone, or the
 * one being typed in, is never held back.
 */
export const INTERACTIVE_MS = 1000;
export const SLICE_MS = 10;

export interface FairShareState {
  sliceStart: number;
  sliceBytes: number;
}

export interface FairShare {
  noteInput(session: object): void;
  /** Counts `bytes` of output of `session`; returns how long its PTY should pause (0: go on). */
  pauseFor(session: object, state: FairShareState, bytes: number): number;
}

/** `bytesPerSecond` 0 turns it off. `now`: monotonic milliseconds. */
export function createFairShare(bytesPerSecond: number, now: () => number = () => performance.now()): FairShare {
  const sliceBytes = (bytesPerSecond * SLICE_MS) / 1000;
  let lastInputFrom: object | null = null;
  let lastInputAt = Number.NEGATIVE_INFINITY;
  return {
    noteInput(session) {
      lastInputFrom = session;
      lastInputAt = now();
    },
    pauseFor(session, state, bytes) {
      const at = now();
      if (bytesPerSecond === 0 || lastInputFrom === session || at - lastInputAt > INTERACTIVE_MS) return 0;
      if (at - state.sliceStart >= SLICE_MS) {
        state.sliceStart = at;
        state.sliceBytes = 0;
      }
      state.sliceBytes += bytes;
      return state.sliceBytes > sliceBytes ? SLICE_MS - (at - state.sliceStart) : 0;
    },
  };
}
