// Hundreds of terminals at once: each holds one descriptor (its PTY) and the scrollback writer a
// bounded number more, so 500 terminals stay far below the open-files limit, and all of it is given
// back when they end. With a terminal host (issue 19) the PTYs are the host's: the server holds one
// socket to it whatever the count, and the host a descriptor per terminal.
import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { connectClient, startTerminalApp, waitUntil, type TerminalTestApp } from './helpers.js';

const COUNT = 500;
const openFds = (pid: number | 'self' = 'self') => readdirSync(`/proc/${pid}/fd`).length;

async function startMany(app: TerminalTestApp) {
  const client = await connectClient(app);
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, COUNT - i) }, () => client.create({ shell: 'sh', cols: 80, rows: 24 })));
    ids.push(...batch.map((session) => session.id));
  }
  await Promise.all(ids.map((id) => client.attach(id)));
  ids.forEach((id, i) => client.input(id, `echo done-$((${i}+1000))\n`));
  await waitUntil(() => ids.every((id, i) => client.text(id).includes(`done-${i + 1000}`)), 60_000);
  const killAll = () => Promise.all(ids.map((id) => client.request('terminal:kill', { sessionId: id })));
  return { killAll };
}

async function expectDescriptorsReported(app: TerminalTestApp) {
  const ready = (await app.app.inject({ method: 'GET', url: '/readyz', headers: { cookie: app.cookie } })).json();
  expect(ready.checks.fileDescriptors).toMatchObject({ open: expect.any(Number) });
  // Every terminal's output reached its disk segment without EMFILE, in the server and in the host.
  expect(app.logText()).not.toMatch(/EMFILE|too many open files/);
  return ready.checks.fileDescriptors.open as number;
}

it(`runs ${COUNT} terminals at once without running out of file descriptors, and gives them back`, async () => {
  const app = await startTerminalApp({ TERMINAL_MAX_SESSIONS: String(COUNT), TERMINAL_FLUSH_INTERVAL_MS: '20' });
  const before = openFds();
  const { killAll } = await startMany(app);

  // One PTY each, plus at most 64 open scrollback segments, plus a little slack for sockets.
  expect(openFds() - before).toBeLessThanOrEqual(COUNT + 64 + 20);
  expect(await expectDescriptorsReported(app)).toBeGreaterThanOrEqual(COUNT);

  await killAll();
  await waitUntil(() => openFds() - before <= 10, 30_000);
}, 180_000);

it(`runs ${COUNT} terminals through the terminal host: the host holds their PTYs, the server one socket`, async () => {
  const app = await startTerminalApp({ TERMINAL_HOST: 'auto', TERMINAL_MAX_SESSIONS: String(COUNT + 1), TERMINAL_FLUSH_INTERVAL_MS: '20' });
  const client = await connectClient(app);
  await client.create({ shell: 'sh', cols: 80, rows: 24 }); // starts the host, which then stays
  const host = (await app.app.inject({ method: 'GET', url: '/api/terminal-host', headers: { cookie: app.cookie } })).json();
  expect(host).toMatchObject({ state: 'connected', pid: expect.any(Number) });
  const serverBefore = openFds();
  const hostBefore = openFds(host.pid);
  const { killAll } = await startMany(app);

  // The server: scrollback segments and a little slack, nothing per terminal.
  expect(openFds() - serverBefore).toBeLessThanOrEqual(64 + 20);
  // The host: one PTY each (node-pty's master side) and a little slack.
  const hostDuring = openFds(host.pid) - hostBefore;
  expect(hostDuring).toBeGreaterThanOrEqual(COUNT);
  expect(hostDuring).toBeLessThanOrEqual(COUNT + 20);
  await expectDescriptorsReported(app);

  await killAll();
  await waitUntil(() => openFds(host.pid) - hostBefore <= 10, 30_000);
  await waitUntil(() => openFds() - serverBefore <= 10, 30_000);
}, 240_000);
