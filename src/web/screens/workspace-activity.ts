// What a workspace is doing, in a few words for its card (issue 16: "Idle" said little). DOM-free, so
// that its wording is unit-tested in Node.
import type { GitStatusView, WorkspaceView } from '../../shared/workspaces.js';

const DAY_MS = 86_400_000;

const count = (n: number, one: string, many: string) => (n === 1 ? `1 ${one}` : `${n} ${many}`);

/**
 * "2 terminals running · 3 files changed · 1 commit to push", or "No changes, no terminal running";
 * a workspace unused for its archive period says for how long. `status` is null until git's answer
 * arrives (then only the terminals are known).
 */
export function describeActivity(
  workspace: Pick<WorkspaceView, 'activeTerminals' | 'status' | 'lastActivityAt'>,
  status: Pick<GitStatusView, 'changedFiles' | 'conflicted' | 'ahead' | 'behind'> | null,
  now = Date.now(),
): string {
  const parts: string[] = [];
  if (workspace.activeTerminals > 0) parts.push(`${count(workspace.activeTerminals, 'terminal', 'terminals')} running`);
  if (status) {
    if (status.conflicted > 0) parts.push(`${count(status.conflicted, 'file', 'files')} in conflict`);
    const changed = status.changedFiles - status.conflicted;
    if (changed > 0) parts.push(`${count(changed, 'file', 'files')} changed`);
    // As of the last fetch, like the card's Upstream fact.
    if (status.ahead > 0) parts.push(`${count(status.ahead, 'commit', 'commits')} to push`);
    if (status.behind > 0) parts.push(`${count(status.behind, 'commit', 'commits')} to pull`);
  }
  if (parts.length > 0) return parts.join(' · ');
  const quiet = status ? 'No changes, no terminal running' : 'No terminal running';
  if (workspace.status !== 'archived') return quiet;
  const days = Math.floor((now - new Date(workspace.lastActivityAt).getTime()) / DAY_MS);
  return `${quiet}; not used for ${count(days, 'day', 'days')}`;
}
