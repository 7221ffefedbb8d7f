import path from 'node:path';
import type { TerminalInfo } from '../../shared/terminals.js';
import type { TerminalDescription } from './policy.js';

export interface TerminalNameSources {
  /** A terminal by id (`app.terminals.get`); may throw for an unknown one. */
  terminal(id: string): Promise<TerminalInfo>;
  /** A workspace by id (`app.workspaces.service.get`); may throw for an unknown one. */
  workspace(id: string): Promise<{ name: string }>;
}

/**
 * `describeTerminal` for the notifier: the terminal's name (else its shell's, never what it runs:
 * a command line may hold a secret) and its workspace's; null for a terminal that no longer runs.
 */
export function describeTerminalWith(sources: TerminalNameSources): (sessionId: string) => Promise<TerminalDescription | null> {
  return async (sessionId) => {
    const terminal = await sources.terminal(sessionId).catch(() => null);
    if (!terminal || terminal.status !== 'active') return null;
    const workspace = terminal.workspaceId ? await sources.workspace(terminal.workspaceId).catch(() => null) : null;
    const described = { title: terminal.name ?? path.basename(terminal.shell), workspaceId: terminal.workspaceId, workspaceName: workspace?.name ?? null };
    // An agent run's terminal: a click opens the run (its page answers the request too).
    if (terminal.runId && terminal.workspaceId) return { ...described, url: `/workspaces/${encodeURIComponent(terminal.workspaceId)}/runs?run=${encodeURIComponent(terminal.runId)}`, approvalsOnly: true };
    return described;
  };
}
