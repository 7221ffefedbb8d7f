import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutputStore, type OutputStore, type PersistTarget } from '../../../src/features/terminals/output-store.js';
import { createScrollbackReadinessCheck } from '../../../src/features/terminals/readiness.js';
import { RingBuffer } from '../../../src/features/terminals/ring-buffer.js';
import {
  listSegments,
  listStoredTerminals,
  readScrollback,
  removeScrollback,
  scrollbackBounds,
  segmentFileName,
  terminalScrollbackDir,
} from '../../../src/features/terminals/scrollback-files.js';
import { makeTempDir } from '../../helpers/app.js';

const KiB = 1024;

/** A terminal's output stream as the session keeps it: a ring buffer and the persistence offsets. */
class Stream implements PersistTarget {
  seq = 0;
  persistedSeq = 0;
  retainedStart = 0;
  persistedCalls = 0;
  readonly ring = new RingBuffer(4 * 1024 * KiB, 8 * 1024 * KiB);

  constructor(readonly id: string) {}

  get inMemoryFrom(): number {
    return this.ring.start;
  }

  view(from: number, to: number): Buffer {
    return this.ring.view(from, to);
  }

  onPersisted(): void {
    this.persistedCalls++;
  }

  push(store: OutputStore, chunk: Buffer): void {
    this.ring.push(chunk, this.persistedSeq);
    this.seq += chunk.length;
    store.noteOutput(this, chunk.length);
  }
}

const stores: OutputStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function openStore(root: string, retainedBytes: number, log = pino({ level: 'silent' }), maxOpenSegments?: number) {
  const store = createOutputStore({ root, log, batchBytes: 64 * KiB, intervalMs: 5, retainedBytes, slotBytes: 8 * 1024 * KiB, maxOpenSegments });
  stores.push(store);
  return store;
}

