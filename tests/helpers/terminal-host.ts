import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The terminal hosts serving DATA_DIR (docs/terminal-host.md), found by their command line: a host
 * outlives the app that started it by design, so tests that start one find it here and end it.
 */
export function terminalHostPids(dataDir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', '--', `--dir ${path.join(dataDir, 'terminal-host')}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when none matches
  }
}

/** Ends the terminal hosts of DATA_DIR (their terminals end with them). */
export function stopTerminalHosts(dataDir: string): void {
  for (const pid of terminalHostPids(dataDir)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}
