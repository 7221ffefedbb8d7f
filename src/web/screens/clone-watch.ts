// Follows a clone the owner started, whatever screen shows meanwhile: its toast says "Cloning x…"
// until the clone ends, then "Cloned x." or why it failed.
import { toast, updateToast } from '../app/toast.js';
import type { CloneEvent } from '../app/types.js';

/** Names the "Cloning …" toast of a workspace, so that the end of its clone can settle it. */
const cloneToastKey = (workspaceId: string) => `clone:${workspaceId}`;

export function watchClone(workspace: { id: string; name: string }): void {
  const key = cloneToastKey(workspace.id);
  toast(`Cloning ${workspace.name}…`, 'info', key);
  // The workspace's own stream answers at once with the final state if the clone has already ended.
  const source = new EventSource(`/api/workspaces/${encodeURIComponent(workspace.id)}/events`);
  source.addEventListener('message', (message: MessageEvent<string>) => {
    const event = parseCloneEvent(message.data);
    if (event?.state === 'ready') {
      source.close();
      updateToast(key, `Cloned ${workspace.name}.`, 'success');
    } else if (event?.state === 'error') {
      source.close();
      // On Workspaces the card itself shows the error and what to do; elsewhere the toast says it.
      const onWorkspaces = location.pathname === '/workspaces';
      updateToast(key, onWorkspaces ? null : `Cloning ${workspace.name} failed: ${event.message ?? 'see its card'}. Its card under Workspaces can clone it again.`, 'error');
    }
  });
  // Refused for good (signed out, workspace deleted): nothing more will come; the toast goes.
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED) updateToast(key, null);
  });
}

function parseCloneEvent(data: string): CloneEvent | null {
  try {
    return JSON.parse(data) as CloneEvent;
  } catch {
    return null;
  }
}
