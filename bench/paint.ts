/**
 * Issue 19: the browser's time to paint a terminal holding 100 000 lines of output with a
 * full-screen program (vim) in front, after a reload: with a snapshot (what the web app asks for)
 * and with a full replay of the raw output (what it did before), in the same run.
 *
 * Debian's Chromium (playwright-core) opens the real app (bench/server.ts) with the bench's session
 * cookie; the page prints the lines, starts vim and moves its cursor, exactly as a person would.
 * Then the page is reloaded, alternately:
 *  - snapshot: the web app as shipped (`terminal:attach` with `snapshot: true`);
 *  - replay: the same app, with `snapshot` taken out of its `terminal:attach` message by a script
 *    the bench injects into the page (it wraps `WebSocket.prototype.send`; nothing in the app
 *    changes), so the server replays every retained byte and xterm.js parses all of it.
 * Measured in the page: from the `terminal:attach` message leaving to the moment xterm's DOM
 * renderer shows the rows the page showed before the reload (a MutationObserver compares them each
 * time the rows change), and from the start of the reload to the same moment. Afterwards the rows
 * are compared with their colours and attributes as well, and the figure counts only if they match.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { BENCH_DIR, median, sleep, waitFor, type ServerHandle } from './lib.js';

const CHROMIUM_PATH = '/usr/bin/chromium';
const LINES = 100_000;
/** Where the page's scripts keep the mode and what to wait for across a reload. */
const MODE_KEY = 'shellport-bench-paint-mode';
const EXPECTED_KEY = 'shellport-bench-paint-expected';

export type PaintMode = 'snapshot' | 'replay';

export interface PaintResult {
  mode: PaintMode;
  /** `terminal:attach` sent → the rows painted right, ms. */
  attachToPaintMs: number;
  /** `terminal:attach` sent → its answer received, ms. */
  attachToAnswerMs: number;
  /** `terminal:attach` sent → the snapshot or the first output frame received, ms. */
  attachToOutputMs: number;
  /** Reload started → the rows painted right, ms. */
  reloadToPaintMs: number;
  /** Bytes the page received on its terminal WebSocket after the reload. */
  receivedBytes: number;
  /** The rows also match in colours, attributes and cursor. */
  identical: boolean;
}

const ROWS = '.term-view[data-slot="0"] .xterm-rows';

/** In the page: pane 0's rows as text, one per line, trailing blanks removed. */
const ROWS_TEXT = `(rows) => [...rows.children].map((row) => (row.textContent || '').replace(/\\u00a0/g, ' ').trimEnd()).join('\\n')`;

/** In the page: pane 0's rows as drawn, cell by cell with classes and style (cursor classes apart, as a position). */
const PAINTED_SCREEN = `(() => {
  const rows = document.querySelector('${ROWS}');
  if (!rows) return null;
  let cursor = null;
  const lines = [...rows.children].map((row, y) => {
    const cells = [];
    for (const node of row.childNodes) {
      let attrs = '';
      if (node.nodeType === 1) {
        if (node.classList.contains('xterm-cursor')) cursor = cells.length + ',' + y;
        attrs = [[...node.classList].filter((name) => !name.startsWith('xterm-cursor')).sort().join(' '), node.getAttribute('style') || ''].filter(Boolean).join(';');
      }
      for (const char of (node.textContent || '').replace(/\\u00a0/g, ' ')) cells.push(attrs ? char + '{' + attrs + '}' : char);
    }
    while (cells.length > 0 && cells[cells.length - 1] === ' ') cells.pop();
    return cells.join('');
  });
  return JSON.stringify({ rows: lines, cursor });
})()`;

/**
 * Injected before the app's own scripts on every load: takes `snapshot` out of `terminal:attach` in
 * replay mode, notes when the attach leaves, and watches the rows until they show what is expected.
 */
const PAGE_PROBE = `(() => {
  const mode = localStorage.getItem('${MODE_KEY}');
  const expected = localStorage.getItem('${EXPECTED_KEY}');
  if (!mode || expected === null) return;
  const rowsText = ${ROWS_TEXT};
  const probe = (window.__benchPaint = { mode, attachAt: null, answerAt: null, firstOutputAt: null, paintedAt: null });
  const listen = WebSocket.prototype.addEventListener;
  WebSocket.prototype.addEventListener = function (type, listener, options) {
    if (type !== 'message') return listen.call(this, type, listener, options);
    return listen.call(this, type, (event) => {
      if (probe.attachAt !== null && probe.firstOutputAt === null && (typeof event.data !== 'string' || event.data.startsWith('{"event":"terminal:snapshot"'))) probe.firstOutputAt = performance.now();
      if (typeof event.data === 'string' && probe.answerAt === null && probe.attachAt !== null && event.data.includes('"reset"')) probe.answerAt = performance.now();
      return listener.call(this, event);
    }, options);
  };
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (typeof data === 'string' && data.startsWith('{"event":"terminal:attach"') && probe.attachAt === null) {
      if (mode === 'replay') {
        const message = JSON.parse(data);
        delete message.payload.snapshot;
        data = JSON.stringify(message);
      }
      probe.attachAt = performance.now();
      const check = () => {
        const rows = document.querySelector('${ROWS}');
        if (probe.paintedAt === null && rows && rowsText(rows) === expected) {
          probe.paintedAt = performance.now();
          observer.disconnect();
        }
      };
      const observer = new MutationObserver(check);
      observer.observe(document.body, { childList: true, subtree: true, characterData: true });
      check();
    }
    return send.call(this, data);
  };
})()`;



