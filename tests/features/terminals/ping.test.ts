// terminal:ping (docs/protocol.md, "Round trip"): answered at once and with nothing, over both
// transports, so that a client can time the round trip (the web app's local echo, issue 22 §1).
import { expect, it } from 'vitest';
import { connectClient, startTerminalApp } from './helpers.js';
import { connectWsClient } from './transports.js';

it('answers terminal:ping with an empty acknowledgement over the plain WebSocket and Socket.IO, and refuses a payload', async () => {
  const app = await startTerminalApp();
  const ws = await connectWsClient(app);
  expect(await ws.request('terminal:ping', {})).toEqual({ ok: true });
  expect(await ws.request('terminal:ping', { at: 1 })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  const io = await connectClient(app);
  expect(await io.request('terminal:ping', {})).toEqual({ ok: true });
});
