import { sql } from 'drizzle-orm';
import type { SuspenseCandidatesDto } from '../../src-shared/dto/suspense';
import type { Tx } from '../storage/port';
import { ilike, likeLiteral } from './dialect';

/**
 * What the Payment Center's matcher reads to suggest accounts and bills for a suspended payment (issue #17:
 * behind the storage port). The scoring itself is domain code (services/suspense/candidates.ts).
 */

export type MatchAccount = { id: number; no: string; name: string; currency: string; status: string };
export type MatchBill = {
  id: number;
  no: string;
  accountId: number;
  due: number;
  dueDate: string;
  currency: string;
  status: string;
};
/** An open bill with its account's number, name, currency and status. */
export type MatchBillWithAccount = MatchBill & {
  accountNo: string;
  name: string;
  accountCurrency: string;
  accountStatus: string;
};

/** The hints of a batch entry still to be corrected, as the matcher reads them. */
export type EntryHintsRow = SuspenseCandidatesDto['hints'];

const ACCOUNT = sql`SELECT id, account_no AS no, name, currency, status FROM accounts`;
const BILL = sql`SELECT id, bill_no AS no, account_id AS "accountId", amount_due_minor AS due, due_date AS "dueDate",
    currency, status FROM bills`;

/** The matcher's hints of a batch entry (Payment Tool), or undefined. */
export function entryHints(tx: Tx, batchId: number, entryId: number): Promise<EntryHintsRow | undefined> {
  return tx.get<EntryHintsRow>(
    sql`SELECT e.account_no AS "accountHint", e.bill_no AS "billNo", e.payer_name AS "payerName",
               coalesce(e.reference, CASE WHEN e.check_no IS NOT NULL THEN 'check ' || e.check_no END) AS "externalRef",
               coalesce(e.amount_minor, 0) AS "amountMinor", b.currency,
               coalesce(e.payment_date, b.batch_date) AS "effectiveDate", e.status
        FROM batch_entries e JOIN batches b ON b.id = e.batch_id WHERE e.id = ${entryId} AND e.batch_id = ${batchId}`,
  );
}

/** A customer account (never the suspense account) by id. */
export function accountById(tx: Tx, id: number): Promise<MatchAccount | undefined> {
  return tx.get<MatchAccount>(sql`${ACCOUNT} WHERE id = ${id} AND is_suspense = 0`);
}

/** A customer account by its number's key (upper case). */
export function accountByKey(tx: Tx, key: string): Promise<MatchAccount | undefined> {
  return tx.get<MatchAccount>(sql`${ACCOUNT} WHERE account_key = ${key} AND is_suspense = 0`);
}

/** A bill by number. */
export function billByNo(tx: Tx, billNo: string): Promise<MatchBill | undefined> {
  return tx.get<MatchBill>(sql`${BILL} WHERE bill_no = ${billNo}`);
}

/**
 * Open bills of customer accounts with exactly this amount due, up to 500: due nearest to `date` first (by id
 * among equals), or by id when there is no date to be near to.
 */
export function openBillsOfAmount(
  tx: Tx,
  amountMinor: number,
  currency: string,
  date: string | null,
): Promise<MatchBillWithAccount[]> {
  const distance =
    date === null
      ? sql``
      : tx.dialect === 'postgres'
        ? sql`abs(CAST(b.due_date AS date) - CAST(${date} AS date)),`
        : sql`abs(julianday(b.due_date) - julianday(${date})),`;
  return tx.all<MatchBillWithAccount>(
    sql`SELECT b.id, b.bill_no AS no, b.account_id AS "accountId", b.amount_due_minor AS due,
               b.due_date AS "dueDate", b.currency, b.status, a.account_no AS "accountNo", a.name,
               a.currency AS "accountCurrency", a.status AS "accountStatus"
        FROM bills b JOIN accounts a ON a.id = b.account_id
        WHERE b.status = 'open' AND b.amount_due_minor = ${amountMinor} AND b.currency = ${currency}
          AND a.is_suspense = 0
        ORDER BY ${distance} b.id LIMIT 500`,
  );
}

/**
 * Customer accounts whose name contains any of the words (case-insensitive), among the first 200 accounts that
 * match: the trigram index of each database (FTS5 on SQLite, ILIKE over pg_trgm on PostgreSQL).
 */
export function accountsNamed(tx: Tx, words: readonly string[]): Promise<MatchAccount[]> {
  if (words.length === 0) return Promise.resolve([]);
  const hits =
    tx.dialect === 'postgres'
      ? sql`SELECT id FROM accounts WHERE ${sql.join(
          words.map((w) => sql`name ${ilike(tx)} ${`%${likeLiteral(w)}%`} ESCAPE '\\'`),
          sql` OR `,
        )} ORDER BY id LIMIT 200`
      : sql`SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ${`name : (${words
          .map((w) => `"${w.replace(/"/g, '""')}"`)
          .join(' OR ')})`} LIMIT 200`;
  return tx.all<MatchAccount>(sql`${ACCOUNT} WHERE id IN (${hits}) AND is_suspense = 0`);
}
