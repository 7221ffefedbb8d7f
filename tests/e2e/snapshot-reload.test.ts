// Issue 19, snapshots in the real app: a terminal holding 100 000 lines of output with a full-screen
// program in front (real vim, real less) is opened by a second device and by the first page after a
// reload. Both must paint the screen the first page showed before the reload, row by row and cell by
// cell as xterm's DOM renderer draws it (text, colours, attributes, cursor), having received a
// snapshot rather than megabytes of replay; and the program must still take keys afterwards.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();
const scratch = mkdtempSync(path.join(tmpdir(), 'shellport-snapshot-reload-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const LINES = 100_000;
const TERMINALS_WS = /\/ws\/terminals$/;

/** A row as the DOM renderer draws it: each character with its classes and inline style (when any). */
interface PaintedScreen {
  rows: string[];
  /** "x,y" of the cell drawn as the cursor, or null when the cursor is hidden. */
  cursor: string | null;
}

/**
 * In the browser: pane 0's rows as drawn. The cursor's own classes (focus, blink, style) are left
 * out of the cells and reported as a position, since they depend on which page has the focus.
 */
const PAINTED_SCREEN = `(() => {
  const rows = document.querySelector('.term-view[data-slot="0"] .xterm-rows');
  if (!rows) return null;
  let cursor = null;
  const lines = [...rows.children].map((row, y) => {
    const cells = [];
    for (const node of row.childNodes) {
      let attrs = '';
      if (node.nodeType === 1) {
        if (node.classList.contains('xterm-cursor')) cursor = cells.length + ',' + y;
        const classes = [...node.classList].filter((name) => !name.startsWith('xterm-cursor')).sort().join(' ');
        attrs = [classes, node.getAttribute('style') || ''].filter(Boolean).join(';');
      }
      for (const char of (node.textContent || '').replace(/\\u00a0/g, ' ')) cells.push(attrs ? char + '{' + attrs + '}' : char);
    }
    while (cells.length > 0 && cells[cells.length - 1] === ' ') cells.pop();
    return cells.join('');
  });
  return { rows: lines, cursor };
})()`;

const paintedScreen = (page: Page) => page.evaluate(PAINTED_SCREEN) as Promise<PaintedScreen | null>;

/** Counts what a page receives on its terminal WebSockets from now on (bytes, and the snapshots among it). */
function watchTerminalSocket(page: Page): { bytes: number; snapshots: number; snapshotBytes: number; reset(): void } {
  const seen = {
    bytes: 0,
    snapshots: 0,
    snapshotBytes: 0,
    reset() {
      Object.assign(seen, { bytes: 0, snapshots: 0, snapshotBytes: 0 });
    },
  };
  page.on('websocket', (socket) => {
    if (!TERMINALS_WS.test(socket.url())) return;
    socket.on('framereceived', ({ payload }) => {
      seen.bytes += payload.length;
      if (typeof payload === 'string' && payload.startsWith('{"event":"terminal:snapshot"')) {
        seen.snapshots++;
        seen.snapshotBytes += payload.length;
      }
    });
  });
  return seen;
}

/** Waits until a page paints `expected` in pane 0 (bounded); returns what it paints at the end. */
async function waitForScreen(page: Page, expected: PaintedScreen): Promise<PaintedScreen | null> {
  let last: PaintedScreen | null = null;
  await expect
    .poll(async () => {
      last = await paintedScreen(page);
      return JSON.stringify(last) === JSON.stringify(expected);
    }, { timeout: 15_000, interval: 100 })
    .toBe(true)
    .catch(() => undefined);
  return last;
}

interface Program {
  name: string;
  /** Writes what the program shows into `dir`; returns the command line that starts it. */
  command(dir: string): string;
  /** A line of its first screen. */
  drawn: RegExp;
  /** Keys that bring it to the screen compared (a cursor in the middle of a line, a search). */
  keys: string;
  /** A line once those keys have acted. */
  settled: RegExp;
  /** Keys that end it. */
  quit: string;
}

const PROGRAMS: Program[] = [
  {
    name: 'vim (syntax colours, line numbers, a status line, the cursor mid-line)',
    command(dir) {
      const file = path.join(dir, 'script.sh');
      writeFileSync(file, ['#!/bin/sh', '# a comment', 'for i in 1 2 3; do', '  echo "value $i" 日本', 'done', 'exit 0', ''].join('\n'));
      return `vim -u NONE -i NONE -N -n -c 'syntax on' -c 'set number laststatus=2 ruler' ${file}`;
    },
    drawn: /script\.sh/,
    keys: '3jww',
    settled: /4,8 /,
    quit: ':q\r',
  },
  {
    name: 'less (bold and coloured text, a reverse-video prompt after a search)',
    command(dir) {
      const file = path.join(dir, 'notes.txt');
      writeFileSync(file, Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `\x1b[1;3${(i % 6) + 1}mheading ${i}\x1b[0m` : `line ${i}: some text 漢字`)).join('\n'));
      return `LESSHISTFILE=- less -R ${file}`;
    },
    drawn: /notes\.txt/,
    keys: '/line 150\r',
    settled: /^line 150: some text/,
    quit: 'q',
  },
];

