// Clients that are slow on purpose: they must not hold connections open (docs/security.md, "Slow clients").
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectClient, startTerminalApp, type TerminalTestApp } from '../features/terminals/helpers.js';

const LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: '1000',
  HTTP_BODY_TIMEOUT_MS: '1000',
  UPLOAD_IDLE_TIMEOUT_MS: '2000',
  HTTP_MAX_CONNECTIONS_PER_ADDRESS: '6',
};

interface Probe {
  socket: Socket;
  received: () => string;
  closedAt: () => number | null;
}

async function open(app: TerminalTestApp): Promise<Probe> {
  const socket = connect(app.port, '127.0.0.1');
  let received = '';
  let closedAt: number | null = null;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => undefined);
  socket.on('close', () => (closedAt = performance.now()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, received: () => received, closedAt: () => closedAt };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes a byte every `everyMs` until the socket closes or `forMs` passed; returns when it stopped. */
async function trickle(probe: Probe, everyMs: number, forMs: number): Promise<void> {
  const until = performance.now() + forMs;
  while (probe.closedAt() === null && performance.now() < until) {
    if (!probe.socket.destroyed) probe.socket.write('x');
    await sleep(everyMs);
  }
}

describe('slow clients', () => {
  it('closes a connection whose request head never finishes', async () => {
    const app = await startTerminalApp(LIMITS);
    const probe = await open(app);
    const started = performance.now();
    probe.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    await trickle(probe, 300, 8000);
    expect(probe.closedAt()).not.toBeNull();
    expect(probe.closedAt()! - started).toBeLessThan(5000);
  });

  it('does not read the rest of a refused request: a 401 followed by a trickle of body bytes ends the connection', async () => {
    const app = await startTerminalApp(LIMITS);
    const probe = await open(app);
    probe.socket.write(`PATCH /api/settings HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"theme":`);
    await expect.poll(() => probe.received(), { timeout: 5000 }).toMatch(/^HTTP\/1\.1 401/);
    const answeredAt = performance.now();
    await trickle(probe, 200, 6000);
    expect(probe.closedAt()).not.toBeNull();
    expect(probe.closedAt()! - answeredAt).toBeLessThan(3000);
  });

  it('ends a signed-in request whose body takes longer than HTTP_BODY_TIMEOUT_MS, however steadily it trickles', async () => {
    const app = await startTerminalApp(LIMITS);
    const probe = await open(app);
    const started = performance.now();
    probe.socket.write(
      `PATCH /api/settings HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nOrigin: ${app.origin}\r\nCookie: ${app.cookie}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"theme":`,
    );
    await trickle(probe, 200, 8000);
    expect(probe.closedAt()).not.toBeNull();
    expect(probe.closedAt()! - started).toBeGreaterThanOrEqual(900);
    expect(probe.closedAt()! - started).toBeLessThan(5000);
  });

  it('lets an upload take as long as it keeps moving, and ends it once it stalls', async () => {
    const app = await startTerminalApp(LIMITS);
    const client = await connectClient(app);
    const { id } = await client.create();
    const probe = await open(app);
    probe.socket.write(
      `POST /api/terminals/${id}/files?name=slow.bin HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nOrigin: ${app.origin}\r\nCookie: ${app.cookie}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`,
    );
    // Moving: longer than the body timeout (1 s), never idle for the upload idle timeout (2 s).
    await trickle(probe, 400, 2500);
    expect(probe.closedAt()).toBeNull();
    const stalledAt = performance.now();
    await expect.poll(() => probe.closedAt(), { timeout: 6000 }).not.toBeNull();
    expect(probe.closedAt()! - stalledAt).toBeGreaterThanOrEqual(1500);
    await client.request('terminal:kill', { sessionId: id });
  });

  it('caps the connections one address may hold open', async () => {
    const app = await startTerminalApp(LIMITS);
    const probes: Probe[] = [];
    for (let i = 0; i < 9; i++) probes.push(await open(app));
    await expect.poll(() => probes.filter((probe) => probe.closedAt() !== null).length, { timeout: 3000 }).toBe(3);
    expect(probes.slice(0, 6).every((probe) => probe.closedAt() === null)).toBe(true);
    for (const probe of probes) probe.socket.destroy();
    // Freed places are given back.
    await sleep(200);
    const again = await open(app);
    again.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${app.port}\r\nConnection: close\r\n\r\n`);
    await expect.poll(() => again.received(), { timeout: 3000 }).toMatch(/^HTTP\/1\.1 200/);
  });
});
