import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { expect } from 'vitest';
import type { TerminalTestApp } from '../terminals/helpers.js';

const DEV_SERVER = path.join(import.meta.dirname, 'fixtures', 'dev-server.mjs');

export interface DevServer {
  port: number;
  child: ChildProcess;
  /** Every request it received, with its headers (WebSocket handshakes as method `WEBSOCKET`). */
  received(): Promise<{ method: string; url: string; headers: Record<string, string> }[]>;
  stop(): void;
}

/** The stand-in dev server (fixtures/dev-server.mjs) as a child process on a free loopback port. */
export async function startDevServer(): Promise<DevServer> {
  const child = spawn(process.execPath, [DEV_SERVER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev server did not start: ${output}`)), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`dev server exited ${code}: ${output}`)));
  });
  return {
    port,
    child,
    received: async () => (await (await fetch(`http://127.0.0.1:${port}/__received`)).json()) as never,
    stop: () => child.kill('SIGKILL'),
  };
}

/** Opens `/preview/<port>/` as the signed-in owner; returns the preview link it redirects to (`/preview/<port>/~…/`). */
export async function openPreview(app: TerminalTestApp, port: number, path = '/'): Promise<string> {
  const response = await fetch(`${app.origin}/preview/${port}${path}`, { headers: { cookie: app.cookie }, redirect: 'manual' });
  expect(response.status).toBe(302);
  const location = response.headers.get('location')!;
  expect(location).toMatch(new RegExp(`^/preview/${port}/~[A-Za-z0-9_-]{42}/`));
  return location;
}

/** The part of a preview link up to and including its capability's slash. */
export function linkBase(location: string): string {
  return /^\/preview\/\d+\/~[^/]+\//.exec(location)![0];
}
