/**
 * `npm run bench [-- --quick] [-- --only=throughput,echo,host,restart,memory,isolation,reconnect,paint,browser,wetty] [-- --reps=N]`
 *
 * (`restart` is the `host` section's kill -9 run alone.)
 * Starts the real app (bench/server.ts, a child process) on loopback with a temp DATA_DIR and
 * drives it with real Socket.IO / WebSocket clients; raw node-pty runs in this process as the
 * ceiling, a naive relay (bench/naive-relay.ts) and two echo floors as baselines, and Wetty
 * (installed on demand outside the repository) as a peer. Prints one table with the
 * figures, the same-run ratios and the targets of issue 5. Not part of the test suite.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import {
  BENCH_DIR,
  cpuSeconds,
  latencyStats,
  type LatencyStats,
  median,
  rssBytes,
  sampleRss,
  type ServerHandle,
  ShellportTerm,
  sleep,
  startServer,
  compiledServer,
  startWetty,
  type WettyHandle,
  WettyTerm,
  type AckMode,
  type BenchTerm,
  type ProbeKind,
  type Transport,
  startFloorServer,
  startNaiveRelay,
  BareWebSocketTerm,
} from './lib.js';
import { measureBrowser } from './browser.js';
import { measurePaint, paintMedians } from './paint.js';
import { createTerminalHostClient } from '../src/infra/terminal-host-client.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='));
const only = onlyArg ? new Set(onlyArg.slice(7).split(',')) : null;
const repsArg = args.find((a) => a.startsWith('--reps='));
const transportArg = args.find((a) => a.startsWith('--transport='));
const TRANSPORTS = (transportArg ? transportArg.slice(12).split(',') : ['socket.io', 'websocket']) as Transport[];
const want = (section: string) => !only || only.has(section);

const SIZE = quick
  ? { bytes: 20_000_000, keys: 200, floodMs: 3000, sessions: [1, 20, 50], replayBytes: 5_000_000, reps: 1 }
  : { bytes: 100_000_000, keys: 500, floodMs: 10_000, sessions: [1, 50, 200], replayBytes: 10_000_000, reps: 3 };
const reps = repsArg ? Number(repsArg.slice(7)) : SIZE.reps;
const WETTY_DIR = '/tmp/shellport-bench/wetty';
const MB = 1e6;
const MiB = 1024 * 1024;

const linesCommand = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' a | fold -w 100`;
const bulkCommand = (bytes: number) => `${linesCommand(bytes)} | cat`;
const warmUpCommand = linesCommand(10_000_000);

interface Row {
  section: string;
  metric: string;
  ours: string;
  reference?: string;
  ratio?: string;
  target?: string;
  ok?: boolean;
}
const rows: Row[] = [];
const notes: string[] = [];
const fmt = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : String(value));
const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// ---------------------------------------------------------------- throughput

async function rawThroughput(command: string): Promise<{ mbps: number; cpuPer100MB: number }> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const child = pty.spawn('/bin/bash', ['-c', command], {
    name: 'xterm-256color',
    cols: 120,
    rows: 40,
    cwd: os.tmpdir(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', TERM: 'xterm-256color' },
    encoding: null,
  });
  let bytes = 0;
  child.onData((data) => {
    bytes += (data as unknown as Buffer).length;
  });
  await new Promise<void>((resolve) => child.onExit(() => resolve()));
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { mbps: bytes / MB / seconds, cpuPer100MB: ((cpu.user + cpu.system) / 1e6) * (100 * MB / bytes) };
}

/** Runs `command` in a terminal at its prompt; MB/s of output received and server CPU s per 100 MB. */
async function termThroughput(term: BenchTerm, pid: number, command: string): Promise<{ mbps: number; cpuPer100MB: number; clientCpuPer100MB: number }> {
  const cpu0 = cpuSeconds(pid);
  const clientCpu0 = process.cpuUsage();
  const received0 = term.received;
  const done = term.waitFor('BENCH_DONE', 600_000);
  const prompt = term.waitFor('sp> ', 600_000);
  const start = performance.now();
  term.send(`${command}; echo BENCH_DO''NE\r`);
  const end = await done;
  const bytes = term.received - received0;
  const cpu = cpuSeconds(pid) - cpu0;
  const clientCpu = process.cpuUsage(clientCpu0);
  await prompt;
  return { mbps: bytes / MB / ((end - start) / 1000), cpuPer100MB: cpu * (100 * MB / bytes), clientCpuPer100MB: ((clientCpu.user + clientCpu.system) / 1e6) * (100 * MB / bytes) };
}

