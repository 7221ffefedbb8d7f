import PQueue from 'p-queue';

/**
 * Runs at most `concurrency` clones at once, first come first served (p-queue). Each job gets an
 * AbortSignal; cancelling a waiting job takes it out of the queue and runs it at once with the
 * signal already aborted, so the job itself records the cancellation the same way in both cases.
 *
 * p-queue's own `signal` option is used only to take a waiting job out of the queue: given to a
 * running job it would settle the job's promise, and free its slot, the moment the signal aborts,
 * while git is still winding down and the temporary clone is still being removed.
 */
export function createCloneQueue({ concurrency, onRunningChange }: { concurrency: number; onRunningChange?: (running: number) => void }) {
  interface Job {
    id: string;
    /** Aborts the job itself (what `run` receives). */
    controller: AbortController;
    /** Takes the job out of the queue while it waits. */
    dequeue: AbortController;
    run: (signal: AbortSignal) => Promise<void>;
    done: Promise<void>;
    resolve: () => void;
  }
  const queue = new PQueue({ concurrency });
  const waiting = new Map<string, Job>();
  const running = new Map<string, Job>();

  /** Runs a job to its end; jobs record their own failures, so nothing may escape as an unhandled rejection. */
  function execute(job: Job): Promise<void> {
    return job.run(job.controller.signal).catch(() => {});
  }

  return {
    /** Queues a job; `done` settles when it has finished (or was cancelled). */
    enqueue(id: string, run: (signal: AbortSignal) => Promise<void>): { done: Promise<void> } {
      let resolve!: () => void;
      const done = new Promise<void>((r) => (resolve = r));
      const job: Job = { id, controller: new AbortController(), dequeue: new AbortController(), run, done, resolve };
      waiting.set(id, job);
      queue
        .add(
          async () => {
            waiting.delete(id);
            running.set(id, job);
            onRunningChange?.(running.size);
            try {
              await execute(job);
            } finally {
              running.delete(id);
              onRunningChange?.(running.size);
              job.resolve();
            }
          },
          { signal: job.dequeue.signal },
        )
        .catch(() => {
          // Taken out of the queue by cancel(), which runs the job itself.
        });
      return { done };
    },
    has(id: string): boolean {
      return running.has(id) || waiting.has(id);
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
      const job = waiting.get(id);
      if (!job) return false;
      waiting.delete(id);
      job.dequeue.abort();
      job.controller.abort();
      // Outside the queue: a cancelled job takes no slot.
      void execute(job).finally(() => job.resolve());
      await job.done;
      return true;
    },
    async cancelAll(): Promise<void> {
      const ids = [...waiting.keys(), ...running.keys()];
      await Promise.all(ids.map((id) => this.cancel(id)));
    },
  };
}

export type CloneQueue = ReturnType<typeof createCloneQueue>;
