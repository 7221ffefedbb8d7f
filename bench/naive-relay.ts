/**
 * The relay every web terminal starts from, as a same-run throughput baseline: node-pty's output
 * sent as it comes (one binary WebSocket frame per PTY read), input written as it comes. No
 * storage, no flow control, no coalescing, no sign-in. A child process of bench/run.ts, started
 * with the server's V8 flags; reports `{ type: 'ready', port }` over IPC.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pty from 'node-pty';
import { WebSocketServer } from 'ws';

const home = mkdtempSync(path.join(tmpdir(), 'shellport-bench-relay-'));
writeFileSync(path.join(home, '.bashrc'), "PS1='sp> '\nunset PROMPT_COMMAND\nHISTFILE=/dev/null\n");

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (ws) => {
  const shell = pty.spawn('/bin/bash', [], {
    name: 'xterm-256color',
    cols: 120,
    rows: 40,
    cwd: home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', TERM: 'xterm-256color' },
    encoding: null,
  });
  shell.onData((data) => ws.send(data as unknown as Buffer));
  ws.on('message', (raw: Buffer) => shell.write((JSON.parse(raw.toString('utf8')) as { payload: { data: string } }).payload.data));
  ws.on('close', () => shell.kill());
});
server.once('listening', () => process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port }));

const quit = () => {
  rmSync(home, { recursive: true, force: true });
  process.exit(0);
};
process.on('disconnect', quit);
process.on('SIGTERM', quit);