async function throughputSection(server: ServerHandle, transport: Transport) {
  type Series = { raw: number[]; ours: number[]; rawCpu: number[]; oursCpu: number[]; naive: number[]; naiveCpu: number[] };
  const results: Record<string, Series> = {};
  const relay = await startNaiveRelay();
  for (const [name, command] of [
    ['lines', linesCommand(SIZE.bytes)],
    ['bulk', bulkCommand(SIZE.bytes)],
  ] as const) {
    const r: Series = (results[name] = { raw: [], ours: [], rawCpu: [], oursCpu: [], naive: [], naiveCpu: [] });
    const term = await (await ShellportTerm.connect(server, transport)).open();
    const naiveTerm = await BareWebSocketTerm.connect(relay.url);
    await naiveTerm.waitFor('sp> ', 15_000);
    // Unmeasured warm-up of every path (JIT, page cache): a running server is warm.
    await rawThroughput(warmUpCommand);
    await termThroughput(term, server.pid, warmUpCommand);
    await termThroughput(naiveTerm, relay.pid, warmUpCommand);
    for (let i = 0; i < reps; i++) {
      const raw = await rawThroughput(command);
      r.raw.push(raw.mbps);
      r.rawCpu.push(raw.cpuPer100MB);
      const ours = await termThroughput(term, server.pid, command);
      r.ours.push(ours.mbps);
      r.oursCpu.push(ours.cpuPer100MB);
      const naive = await termThroughput(naiveTerm, relay.pid, command);
      r.naive.push(naive.mbps);
      r.naiveCpu.push(naive.cpuPer100MB);
      const state = await server.inspect(term.sessionId);
      log(
        `throughput ${transport} ${name} #${i + 1}: raw ${fmt(raw.mbps)} MB/s, shellport ${fmt(ours.mbps)} MB/s, naive relay ${fmt(naive.mbps)} MB/s (CPU s/100 MB: server ${fmt(ours.cpuPer100MB)}, client ${fmt(ours.clientCpuPer100MB)}, raw ${fmt(raw.cpuPer100MB)}, naive relay ${fmt(naive.cpuPer100MB)}; PTY paused ${String(state?.pauseCount)}×)`,
      );
    }
    await term.request('terminal:kill', { sessionId: term.sessionId });
    term.close();
    naiveTerm.close();
    const raw = median(r.raw);
    const ours = median(r.ours);
    const naive = median(r.naive);
    rows.push({
      section: `throughput ${transport}`,
      metric: `${name}: MB/s (ref: raw node-pty in-process)`,
      ours: fmt(ours, 1),
      reference: fmt(raw, 1),
      ratio: fmt(ours / raw),
      target: '≥ 0.85× raw',
      ok: ours / raw >= 0.85,
    });
    rows.push({
      section: `throughput ${transport}`,
      metric: `${name}: server CPU s per 100 MB (ref: raw)`,
      ours: fmt(median(r.oursCpu)),
      reference: fmt(median(r.rawCpu)),
      ratio: fmt(median(r.oursCpu) / median(r.rawCpu)),
    });
    rows.push({
      section: `throughput ${transport}`,
      metric: `${name}: MB/s, naive relay: node-pty → WebSocket, nothing stored (ref: raw)`,
      ours: fmt(naive, 1),
      reference: fmt(raw, 1),
      ratio: fmt(naive / raw),
    });
    rows.push({
      section: `throughput ${transport}`,
      metric: `${name}: CPU s per 100 MB, naive relay (ref: raw)`,
      ours: fmt(median(r.naiveCpu)),
      reference: fmt(median(r.rawCpu)),
      ratio: fmt(median(r.naiveCpu) / median(r.rawCpu)),
    });
  }
  relay.close();
  return results;
}

// ---------------------------------------------------------------- echo latency

interface Probe {
  go(count: number, intervalMs: number): Promise<number[]>;
}

async function startProbe(target: { kind: ProbeKind; origin: string; cookie?: string; transport?: Transport }): Promise<Probe> {
  const child = fork(`${BENCH_DIR}/echo-probe.ts`, [JSON.stringify(target)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`echo probe exited (${code})`)));
    child.on('message', (message: { type: string }) => {
      if (message.type === 'ready') resolve();
    });
  });
  return {
    go: (count, intervalMs) =>
      new Promise((resolve) => {
        child.on('message', (message: { type: string; samples: number[] }) => {
          if (message.type === 'done') resolve(message.samples);
        });
        child.send({ type: 'go', count, intervalMs });
      }),
  };
}

const latencyText = (s: LatencyStats) => `${fmt(s.p50)} / ${fmt(s.p95)} / ${fmt(s.p99)}`;

/** `reps` probe runs of SIZE.keys keystrokes, 10 ms apart; the medians of their percentiles. */
async function echoRuns(label: string, target: Parameters<typeof startProbe>[0]): Promise<LatencyStats> {
  const runs: LatencyStats[] = [];
  for (let i = 0; i < reps; i++) {
    const probe = await startProbe(target);
    const stats = latencyStats(await probe.go(SIZE.keys, 10));
    log(`echo ${label} #${i + 1}: p50/p95/p99 ${latencyText(stats)} ms`);
    runs.push(stats);
  }
  return {
    n: runs[0]!.n,
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    max: median(runs.map((r) => r.max)),
  };
}

/**
 * The two floors under every web terminal's echo, measured once per run: the PTY's own echo
 * (node-pty in the probe's process) and a bare WebSocket round trip between two Node processes.
 */
let echoFloors: Promise<{ pty: LatencyStats; network: LatencyStats }> | null = null;
function measureEchoFloors() {
  echoFloors ??= (async () => {
    const pty = await echoRuns('floor: raw node-pty', { kind: 'pty', origin: '' });
    const floorServer = await startFloorServer();
    try {
      const network = await echoRuns('floor: bare WebSocket', { kind: 'ws-floor', origin: floorServer.url });
      const metric = `p50 / p95 / p99 ms (${SIZE.keys} keys, 10 ms apart)`;
      rows.push({ section: 'echo floor', metric: `raw node-pty in-process, no network: ${metric}`, ours: latencyText(pty) });
      rows.push({ section: 'echo floor', metric: `bare WebSocket round trip between two Node processes, no PTY: ${metric}`, ours: latencyText(network) });
      return { pty, network };
    } finally {
      await floorServer.close();
    }
  })();
  return echoFloors;
}

