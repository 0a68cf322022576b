import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

// What a confirmation's preview and an approval's payload hash measure (issues #11, #12): a batch's entries still to
// post, a pending one-off payment, a charged processor transaction and what was refunded of it, suspended payments,
// the authorizations a deposit run would send and the credit a refund run would pay back. Every query only reads; the
// guards that still run on the driver (dispatch's approval guard, a job's confirmation guard) compile the same ones.

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** A batch as a submit's preview and measure see it. */
export type BatchHead = { id: number; batchNo: string; batchType: string; currency: string; status: string };

export function batchHeadQuery(batchId: number): SQL {
  return sql`SELECT id, batch_no AS "batchNo", batch_type AS "batchType", currency, status
             FROM batches WHERE id = ${batchId}`;
}

/** The entries still to post of a batch, counted and summed by status, in the order each status first comes. */
export function batchOpenGroupsQuery(batchId: number): SQL {
  return sql`SELECT status, count(*) AS count, coalesce(sum(amount_minor), 0) AS "amountMinor", min(id) AS "firstId"
             FROM batch_entries WHERE batch_id = ${batchId} AND status <> 'posted'
             GROUP BY status ORDER BY "firstId"`;
}

/**
 * A JSON array of the values as text, the same text on both databases and the same as JSON.stringify of the values
 * (integers and text only): SQLite's json_array; on PostgreSQL each value's to_json joined by commas, since
 * json_build_array's text puts a space after each comma.
 */
function jsonArrayText(on: On, values: SQL[]): SQL {
  if (on.dialect === 'sqlite') return sql`json_array(${sql.join(values, sql`, `)})`;
  const parts = values.map((v) => sql`coalesce(to_json(${v})::text, 'null')`);
  return sql`'[' || ${sql.join(parts, sql` || ',' || `)} || ']'`;
}

/**
 * The entries still to post of a batch, each as one JSON array of every field a submit posts from (id, seq,
 * status, account, bill, amount, payment, reason): made by the database, so a preview of 125,000 entries hashes
 * them row by row without building an object for each.
 */
export function batchOpenRowsQuery(on: On, batchId: number): SQL {
  const row = jsonArrayText(on, [
    sql`id`,
    sql`seq`,
    sql`status`,
    sql`account_no`,
    sql`bill_no`,
    sql`coalesce(amount_minor, 0)`,
    sql`payment_ref`,
    sql`reason_code`,
  ]);
  return sql`SELECT ${row} AS "row" FROM batch_entries WHERE batch_id = ${batchId} AND status <> 'posted' ORDER BY id`;
}

/** A one-off payment waiting for its confirmation, with its account number. */
export type PendingPaymentState = {
  id: number;
  amountMinor: number;
  currency: string;
  status: string;
  token: string;
  expiresAt: string;
  accountNo: string;
};

export function pendingPaymentQuery(id: number): SQL {
  return sql`SELECT p.id, p.amount_minor AS "amountMinor", p.currency, p.status, p.token, p.expires_at AS "expiresAt",
                    a.account_no AS "accountNo"
             FROM pending_payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${id}`;
}

/** A processor transaction a refund would follow. */
export type TxnState = {
  id: number;
  amountMinor: number;
  currency: string;
  command: string;
  result: number;
  paymentId: number | null;
};

export function txnStateQuery(id: number): SQL {
  return sql`SELECT id, amount_minor AS "amountMinor", currency, command, result, payment_id AS "paymentId"
             FROM processor_txns WHERE id = ${id}`;
}

/** A payment's money and queue fields, as a suspense move's approval hashes them. */
export type PaymentState = {
  id: number;
  amountMinor: number;
  currency: string;
  status: number;
  reasonCode: number;
};

export function paymentStateQuery(id: number): SQL {
  return sql`SELECT id, amount_minor AS "amountMinor", currency, status, reason_code AS "reasonCode"
             FROM payments WHERE id = ${id}`;
}

/** An approved authorization a deposit run would send for deposit. */
export type DepositCandidate = {
  id: number;
  idemKey: string;
  accountId: number;
  accountNo: string;
  billId: number | null;
  methodId: number | null;
  token: string;
  brand: string | null;
  merchant: string;
  amountMinor: number;
  currency: string;
  payType: number;
  processorRef: string | null;
};

/** A processor's approved authorizations made in a window of days without a deposit settled or in flight. */
export function depositCandidatesQuery(processorId: number, start: string, end: string): SQL {
  return sql`SELECT t.id, t.idem_key AS "idemKey", t.account_id AS "accountId", a.account_no AS "accountNo",
                    t.bill_id AS "billId", t.payment_method_id AS "methodId", t.token, t.brand, t.merchant,
                    t.amount_minor AS "amountMinor", t.currency, t.pay_type AS "payType", t.processor_ref AS "processorRef"
             FROM processor_txns t JOIN accounts a ON a.id = t.account_id
             WHERE t.processor_id = ${processorId} AND t.command = 'auth' AND t.result = 0
               AND substr(t.created_at, 1, 10) BETWEEN ${start} AND ${end}
               AND NOT EXISTS (SELECT 1 FROM processor_txns d WHERE d.related_txn_id = t.id AND d.command = 'deposit'
                               AND (d.result = 0 OR d.result = 999 OR d.result >= 1000))
             ORDER BY t.id`;
}

/** A processor payment with unallocated credit on an account in credit, which a refund run may pay back. */
export type RefundCandidate = {
  id: number;
  accountId: number;
  accountNo: string;
  methodId: number | null;
  token: string;
  brand: string | null;
  merchant: string;
  currency: string;
  payType: number;
  balance: number;
  processorRef: string | null;
  unallocated: number;
};

/**
 * A processor's settled charges on accounts in credit, each with what is unallocated of the payment that carries it
 * now (after partial refunds), newest first per account; reversed payments and charges with a refund in flight left
 * out.
 */
export function refundCandidatesQuery(processorId: number): SQL {
  return sql`SELECT t.id, t.account_id AS "accountId", a.account_no AS "accountNo", t.payment_method_id AS "methodId",
                    t.token, t.brand, t.merchant, t.currency, t.pay_type AS "payType", a.balance_minor AS balance,
                    t.processor_ref AS "processorRef",
                    p.account_amount_minor - coalesce((SELECT sum(al.amount_minor) FROM allocations al
                                                       WHERE al.payment_id = p.id), 0) AS unallocated
             FROM processor_txns t JOIN accounts a ON a.id = t.account_id
             JOIN payments p ON p.id = coalesce(
               (SELECT r.payment_id FROM processor_txns r
                WHERE r.related_txn_id = t.id AND r.command = 'refund' AND r.result = 0 ORDER BY r.id DESC LIMIT 1),
               t.payment_id)
             WHERE t.processor_id = ${processorId} AND t.command IN ('condition', 'auth') AND t.result = 0
               AND a.balance_minor < 0 AND t.currency = a.currency
               AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)
               AND NOT EXISTS (SELECT 1 FROM processor_txns x WHERE x.related_txn_id = t.id AND x.command = 'refund'
                               AND (x.result = 999 OR x.result >= 1000))
             ORDER BY t.account_id, t.id DESC`;
}
