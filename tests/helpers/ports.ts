// Loopback ports for tests that start real servers (the app, Caddy, nginx) in other processes.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port that was free a moment ago (for a server that must be told its port before it starts). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Waits until `child` accepts connections on 127.0.0.1:`port` (at most 15 s); fails early, with
 * the child's own log, if it exits.
 */
export async function waitForPort(port: number, child: ChildProcess, name: string, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${log()}`);
    const connected = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.end(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${port} within 15 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
