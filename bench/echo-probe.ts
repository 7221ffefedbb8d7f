/**
 * Keystroke echo latency, in its own process so that a flood handled by bench/run.ts does not
 * share this client's thread. Argument: JSON `{ kind, origin, cookie?, transport? }`, where kind is
 * 'shellport', 'wetty', or a floor: 'pty' (node-pty in this process) or 'ws-floor' (a bare
 * WebSocket echo server at `origin`).
 * Opens a terminal running `cat > /dev/null`, says `ready`, and on `{ type: 'go', count, intervalMs }`
 * types `count` single keystrokes `intervalMs` apart, replying `{ type: 'done', samples }` (ms).
 */
import { type BenchTerm, BareWebSocketTerm, type ProbeKind, RawPtyTerm, ShellportTerm, sleep, type Transport, WettyTerm } from './lib.js';

const target = JSON.parse(process.argv[2] ?? '{}') as { kind: ProbeKind; origin: string; cookie?: string; transport?: Transport };

async function open(): Promise<BenchTerm> {
  if (target.kind === 'wetty') return WettyTerm.connect(target.origin);
  if (target.kind === 'pty') return RawPtyTerm.open();
  if (target.kind === 'ws-floor') return BareWebSocketTerm.connect(target.origin);
  return (await ShellportTerm.connect({ origin: target.origin, cookie: target.cookie ?? '' }, target.transport ?? 'socket.io')).open();
}

const term = await open();
term.send('cat > /dev/null\r');
await sleep(300);

/** One keystroke: time until the next output (the tty's echo of it). */
function keystroke(): Promise<number> {
  return new Promise((resolve) => {
    const start = performance.now();
    const timer = setTimeout(() => {
      term.onChunk = null;
      resolve(Number.POSITIVE_INFINITY);
    }, 5000);
    term.onChunk = () => {
      term.onChunk = null;
      clearTimeout(timer);
      resolve(performance.now() - start);
    };
    term.send('a');
  });
}

async function run(count: number, intervalMs: number): Promise<number[]> {
  const samples: number[] = [];
  let next = performance.now();
  for (let i = 0; i < count; i++) {
    samples.push(await keystroke());
    next += intervalMs;
    const wait = next - performance.now();
    if (wait > 0) await sleep(wait);
    else next = performance.now();
  }
  return samples;
}

await run(20, 10); // warm-up
process.send?.({ type: 'ready' });
process.on('message', (message: { type: string; count: number; intervalMs: number }) => {
  if (message.type !== 'go') return;
  void run(message.count, message.intervalMs).then((samples) => {
    process.send?.({ type: 'done', samples }, () => {
      term.close();
      process.exit(0);
    });
  });
});
