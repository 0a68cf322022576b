import { sql, type SQL } from 'drizzle-orm';
import { POSTED_ENTRY_STATUSES } from '../../src-shared/dto/batches';
import type { Dialect } from '../storage/port';
import { inList } from './dialect';

// Batch submit's SQL (issue #17), written once for the driver (the set-based SQLite submit) and the port (the
// per-entry submit on PostgreSQL and, in tests, on SQLite).

type D = { readonly dialect: Dialect };

/** SQL list of the posted statuses: `status NOT IN` it selects the entries still to post. */
const POSTED = sql.raw(`(${POSTED_ENTRY_STATUSES.map((x) => `'${x}'`).join(', ')})`);

/** The roles of an active operator (comma-separated), for the zero-proof override. */
export function operatorRolesQuery(operatorId: number): SQL {
  return sql`SELECT roles FROM operators WHERE id = ${operatorId} AND active = 1`;
}

/** An entry as submit posts it. */
export type EntryFactsRecord = {
  id: number;
  seq: number;
  entryKey: string;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number | null;
  paymentDate: string | null;
  checkNo: string | null;
  payerName: string | null;
  reference: string | null;
  channelId: number | null;
  paymentRef: number | null;
  reasonCode: number | null;
  status: string;
};

const FACTS = sql`SELECT id, seq, entry_key AS "entryKey", account_no AS "accountNo", bill_no AS "billNo",
      amount_minor AS "amountMinor", payment_date AS "paymentDate", check_no AS "checkNo", payer_name AS "payerName",
      reference, channel_id AS "channelId", payment_ref AS "paymentRef", reason_code AS "reasonCode", status
    FROM batch_entries`;

/** The entries of a batch still to post, in entry order. */
export function unpostedFactsQuery(batchId: number): SQL {
  return sql`${FACTS} WHERE batch_id = ${batchId} AND status NOT IN ${POSTED} ORDER BY seq`;
}

/** Some entries only: a payment batch on the driver reads them chunk by chunk, never all at once. */
export function factsOfQuery(d: D, ids: readonly number[]): SQL {
  return sql`${FACTS} WHERE ${inList(d, sql`id`, ids)}`;
}

/** The stored status of every entry still to post, in entry order. */
export function unpostedStatusesQuery(batchId: number): SQL {
  return sql`SELECT id, status FROM batch_entries WHERE batch_id = ${batchId} AND status NOT IN ${POSTED} ORDER BY seq`;
}

/** Whether some entry of the batch posted already (a round after released duplicates). */
export function somePostedQuery(batchId: number): SQL {
  return sql`SELECT 1 AS posted FROM batch_entries WHERE batch_id = ${batchId} AND status IN ${POSTED} LIMIT 1`;
}

/** Whether one entry is posted (`p`: 0/1). */
export function entryPostedQuery(entryId: number): SQL {
  return sql`SELECT CASE WHEN status IN ${POSTED} THEN 1 ELSE 0 END AS p FROM batch_entries WHERE id = ${entryId}`;
}

/** Marks an entry posted, with the payment that holds it. */
export function entryMarkPostedQuery(entryId: number, status: string, paymentId: number | null): SQL {
  return sql`UPDATE batch_entries SET status = ${status}, posted_payment_id = ${paymentId} WHERE id = ${entryId}`;
}

/** Marks an entry that failed to post (lock per account), unless it posted meanwhile. */
export function entryMarkFailedQuery(
  entryId: number,
  status: string,
  problem: string,
  problemColumn: string | null,
  reasonCode: number | null,
): SQL {
  return sql`UPDATE batch_entries SET status = ${status}, problem = ${problem}, problem_column = ${problemColumn},
      reason_code = ${reasonCode} WHERE id = ${entryId} AND status NOT IN ${POSTED}`;
}

/** How many entries of a batch are left to post. */
export function unpostedLeftQuery(batchId: number): SQL {
  return sql`SELECT count(*) AS n FROM batch_entries WHERE batch_id = ${batchId} AND status NOT IN ${POSTED}`;
}

/** Marks a batch submitted. */
export function batchSubmittedQuery(batchId: number, at: string): SQL {
  return sql`UPDATE batches SET status = 'submitted', submitted_at = ${at}, updated_at = ${at} WHERE id = ${batchId}`;
}

/** The currency of each account. */
export function accountCurrenciesQuery(d: D, accountIds: readonly number[]): SQL {
  return sql`SELECT id, currency FROM accounts WHERE ${inList(d, sql`id`, accountIds)}`;
}

/** The open items of some bills, in bill and item order (bill-level lines go to them in that order). */
export function openItemsOfBillsQuery(d: D, billIds: readonly number[]): SQL {
  return sql`SELECT id, bill_id AS "billId", open_minor AS "openMinor" FROM bill_items
    WHERE ${inList(d, sql`bill_id`, billIds)} AND status = 'open' ORDER BY bill_id, id`;
}

/** A bank return waiting on a reversal a return batch posted. */
export type PendingReturnRecord = {
  id: number;
  paymentId: number;
  fileItemId: number | null;
  bankCode: string;
  seq: number;
  accountId: number;
};

/**
 * The pending bank returns behind the posted reversals of a return batch (or of some of its payments), in entry
 * order.
 */
export function pendingBankReturnsQuery(d: D, batchId: number, paymentIds?: readonly number[]): SQL {
  const only = paymentIds ? sql`AND ${inList(d, sql`br.payment_id`, paymentIds)}` : sql``;
  return sql`SELECT br.id, br.payment_id AS "paymentId", br.file_item_id AS "fileItemId", br.bank_code AS "bankCode",
      e.seq, p.account_id AS "accountId"
    FROM bank_returns br
    JOIN batch_entries e ON e.batch_id = ${batchId} AND e.payment_ref = br.payment_id AND e.status = 'posted'
    JOIN payments p ON p.id = br.payment_id
    WHERE br.status = 'pending' ${only} ORDER BY e.seq`;
}

/** Marks the sent direct-debit item a bank return names as returned by a return batch. */
export function fileItemReturnedQuery(itemId: number, code: string, at: string, batchId: number): SQL {
  return sql`UPDATE bank_file_items SET status = 'returned', return_code = ${code}, returned_at = ${at}, return_batch_id = ${batchId}
    WHERE id = ${itemId} AND status = 'sent'`;
}

/** Whether a return of the same account was already applied in this return batch (one retry/fallback per account). */
export function earlierReturnInBatchQuery(batchId: number, accountId: number): SQL {
  return sql`SELECT 1 AS earlier FROM bank_returns br JOIN payments p ON p.id = br.payment_id
    WHERE br.batch_id = ${batchId} AND br.status = 'applied' AND p.account_id = ${accountId} LIMIT 1`;
}

/** A bank return applied by a return batch's entry. */
export function bankReturnAppliedQuery(id: number, at: string, batchId: number, seq: number): SQL {
  return sql`UPDATE bank_returns SET status = 'applied', applied_at = ${at}, batch_id = ${batchId}, entry_seq = ${seq} WHERE id = ${id}`;
}
