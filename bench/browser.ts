/**
 * Issue 22 §4: what a person sees, in Debian's Chromium (playwright-core) against the real app.
 *
 *  - Render throughput: a file of mixed terminal output (plain lines, coloured `ls`-like lines,
 *    curses-like full-screen redraws) is `cat` in a terminal of the app, from the Enter to the
 *    painted frame that shows the marker echoed after it; against the same bytes (as the PTY sends
 *    them) written into a bare xterm.js in a page with no network: the in-browser ceiling. While the
 *    app's flood runs, a timer in the page notes how late it fires: the main thread's delay, which
 *    is what a key pressed during the flood would wait before the page could handle it.
 *  - Keystroke to paint: letters typed at a shell prompt, from each keydown to the first animation
 *    frame after the letter shows (in xterm's rows, or in the local-echo overlay when predicted), on
 *    loopback and through a proxy that delays every byte by half of 150 ms each way; with
 *    prediction on and off (docs/local-echo.md). At the end the line must hold exactly what was typed.
 *
 * "Painted" is the end of the rendering update of the frame in which the text first shows: xterm.js
 * (and the prediction layer) change the page inside animation-frame callbacks, and a task posted
 * from there runs once that frame's style, layout and paint are done (AFTER_PAINT).
 *
 * Wetty, the peer, in the same browser and run: the same file and the same letters, read through its
 * xterm.js instance (`window.wetty_term`: its buffer, and `onRender`, which fires when a frame drew
 * rows) since its page draws with xterm's WebGL renderer on a canvas. Reattach (a terminal page
 * opened on 100 000 lines) is the paint section's "reload → painted" (bench/paint.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { median, percentile, sleep, waitFor, type ServerHandle } from './lib.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const ROWS = '.term-view[data-slot="0"] .xterm-rows';
const ROOT = path.resolve(import.meta.dirname, '..');
const LOCAL_ECHO_KEY = 'shellport.terminals.localEcho';
/** In the page: `afterPaint(callback)` calls back with the time once the current frame's rendering is done. */
const AFTER_PAINT = `const afterPaint = (callback) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => callback(performance.now());
    channel.port2.postMessage(null);
  };`;



// ------------------------------------------------------------------------------- the output

/**
 * Mixed output of about `bytes` bytes, as a file for `cat` (LF line ends); `ptyBytes` is what the
 * PTY makes of it (CR LF), which is what the ceiling writes.
 */
export function mixedOutput(bytes: number): { file: string; ptyBytes: string } {
  const parts: string[] = [];
  let size = 0;
  let n = 0;
  const push = (text: string) => {
    parts.push(text);
    size += text.length;
  };
  while (size < bytes) {
    for (let i = 0; i < 100; i++, n++) push(`line ${n}: the quick brown fox jumps over the lazy dog, ${(n * 7919) % 100_003} times\n`);
    for (let i = 0; i < 50; i++, n++) {
      push(`\x1b[0m\x1b[01;34msrc-${n}\x1b[0m  \x1b[01;32mrun-${n}.sh\x1b[0m  notes-${n}.txt  \x1b[01;36mlink-${n}\x1b[0m -> \x1b[01;34mtarget\x1b[0m  \x1b[01;31marchive-${n}.tar.gz\x1b[0m\n`);
    }
    // A curses-like redraw: home, every row rewritten in place with a reverse-video status line.
    let redraw = '\x1b[H';
    for (let row = 1; row <= 30; row++) redraw += `\x1b[${row};1H\x1b[K${row === 1 ? '\x1b[7m' : ''} ${String(n).padStart(8)} | cpu ${(n + row) % 100}% | mem ${(n * row) % 1000} MiB | task-${row}${row === 1 ? '\x1b[0m' : ''}`;
    push(`${redraw}\x1b[31;1H\n`);
    n++;
  }
  const file = parts.join('');
  return { file, ptyBytes: file.replace(/\n/g, '\r\n') };
}

// ------------------------------------------------------------------------------- a delaying proxy

/** A TCP proxy to `target` that holds every chunk `oneWayMs` in each direction, order kept. */
export async function startDelayProxy(targetPort: number, oneWayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, oneWayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), oneWayMs));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ------------------------------------------------------------------------------- the page

async function launch(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
    timeout: 30_000,
  });
}

