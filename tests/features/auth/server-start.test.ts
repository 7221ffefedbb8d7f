import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/app.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const children: ChildProcess[] = [];
afterEach(() => children.splice(0).forEach((child) => child.exitCode === null && child.kill('SIGKILL')));

describe('start-up sign-in URL', () => {
  it('is printed on the console (not in a log line) and signs a real browser request in', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PORT: '0', DATA_DIR: makeTempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const deadline = Date.now() + 20_000;
    let match: RegExpMatchArray | null = null;
    while (!match && Date.now() < deadline && child.exitCode === null) {
      match = output.match(/^Sign in to Shellport with this URL \(its token changes at every start\): (http:\/\/127\.0\.0\.1:\d+\/auth\/token\?token=([\w-]+))$/m);
      if (!match) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(match, output).not.toBeNull();
    const [, url, token] = match!;

    const response = await fetch(url!, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    expect(response.headers.get('set-cookie')).toMatch(/^shellport_session=[\w-]{43};/);
    const jsonLines = output.split('\n').filter((line) => line.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(0);
    expect(jsonLines.join('\n')).not.toContain(token!);
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  });
});
