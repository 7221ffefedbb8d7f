// The screen mirror's snapshots in the renderer that shows them: in Chromium, one xterm.js Terminal
// (opened in the page, never detached) is written the raw output, a second one of the same size the
// snapshot the mirror (@xterm/headless, in Node) took of the same bytes; their buffers must match
// cell by cell, and keep matching once the output after the snapshot is written to both.
// The vim, less and top streams are captured from the real programs under node-pty; the others
// are the fixtures the unit test uses (tests/features/terminals/screen-fixtures.ts).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as nodePty from 'node-pty';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScreenMirror } from '../../src/features/terminals/screen-mirror.js';
import { describeScreen, type ScreenDescription } from '../features/terminals/screen-compare.js';
import { SCREEN_CASES, type ScreenCase } from '../features/terminals/screen-fixtures.js';
import { isConsoleProblem } from './console-problems.js';
import { CHROMIUM_PATH, ensureChromium } from './fixture.js';

const require = createRequire(import.meta.url);
const XTERM_JS = readFileSync(require.resolve('@xterm/xterm/lib/xterm.js'), 'utf8');
const XTERM_CSS = readFileSync(require.resolve('@xterm/xterm/css/xterm.css'), 'utf8');
const UNICODE11_JS = readFileSync(require.resolve('@xterm/addon-unicode11/lib/addon-unicode11.js'), 'utf8');

let browser: Browser;
let page: Page;
const problems: string[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), 'shellport-screen-'));

