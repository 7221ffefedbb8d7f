import { AppError } from '../../http/errors.js';

const busy = (operation: string) =>
  new AppError(409, 'workspace_busy', `Another git operation (${operation}) is running on this workspace; wait for it to finish, then try again.`);

/** One git operation per workspace at a time (clone, fetch, pull, switch, delete); a second one is refused with 409. */
export function createOperationLocks() {
  const operations = new Map<string, string>();

  /** Holds the workspace for `operation`; the returned function releases it (a second call does nothing). */
  function acquire(workspaceId: string, operation: string): () => void {
    const current = operations.get(workspaceId);
    if (current) throw busy(current);
    operations.set(workspaceId, operation);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      operations.delete(workspaceId);
    };
  }

  /** Throws 409 workspace_busy while an operation holds the workspace, without taking it. */
  function ensureIdle(workspaceId: string): void {
    const current = operations.get(workspaceId);
    if (current) throw busy(current);
  }

  return { acquire, ensureIdle };
}

export type OperationLocks = ReturnType<typeof createOperationLocks>;
