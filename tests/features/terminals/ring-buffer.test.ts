import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src/features/terminals/ring-buffer.js';

const bytes = (from: number, to: number) => Buffer.from(Array.from({ length: to - from }, (_, i) => (from + i) % 251));

describe('RingBuffer', () => {
  it('starts small, grows on demand and keeps the newest bytes by absolute offset', () => {
    const ring = new RingBuffer(10_000);
    expect(ring.capacity).toBe(1024);
    let offset = 0;
    for (const size of [1, 700, 3000, 4096, 5000, 123, 9999]) {
      ring.push(bytes(offset, offset + size));
      offset += size;
      expect(ring.end).toBe(offset);
      expect(ring.copy(ring.start, ring.end).equals(bytes(ring.start, ring.end))).toBe(true);
    }
    expect(ring.capacity).toBe(10_000);
    expect(ring.start).toBe(offset - 10_000);
    expect(() => ring.copy(ring.start - 1, ring.end)).toThrow(RangeError);
  });

  it('keeps bytes not yet persisted beyond its size, up to the hard maximum', () => {
    const ring = new RingBuffer(8192, 16_384);
    ring.push(bytes(0, 8192), 0);
    ring.push(bytes(8192, 12_288), 0); // nothing persisted yet: grow rather than evict
    expect(ring.start).toBe(0);
    ring.push(bytes(12_288, 14_336), 12_000); // persisted up to 12000: older bytes may go
    expect(ring.start).toBeLessThanOrEqual(12_000);
    expect(ring.copy(ring.start, ring.end).equals(bytes(ring.start, ring.end))).toBe(true);
    ring.shrink(1024, ring.end);
    expect(ring.capacity).toBe(1024);
    expect(ring.copy(ring.start, ring.end).equals(bytes(ring.start, ring.end))).toBe(true);
    expect(ring.end - ring.start).toBeGreaterThanOrEqual(1024);
  });
});
