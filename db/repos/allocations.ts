import { sql, type SQL } from 'drizzle-orm';
import type { Dialect } from '../storage/port';
import { flag, inList } from './dialect';

/**
 * Allocations (issue #17): the rows that tie a payment's money to bill items, and the open amounts and statuses
 * of the items and bills they move. Written once here for both databases; the rules (what may be allocated, in
 * what order) live in ledger/allocation.ts.
 */

/** One allocation line of a payment to write: its item (and bill), the amount, the allocation it reverses. */
export type AllocationLine = {
  billId: number;
  itemId: number;
  amountMinor: number;
  reversesAllocationId: number | null;
};

/**
 * The allocation rows of one payment, in order (json_each reads an array in order), as one statement with one JSON parameter whatever the number of
 * lines (a payment spread over 10,000 items would otherwise be 90,000 parameters to bind and compile).
 */
export function allocationsInsertQuery(
  d: Dialect,
  payment: { id: number; accountId: number; ratePpm: number },
  lines: readonly AllocationLine[],
  at: string,
  operatorId: number | null,
): SQL {
  const json = JSON.stringify(lines.map((l) => [l.billId, l.itemId, l.amountMinor, l.reversesAllocationId]));
  const columns = sql`INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm,
      reverses_allocation_id, created_at, operator_id)`;
  return d === 'postgres'
    ? sql`${columns} SELECT ${payment.id}, ${payment.accountId}, CAST(v ->> 0 AS bigint), CAST(v ->> 1 AS bigint),
          CAST(v ->> 2 AS bigint), ${payment.ratePpm}, CAST(v ->> 3 AS bigint), ${at}, ${operatorId}
        FROM jsonb_array_elements(CAST(${json} AS jsonb)) WITH ORDINALITY AS x(v, n) ORDER BY n`
    : sql`${columns} SELECT ${payment.id}, ${payment.accountId}, value ->> 0, value ->> 1, value ->> 2, ${payment.ratePpm},
          value ->> 3, ${at}, ${operatorId} FROM json_each(${json})`;
}

/** A payment's net allocation per item (what is still allocated), with the newest allocation row of each. */
export function netAllocationsQuery(paymentId: number): SQL {
  return sql`SELECT item_id AS "itemId", bill_id AS "billId", sum(amount_minor) AS "amountMinor", max(id) AS "lastId"
    FROM allocations WHERE payment_id = ${paymentId}
    GROUP BY item_id, bill_id HAVING sum(amount_minor) <> 0 ORDER BY item_id`;
}

/**
 * Lowers the open amount of the items or bills named in a list of [id, total] pairs (one pair per row) by each
 * total, setting open/closed; answers each changed row's new status. One statement however many rows: the list
 * goes as one JSON parameter.
 */
export function openDeltaQuery(
  d: Dialect,
  table: 'bill_items' | 'bills',
  openColumn: 'open_minor' | 'amount_due_minor',
  pairs: readonly (readonly [number, number])[],
): SQL {
  const t = sql.identifier(table);
  const col = sql.identifier(openColumn);
  const json = JSON.stringify(pairs);
  const from =
    d === 'postgres'
      ? sql`(SELECT CAST(v ->> 0 AS bigint) AS id, CAST(v ->> 1 AS bigint) AS amount
             FROM jsonb_array_elements(CAST(${json} AS jsonb)) AS v)`
      : sql`(SELECT value ->> 0 AS id, value ->> 1 AS amount FROM json_each(${json}))`;
  return sql`UPDATE ${t} SET ${col} = ${col} - x.amount,
      status = CASE WHEN ${col} - x.amount = 0 THEN 'closed' ELSE 'open' END
    FROM ${from} AS x WHERE ${t}.id = x.id RETURNING status`;
}

/** A payment as allocation sees it: what it holds, what is allocated, whether it can take allocations. */
export type AllocPaymentRow = {
  id: number;
  accountId: number;
  kind: string;
  accountAmountMinor: number;
  ratePpm: number;
  allocatedMinor: number;
  reversed: number;
  isSuspense: number;
  /** The account's currency, in which it is allocated. */
  currency: string;
  /** The bill number the payer quoted, the automatic policy's hint. */
  billNo: string | null;
};

/** One payment for allocation. */
export function allocPaymentQuery(paymentId: number): SQL {
  return sql`SELECT p.id, p.account_id AS "accountId", p.kind, p.account_amount_minor AS "accountAmountMinor",
      p.rate_ppm AS "ratePpm",
      coalesce((SELECT sum(amount_minor) FROM allocations WHERE payment_id = p.id), 0) AS "allocatedMinor",
      ${flag(sql`EXISTS (SELECT 1 FROM reversals WHERE payment_id = p.id)`)} AS reversed, a.is_suspense AS "isSuspense",
      a.currency, p.bill_no AS "billNo"
    FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${paymentId}`;
}

/** The stale-data token's figures of an account: one range of allocations_account_idx, however big the ledger. */
export function allocationTokenQuery(accountId: number): SQL {
  return sql`SELECT coalesce(max(id), 0) AS m, count(*) AS n FROM allocations WHERE account_id = ${accountId}`;
}

/** A bill named on a manual allocation line, with whether its bill unit pays. */
export type BillTarget = { id: number; accountId: number; status: string; dueMinor: number; paying: number };

export function billTargetQuery(billNo: string): SQL {
  return sql`SELECT b.id, b.account_id AS "accountId", b.status, b.amount_due_minor AS "dueMinor", u.paying
    FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id WHERE b.bill_no = ${billNo}`;
}

/** An item named on a manual allocation line, with whether its bill unit pays. */
export type ItemTarget = {
  id: number;
  billId: number;
  accountId: number;
  status: string;
  openMinor: number;
  paying: number;
};

