import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostPaths } from './protocol.js';

/**
 * The token a server shows the terminal host (docs/terminal-host.md), from DATA_DIR/terminal-host/token;
 * whichever of the two starts first creates it (0600, in a directory of mode 0700).
 */
export function ensureHostToken(dir: string): string {
  const paths = hostPaths(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  try {
    return readFileSync(paths.token, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  try {
    writeFileSync(paths.token, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // The other process created it at the same moment: its token is the one.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(paths.token, 'utf8').trim();
    throw error;
  }
  return token;
}

