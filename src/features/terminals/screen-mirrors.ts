import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import type { MirrorReply, MirrorRequest } from './mirror-worker.js';
import type { ScreenPreview, ScreenSnapshot } from './screen-mirror.js';

/**
 * The screen mirrors of this server's terminals (issue 19), each a headless xterm.js on one worker
 * thread (mirror-worker.ts): the event loop only copies output out of the ring buffer and posts it
 * (one message per burst, not per PTY read); the parsing, the costly part, runs on the thread.
 * The thread starts with the first mirror. Where mirrors run and why: docs/performance.md,
 * "Snapshots on attach".
 */
export interface MirrorPool {
  /** Starts mirroring `id` from output offset `seq`; `onDrained` runs when its parse backlog shrinks. */
  open(id: string, options: { cols: number; rows: number; seq: number }, onDrained: () => void): void;
  /** Output [seqAfter − data.length, seqAfter), handed over (the buffer is transferred: do not use it afterwards). */
  write(id: string, data: Buffer, seqAfter: number): void;
  /** Bytes posted to `id`'s mirror and not parsed yet. */
  backlog(id: string): number;
  resize(id: string, cols: number, rows: number): void;
  /** The screen and up to `scrollbackRows` lines above it, as of every byte written so far; null when the mirror missed output. */
  snapshot(id: string, scrollbackRows: number): Promise<ScreenSnapshot | null>;
  /**
   * The last `lines` non-blank rows of the screen as plain text (a list's live preview), as parsed so
   * far: it does not wait for a backlog. Null when `id` is not mirrored or its mirror missed output.
   */
  preview(id: string, lines: number, maxLength: number): Promise<ScreenPreview | null>;
  close(id: string): void;
  /** Mirrors open now (diagnostics, tests). */
  readonly size: number;
  dispose(): Promise<void>;
}

/** Lines of scrollback each mirror keeps above its screen: bounds its memory (≈ 12 bytes a cell). */
export const MIRROR_SCROLLBACK_LINES = 1000;

function mirrorEntry(): { entry: URL | string; eval: boolean } {
  // As output-store.ts does for its writer: from dist/ the compiled module; from src/ a bundle.
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./mirror-worker.js', import.meta.url), eval: false };
  return { entry: bundledMirrorSource(), eval: true };
}

let bundledMirror: string | null = null;
function bundledMirrorSource(): string {
  if (bundledMirror === null) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const result = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL('./mirror-worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    bundledMirror = result.outputFiles[0]!.text;
  }
  return bundledMirror;
}

interface MirrorState {
  backlog: number;
  onDrained: () => void;
}

export function createMirrorPool({ log }: { log: FastifyBaseLogger }): MirrorPool {
  const mirrors = new Map<string, MirrorState>();
  const pending = new Map<number, { id: string; resolve: (reply: MirrorReply) => void }>();
  let nextReq = 0;
  let worker: Worker | null = null;

  function thread(): Worker {
    if (worker) return worker;
    const { entry, eval: isSource } = mirrorEntry();
    const started = new Worker(entry, { eval: isSource });
    started.unref();
    started.on('message', (reply: MirrorReply) => {
      if (reply.type === 'parsed') {
        const state = mirrors.get(reply.id);
        if (!state) return;
        state.backlog -= reply.bytes;
        state.onDrained();
        return;
      }
      const waiting = pending.get(reply.req);
      pending.delete(reply.req);
      waiting?.resolve(reply);
    });
    started.on('error', (error) => log.error({ err: error }, 'the screen mirror thread failed'));
    started.on('exit', () => {
      if (worker !== started) return;
      worker = null;
      // Mirrors and answers in flight are gone: snapshots fall back to replays.
      mirrors.clear();
      for (const { resolve } of pending.values()) resolve({ type: 'snapshot', req: -1, snapshot: null, error: 'the mirror thread exited' });
      pending.clear();
    });
    worker = started;
    return started;
  }

  const post = (message: MirrorRequest, transfer?: ArrayBuffer[]) => thread().postMessage(message, transfer);

  function request(message: MirrorRequest & { req: number }): Promise<MirrorReply> {
    return new Promise((resolve) => {
      pending.set(message.req, { id: message.id, resolve });
      post(message);
    });
  }

  return {
    open(id, { cols, rows, seq }, onDrained) {
      mirrors.set(id, { backlog: 0, onDrained });
      post({ type: 'open', id, cols, rows, seq, scrollback: MIRROR_SCROLLBACK_LINES });
    },
    write(id, data, seqAfter) {
      const state = mirrors.get(id);
      if (!state || data.length === 0) return;
      state.backlog += data.length;
      // A buffer of its own (ring.copy's) is transferred, not copied again; a pooled one is copied.
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      const bytes = own ? new Uint8Array(data.buffer as ArrayBuffer) : new Uint8Array(data);
      post({ type: 'write', id, seqAfter, data: bytes }, [bytes.buffer as ArrayBuffer]);
    },
    backlog: (id) => mirrors.get(id)?.backlog ?? 0,
    resize(id, cols, rows) {
      if (mirrors.has(id)) post({ type: 'resize', id, cols, rows });
    },
    async snapshot(id, scrollbackRows) {
      if (!mirrors.has(id)) return null;
      const reply = await request({ type: 'snapshot', id, req: ++nextReq, scrollbackRows });
      if (reply.type !== 'snapshot') return null;
      if (reply.error) log.error({ err: new Error(reply.error), sessionId: id }, 'taking a screen snapshot failed; the client gets a replay');
      return reply.snapshot;
    },
    async preview(id, lines, maxLength) {
      if (!mirrors.has(id)) return null;
      const reply = await request({ type: 'preview', id, req: ++nextReq, lines, maxLength });
      // A closed mirror or an exited thread answers as for a snapshot: no preview.
      return reply.type === 'preview' ? reply.preview : null;
    },
    close(id) {
      if (!mirrors.delete(id)) return;
      post({ type: 'close', id });
      // A disposed mirror never answers what was asked of it.
      for (const [req, waiting] of pending) {
        if (waiting.id !== id) continue;
        pending.delete(req);
        waiting.resolve({ type: 'snapshot', req, snapshot: null, error: null });
      }
    },
    get size() {
      return mirrors.size;
    },
    async dispose() {
      mirrors.clear();
      const running = worker;
      worker = null;
      for (const { resolve } of pending.values()) resolve({ type: 'snapshot', req: -1, snapshot: null, error: null });
      pending.clear();
      if (running) await running.terminate();
    },
  };
}
