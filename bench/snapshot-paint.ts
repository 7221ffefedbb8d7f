import xtermHeadless from '@xterm/headless';
import { createScreenMirror } from '../src/features/terminals/screen-mirror.js';
const { Terminal } = xtermHeadless;
const lines: string[] = [];
for (let i = 1; i <= 100_000; i++) lines.push(`line ${i} ${'x'.repeat(60)}\r\n`);
const raw = Buffer.from(lines.join(''));
const write = (t: any, d: any) => new Promise<void>((r) => t.write(d, r));
async function timeRaw() {
  const t = new Terminal({ cols: 100, rows: 30, scrollback: 1000 });
  const s = performance.now();
  for (let o = 0; o < raw.length; o += 65536) await write(t, raw.subarray(o, o + 65536));
  const ms = performance.now() - s; t.dispose(); return ms;
}
const m = createScreenMirror({ cols: 100, rows: 30, scrollback: 1000 });
const s0 = performance.now();
for (let o = 0; o < raw.length; o += 65536) m.write(raw.subarray(o, Math.min(raw.length, o + 65536)), Math.min(raw.length, o + 65536));
await m.flush();
const mirrorMs = performance.now() - s0;
const s1 = performance.now();
const snap = (await m.snapshot({ scrollbackRows: 1000 }))!;
const snapMs = performance.now() - s1;
const t2 = new Terminal({ cols: 100, rows: 30, scrollback: 1000 });
const s2 = performance.now();
await write(t2, snap.data);
const paintSnap = performance.now() - s2;
const rawMs = await timeRaw();
console.log(JSON.stringify({ rawBytes: raw.length, mirrorParseMs: Math.round(mirrorMs), mirrorMBps: +(raw.length / 1e6 / (mirrorMs / 1000)).toFixed(1), snapshotMs: +snapMs.toFixed(1), snapshotBytes: snap.data.length, paintRawMs: Math.round(rawMs), paintSnapshotMs: +paintSnap.toFixed(1) }));
m.dispose(); t2.dispose();
