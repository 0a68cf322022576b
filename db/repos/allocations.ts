import { sql, type SQL } from 'drizzle-orm';
import type { Dialect } from '../storage/port';

/**
 * Allocations (issue #17): the rows that tie a payment's money to bill items, and the open amounts and statuses
 * of the items and bills they move. Written once here for both databases; the rules (what may be allocated, in
 * what order) live in ledger/allocation.ts.
 */

/** One allocation row to write. */
export type AllocationInsert = {
  paymentId: number;
  accountId: number;
  billId: number | null;
  itemId: number | null;
  amountMinor: number;
  ratePpm: number;
  reversesAllocationId: number | null;
  createdAt: string;
  operatorId: number | null;
};

/** Rows per INSERT through the port: 9 parameters each, far under PostgreSQL's 65,535. */
export const ALLOCATION_ROWS_PER_INSERT = 500;

/** A multi-row insert of allocation rows (at most ALLOCATION_ROWS_PER_INSERT), in order. */
export function allocationsInsertQuery(rows: readonly AllocationInsert[]): SQL {
  return sql`INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm,
      reverses_allocation_id, created_at, operator_id)
    VALUES ${sql.join(
      rows.map(
        (r) =>
          sql`(${r.paymentId}, ${r.accountId}, ${r.billId}, ${r.itemId}, ${r.amountMinor}, ${r.ratePpm},
               ${r.reversesAllocationId}, ${r.createdAt}, ${r.operatorId})`,
      ),
      sql`, `,
    )}`;
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