const rowsText = (page: Page) =>
  page.evaluate(`(() => { const rows = document.querySelector('${ROWS}'); return rows ? [...rows.children].map((row) => (row.textContent || '').replace(/\\u00a0/g, ' ').trimEnd()).join('\\n') : ''; })()`) as Promise<string>;

/** The app's terminals page at `origin`, signed in, with a shell prompt, prediction set to `localEcho`. */
async function openTerminal(browser: Browser, server: ServerHandle, origin: string, localEcho: 'on' | 'off'): Promise<Page> {
  const context = await browser.newContext({ baseURL: origin, viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const [name, value] = server.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: origin }]);
  await context.addInitScript({ content: `localStorage.setItem(${JSON.stringify(LOCAL_ECHO_KEY)}, ${JSON.stringify(localEcho)})` });
  const page = await context.newPage();
  await page.goto('/terminals');
  await page.locator('.term-conn[data-state="connected"]').waitFor({ timeout: 60_000 });
  await waitFor('the prompt', 60_000, async () => (await rowsText(page)).includes('sp>'));
  await page.locator('.term-view[data-slot="0"] .xterm-screen').click();
  return page;
}

async function runCommand(page: Page, command: string, until: RegExp, timeoutMs = 120_000, screen = rowsText) {
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
  await waitFor(`${until}`, timeoutMs, async () => (await screen(page)).split('\n').some((line) => until.test(line)));
}

// ------------------------------------------------------------------------------- render throughput

export interface RenderResult {
  /** MB/s from the Enter to the frame that shows the marker. */
  appMbps: number;
  ceilingMbps: number;
  /** The same file delivered to a page that only acknowledges it (no xterm.js): the other half of the app's work. */
  deliveryMbps: number;
  /** How late a 16 ms timer in the page fired during the app's flood, ms: p95 and max. */
  mainThreadDelayP95Ms: number;
  mainThreadDelayMaxMs: number;
}

/**
 * How a probe reads a page, as JavaScript run in it: `screenText()` (the rows on screen),
 * `typedText()` (what follows the prompt on its line, guesses drawn over it included) and
 * `watch(callback)` (called when what is shown may have changed; returns a function that stops it).
 */
type PageView = string;

/** The app's page: xterm's DOM rows, the prediction layer over them, and DOM mutations. */
const APP_VIEW: PageView = `const rowsOf = () => document.querySelector('${ROWS}');
  const rowLines = () => [...rowsOf().children].map((row) => (row.textContent || '').replace(/\\u00a0/g, ' ').trimEnd());
  const screenText = () => rowLines().join('\\n');
  const typedText = () => {
    const line = rowLines().filter((text) => text.includes('sp> ')).at(-1) || '';
    const predicted = [...document.querySelectorAll('.term-predictions:not([hidden]) .term-prediction')].map((cell) => cell.textContent || '').join('');
    return line.slice(line.lastIndexOf('sp> ') + 4) + predicted;
  };
  const watch = (callback) => {
    const observer = new MutationObserver(callback);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['hidden'] });
    return () => observer.disconnect();
  };`;

/** Wetty's page, which draws on a canvas: its xterm.js instance's buffer, and `onRender` (a frame drew rows). */
const WETTY_VIEW: PageView = `const term = window.wetty_term;
  const screenText = () => {
    const buffer = term.buffer.active;
    const lines = [];
    for (let y = buffer.viewportY; y < buffer.viewportY + term.rows; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return lines.join('\\n');
  };
  const typedText = () => {
    const buffer = term.buffer.active;
    const line = buffer.getLine(buffer.baseY + buffer.cursorY)?.translateToString(true) ?? '';
    return line.slice(line.lastIndexOf('sp> ') + 4);
  };
  const watch = (callback) => {
    const listener = term.onRender(callback);
    return () => listener.dispose();
  };`;

/** In the page: times from a keydown of Enter to the painted frame that shows `marker`; a 16 ms timer's lateness meanwhile. */
const FLOOD_PROBE = (view: PageView, marker: string) => `(() => {
  ${AFTER_PAINT}
  ${view}
  const probe = (window.__benchFlood = { enterAt: null, paintedAt: null, lateness: [] });
  window.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || probe.enterAt !== null) return;
    probe.enterAt = performance.now();
    let due = performance.now() + 16;
    const tick = () => {
      const now = performance.now();
      probe.lateness.push(Math.max(0, now - due));
      due = now + 16;
      if (probe.paintedAt === null) setTimeout(tick, 16);
    };
    setTimeout(tick, 16);
    const stop = watch(() => {
      if (probe.paintedAt !== null || !screenText().includes(${JSON.stringify(marker)})) return;
      stop();
      afterPaint((at) => (probe.paintedAt = at));
    });
  }, true);
})()`;

