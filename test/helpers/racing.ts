import type { SQL } from 'drizzle-orm';
import type { Storage, Tx, TxOptions } from '../../db/storage/port';

/**
 * The storage with every transaction's first attempt held before its query number `holdAt` (1: before its first)
 * until `parties` transactions have got there, or half a second has passed: SQLite's transactions run one after
 * another, so there the first never meets the next. On PostgreSQL each has then done its work up to the rule's check
 * while no other has committed: the interleaving that breaks a check-then-write without a conditional statement or
 * serializable isolation. `writesOnly` lets read-only transactions (a gate's read) pass unheld and uncounted.
 * `attempts` counts every run of a held transaction's function, retries included.
 */
export function racing(
  storage: Storage,
  parties: number,
  opts: { holdAt?: number; writesOnly?: boolean } = {},
): { storage: Storage; attempts: () => number } {
  const holdAt = opts.holdAt ?? 1;
  let attempts = 0;
  let arrived = 0;
  let release!: () => void;
  const met = new Promise<void>((resolve) => (release = resolve));
  setTimeout(release, 500).unref();
  const held = (tx: Tx): Tx => {
    let queries = 0;
    const gate = async (): Promise<void> => {
      if (++queries !== holdAt) return;
      if (++arrived === parties) release();
      await met;
    };
    return {
      dialect: tx.dialect,
      all: async <T>(q: SQL) => (await gate(), tx.all<T>(q)),
      get: async <T>(q: SQL) => (await gate(), tx.get<T>(q)),
      run: async (q: SQL) => (await gate(), tx.run(q)),
    };
  };
  return {
    storage: {
      dialect: storage.dialect,
      transaction<T>(fn: (tx: Tx) => Promise<T>, txOpts?: TxOptions): Promise<T> {
        if (opts.writesOnly && txOpts?.readOnly) return storage.transaction(fn, txOpts);
        let first = true;
        return storage.transaction((tx) => {
          attempts++;
          const t = first ? held(tx) : tx;
          first = false;
          return fn(t);
        }, txOpts);
      },
      close: () => storage.close(),
    },
    attempts: () => attempts,
  };
}
