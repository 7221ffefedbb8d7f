import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const BOOT_ID = '/proc/sys/kernel/random/boot_id';

/**
 * Whether the machine booted since the server last started here: compares the kernel's boot id
 * with the one recorded in DATA_DIR, then records the current one. False without /proc, or on the
 * first start.
 */
export function detectReboot(dataDir: string, bootIdFile = BOOT_ID): boolean {
  let current: string;
  try {
    current = readFileSync(bootIdFile, 'utf8').trim();
  } catch {
    return false;
  }
  const recordFile = path.join(dataDir, 'boot-id');
  let previous: string | null = null;
  try {
    previous = readFileSync(recordFile, 'utf8').trim();
  } catch {
    previous = null;
  }
  if (previous !== current) writeFileSync(recordFile, `${current}\n`, { mode: 0o600 });
  return previous !== null && previous !== current;
}
