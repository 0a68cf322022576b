import type Database from 'better-sqlite3';
import { openItemsOfAccountQuery, type OpenItemRow as OpenAccountItem } from '../../db/repos/allocations';
import { openItemsOfBillsQuery } from '../../db/repos/submit';
import type { Tx } from '../../db/storage/port';
import { driverAll } from '../../db/storage/sqlite';
import { applyItemLinesIn } from './allocation';
import { crashPoint } from './crash-point';
import {
  byOldestDue,
  fillInOrder,
  planAllocation,
  type AllocTarget,
  type AutoPolicy,
} from '../domain/allocation';

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A statement prepared once per connection: refunds and lock-per-account submits write allocations entry by entry. */
function cachedStatement(db: Database.Database, sql: string): Database.Statement {
  let m = statementCache.get(db);
  if (!m) statementCache.set(db, (m = new Map<string, Database.Statement>()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

/** Rows per multi-row INSERT: one statement step per 100 rows costs far less than 100 steps (900 parameters). */
const ROWS_PER_INSERT = 100;
const ALLOCATION_COLUMNS = 9;

function allocationInsertSql(rows: number): string {
  return `INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm, reverses_allocation_id, created_at, operator_id)
     VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`;
}

/** Buffers allocation rows and writes them with multi-row INSERTs, in the order they were added. */
export type AllocationInserter = {
  add(
    paymentId: number,
    accountId: number,
    billId: number | null,
    itemId: number | null,
    amountMinor: number,
    ratePpm: number,
    reversesAllocationId: number | null,
    createdAt: string,
    operatorId: number | null,
  ): void;
  /** Writes what is still buffered; call before anything reads the allocations back. */
  flush(): void;
};

/** An inserter for allocation rows on this connection (statements are prepared once per connection). */
export function allocationInserter(db: Database.Database): AllocationInserter {
  const buffer: unknown[] = [];
  const full = cachedStatement(db, allocationInsertSql(ROWS_PER_INSERT));
  const flush = (): void => {
    if (buffer.length === 0) return;
    const rows = buffer.length / ALLOCATION_COLUMNS;
    (rows === ROWS_PER_INSERT ? full : cachedStatement(db, allocationInsertSql(rows))).run(buffer);
    buffer.length = 0;
  };
  return {
    add(
      paymentId,
      accountId,
      billId,
      itemId,
      amountMinor,
      ratePpm,
      reversesAllocationId,
      createdAt,
      operatorId,
    ) {
      buffer.push(
        paymentId,
        accountId,
        billId,
        itemId,
        amountMinor,
        ratePpm,
        reversesAllocationId,
        createdAt,
        operatorId,
      );
      if (buffer.length === ROWS_PER_INSERT * ALLOCATION_COLUMNS) flush();
    },
    flush,
  };
}

/** The entries of a map keyed by row id, in id order. */
function byId<V>(m: Map<number, V>): [number, V][] {
  return [...m].sort((a, b) => a[0] - b[0]);
}

/** A posted payment waiting for automatic allocation, amount already in the account's currency. */
export type BulkAllocPayment = {
  paymentId: number;
  accountId: number;
  amountMinor: number;
  ratePpm: number;
  billNo: string | null;
};

/** Totals of a bulk allocation. */
export type BulkAllocStats = {
  payments: number;
  allocations: number;
  allocatedMinor: number;
  closedItems: number;
  closedBills: number;
};

type OpenItemRow = {
  id: number;
  billId: number;
  accountId: number;
  openMinor: number;
  billNo: string;
  billDate: string;
  dueDate: string;
  billDueMinor: number;
  paying: number;
};

/**
 * Allocates many posted payments at once (batch submit): loads the open items of all their accounts in
 * one query, plans each payment with the allocation engine against the running open amounts (payments of
 * one account in the given order), then writes allocation rows and each touched item and bill once.
 * Runs inside the caller's transaction; remainders stay as unallocated account credit.
 */
export function allocateBulk(
  db: Database.Database,
  payments: readonly BulkAllocPayment[],
  opts: { policy: AutoPolicy; searchBillAmount: boolean },
  at: string,
  operatorId: number | null,
): BulkAllocStats {
  const stats: BulkAllocStats = {
    payments: payments.length,
    allocations: 0,
    allocatedMinor: 0,
    closedItems: 0,
    closedBills: 0,
  };
  if (payments.length === 0) return stats;
  const accountIds = [...new Set(payments.map((p) => p.accountId))];
  const rows = db
    .prepare(
      `SELECT i.id, i.bill_id AS billId, i.account_id AS accountId, i.open_minor AS openMinor, b.bill_no AS billNo,
              b.bill_date AS billDate, b.due_date AS dueDate, b.amount_due_minor AS billDueMinor, u.paying
       FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
       WHERE i.account_id IN (SELECT value FROM json_each(?)) AND i.status = 'open'`,
    )
    .all(JSON.stringify(accountIds)) as OpenItemRow[];
  const targetsByAccount = new Map<number, AllocTarget[]>();
  const billDue = new Map<number, number>();
  for (const r of rows) {
    if (r.paying !== 1) continue;
    let list = targetsByAccount.get(r.accountId);
    if (!list) targetsByAccount.set(r.accountId, (list = []));
    list.push({
      id: r.id,
      billId: r.billId,
      billNo: r.billNo,
      billDate: r.billDate,
      dueDate: r.dueDate,
      openMinor: r.openMinor,
      billDueMinor: r.billDueMinor,
      payable: r.paying === 1,
    });
    billDue.set(r.billId, r.billDueMinor);
  }
  // Oldest-first order is the same for every payment of an account: sort once, not per payment.
  for (const list of targetsByAccount.values()) list.sort(byOldestDue);
  const ins = allocationInserter(db);
  const touchedItems = new Map<number, AllocTarget>();
  const touchedBills = new Set<number>();
  // Payments of one account stay in their given order; grouping by account keeps page access local.
  const ordered = payments
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.accountId - b.p.accountId || a.i - b.i);
  for (const { p } of ordered) {
    const targets = targetsByAccount.get(p.accountId);
    if (!targets || p.amountMinor <= 0) continue;
    const lines = bulkLines(p, targets, opts);
    for (const line of lines) {
      const t = targets.find((x) => x.id === line.targetId);
      if (!t) continue;
      ins.add(
        p.paymentId,
        p.accountId,
        line.billId,
        line.targetId,
        line.amountMinor,
        p.ratePpm,
        null,
        at,
        operatorId,
      );
      t.openMinor -= line.amountMinor;
      const due = (billDue.get(line.billId) ?? 0) - line.amountMinor;
      billDue.set(line.billId, due);
      for (const sibling of targets) if (sibling.billId === line.billId) sibling.billDueMinor = due;
      touchedItems.set(t.id, t);
      touchedBills.add(line.billId);
      stats.allocations++;
      stats.allocatedMinor += line.amountMinor;
    }
  }
  ins.flush();
  const setItem = db.prepare(`UPDATE bill_items SET open_minor = ?, status = ? WHERE id = ?`);
  // In id order: the pages of a large table are then visited once each, not at random per payment.
  for (const [, t] of byId(touchedItems)) {
    setItem.run(t.openMinor, t.openMinor === 0 ? 'closed' : 'open', t.id);
    if (t.openMinor === 0) stats.closedItems++;
  }
  const setBill = db.prepare(`UPDATE bills SET amount_due_minor = ?, status = ? WHERE id = ?`);
  for (const billId of [...touchedBills].sort((a, b) => a - b)) {
    const due = billDue.get(billId) ?? 0;
    setBill.run(due, due === 0 ? 'closed' : 'open', billId);
    if (due === 0) stats.closedBills++;
  }
  return stats;
}

/** allocateBulk's plan of one payment against its account's targets (oldest due first, running open amounts). */
function bulkLines(
  p: BulkAllocPayment,
  targets: AllocTarget[],
  opts: { policy: AutoPolicy; searchBillAmount: boolean },
): { targetId: number; billId: number; amountMinor: number }[] {
  const simpleFifo = opts.policy === 'fifo' || (opts.policy === 'standard' && !opts.searchBillAmount);
  return simpleFifo && !(opts.policy === 'standard' && p.billNo)
    ? fillInOrder(p.amountMinor, targets)
    : planAllocation({
        amountMinor: p.amountMinor,
        targets,
        policy: opts.policy,
        billNoHint: p.billNo,
        searchBillAmount: opts.searchBillAmount,
        overpayment: 'credit',
        underpayment: 'partial',
      }).lines;
}

/**
 * allocateBulk in a port transaction (a collection run's approvals on PostgreSQL): the same plan per payment, in
 * account order, against the account's open items as the payments before it left them (read back, where the driver
 * keeps running amounts), written per payment by the allocation core: the same allocation rows, items and bills.
 */
export async function allocateBulkIn(
  tx: Tx,
  payments: readonly BulkAllocPayment[],
  opts: { policy: AutoPolicy; searchBillAmount: boolean },
  at: string,
  operatorId: number | null,
): Promise<void> {
  const ordered = payments
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.accountId - b.p.accountId || a.i - b.i);
  for (const { p } of ordered) {
    if (p.amountMinor <= 0) continue;
    const targets: AllocTarget[] = (
      await tx.all<OpenAccountItem>(openItemsOfAccountQuery(tx.dialect, p.accountId))
    )
      .filter((r) => r.paying === 1)
      .map((r) => ({
        id: r.itemId,
        billId: r.billId,
        billNo: r.billNo,
        billDate: r.billDate,
        dueDate: r.dueDate,
        openMinor: r.openMinor,
        billDueMinor: r.amountDueMinor,
        payable: true,
      }))
      .sort(byOldestDue);
    if (targets.length === 0) continue;
    await applyItemLinesIn(
      tx,
      { id: p.paymentId, accountId: p.accountId, ratePpm: p.ratePpm },
      bulkLines(p, targets, opts).map((l) => ({
        itemId: l.targetId,
        billId: l.billId,
        amountMinor: l.amountMinor,
      })),
      at,
      operatorId,
    );
  }
}

/** Allocation lines already decided (by validation or by hand), per payment, at item granularity. */
export type DecidedAllocation = {
  paymentId: number;
  accountId: number;
  ratePpm: number;
  lines: readonly { itemId: number; billId: number; amountMinor: number }[];
};

/** Writes decided allocations in parts; `finish` moves each touched item and bill once, by its total. */
export type AllocationWriter = {
  write(allocations: readonly DecidedAllocation[]): void;
  /** Updates the items and bills; throws if any item would go below zero. */
  finish(): BulkAllocStats;
};

/**
 * Writes decided allocations in bulk: one allocation row per line, then each touched item and bill updated
 * once by its total. Throws if any item would go below zero (the caller's transaction then rolls back).
 */
export function writeAllocations(
  db: Database.Database,
  allocations: readonly DecidedAllocation[],
  at: string,
  operatorId: number | null,
): BulkAllocStats {
  const writer = allocationWriter(db, at, operatorId);
  writer.write(allocations);
  return writer.finish();
}

/**
 * The chunked form of writeAllocations: rows are written as chunks come, item and bill totals add up over
 * every chunk, and `finish` updates each item and bill once (a submit in chunks must not rewrite them per chunk).
 */
export function allocationWriter(
  db: Database.Database,
  at: string,
  operatorId: number | null,
): AllocationWriter {
  const stats: BulkAllocStats = {
    payments: 0,
    allocations: 0,
    allocatedMinor: 0,
    closedItems: 0,
    closedBills: 0,
  };
  const ins = allocationInserter(db);
  const perItem = new Map<number, number>();
  const perBill = new Map<number, number>();
  const write = (allocations: readonly DecidedAllocation[]): void => {
    stats.payments += allocations.length;
    for (const a of allocations) {
      for (const l of a.lines) {
        ins.add(a.paymentId, a.accountId, l.billId, l.itemId, l.amountMinor, a.ratePpm, null, at, operatorId);
        perItem.set(l.itemId, (perItem.get(l.itemId) ?? 0) + l.amountMinor);
        perBill.set(l.billId, (perBill.get(l.billId) ?? 0) + l.amountMinor);
        stats.allocations++;
        stats.allocatedMinor += l.amountMinor;
        crashPoint();
      }
    }
  };
  const finish = (): BulkAllocStats => {
    ins.flush();
    const item = cachedStatement(
      db,
      `UPDATE bill_items SET open_minor = open_minor - @amount, status = CASE WHEN open_minor - @amount = 0 THEN 'closed' ELSE 'open' END
       WHERE id = @id RETURNING open_minor AS openMinor, amount_minor AS amountMinor`,
    );
    // In id order: the pages of a large table are then visited once each, not at random per payment.
    for (const [id, amount] of byId(perItem)) {
      const r = item.get({ id, amount }) as { openMinor: number; amountMinor: number } | undefined;
      if (!r || (r.amountMinor >= 0 && r.openMinor < 0))
        throw new Error(`allocation would over-pay item ${id}`);
      if (r.openMinor === 0) stats.closedItems++;
    }
    const bill = cachedStatement(
      db,
      `UPDATE bills SET amount_due_minor = amount_due_minor - @amount, status = CASE WHEN amount_due_minor - @amount = 0 THEN 'closed' ELSE 'open' END
       WHERE id = @id RETURNING amount_due_minor AS dueMinor`,
    );
    for (const [id, amount] of byId(perBill)) {
      const r = bill.get({ id, amount }) as { dueMinor: number } | undefined;
      if (r?.dueMinor === 0) stats.closedBills++;
    }
    return stats;
  };
  return { write, finish };
}

/** Expands bill-level lines to item lines: each bill's amount goes to its open items in item order. */
export function expandBillLines(
  db: Database.Database,
  lines: readonly { billId: number; amountMinor: number }[][],
): { itemId: number; billId: number; amountMinor: number }[][] {
  return billLineExpander(db)(lines);
}

/**
 * A stateful expandBillLines for a submit in chunks: each bill's open items are read once, the first time a
 * chunk names the bill, and later chunks see what earlier ones took (before any item is written back).
 */
export function billLineExpander(
  db: Database.Database,
): (
  lines: readonly { billId: number; amountMinor: number }[][],
) => { itemId: number; billId: number; amountMinor: number }[][] {
  const itemsOf = new Map<number, { id: number; openMinor: number }[]>();
  return (lines) => {
    const billIds = [...new Set(lines.flat().map((l) => l.billId))].filter((id) => !itemsOf.has(id));
    const rows =
      billIds.length === 0
        ? []
        : driverAll<OpenItem>(db, openItemsOfBillsQuery({ dialect: 'sqlite' }, billIds));
    return spreadBillLines(itemsOf, billIds, rows, lines);
  };
}

type OpenItem = { id: number; billId: number; openMinor: number };

/** expandBillLines in a port transaction (one entry's lines at a time: per-entry posting). */
export async function expandBillLinesIn(
  tx: Tx,
  lines: readonly { billId: number; amountMinor: number }[],
): Promise<{ itemId: number; billId: number; amountMinor: number }[]> {
  const billIds = [...new Set(lines.map((l) => l.billId))];
  const rows = billIds.length === 0 ? [] : await tx.all<OpenItem>(openItemsOfBillsQuery(tx, billIds));
  return spreadBillLines(new Map(), billIds, rows, [lines])[0] ?? [];
}

/** Spreads each bill's amount over its open items in item order; `itemsOf` keeps what earlier calls took. */
function spreadBillLines(
  itemsOf: Map<number, { id: number; openMinor: number }[]>,
  billIds: readonly number[],
  rows: readonly OpenItem[],
  lines: readonly (readonly { billId: number; amountMinor: number }[])[],
): { itemId: number; billId: number; amountMinor: number }[][] {
  for (const id of billIds) itemsOf.set(id, []);
  for (const r of rows) itemsOf.get(r.billId)?.push({ id: r.id, openMinor: r.openMinor });
  return lines.map((payment) =>
    payment.flatMap((l) => {
      const out: { itemId: number; billId: number; amountMinor: number }[] = [];
      let left = l.amountMinor;
      for (const item of itemsOf.get(l.billId) ?? []) {
        if (left <= 0) break;
        const take = Math.min(left, item.openMinor);
        if (take <= 0) continue;
        item.openMinor -= take;
        left -= take;
        out.push({ itemId: item.id, billId: l.billId, amountMinor: take });
      }
      if (left > 0) throw new Error(`bill ${l.billId} has less open than ${l.amountMinor}`);
      return out;
    }),
  );
}
