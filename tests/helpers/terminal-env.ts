import { readFileSync, readlinkSync } from 'node:fs';
import { vi } from 'vitest';

/** The environment a terminal's shell started with, once node-pty's child has exec'd the shell. */
export async function shellEnvironment(pid: number): Promise<Record<string, string>> {
  // During exec, /proc/<pid>/exe already names the shell while /proc/<pid>/environ still reads empty:
  // wait for the environment itself (every terminal gets TERM).
  return vi.waitFor(
    () => {
      if (readlinkSync(`/proc/${pid}/exe`) === process.execPath) throw new Error('the shell has not started yet');
      const env = parseEnviron(readFileSync(`/proc/${pid}/environ`, 'utf8'));
      if (env.TERM === undefined) throw new Error('the shell has not started yet');
      return env;
    },
    { timeout: 20_000, interval: 25 },
  );
}

function parseEnviron(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}