describe('terminal output on disk', () => {
  it('appends output byte for byte in segments, keeps at least the retained size and trims whole old segments', async () => {
    const root = path.join(makeTempDir(), 'scrollback');
    const retained = 512 * KiB;
    const store = openStore(root, retained);
    const stream = new Stream('00000000-0000-4000-8000-000000000001');
    const all: Buffer[] = [];
    // Random bytes (NUL, 0xff, broken UTF-8…) in uneven chunks, some flushed one by one.
    for (let i = 0; i < 400; i++) {
      const chunk = randomBytes(1 + ((i * 7919) % (12 * KiB)));
      all.push(chunk);
      stream.push(store, chunk);
      if (i % 50 === 0) await store.flush(stream);
    }
    await store.flush(stream);
    const everything = Buffer.concat(all);
    expect(stream.persistedSeq).toBe(everything.length);
    expect(stream.persistedCalls).toBeGreaterThan(0);

    const bounds = scrollbackBounds(root, stream.id)!;
    expect(bounds.end).toBe(everything.length);
    expect(bounds.start).toBe(stream.retainedStart);
    const segmentBytes = retained / 8;
    expect(bounds.end - bounds.start).toBeGreaterThanOrEqual(retained);
    expect(bounds.end - bounds.start).toBeLessThan(retained + 2 * segmentBytes);

    const segments = listSegments(root, stream.id);
    for (const [i, segment] of segments.entries()) {
      expect(segment.size).toBeLessThanOrEqual(segmentBytes);
      if (i > 0) expect(segment.start).toBe(segments[i - 1]!.start + segments[i - 1]!.size);
      expect(statSync(segment.file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(terminalScrollbackDir(root, stream.id)).mode & 0o777).toBe(0o700);
    expect(statSync(root).mode & 0o777).toBe(0o700);

    const range = (await store.read(stream.id, bounds.start, 10 * 1024 * KiB))!;
    expect(range).toMatchObject({ start: bounds.start, end: bounds.end });
    expect(range.data.equals(everything.subarray(bounds.start))).toBe(true);
    // A trimmed offset reads from the oldest byte still stored.
    const trimmed = (await store.read(stream.id, 0, 1000))!;
    expect(trimmed.start).toBe(bounds.start);
    expect(trimmed.data.equals(everything.subarray(bounds.start, bounds.start + 1000))).toBe(true);
    expect(await store.read(stream.id, bounds.end, 1000)).toBeNull();
  });

  it('with more terminals writing than open files allowed, goes on appending to each one\'s last segment', async () => {
    const root = path.join(makeTempDir(), 'scrollback');
    const store = openStore(root, 1024 * KiB, pino({ level: 'silent' }), 2);
    const streams = ['t-1', 't-2', 't-3', 't-4'].map((id) => new Stream(id));
    const written = new Map(streams.map((stream) => [stream.id, [] as Buffer[]]));
    // Each write evicts another terminal's open file: a prompt here, a line there, as idle shells do.
    for (let round = 0; round < 30; round++) {
      for (const stream of streams) {
        const line = Buffer.from(`${stream.id} line ${round}\r\n`);
        written.get(stream.id)!.push(line);
        stream.push(store, line);
        await store.flush(stream);
      }
    }
    for (const stream of streams) {
      expect(listSegments(root, stream.id)).toHaveLength(1);
      const expected = Buffer.concat(written.get(stream.id)!);
      expect(readScrollback(root, stream.id, 0, 1024 * KiB)?.data.equals(expected)).toBe(true);
    }
  });

  it('reads up to a hole and reports where output resumes after one', () => {
    const root = makeTempDir();
    const id = 'holey';
    mkdirSync(path.join(root, id));
    writeFileSync(path.join(root, id, segmentFileName(100)), 'abcdefghij'); // [100, 110)
    writeFileSync(path.join(root, id, segmentFileName(110)), 'KLMNO'); // [110, 115)
    writeFileSync(path.join(root, id, segmentFileName(200)), 'xyz'); // [200, 203): 115–200 was never written
    writeFileSync(path.join(root, id, 'stray.tmp'), 'not a segment');

    expect(readScrollback(root, id, 105, 100)).toEqual({ start: 105, end: 115, data: Buffer.from('fghijKLMNO') });
    expect(readScrollback(root, id, 105, 7)).toEqual({ start: 105, end: 112, data: Buffer.from('fghijKL') });
    expect(readScrollback(root, id, 150, 100)).toEqual({ start: 200, end: 203, data: Buffer.from('xyz') });
    expect(readScrollback(root, id, 0, 3)).toEqual({ start: 100, end: 103, data: Buffer.from('abc') });
    expect(readScrollback(root, id, 203, 10)).toBeNull();
    expect(readScrollback(root, 'never-written', 0, 10)).toBeNull();
    expect(scrollbackBounds(root, id)).toEqual({ start: 100, end: 203 });
  });

  it('refuses terminal ids that could name a path outside the scrollback directory', () => {
    const root = makeTempDir();
    for (const id of ['../etc', 'a/b', '.', '..', '', 'x'.repeat(65), 'a\0b']) {
      expect(() => terminalScrollbackDir(root, id)).toThrow(/not a terminal id/);
    }
    expect(terminalScrollbackDir(root, '2f1c7a4e-0c1b-4d7e-9a53-51c1f0b2b9a1')).toBe(path.join(root, '2f1c7a4e-0c1b-4d7e-9a53-51c1f0b2b9a1'));
  });

  it('lists the terminals that have output on disk, and deletes one terminal\'s output only', () => {
    const root = makeTempDir();
    for (const id of ['kept', 'gone']) {
      mkdirSync(path.join(root, id));
      writeFileSync(path.join(root, id, segmentFileName(0)), id);
    }
    writeFileSync(path.join(root, 'stray file.txt'), 'not a terminal');
    expect(listStoredTerminals(root).sort()).toEqual(['gone', 'kept']);
    expect(removeScrollback(root, 'gone')).toBe(4);
    expect(listStoredTerminals(root)).toEqual(['kept']);
    expect(scrollbackBounds(root, 'kept')).toEqual({ start: 0, end: 4 });
    expect(listStoredTerminals(path.join(root, 'missing'))).toEqual([]);
  });

  it('keeps a terminal going when its output cannot be written, and says so once', async () => {
    const root = path.join(makeTempDir(), 'scrollback');
    const lines: { msg: string; sessionId?: string }[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const store = openStore(root, 256 * KiB, log);
    const stream = new Stream('blocked');
    // A file where the terminal's directory should be: every write fails (as on a full or read-only disk).
    mkdirSync(root, { recursive: true });
    writeFileSync(path.join(root, stream.id), '');
    for (let i = 0; i < 3; i++) {
      stream.push(store, Buffer.alloc(100 * KiB, 65 + i));
      await store.flush(stream);
    }
    expect(stream.persistedSeq).toBe(300 * KiB); // given up on, not waited for: the PTY is not held
    expect(lines.filter((line) => line.msg.startsWith('terminal output could not be saved; check the free space'))).toHaveLength(1);
    expect(lines[0]).toMatchObject({ sessionId: 'blocked' });

    // Another terminal is not affected.
    const other = new Stream('fine');
    other.push(store, Buffer.from('still saved'));
    await store.flush(other);
    expect(readScrollback(root, 'fine', 0, 100)?.data.toString()).toBe('still saved');

    // Readiness warns (terminals keep working) while the terminal's writes fail, and not after it ended.
    const check = createScrollbackReadinessCheck({ dir: root, minFreeBytes: 0, store });
    expect(await check()).toMatchObject({
      status: 'warn',
      failingTerminals: 1,
      message: expect.stringMatching(/output of 1 running terminal\(s\) could not be saved to SCROLLBACK_DIR \(EEXIST/),
    });
    store.release(stream.id);
    expect(await check()).toMatchObject({ status: 'ok', message: expect.stringMatching(/free in SCROLLBACK_DIR/) });
  });
});