async function echoSection(server: ServerHandle, transport: Transport): Promise<LatencyStats> {
  const floors = await measureEchoFloors();
  const stats = await echoRuns(transport, { kind: 'shellport', origin: server.origin, cookie: server.cookie, transport });
  // What a web terminal cannot go below here: the PTY's echo plus one network round trip.
  const floor = { p50: floors.pty.p50 + floors.network.p50, p99: floors.pty.p99 + floors.network.p99 };
  rows.push({
    section: `echo ${transport}`,
    metric: `p50 / p95 / p99 ms (${SIZE.keys} keys, 10 ms apart; ref: p50 / p99 of the two floors added)`,
    ours: latencyText(stats),
    reference: `${fmt(floor.p50)} / ${fmt(floor.p99)}`,
    ratio: `${fmt(stats.p50 / floor.p50)} / ${fmt(stats.p99 / floor.p99)}`,
    target: 'p50 ≤ 0.5, p99 ≤ 1.0',
    ok: stats.p50 <= 0.5 && stats.p99 <= 1.0,
  });
  return stats;
}

// ---------------------------------------------------------------- terminal host

/** The terminal host a server started (docs/terminal-host.md), found by the directory it serves. */
function hostPid(dataDir: string): number | null {
  try {
    const out = execFileSync('pgrep', ['-f', '--', `--dir ${path.join(dataDir, 'terminal-host')}`], { encoding: 'utf8' });
    return Number(out.split('\n').filter(Boolean)[0]) || null;
  } catch {
    return null;
  }
}

/**
 * The PTYs in the server (TERMINAL_HOST=in-process) against the PTYs in the terminal host (auto), in
 * one run: throughput (CPU of server and host together), echo over the plain WebSocket, and a kill -9
 * of the server with output flowing: time until the terminal types again in a new server, and bytes lost.
 */
async function hostSection() {
  const measured: Record<string, { mbps: number; cpu: number; echo: LatencyStats }> = {};
  for (const mode of ['in-process', 'auto'] as const) {
    const server = await startServer({ TERMINAL_HOST: mode });
    try {
      const term = await (await ShellportTerm.connect(server, 'websocket')).open();
      const host = mode === 'auto' ? hostPid(server.dataDir) : null;
      const cpuOf = () => cpuSeconds(server.pid) + (host ? cpuSeconds(host) : 0);
      await termThroughput(term, server.pid, warmUpCommand);
      const mbps: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < reps; i++) {
        const cpu0 = cpuOf();
        const result = await termThroughput(term, server.pid, linesCommand(SIZE.bytes));
        mbps.push(result.mbps);
        cpu.push((cpuOf() - cpu0) * (100 * MB / SIZE.bytes));
        log(`host ${mode} throughput #${i + 1}: ${fmt(result.mbps)} MB/s, server+host CPU ${fmt(cpu.at(-1)!)} s/100 MB`);
      }
      await term.request('terminal:kill', { sessionId: term.sessionId });
      term.close();
      const echo = await echoRuns(`host ${mode}`, { kind: 'shellport', origin: server.origin, cookie: server.cookie, transport: 'websocket' });
      measured[mode] = { mbps: median(mbps), cpu: median(cpu), echo };
    } finally {
      await server.close();
    }
  }
  const inProcess = measured['in-process']!;
  const hosted = measured.auto!;
  rows.push({ section: 'terminal host', metric: 'lines MB/s, PTYs in the host (ref: PTYs in the server, same run)', ours: fmt(hosted.mbps, 1), reference: fmt(inProcess.mbps, 1), ratio: fmt(hosted.mbps / inProcess.mbps), target: '≥ 0.95×', ok: hosted.mbps / inProcess.mbps >= 0.95 });
  rows.push({ section: 'terminal host', metric: 'lines: server + host CPU s per 100 MB (ref: in-process)', ours: fmt(hosted.cpu), reference: fmt(inProcess.cpu), ratio: fmt(hosted.cpu / inProcess.cpu) });
  rows.push({ section: 'terminal host', metric: 'echo p50 / p95 / p99 ms over the WebSocket (ref: in-process p50 / p99)', ours: latencyText(hosted.echo), reference: `${fmt(inProcess.echo.p50)} / ${fmt(inProcess.echo.p99)}`, ratio: `${fmt(hosted.echo.p50 / inProcess.echo.p50)} / ${fmt(hosted.echo.p99 / inProcess.echo.p99)}`, target: 'p50 ≤ 0.5, p99 ≤ 1.0', ok: hosted.echo.p50 <= 0.5 && hosted.echo.p99 <= 1.0 });
  await restartRun();
}

