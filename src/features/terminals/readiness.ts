import { statfs } from 'node:fs/promises';
import { formatBytes } from '../../shared/units.js';
import type { TerminalHostView } from '../../shared/terminal-host.js';
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

/**
 * The `terminalHost` readiness check (docs/terminal-host.md): ok in-process, when connected, or in
 * auto mode when no host runs yet (the next terminal starts one); failing when a host runs that
 * refuses this server (restart it) or, in service mode, when none answers.
 */
export function createTerminalHostReadinessCheck(host: { inspect(): Promise<Pick<TerminalHostView, 'state' | 'message' | 'problem' | 'pid' | 'version'>> }) {
  return async (): Promise<CheckResult> => {
    const state = await host.inspect();
    switch (state.state) {
      case 'refused':
        return { status: 'fail', message: `${state.problem ?? state.message} Restart it in Operations or with \`npm run terminal-host -- restart\`.` };
      case 'unreachable':
        return { status: 'fail', message: state.problem ?? state.message };
      case 'connected':
        return { status: 'ok', message: state.message, pid: state.pid, version: state.version };
      default:
        return { status: 'ok', message: state.message };
    }
  };
}
