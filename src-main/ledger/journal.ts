import type Database from 'better-sqlite3';
import {
  balanceAddQuery,
  insertJournal,
  journalInsertQuery,
  journalLineInsertQuery,
  type GlAccount,
  type JournalLine,
  type JournalPosting,
} from '../../db/repos/journals';
import type { Tx } from '../../db/storage/port';
import { driverGet, driverRun } from '../../db/storage/sqlite';
import { assertAccountsWithinCeiling, assertAccountsWithinCeilingIn, MAX_MINOR } from './ceiling';

export type { GlAccount, JournalLine, JournalPosting };

/**
 * The lines that take a posted payment's money off its customer account: the AR debit in the account's currency
 * and, when the payment was converted, the FX pair back into the payment's currency. The caller adds the side the
 * money goes to (CASH when it is returned, SUSPENSE when it is recycled) in the payment's currency.
 */
export function offAccountLines(p: {
  accountId: number;
  accountAmountMinor: number;
  accountCurrency: string;
  amountMinor: number;
  currency: string;
}): JournalLine[] {
  const lines: JournalLine[] = [
    { gl: 'AR', accountId: p.accountId, amountMinor: p.accountAmountMinor, currency: p.accountCurrency },
  ];
  if (p.currency !== p.accountCurrency)
    lines.push(
      { gl: 'FX', accountId: null, amountMinor: -p.accountAmountMinor, currency: p.accountCurrency },
      { gl: 'FX', accountId: null, amountMinor: p.amountMinor, currency: p.currency },
    );
  return lines;
}

/**
 * Throws unless every amount is a whole number of minor units within the ceiling (±(2^53 − 1)) and the
 * lines sum to exactly zero in every currency (summed in BigInt, so no rounding can hide a difference).
 */
export function assertBalanced(lines: readonly JournalLine[]): void {
  const sums = new Map<string, bigint>();
  for (const l of lines) {
    if (!Number.isSafeInteger(l.amountMinor))
      throw new Error(`journal line amount ${l.amountMinor} is not an integer within ±${MAX_MINOR}`);
    sums.set(l.currency, (sums.get(l.currency) ?? 0n) + BigInt(l.amountMinor));
  }
  for (const [currency, sum] of sums) {
    if (sum !== 0n) throw new Error(`journal does not balance in ${currency}: off by ${sum}`);
  }
}

/**
 * Posts a balanced journal (inside the caller's transaction) and keeps the cached AR balance of every
 * customer account it touches in step, in exact integer arithmetic. Refuses (conflict `amount-ceiling`) a
 * journal that leaves a touched account's balance, open items or unallocated credit beyond the ceiling.
 * Returns the journal id. Through the driver; postJournalIn is the same posting in a port transaction.
 */
export function postJournal(sqlite: Database.Database, posting: JournalPosting): number {
  assertBalanced(posting.lines);
  const id = driverGet<{ id: number }>(sqlite, journalInsertQuery(posting))!.id;
  const touched: number[] = [];
  for (const l of posting.lines) {
    driverRun(sqlite, journalLineInsertQuery(id, l));
    if (l.gl === 'AR' && l.accountId !== null) {
      driverRun(sqlite, balanceAddQuery(l.accountId, l.amountMinor));
      touched.push(l.accountId);
    }
  }
  assertAccountsWithinCeiling(sqlite, touched);
  return id;
}

/** postJournal in a port transaction (SQLite or PostgreSQL): the same checks, the same rows. */
export async function postJournalIn(tx: Tx, posting: JournalPosting): Promise<number> {
  assertBalanced(posting.lines);
  const id = await insertJournal(tx, posting);
  await assertAccountsWithinCeilingIn(
    tx,
    posting.lines.filter((l) => l.gl === 'AR' && l.accountId !== null).map((l) => l.accountId!),
  );
  return id;
}
