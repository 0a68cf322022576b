import { sql, type SQL } from 'drizzle-orm';
import type { Dialect } from '../storage/port';
import { flag, inList } from './dialect';

// Refund posting and refund validation (issue #17): one copy of the SQL for the driver (the SQLite refund batch
// submit, the driver's credit run) and the port (both databases).

type D = { readonly dialect: Dialect };

/** Item type of refund items: open ones (negative) are credit set aside to pay back; refunds write paid ones. */
export const REFUND_ITEM_TYPE = 'refund';

/** Unallocated payment credit per payment of an account, as `ledger check` counts it (not reversed, not failed). */
function creditPayments(accountId: number | SQL): SQL {
  return sql`SELECT p.id, p.rate_ppm AS "ratePpm",
      p.account_amount_minor - coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS "unallocatedMinor"
    FROM payments p
    WHERE p.account_id = ${accountId} AND p.kind <> 'failed' AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)`;
}

/** What the open refund items of an account hold (a positive amount). */
export function refundItemsHeldQuery(accountId: number): SQL {
  return sql`SELECT coalesce(-sum(open_minor), 0) AS m FROM bill_items
    WHERE account_id = ${accountId} AND status = 'open' AND type = ${REFUND_ITEM_TYPE} AND open_minor < 0`;
}

/** The unallocated payment credit of an account (payments with none count nothing). */
export function accountCreditQuery(accountId: number): SQL {
  return sql`SELECT coalesce(sum(CASE WHEN cp."unallocatedMinor" > 0 THEN cp."unallocatedMinor" ELSE 0 END), 0) AS c
    FROM (${creditPayments(accountId)}) cp`;
}

/** A payment holding unallocated credit, oldest first: a refund's credit is taken from them in this order. */
export type CreditPaymentRow = { id: number; ratePpm: number; unallocatedMinor: number };

export function creditPaymentsQuery(accountId: number): SQL {
  return sql`SELECT cp.id, cp."ratePpm", cp."unallocatedMinor" FROM (${creditPayments(accountId)}) cp
    WHERE cp."unallocatedMinor" > 0 ORDER BY cp.id`;
}

/** What refund validation reads of an account named by an entry (by number or through a bill). */
export type RefundAccountRecord = {
  id: number;
  accountNo: string;
  accountKey: string;
  currency: string;
  refundItemsMinor: number;
  creditMinor: number;
  hasBillUnit: number;
};

/** The non-suspense accounts named by key or by one of their bills, with what they could pay back. */
export function refundAccountsQuery(d: D, keys: readonly string[], billNos: readonly string[]): SQL {
  return sql`SELECT a.id, a.account_no AS "accountNo", a.account_key AS "accountKey", a.currency,
      coalesce((SELECT -sum(i.open_minor) FROM bill_items i
                WHERE i.account_id = a.id AND i.status = 'open' AND i.type = ${REFUND_ITEM_TYPE} AND i.open_minor < 0), 0) AS "refundItemsMinor",
      (SELECT coalesce(sum(CASE WHEN cp."unallocatedMinor" > 0 THEN cp."unallocatedMinor" ELSE 0 END), 0)
         FROM (${creditPayments(sql`a.id`)}) cp) AS "creditMinor",
      ${flag(sql`EXISTS (SELECT 1 FROM bill_units u WHERE u.account_id = a.id)`)} AS "hasBillUnit"
    FROM accounts a WHERE a.is_suspense = 0 AND (${inList(d, sql`a.account_key`, keys)}
      OR a.id IN (SELECT account_id FROM bills WHERE ${inList(d, sql`bill_no`, billNos)}))`;
}

/** The accounts of some bills. */
export function billAccountsQuery(d: D, billNos: readonly string[]): SQL {
  return sql`SELECT bill_no AS "billNo", account_id AS "accountId" FROM bills WHERE ${inList(d, sql`bill_no`, billNos)}`;
}

/** Whether a refund was posted under a source key. */
export function refundPostedQuery(sourceKey: string): SQL {
  return sql`SELECT 1 AS posted FROM refunds WHERE source_key = ${sourceKey}`;
}

/** An account that can take refunds (not the suspense account). */
export function refundAccountQuery(accountId: number): SQL {
  return sql`SELECT id, account_no AS "accountNo", currency FROM accounts WHERE id = ${accountId} AND is_suspense = 0`;
}

