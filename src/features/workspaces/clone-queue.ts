/**
 * Runs at most `concurrency` clones at once, first come first served. Each job gets an
 * AbortSignal; cancelling a waiting job runs it at once with the signal already aborted, so the
 * job itself records the cancellation the same way in both cases.
 */
export function createCloneQueue({ concurrency, onRunningChange }: { concurrency: number; onRunningChange?: (running: number) => void }) {
  interface Job {
    id: string;
    controller: AbortController;
    run: (signal: AbortSignal) => Promise<void>;
    done: Promise<void>;
    resolve: () => void;
  }
  const waiting: Job[] = [];
  const running = new Map<string, Job>();

  function start(job: Job, counted: boolean): void {
    if (counted) {
      running.set(job.id, job);
      onRunningChange?.(running.size);
    }
    void job
      .run(job.controller.signal)
      .catch(() => {
        // Jobs record their own failures; nothing may escape as an unhandled rejection.
      })
      .finally(() => {
        if (counted) {
          running.delete(job.id);
          onRunningChange?.(running.size);
          pump();
        }
        job.resolve();
      });
  }

  function pump(): void {
    while (running.size < concurrency && waiting.length > 0) start(waiting.shift()!, true);
  }

  return {
    /** Queues a job; `done` settles when it has finished (or was cancelled). */
    enqueue(id: string, run: (signal: AbortSignal) => Promise<void>): { done: Promise<void>; queued: boolean } {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const job: Job = { id, controller: new AbortController(), run, done, resolve };
      waiting.push(job);
      pump();
      return { done, queued: !running.has(id) };
    },
    has(id: string): boolean {
      return running.has(id) || waiting.some((job) => job.id === id);
    },
    isRunning(id: string): boolean {
      return running.has(id);
    },
    /** Aborts a running or waiting job; resolves when it has finished. False when there is none. */
    async cancel(id: string): Promise<boolean> {
      const active = running.get(id);
      if (active) {
        active.controller.abort();
        await active.done;
        return true;
      }
      const index = waiting.findIndex((job) => job.id === id);
      if (index < 0) return false;
      const [job] = waiting.splice(index, 1);
      job!.controller.abort();
      start(job!, false);
      await job!.done;
      return true;
    },
    async cancelAll(): Promise<void> {
      const ids = [...waiting.map((job) => job.id), ...running.keys()];
      await Promise.all(ids.map((id) => this.cancel(id)));
    },
  };
}

export type CloneQueue = ReturnType<typeof createCloneQueue>;
