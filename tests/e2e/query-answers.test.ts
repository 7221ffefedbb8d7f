// xterm.js answers the queries it parses (device attributes, cursor position, colours). An answer is
// typed into the program like a keystroke, so only output that arrives live may be answered, and only
// by the one client the server names (docs/protocol.md, "Answering queries"): a reload, a second
// device, a terminal shown again must type nothing, and a live query gets exactly one answer.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { AppShell } from './pages/app-shell.js';
import { useE2E } from './fixture.js';
import { TerminalsPage } from './pages/terminals.js';

const fixture = useE2E();

const scripts = mkdtempSync(path.join(tmpdir(), 'shellport-queries-'));
/** `node query.mjs FILE LABEL`: prints DA1, DSR (cursor position) and OSC 11 (background colour) queries, then records the answers for a while. */
const QUERY = path.join(scripts, 'query.mjs');
writeFileSync(
  QUERY,
  `import { writeFileSync } from 'node:fs';
process.stdin.setRawMode(true);
let got = '';
process.stdin.on('data', (data) => { got += data.toString('latin1'); });
process.stdout.write('\\x1b[c\\x1b[6n\\x1b]11;?\\x1b\\\\');
setTimeout(() => { process.stdin.setRawMode(false); writeFileSync(process.argv[2], got); process.stdout.write('\\r\\nqueried ' + process.argv[3] + '\\r\\n'); process.exit(0); }, 1500);
`,
);
/** Records every byte the terminal sends it until it receives STOP. */
const RECORD = path.join(scripts, 'record.mjs');
writeFileSync(
  RECORD,
  `import { writeFileSync } from 'node:fs';
process.stdin.setRawMode(true);
let got = '';
process.stdin.on('data', (data) => {
  got += data.toString('latin1');
  const stop = got.indexOf('STOP');
  if (stop < 0) return;
  writeFileSync(process.argv[2], got.slice(0, stop));
  process.stdin.setRawMode(false);
  process.stdout.write('\\r\\nrecorded\\r\\n');
  process.exit(0);
});
process.stdout.write('recording\\r\\n');
`,
);

/** How many answers of each kind a query run received. */
function answers(file: string) {
  const text = readFileSync(file, 'latin1');
  return {
    deviceAttributes: text.match(/\x1b\[\?[\d;]*c/g)?.length ?? 0,
    cursorPosition: text.match(/\x1b\[\d+;\d+R/g)?.length ?? 0,
    background: text.match(/\x1b\]11;rgb:[0-9a-f/]+/g)?.length ?? 0,
  };
}
const ONE_EACH = { deviceAttributes: 1, cursorPosition: 1, background: 1 };

async function openTerminals(e2e: ReturnType<typeof fixture>, page: Page, path = '/terminals'): Promise<TerminalsPage> {
  await e2e.signIn(page);
  const terminals = new TerminalsPage(page);
  await terminals.open(path);
  return terminals;
}

it('replayed queries are never answered again: after a reload, on a second device, on coming back to the terminal', async () => {
  const e2e = fixture();
  const desk = await e2e.newPage();
  const terminals = await openTerminals(e2e, desk);
  await terminals.newTerminal();
  const id = await terminals.sessionIdIn(0);

  // Live, the program gets one answer to each query.
  await terminals.run(`node ${QUERY} ${scripts}/live.txt live`);
  await terminals.waitForLine(/^queried live$/);
  expect(answers(`${scripts}/live.txt`)).toEqual(ONE_EACH);

  // Now a program that records what the terminal types into it, while the output above is replayed.
  await terminals.run(`node ${RECORD} ${scripts}/replayed.txt`);
  await terminals.waitForLine(/^recording$/);

  await desk.reload();
  await terminals.waitReady();
  await terminals.waitForSessionLine(id, /^recording$/);

  const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const onPhone = await openTerminals(e2e, phone, `/terminals?session=${id}`);
  await onPhone.waitForSessionLine(id, /^recording$/);

  const shell = new AppShell(desk);
  await shell.goTo('Settings');
  await shell.goTo('Terminals');
  await terminals.waitReady();
  await terminals.waitForSessionLine(id, /^recording$/);

  await terminals.run('STOP');
  await terminals.waitForLine(/^recorded$/);
  expect(readFileSync(`${scripts}/replayed.txt`, 'latin1')).toBe('');

  // And the shell's line is clean: a command typed now runs as typed.
  await terminals.run('echo hello-$((6*7))');
  await terminals.waitForLine(/^hello-42$/);
  expect(await terminals.screenText()).not.toMatch(/command not found|No such file/);
  expect(e2e.consoleProblems(desk)).toEqual([]);
  expect(e2e.consoleProblems(phone)).toEqual([]);
}, 60_000);

it('with two devices attached, a live query gets exactly one answer, from the device typed in last', async () => {
  const e2e = fixture();
  const desk = await e2e.newPage();
  const terminals = await openTerminals(e2e, desk);
  await terminals.newTerminal();
  const id = await terminals.sessionIdIn(0);
  const phone = await e2e.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const onPhone = await openTerminals(e2e, phone, `/terminals?session=${id}`);
  expect(await onPhone.sessionIdIn(0)).toBe(id);

  await terminals.run(`node ${QUERY} ${scripts}/desk.txt desk`);
  await terminals.waitForLine(/^queried desk$/);
  expect(answers(`${scripts}/desk.txt`)).toEqual(ONE_EACH);

  await onPhone.run(`node ${QUERY} ${scripts}/phone.txt phone`);
  await onPhone.waitForLine(/^queried phone$/);
  await terminals.waitForLine(/^queried phone$/);
  expect(answers(`${scripts}/phone.txt`)).toEqual(ONE_EACH);

  // And back on the desk: the desk answers again, once.
  await terminals.run(`node ${QUERY} ${scripts}/desk-again.txt again`);
  await terminals.waitForLine(/^queried again$/);
  expect(answers(`${scripts}/desk-again.txt`)).toEqual(ONE_EACH);
  expect(e2e.consoleProblems(desk)).toEqual([]);
  expect(e2e.consoleProblems(phone)).toEqual([]);
}, 60_000);