/** kill -9 of the server while a terminal prints numbered lines; a new server on the same DATA_DIR; the client resumes. */
async function restartRun() {
  const LINES = 20_000;
  compiledServer(); // built before the clock starts
  const first = await startServer({ TERMINAL_HOST: 'auto' });
  const dataDir = first.dataDir;
  const chunks: Buffer[] = [];
  const term = await (await ShellportTerm.connect(first, 'websocket')).open();
  const collect = (target: ShellportTerm) => {
    target.onData = (chunk) => chunks.push(Buffer.from(chunk));
  };
  collect(term);
  term.send(`for i in $(seq 1 ${LINES}); do echo n-$i; [ $((i % 100)) = 0 ] && sleep 0.01; done; echo RUN_DO''NE\r`);
  await term.waitFor('n-2000', 60_000);
  const killedAt = performance.now();
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  const lastSeq = term.seq;
  term.close();
  // The new server is the compiled build, as `npm start` and the images run it: its start-up is most of this time.
  const second = await startServer({ TERMINAL_HOST: 'auto', DATA_DIR: dataDir }, { compiled: true });
  const listeningMs = performance.now() - killedAt;
  try {
    const again = await ShellportTerm.connect(second, 'websocket');
    collect(again);
    const done = again.waitFor('RUN_DONE', 120_000);
    // The line discipline echoes what is typed at once, while the loop still runs (a comment for the shell afterwards).
    const typed = again.waitFor('#TYPED-AGAIN', 30_000);
    await again.open(term.sessionId, lastSeq);
    again.send('#TYPED-AGAIN\r');
    const typingAgainMs = (await typed) - killedAt;
    await done;
    const numbers = (Buffer.concat(chunks).toString('utf8').match(/n-\d+/g) ?? []).map((n) => Number(n.slice(2)));
    const missing = LINES - new Set(numbers).size;
    const doubled = numbers.length - new Set(numbers).size;
    rows.push({ section: 'terminal host', metric: 'server kill -9 → terminal typing again in a new server (compiled build), ms', ours: fmt(typingAgainMs, 0), target: '≤ 2000', ok: typingAgainMs <= 2000 });
    rows.push({ section: 'terminal host', metric: '… of which kill -9 → the new server listening (its process start, modules, database), ms', ours: fmt(listeningMs, 0) });
    rows.push({ section: 'terminal host', metric: `lines lost / doubled across the kill (of ${LINES})`, ours: `${missing} / ${doubled}`, target: '0 / 0', ok: missing === 0 && doubled === 0 });
    again.close();
  } finally {
    await second.close();
  }
}

// ---------------------------------------------------------------- memory

/**
 * The server's memory once it is quiet: RSS (the median of five samples after a full garbage
 * collection) and what JavaScript holds (V8 heap + Buffers) right after that collection.
 */
async function settledMemory(server: ServerHandle): Promise<{ rss: number; js: number }> {
  const { heapUsed, external } = await server.gc();
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(100);
    samples.push(rssBytes(server.pid));
  }
  return { rss: median(samples), js: heapUsed + external };
}

/** The terminal host's memory (after a full collection), asked over its socket as an operator's command would. */
async function hostMemory(dataDir: string): Promise<{ rss: number; js: number }> {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  const control = createTerminalHostClient({ dir: path.join(dataDir, 'terminal-host'), log: quiet, window: 64 * 1024, start: 'never', user: null, connectTimeoutMs: 3_000, control: true });
  try {
    const memory = await control.memory(true);
    if (!memory) throw new Error('the terminal host did not say its memory');
    return { rss: memory.rss, js: memory.heapUsed + memory.external };
  } finally {
    await control.close();
  }
}

/**
 * Idle terminals' memory: with the PTYs in the server (`in-process`), the server's; with the terminal
 * host (`auto`), the server's and the host's, whose sum is what a terminal costs (the ≤ 20 KiB target).
 */
async function memorySection() {
  for (const mode of ['in-process', 'auto'] as const) {
    const server = await startServer({ TERMINAL_HOST: mode });
    const label = mode === 'auto' ? 'with the terminal host' : 'PTYs in the server';
    try {
      const client = await ShellportTerm.connect(server);
      await sleep(500);
      const base = (await settledMemory(server)).rss;
      const rss: Record<number, number> = {};
      const js: Record<number, number> = {};
      const hostJs: Record<number, number> = {};
      let created = 0;
      for (const target of SIZE.sessions) {
        while (created < target) {
          await client.create();
          created++;
        }
        await sleep(1500); // shells print their prompt; output is persisted
        ({ rss: rss[target]!, js: js[target]! } = await settledMemory(server));
        if (mode === 'auto') hostJs[target] = (await hostMemory(server.dataDir)).js;
        const host = mode === 'auto' ? `; host heap + Buffers ${fmt(hostJs[target]! / MiB, 2)} MiB` : '';
        log(`memory (${label}): ${target} idle sessions: server RSS ${fmt(rss[target]! / MiB, 1)} MiB, heap + Buffers ${fmt(js[target]! / MiB, 2)} MiB${host}`);
      }
      const [a, b, c] = SIZE.sessions as [number, number, number];
      const perSession = (values: Record<number, number>) => (values[c]! - values[a]!) / (c - a);
      const section = `memory ${mode}`;
      rows.push({ section, metric: `server RSS MiB: no session / ${a} / ${b} / ${c} idle`, ours: [base, rss[a]!, rss[b]!, rss[c]!].map((v) => fmt(v / MiB, 1)).join(' / ') });
      if (mode === 'auto') {
        const server = perSession(js);
        const host = perSession(hostJs);
        rows.push({ section, metric: `per idle session KiB, JavaScript heap + Buffers, server + host ((${c} − ${a}) / ${c - a})`, ours: `${fmt((server + host) / 1024, 1)} (${fmt(server / 1024, 1)} + ${fmt(host / 1024, 1)})`, target: '≤ 20 KiB', ok: server + host <= 20 * 1024 });
      } else {
        rows.push({ section, metric: `per idle session KiB, JavaScript heap + Buffers ((${c} − ${a}) / ${c - a})`, ours: fmt(perSession(js) / 1024, 1), target: '≤ 20 KiB', ok: perSession(js) <= 20 * 1024 });
      }
      // Not held to the target: RSS moves by tens of MiB as the heap settles, more than 200 idle sessions cost.
      rows.push({ section, metric: `per idle session KiB, server RSS ((${c} − ${a}) / ${c - a}; the heap's own swings are larger)`, ours: fmt(perSession(rss) / 1024, 1) });
      client.close();
    } finally {
      await server.close();
    }
  }
}

