import { ShellportTerm, startServer } from './lib.js';
const server = await startServer();
for (const transport of ['websocket', 'socket.io'] as const) {
  const term = await (await ShellportTerm.connect(server, transport)).open();
  await new Promise((r) => setTimeout(r, 500));
  let frames = 0; let bytes = 0; const sizes = new Map<number, number>();
  term.onChunk = (n) => { frames++; bytes += n; const b = 2 ** Math.ceil(Math.log2(n)); sizes.set(b, (sizes.get(b) ?? 0) + 1); };
  const done = term.waitFor('BENCH_DONE', 600_000);
  term.send(`head -c 20000000 /dev/zero | tr '\\0' a | fold -w 100; echo BENCH_DO''NE\r`);
  await done;
  console.log(transport, { frames, avg: Math.round(bytes / frames) }, [...sizes.entries()].sort((a, b) => a[0] - b[0]));
  term.close();
}
await server.close();
process.exit(0);