/** Types `command` + Enter with FLOOD_PROBE in the page: ms from the Enter to the marker painted, and the timer's lateness. */
async function timeFlood(page: Page, view: PageView, dataFile: string): Promise<{ ms: number; lateness: number[] }> {
  await page.evaluate(FLOOD_PROBE(view, 'FLOOD-DONE-42'));
  await page.keyboard.type(`cat ${dataFile}; echo FLOOD-DONE-$((6*7))`);
  await page.keyboard.press('Enter');
  const flood = await waitFor('the flood to be painted', 600_000, () =>
    page.evaluate('window.__benchFlood && window.__benchFlood.paintedAt !== null ? window.__benchFlood : null') as Promise<{ enterAt: number; paintedAt: number; lateness: number[] } | null>,
  );
  return { ms: flood.paintedAt - flood.enterAt, lateness: [...flood.lateness].sort((x, y) => x - y) };
}

/**
 * In the page (at the server's origin, signed in): a terminal of its own through the plain WebSocket
 * protocol (docs/protocol.md), `cat` of the file, every output frame acknowledged as it arrives and
 * thrown away; ms from sending the command to the frame that holds `marker`. What delivering the
 * bytes (PTY → server → WebSocket → page) costs in the same browser, without xterm.js.
 */
const DELIVERY_PROBE = (command: string, marker: string) => `new Promise((resolve, reject) => {
  const ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws/terminals');
  ws.binaryType = 'arraybuffer';
  let nextId = 0, sessionId = null, started = 0, tail = '';
  const pending = new Map();
  const request = (event, payload) => new Promise((done) => { const id = ++nextId; pending.set(id, done); ws.send(JSON.stringify({ event, payload, id })); });
  const decoder = new TextDecoder();
  const marker = ${JSON.stringify(marker)};
  ws.onmessage = ({ data }) => {
    if (typeof data === 'string') {
      const message = JSON.parse(data);
      if (message.ack !== undefined) { pending.get(message.ack)?.(message.payload); pending.delete(message.ack); }
      return;
    }
    const view = new DataView(data);
    const n = view.getUint8(9);
    const seq = view.getFloat64(1);
    ws.send(JSON.stringify({ event: 'terminal:ack', payload: { sessionId, seq } }));
    const text = tail + decoder.decode(new Uint8Array(data, 10 + n), { stream: true });
    if (started && text.includes(marker)) { ws.close(); resolve(performance.now() - started); }
    tail = text.slice(-marker.length);
  };
  ws.onerror = () => reject(new Error('the WebSocket failed'));
  ws.onopen = async () => {
    const created = await request('terminal:create', { shell: 'bash', cols: 149, rows: 43 });
    sessionId = created.session.id;
    await request('terminal:attach', { sessionId, lastSeq: 0, cols: 149, rows: 43 });
    await new Promise((done) => setTimeout(done, 1000)); // the prompt
    started = performance.now();
    ws.send(JSON.stringify({ event: 'terminal:input', payload: { sessionId, data: ${JSON.stringify(command)} + '\\r' } }));
  };
})`;

/** DELIVERY_PROBE in a page of `server`'s origin. */
async function timeDelivery(browser: Browser, server: ServerHandle, dataFile: string): Promise<number> {
  const context = await browser.newContext({ baseURL: server.origin });
  const [name, value] = server.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: server.origin }]);
  const page = await context.newPage();
  try {
    await page.goto('/healthz');
    return (await page.evaluate(DELIVERY_PROBE(`cat ${dataFile}; echo FLOOD-DONE-$((6*7))`, 'FLOOD-DONE-42'))) as number;
  } finally {
    await context.close();
  }
}

