import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { ensureScrollbackRoot, readScrollback, removeScrollback, scrollbackBounds, type OutputRange } from './scrollback-files.js';
import type { WriteResult, WriterData, WriterMessage } from './scrollback-writer.js';

export type { OutputRange } from './scrollback-files.js';

/** A terminal whose output is being written to disk (implemented by Terminal). */
export interface PersistTarget {
  readonly id: string;
  /** Offset just after the newest output byte. */
  readonly seq: number;
  /** Everything below this offset is on disk (or was given up on after a write error). */
  persistedSeq: number;
  /** The oldest offset still stored for this terminal (older segments were trimmed). */
  retainedStart: number;
  /** The oldest offset still in memory. */
  readonly inMemoryFrom: number;
  /** In-memory output in [from, to): may share memory with the buffer, valid until more output arrives. */
  view(from: number, to: number): Buffer;
  /** Called after a write advanced `persistedSeq` (a PTY paused for persistence may resume). */
  onPersisted(): void;
}

export interface OutputStoreOptions {
  /** SCROLLBACK_DIR: a directory per terminal (scrollback-files.ts). */
  root: string;
  log: FastifyBaseLogger;
  /** A write happens once this much output is pending. */
  batchBytes: number;
  /** Pending output waits at most this long. */
  intervalMs: number;
  /** Per terminal, older segments are deleted beyond this much. */
  retainedBytes: number;
  /** Largest write: a terminal's unsaved output never exceeds its ring buffer (twice its size at most). */
  slotBytes: number;
  /** The writer keeps this many segment files open; the least recently written are closed (and reopened on need). */
  maxOpenSegments?: number;
}

const MAX_OPEN_SEGMENTS = 64;

/**
 * How to start the writer thread (scrollback-writer.ts). From dist/ (scripts/build.mjs compiles
 * every file of src/): the compiled module beside this one. From src/ (tsx, Vitest): Node 20 runs no
 * TypeScript in a worker (and ignores `--import tsx` in a worker's execArgv for its entry module), so
 * the source is bundled with esbuild (a dev dependency, there whenever src/ runs) into a script the
 * worker evaluates; once per process, since registering tsx in each thread cost half a second a start.
 */
function writerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./scrollback-writer.js', import.meta.url), eval: false };
  return { entry: bundledWriterSource(), eval: true };
}

let bundledWriter: string | null = null;
function bundledWriterSource(): string {
  if (bundledWriter === null) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const result = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL('./scrollback-writer.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    bundledWriter = result.outputFiles[0]!.text;
  }
  return bundledWriter;
}

/**
 * Terminal output in segment files under SCROLLBACK_DIR (scrollback-files.ts), written by a
 * coalescer: output collects per terminal and is written when `batchBytes` are pending or
 * `intervalMs` after the first pending byte, so a flood of output becomes a few large appends
 * rather than one per chunk. Each terminal keeps at least `retainedBytes`; older whole segments
 * are deleted.
 *
 * Writes happen on a worker thread: a slow disk (or the kernel throttling dirty pages) must never
 * stall the event loop every terminal's keystrokes go through. One write is in flight at a time;
 * its bytes go through one SharedArrayBuffer. Reads (replay) happen on the main thread: a replay
 * reads at most a megabyte at a time, from the page cache as a rule.
 */
export function createOutputStore({ root, log, batchBytes, intervalMs, retainedBytes, slotBytes, maxOpenSegments = MAX_OPEN_SEGMENTS }: OutputStoreOptions) {
  ensureScrollbackRoot(root);
  // Trims delete whole segments: one eighth of the retained size keeps at most that much extra.
  const segmentBytes = Math.min(4 * 1024 * 1024, Math.max(64 * 1024, Math.floor(retainedBytes / 8)));
  const dirty = new Set<PersistTarget>();
  /** The terminal whose write is in flight: one at a time, through one shared buffer. */
  let inFlight: PersistTarget | null = null;
  /** Terminals whose latest write failed (reported by readiness), and that failure. */
  const failing = new Set<string>();
  let lastError: string | null = null;
  const waiters = new Set<() => void>();
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
    const { entry, eval: isSource } = writerEntry();
    const workerData: WriterData = { root, segmentBytes, maxOpen: maxOpenSegments, slot };
    const worker = new Worker(entry, { eval: isSource, workerData });
    worker.unref();
    worker.on('message', (result: WriteResult) => onWritten(result));
    worker.on('error', (error) => log.error({ err: error }, 'the terminal output writer failed'));
    worker.on('exit', () => {
      if (writer !== worker) return;
      writer = null;
      // What was in flight is lost; the terminal must not wait for it forever.
      if (inFlight) onWritten({ id: inFlight.id, to: inFlight.seq, error: 'the writer thread exited', retainedStart: null });
    });
    return worker;
  }

  // Started with the store, so that a server's memory does not jump on the first output.
  writer = startWriter();

  function onWritten({ id, to, error, retainedStart }: WriteResult) {
    const target = inFlight;
    if (!target || target.id !== id) return;
    inFlight = null;
    if (error) {
      // The terminal keeps working; a later replay of this range finds a hole and resets.
      // Logged once per terminal: a full disk would otherwise log on every write.
      if (!failing.has(id)) {
        log.error({ err: new Error(error), sessionId: id, dir: root }, 'terminal output could not be saved; check the free space and permissions of SCROLLBACK_DIR (the terminal goes on)');
      }
      failing.add(id);
      lastError = error;
    } else {
      failing.delete(id);
    }
    target.persistedSeq = Math.max(target.persistedSeq, to);
    if (retainedStart !== null) target.retainedStart = Math.max(target.retainedStart, retainedStart);
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
      const trimFloor = to - target.retainedStart >= retainedBytes + segmentBytes ? to - retainedBytes : null;
      inFlight = target;
      writer ??= startWriter();
      writer.postMessage({ type: 'write', id: target.id, from, to, trimFloor } satisfies WriterMessage);
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

    /**
     * Stored output from offset `from`, at most `maxBytes`. Null when nothing is stored past
     * `from`. When `from` was trimmed away, the range starts later: compare `start` with `from`.
     */
    async read(terminalId: string, from: number, maxBytes: number): Promise<OutputRange | null> {
      return closed ? null : readScrollback(root, terminalId, from, maxBytes);
    },

    /** The stored range of a terminal: [start, end), or null when nothing is stored. */
    async bounds(terminalId: string): Promise<{ start: number; end: number } | null> {
      return closed ? null : scrollbackBounds(root, terminalId);
    },

    /** The terminal will write no more (it ended): its open segment file is closed. */
    release(terminalId: string): void {
      failing.delete(terminalId);
      writer?.postMessage({ type: 'forget', id: terminalId } satisfies WriterMessage);
    },

    /** Deletes a terminal's stored output; the bytes it held. */
    remove(terminalId: string): number {
      failing.delete(terminalId);
      writer?.postMessage({ type: 'forget', id: terminalId } satisfies WriterMessage);
      return removeScrollback(root, terminalId);
    },

    /** Running terminals whose output could not be written lately, and the latest error. */
    health(): { failingTerminals: number; lastError: string | null } {
      return { failingTerminals: failing.size, lastError: failing.size > 0 ? lastError : null };
    },

    /** Writes what is pending and stops the writer. */
    async close(): Promise<void> {
      await flush();
      closed = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      const worker = writer;
      writer = null;
      if (worker) {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'close' } satisfies WriterMessage);
        await exited;
      }
    },
  };
}

export type OutputStore = ReturnType<typeof createOutputStore>;
