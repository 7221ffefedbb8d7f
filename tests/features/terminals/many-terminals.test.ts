// Hundreds of terminals at once: each holds one descriptor (its PTY) and the scrollback writer a
// bounded number more, so 500 terminals stay far below the open-files limit, and all of it is given
// back when they end.
import { readdirSync } from 'node:fs';
import { expect, it } from 'vitest';
import { connectClient, startTerminalApp, waitUntil } from './helpers.js';

const openFds = () => readdirSync('/proc/self/fd').length;
const COUNT = 500;

it(`runs ${COUNT} terminals at once without running out of file descriptors, and gives them back`, async () => {
  const app = await startTerminalApp({ TERMINAL_MAX_SESSIONS: String(COUNT), TERMINAL_FLUSH_INTERVAL_MS: '20' });
  const client = await connectClient(app);
  const before = openFds();
  const ids: string[] = [];
  for (let i = 0; i < COUNT; i += 25) {
    const batch = await Promise.all(Array.from({ length: Math.min(25, COUNT - i) }, () => client.create({ shell: 'sh', cols: 80, rows: 24 })));
    ids.push(...batch.map((session) => session.id));
  }
  await Promise.all(ids.map((id) => client.attach(id)));
  ids.forEach((id, i) => client.input(id, `echo done-$((${i}+1000))\n`));
  await waitUntil(() => ids.every((id, i) => client.text(id).includes(`done-${i + 1000}`)), 60_000);

  const during = openFds();
  // One PTY each, plus at most 64 open scrollback segments, plus a little slack for sockets.
  expect(during - before).toBeLessThanOrEqual(COUNT + 64 + 20);
  const ready = (await app.app.inject({ method: 'GET', url: '/readyz', headers: { cookie: app.cookie } })).json();
  expect(ready.checks.fileDescriptors).toMatchObject({ open: expect.any(Number) });
  expect(ready.checks.fileDescriptors.open).toBeGreaterThanOrEqual(COUNT);
  // Every terminal's output reached its disk segment without EMFILE.
  expect(app.logText()).not.toMatch(/EMFILE|too many open files/);

  await Promise.all(ids.map((id) => client.request('terminal:kill', { sessionId: id })));
  await waitUntil(() => openFds() - before <= 10, 30_000);
}, 180_000);