export async function measureRender(browser: Browser, server: ServerHandle, dataFile: string, ptyBytes: string, log: (message: string) => void): Promise<RenderResult> {
  const page = await openTerminal(browser, server, server.origin, 'off');
  await runCommand(page, 'stty size', /^\d+ \d+$/);
  const [rows, cols] = (await rowsText(page)).split('\n').find((line) => /^\d+ \d+$/.test(line))!.split(' ').map(Number) as [number, number];
  await runCommand(page, 'clear', /^sp>/);
  const { ms: appMs, lateness } = await timeFlood(page, APP_VIEW, dataFile);
  log(`browser render: app ${(ptyBytes.length / 1e6).toFixed(1)} MB in ${appMs.toFixed(0)} ms (${cols}×${rows}), timer lateness p95 ${percentile(lateness, 95).toFixed(0)} ms, max ${(lateness.at(-1) ?? 0).toFixed(0)} ms`);
  await page.context().close();

  const ceilingMs = await ceiling(browser, ptyBytes, cols, rows);
  log(`browser render: ceiling (xterm.js in the page, no network) ${ceilingMs.toFixed(0)} ms`);
  const deliveryMs = await timeDelivery(browser, server, dataFile);
  log(`browser render: delivery alone (PTY → server → WebSocket → page, no xterm.js) ${deliveryMs.toFixed(0)} ms`);
  return {
    appMbps: ptyBytes.length / 1e6 / (appMs / 1000),
    ceilingMbps: ptyBytes.length / 1e6 / (ceilingMs / 1000),
    deliveryMbps: ptyBytes.length / 1e6 / (deliveryMs / 1000),
    mainThreadDelayP95Ms: percentile(lateness, 95),
    mainThreadDelayMaxMs: lateness.at(-1) ?? 0,
  };
}

/** The same bytes written into a bare xterm.js (the app's DOM renderer, its font) in a page with no network, ms to the painted frame. */
async function ceiling(browser: Browser, ptyBytes: string, cols: number, rows: number): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  const xtermJs = readFileSync(path.join(ROOT, 'node_modules/@xterm/xterm/lib/xterm.js'), 'utf8');
  const xtermCss = readFileSync(path.join(ROOT, 'node_modules/@xterm/xterm/css/xterm.css'), 'utf8');
  const data = Buffer.from(ptyBytes, 'utf8');
  await page.route('http://bench.invalid/**', (route) =>
    route.request().url().endsWith('/data')
      ? route.fulfill({ body: data, contentType: 'application/octet-stream' })
      : route.fulfill({ contentType: 'text/html', body: `<!doctype html><style>${xtermCss} body{margin:0;background:#000}</style><div id="t"></div><script>${xtermJs}</script>` }),
  );
  await page.goto('http://bench.invalid/');
  try {
    return (await page.evaluate(
      async ({ cols, rows }) => {
        const bytes = new Uint8Array(await (await fetch('/data')).arrayBuffer());
        const { Terminal } = window as unknown as { Terminal: new (options: object) => { open(element: Element): void; write(data: Uint8Array | string, callback?: () => void): void } };
        const term = new Terminal({ cols, rows, scrollback: 10_000, fontSize: 14, lineHeight: 1.2, fontFamily: 'ui-monospace, "DejaVu Sans Mono", "Liberation Mono", monospace' });
        term.open(document.getElementById('t')!);
        await new Promise((resolve) => requestAnimationFrame(resolve));
        const start = performance.now();
        // In pieces the size of the app's socket frames, as they would arrive, with flow control as
        // the app's (xterm.js discards writes beyond its 50 MB buffer): at most 1 MiB parsed behind.
        let pending = 0;
        for (let offset = 0; offset < bytes.length; offset += 64 * 1024) {
          const piece = bytes.subarray(offset, offset + 64 * 1024);
          term.write(piece);
          pending += piece.length;
          if (pending >= 1024 * 1024) {
            await new Promise<void>((resolve) => term.write('', resolve));
            pending = 0;
          }
        }
        await new Promise<void>((resolve) => term.write('', resolve));
        // The frame that draws the end, then the end of its rendering (as AFTER_PAINT).
        await new Promise((resolve) =>
          requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = resolve;
            channel.port2.postMessage(null);
          }),
        );
        return performance.now() - start;
      },
      { cols, rows },
    )) as number;
  } finally {
    await context.close();
  }
}

// ------------------------------------------------------------------------------- keystroke to paint

export interface TypingResult {
  link: string;
  prediction: 'on' | 'off';
  p50Ms: number;
  p95Ms: number;
  /** Share of the letters painted within one 60 Hz frame (16.7 ms) of their keydown. */
  withinFrame: number;
  /** Characters on the line after everything settled that differ from what was typed. */
  wrongLeft: number;
}

