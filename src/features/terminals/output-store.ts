import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import { CONNECTION_PRAGMAS } from '../../infra/database/client.js';

/** A terminal whose output is being written to the database (implemented by TerminalSession). */
export interface PersistTarget {
  readonly id: string;
  /** Offset just after the newest output byte. */
  readonly seq: number;
  /** Everything below this offset is in the database (or was given up on after a write error). */
  persistedSeq: number;
  /** The oldest offset the database still holds for this terminal (older rows were trimmed). */
  retainedStart: number;
  /** The oldest offset still in memory. */
  readonly inMemoryFrom: number;
  /** In-memory output in [from, to): may share memory with the buffer, valid until more output arrives. */
  view(from: number, to: number): Buffer;
  /** Called after a write advanced `persistedSeq` (a PTY paused for persistence may resume). */
  onPersisted(): void;
}

/** A contiguous piece of a terminal's output stream: bytes [start, end). */
export interface OutputRange {
  start: number;
  end: number;
  data: Buffer;
}

export interface OutputStoreOptions {
  /** The SQLite file (the one Prisma uses): the store keeps a connection of its own. */
  databaseFile: string;
  log: FastifyBaseLogger;
  /** A write happens once this much output is pending; also the largest row. */
  batchBytes: number;
  /** Pending output waits at most this long. */
  intervalMs: number;
  /** Per terminal, older rows are deleted beyond this much. */
  retainedBytes: number;
  /** Largest write: a terminal's unsaved output never exceeds its ring buffer (twice its size at most). */
  slotBytes: number;
}

interface StoredRow {
  seq: number;
  data: Buffer;
}

/**
 * The writer thread: its own better-sqlite3 connection, one transaction per batch (rows of at most
 * `batchBytes`), then the trim. Plain JavaScript evaluated as a worker so that it runs the same
 * under tsx, Vitest and the esbuild bundle.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
for (const pragma of workerData.pragmas) db.pragma(pragma);
// It only appends and deletes: a small page cache keeps its memory flat under a flood.
db.pragma('cache_size = -512');
const insert = db.prepare('INSERT INTO session_outputs (session_id, seq, data) VALUES (?, ?, ?)');
const trim = db.prepare('DELETE FROM session_outputs WHERE session_id = ? AND seq <= ?');
const batch = workerData.batchBytes;
const write = db.transaction((id, from, to, data) => {
  for (let start = from; start < to; start += batch) {
    const end = Math.min(to, start + batch);
    insert.run(id, end, data.subarray(start - from, end - from));
  }
});
parentPort.on('message', (m) => {
  if (m.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  let error = null;
  let trimmed = false;
  try {
    write(m.id, m.from, m.to, Buffer.from(workerData.slot, 0, m.to - m.from));
  } catch (e) {
    error = String((e && e.message) || e);
  }
  if (m.trimFloor !== null) {
    try {
      trim.run(m.id, m.trimFloor);
      trimmed = true;
    } catch (e) {
      error = error || String((e && e.message) || e);
    }
  }
  parentPort.postMessage({ id: m.id, to: m.to, error, trimmed, trimFloor: m.trimFloor });
});
`;

interface WriteResult {
  id: string;
  to: number;
  error: string | null;
  trimmed: boolean;
  trimFloor: number | null;
}

/**
 * Terminal output in `session_outputs`, written by a coalescer: output collects per terminal and
 * is written when `batchBytes` are pending or `intervalMs` after the first pending byte, as rows of
 * at most `batchBytes`, so a flood of output becomes a few large INSERTs rather than one per chunk.
 * A row's `seq` is the stream offset just after its last byte; rows of a terminal are contiguous.
 *
 * Writes happen on a worker thread with its own better-sqlite3 connection and prepared
 * statements: output is the hottest write path of the app, and a 256 KiB transaction takes
 * milliseconds, which on the main thread would delay every other terminal's keystrokes (and going
 * through Prisma cost several times the CPU of relaying the output). One write is in flight at a
 * time; its bytes go through one SharedArrayBuffer.
 * Reads (replay) use a connection of their own on the main thread; WAL lets all of them and
 * Prisma's connection work side by side.
 */
