// The subdomain mode's proxy blocks in docs/deploy.md ("Previews on their own host names"), run as
// written by a real Caddy and a real nginx in front of the real app with PREVIEW_DOMAIN: a preview
// host's ticket, cookie, page and WebSocket pass through each with their Host header kept. The test
// changes only what must differ on a test machine: ports, the certificate (none for Caddy, whose
// DNS challenge needs a provider; a self-signed wildcard for nginx) and the app's port. Skipped,
// visibly, where caddy, nginx or openssl is missing; failed in CI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildTestApp, signInAsOwner } from '../helpers/app.js';
import { freePort, waitForPort } from '../helpers/ports.js';
import { startDevServer, type DevServer } from '../features/preview/helpers.js';
import { ROOT } from './files.js';
import { hasTool } from './tools.js';

const DOMAIN = 'preview.example.net';
const hasCaddy = hasTool('caddy', ['version']);
const hasNginx = hasTool('nginx', ['-v']) && hasTool('openssl', ['version']);

const running: { child: ChildProcess; signal: NodeJS.Signals }[] = [];
const dirs: string[] = [];
let dev: DevServer | null = null;
afterEach(async () => {
  dev?.stop();
  dev = null;
  for (const { child, signal } of running.splice(0)) {
    if (child.exitCode === null) {
      child.kill(signal);
      await once(child, 'exit');
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The fenced block of `language` in deploy.md's subdomain mode section, as the reader copies it. */
function documentedBlock(language: 'caddyfile' | 'nginx'): string {
  const doc = readFileSync(path.join(ROOT, 'docs/deploy.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Previews on their own host names (subdomain mode)'));
  const match = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section.slice(0, section.indexOf('\n## ')));
  if (!match) throw new Error(`docs/deploy.md has no ${language} block for the subdomain mode any more`);
  return match[1]!;
}

function replace(text: string, from: string | RegExp, to: string): string {
  const next = text.replace(from, to);
  if (next === text) throw new Error(`the documented block no longer contains ${String(from)}`);
  return next;
}

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shellport-preview-hosts-'));
  dirs.push(dir);
  return dir;
}

async function startCaddy(port: number, appPort: number): Promise<void> {
  const dir = tempDir();
  let site = documentedBlock('caddyfile');
  site = replace(site, `*.${DOMAIN} {`, `http://*.${DOMAIN}:${port} {`);
  site = replace(site, /\ttls \{[\s\S]*?\n\t\}\n/, '');
  site = replace(site, 'reverse_proxy 127.0.0.1:3000', `reverse_proxy 127.0.0.1:${appPort}`);
  const config = path.join(dir, 'Caddyfile');
  writeFileSync(config, `{\n\tadmin off\n\tauto_https off\n}\n${site}`);
  const caddy = spawn('caddy', ['run', '--config', config, '--adapter', 'caddyfile'], {
    env: { PATH: process.env.PATH, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.push({ child: caddy, signal: 'SIGTERM' });
  let log = '';
  caddy.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForPort(port, caddy, 'caddy', () => log);
}

async function startNginx(port: number, appPort: number): Promise<void> {
  const dir = tempDir();
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=*.${DOMAIN}`, '-addext', `subjectAltName=DNS:*.${DOMAIN}`, '-keyout', key, '-out', cert], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  let site = documentedBlock('nginx');
  site = replace(site, /^\s*listen 443 ssl http2;$/m, `    listen 127.0.0.1:${port} ssl http2;`);
  site = replace(site, /^\s*listen \[::\]:443 ssl http2;$/m, '');
  site = replace(site, `/etc/letsencrypt/live/${DOMAIN}/fullchain.pem`, cert);
  site = replace(site, `/etc/letsencrypt/live/${DOMAIN}/privkey.pem`, key);
  site = replace(site, 'proxy_pass http://127.0.0.1:3000;', `proxy_pass http://127.0.0.1:${appPort};`);
  // The map lives in deploy/nginx.conf, which this block sits beside.
  const map = /^map \$http_upgrade \$connection_upgrade \{[\s\S]*?\n\}/m.exec(readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8'))?.[0];
  if (!map) throw new Error('deploy/nginx.conf no longer has the map of $connection_upgrade');
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
      map,
      site,
      '}',
    ].join('\n'),
  );
  const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  running.push({ child: nginx, signal: 'SIGQUIT' });
  let log = '';
  nginx.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForPort(port, nginx, 'nginx', () => `${log}\n${(() => { try { return readFileSync(path.join(dir, 'error.log'), 'utf8'); } catch { return ''; } })()}`);
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The owner's browser on a preview host, through the proxy on `port`. */
function browserAt(scheme: 'http' | 'https', port: number, host: string) {
  const tls = scheme === 'https' ? { servername: host, rejectUnauthorized: false } : {};
  return {
    get(pathAndQuery: string, cookie?: string): Promise<Answer> {
      return new Promise((resolve, reject) => {
        const headers = { host: `${host}:${port}`, ...(cookie ? { cookie } : {}) };
        const request = (scheme === 'https' ? https : http).request({ host: '127.0.0.1', port, path: pathAndQuery, headers, ...tls }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() }));
        });
        request.on('error', reject);
        request.end();
      });
    },
    webSocket(pathAndQuery: string, cookie: string): WebSocket {
      return new WebSocket(`${scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${port}${pathAndQuery}`, ['vite-hmr'], { headers: { host: `${host}:${port}`, cookie }, ...tls });
    },
  };
}

/** Opens a preview as the owner (on Shellport's own port), then follows it onto its preview host through the proxy. */
async function previewThroughProxy(scheme: 'http' | 'https', proxyPort: number, start: (appPort: number) => Promise<void>) {
  dev = await startDevServer();
  const { app } = await buildTestApp({ PREVIEW_DOMAIN: DOMAIN, PUBLIC_URL: `${scheme}://shell.example.net:${proxyPort}`, TRUST_PROXY: '127.0.0.1' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const appPort = (app.server.address() as AddressInfo).port;
  await start(appPort);
  const owner = await signInAsOwner(app);
  const opened = await app.inject({ url: `/preview/${dev.port}/?from=proxy`, headers: { cookie: owner, host: `shell.example.net:${proxyPort}` } });
  expect(opened.statusCode).toBe(302);
  const ticketUrl = new URL(opened.headers.location as string);
  expect(ticketUrl.origin).toBe(`${scheme}://${dev.port}.${DOMAIN}:${proxyPort}`);

  const browser = browserAt(scheme, proxyPort, `${dev.port}.${DOMAIN}`);
  expect((await browser.get('/')).status).toBe(401);
  const redeemed = await browser.get(`${ticketUrl.pathname}${ticketUrl.search}`);
  expect(redeemed.status).toBe(303);
  expect(redeemed.headers.location).toBe('/?from=proxy');
  const setCookie = redeemed.headers['set-cookie']![0]!;
  expect(setCookie).toMatch(scheme === 'https' ? /^__Host-shellport_preview=.*; Secure/ : /^shellport_preview=/);
  const cookie = setCookie.split(';')[0]!;

  const page = await browser.get('/?from=proxy', cookie);
  expect(page.status).toBe(200);
  expect(page.body).toContain('Hello from the dev server');
  expect((await browser.get('/mod.js', cookie)).body).toContain('module ran');

  const socket = browser.webSocket('/hmr', cookie);
  const messages: string[] = [];
  socket.on('message', (data: Buffer) => messages.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send('through the proxy');
  await expect.poll(() => messages).toEqual(['{"type":"connected"}', 'through the proxy']);
  socket.close();
  for (const entry of await dev.received()) expect(entry.headers.cookie ?? '').not.toMatch(/shellport/);
  // Another name under the wildcard that is not a port is refused by Shellport, behind the proxy too.
  expect((await browserAt(scheme, proxyPort, `www.${DOMAIN}`).get('/')).status).toBe(421);
}

describe('the subdomain mode behind a proxy, as docs/deploy.md shows it', () => {
  it.runIf(hasCaddy)('Caddy: a preview host’s ticket, cookie, page and WebSocket', async () => {
    const port = await freePort();
    await previewThroughProxy('http', port, (appPort) => startCaddy(port, appPort));
  });

  it.runIf(hasNginx)('nginx: the same over HTTPS with a wildcard certificate', async () => {
    const port = await freePort();
    await previewThroughProxy('https', port, (appPort) => startNginx(port, appPort));
  });
});
