// What an ended terminal says about its end, and what the keys typed into it do. DOM-free.
import { isFocusReport } from './query-gate.js';

/** How a terminal ended, in words (TerminalInfo.endReason and exitCode). */
export function describeEnd(exitCode: number | null, reason: string | null): string {
  switch (reason) {
    case null:
    case 'exited':
      return exitCode === null || exitCode === 0 ? 'The shell exited.' : `The shell exited with code ${exitCode}.`;
    case 'killed':
      return 'Closed from Shellport.';
    case 'idle-timeout':
      return 'Ended after being idle for longer than the idle limit.';
    case 'server-shutdown':
      return 'Ended when the Shellport server stopped.';
    case 'server-restart':
      return 'Ended when the Shellport server restarted.';
    case 'workspace-deleted':
      return 'Ended because its workspace was deleted.';
    case 'spawn-failed':
      return 'The shell could not start.';
    default:
      return `Ended (${reason}).`;
  }
}

export interface EndedKeyAction {
  /** Whether keys other than Enter were typed since the last Enter. */
  typed: boolean;
  startAgain: boolean;
  /** Say that typing here goes nowhere. */
  hint: boolean;
}

/** Mouse reports (X10 and SGR) and focus reports: the terminal's, not typed keys. */
function isReport(data: string): boolean {
  return isFocusReport(data) || data.startsWith('\x1b[M') || data.startsWith('\x1b[<');
}

/**
 * Keys typed into an ended terminal reach no shell. An Enter on its own starts it again; a line typed
 * and entered there does not (nor does a paste ending in a newline), so no part of it runs anywhere.
 */
export function endedKeyAction(typed: boolean, data: string): EndedKeyAction {
  if (isReport(data)) return { typed, startAgain: false, hint: false };
  if (data === '\r') return typed ? { typed: false, startAgain: false, hint: true } : { typed: false, startAgain: true, hint: false };
  if (/[\r\n]$/.test(data)) return { typed: false, startAgain: false, hint: true };
  return { typed: true, startAgain: false, hint: true };
}