export function itemTargetQuery(itemNo: string): SQL {
  return sql`SELECT i.id, i.bill_id AS "billId", i.account_id AS "accountId", i.status, i.open_minor AS "openMinor",
      u.paying
    FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
    WHERE i.item_no = ${itemNo}`;
}

/** A bill's open items in item order (a bill-level amount is spread over them). */
export function openItemsOfBillQuery(billId: number): SQL {
  return sql`SELECT id, open_minor AS "openMinor" FROM bill_items WHERE bill_id = ${billId} AND status = 'open'
    ORDER BY id`;
}

/** An item's open amount. */
export function itemOpenQuery(itemId: number): SQL {
  return sql`SELECT open_minor AS o FROM bill_items WHERE id = ${itemId}`;
}

/** One open item of an open bill of an account, with its bill (the automatic policies' targets). */
export type OpenItemRow = {
  billId: number;
  billNo: string;
  billUnitNo: string;
  billDate: string;
  dueDate: string;
  totalMinor: number;
  amountDueMinor: number;
  paying: number;
  itemId: number;
  itemNo: string;
  type: string;
  amountMinor: number;
  openMinor: number;
};

/** An account's open items of open bills, oldest due first (text in code-point order on both databases). */
export function openItemsOfAccountQuery(d: Dialect, accountId: number): SQL {
  const c = d === 'postgres' ? sql` COLLATE "C"` : sql``;
  return sql`SELECT b.id AS "billId", b.bill_no AS "billNo", u.bill_unit_no AS "billUnitNo", b.bill_date AS "billDate",
      b.due_date AS "dueDate", b.total_minor AS "totalMinor", b.amount_due_minor AS "amountDueMinor", u.paying,
      i.id AS "itemId", i.item_no AS "itemNo", i.type, i.amount_minor AS "amountMinor", i.open_minor AS "openMinor"
    FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
    JOIN bill_items i ON i.bill_id = b.id AND i.status = 'open'
    WHERE b.account_id = ${accountId} AND b.status = 'open'
    ORDER BY b.due_date${c}, b.bill_date${c}, b.bill_no${c}, i.id`;
}

/** Item and bill numbers of items, by item id. */
export function itemNamesQuery(d: Dialect, itemIds: readonly number[]): SQL {
  return sql`SELECT i.id, i.item_no AS "itemNo", b.bill_no AS "billNo" FROM bill_items i JOIN bills b ON b.id = i.bill_id
    WHERE ${inList({ dialect: d }, sql`i.id`, itemIds)}`;
}

/** An account as the allocation dialogs name it. */
export type AllocAccountRow = { id: number; accountNo: string; name: string; currency: string };

/** A customer account by its key (the suspense account takes no allocations from these commands). */
export function allocAccountByKeyQuery(accountKey: string): SQL {
  return sql`SELECT id, account_no AS "accountNo", name, currency FROM accounts
    WHERE account_key = ${accountKey} AND is_suspense = 0`;
}

/** An account by id (a payment's own). */
export function allocAccountQuery(accountId: number): SQL {
  return sql`SELECT id, account_no AS "accountNo", name, currency FROM accounts WHERE id = ${accountId}`;
}

/** A payment of an account as the allocation dialogs list it: its money and what is already allocated. */
export type CreditPaymentRow = {
  paymentId: number;
  effectiveDate: string;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  allocatedMinor: number;
  externalRef: string | null;
  reversed: number;
};

/** An account's payments that did not fail (or one of them), oldest first; the caller keeps those with credit. */
export function creditPaymentsQuery(d: Dialect, accountId: number, paymentId?: number): SQL {
  const one = paymentId === undefined ? sql`` : sql` AND p.id = ${paymentId}`;
  const c = d === 'postgres' ? sql` COLLATE "C"` : sql``;
  return sql`SELECT p.id AS "paymentId", p.effective_date AS "effectiveDate", p.amount_minor AS "amountMinor",
      p.currency, p.account_amount_minor AS "accountAmountMinor",
      coalesce((SELECT sum(amount_minor) FROM allocations WHERE payment_id = p.id), 0) AS "allocatedMinor",
      p.external_ref AS "externalRef", ${flag(sql`EXISTS (SELECT 1 FROM reversals WHERE payment_id = p.id)`)} AS reversed
    FROM payments p WHERE p.account_id = ${accountId} AND p.kind <> 'failed'${one}
    ORDER BY p.effective_date${c}, p.id`;
}

/** One allocation row as history shows it ("where it went", "what paid it"), undo rows included. */
export type AllocationHistoryRow = {
  allocationId: number;
  paymentId: number;
  billNo: string | null;
  itemNo: string | null;
  amountMinor: number;
  ratePpm: number;
  createdAt: string;
  reversal: number;
};

/** The allocation rows of a payment, or against a bill's items, in the order they were written. */
export function allocationHistoryQuery(of: { paymentId: number } | { billId: number }): SQL {
  const where = 'paymentId' in of ? sql`al.payment_id = ${of.paymentId}` : sql`al.bill_id = ${of.billId}`;
  return sql`SELECT al.id AS "allocationId", al.payment_id AS "paymentId", b.bill_no AS "billNo", i.item_no AS "itemNo",
      al.amount_minor AS "amountMinor", al.rate_ppm AS "ratePpm", al.created_at AS "createdAt",
      ${flag(sql`al.reverses_allocation_id IS NOT NULL`)} AS reversal
    FROM allocations al LEFT JOIN bills b ON b.id = al.bill_id LEFT JOIN bill_items i ON i.id = al.item_id
    WHERE ${where} ORDER BY al.id`;
}

/** A bill's id by its number. */
export function billIdQuery(billNo: string): SQL {
  return sql`SELECT id FROM bills WHERE bill_no = ${billNo}`;
}