beforeAll(async () => {
  ensureChromium();
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ['--headless=new', '--no-sandbox', '--disable-gpu'], timeout: 30_000 });
  page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
  page.on('console', (message) => {
    if (isConsoleProblem(message.type(), message.text())) problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  await page.setContent('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
  await page.addStyleTag({ content: XTERM_CSS });
  await page.addScriptTag({ content: XTERM_JS });
  await page.addScriptTag({ content: UNICODE11_JS });
  await page.addScriptTag({ content: `window.describeScreen = ${describeScreen.toString()};` });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Stream {
  cols: number;
  rows: number;
  /** Output before the snapshot, in the chunks it came in. */
  before: Uint8Array[];
  /** Output after it. */
  after: Uint8Array[];
}

const toBytes = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
const streamOf = (screen: ScreenCase): Stream => ({ cols: screen.cols, rows: screen.rows, before: screen.chunks.map(toBytes), after: [toBytes(screen.continuation)] });

/** Mirrors `before` in Node and compares, in Chromium, raw output against the restored snapshot. */
async function compareInBrowser(stream: Stream): Promise<{ live: ScreenDescription; restored: ScreenDescription; liveAfter: ScreenDescription; restoredAfter: ScreenDescription }> {
  const mirror = createScreenMirror({ cols: stream.cols, rows: stream.rows, scrollback: 1000 });
  try {
    for (const chunk of stream.before) mirror.write(chunk, mirror.seq + chunk.length);
    const snapshot = await mirror.snapshot();
    if (!snapshot) throw new Error('the mirror gave no snapshot');
    const base64 = (chunks: Uint8Array[]) => chunks.map((chunk) => Buffer.from(chunk).toString('base64'));
    return await page.evaluate(
      async ({ cols, rows, before, after, data }) => {
        const globals = window as unknown as {
          Terminal: new (options: object) => {
            open(element: HTMLElement): void;
            loadAddon(addon: object): void;
            unicode: { activeVersion: string };
            write(data: string | Uint8Array, callback: () => void): void;
            dispose(): void;
          };
          Unicode11Addon: { Unicode11Addon: new () => object };
          describeScreen: (term: object) => ScreenDescription;
        };
        const open = () => {
          const element = document.createElement('div');
          document.body.append(element);
          const term = new globals.Terminal({ cols, rows, scrollback: 1000, allowProposedApi: true });
          term.loadAddon(new globals.Unicode11Addon.Unicode11Addon());
          term.unicode.activeVersion = '11';
          term.open(element);
          return { term, element };
        };
        const write = (term: ReturnType<typeof open>['term'], chunk: string | Uint8Array) => new Promise<void>((resolve) => term.write(chunk, resolve));
        const decode = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
        const live = open();
        const restored = open();
        for (const chunk of before) await write(live.term, decode(chunk));
        await write(restored.term, data);
        const result = { live: globals.describeScreen(live.term), restored: globals.describeScreen(restored.term) };
        for (const chunk of after) {
          await write(live.term, decode(chunk));
          await write(restored.term, decode(chunk));
        }
        const afterResult = { liveAfter: globals.describeScreen(live.term), restoredAfter: globals.describeScreen(restored.term) };
        for (const { term, element } of [live, restored]) {
          term.dispose();
          element.remove();
        }
        return { ...result, ...afterResult };
      },
      { cols: stream.cols, rows: stream.rows, before: base64(stream.before), after: base64(stream.after), data: snapshot.data },
    );
  } finally {
    mirror.dispose();
  }
}

async function expectSameScreens(stream: Stream): Promise<void> {
  const { live, restored, liveAfter, restoredAfter } = await compareInBrowser(stream);
  expect(restored, 'the restored screen').toEqual(live);
  expect(restoredAfter, 'after the output that follows the snapshot').toEqual(liveAfter);
  expect(problems).toEqual([]);
}

/** Runs a real program under a PTY; its output before `keys` is sent is the `before` part. */
async function capture(
  file: string,
  args: string[],
  { cols = 80, rows = 24, ready, keys, done }: { cols?: number; rows?: number; ready: (text: string) => boolean; keys: string; done: (text: string) => boolean },
): Promise<Stream> {
  const home = mkdtempSync(path.join(scratch, 'home-'));
  const pty = nodePty.spawn(file, args, {
    cols,
    rows,
    cwd: home,
    env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color', LANG: 'C.UTF-8', LESSHISTFILE: '-' },
    encoding: null,
  } as nodePty.IPtyForkOptions);
  const chunks: Uint8Array[] = [];
  let text = '';
  let lastOutput = Date.now();
  pty.onData((data: string | Buffer) => {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    chunks.push(bytes);
    text += bytes.toString('latin1');
    lastOutput = Date.now();
  });
  /** Until `condition` holds and the program has been quiet for 300 ms (bounded: 10 s). */
  const settle = async (condition: (text: string) => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(condition(text) && Date.now() - lastOutput > 300)) {
      if (Date.now() > deadline) throw new Error(`${file}: ${what} never came; output so far: ${JSON.stringify(text.slice(-500))}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  try {
    await settle(ready, 'the first screen');
    const split = chunks.length;
    const seen = text.length;
    pty.write(keys);
    await settle((all) => done(all.slice(seen)), 'the screen after the keys');
    return { cols, rows, before: chunks.slice(0, split), after: chunks.slice(split) };
  } finally {
    pty.kill();
  }
}

it('restores vim (real, under a PTY): syntax colours, line numbers, a status line, insert mode', async () => {
  const file = path.join(scratch, 'script.sh');
  writeFileSync(file, ['#!/bin/sh', '# a comment', 'for i in 1 2 3; do', '  echo "value $i"', 'done', 'exit 0', ''].join('\n'));
  const stream = await capture('vim', ['-u', 'NONE', '-i', 'NONE', '-N', '-n', '-c', 'syntax on', '-c', 'set number laststatus=2 ruler', file], {
    ready: (text) => text.includes('script.sh'),
    keys: 'jjA added 日本 😀',
    done: (text) => text.includes('INSERT') && text.includes('\u00f0'), // the emoji's first UTF-8 byte, read as latin1
  });
  await expectSameScreens(stream);
});

it('restores less (real, under a PTY): a pager with coloured text and a reverse-video prompt', async () => {
  const file = path.join(scratch, 'notes.txt');
  writeFileSync(file, Array.from({ length: 120 }, (_, i) => (i % 7 === 0 ? `\x1b[1;3${i % 8}mheading ${i}\x1b[0m` : `line ${i}: some text 漢字`)).join('\n'));
  const stream = await capture('less', ['-R', file], {
    ready: (text) => text.includes('notes.txt'),
    keys: ' /line 3\r',
    done: (text) => text.includes('line 3'),
  });
  await expectSameScreens(stream);
});

it('restores top (real, under a PTY): full repaints of the normal screen, a hidden cursor', async () => {
  const count = (text: string) => text.split('top - ').length - 1;
  // A frame every 2 s: the program is quiet between frames, and `c` (full command lines) repaints at once.
  const stream = await capture('top', ['-d', '2'], {
    ready: (text) => count(text) >= 1,
    keys: 'c',
    done: (text) => count(text) >= 1,
  });
  // procps top draws on the normal screen: home, clear, then rows by absolute position.
  expect(Buffer.concat(stream.before).toString('latin1')).toContain('\x1b[H\x1b[2J');
  await expectSameScreens(stream);
});

for (const screen of SCREEN_CASES) {
  it(`restores ${screen.name} (fixture)`, async () => {
    await expectSameScreens(streamOf(screen));
  });
}
