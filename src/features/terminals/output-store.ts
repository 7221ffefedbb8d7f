import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../infra/database/client.js';

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
  /** A copy of in-memory output in [from, to). */
  slice(from: number, to: number): Buffer;
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
  db: Database;
  log: FastifyBaseLogger;
  /** A write happens once this much output is pending; also the largest row. */
  batchBytes: number;
  /** Pending output waits at most this long. */
  intervalMs: number;
  /** Per terminal, older rows are deleted beyond this much. */
  retainedBytes: number;
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Terminal output in `session_outputs`, written by a coalescer: output collects per terminal and
 * is written when `batchBytes` are pending or `intervalMs` after the first pending byte, as rows of
 * at most `batchBytes`, so a flood of output becomes a few large INSERTs rather than one per chunk.
 * A row's `seq` is the stream offset just after its last byte; rows of a terminal are contiguous.
 */
export function createOutputStore({ db, log, batchBytes, intervalMs, retainedBytes }: OutputStoreOptions) {
  const dirty = new Set<PersistTarget>();
  const failing = new WeakSet<PersistTarget>();
  const trimSlack = Math.max(64 * 1024, Math.floor(retainedBytes / 16));
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  function kick() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (running) return;
    running = writePending()
      .catch((error: unknown) => log.error({ err: error }, 'writing terminal output failed'))
      .finally(() => {
        running = null;
        if (dirty.size === 0) return;
        if (pendingBytes >= batchBytes) kick();
        else timer ??= setTimeout(kick, intervalMs);
      });
  }

  async function writePending() {
    const targets = [...dirty];
    dirty.clear();
    pendingBytes = 0;
    for (const target of targets) {
      const to = target.seq;
      let from = target.persistedSeq;
      if (from < target.inMemoryFrom) {
        log.warn({ sessionId: target.id, lostBytes: target.inMemoryFrom - from }, 'terminal output left memory before it was saved');
        from = target.inMemoryFrom;
      }
      const rows: { sessionId: string; seq: bigint; data: Uint8Array<ArrayBuffer> }[] = [];
      for (let start = from; start < to; start += batchBytes) {
        const end = Math.min(to, start + batchBytes);
        rows.push({ sessionId: target.id, seq: BigInt(end), data: target.slice(start, end) as Uint8Array<ArrayBuffer> });
      }
      if (rows.length > 0) {
        try {
          await db.sessionOutput.createMany({ data: rows });
        } catch (error) {
          // The terminal keeps working; a later replay of this range finds a hole and resets.
          // Logged once per terminal: a deleted session row would otherwise log on every write.
          if (!failing.has(target)) log.error({ err: error, sessionId: target.id }, 'terminal output could not be saved');
          failing.add(target);
        }
      }
      target.persistedSeq = Math.max(target.persistedSeq, to);
      if (to - target.retainedStart > retainedBytes + trimSlack) {
        const floor = to - retainedBytes;
        try {
          await db.sessionOutput.deleteMany({ where: { sessionId: target.id, seq: { lte: BigInt(floor) } } });
          target.retainedStart = floor;
        } catch (error) {
          log.warn({ err: error, sessionId: target.id }, 'old terminal output could not be trimmed');
        }
      }
      target.onPersisted();
    }
  }

  /**
   * Stored output from offset `from`, at most `maxBytes`. Null when nothing is stored past
   * `from`. When `from` was trimmed away, the range starts later: compare `start` with `from`.
   */
  async function read(sessionId: string, from: number, maxBytes: number): Promise<OutputRange | null> {
    let rows = await db.sessionOutput.findMany({
      where: { sessionId, seq: { gt: BigInt(from), lte: BigInt(from + maxBytes + batchBytes) } },
      orderBy: { seq: 'asc' },
      select: { seq: true, data: true },
    });
    const first = rows[0];
    if (!first || Number(first.seq) - first.data.length > from) {
      const next = await db.sessionOutput.findFirst({
        where: { sessionId, seq: { gt: BigInt(from) } },
        orderBy: { seq: 'asc' },
        select: { seq: true, data: true },
      });
      if (!next) return null;
      const nextStart = Number(next.seq) - next.data.length;
      if (nextStart > from) return read(sessionId, nextStart, maxBytes);
      rows = [next]; // a row larger than batchBytes (written under another setting)
    }
    const limit = from + maxBytes;
    const parts: Buffer[] = [];
    let cursor = from;
    for (const row of rows) {
      const end = Number(row.seq);
      const start = end - row.data.length;
      if (start > cursor || cursor >= limit) break; // a hole: the next read reports it
      const data = toBuffer(row.data);
      parts.push(data.subarray(cursor - start, Math.min(end, limit) - start));
      cursor = Math.min(end, limit);
    }
    return { start: from, end: cursor, data: parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
  }

  /**
   * Resolves once the output noted so far is written: of `target` only, or of every terminal.
   * Other terminals still producing output do not keep it waiting.
   */
  async function flush(target?: PersistTarget): Promise<void> {
    const goal = target?.seq ?? 0;
    const done = () => (target ? target.persistedSeq >= goal || (!dirty.has(target) && !running) : !running && dirty.size === 0);
    for (let round = 0; round < 100 && !done(); round++) {
      if (!running) kick();
      await running;
    }
  }

  return {
    /** `bytes` more output of `target` await writing. */
    noteOutput(target: PersistTarget, bytes: number) {
      dirty.add(target);
      pendingBytes += bytes;
      if (pendingBytes >= batchBytes) {
        if (!running) kick();
      } else if (!timer && !running) {
        timer = setTimeout(kick, intervalMs);
      }
    },

    flush,

    read,

    /** The stored range of a terminal: [start, end), or null when nothing is stored. */
    async bounds(sessionId: string): Promise<{ start: number; end: number } | null> {
      const [first, last] = await Promise.all([
        db.sessionOutput.findFirst({ where: { sessionId }, orderBy: { seq: 'asc' }, select: { seq: true, data: true } }),
        db.sessionOutput.findFirst({ where: { sessionId }, orderBy: { seq: 'desc' }, select: { seq: true } }),
      ]);
      if (!first || !last) return null;
      return { start: Number(first.seq) - first.data.length, end: Number(last.seq) };
    },

    /** Writes what is pending and stops the timer. */
    async close(): Promise<void> {
      await flush();
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

export type OutputStore = ReturnType<typeof createOutputStore>;
