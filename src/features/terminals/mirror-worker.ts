import { parentPort } from 'node:worker_threads';
import { createScreenMirror, type ScreenMirror, type ScreenPreview, type ScreenSnapshot } from './screen-mirror.js';

/**
 * The screen mirror thread, started by screen-mirrors.ts: one headless xterm.js per mirrored
 * terminal (screen-mirror.ts), so that parsing a flood never runs on the event loop that relays
 * keystrokes and output. Messages are handled in order: a snapshot reflects every write before it.
 */

export type MirrorRequest =
  | { type: 'open'; id: string; cols: number; rows: number; scrollback: number; seq: number }
  | { type: 'write'; id: string; seqAfter: number; data: Uint8Array }
  | { type: 'resize'; id: string; cols: number; rows: number }
  | { type: 'snapshot'; id: string; req: number; scrollbackRows: number }
  | { type: 'preview'; id: string; req: number; lines: number; maxLength: number }
  | { type: 'close'; id: string };

export type MirrorReply =
  /** `bytes` of a write are parsed (the main thread feeds more while few are pending). */
  | { type: 'parsed'; id: string; bytes: number }
  | { type: 'snapshot'; req: number; snapshot: ScreenSnapshot | null; error: string | null }
  | { type: 'preview'; req: number; preview: ScreenPreview | null };

function startMirrorThread(port: NonNullable<typeof parentPort>): void {
  const mirrors = new Map<string, ScreenMirror>();
  port.on('message', (message: MirrorRequest) => {
    switch (message.type) {
      case 'open':
        mirrors.get(message.id)?.dispose();
        mirrors.set(message.id, createScreenMirror({ cols: message.cols, rows: message.rows, scrollback: message.scrollback, seq: message.seq }));
        return;
      case 'write': {
        const mirror = mirrors.get(message.id);
        const bytes = message.data.length;
        if (!mirror) {
          port.postMessage({ type: 'parsed', id: message.id, bytes } satisfies MirrorReply);
          return;
        }
        mirror.write(message.data, message.seqAfter);
        // flush() resolves once this write (and all before it) is parsed.
        void mirror.flush().then(() => port.postMessage({ type: 'parsed', id: message.id, bytes } satisfies MirrorReply));
        return;
      }
      case 'resize':
        mirrors.get(message.id)?.resize(message.cols, message.rows);
        return;
      case 'snapshot': {
        const mirror = mirrors.get(message.id);
        const reply = (snapshot: ScreenSnapshot | null, error: string | null) => port.postMessage({ type: 'snapshot', req: message.req, snapshot, error } satisfies MirrorReply);
        if (!mirror) return reply(null, null);
        mirror.snapshot({ scrollbackRows: message.scrollbackRows }).then(
          (snapshot) => reply(snapshot, null),
          (error: unknown) => reply(null, error instanceof Error ? error.message : String(error)),
        );
        return;
      }
      case 'preview': {
        const mirror = mirrors.get(message.id);
        // Read between two parsed chunks, without waiting for the backlog: a list wants it now.
        const preview = mirror ? mirror.preview(message.lines, message.maxLength) : null;
        port.postMessage({ type: 'preview', req: message.req, preview } satisfies MirrorReply);
        return;
      }
      case 'close':
        mirrors.get(message.id)?.dispose();
        mirrors.delete(message.id);
        return;
    }
  });
}

if (parentPort) startMirrorThread(parentPort);
