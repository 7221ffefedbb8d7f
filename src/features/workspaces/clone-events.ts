import { EventEmitter } from 'node:events';
import type { CloneEvent } from '../../shared/workspaces.js';

/** In-memory fan-out of clone events; remembers each running clone's latest event for late subscribers. */
export function createCloneEvents() {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const latest = new Map<string, CloneEvent>();

  return {
    publish(event: CloneEvent): void {
      if (event.state === 'ready' || event.state === 'error') latest.delete(event.workspaceId);
      else latest.set(event.workspaceId, event);
      emitter.emit('event', event);
    },
    /** Latest event of a clone that is queued or running. */
    current(workspaceId: string): CloneEvent | undefined {
      return latest.get(workspaceId);
    },
    all(): CloneEvent[] {
      return [...latest.values()];
    },
    subscribe(listener: (event: CloneEvent) => void): () => void {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
  };
}

export type CloneEvents = ReturnType<typeof createCloneEvents>;