// ---------------------------------------------------------------- isolation

type ClientKind = 'reading' | '1 MB/s' | 'stopped';

async function isolationRun(kind: ClientKind, transport: Transport) {
  const server = await startServer();
  try {
    const probe = await startProbe({ kind: 'shellport', origin: server.origin, cookie: server.cookie, transport });
    const flood = await (await ShellportTerm.connect(server, transport)).open();
    const mode: AckMode = kind === 'reading' ? 'now' : kind === '1 MB/s' ? { bytesPerSecond: MB } : 'none';
    flood.ackMode = mode;
    await server.gc();
    await sleep(300);
    const rss0 = rssBytes(server.pid);
    await server.inspect(flood.sessionId);
    const sampler = sampleRss(server.pid);
    if (kind === 'stopped') flood.setTcpReading(false);
    flood.send('yes\r');
    const echo = probe.go(Math.floor(SIZE.floodMs / 10), 10);
    await sleep(SIZE.floodMs);
    const floodPeak = sampler.stop();
    const { loopDelayMs } = (await server.inspect(flood.sessionId)) as { loopDelayMs: { p50: number; p99: number; max: number } };
    const after = sampleRss(server.pid);
    if (kind === 'stopped') {
      // The client comes back: reads again and acknowledges what it has, then everything as it comes.
      flood.setTcpReading(true);
      flood.ackMode = 'now';
      flood.ackAll();
    }
    const prompt = flood.waitFor('sp> ', 120_000);
    const start = performance.now();
    flood.send('\x03');
    const ctrlC = (await prompt.catch(() => Number.NaN)) - start;
    const stats = latencyStats(await echo);
    const peakAfter = after.stop();
    log(
      `isolation ${transport} (${kind}): other echo p50/p99 ${fmt(stats.p50)}/${fmt(stats.p99)} ms, RSS +${fmt((floodPeak - rss0) / MiB)} MiB (after Ctrl-C +${fmt((peakAfter - rss0) / MiB)}), Ctrl-C→prompt ${fmt(ctrlC, 0)} ms, received ${fmt(flood.received / MB, 1)} MB; server event-loop delay p50/p99/max ${loopDelayMs.p50}/${loopDelayMs.p99}/${loopDelayMs.max} ms`,
    );
    await flood.request('terminal:kill', { sessionId: flood.sessionId }).catch(() => undefined);
    flood.close();
    return { stats, growth: floodPeak - rss0, growthAfter: peakAfter - rss0, ctrlC, received: flood.received };
  } finally {
    await server.close();
  }
}

async function isolationSection(transport: Transport) {
  const section = `isolation ${transport}`;
  for (const kind of ['reading', '1 MB/s', 'stopped'] as const) {
    const r = await isolationRun(kind, transport);
    const label = `${kind} client, \`yes\` ${SIZE.floodMs / 1000} s`;
    rows.push({ section, metric: `${label}: other session echo p50 / p99 ms`, ours: `${fmt(r.stats.p50)} / ${fmt(r.stats.p99)}`, target: 'p99 < 3', ok: r.stats.p99 < 3 });
    rows.push({
      section,
      metric: `${label}: peak server RSS growth MiB (during flood; incl. catch-up)`,
      ours: `${fmt(r.growth / MiB)} (${fmt(r.growthAfter / MiB)})`,
      target: '≤ 5',
      ok: r.growth <= 5 * MiB,
    });
    rows.push({
      section,
      metric: `${label}: Ctrl-C → prompt ms${kind === 'stopped' ? ' (client resumes reading at Ctrl-C)' : ''}`,
      ours: fmt(r.ctrlC, 0),
      ...(kind === 'reading' ? { target: '≤ 50', ok: r.ctrlC <= 50 } : {}),
    });
  }
}

// ---------------------------------------------------------------- reconnect

async function reconnectSection(server: ServerHandle, transport: Transport) {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const first = await (await ShellportTerm.connect(server, transport)).open();
    const done = first.waitFor('BENCH_DONE', 120_000);
    const prompt = first.waitFor('sp> ', 120_000);
    first.send(`${linesCommand(SIZE.replayBytes)}; echo BENCH_DO''NE\r`);
    await done;
    await prompt;
    await sleep(500); // written to the database
    const sessionId = first.sessionId;
    first.close();
    const second = await ShellportTerm.connect(server, transport);
    second.sessionId = sessionId;
    let target = Number.POSITIVE_INFINITY;
    let resolveDone!: (t: number) => void;
    const replayed = new Promise<number>((resolve) => (resolveDone = resolve));
    second.onChunk = () => {
      if (second.seq >= target) resolveDone(performance.now());
    };
    const start = performance.now();
    const reply = await second.request('terminal:attach', { sessionId, lastSeq: 0, cols: 120, rows: 40 });
    target = reply.seq as number;
    if (second.seq >= target) resolveDone(performance.now());
    const end = await replayed;
    times.push(end - start);
    log(`reconnect ${transport} #${i + 1}: replayed ${fmt(second.received / MB, 1)} MB in ${fmt(end - start, 0)} ms`);
    await second.request('terminal:kill', { sessionId });
    second.close();
  }
  rows.push({ section: `reconnect ${transport}`, metric: `replay ${SIZE.replayBytes / MB} MB of scrollback to a re-attaching client, ms`, ours: fmt(median(times), 0) });
}