/** In the page: each printable keydown's time, and when the frame that shows the typed text grown past it was painted. */
const TYPING_PROBE = (view: PageView, target: string) => `(() => {
  ${AFTER_PAINT}
  ${view}
  const probe = (window.__benchTyping = { keyAt: [], paintedAt: [] });
  const target = ${JSON.stringify(target)};
  const matching = () => {
    const text = typedText();
    let n = 0;
    while (n < text.length && n < target.length && text[n] === target[n]) n++;
    return n;
  };
  window.addEventListener('keydown', (event) => {
    if (event.key.length === 1) probe.keyAt.push(performance.now());
  }, true);
  let shown = matching();
  watch(() => {
    const now = matching();
    if (now <= shown) return;
    const from = shown;
    shown = now;
    afterPaint((at) => {
      for (let i = from; i < now; i++) if (probe.paintedAt[i] === undefined) probe.paintedAt[i] = at;
    });
  });
})()`;

/**
 * Types `letters` letters at the prompt of `page` (cleared first) with TYPING_PROBE in it, about
 * 100 words a minute, and checks the line afterwards against what was typed.
 */
async function timeTyping(page: Page, view: PageView, letters: number, screen: (page: Page) => Promise<string>): Promise<Omit<TypingResult, 'link' | 'prediction'>> {
  // Letters only: a word a person types, no spaces (trailing blanks are not text in xterm's rows).
  const target = 'thequickbrownfoxjumpsoverthelazydog'.repeat(Math.ceil(letters / 35)).slice(0, letters);
  await page.evaluate(TYPING_PROBE(view, target));
  // Let the round-trip estimate settle (prediction on guesses only once the first echo came back).
  await sleep(1500);
  for (const char of target) {
    await page.keyboard.press(char);
    await sleep(120);
  }
  const probe = await waitFor('every letter painted', 60_000, () =>
    page.evaluate(`window.__benchTyping.paintedAt.filter((t) => t !== undefined).length >= ${target.length} ? window.__benchTyping : null`) as Promise<{ keyAt: number[]; paintedAt: number[] } | null>,
  );
  await sleep(1000); // every echo in, every guess confirmed or gone
  const line = (await screen(page)).split('\n').filter((text) => text.includes('sp> ')).at(-1) ?? '';
  const typed = line.slice(line.lastIndexOf('sp> ') + 4);
  let wrongLeft = Math.abs(typed.length - target.length);
  for (let i = 0; i < Math.min(typed.length, target.length); i++) if (typed[i] !== target[i]) wrongLeft++;
  await page.keyboard.press('Control+u');
  const delays = probe.keyAt.slice(0, target.length).map((at, i) => probe.paintedAt[i]! - at).sort((a, b) => a - b);
  return { p50Ms: median(delays), p95Ms: percentile(delays, 95), withinFrame: delays.filter((d) => d <= 1000 / 60).length / delays.length, wrongLeft };
}

export async function measureTyping(browser: Browser, server: ServerHandle, origin: string, link: string, prediction: 'on' | 'off', letters: number): Promise<TypingResult> {
  const page = await openTerminal(browser, server, origin, prediction);
  try {
    // The same terminal as the previous measure: its typed line goes first.
    await page.keyboard.press('Control+u');
    await runCommand(page, 'clear', /^sp>/, 60_000);
    return { link, prediction, ...(await timeTyping(page, APP_VIEW, letters, rowsText)) };
  } finally {
    await page.context().close();
  }
}

// ------------------------------------------------------------------------------- Wetty, the peer

const wettyScreen = (page: Page) => page.evaluate(`(() => { if (!window.wetty_term) return ''; ${WETTY_VIEW} return screenText(); })()`) as Promise<string>;

async function openWetty(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  const page = await context.newPage();
  await page.goto(`${origin}/wetty`);
  await waitFor('the Wetty prompt', 60_000, async () => (await wettyScreen(page)).includes('sp>'));
  await page.locator('.xterm-screen').click();
  return page;
}


export interface WettyBrowserResult {
  renderMbps: number;
  mainThreadDelayP95Ms: number;
  mainThreadDelayMaxMs: number;
  /** Its terminal's size and renderer: they differ from the app's (its own font and page). */
  geometry: string;
  typing: TypingResult[];
}

