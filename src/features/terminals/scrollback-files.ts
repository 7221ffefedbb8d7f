import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Terminal output on disk: one directory per terminal under SCROLLBACK_DIR, holding append-only
 * segment files named by the stream offset of their first byte (`0000000000000000.out`, …). A
 * segment's bytes are [start, start + size); segments of a terminal are usually contiguous, and
 * a gap (a write that failed) reads as a hole. Trimming deletes whole old segments.
 *
 * Plain files rather than SQLite rows: output is the hottest write path of the app, and writing it
 * through SQLite's WAL cost about four times the CPU of an append (see docs/performance.md), on a
 * machine whose cores the shells need. It also keeps the database and its backups small.
 */

/** A stored piece of a terminal's output stream: bytes [start, end). */
export interface OutputRange {
  start: number;
  end: number;
  data: Buffer;
}

export interface Segment {
  start: number;
  size: number;
  file: string;
}

const TERMINAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const SEGMENT_NAME = /^(\d{16})\.out$/;
export const SEGMENT_DIGITS = 16;

export const segmentFileName = (start: number) => `${String(start).padStart(SEGMENT_DIGITS, '0')}.out`;

/** The start offset a segment file's name gives, or null when the name is not a segment's. */
export function segmentStartOf(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/** The directory of a terminal's output; refuses an id that could leave SCROLLBACK_DIR. */
export function terminalScrollbackDir(root: string, terminalId: string): string {
  if (!TERMINAL_ID.test(terminalId)) throw new Error(`not a terminal id: ${JSON.stringify(terminalId.slice(0, 80))}`);
  return path.join(root, terminalId);
}

export function ensureScrollbackRoot(root: string): void {
  mkdirSync(root, { recursive: true, mode: 0o700 });
}

/** The entries of a directory; none when it does not exist. */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A terminal's segments, oldest first (none when it has no directory). */
export function listSegments(root: string, terminalId: string): Segment[] {
  const dir = terminalScrollbackDir(root, terminalId);
  const segments: Segment[] = [];
  for (const name of entriesOf(dir)) {
    const match = SEGMENT_NAME.exec(name);
    if (!match) continue;
    const file = path.join(dir, name);
    try {
      segments.push({ start: Number(match[1]), size: statSync(file).size, file });
    } catch {
      // Deleted by a trim in between.
    }
  }
  return segments.sort((a, b) => a.start - b.start);
}

/** The stored range [start, end) of a terminal, or null when nothing is stored. */
export function scrollbackBounds(root: string, terminalId: string): { start: number; end: number } | null {
  const segments = listSegments(root, terminalId).filter((segment) => segment.size > 0);
  const first = segments[0];
  const last = segments.at(-1);
  return first && last ? { start: first.start, end: last.start + last.size } : null;
}

function readInto(file: string, target: Buffer, offset: number, length: number, position: number): number {
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, target, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stored output from offset `from`, at most `maxBytes`, up to the first hole. Null when nothing is
 * stored past `from`. When `from` was trimmed away (or falls in a hole), the range starts later:
 * compare `start` with `from`.
 */
export function readScrollback(root: string, terminalId: string, from: number, maxBytes: number): OutputRange | null {
  const segments = listSegments(root, terminalId).filter((segment) => segment.start + segment.size > from && segment.size > 0);
  const first = segments[0];
  if (!first) return null;
  const start = Math.max(from, first.start);
  let contiguousEnd = start;
  for (const segment of segments) {
    if (segment.start > contiguousEnd) break;
    contiguousEnd = segment.start + segment.size;
  }
  const data = Buffer.allocUnsafe(Math.max(0, Math.min(maxBytes, contiguousEnd - start)));
  let cursor = start;
  for (const segment of segments) {
    if (segment.start > cursor || cursor - start >= data.length) break;
    const want = Math.min(segment.start + segment.size - cursor, data.length - (cursor - start));
    const got = readInto(segment.file, data, cursor - start, want, cursor - segment.start);
    cursor += got;
    if (got < want) break;
  }
  return { start, end: cursor, data: data.subarray(0, cursor - start) };
}

/** Deletes a terminal's stored output; the number of bytes it held. */
export function removeScrollback(root: string, terminalId: string): number {
  const bytes = listSegments(root, terminalId).reduce((sum, segment) => sum + segment.size, 0);
  rmSync(terminalScrollbackDir(root, terminalId), { recursive: true, force: true });
  return bytes;
}

/** The terminals that have a directory of output. */
export function listStoredTerminals(root: string): string[] {
  return entriesOf(root).filter((name) => TERMINAL_ID.test(name));
}