export function createOutputStore({ databaseFile, log, batchBytes, intervalMs, retainedBytes, slotBytes }: OutputStoreOptions) {
  const connection = new BetterSqlite3(databaseFile);
  for (const pragma of CONNECTION_PRAGMAS) connection.pragma(pragma);
  const selectRange = connection.prepare<[string, number, number], StoredRow>(
    'SELECT seq, data FROM session_outputs WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq',
  );
  const selectNext = connection.prepare<[string, number], StoredRow>('SELECT seq, data FROM session_outputs WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT 1');
  const selectFirst = connection.prepare<[string], { seq: number; length: number }>(
    'SELECT seq, length(data) AS length FROM session_outputs WHERE session_id = ? ORDER BY seq LIMIT 1',
  );
  const selectLast = connection.prepare<[string], { seq: number }>('SELECT seq FROM session_outputs WHERE session_id = ? ORDER BY seq DESC LIMIT 1');

  const dirty = new Set<PersistTarget>();
  /** The terminal whose write is in flight: one at a time, through one shared buffer. */
  let inFlight: PersistTarget | null = null;
  const failing = new WeakSet<PersistTarget>();
  const waiters = new Set<() => void>();
  const trimSlack = Math.max(64 * 1024, Math.floor(retainedBytes / 16));
  // The bytes of a write travel through this one buffer: no allocation per write on either side
  // (fresh ArrayBuffers per write pile up as garbage on the writer thread, which rarely collects).
  const slot = new SharedArrayBuffer(Math.max(2 * batchBytes, slotBytes));
  const slotView = new Uint8Array(slot);
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let immediate: NodeJS.Immediate | null = null;
  let closed = false;
  let writer: Worker | null = null;

  function startWriter(): Worker {
    const worker = new Worker(WRITER_SOURCE, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file: databaseFile, pragmas: CONNECTION_PRAGMAS, batchBytes, slot },
    });
    worker.unref();
    worker.on('message', (result: WriteResult) => onWritten(result));
    worker.on('error', (error) => log.error({ err: error }, 'the terminal output writer failed'));
    worker.on('exit', () => {
      if (writer !== worker) return;
      writer = null;
      // What was in flight is lost; the terminal must not wait for it forever.
      if (inFlight) onWritten({ id: inFlight.id, to: inFlight.seq, error: 'the writer thread exited', trimmed: false, trimFloor: null });
    });
    return worker;
  }

  // Started with the store, so that a server's memory does not jump on the first output.
  writer = startWriter();

  function onWritten({ id, to, error, trimmed, trimFloor }: WriteResult) {
    const target = inFlight;
    if (!target || target.id !== id) return;
    inFlight = null;
    if (error) {
      // The terminal keeps working; a later replay of this range finds a hole and resets.
      // Logged once per terminal: a deleted session row would otherwise log on every write.
      if (!failing.has(target)) log.error({ err: new Error(error), sessionId: id }, 'terminal output could not be saved');
      failing.add(target);
    } else {
      failing.delete(target);
    }
    target.persistedSeq = Math.max(target.persistedSeq, to);
    if (trimmed && trimFloor !== null) target.retainedStart = Math.max(target.retainedStart, trimFloor);
    if (target.seq > target.persistedSeq) dirty.add(target);
    target.onPersisted();
    for (const waiter of [...waiters]) waiter();
    // A full batch (or someone flushing) goes on at once; a little waits for the interval.
    pendingBytes = 0;
    for (const next of dirty) pendingBytes += next.seq - next.persistedSeq;
    if (waiters.size > 0) kick();
    else if (dirty.size > 0) schedule();
  }

  function schedule() {
    if (inFlight) return; // continues when the write in flight is done
    if (pendingBytes >= batchBytes) immediate ??= setImmediate(kick);
    else timer ??= setTimeout(kick, intervalMs);
  }

  /** Starts the next write, if none is in flight. */
  function kick() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (immediate) {
      clearImmediate(immediate);
      immediate = null;
    }
    if (closed || inFlight) return;
    for (const target of dirty) {
      dirty.delete(target);
      let from = target.persistedSeq;
      if (from < target.inMemoryFrom) {
        log.warn({ sessionId: target.id, lostBytes: target.inMemoryFrom - from }, 'terminal output left memory before it was saved');
        from = target.inMemoryFrom;
      }
      const to = Math.min(target.seq, from + slot.byteLength);
      if (from >= to) {
        target.persistedSeq = Math.max(target.persistedSeq, to);
        target.onPersisted();
        continue;
      }
      slotView.set(target.view(from, to));
      const trimFloor = to - target.retainedStart > retainedBytes + trimSlack ? to - retainedBytes : null;
      inFlight = target;
      writer ??= startWriter();
      writer.postMessage({ id: target.id, from, to, trimFloor });
      return;
    }
    for (const waiter of [...waiters]) waiter();
  }

  /** Resolves once `done()` holds, re-checked after every finished write. */
  function until(done: () => boolean): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!done() && (inFlight || dirty.size > 0)) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  }

  /**
   * Stored output from offset `from`, at most `maxBytes`. Null when nothing is stored past
   * `from`. When `from` was trimmed away, the range starts later: compare `start` with `from`.
   */
  async function read(sessionId: string, from: number, maxBytes: number): Promise<OutputRange | null> {
    if (closed) return null;
    let rows = selectRange.all(sessionId, from, from + maxBytes + batchBytes);
    const first = rows[0];
    if (!first || first.seq - first.data.length > from) {
      const next = selectNext.get(sessionId, from);
      if (!next) return null;
      const nextStart = next.seq - next.data.length;
      if (nextStart > from) return read(sessionId, nextStart, maxBytes);
      rows = [next]; // a row larger than batchBytes (written under another setting)
    }
    const limit = from + maxBytes;
    const parts: Buffer[] = [];
    let cursor = from;
    for (const row of rows) {
      const end = row.seq;
      const start = end - row.data.length;
      if (start > cursor || cursor >= limit) break; // a hole: the next read reports it
      parts.push(row.data.subarray(cursor - start, Math.min(end, limit) - start));
      cursor = Math.min(end, limit);
    }
    return { start: from, end: cursor, data: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
  }

  /**
   * Resolves once the output noted so far is written: of `target` only, or of every terminal.
   * Other terminals still producing output do not keep it waiting.
   */
  async function flush(target?: PersistTarget): Promise<void> {
    if (closed) return;
    const goal = target?.seq ?? 0;
    kick();
    if (target) await until(() => target.persistedSeq >= goal || (inFlight !== target && !dirty.has(target)));
    else await until(() => !inFlight && dirty.size === 0);
  }

  return {
    /** `bytes` more output of `target` await writing. */
    noteOutput(target: PersistTarget, bytes: number) {
      dirty.add(target);
      pendingBytes += bytes;
      // Not inside the PTY's data callback: right after this turn of the event loop, or after the interval.
      schedule();
    },

    flush,

    read,

    /** The stored range of a terminal: [start, end), or null when nothing is stored. */
    async bounds(sessionId: string): Promise<{ start: number; end: number } | null> {
      if (closed) return null;
      const first = selectFirst.get(sessionId);
      const last = selectLast.get(sessionId);
      if (!first || !last) return null;
      return { start: first.seq - first.length, end: last.seq };
    },

    /** Writes what is pending, stops the writer and closes the connections. */
    async close(): Promise<void> {
      await flush();
      closed = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      const worker = writer;
      writer = null;
      if (worker) {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' });
        await exited;
      }
      connection.close();
    },
  };
}

export type OutputStore = ReturnType<typeof createOutputStore>;