// ---------------------------------------------------------------- browser (issue 22)

const BROWSER_RTT_MS = 150;

/** Render throughput against xterm.js alone in the page, keystroke to paint with and without prediction (bench/browser.ts). */
async function browserSection() {
  execFileSync('node', [path.join(BENCH_DIR, '../scripts/build.mjs'), '--web'], { stdio: 'inherit' });
  const server = await startServer();
  const wetty = await startWettyForBrowser();
  try {
    const { render, typing, withoutDeferral, wetty: peer } = await measureBrowser(
      server,
      { renderBytes: quick ? 10_000_000 : 50_000_000, letters: quick ? 30 : 60, rttMs: BROWSER_RTT_MS, wettyPort: wetty?.port },
      log,
    );
    const section = 'browser chromium';
    const ratio = render.appMbps / render.ceilingMbps;
    rows.push({ section, metric: `render: ${quick ? 10 : 50} MB of mixed output, PTY → painted, MB/s (ref: the same bytes into xterm.js in the page, no network)`, ours: fmt(render.appMbps, 1), reference: fmt(render.ceilingMbps, 1), ratio: fmt(ratio), target: '≥ 0.9×', ok: ratio >= 0.9 });
    rows.push({
      section,
      metric: 'render: … the same file delivered to a page that only acknowledges it, MB/s (ref: the app, painted): the delivery alone, PTY → server → WebSocket → page, no xterm.js',
      ours: fmt(render.deliveryMbps, 1),
      reference: fmt(render.appMbps, 1),
      ratio: fmt(render.deliveryMbps / render.appMbps),
    });
    rows.push({ section, metric: 'render: the page\'s main thread during that flood, a 16 ms timer late by p95 / max, ms', ours: `${fmt(render.mainThreadDelayP95Ms, 0)} / ${fmt(render.mainThreadDelayMaxMs, 0)}` });
    const loopbackOff = typing.find((t) => t.link === 'loopback' && t.prediction === 'off');
    for (const t of typing) {
      const slow = t.link !== 'loopback';
      const target = !slow ? undefined : t.prediction === 'on' ? '≥ 70 % in a frame, 0 wrong' : `p50 ≤ ${BROWSER_RTT_MS} + 5 ms`;
      const ok = !slow ? undefined : t.prediction === 'on' ? t.withinFrame >= 0.7 && t.wrongLeft === 0 : t.p50Ms <= BROWSER_RTT_MS + 5 && t.wrongLeft === 0;
      rows.push({
        section,
        metric: `keystroke → painted over ${t.link}, prediction ${t.prediction}: p50 / p95 ms, share within 16.7 ms, wrong characters left${slow && loopbackOff ? ' (ref: loopback p50, no prediction)' : ''}`,
        ours: `${fmt(t.p50Ms, 1)} / ${fmt(t.p95Ms, 1)}, ${fmt(t.withinFrame * 100, 0)} %, ${t.wrongLeft}`,
        reference: slow && loopbackOff ? fmt(loopbackOff.p50Ms, 1) : undefined,
        target,
        ok,
      });
    }
    if (loopbackOff) {
      rows.push({
        section,
        metric: 'keystroke → painted over loopback, prediction off, in a Chromium that does not hold tasks back after input (DeferRendererTasksAfterInput off): p50 / p95 ms (ref: as shipped)',
        ours: `${fmt(withoutDeferral.p50Ms, 1)} / ${fmt(withoutDeferral.p95Ms, 1)}`,
        reference: fmt(loopbackOff.p50Ms, 1),
        ratio: fmt(withoutDeferral.p50Ms / loopbackOff.p50Ms),
      });
    }
    if (peer) {
      const vs = `vs Wetty in chromium`;
      rows.push({ section: vs, metric: `render: ${quick ? 10 : 50} MB of mixed output, PTY → painted, MB/s (ref: Wetty ${wetty!.version}, ${peer.geometry})`, ours: fmt(render.appMbps, 1), reference: fmt(peer.renderMbps, 1), ratio: fmt(render.appMbps / peer.renderMbps) });
      rows.push({ section: vs, metric: 'render: a 16 ms timer late by p95 / max during the flood, ms (ref: Wetty)', ours: `${fmt(render.mainThreadDelayP95Ms, 0)} / ${fmt(render.mainThreadDelayMaxMs, 0)}`, reference: `${fmt(peer.mainThreadDelayP95Ms, 0)} / ${fmt(peer.mainThreadDelayMaxMs, 0)}` });
      for (const theirs of peer.typing) {
        const ours = typing.find((t) => t.link === theirs.link && t.prediction === 'off');
        const predicted = typing.find((t) => t.link === theirs.link && t.prediction === 'on');
        if (!ours || !predicted) continue;
        rows.push({
          section: vs,
          metric: `keystroke → painted over ${theirs.link}, p50 / p95 ms, prediction off · on (ref: Wetty, which has none)`,
          ours: `${fmt(ours.p50Ms, 1)} / ${fmt(ours.p95Ms, 1)} · ${fmt(predicted.p50Ms, 1)} / ${fmt(predicted.p95Ms, 1)}`,
          reference: `${fmt(theirs.p50Ms, 1)} / ${fmt(theirs.p95Ms, 1)}`,
          ratio: `${fmt(ours.p50Ms / theirs.p50Ms)} · ${fmt(predicted.p50Ms / theirs.p50Ms)}`,
        });
      }
    }
  } catch (error) {
    notes.push(`browser not measured: ${(error as Error).message}`);
  } finally {
    await wetty?.handle.close();
    await server.close();
  }
}