const rowsText = (page: Page) => page.evaluate(`(() => { const rows = document.querySelector('${ROWS}'); return rows ? (${ROWS_TEXT})(rows) : ''; })()`) as Promise<string>;
const paintedScreen = (page: Page) => page.evaluate(PAINTED_SCREEN) as Promise<string | null>;

/** Types a command line into the terminal and waits for a line matching `until`. */
async function run(page: Page, keys: string, until: RegExp, timeoutMs = 120_000): Promise<void> {
  await page.keyboard.type(keys);
  await waitFor(`${until} after ${JSON.stringify(keys)}`, timeoutMs, async () => (await rowsText(page)).split('\n').some((line) => until.test(line)));
}

/**
 * Measures `reps` reloads in each mode, alternately (replay first, then snapshot, …), on one
 * terminal in one page. Returns every run; `log` gets a line per run.
 */
export async function measurePaint(server: ServerHandle, reps: number, log: (message: string) => void): Promise<PaintResult[]> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  try {
    const context = await browser.newContext({ baseURL: server.origin, viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
    const [name, value] = server.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: server.origin }]);
    await context.addInitScript({ content: PAGE_PROBE });
    const page = await context.newPage();
    let received = 0;
    page.on('websocket', (socket) => {
      socket.on('framereceived', ({ payload }) => {
        received += payload.length;
      });
    });
    await page.goto('/terminals');
    await page.locator('.term-conn[data-state="connected"]').waitFor({ timeout: 30_000 });
    await page.locator(`${ROWS} > *`).first().waitFor({ timeout: 30_000 });
    await waitFor('the prompt', 30_000, async () => (await rowsText(page)).includes('sp>'));
    await page.locator('.term-view[data-slot="0"] .xterm-screen').click();

    const file = path.join(BENCH_DIR, 'paint.ts');
    log(`paint: printing ${LINES} lines in the page, then vim`);
    await run(page, `seq -f 'scrollback line %g of many, to fill the buffer' ${LINES}; echo PRINT''ED\r`, /^PRINTED$/);
    await run(page, `vim -u NONE -i NONE -N -n -R -c 'syntax on' -c 'set number laststatus=2 ruler' ${file}\r`, /paint\.ts/);
    await run(page, '20Gww', /20,\d+/);
    // Settled: the same rows twice, 500 ms apart.
    let expected = '';
    await waitFor('vim to settle', 10_000, async () => {
      await sleep(500);
      const now = await paintedScreen(page);
      const settled = now === expected;
      expected = now ?? '';
      return settled;
    });
    const expectedText = await rowsText(page);
    await page.evaluate(([key, text]) => localStorage.setItem(key, text), [EXPECTED_KEY, expectedText] as const);

    const results: PaintResult[] = [];
    for (let i = 0; i < reps; i++) {
      for (const mode of ['replay', 'snapshot'] as const) {
        await page.evaluate(([key, text]) => localStorage.setItem(key, text), [MODE_KEY, mode] as const);
        received = 0;
        await page.reload();
        const probe = await waitFor(`the ${mode} paint`, 120_000, () =>
          page.evaluate('window.__benchPaint && window.__benchPaint.paintedAt !== null ? window.__benchPaint : null') as Promise<{ attachAt: number; answerAt: number | null; firstOutputAt: number | null; paintedAt: number } | null>,
        );
        // Let the rest of the stream in (a replay can end on the same rows), then compare everything.
        await sleep(300);
        const identical = (await paintedScreen(page)) === expected;
        const result: PaintResult = {
          mode,
          attachToPaintMs: probe.paintedAt - probe.attachAt,
          attachToAnswerMs: (probe.answerAt ?? Number.NaN) - probe.attachAt,
          attachToOutputMs: (probe.firstOutputAt ?? Number.NaN) - probe.attachAt,
          reloadToPaintMs: probe.paintedAt,
          receivedBytes: received,
          identical,
        };
        results.push(result);
        log(
          `paint ${mode} #${i + 1}: attach → answer ${result.attachToAnswerMs.toFixed(0)} ms, → first output ${result.attachToOutputMs.toFixed(0)} ms, → painted ${result.attachToPaintMs.toFixed(0)} ms, reload → painted ${result.reloadToPaintMs.toFixed(0)} ms, ` +
            `${(received / 1e6).toFixed(2)} MB received, screen ${identical ? 'identical' : 'DIFFERENT'}`,
        );
      }
    }
    return results;
  } finally {
    await browser.close();
  }
}

/** Median of one mode's runs. */
export function paintMedians(results: PaintResult[], mode: PaintMode) {
  const runs = results.filter((result) => result.mode === mode);
  return {
    attachToPaintMs: median(runs.map((run) => run.attachToPaintMs)),
    attachToOutputMs: median(runs.map((run) => run.attachToOutputMs)),
    reloadToPaintMs: median(runs.map((run) => run.reloadToPaintMs)),
    receivedBytes: median(runs.map((run) => run.receivedBytes)),
    identical: runs.every((run) => run.identical),
  };
}