async function measureWettyRender(browser: Browser, origin: string, dataFile: string, ptyBytes: number, log: (message: string) => void) {
  const page = await openWetty(browser, origin);
  try {
    const geometry = (await page.evaluate(`(() => { const t = window.wetty_term; return t.cols + '×' + t.rows + (document.querySelector('.xterm canvas') ? ', WebGL renderer' : ', DOM renderer'); })()`)) as string;
    await runCommand(page, 'clear', /^sp>/, 60_000, wettyScreen);
    const { ms, lateness } = await timeFlood(page, WETTY_VIEW, dataFile);
    log(`browser render: Wetty ${(ptyBytes / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms (${geometry}), timer lateness p95 ${percentile(lateness, 95).toFixed(0)} ms`);
    return { renderMbps: ptyBytes / 1e6 / (ms / 1000), mainThreadDelayP95Ms: percentile(lateness, 95), mainThreadDelayMaxMs: lateness.at(-1) ?? 0, geometry };
  } finally {
    await page.context().close();
  }
}

async function measureWettyTyping(browser: Browser, origin: string, link: string, letters: number): Promise<TypingResult> {
  const page = await openWetty(browser, origin);
  try {
    await runCommand(page, 'clear', /^sp>/, 60_000, wettyScreen);
    return { link, prediction: 'off', ...(await timeTyping(page, WETTY_VIEW, letters, wettyScreen)) };
  } finally {
    await page.context().close();
  }
}

// ------------------------------------------------------------------------------- all of it

/**
 * Both measures, each link and mode, then the same for Wetty (at `wettyPort`, when given); `log`
 * gets a line per measure. Also the loopback typing without prediction in a Chromium whose
 * scheduler does not hold tasks back after an input event (`DeferRendererTasksAfterInput`, on by
 * default): how much of an echo's time to the screen is the browser's own choice.
 */
export async function measureBrowser(
  server: ServerHandle,
  options: { renderBytes: number; letters: number; rttMs: number; wettyPort?: number },
  log: (message: string) => void,
) {
  const { file, ptyBytes } = mixedOutput(options.renderBytes);
  const dir = mkdtempSync(path.join(tmpdir(), 'shellport-bench-render-'));
  const dataFile = path.join(dir, 'mixed.txt');
  writeFileSync(dataFile, file);
  const browser = await launch();
  const proxy = await startDelayProxy(server.port, options.rttMs / 2);
  const wettyProxy = options.wettyPort === undefined ? null : await startDelayProxy(options.wettyPort, options.rttMs / 2);
  const slowLink = `${options.rttMs} ms round trip`;
  try {
    const render = await measureRender(browser, server, dataFile, ptyBytes, log);
    const typing: TypingResult[] = [];
    for (const [link, origin] of [
      ['loopback', server.origin],
      [slowLink, `http://127.0.0.1:${proxy.port}`],
    ] as const) {
      for (const prediction of ['off', 'on'] as const) {
        const result = await measureTyping(browser, server, origin, link, prediction, options.letters);
        log(`browser typing over ${link}, prediction ${prediction}: p50 ${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms, ${(result.withinFrame * 100).toFixed(0)} % within a frame, ${result.wrongLeft} wrong left`);
        typing.push(result);
      }
    }
    const undeferred = await launch(['--disable-features=DeferRendererTasksAfterInput']);
    let withoutDeferral: TypingResult;
    try {
      withoutDeferral = await measureTyping(undeferred, server, server.origin, 'loopback', 'off', options.letters);
      log(`browser typing over loopback, prediction off, without DeferRendererTasksAfterInput: p50 ${withoutDeferral.p50Ms.toFixed(1)} ms, p95 ${withoutDeferral.p95Ms.toFixed(1)} ms`);
    } finally {
      await undeferred.close();
    }
    let wetty: WettyBrowserResult | null = null;
    if (options.wettyPort !== undefined && wettyProxy) {
      const wettyOrigin = `http://127.0.0.1:${options.wettyPort}`;
      const wettyRender = await measureWettyRender(browser, wettyOrigin, dataFile, ptyBytes.length, log);
      const wettyTyping: TypingResult[] = [];
      for (const [link, origin] of [
        ['loopback', wettyOrigin],
        [slowLink, `http://127.0.0.1:${wettyProxy.port}`],
      ] as const) {
        const result = await measureWettyTyping(browser, origin, link, options.letters);
        log(`browser typing in Wetty over ${link}: p50 ${result.p50Ms.toFixed(1)} ms, p95 ${result.p95Ms.toFixed(1)} ms, ${result.wrongLeft} wrong left`);
        wettyTyping.push(result);
      }
      wetty = { ...wettyRender, typing: wettyTyping };
    }
    return { render, typing, withoutDeferral, wetty };
  } finally {
    await proxy.close();
    await wettyProxy?.close();
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
