import type Database from 'better-sqlite3';
import type { Minor } from '../../src-shared/money';
import { assertAccountsWithinCeiling, MAX_MINOR } from './ceiling';

/** Ledger sides a journal line can hit. AR lines carry the customer account. */
export type GlAccount =
  'AR' | 'CASH' | 'REVENUE' | 'SUSPENSE' | 'UNALLOCATABLE' | 'REFUND_CLEARING' | 'FEES' | 'FX';

/** One journal line: positive debits, negative credits. */
export type JournalLine = { gl: GlAccount; accountId: number | null; amountMinor: Minor; currency: string };

/** A journal to post. */
export type JournalPosting = {
  kind: string;
  at: string;
  effectiveDate: string;
  idemKey: string | null;
  auditId: number;
  reasonCode?: number | null;
  glId?: number | null;
  lines: JournalLine[];
};

type Prepared = { journal: Database.Statement; line: Database.Statement; balance: Database.Statement };
const cache = new WeakMap<Database.Database, Prepared>();

function prepared(sqlite: Database.Database): Prepared {
  let p = cache.get(sqlite);
  if (!p) {
    p = {
      journal: sqlite.prepare(
        `INSERT INTO journals (kind, at, effective_date, idem_key, audit_id, reason_code, gl_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      line: sqlite.prepare(
        `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency) VALUES (?, ?, ?, ?, ?)`,
      ),
      balance: sqlite.prepare(`UPDATE accounts SET balance_minor = balance_minor + ? WHERE id = ?`),
    };
    cache.set(sqlite, p);
  }
  return p;
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
 * Returns the journal id.
 */
export function postJournal(sqlite: Database.Database, posting: JournalPosting): number {
  assertBalanced(posting.lines);
  const p = prepared(sqlite);
  const id = Number(
    p.journal.run(
      posting.kind,
      posting.at,
      posting.effectiveDate,
      posting.idemKey,
      posting.auditId,
      posting.reasonCode ?? null,
      posting.glId ?? null,
    ).lastInsertRowid,
  );
  const touched: number[] = [];
  for (const l of posting.lines) {
    p.line.run(id, l.gl, l.accountId, l.amountMinor, l.currency);
    if (l.gl === 'AR' && l.accountId !== null) {
      // A bigint binds as an SQLite integer: the addition is exact (a number would bind as a double).
      p.balance.run(BigInt(l.amountMinor), l.accountId);
      touched.push(l.accountId);
    }
  }
  assertAccountsWithinCeiling(sqlite, touched);
  return id;
}
