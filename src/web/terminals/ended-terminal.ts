// What an ended terminal says about its end, and what the keys typed into it do. DOM-free.
import { END_REASON_REBOOT, type TerminalInfo } from '../../shared/terminals.js';
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
    case END_REASON_REBOOT:
      return 'Ended by a reboot.';
    case 'host-exited':
      return 'Ended when the terminal host stopped unexpectedly.';
    case 'host-restarted':
      return 'Ended when the terminal host was restarted.';
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

/** Where an ended terminal was and what it ran, when that was recorded (issue 19), for its bar. */
export function describeWhereItWas(terminal: Pick<TerminalInfo, 'cwd' | 'lastCwd' | 'lastCommand'>): string {
  const where = `In ${terminal.lastCwd ?? terminal.cwd}`;
  return terminal.lastCommand ? `${where}, running ${terminal.lastCommand}` : where;
}

/** The agent whose conversation "Resume conversation" resumes, in words; null when none was recorded. */
export function resumableAgent(terminal: Pick<TerminalInfo, 'agentSession'>): string | null {
  const session = terminal.agentSession;
  if (!session) return null;
  return session.agent === 'claude' ? 'Claude Code' : 'Codex';
}

/** Terminals ended by a reboot and not started again yet: what the "Start all again" notice offers. */
export function endedByReboot(terminals: readonly TerminalInfo[]): TerminalInfo[] {
  return terminals.filter((terminal) => terminal.status === 'terminated' && terminal.endReason === END_REASON_REBOOT && !terminal.restartedAs);
}

/** The notice's sentence for `count` terminals ended by a reboot. */
export function rebootNoticeText(count: number): string {
  return count === 1 ? 'One terminal ended when the machine restarted.' : `${count} terminals ended when the machine restarted.`;
}
