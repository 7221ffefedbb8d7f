const INITIAL_BYTES = 1024;

/**
 * The most recent bytes of a terminal's output stream, addressed by absolute stream offset.
 * Starts small and doubles on demand up to `maxBytes`, so an idle terminal costs a few KiB.
 * Bytes below `keepFrom` (not yet on disk) are kept even past `maxBytes`, up to
 * `hardMaxBytes`; the terminal pauses its PTY long before that.
 */
export class RingBuffer {
  private buf: Buffer;
  private head = 0;
  private size = 0;
  private endOffset: number;

  constructor(
    private readonly maxBytes: number,
    private readonly hardMaxBytes = maxBytes * 2,
    startOffset = 0,
  ) {
    // Not from Node's shared 8 KiB pool: a long-lived small buffer there keeps its whole slab alive,
    // about 5 KiB more per idle terminal (issue 19's memory figure).
    this.buf = Buffer.allocUnsafeSlow(Math.min(INITIAL_BYTES, maxBytes));
    this.endOffset = startOffset;
  }

  /** Offset of the oldest byte held. */
  get start(): number {
    return this.endOffset - this.size;
  }

  /** Offset just after the newest byte. */
  get end(): number {
    return this.endOffset;
  }

  get capacity(): number {
    return this.buf.length;
  }

  /** Appends `chunk`, evicting the oldest bytes when full (but none at or above `keepFrom` if it can grow). */
  push(chunk: Buffer, keepFrom = this.endOffset): void {
    const length = chunk.length;
    if (length === 0) return;
    if (length >= this.hardMaxBytes) {
      this.resize(this.hardMaxBytes, 0);
      chunk.copy(this.buf, 0, length - this.hardMaxBytes);
      this.head = 0;
      this.size = this.hardMaxBytes;
      this.endOffset += length;
      return;
    }
    const needed = this.size + length;
    if (needed > this.buf.length && this.buf.length < this.hardMaxBytes) {
      const unpersisted = this.endOffset - Math.min(this.endOffset, Math.max(keepFrom, this.start));
      const desired = needed <= this.maxBytes ? needed : Math.max(this.maxBytes, unpersisted + length);
      if (desired > this.buf.length) {
        this.resize(Math.min(this.hardMaxBytes, Math.max(desired, Math.min(this.buf.length * 2, this.maxBytes))), 0);
      }
    }
    const capacity = this.buf.length;
    const overflow = this.size + length - capacity;
    if (overflow > 0) {
      this.head = (this.head + overflow) % capacity;
      this.size -= overflow;
    }
    const tail = (this.head + this.size) % capacity;
    const first = Math.min(length, capacity - tail);
    chunk.copy(this.buf, tail, 0, first);
    if (first < length) chunk.copy(this.buf, 0, first);
    this.size += length;
    this.endOffset += length;
  }

  /** A copy of the bytes in [from, to); both must lie within [start, end]. */
  copy(from: number, to: number): Buffer {
    if (from < this.start || to > this.endOffset || from > to) {
      throw new RangeError(`range ${from}-${to} is outside the buffer (${this.start}-${this.endOffset})`);
    }
    const length = to - from;
    const out = Buffer.allocUnsafe(length);
    const capacity = this.buf.length;
    const begin = (this.head + (from - this.start)) % capacity;
    const first = Math.min(length, capacity - begin);
    this.buf.copy(out, 0, begin, begin + first);
    if (first < length) this.buf.copy(out, first, 0, length - first);
    return out;
  }

  /**
   * The bytes in [from, to) without copying when they lie in one piece (a copy otherwise). The
   * result shares memory with the buffer: use it before the next push.
   */
  view(from: number, to: number): Buffer {
    if (from < this.start || to > this.endOffset || from > to) {
      throw new RangeError(`range ${from}-${to} is outside the buffer (${this.start}-${this.endOffset})`);
    }
    const begin = (this.head + (from - this.start)) % this.buf.length;
    if (begin + (to - from) <= this.buf.length) return this.buf.subarray(begin, begin + (to - from));
    return this.copy(from, to);
  }

  /** Gives memory back: keeps at most the newest `keepBytes` (and at least everything from `keepFrom`). */
  shrink(keepBytes: number, keepFrom = this.endOffset): void {
    const keep = Math.min(this.size, Math.max(keepBytes, this.endOffset - Math.max(keepFrom, this.start)));
    const capacity = Math.max(INITIAL_BYTES, keep);
    if (capacity >= this.buf.length) return;
    this.resize(capacity, this.size - keep);
  }

  /** Re-lays the contents into a buffer of `capacity` bytes, dropping the `drop` oldest. */
  private resize(capacity: number, drop: number): void {
    const keep = Math.min(this.size - drop, capacity);
    const from = this.endOffset - keep;
    const next = Buffer.allocUnsafeSlow(capacity);
    if (keep > 0) this.copy(from, this.endOffset).copy(next, 0);
    this.buf = next;
    this.head = 0;
    this.size = keep;
  }
}
