import { closeSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { segmentFileName, segmentStartOf } from './scrollback-files.js';

/**
 * The scrollback writer thread, started by output-store.ts: appends each write to the terminal's
 * open segment (a new one once it holds `segmentBytes`, or when the write does not continue it),
 * then deletes segments that lie wholly below the trim floor. Segment files: scrollback-files.ts.
 */

export interface WriterData {
  root: string;
  segmentBytes: number;
  /** Segment files kept open at most; the least recently written are closed (and reopened on need). */
  maxOpen: number;
  /** The bytes of the write in flight: slot[0, to - from). */
  slot: SharedArrayBuffer;
}

export type WriterMessage =
  | { type: 'write'; id: string; from: number; to: number; trimFloor: number | null }
  | { type: 'forget'; id: string }
  | { type: 'close' };

export interface WriteResult {
  id: string;
  to: number;
  error: string | null;
  /** After a trim: the first offset still stored. */
  retainedStart: number | null;
}

interface OpenSegment {
  fd: number;
  start: number;
  size: number;
}

function startWriter(port: NonNullable<typeof parentPort>, { root, segmentBytes, maxOpen, slot: shared }: WriterData): void {
  const slot = Buffer.from(shared);
  const open = new Map<string, OpenSegment>();

  function closeSegment(id: string) {
    const segment = open.get(id);
    if (!segment) return;
    open.delete(id);
    closeSync(segment.fd);
  }

  /** A terminal's segment files, oldest first (their names sort by start offset). */
  function segmentNames(dir: string): string[] {
    return readdirSync(dir)
      .filter((name) => segmentStartOf(name) !== null)
      .sort();
  }

  /** The last segment on disk, if it ends at `from` and has room (its file was closed to save descriptors). */
  function reopenLast(dir: string, from: number): OpenSegment | null {
    const last = segmentNames(dir).pop();
    if (!last) return null;
    const start = segmentStartOf(last)!;
    const file = path.join(dir, last);
    const size = statSync(file).size;
    if (start + size !== from || size >= segmentBytes) return null;
    return { fd: openSync(file, 'a'), start, size };
  }

  /** The segment that continues at `from` and has room, or a new one starting there. */
  function segmentFor(id: string, from: number): OpenSegment {
    const current = open.get(id);
    if (current) {
      open.delete(id);
      if (current.start + current.size === from && current.size < segmentBytes) {
        open.set(id, current);
        return current;
      }
      closeSync(current.fd);
    }
    const dir = path.join(root, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const segment = (current ? null : reopenLast(dir, from)) ?? { fd: openSync(path.join(dir, segmentFileName(from)), 'w', 0o600), start: from, size: 0 };
    open.set(id, segment);
    while (open.size > maxOpen) closeSegment(open.keys().next().value!);
    return segment;
  }

  /** Appends slot[0, length) as offsets [from, from + length), split at segment boundaries. */
  function append(id: string, from: number, length: number) {
    let done = 0;
    while (done < length) {
      const segment = segmentFor(id, from + done);
      const end = done + Math.min(length - done, segmentBytes - segment.size);
      try {
        while (done < end) {
          const n = writeSync(segment.fd, slot, done, end - done);
          segment.size += n;
          done += n;
        }
      } catch (error) {
        // What follows goes to a fresh segment: this one may end in part of the failed write.
        closeSegment(id);
        throw error;
      }
    }
  }

  /** Deletes the oldest segments that end at or below `floor`; returns the first offset still stored. */
  function trim(id: string, floor: number): number | null {
    const dir = path.join(root, id);
    const current = open.get(id);
    for (const name of segmentNames(dir)) {
      const start = segmentStartOf(name)!;
      if (current && current.start === start) return start;
      const file = path.join(dir, name);
      if (start + statSync(file).size > floor) return start;
      unlinkSync(file);
    }
    return null;
  }

  const messageOf = (error: unknown) => String((error as Error | null)?.message || error);

  port.on('message', (message: WriterMessage) => {
    if (message.type === 'close') {
      for (const id of [...open.keys()]) closeSegment(id);
      port.close();
      return;
    }
    if (message.type === 'forget') {
      closeSegment(message.id);
      return;
    }
    const { id, from, to, trimFloor } = message;
    let error: string | null = null;
    let retainedStart: number | null = null;
    try {
      append(id, from, to - from);
    } catch (failure) {
      error = messageOf(failure);
    }
    if (trimFloor !== null) {
      try {
        retainedStart = trim(id, trimFloor);
      } catch (failure) {
        error ||= messageOf(failure);
      }
    }
    const result: WriteResult = { id, to, error, retainedStart };
    port.postMessage(result);
  });
}

if (parentPort) startWriter(parentPort, workerData as WriterData);
