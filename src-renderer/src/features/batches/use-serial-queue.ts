import { useCallback, useMemo, useRef } from 'react';

/** Runs tasks one after another; each task sees the ledger as the previous one left it. */
export type SerialQueue = {
  /** Queues a task and resolves with its result once every earlier task has finished. */
  run: <T>(task: () => Promise<T>) => Promise<T>;
  /** Resolves when every task queued so far has finished (failed tasks included). */
  idle: () => Promise<void>;
};

/**
 * A serial queue for the batch's mutations: a cell save, an undo, a new entry and Validate reach the service in
 * the order the clerk made them, so a Validate pressed while a save is in flight validates the saved value.
 */
export function useSerialQueue(): SerialQueue {
  const tail = useRef<Promise<unknown>>(Promise.resolve());

  // The queue object never changes identity: the grid's handlers depend on it, and a new handler on every save
  // would make the grid update its options while the clerk types.
  const run = useCallback(<T>(task: () => Promise<T>): Promise<T> => {
    const next = tail.current.then(task);
    // The chain continues after a failure; the caller still sees the rejection.
    tail.current = next.catch(() => undefined);
    return next;
  }, []);

  const idle = useCallback(() => tail.current.then(() => undefined), []);

  return useMemo(() => ({ run, idle }), [run, idle]);
}
