import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import type { Dialect, Tx } from './port';
import { driverAll, driverGet, driverQuery, driverRun } from './sqlite';

/**
 * A computation over repository queries written once and run two ways: awaited in a port transaction, or
 * synchronously through the better-sqlite3 driver by the code that must not await (a guard in the writer's turn, a
 * job's selection guard). Where the old code interleaved reads with its own rules (a measurement that formats the
 * amounts it read, a confirmation checked then marked), a driver form and a port form would be two copies of those
 * rules; a generator that yields its queries keeps one copy. A step's error is thrown into the generator where it
 * yielded, as an awaited call's would be: a generator that catches rethrows what is not its own refusal (a
 * serialization failure is the port's to retry).
 */
export type Step =
  | { kind: 'get' | 'all' | 'run'; query: SQL }
  | { kind: 'each'; query: SQL; row: (row: unknown) => void }
  | { kind: 'call'; driver: (db: Database.Database) => unknown; port: (tx: Tx) => Promise<unknown> };

/** Steps answering T. */
export type Steps<T> = Generator<Step, T, unknown>;

/** The first row of a query. */
export function* get<T>(query: SQL): Steps<T | undefined> {
  return (yield { kind: 'get', query }) as T | undefined;
}

/** The rows of a query. */
export function* all<T>(query: SQL): Steps<T[]> {
  return (yield { kind: 'all', query }) as T[];
}

/** Runs a statement, answering the rows it changed. */
export function* run(query: SQL): Steps<number> {
  return (yield { kind: 'run', query }) as number;
}

/** Hands each row of a query to `row` as it is read (the driver never holds them all). */
export function* each<T>(query: SQL, row: (row: T) => void): Steps<void> {
  yield { kind: 'each', query, row: row as (row: unknown) => void };
}

/** An existing function that has a driver form and a port form (a setting, a currency's exponent). */
export function* call<T>(driver: (db: Database.Database) => T, port: (tx: Tx) => Promise<T>): Steps<T> {
  return (yield { kind: 'call', driver, port }) as T;
}

/** The dialect the driver forms run in. */
export const DRIVER: { readonly dialect: Dialect } = { dialect: 'sqlite' };

/** Runs steps through the driver, synchronously, in the caller's driver transaction (if any). */
export function stepsOnDriver<T>(db: Database.Database, steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) {
    const s = next.value;
    let answer: unknown;
    try {
      answer = onDriver(db, s);
    } catch (err) {
      next = steps.throw(err);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

function onDriver(db: Database.Database, s: Step): unknown {
  switch (s.kind) {
    case 'get':
      return driverGet(db, s.query);
    case 'all':
      return driverAll(db, s.query);
    case 'run':
      return driverRun(db, s.query).changes;
    case 'each': {
      const { stmt, params } = driverQuery(db, s.query);
      for (const row of stmt.iterate(...params)) s.row(row);
      return undefined;
    }
    case 'call':
      return s.driver(db);
  }
}

/** Runs steps in a port transaction. */
export async function stepsIn<T>(tx: Tx, steps: Steps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    const s = next.value;
    let answer: unknown;
    try {
      answer = await inTx(tx, s);
    } catch (err) {
      next = steps.throw(err);
      continue;
    }
    next = steps.next(answer);
  }
  return next.value;
}

async function inTx(tx: Tx, s: Step): Promise<unknown> {
  switch (s.kind) {
    case 'get':
      return tx.get(s.query);
    case 'all':
      return tx.all(s.query);
    case 'run':
      return (await tx.run(s.query)).changes;
    case 'each':
      for (const row of await tx.all(s.query)) s.row(row);
      return undefined;
    case 'call':
      return s.port(tx);
  }
}