it(`a reload and a second device paint vim, then less, over ${LINES} lines of output from snapshots, and the programs take keys after`, async () => {
  const e2e = fixture();
  const dir = mkdtempSync(path.join(scratch, 'files-'));
  const pageA = await e2e.newPage();
  const receivedA = watchTerminalSocket(pageA);
  await e2e.signIn(pageA);
  const terminalsA = new TerminalsPage(pageA);
  await terminalsA.open('/terminals');
  const sessionId = await terminalsA.sessionIdIn(0);
  const pageB = await e2e.newPage();
  const receivedB = watchTerminalSocket(pageB);
  await e2e.signIn(pageB);
  const terminalsB = new TerminalsPage(pageB);

  // ~4.7 MB of output: far past the 256 KiB under which an attach replays.
  await terminalsA.run(`seq -f 'scrollback line %g of many, to fill the buffer' ${LINES}; echo PRINTED-$((40+2))`);
  await terminalsA.waitForLine(/^PRINTED-42$/, 0, 40_000);

  for (const [round, program] of PROGRAMS.entries()) {
    await terminalsA.run(program.command(dir));
    await terminalsA.waitForLine(program.drawn);
    await pageA.keyboard.type(program.keys);
    await terminalsA.waitForLine(program.settled);
    // Quiet (the program has drawn everything) and mirrored on the server.
    let before: PaintedScreen | null = null;
    await expect
      .poll(async () => {
        const previous = JSON.stringify(before);
        before = await paintedScreen(pageA);
        return previous === JSON.stringify(before);
      }, { timeout: 10_000, interval: 300 })
      .toBe(true);
    await expect.poll(() => e2e.app.terminals.inspect(sessionId)?.mirrored, { timeout: 10_000 }).toBe(true);
    const expected = before! as PaintedScreen;
    const heldBytes = e2e.app.terminals.inspect(sessionId)!.seq;
    expect(heldBytes).toBeGreaterThan(LINES * 40);
    expect(expected.rows.some((row) => row.includes('{')), program.name).toBe(true); // colours or attributes to compare

    // The second device (opened the first time, reloaded the second): the same screen from a snapshot.
    receivedB.reset();
    if (round === 0) await terminalsB.open('/terminals');
    else {
      await pageB.reload();
      await terminalsB.waitReady();
    }
    expect(await terminalsB.sessionIdIn(0)).toBe(sessionId);
    expect(await waitForScreen(pageB, expected), `${program.name} on the second device`).toEqual(expected);

    // The first page reloaded: the same again.
    receivedA.reset();
    await pageA.reload();
    await terminalsA.waitReady();
    expect(await waitForScreen(pageA, expected), `${program.name} after a reload`).toEqual(expected);

    for (const received of [receivedA, receivedB]) {
      expect(received.snapshots, program.name).toBe(1);
      // The snapshot (screen + 1000 lines of scrollback) instead of the megabytes the terminal holds.
      expect(received.bytes, program.name).toBeLessThan(Math.min(500_000, heldBytes / 5));
    }

    // The program takes keys from the reloaded page; both pages see it end.
    await terminalsA.focus();
    await pageA.keyboard.type(program.quit);
    await terminalsA.run(`echo AFTER-${round}-$((6*7))`);
    await terminalsA.waitForLine(new RegExp(`^AFTER-${round}-42$`));
    await terminalsB.waitForLine(new RegExp(`^AFTER-${round}-42$`));
  }
  expect(await terminalsA.screenText()).toContain('PRINTED-42');

  expect(e2e.consoleProblems(pageA)).toEqual([]);
  expect(e2e.consoleProblems(pageB)).toEqual([]);
}, 60_000);
