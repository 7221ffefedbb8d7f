// The dashboard (issue 20 §4): every running terminal across workspaces, the ones needing the owner
// first. Built from what the features already know; it asks, it owns nothing.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DASHBOARD_PREVIEW_ROWS, type DashboardRun, type DashboardTerminal, type HookAgent } from '../../shared/attention.js';
import { RUN_AGENT_NAMES, type RunView } from '../../shared/runs.js';
import { oneLine } from '../../shared/text.js';
import type { TerminalInfo } from '../../shared/terminals.js';

export interface DashboardDeps {
  listRunning(): Promise<TerminalInfo[]>;
  listWorkspaces(): Promise<Array<{ id: string; name: string; localPath: string }>>;
  /** The last `rows` non-blank rows of a running terminal's screen, plain text (the terminal manager's `screenPreview`). */
  screenPreview(sessionId: string, rows: number): Promise<string[]>;
  /** What an agent's hooks said about the terminal (issue 20 §1); none without hooks. */
  agentFor?(sessionId: string): { name: HookAgent; task: string | null } | null;
  pendingApprovalFor?(sessionId: string): { id: string } | null;
  /** Agent runs that have not ended, oldest first (the runs feature's). */
  listActiveRuns?(): Promise<RunView[]>;
}

/** The branch a `.git/HEAD` file names; null when HEAD is detached or the text is not a HEAD file. */
export function branchFromHead(head: string): string | null {
  const match = /^ref: refs\/heads\/(.+)\s*$/.exec(head.trim());
  return match ? match[1]! : null;
}

/** Where the dashboard puts each terminal: needing the owner first, then approval and waiting, then the most recent change. */
export function compareDashboardTerminals(a: DashboardTerminal, b: DashboardTerminal): number {
  const rank = (t: DashboardTerminal) => (t.activity?.needsYou ? 0 : t.activity?.state === 'approval' || t.activity?.state === 'waiting' ? 1 : 2);
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  const since = (t: DashboardTerminal) => (t.activity ? Date.parse(t.activity.since) : 0);
  // Needing the owner: the longest waiting first; the rest: the latest change first.
  return rank(a) === 0 ? since(a) - since(b) : since(b) - since(a);
}

/** A terminal's name in lists: the owner's name for it, else what it runs, else its shell. */
export function terminalTitle(terminal: Pick<TerminalInfo, 'name' | 'lastCommand' | 'shell'>): string {
  return terminal.name ?? terminal.lastCommand ?? (terminal.shell.split('/').pop() || 'terminal');
}

async function readBranch(dir: string): Promise<string | null> {
  const head = await readFile(path.join(dir, '.git', 'HEAD'), 'utf8').catch(() => null);
  return head === null ? null : branchFromHead(head);
}

const RUN_RANK: Record<DashboardRun['status'], number> = { running: 0, 'waiting-retry': 1, queued: 2 };

/** Runs waiting for the owner's approval first, then running, waiting to retry, queued; oldest first within each. */
export function compareDashboardRuns(a: DashboardRun, b: DashboardRun): number {
  const rank = (run: DashboardRun) => (run.approvalId ? -1 : RUN_RANK[run.status]);
  return rank(a) - rank(b) || Date.parse(a.since) - Date.parse(b.since);
}

export function createDashboard(deps: DashboardDeps) {
  return {
    async runs(): Promise<DashboardRun[]> {
      if (!deps.listActiveRuns) return [];
      const [runs, workspaces] = await Promise.all([deps.listActiveRuns(), deps.listWorkspaces()]);
      const names = new Map(workspaces.map((workspace) => [workspace.id, workspace.name]));
      return runs
        .filter((run): run is RunView & { status: DashboardRun['status'] } => run.status in RUN_RANK)
        .map((run) => ({
          id: run.id,
          workspaceId: run.workspaceId,
          workspaceName: names.get(run.workspaceId) ?? null,
          agent: RUN_AGENT_NAMES[run.agent],
          status: run.status,
          prompt: oneLine(run.prompt, 200),
          since: run.startedAt ?? run.createdAt,
          approvalId: run.status === 'running' && run.terminalId ? (deps.pendingApprovalFor?.(run.terminalId)?.id ?? null) : null,
        }))
        .sort(compareDashboardRuns);
    },

    async terminals(): Promise<DashboardTerminal[]> {
      const [terminals, workspaces] = await Promise.all([deps.listRunning(), deps.listWorkspaces()]);
      const byId = new Map(workspaces.map((workspace) => [workspace.id, workspace]));
      const branches = new Map<string, Promise<string | null>>();
      const branchOf = (workspaceId: string | null) => {
        const workspace = workspaceId ? byId.get(workspaceId) : undefined;
        if (!workspace) return Promise.resolve(null);
        if (!branches.has(workspace.id)) branches.set(workspace.id, readBranch(workspace.localPath));
        return branches.get(workspace.id)!;
      };
      const rows = await Promise.all(
        terminals.map(async (terminal): Promise<DashboardTerminal> => {
          const [branch, preview] = await Promise.all([branchOf(terminal.workspaceId), deps.screenPreview(terminal.id, DASHBOARD_PREVIEW_ROWS)]);
          return {
            id: terminal.id,
            workspaceId: terminal.workspaceId,
            workspaceName: terminal.workspaceId ? (byId.get(terminal.workspaceId)?.name ?? null) : null,
            branch,
            title: terminalTitle(terminal),
            activity: terminal.activity ?? null,
            preview,
            lastLine: preview.at(-1) ?? null,
            agent: deps.agentFor?.(terminal.id) ?? null,
            approvalId: deps.pendingApprovalFor?.(terminal.id)?.id ?? null,
          };
        }),
      );
      return rows.sort(compareDashboardTerminals);
    },
  };
}

export type Dashboard = ReturnType<typeof createDashboard>;
