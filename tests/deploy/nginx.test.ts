// The project's deploy/nginx.conf, run by a real nginx (Debian's package, installed by .ci/run) with a
// throwaway self-signed certificate in front of the real app: HTTPS end to end, the HTTP→HTTPS
// redirect, the browser's address forwarded (TRUST_PROXY), Secure cookies and WebSocket upgrades over
// wss. The test changes only what must differ on a test machine: listening ports, certificate
// paths and the app's port. Skipped, visibly, where nginx or openssl is not installed; failed in CI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const hasNginx = hasTool('nginx', ['-v']) && hasTool('openssl', ['version']);
const PUBLIC_HOST = 'shell.example.com';
const running: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const nginx of running.splice(0)) {
    if (nginx.exitCode === null) {
      nginx.kill('SIGQUIT');
      await once(nginx, 'exit');
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});



/** Runs deploy/nginx.conf in front of the app on `appPort`; returns its HTTP and HTTPS ports. */
async function startNginx(appPort: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'shellport-nginx-'));
  dirs.push(dir);
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${PUBLIC_HOST}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);

  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const shipped = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8');
  const replace = (text: string, from: string | RegExp, to: string) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`deploy/nginx.conf no longer contains ${String(from)}`);
    return next;
  };
  let site = shipped;
  site = replace(site, /^\s*listen 80;$/m, `    listen 127.0.0.1:${httpPort};`);
  site = replace(site, /^\s*listen \[::\]:80;$/m, '');
  site = replace(site, /^\s*listen 443 ssl http2;$/m, `    listen 127.0.0.1:${httpsPort} ssl http2;`);
  site = replace(site, /^\s*listen \[::\]:443 ssl http2;$/m, '');
  site = replace(site, /\/etc\/letsencrypt\/live\/shell\.example\.com\/fullchain\.pem/, cert);
  site = replace(site, /\/etc\/letsencrypt\/live\/shell\.example\.com\/privkey\.pem/, key);
  site = replace(site, 'proxy_pass http://127.0.0.1:3000;', `proxy_pass http://127.0.0.1:${appPort};`);
  writeFileSync(path.join(dir, 'site.conf'), site);
  // What /etc/nginx/nginx.conf provides around a site, kept inside the temp directory.
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'worker_processes 1;',
      'events {}',
      'http {',
      '  access_log off;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`),
      `  include ${dir}/site.conf;`,
      '}',
    ].join('\n'),
  );
  const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push(nginx);
  let log = '';
  nginx.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const errorLog = () => `${log}\n${(() => { try { return readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return ''; } })()}`;
  await waitForPort(httpsPort, nginx, 'nginx', errorLog);
  await waitForPort(httpPort, nginx, 'nginx', errorLog);
  return { httpPort, httpsPort };
}

/** An HTTPS request from a chosen local address to nginx, as the browser at PUBLIC_HOST. */
const httpsFrom = (localAddress: string, port: number, urlPath: string, headers: Record<string, string> = {}) =>
  requestFrom(localAddress, port, urlPath, { headers, tls: { servername: PUBLIC_HOST } });

async function appBehindNginx({ echoRoute = false } = {}) {
  const testApp = await buildTestApp({ TRUST_PROXY: '127.0.0.1', PUBLIC_URL: `https://${PUBLIC_HOST}`, TOKEN_SIGN_IN: 'true' });
  if (echoRoute) {
    // A plain WebSocket route (@fastify/websocket takes over every upgrade, so not with Socket.IO).
    await testApp.app.register(websocket);
    testApp.app.get('/ws-echo', { websocket: true, config: PUBLIC_ROUTE }, (socket, request) => {
      socket.on('message', (data: Buffer) => socket.send(`${request.ip} ${request.protocol} ${data.toString()}`));
    });
  }
  await testApp.app.listen({ host: '127.0.0.1', port: 0 });
  return { ...testApp, ...(await startNginx((testApp.app.server.address() as net.AddressInfo).port)) };
}

describe.runIf(hasNginx)('deploy/nginx.conf with a real nginx and TLS', () => {
  it('redirects http to https, forwards the browser’s address and sets Secure cookies', async () => {
    const { app, logLines, httpPort, httpsPort } = await appBehindNginx();

    const plain = await requestFrom('127.0.0.2', httpPort, '/healthz', { headers: { host: PUBLIC_HOST } });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe(`https://${PUBLIC_HOST}/healthz`);

    const probe = await httpsFrom('127.0.0.2', httpsPort, '/api/me', { 'x-forwarded-for': '198.51.100.66' });
    expect(probe.status).toBe(401);
    const line = logLines().find((l) => l.reqId === probe.headers['x-request-id'] && typeof l.req === 'object');
    expect((line?.req as { remoteAddress?: string } | undefined)?.remoteAddress).toBe('127.0.0.2');

    const signIn = await httpsFrom('127.0.0.2', httpsPort, `/auth/token?token=${encodeURIComponent(app.startupToken.value)}`);
    expect(signIn.status).toBe(302);
    const session = [signIn.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('__Host-shellport_session='));
    expect(session).toMatch(/;\s*Secure/i);
    const [login] = await app.db.authLog.findMany({ where: { action: 'login' } });
    expect(login?.ip).toBe('127.0.0.2');
  });

  it('upgrades WebSockets over wss to the app, which sees the browser’s address and https', async () => {
    const { httpsPort } = await appBehindNginx({ echoRoute: true });
    const client = new WebSocket(`wss://127.0.0.1:${httpsPort}/ws-echo`, { localAddress: '127.0.0.2', rejectUnauthorized: false });
    await once(client, 'open');
    client.send('hello');
    const [reply] = (await once(client, 'message')) as [Buffer];
    expect(reply.toString()).toBe('127.0.0.2 https hello');
    client.close();
    await once(client, 'close');
  });

  it('lets the terminals’ Socket.IO handshake and the plain WebSocket through over wss, with the session cookie and Origin checks intact', async () => {
    const { app, httpsPort } = await appBehindNginx();
    const cookie = await signInAsOwner(app);
    const connect = (origin: string) => socketIoHandshake(`https://127.0.0.1:${httpsPort}`, { origin, cookie });
    expect(await connect(`https://${PUBLIC_HOST}`)).toBe('connected');
    expect(await connect('https://evil.example')).toMatch(/^refused/);
    // The plain WebSocket route the web app uses, with the same checks.
    expect(await plainWebSocketHandshake(`https://127.0.0.1:${httpsPort}`, { origin: `https://${PUBLIC_HOST}`, cookie })).toBe('connected');
    expect(await plainWebSocketHandshake(`https://127.0.0.1:${httpsPort}`, { origin: 'https://evil.example', cookie })).toBe('refused: 403');
    expect(await plainWebSocketHandshake(`https://127.0.0.1:${httpsPort}`, { origin: `https://${PUBLIC_HOST}`, cookie: '' })).toBe('refused: 401');
  });
});