/** The open refund items of an account, the quoted bill's first, then oldest. */
export function openRefundItemsQuery(accountId: number, billNo: string): SQL {
  return sql`SELECT i.id, i.bill_id AS "billId", -i.open_minor AS "openMinor" FROM bill_items i JOIN bills b ON b.id = i.bill_id
    WHERE i.account_id = ${accountId} AND i.status = 'open' AND i.type = ${REFUND_ITEM_TYPE} AND i.open_minor < 0
    ORDER BY ${flag(sql`b.bill_no = ${billNo}`)} DESC, b.bill_date, b.due_date, i.id`;
}

/** Closes (part of) an open refund item. */
export function refundItemCloseQuery(itemId: number, amountMinor: number): SQL {
  return sql`UPDATE bill_items SET open_minor = open_minor + ${amountMinor},
      status = CASE WHEN open_minor + ${amountMinor} = 0 THEN 'closed' ELSE 'open' END WHERE id = ${itemId}`;
}

/** Moves a bill's amount due by what a refund closed of its items. */
export function refundBillDueQuery(billId: number, amountMinor: number): SQL {
  return sql`UPDATE bills SET amount_due_minor = amount_due_minor + ${amountMinor},
      status = CASE WHEN amount_due_minor + ${amountMinor} = 0 THEN 'closed' ELSE 'open' END WHERE id = ${billId}`;
}

/** The bill unit a refund's own bill goes on: the paying one, then the default. */
export function refundBillUnitQuery(accountId: number): SQL {
  return sql`SELECT id FROM bill_units WHERE account_id = ${accountId} ORDER BY paying DESC, is_default DESC, id LIMIT 1`;
}

/** A refund's own bill (for the credit it pays back), answering its id. */
export function refundBillInsertQuery(b: {
  billNo: string;
  billUnitId: number;
  accountId: number;
  date: string;
  currency: string;
  amountMinor: number;
}): SQL {
  return sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
    VALUES (${b.billNo}, ${b.billUnitId}, ${b.accountId}, ${b.date}, ${b.date}, ${b.currency}, ${b.amountMinor}, ${b.amountMinor}, 'open')
    RETURNING id`;
}

/** The paid refund item on a refund's own bill, answering its id. */
export function refundItemInsertQuery(i: {
  itemNo: string;
  billId: number;
  accountId: number;
  amountMinor: number;
  glId: number;
}): SQL {
  return sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
    VALUES (${i.itemNo}, ${i.billId}, ${i.accountId}, ${REFUND_ITEM_TYPE}, ${i.amountMinor}, ${i.amountMinor}, ${i.glId}, 'open')
    RETURNING id`;
}

/** A refund row as posted. */
export type RefundWrite = {
  sourceKey: string;
  batchId: number | null;
  accountId: number;
  payType: number;
  channelId: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  effectiveDate: string;
  externalRef: string | null;
  payeeName: string | null;
  itemsClosedMinor: number;
  creditUsedMinor: number;
  refundBillId: number | null;
  journalId: number;
  createdAt: string;
  operatorId: number | null;
};

/** A refund, answering its id. */
export function refundInsertQuery(r: RefundWrite): SQL {
  return sql`INSERT INTO refunds (source_key, batch_id, account_id, pay_type, channel_id, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, payee_name, items_closed_minor, credit_used_minor,
      refund_bill_id, journal_id, created_at, operator_id)
    VALUES (${r.sourceKey}, ${r.batchId}, ${r.accountId}, ${r.payType}, ${r.channelId}, ${r.reasonCode}, ${r.amountMinor},
      ${r.currency}, ${r.accountAmountMinor}, ${r.ratePpm}, ${r.effectiveDate}, ${r.externalRef}, ${r.payeeName},
      ${r.itemsClosedMinor}, ${r.creditUsedMinor}, ${r.refundBillId}, ${r.journalId}, ${r.createdAt}, ${r.operatorId})
    RETURNING id`;
}

/** A refund item a refund closed (part of). */
export function refundItemLineInsertQuery(refundId: number, itemId: number, amountMinor: number): SQL {
  return sql`INSERT INTO refund_item_lines (refund_id, item_id, amount_minor) VALUES (${refundId}, ${itemId}, ${amountMinor})`;
}
