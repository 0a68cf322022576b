import type Database from 'better-sqlite3';
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

type Prepared = { accounts: Database.Statement; suspense: Database.Statement };
const cache = new WeakMap<Database.Database, Prepared>();

function prepared(db: Database.Database): Prepared {
  let p = cache.get(db);
  if (!p) {
    p = {
      // Unallocated credit = open items − balance (the ledger's balance invariant), so two exact figures
      // per account are enough; the open items come from the (account_id, status) index.
      accounts: db
        .prepare(
          `SELECT account_no AS accountNo, currency, balance, openItems, openItems - balance AS unallocated FROM (
             SELECT a.account_no, a.currency, a.balance_minor AS balance,
                    (SELECT coalesce(sum(i.open_minor), 0) FROM bill_items i WHERE i.account_id = a.id AND i.status = 'open') AS openItems
             FROM accounts a WHERE a.id IN (SELECT value FROM json_each(@ids)) AND a.is_suspense = 0)
           WHERE balance NOT BETWEEN -@max AND @max OR openItems NOT BETWEEN -@max AND @max
              OR openItems - balance NOT BETWEEN -@max AND @max
           LIMIT 1`,
        )
        .safeIntegers(true),
      suspense: db
        .prepare(
          // The Payment Center tally is small (one row per state, currency, owner, reason and day).
          `SELECT currency, sum(amount_minor) AS held FROM suspense_tally
           WHERE state IN ('suspended', 'partial', 'recycled') AND currency IN (SELECT value FROM json_each(@ids))
           GROUP BY currency HAVING sum(amount_minor) NOT BETWEEN -@max AND @max LIMIT 1`,
        )
        .safeIntegers(true),
    };
    cache.set(db, p);
  }
  return p;
}

/**
 * Refuses (conflict `amount-ceiling`) when any of the accounts now has a balance, open items or unallocated
 * credit beyond ±(2^53 − 1). Call after the change, inside the caller's transaction, so the refusal rolls
 * the change back; one set-based query however many accounts.
 */
export function assertAccountsWithinCeiling(db: Database.Database, accountIds: Iterable<number>): void {
  const ids = [...new Set(accountIds)];
  if (ids.length === 0) return;
  const bad = prepared(db).accounts.get({ ids: JSON.stringify(ids), max: MAX }) as
    | { accountNo: string; currency: string; balance: bigint; openItems: bigint; unallocated: bigint }
    | undefined;
  if (!bad) return;
  const [what, value] = !withinCeiling(bad.unallocated)
    ? ['unallocated credit', bad.unallocated]
    : !withinCeiling(bad.balance)
      ? ['balance', bad.balance]
      : ['open items', bad.openItems];
  assertWithinCeiling(value, `account ${bad.accountNo}: its ${what} (${bad.currency})`);
}

/** Refuses (conflict `amount-ceiling`) when the suspense account now holds more than the ceiling in a currency. */
export function assertSuspenseWithinCeiling(db: Database.Database, currencies: Iterable<string>): void {
  const list = [...new Set(currencies)];
  if (list.length === 0) return;
  const bad = prepared(db).suspense.get({ ids: JSON.stringify(list), max: MAX }) as
    { currency: string; held: bigint } | undefined;
  if (bad) assertWithinCeiling(bad.held, `the payment suspense account's holdings in ${bad.currency}`);
}

/**
 * Refuses (conflict `amount-ceiling`) when the entries of a batch add up, in absolute value, to more than the
 * ceiling, so that every total the batch shows (entered, per status, posted, suspended) is exact. Summed in
 * slices of 512 entries (no SQLite integer overflow whatever the size) and in BigInt across slices.
 */
export function assertBatchWithinCeiling(db: Database.Database, batchId: number, batchNo: string): void {
  const slices = db
    .prepare(
      `SELECT sum(abs(amount_minor)) AS s FROM batch_entries WHERE batch_id = ? AND amount_minor IS NOT NULL GROUP BY id >> 9`,
    )
    .safeIntegers(true)
    .all(batchId) as { s: bigint }[];
  assertWithinCeiling(sumMinor(slices.map((r) => r.s)), `batch ${batchNo}: the total of its entries`);
}
