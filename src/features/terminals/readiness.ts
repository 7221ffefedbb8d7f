import { statfs } from 'node:fs/promises';
import { formatBytes } from '../../shared/units.js';
import type { CheckResult } from '../health/readiness.js';
import type { OutputStore } from './output-store.js';

/**
 * The `scrollback` readiness check. Terminals keep working when their output cannot be saved, so
 * it warns and never fails: running terminals whose latest write failed, or less free space in
 * SCROLLBACK_DIR's file system than MIN_FREE_DISK_MB (it may be another file system than DATA_DIR's).
 */
export function createScrollbackReadinessCheck({ dir, minFreeBytes, store }: { dir: string; minFreeBytes: number; store: Pick<OutputStore, 'health'> }) {
  return async (): Promise<CheckResult> => {
    const { failingTerminals, lastError } = store.health();
    let freeBytes: number;
    try {
      const stats = await statfs(dir);
      freeBytes = stats.bavail * stats.bsize;
    } catch (error) {
      return {
        status: 'warn',
        message: `Cannot read SCROLLBACK_DIR (${(error as NodeJS.ErrnoException).code ?? 'error'}): terminal output is not being saved. Check that it exists and that the Shellport user owns it.`,
      };
    }
    const free = formatBytes(freeBytes);
    if (failingTerminals > 0) {
      return {
        status: 'warn',
        message: `The output of ${failingTerminals} running terminal(s) could not be saved to SCROLLBACK_DIR (${lastError}); they keep running, but their scrollback has gaps. Check the directory's free space (${free}) and permissions.`,
        failingTerminals,
        freeBytes,
      };
    }
    if (freeBytes < minFreeBytes) {
      return {
        status: 'warn',
        message: `Only ${free} free in SCROLLBACK_DIR, below MIN_FREE_DISK_MB (${formatBytes(minFreeBytes)}): terminal output may soon not be saved. Free some space.`,
        freeBytes,
      };
    }
    return { status: 'ok', message: `${free} free in SCROLLBACK_DIR; terminal output is being saved.`, freeBytes };
  };
}
