import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import { waitForWriteLock, WriteLockBusy } from '../write-lock';
import { exactInteger, UniqueViolation, type Storage, type Tx, type TxOptions } from './port';

const dialect = new SQLiteSyncDialect();
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** A repository query compiled for SQLite (text and parameters), e.g. to read its plan. */
export function sqliteQuery(query: SQL): { sql: string; params: unknown[] } {
  return dialect.sqlToQuery(query);
}

const driverStatements = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/**
 * A repository query run through the driver, inside the caller's driver transaction, prepared once per
 * connection and SQL text: the code that still writes through better-sqlite3 runs the repositories' SQL, so it
 * is written once. Rows come back as the driver reads them (no exact-integer checks: see the adapter for those).
 */
export function driverQuery(
  db: Database.Database,
  query: SQL,
): { stmt: Database.Statement; params: unknown[] } {
  const q = sqliteQuery(query);
  let cache = driverStatements.get(db);
  if (!cache) driverStatements.set(db, (cache = new Map<string, Database.Statement>()));
  let stmt = cache.get(q.sql);
  if (!stmt) {
    stmt = db.prepare(q.sql);
    if (cache.size >= 200) cache.delete(cache.keys().next().value as string);
    cache.set(q.sql, stmt);
  }
  return { stmt, params: q.params };
}

/** The first row of a repository query, through the driver. */
export function driverGet<T>(db: Database.Database, query: SQL): T | undefined {
  const { stmt, params } = driverQuery(db, query);
  return stmt.get(...params) as T | undefined;
}

/** The rows of a repository query, through the driver. */
export function driverAll<T>(db: Database.Database, query: SQL): T[] {
  const { stmt, params } = driverQuery(db, query);
  return stmt.all(...params) as T[];
}

/** Runs a repository statement through the driver. */
export function driverRun(db: Database.Database, query: SQL): Database.RunResult {
  const { stmt, params } = driverQuery(db, query);
  return stmt.run(...params);
}

/** better-sqlite3's error for a UNIQUE or PRIMARY KEY refusal, as a UniqueViolation. */
function mapError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // "UNIQUE constraint failed: table.col, table.col": SQLite names columns, not the index.
    const m = /constraint failed: (.+)$/.exec((err as Error).message);
    return new UniqueViolation(m?.[1], err);
  }
  return err;
}

/**
 * A row with its integers as exact numbers. Statements read integers as BigInt (safeIntegers), so a value past
 * 2^53 - 1 is refused with InexactInteger as on PostgreSQL, never handed on rounded.
 */
