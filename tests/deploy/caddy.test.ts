// The project's deploy/Caddyfile, run by a real Caddy (Debian's `caddy` package, installed by .ci/run)
// in front of the real app on loopback: it passes the browser's address on (TRUST_PROXY) and
// WebSocket upgrades through. TLS is switched off for the test (plain-http PUBLIC_URL for Caddy);
// everything else is the file as shipped. Skipped, visibly, where caddy is not installed; failed in CI.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import websocket from '@fastify/websocket';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PUBLIC_ROUTE } from '../../src/http/route-config.js';
import { buildTestApp, signInAsOwner } from '../helpers/app.js';
import { ROOT } from './files.js';
import { hasTool } from './tools.js';
import { plainWebSocketHandshake, socketIoHandshake } from './terminal-handshakes.js';
import { requestFrom } from './forwarding-proxy.js';
import { freePort, waitForPort } from '../helpers/ports.js';

const hasCaddy = hasTool('caddy', ['version']);
const running: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const caddy of running.splice(0)) {
    if (caddy.exitCode === null) {
      caddy.kill('SIGTERM');
      await once(caddy, 'exit');
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});


/** Starts Caddy with deploy/Caddyfile for http://127.0.0.1:<port> in front of `upstreamPort`. */
async function startCaddy(upstreamPort: number): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shellport-caddy-'));
  dirs.push(dir);
  const port = await freePort();
  const config = path.join(dir, 'Caddyfile');
  // Global options for a test run, then the shipped site block as it is.
  writeFileSync(config, `{\n\tadmin off\n\tauto_https off\n}\nimport ${path.join(ROOT, 'deploy/Caddyfile')}\n`);
  const caddy = spawn('caddy', ['run', '--config', config, '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      XDG_DATA_HOME: dir,
      XDG_CONFIG_HOME: dir,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      SHELLPORT_UPSTREAM: `127.0.0.1:${upstreamPort}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.push(caddy);
  let log = '';
  caddy.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForPort(port, caddy, 'caddy', () => log);
  return port;
}

describe.runIf(hasCaddy)('deploy/Caddyfile with a real Caddy', () => {
  it('forwards the browser’s address, which the app logs with TRUST_PROXY', async () => {
    const { app, logLines } = await buildTestApp({ TRUST_PROXY: '127.0.0.1' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const caddyPort = await startCaddy((app.server.address() as net.AddressInfo).port);

    expect((await requestFrom('127.0.0.2', caddyPort, '/healthz')).status).toBe(200);
    // An X-Forwarded-For made up by the browser does not become its address.
    const probe = await requestFrom('127.0.0.2', caddyPort, '/api/me', { headers: { 'x-forwarded-for': '198.51.100.66' } });
    expect(probe.status).toBe(401);
    const line = logLines().find((l) => l.reqId === probe.headers['x-request-id'] && typeof l.req === 'object');
    expect((line?.req as { remoteAddress?: string } | undefined)?.remoteAddress).toBe('127.0.0.2');
  });

  it('passes WebSocket upgrades through to the app', async () => {
    const { app } = await buildTestApp({ TRUST_PROXY: '127.0.0.1' });
    // A plain WebSocket route (@fastify/websocket takes over every upgrade, so not with Socket.IO).
    await app.register(websocket);
    app.get('/ws-echo', { websocket: true, config: PUBLIC_ROUTE }, (socket, request) => {
      socket.on('message', (data: Buffer) => socket.send(`${request.ip} ${data.toString()}`));
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const caddyPort = await startCaddy((app.server.address() as net.AddressInfo).port);

    const client = new WebSocket(`ws://127.0.0.1:${caddyPort}/ws-echo`, { localAddress: '127.0.0.2' });
    await once(client, 'open');
    client.send('hello');
    const [reply] = (await once(client, 'message')) as [Buffer];
    expect(reply.toString()).toBe('127.0.0.2 hello');
    client.close();
    await once(client, 'close');
  });

  it('lets the terminals’ Socket.IO handshake and the plain WebSocket through, with the session cookie and Origin checks intact', async () => {
    const { app } = await buildTestApp({ TRUST_PROXY: '127.0.0.1', PUBLIC_URL: 'https://shell.example.com' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const caddyPort = await startCaddy((app.server.address() as net.AddressInfo).port);
    const cookie = await signInAsOwner(app);
    const connect = (origin: string) => socketIoHandshake(`http://127.0.0.1:${caddyPort}`, { origin, cookie });
    expect(await connect('https://shell.example.com')).toBe('connected');
    expect(await connect('https://evil.example')).toMatch(/^refused/);
    // The plain WebSocket route the web app uses, with the same checks.
    expect(await plainWebSocketHandshake(`http://127.0.0.1:${caddyPort}`, { origin: 'https://shell.example.com', cookie })).toBe('connected');
    expect(await plainWebSocketHandshake(`http://127.0.0.1:${caddyPort}`, { origin: 'https://evil.example', cookie })).toBe('refused: 403');
    expect(await plainWebSocketHandshake(`http://127.0.0.1:${caddyPort}`, { origin: 'https://shell.example.com', cookie: '' })).toBe('refused: 401');
  });
});