/** Wetty for the browser section, as the `wetty` section starts it; null (with a note) where it cannot run. */
async function startWettyForBrowser(): Promise<{ handle: WettyHandle; port: number; version: string } | null> {
  const problem = ensureWetty() ?? (process.getuid?.() !== 0 ? 'without root Wetty runs `login` or ssh, not a local shell' : null);
  if (problem) {
    notes.push(`Wetty not measured in the browser: ${problem}`);
    return null;
  }
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const handle = await startWetty(WETTY_DIR, port, wettyHome());
  return { handle, port, version: wettyVersion() };
}

/** A home whose bash prompt is the one the probes look for (`sp> `). */
function wettyHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'shellport-bench-wetty-home-'));
  writeFileSync(path.join(home, '.bashrc'), "PS1='sp> '\nunset PROMPT_COMMAND\nHISTFILE=/dev/null\n");
  return home;
}

const wettyVersion = () => (JSON.parse(readFileSync(`${WETTY_DIR}/node_modules/wetty/package.json`, 'utf8')) as { version: string }).version;

// ---------------------------------------------------------------- paint (issue 19)

/**
 * Chromium reloads a page on 100 000 lines + vim: time to the screen painted, snapshot against full
 * replay (bench/paint.ts); then the same with a snapshot carrying fewer lines of scrollback
 * (TERMINAL_SNAPSHOT_SCROLLBACK_LINES), the setting's trade-off measured in the same run.
 */
async function paintSection() {
  // The page loads the web app the server serves from public/: build it from this tree first.
  execFileSync('node', [path.join(BENCH_DIR, '../scripts/build.mjs'), '--web'], { stdio: 'inherit' });
  await paintRun(null);
  await paintRun(PAINT_SHORT_SCROLLBACK_LINES);
}

const PAINT_SHORT_SCROLLBACK_LINES = 200;

async function paintRun(scrollbackLines: number | null) {
  const server = await startServer(scrollbackLines === null ? {} : { TERMINAL_SNAPSHOT_SCROLLBACK_LINES: String(scrollbackLines) });
  try {
    const results = await measurePaint(server, reps, log);
    const snapshot = paintMedians(results, 'snapshot');
    const replay = paintMedians(results, 'replay');
    const section = scrollbackLines === null ? 'paint chromium' : `paint chromium, ${scrollbackLines} lines`;
    rows.push({
      section,
      metric: 'reload on 100 000 lines + vim: terminal:attach → screen painted, ms (ref: full replay)',
      ours: fmt(snapshot.attachToPaintMs, 0),
      reference: fmt(replay.attachToPaintMs, 0),
      ratio: fmt(snapshot.attachToPaintMs / replay.attachToPaintMs),
      target: '≤ 150 ms',
      ok: snapshot.attachToPaintMs <= 150 && snapshot.identical,
    });
    rows.push({
      section,
      metric: '… of which terminal:attach → snapshot (ref: first output) received, ms',
      ours: fmt(snapshot.attachToOutputMs, 0),
      reference: fmt(replay.attachToOutputMs, 0),
    });
    rows.push({
      section,
      metric: 'reload on 100 000 lines + vim: reload → screen painted, ms (ref: full replay)',
      ours: fmt(snapshot.reloadToPaintMs, 0),
      reference: fmt(replay.reloadToPaintMs, 0),
      ratio: fmt(snapshot.reloadToPaintMs / replay.reloadToPaintMs),
    });
    rows.push({
      section,
      metric: 'MB received by the page after the reload (ref: full replay)',
      ours: fmt(snapshot.receivedBytes / MB),
      reference: fmt(replay.receivedBytes / MB),
      ratio: fmt(snapshot.receivedBytes / replay.receivedBytes, 3),
    });
    rows.push({
      section,
      metric: 'screen identical cell by cell (colours, attributes, cursor) to the page before the reload (ref: full replay)',
      ours: snapshot.identical ? 'yes' : 'NO',
      reference: replay.identical ? 'yes' : 'NO',
      target: 'yes',
      ok: snapshot.identical,
    });
  } catch (error) {
    notes.push(`paint not measured: ${(error as Error).message}`);
  } finally {
    await server.close();
  }
}

// ---------------------------------------------------------------- Wetty

function ensureWetty(): string | null {
  const main = `${WETTY_DIR}/node_modules/wetty/build/main.js`;
  if (existsSync(main)) return null;
  try {
    mkdirSync(WETTY_DIR, { recursive: true });
    if (!existsSync(`${WETTY_DIR}/package.json`)) writeFileSync(`${WETTY_DIR}/package.json`, '{ "name": "wetty-bench", "private": true }\n');
    log(`installing wetty into ${WETTY_DIR} (not a project dependency)…`);
    execFileSync('npm', ['install', '--no-audit', '--no-fund', 'wetty'], { cwd: WETTY_DIR, stdio: 'inherit', timeout: 600_000 });
    return existsSync(main) ? null : 'npm install finished but wetty/build/main.js is missing';
  } catch (error) {
    return `npm install wetty failed: ${(error as Error).message}`;
  }
}