function exactRow<T>(row: unknown): T {
  if (row === undefined || row === null) return row as T;
  const r = row as Record<string, unknown>;
  for (const k in r) {
    const v = r[k];
    // Compared as BigInt first: the text round trip of exactInteger cost ~1 µs per value (10 ms per 10,000 rows).
    if (typeof v === 'bigint')
      r[k] = v <= MAX_EXACT && v >= -MAX_EXACT ? Number(v) : exactInteger(v.toString());
  }
  return r as T;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Whether a row read with plain numbers holds one past 2^53 - 1 (which may have been rounded). */
function pastExact(row: unknown): boolean {
  const r = row as Record<string, unknown>;
  for (const k in r) {
    const v = r[k];
    if (typeof v === 'number' && (v > MAX_SAFE || v < -MAX_SAFE)) return true;
  }
  return false;
}

const shared = new WeakMap<Database.Database, Storage>();

/**
 * The SQLite adapter over an open ledger connection (the desktop's own, shared with the services that still
 * use the driver directly). Writing transactions are queued one after another and begin IMMEDIATE once the write
 * lock is free (waited for off the thread, see write-lock); a read-only one goes ahead of writers that wait for
 * the lock. Queries are synchronous underneath, so a transaction that awaits only its queries holds the
 * connection for itself.
 * A connection has one adapter (asked again, the same one): two queues on one connection would interleave.
 * With closeDb the adapter owns the connection and closes it.
 */
export function sqliteStorage(
  db: Database.Database,
  opts: { closeDb?: boolean; beforeWrite?: () => void } = {},
): Storage {
  if (opts.closeDb || opts.beforeWrite) return adapter(db, opts.closeDb ?? false, opts.beforeWrite);
  let storage = shared.get(db);
  if (!storage) shared.set(db, (storage = adapter(db, false)));
  return storage;
}

/**
 * `beforeWrite` runs right before a writing transaction begins (a job's connection lets interactive writers go
 * first there, as its driver transactions do: db/write-priority.ts).
 */
function adapter(db: Database.Database, closeDb: boolean, beforeWrite?: () => void): Storage {
  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string): Database.Statement => {
    let stmt = statements.get(text);
    if (!stmt) {
      stmt = db.prepare(text);
      // A write that answers rows reads them as BigInt at once (it must not run twice); a read runs on numbers.
      if (stmt.reader && !stmt.readonly) stmt.safeIntegers(true);
      if (statements.size >= 200) statements.delete(statements.keys().next().value as string);
      statements.set(text, stmt);
    }
    return stmt;
  };
  const exec = <T>(query: SQL, use: (stmt: Database.Statement, params: unknown[]) => T): T => {
    const q = dialect.sqlToQuery(query);
    try {
      return use(prepare(q.sql), q.params);
    } catch (err) {
      throw mapError(err);
    }
  };
  /**
   * The rows of a statement as exact numbers. A read runs with plain numbers (a BigInt per integer cost a third of a
   * big read's time) and is read again as BigInt only when a value is past 2^53 - 1, where a number may have been
   * rounded: then exactRow refuses it as InexactInteger, as PostgreSQL's adapter does.
   */
  const exactly = <R>(
    s: Database.Statement,
    read: () => R,
    pastExactIn: (r: R) => boolean,
    exact: (r: R) => R,
  ): R => {
    if (!s.readonly) return exact(read());
    const plain = read();
    if (!pastExactIn(plain)) return plain;
    s.safeIntegers(true);
    try {
      return exact(read());
    } finally {
      s.safeIntegers(false);
    }
  };
  const tx: Tx = {
    dialect: 'sqlite',
    all: <T>(query: SQL) =>
      Promise.resolve(
        exec(query, (s, p) =>
          exactly(
            s,
            () => s.all(...p),
            (rows) => rows.some(pastExact),
            (rows) => rows.map((r) => exactRow(r)),
          ),
        ) as T[],
      ),
    get: <T>(query: SQL) =>
      Promise.resolve(
        exec(query, (s, p) =>
          exactly(
            s,
            () => s.get(...p),
            (row) => row !== undefined && pastExact(row),
            (row) => exactRow(row),
          ),
        ) as T | undefined,
      ),
    run: (query: SQL) =>
      Promise.resolve(
        exec(query, (s, p) => {
          if (s.reader) return { changes: s.all(...p).length };
          return { changes: s.run(...p).changes };
        }),
      ),
  };
  let queue: Promise<unknown> = Promise.resolve();
  // A read-only transaction that went ahead of the queue (it never waits for writers queued for the lock).
  let reader: Promise<void> | undefined;
  return {
    dialect: 'sqlite',
    transaction<T>(fn: (t: Tx) => Promise<T>, txOpts: TxOptions = {}): Promise<T> {
      const run = async (ahead = false): Promise<T> => {
        // A writer waits for the lock off the thread (another connection's job may hold it for minutes); inside a
        // driver transaction the wait returns at once and the check below refuses. A reader that went ahead ends
        // within its own queries; the writer begins once none is open (checked and begun in one synchronous step).
        while (!ahead) {
          while (reader) await reader;
          if (!txOpts.readOnly && !(await waitForWriteLock(db))) throw new WriteLockBusy();
          if (!reader) break;
        }
        if (db.inTransaction) throw new Error('a port transaction cannot start inside a driver transaction');
        // Read-only refuses a write as PostgreSQL's READ ONLY does (query_only), and waits for no writer.
        if (txOpts.readOnly) db.pragma('query_only = ON');
        else beforeWrite?.();
        try {
          db.exec(txOpts.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
          const out = await fn(tx);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw err;
        } finally {
          if (txOpts.readOnly) db.pragma('query_only = OFF');
        }
      };
      // A read does not queue behind writers waiting for the lock (a team server's search would wait for every
      // job's transaction): it begins now when nothing is open on the connection (in WAL mode on the last commit),
      // or right after the reads that went ahead; writers begin once no such read is open.
      if (txOpts.readOnly && (reader || !db.inTransaction)) {
        const read = reader ? reader.then(() => run(true)) : run(true);
        const done: Promise<void> = read.then(
          () => undefined,
          () => undefined,
        );
        reader = done;
        void done.then(() => {
          if (reader === done) reader = undefined;
        });
        return read;
      }
      const next = queue.then(
        () => run(),
        () => run(),
      );
      queue = next.catch(() => undefined);
      return next;
    },
    close(): Promise<void> {
      statements.clear();
      if (closeDb) db.close();
      return Promise.resolve();
    },
  };
}
