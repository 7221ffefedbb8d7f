// A tiny reverse proxy on loopback that forwards like Caddy or nginx in front of Shellport: it keeps
// the Host header, appends the address of whoever connected to it to X-Forwarded-For, and sets
// X-Forwarded-Proto/-Host to what the browser used. WebSocket upgrades are passed through too.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { afterEach } from 'vitest';

export interface ForwardingProxy {
  port: number;
  close(): Promise<void>;
}

const openProxies: ForwardingProxy[] = [];
afterEach(async () => {
  for (const proxy of openProxies.splice(0)) await proxy.close();
});

function forwardedHeaders(request: IncomingMessage, proto: string): IncomingHttpHeaders {
  const client = request.socket.remoteAddress!.replace(/^::ffff:/, '');
  const prior = request.headers['x-forwarded-for'];
  return {
    ...request.headers,
    'x-forwarded-for': prior ? `${prior}, ${client}` : client,
    'x-forwarded-proto': proto,
    'x-forwarded-host': request.headers.host ?? '',
  };
}

/** Starts a proxy to `target` (the app's port on 127.0.0.1) that tells the app browsers came over `proto`. Closed after each test. */
export async function startForwardingProxy(target: number, proto: 'https' | 'http' = 'https'): Promise<ForwardingProxy> {
  const server = http.createServer((request, response) => {
    const upstream = http.request(
      { host: '127.0.0.1', port: target, method: request.method, path: request.url, headers: forwardedHeaders(request, proto) },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.writeHead(502).end());
    request.pipe(upstream);
  });
  server.on('upgrade', (request: IncomingMessage, socket: net.Socket, head: Buffer) => {
    const upstream = net.connect(target, '127.0.0.1', () => {
      const headers = forwardedHeaders(request, proto);
      const lines = Object.entries(headers).flatMap(([name, value]) => [value ?? []].flat().map((v) => `${name}: ${v}`));
      upstream.write(`${request.method} ${request.url} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on('error', end);
    socket.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: ForwardingProxy = {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  openProxies.push(proxy);
  return proxy;
}

export interface PlainResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request from a chosen local address (127.0.0.2, 127.0.0.3… stand for different clients on
 * the internet: Linux routes all of 127.0.0.0/8 to loopback). With `tls`, HTTPS to that server name,
 * trusting any certificate (the tests' throwaway ones).
 */
export function requestFrom(
  localAddress: string,
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; tls?: { servername: string } } = {},
): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, localAddress, method: options.method ?? 'GET', agent: false };
    const onResponse = (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    };
    const request = options.tls
      ? https.request({ ...common, servername: options.tls.servername, rejectUnauthorized: false, headers: { host: options.tls.servername, ...options.headers } }, onResponse)
      : http.request({ ...common, headers: options.headers }, onResponse);
    request.on('error', reject);
    request.end();
  });
}