async function wettySection(all: Record<string, { echo?: LatencyStats; throughput?: Awaited<ReturnType<typeof throughputSection>> }>) {
  const problem = ensureWetty();
  if (problem) {
    notes.push(`Wetty not measured: ${problem}`);
    return;
  }
  if (process.getuid?.() !== 0) {
    notes.push('Wetty not measured: without root Wetty runs `login` or ssh, not a local shell.');
    return;
  }
  const home = wettyHome();
  let wetty: WettyHandle | null = null;
  try {
    const version = wettyVersion();
    wetty = await startWetty(WETTY_DIR, 20_000 + Math.floor(Math.random() * 20_000), home);
    notes.push(`Wetty ${version} from npm in ${WETTY_DIR}, bound to 127.0.0.1, --command bash (local shell, run as root: no ssh/login).`);
    const runs: LatencyStats[] = [];
    for (let i = 0; i < Math.max(1, Math.min(reps, 2)); i++) {
      const probe = await startProbe({ kind: 'wetty', origin: wetty.origin });
      runs.push(latencyStats(await probe.go(SIZE.keys, 10)));
      log(`wetty echo #${i + 1}: ${latencyText(runs[runs.length - 1]!)} ms`);
    }
    const stats: LatencyStats = { n: SIZE.keys, p50: median(runs.map((r) => r.p50)), p95: median(runs.map((r) => r.p95)), p99: median(runs.map((r) => r.p99)), max: 0 };
    const wettyEcho = latencyText(stats);
    for (const [transport, ours] of Object.entries(all)) {
      if (!ours.echo) continue;
      rows.push({
        section: `vs Wetty ${transport}`,
        metric: 'echo p50 / p95 / p99 ms (ref: Wetty)',
        ours: latencyText(ours.echo),
        reference: wettyEcho,
        ratio: `${fmt(ours.echo.p50 / stats.p50)} / ${fmt(ours.echo.p95 / stats.p95)} / ${fmt(ours.echo.p99 / stats.p99)}`,
      });
    }
    if (!Object.values(all).some((ours) => ours.echo)) rows.push({ section: 'vs Wetty', metric: 'echo p50 / p95 / p99 ms, Wetty', ours: '-', reference: wettyEcho });
    for (const [name, command] of [
      ['lines', linesCommand(SIZE.bytes)],
      ['bulk', bulkCommand(SIZE.bytes)],
    ] as const) {
      const term = await WettyTerm.connect(wetty.origin);
      const result = await termThroughput(term, wetty.pid, command);
      term.close();
      log(`wetty throughput ${name}: ${fmt(result.mbps)} MB/s, ${fmt(result.cpuPer100MB)} CPU s/100 MB`);
      const entries = Object.entries(all).filter(([, ours]) => ours.throughput?.[name]);
      if (entries.length === 0) rows.push({ section: 'vs Wetty', metric: `${name}: MB/s, Wetty`, ours: '-', reference: fmt(result.mbps, 1) });
      for (const [transport, ours] of entries) {
        const mine = ours.throughput![name]!;
        rows.push({
          section: `vs Wetty ${transport}`,
          metric: `${name}: MB/s (ref: Wetty)`,
          ours: fmt(median(mine.ours), 1),
          reference: fmt(result.mbps, 1),
          ratio: fmt(median(mine.ours) / result.mbps),
        });
        rows.push({
          section: `vs Wetty ${transport}`,
          metric: `${name}: server CPU s per 100 MB (ref: Wetty)`,
          ours: fmt(median(mine.oursCpu)),
          reference: fmt(result.cpuPer100MB),
          ratio: fmt(median(mine.oursCpu) / result.cpuPer100MB),
        });
      }
    }
  } catch (error) {
    notes.push(`Wetty could not be measured: ${(error as Error).message}`);
  } finally {
    await wetty?.close();
    rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  return `${os.cpus().length} cores (nproc ${execFileSync('nproc').toString().trim()}), ${cpu}, node ${process.version}, load average ${load}`;
}

function printTable() {
  const header = ['section', 'metric', 'Shellport', 'reference', 'ratio', 'target', 'ok'];
  const body = rows.map((r) => [r.section, r.metric, r.ours, r.reference ?? '', r.ratio ?? '', r.target ?? '', r.ok === undefined ? '' : r.ok ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

const startedAt = new Date();
const machineBefore = machine();
log(`${quick ? 'quick' : 'full'} run, ${reps} repetition(s); ${machineBefore}`);
const results: Record<string, { echo?: LatencyStats; throughput?: Awaited<ReturnType<typeof throughputSection>> }> = {};
for (const transport of TRANSPORTS) {
  if (!(want('throughput') || want('echo') || want('reconnect'))) break;
  const server = await startServer();
  const result: (typeof results)[string] = (results[transport] = {});
  try {
    if (want('throughput')) result.throughput = await throughputSection(server, transport);
    if (want('echo')) result.echo = await echoSection(server, transport);
    if (want('reconnect')) await reconnectSection(server, transport);
  } finally {
    await server.close();
  }
}
if (want('host')) await hostSection();
else if (want('restart')) await restartRun();
if (want('memory')) await memorySection();
if (want('isolation')) for (const transport of TRANSPORTS) await isolationSection(transport);
if (want('paint')) await paintSection();
if (want('browser')) await browserSection();
if (want('wetty')) await wettySection(results);

console.log(`\nShellport bench (${quick ? 'quick' : 'full'}, median of ${reps} where repeated), ${startedAt.toISOString()}`);
console.log(`machine at start: ${machineBefore}`);
console.log(`machine at end:   ${machine()}\n`);
printTable();
for (const note of notes) console.log(`\nnote: ${note}`);
process.exit(0);
