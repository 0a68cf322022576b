import type Database from 'better-sqlite3';
import { resolve } from 'node:path';
import { writeLockFree } from './write-lock';

/**
 * Interactive writers first. On a team server the clerks' jobs (import, validate, submit) wait for the ledger's
 * one write lock in worker threads, one behind another; an interactive write (a confirmation, an analyst's move)
 * waits for it on the main thread. Whoever looked first after the lock changed hands took it, so with several jobs
 * queued the interactive write nearly always lost and was refused after its wait. A count shared by the threads
 * of the process says how many interactive writers wait; while it is not zero, a job does not begin its next
 * transaction (the one it is in finishes as before).
 */
const byFile = new Map<string, SharedArrayBuffer>();

/** The longest a job holds back for interactive writers before it begins anyway (they wait 30 s at most). */
const MAX_YIELD_MS = 60_000;

/** The count of interactive writers of this process waiting for a ledger file's lock, shared with job workers. */
export function writePriorityFor(file: string): SharedArrayBuffer {
  const key = resolve(file);
  let buffer = byFile.get(key);
  if (!buffer) {
    buffer = new SharedArrayBuffer(4);
    byFile.set(key, buffer);
  }
  return buffer;
}

/** An interactive writer wants the lock: until the returned release, jobs of this process let it go first. */
export function interactiveTurn(buffer: SharedArrayBuffer): () => void {
  const count = new Int32Array(buffer);
  Atomics.add(count, 0, 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    Atomics.sub(count, 0, 1);
    Atomics.notify(count, 0);
  };
}

/**
 * Blocks this (job worker) thread before a transaction until no interactive writer waits and the lock is free,
 * looking at the lock itself rather than waiting inside SQLite, whose retry would take the lock from them.
 */
function waitTurn(db: Database.Database, count: Int32Array): void {
  const deadline = performance.now() + MAX_YIELD_MS;
  let pause = 5;
  for (;;) {
    const waiting = Atomics.load(count, 0);
    if (waiting === 0 && writeLockFree(db)) return;
    if (performance.now() > deadline) return;
    // Woken early when the last interactive writer is done.
    Atomics.wait(count, 0, waiting, waiting > 0 ? 100 : pause);
    pause = Math.min(pause * 2, 100);
  }
}

/**
 * Makes a job's connection let interactive writers go first: every outermost `db.transaction(...)` waits its
 * turn (see waitTurn). A transaction already open is never held back (its lock is what they wait for). Answers
 * the wait itself, for the port's transactions on the connection.
 */
export function yieldToInteractiveWriters(db: Database.Database, buffer: SharedArrayBuffer): () => void {
  const count = new Int32Array(buffer);
  const plain = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const tx = plain(fn);
    const turned =
      (run: (...args: never[]) => unknown) =>
      (...args: never[]): unknown => {
        if (!db.inTransaction) waitTurn(db, count);
        return run(...args);
      };
    // The variants are closures that need no `this` (as in db/client.ts); each waits its turn alike.
    /* eslint-disable @typescript-eslint/unbound-method */
    return Object.assign(turned(tx), {
      default: turned(tx.default),
      deferred: turned(tx.deferred),
      immediate: turned(tx.immediate),
      exclusive: turned(tx.exclusive),
    });
    /* eslint-enable @typescript-eslint/unbound-method */
  }) as typeof db.transaction;
  // The same wait for a storage port transaction on this connection (it begins with BEGIN, not db.transaction).
  return () => {
    if (!db.inTransaction) waitTurn(db, count);
  };
}
