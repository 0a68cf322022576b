import type Database from 'better-sqlite3';
import { batchAmountSlicesQuery } from '../../db/repos/batches';
import { accountBeyondQuery, suspenseBeyondQuery, type AccountFigures } from '../../db/repos/journals';
import type { Tx } from '../../db/storage/port';
import { driverAll, driverGet } from '../../db/storage/sqlite';
import type { Minor } from '../../src-shared/money';
import { conflict } from './errors';

/**
 * The money ceiling. Every figure Paydesk shows as a JSON number of minor units stays within
 * ±(2^53 − 1), the largest integers a JavaScript number holds exactly: per account the balance, the open
 * items and the unallocated credit; per currency the money held in suspense; per journal every line (a
 * batch's total is its journal's CASH line). A posting that would push one of them past the ceiling is
 * refused as a conflict (rule `amount-ceiling`) and its transaction rolls back. Sums are computed exactly
 * (SQLite integer arithmetic or BigInt), never in floating point.
 */
export const MAX_MINOR: Minor = Number.MAX_SAFE_INTEGER;

const MAX = BigInt(MAX_MINOR);

/** The conflict rule of a refused posting. */
export const CEILING_RULE = 'amount-ceiling';

/** Exact sum of minor-unit amounts (numbers or bigints) as a bigint; throws on a non-integer number. */
export function sumMinor(values: Iterable<number | bigint>): bigint {
  let sum = 0n;
  for (const v of values) {
    if (typeof v === 'number' && !Number.isSafeInteger(v))
      throw new Error(`amount ${v} is not a whole number of minor units`);
    sum += BigInt(v);
  }
  return sum;
}

/** True when an exact figure lies within ±(2^53 − 1). */
export function withinCeiling(value: bigint | number): boolean {
  const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : null;
  return v !== null && v <= MAX && v >= -MAX;
}

/** Throws the ceiling conflict unless the exact figure lies within ±(2^53 − 1); `what` names the figure. */
export function assertWithinCeiling(value: bigint | number, what: string): void {
  if (!withinCeiling(value))
    throw conflict(
      CEILING_RULE,
      `${what} would be ${String(value)} minor units, beyond the ledger's limit of ±${MAX_MINOR} (2^53 − 1)`,
    );
}

/** Converts an exact figure to a JSON-safe number of minor units, or throws the ceiling conflict. */
export function toMinor(value: bigint | number, what: string): Minor {
  assertWithinCeiling(value, what);
  return Number(value);
}

/** A figure's decimal text exactly (SQLite turns an integer overflow into a REAL, which is then beyond anyway). */
function figure(text: string): bigint | number {
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
}

/** Throws the ceiling conflict for the account figures a ceiling query found beyond it. */
function refuseAccount(bad: AccountFigures | undefined): void {
  if (!bad) return;
  const figures: [string, bigint | number][] = [
    ['unallocated credit', figure(bad.unallocated)],
    ['balance', figure(bad.balance)],
    ['open items', figure(bad.openItems)],
  ];
  const [what, value] = figures.find(([, v]) => !withinCeiling(v)) ?? figures[2]!;
  assertWithinCeiling(value, `account ${bad.accountNo}: its ${what} (${bad.currency})`);
}

/** Throws the ceiling conflict for the suspense holdings a ceiling query found beyond it. */
function refuseSuspense(bad: { currency: string; held: string } | undefined): void {
  if (bad)
    assertWithinCeiling(figure(bad.held), `the payment suspense account's holdings in ${bad.currency}`);
}

/**
 * Refuses (conflict `amount-ceiling`) when any of the accounts now has a balance, open items or unallocated
 * credit beyond ±(2^53 − 1). Call after the change, inside the caller's transaction, so the refusal rolls
 * the change back; one set-based query however many accounts.
 */
export function assertAccountsWithinCeiling(db: Database.Database, accountIds: Iterable<number>): void {
  const ids = [...new Set(accountIds)];
  if (ids.length > 0) refuseAccount(driverGet(db, accountBeyondQuery('sqlite', ids, MAX)));
}

/** assertAccountsWithinCeiling in a port transaction. */
export async function assertAccountsWithinCeilingIn(tx: Tx, accountIds: Iterable<number>): Promise<void> {
  const ids = [...new Set(accountIds)];
  if (ids.length > 0) refuseAccount(await tx.get(accountBeyondQuery(tx.dialect, ids, MAX)));
}

/** Refuses (conflict `amount-ceiling`) when the suspense account now holds more than the ceiling in a currency. */
export function assertSuspenseWithinCeiling(db: Database.Database, currencies: Iterable<string>): void {
  const list = [...new Set(currencies)];
  if (list.length > 0) refuseSuspense(driverGet(db, suspenseBeyondQuery('sqlite', list, MAX)));
}

/** assertSuspenseWithinCeiling in a port transaction. */
export async function assertSuspenseWithinCeilingIn(tx: Tx, currencies: Iterable<string>): Promise<void> {
  const list = [...new Set(currencies)];
  if (list.length > 0) refuseSuspense(await tx.get(suspenseBeyondQuery(tx.dialect, list, MAX)));
}

/**
 * Refuses (conflict `amount-ceiling`) when the entries of a batch add up, in absolute value, to more than the
 * ceiling, so that every total the batch shows (entered, per status, posted, suspended) is exact. `slices` are
 * the batch's amounts summed per slice of entries as decimal text (batchAmountSlicesQuery: no 64-bit overflow
 * whatever the size), added here in BigInt.
 */
export function assertBatchSlicesWithinCeiling(slices: readonly { s: string }[], batchNo: string): void {
  assertWithinCeiling(sumMinor(slices.map((r) => BigInt(r.s))), `batch ${batchNo}: the total of its entries`);
}

/** assertBatchSlicesWithinCeiling over the batch's entries as they are now, through the driver. */
export function assertBatchWithinCeiling(db: Database.Database, batchId: number, batchNo: string): void {
  assertBatchSlicesWithinCeiling(driverAll<{ s: string }>(db, batchAmountSlicesQuery(batchId)), batchNo);
}
