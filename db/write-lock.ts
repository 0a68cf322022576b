import type Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';

/** The first pause between two looks at the lock, and the longest (ms): quick when it frees soon, cheap when not. */
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 100;

/**
 * The write lock stayed taken as long as the connection waits: reported with SQLite's own code, so every caller
 * that maps SQLite's busy answer (to `ledger-busy`) maps this one alike.
 */
export class WriteLockBusy extends Error {
  readonly code = 'SQLITE_BUSY';
  constructor() {
    super('database is locked (the write lock stayed taken as long as this connection waits)');
    this.name = 'WriteLockBusy';
  }
}

/** True when SQLite answered that another connection holds the lock (any SQLITE_BUSY variant, or WriteLockBusy). */
export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * True when this connection could take SQLite's write lock right now: it takes it without waiting and gives it
 * back at once (nothing is written).
 */
export function writeLockFree(db: Database.Database): boolean {
  const waits = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return true;
  } catch (err) {
    if (isSqliteBusy(err)) return false;
    throw err;
  } finally {
    db.pragma(`busy_timeout = ${waits}`);
  }
}

/**
 * Waits, without blocking the thread, until the ledger's write lock is free, for at most `budgetMs` (default: as
 * long as the connection's own busy_timeout would block). A writing command on the main thread runs after it:
 * while a job on another connection holds the lock, SQLite's own wait would stop the whole process (every other
 * operator's searches and screens). Returns false when the lock stayed taken the whole time.
 *
 * The lock is given back before the command runs, so a writer that takes it in between still makes the command
 * wait the old way; this only keeps the common case (a long job holding the lock) off the thread.
 */
export async function waitForWriteLock(
  db: Database.Database,
  budgetMs = db.pragma('busy_timeout', { simple: true }) as number,
): Promise<boolean> {
  // Inside an open transaction of this connection the lock is held already (or the caller knows better).
  if (db.inTransaction || db.memory) return true;
  const deadline = performance.now() + budgetMs;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    if (writeLockFree(db)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    if (db.inTransaction) return true;
  }
}
