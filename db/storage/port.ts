import type { SQL } from 'drizzle-orm';

/**
 * The storage seam (issue #17): services that have moved behind it talk to one async transaction port and a
 * repository per aggregate, never to a driver. SQLite (better-sqlite3, the embedded default) and PostgreSQL
 * (a team server's shared ledger) each have an adapter; queries are drizzle `sql` templates, compiled for the
 * adapter's dialect (placeholders, quoting), with dialect-specific SQL only where a repository asks `tx.dialect`.
 */
export type Dialect = 'sqlite' | 'postgres';

/** One open transaction. Every method runs in it; nothing else may happen on the connection meanwhile. */
export type Tx = {
  readonly dialect: Dialect;
  /** The rows of a query. Integers (PostgreSQL bigint included) come back as exact JS numbers. */
  all<T>(query: SQL): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T>(query: SQL): Promise<T | undefined>;
  /** Runs a statement; `changes` is the number of rows it inserted, updated or deleted. */
  run(query: SQL): Promise<{ changes: number }>;
};

/** How a transaction runs. */
export type TxOptions = {
  /**
   * Serializable isolation, retried from the start when the database aborts it for a conflicting concurrent
   * transaction (PostgreSQL 40001/40P01, and a unique violation that escapes it, 23505: a concurrent insert of the
   * same key; caught and turned into a refusal inside, it is not retried). SQLite transactions are always serial (BEGIN IMMEDIATE, one writer).
   */
  serializable?: boolean;
  /**
   * Only reads: it never waits for a writer (SQLite: a deferred transaction, which in WAL mode reads the last
   * commit while a job holds the write lock; PostgreSQL: REPEATABLE READ READ ONLY, one snapshot for all its reads,
   * and a write is refused).
   */
  readOnly?: boolean;
  /**
   * Row locks instead of serializable isolation, for a transaction too big to be restarted by every concurrent
   * writer (a whole batch's validation or submit): PostgreSQL READ COMMITTED, each statement sees the latest
   * commit, and the function locks what it reads-then-writes (`FOR UPDATE`, db/repos/locks.ts) before reading it,
   * so other writers of those rows wait for it rather than abort it. Retried from the start only on a deadlock.
   * SQLite: as any writing transaction (one writer holds the whole file).
   */
  locking?: boolean;
};

/** An opened database behind the seam. */
export type Storage = {
  readonly dialect: Dialect;
  /**
   * Runs fn in one transaction: committed when its promise resolves, rolled back when it rejects. fn must await
   * only its own tx's queries (no files, no network): the SQLite adapter shares the desktop's one connection.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TxOptions): Promise<T>;
  close(): Promise<void>;
};

/** A unique index or primary key refused a row: the adapter's driver error, named by dialect-neutral fields. */
export class UniqueViolation extends Error {
  constructor(
    /** The index or constraint named by the database, when it names one. */
    readonly constraint: string | undefined,
    cause: unknown,
  ) {
    super(`unique constraint violated${constraint ? ` (${constraint})` : ''}`, { cause });
    this.name = 'UniqueViolation';
  }
}

/** A stored integer outside JavaScript's exact range: refused rather than rounded. */
export class InexactInteger extends Error {
  constructor(readonly text: string) {
    super(`the database returned ${text}, which is not an exact integer in JavaScript (|n| > 2^53 - 1)`);
    this.name = 'InexactInteger';
  }
}

/** Parses a database integer's text as an exact number, or throws InexactInteger. */
export function exactInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || !/^-?\d+$/.test(text)) throw new InexactInteger(text);
  return n;
}
