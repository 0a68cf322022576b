import { REASON_DOMAIN, requireReasonCode } from './codes';
import type Database from 'better-sqlite3';
import type {
  AccountCreditResultDto,
  AllocationResultDto,
  AllocationRowDto,
  AllocationViewDto,
  AllocBillDto,
  AllocPaymentDto,
} from '../../src-shared/dto/allocation';
import { parseMinor } from '../../src-shared/money';
import {
  planAllocation,
  type AllocTarget,
  type AutoPolicy,
  type OverpaymentPolicy,
  type UnderpaymentPolicy,
} from '../domain/allocation';
import type { SQL } from 'drizzle-orm';
import {
  ALLOCATION_ROWS_PER_INSERT,
  allocationsInsertQuery,
  netAllocationsQuery,
  openDeltaQuery,
  type AllocationInsert,
} from '../../db/repos/allocations';
import type { Dialect, Tx } from '../../db/storage/port';
import { driverAll } from '../../db/storage/sqlite';
import { writeAudit } from './audit';
import { allocationInserter } from './bulk-allocation';
import { assertAccountsWithinCeiling, sumMinor, toMinor } from './ceiling';
import { AppFailure, conflict, invalidFields, notFound } from './errors';
import { exponentOf } from './rates';
import { getSetting } from './settings';

type AccountRow = { id: number; accountNo: string; name: string; currency: string };
type PaymentRow = {
  id: number;
  accountId: number;
  kind: string;
  accountAmountMinor: number;
  ratePpm: number;
  allocatedMinor: number;
  reversed: number;
  isSuspense: number;
};
/** One allocation at item granularity: every allocation row names its item and that item's bill. */
export type ItemLine = { itemId: number; billId: number; amountMinor: number };

function loadAccount(db: Database.Database, accountNo: string): AccountRow {
  const a = db
    .prepare(
      `SELECT id, account_no AS accountNo, name, currency FROM accounts WHERE account_key = ? AND is_suspense = 0`,
    )
    .get(accountNo.trim().toUpperCase()) as AccountRow | undefined;
  if (!a) throw notFound('account', accountNo);
  return a;
}

function loadPayment(db: Database.Database, paymentId: number): PaymentRow {
  const p = db
    .prepare(
      `SELECT p.id, p.account_id AS accountId, p.kind, p.account_amount_minor AS accountAmountMinor, p.rate_ppm AS ratePpm,
              coalesce((SELECT sum(amount_minor) FROM allocations WHERE payment_id = p.id), 0) AS allocatedMinor,
              EXISTS (SELECT 1 FROM reversals WHERE payment_id = p.id) AS reversed, a.is_suspense AS isSuspense
       FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?`,
    )
    .get(paymentId) as PaymentRow | undefined;
  if (!p) throw notFound('payment', String(paymentId));
  return p;
}

/** The query of the stale-data token: one range of allocations_account_idx, however big the ledger. */
export const ALLOCATION_TOKEN_SQL =
  'SELECT coalesce(max(id), 0) AS m, count(*) AS n FROM allocations WHERE account_id = ?';

/** The stale-data token of an account: the newest allocation on it (any payment, any direction). */
export function allocationToken(db: Database.Database, accountId: number): string {
  const row = db.prepare(ALLOCATION_TOKEN_SQL).get(accountId) as {
    m: number;
    n: number;
  };
  return `${row.m}.${row.n}`;
}

/** Open bills of an account (each with its open items), oldest due first; one query, raw rows for speed. */
function openBills(db: Database.Database, accountId: number): AllocBillDto[] {
  const rows = db
    .prepare(
      `SELECT b.id, b.bill_no, u.bill_unit_no, b.bill_date, b.due_date, b.total_minor, b.amount_due_minor, u.paying,
              i.id, i.item_no, i.type, i.amount_minor, i.open_minor
       FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
       JOIN bill_items i ON i.bill_id = b.id AND i.status = 'open'
       WHERE b.account_id = ? AND b.status = 'open'
       ORDER BY b.due_date, b.bill_date, b.bill_no, i.id`,
    )
    .raw()
    .all(accountId) as [
    number,
    string,
    string,
    string,
    string,
    number,
    number,
    number,
    number,
    string,
    string,
    number,
    number,
  ][];
  const out: AllocBillDto[] = [];
  let current: AllocBillDto | undefined;
  for (const r of rows) {
    if (!current || current.billId !== r[0]) {
      current = {
        billId: r[0],
        billNo: r[1],
        billUnitNo: r[2],
        billDate: r[3],
        dueDate: r[4],
        totalMinor: r[5],
        amountDueMinor: r[6],
        payable: r[7] === 1,
        items: [],
      };
      out.push(current);
    }
    current.items.push({ itemId: r[8], itemNo: r[9], type: r[10], amountMinor: r[11], openMinor: r[12] });
  }
  return out;
}

/** Payments of an account that still hold unallocated credit (or one given payment). */
function creditPayments(db: Database.Database, accountId: number, paymentId?: number): AllocPaymentDto[] {
  const rows = db
    .prepare(
      `SELECT p.id AS paymentId, p.effective_date AS effectiveDate, p.amount_minor AS amountMinor, p.currency,
              p.account_amount_minor AS accountAmountMinor,
              coalesce((SELECT sum(amount_minor) FROM allocations WHERE payment_id = p.id), 0) AS allocatedMinor,
              p.external_ref AS externalRef, EXISTS (SELECT 1 FROM reversals WHERE payment_id = p.id) AS reversed
       FROM payments p WHERE p.account_id = ? AND p.kind <> 'failed' AND (? IS NULL OR p.id = ?)
       ORDER BY p.effective_date, p.id`,
    )
    .all(accountId, paymentId ?? null, paymentId ?? null) as (Omit<
    AllocPaymentDto,
    'unallocatedMinor' | 'reversed'
  > & {
    reversed: number;
  })[];
  return rows
    .map((r) => ({
      ...r,
      reversed: r.reversed === 1,
      unallocatedMinor: r.reversed === 1 ? 0 : r.accountAmountMinor - r.allocatedMinor,
    }))
    .filter((r) => paymentId !== undefined || r.unallocatedMinor > 0);
}

/** What the allocation dialogs show: open bills and items, payments with credit, and the stale-data token. */
export function allocationView(
  db: Database.Database,
  input: { accountNo?: string | undefined; paymentId?: number | undefined },
): AllocationViewDto {
  let account: AccountRow;
  if (input.paymentId !== undefined) {
    const p = loadPayment(db, input.paymentId);
    account = db
      .prepare(`SELECT id, account_no AS accountNo, name, currency FROM accounts WHERE id = ?`)
      .get(p.accountId) as AccountRow;
  } else {
    account = loadAccount(db, input.accountNo ?? '');
  }
  const bills = openBills(db, account.id);
  const payments = creditPayments(db, account.id, input.paymentId);
  return {
    accountNo: account.accountNo,
    accountName: account.name,
    currency: account.currency,
    exponent: exponentOf(db, account.currency),
    bills,
    openMinor: bills.reduce((s, b) => s + b.amountDueMinor, 0),
    payments,
    unallocatedMinor: payments.reduce((s, p) => s + p.unallocatedMinor, 0),
    token: allocationToken(db, account.id),
  };
}

/** Spreads bill-level amounts over each bill's open items in item order (bills close when all items do). */
function billLinesToItems(
  db: Database.Database,
  billLines: { billId: number; amountMinor: number }[],
): ItemLine[] {
  const itemsOf = db.prepare(
    `SELECT id, open_minor AS openMinor FROM bill_items WHERE bill_id = ? AND status = 'open' ORDER BY id`,
  );
  const out: ItemLine[] = [];
  for (const line of billLines) {
    let left = line.amountMinor;
    for (const item of itemsOf.all(line.billId) as { id: number; openMinor: number }[]) {
      if (left <= 0) break;
      if (item.openMinor <= 0) continue;
      const take = Math.min(left, item.openMinor);
      out.push({ itemId: item.id, billId: line.billId, amountMinor: take });
      left -= take;
    }
    if (left > 0)
      throw conflict('over-allocation', `bill ${line.billId} has less open than ${line.amountMinor}`);
  }
  return out;
}

/** Totals per key, as the [key, total] pairs openDeltaQuery reads (summed here: one pair per row it changes). */
function totals(lines: readonly ItemLine[], key: (l: ItemLine) => number): [number, number][] {
  const sums = new Map<number, number>();
  for (const l of lines) sums.set(key(l), (sums.get(key(l)) ?? 0) + l.amountMinor);
  return [...sums];
}

/** The item and bill updates of a set of item lines (items first, then bills). */
function openDeltas(d: Dialect, lines: readonly ItemLine[]): SQL[] {
  return [
    openDeltaQuery(
      d,
      'bill_items',
      'open_minor',
      totals(lines, (l) => l.itemId),
    ),
    openDeltaQuery(
      d,
      'bills',
      'amount_due_minor',
      totals(lines, (l) => l.billId),
    ),
  ];
}

/** How many of an update's rows closed. */
const closedOf = (rows: { status: string }[]): number => rows.filter((r) => r.status === 'closed').length;

/**
 * Writes allocation rows and moves open amounts and statuses of items and bills with three set-based
 * statements over JSON lists (far cheaper than a statement per line for large allocations); returns how
 * many items and bills closed. Runs inside the caller's transaction.
 */
export function applyItemLines(
  db: Database.Database,
  payment: { id: number; accountId: number; ratePpm: number },
  lines: readonly ItemLine[],
  at: string,
  operatorId: number | null,
  reverses?: Map<number, number>,
): { closedItems: number; closedBills: number } {
  if (lines.length === 0) return { closedItems: 0, closedBills: 0 };
  const ins = allocationInserter(db);
  for (const l of lines)
    ins.add(
      payment.id,
      payment.accountId,
      l.billId,
      l.itemId,
      l.amountMinor,
      payment.ratePpm,
      reverses?.get(l.itemId) ?? null,
      at,
      operatorId,
    );
  ins.flush();
  const [items, bills] = openDeltas('sqlite', lines);
  const closedItems = closedOf(driverAll(db, items!));
  const closedBills = closedOf(driverAll(db, bills!));
  const undo = lines.some((l) => l.amountMinor < 0);
  return undo ? { closedItems: 0, closedBills: 0 } : { closedItems, closedBills };
}

/** applyItemLines in a port transaction (SQLite or PostgreSQL): the same rows and updates. */
export async function applyItemLinesIn(
  tx: Tx,
  payment: { id: number; accountId: number; ratePpm: number },
  lines: readonly ItemLine[],
  at: string,
  operatorId: number | null,
  reverses?: Map<number, number>,
): Promise<{ closedItems: number; closedBills: number }> {
  if (lines.length === 0) return { closedItems: 0, closedBills: 0 };
  const rows: AllocationInsert[] = lines.map((l) => ({
    paymentId: payment.id,
    accountId: payment.accountId,
    billId: l.billId,
    itemId: l.itemId,
    amountMinor: l.amountMinor,
    ratePpm: payment.ratePpm,
    reversesAllocationId: reverses?.get(l.itemId) ?? null,
    createdAt: at,
    operatorId,
  }));
  for (let i = 0; i < rows.length; i += ALLOCATION_ROWS_PER_INSERT)
    await tx.run(allocationsInsertQuery(rows.slice(i, i + ALLOCATION_ROWS_PER_INSERT)));
  const [items, bills] = openDeltas(tx.dialect, lines);
  const closedItems = closedOf(await tx.all(items!));
  const closedBills = closedOf(await tx.all(bills!));
  const undo = lines.some((l) => l.amountMinor < 0);
  return undo ? { closedItems: 0, closedBills: 0 } : { closedItems, closedBills };
}

/** What unwinding a payment's allocations did: the undo lines written (negative) and the amount undone. */
export type Unwound = { lines: ItemLine[]; undoneMinor: number };

/**
 * Undoes a payment's net allocations (per item, what is still allocated) inside the caller's transaction:
 * writes the opposite allocation rows (each naming the allocation it reverses) and reopens the items and
 * bills, refund items included (G11). The amount returns to the payment's unallocated credit. The one
 * unwind used by allocation undo, payment reversals and the suspense moves.
 */
export function unwindAllocations(
  db: Database.Database,
  payment: { id: number; accountId: number; ratePpm: number },
  at: string,
  operatorId: number | null,
): Unwound {
  const net = driverAll<NetAllocation>(db, netAllocationsQuery(payment.id));
  const lines = undoLines(net);
  applyItemLines(db, payment, lines, at, operatorId, reversesOf(net));
  return { lines, undoneMinor: undoneOf(payment, net) };
}

/** unwindAllocations in a port transaction. */
export async function unwindAllocationsIn(
  tx: Tx,
  payment: { id: number; accountId: number; ratePpm: number },
  at: string,
  operatorId: number | null,
): Promise<Unwound> {
  const net = await tx.all<NetAllocation>(netAllocationsQuery(payment.id));
  const lines = undoLines(net);
  await applyItemLinesIn(tx, payment, lines, at, operatorId, reversesOf(net));
  return { lines, undoneMinor: undoneOf(payment, net) };
}

/** A payment's net allocation on one item, and the newest allocation row of it. */
type NetAllocation = ItemLine & { lastId: number };

/** The opposite lines of what is still allocated. */
const undoLines = (net: readonly NetAllocation[]): ItemLine[] =>
  net.map((n) => ({ itemId: n.itemId, billId: n.billId, amountMinor: -n.amountMinor }));

/** Which allocation each undo line reverses, by item. */
const reversesOf = (net: readonly NetAllocation[]): Map<number, number> =>
  new Map(net.map((n) => [n.itemId, n.lastId]));

/** The amount undone: a payment's allocations never exceed its credit, so the exact sum fits a number. */
const undoneOf = (payment: { id: number }, net: readonly NetAllocation[]): number =>
  toMinor(sumMinor(net.map((n) => n.amountMinor)), `payment ${payment.id}'s allocations`);

/** Manual allocation lines, amounts as decimal strings in the account's currency. */
export type ManualLines = {
  bills?: { billNo: string; amount: string }[];
  items?: { itemNo: string; amount: string }[];
};

/** Input of an allocation of one posted payment. */
export type AllocateInput = ManualLines & {
  paymentId: number;
  policy?: AutoPolicy | undefined;
  token?: string | undefined;
};

function parseAmount(text: string, exponent: number, path: string): number {
  const r = parseMinor(text, exponent);
  if (!r.ok) throw invalidFields(`${path}: ${r.error.reason}`, [{ path, message: r.error.reason }]);
  if (r.value <= 0)
    throw invalidFields(`${path}: an allocation must be positive`, [{ path, message: 'must be positive' }]);
  return r.value;
}

/** Checks and converts manual lines to item lines; every rule is enforced here, not only in the dialog. */
function manualItemLines(
  db: Database.Database,
  accountId: number,
  exponent: number,
  input: ManualLines,
): ItemLine[] {
  const billLines: { billId: number; amountMinor: number }[] = [];
  const itemLines: ItemLine[] = [];
  const billQ = db.prepare(
    `SELECT b.id, b.account_id AS accountId, b.status, b.amount_due_minor AS dueMinor, u.paying FROM bills b
     JOIN bill_units u ON u.id = b.bill_unit_id WHERE b.bill_no = ?`,
  );
  const itemQ = db.prepare(
    `SELECT i.id, i.bill_id AS billId, i.account_id AS accountId, i.status, i.open_minor AS openMinor, u.paying FROM bill_items i
     JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id WHERE i.item_no = ?`,
  );
  (input.bills ?? []).forEach((l, idx) => {
    const path = `bills.${idx}.amount`;
    const amountMinor = parseAmount(l.amount, exponent, path);
    const b = billQ.get(l.billNo.trim()) as
      { id: number; accountId: number; status: string; dueMinor: number; paying: number } | undefined;
    if (!b) throw notFound('bill', l.billNo);
    if (b.accountId !== accountId)
      throw conflict('other-account', `bill ${l.billNo} belongs to another account`);
    if (b.status !== 'open') throw conflict('closed-target', `bill ${l.billNo} is closed`);
    if (b.paying !== 1)
      throw conflict('nonpaying-bill-unit', `bill ${l.billNo} belongs to a nonpaying bill unit (V7)`);
    if (amountMinor > b.dueMinor)
      throw conflict('over-allocation', `bill ${l.billNo}: ${l.amount} is more than its amount due`);
    billLines.push({ billId: b.id, amountMinor });
  });
  (input.items ?? []).forEach((l, idx) => {
    const path = `items.${idx}.amount`;
    const amountMinor = parseAmount(l.amount, exponent, path);
    const i = itemQ.get(l.itemNo.trim()) as
      | { id: number; billId: number; accountId: number; status: string; openMinor: number; paying: number }
      | undefined;
    if (!i) throw notFound('item', l.itemNo);
    if (i.accountId !== accountId)
      throw conflict('other-account', `item ${l.itemNo} belongs to another account`);
    if (i.status !== 'open') throw conflict('closed-target', `item ${l.itemNo} is closed`);
    if (i.paying !== 1)
      throw conflict('nonpaying-bill-unit', `item ${l.itemNo} belongs to a nonpaying bill unit (V7)`);
    if (amountMinor > i.openMinor)
      throw conflict('over-allocation', `item ${l.itemNo}: ${l.amount} is more than its open amount`);
    itemLines.push({ itemId: i.id, billId: i.billId, amountMinor });
  });
  const lines = [...billLinesToItems(db, billLines), ...itemLines];
  const perItem = new Map<number, number>();
  for (const l of lines) perItem.set(l.itemId, (perItem.get(l.itemId) ?? 0) + l.amountMinor);
  const openQ = db.prepare('SELECT open_minor AS o FROM bill_items WHERE id = ?');
  for (const [itemId, total] of perItem) {
    const open = (openQ.get(itemId) as { o: number }).o;
    if (total > open)
      throw conflict('over-allocation', `the lines allocate ${total} to an item with ${open} open`);
  }
  return lines;
}

/** Item and bill numbers by item id, when the caller already read them. */
type ItemNames = Map<number, readonly [number, string, string]>;

function describeLines(
  db: Database.Database,
  lines: ItemLine[],
  known?: ItemNames,
): AllocationResultDto['lines'] {
  // One set query (or none when the planner's read named the items): a payment spread over 10,000 items
  // would otherwise cost 10,000 point look-ups.
  const names: ItemNames =
    known ??
    new Map(
      (
        db
          .prepare(
            `SELECT i.id, i.item_no, b.bill_no FROM bill_items i JOIN bills b ON b.id = i.bill_id
           WHERE i.id IN (SELECT value FROM json_each(?))`,
          )
          .raw()
          .all(JSON.stringify([...new Set(lines.map((l) => l.itemId))])) as [number, string, string][]
      ).map((r) => [r[0], r]),
    );
  return lines.map((l) => {
    const r = names.get(l.itemId);
    return r
      ? { itemNo: r[1], billNo: r[2], amountMinor: l.amountMinor }
      : ({ amountMinor: l.amountMinor } as never);
  });
}

function policySettings(db: Database.Database): {
  policy: AutoPolicy;
  overpayment: OverpaymentPolicy;
  underpayment: UnderpaymentPolicy;
  searchBillAmount: boolean;
} {
  return {
    policy: String(getSetting(db, 'allocation.policy')) as AutoPolicy,
    overpayment: String(getSetting(db, 'allocation.overpayment')) as OverpaymentPolicy,
    underpayment: String(getSetting(db, 'allocation.underpayment')) as UnderpaymentPolicy,
    searchBillAmount: getSetting(db, 'SearchBillAmount') === true,
  };
}

/** Plans automatic item lines for a payment's unallocated amount with a policy. */
function autoItemLines(
  db: Database.Database,
  accountId: number,
  amountMinor: number,
  policy: AutoPolicy,
  billNoHint: string | null,
): { lines: ItemLine[]; outcome: string; matchedBy: string; names: ItemNames } {
  const s = policySettings(db);
  const bills = openBills(db, accountId);
  const names: ItemNames = new Map();
  for (const b of bills) for (const i of b.items) names.set(i.itemId, [i.itemId, i.itemNo, b.billNo]);
  const targets: AllocTarget[] = bills.flatMap((b) =>
    b.items.map((i) => ({
      id: i.itemId,
      billId: b.billId,
      billNo: b.billNo,
      billDate: b.billDate,
      dueDate: b.dueDate,
      openMinor: i.openMinor,
      billDueMinor: b.amountDueMinor,
      payable: b.payable,
    })),
  );
  const plan = planAllocation({
    amountMinor,
    targets,
    policy,
    billNoHint,
    searchBillAmount: s.searchBillAmount,
    // A posted payment's remainder always stays as account credit; suspense policies apply at validation.
    overpayment: 'credit',
    underpayment: 'partial',
  });
  return {
    lines: plan.lines.map((l) => ({ itemId: l.targetId, billId: l.billId, amountMinor: l.amountMinor })),
    outcome: plan.outcome,
    matchedBy: plan.matchedBy,
    names,
  };
}

/**
 * Allocates a posted payment's unallocated amount: manual lines (bills and/or items) or a policy.
 * Every rule is checked here; any failure throws and changes nothing (one transaction).
 */
export function allocatePayment(
  db: Database.Database,
  input: AllocateInput,
  now: Date,
  operatorId: number | null,
): AllocationResultDto {
  return db.transaction((): AllocationResultDto => {
    const payment = loadPayment(db, input.paymentId);
    if (payment.isSuspense === 1)
      throw conflict(
        'suspended-payment',
        `payment ${payment.id} is in suspense; apply it from Payment Center`,
      );
    if (payment.reversed === 1) throw conflict('reversed-payment', `payment ${payment.id} is reversed`);
    if (payment.kind === 'failed')
      throw conflict('failed-payment', `payment ${payment.id} failed and cannot be allocated`);
    if (input.token !== undefined && input.token !== allocationToken(db, payment.accountId)) {
      throw conflict(
        'stale',
        'someone else allocated on this account since you opened it; reload and try again',
      );
    }
    const unallocated = payment.accountAmountMinor - payment.allocatedMinor;
    if (unallocated <= 0) throw conflict('nothing-to-allocate', `payment ${payment.id} is fully allocated`);
    const currency = (
      db.prepare('SELECT currency FROM accounts WHERE id = ?').get(payment.accountId) as { currency: string }
    ).currency;
    const manual = (input.bills?.length ?? 0) + (input.items?.length ?? 0) > 0;
    let lines: ItemLine[];
    let names: ItemNames | undefined;
    let outcome = 'manual';
    let matchedBy = 'manual';
    if (manual) {
      lines = manualItemLines(db, payment.accountId, exponentOf(db, currency), input);
      const total = lines.reduce((s, l) => s + l.amountMinor, 0);
      if (total > unallocated) {
        throw conflict(
          'over-allocation',
          `the lines allocate ${total} but only ${unallocated} of payment ${payment.id} is unallocated`,
        );
      }
    } else {
      const ref = db.prepare('SELECT bill_no AS r FROM payments WHERE id = ?').get(payment.id) as {
        r: string | null;
      };
      const auto = autoItemLines(
        db,
        payment.accountId,
        unallocated,
        input.policy ?? policySettings(db).policy,
        ref.r,
      );
      ({ lines, outcome, matchedBy, names } = auto);
    }
    const at = now.toISOString();
    const allocatedNow = lines.reduce((s, l) => s + l.amountMinor, 0);
    writeAudit(db, {
      at,
      operatorId,
      action: 'allocation.apply',
      entity: 'payment',
      entityId: String(payment.id),
      before: { allocatedMinor: payment.allocatedMinor },
      after: { allocatedMinor: payment.allocatedMinor + allocatedNow, lineCount: lines.length, matchedBy },
    });
    const closed = applyItemLines(db, payment, lines, at, operatorId);
    return {
      paymentId: payment.id,
      allocatedMinor: allocatedNow,
      unallocatedMinor: unallocated - allocatedNow,
      lines: describeLines(db, lines, names),
      outcome,
      matchedBy,
      ...closed,
    };
  })();
}

/** Undoes every allocation of a payment with a reason: the amount returns to unallocated and items reopen. */
export function undoAllocation(
  db: Database.Database,
  input: { paymentId: number; reasonCode: number },
  now: Date,
  operatorId: number | null,
): AllocationResultDto {
  return db.transaction((): AllocationResultDto => {
    requireReasonCode(db, REASON_DOMAIN.suspenseReversal, input.reasonCode);
    const payment = loadPayment(db, input.paymentId);
    const at = now.toISOString();
    const { lines, undoneMinor: undone } = unwindAllocations(db, payment, at, operatorId);
    if (lines.length === 0)
      throw conflict('nothing-to-undo', `payment ${payment.id} has no allocation to undo`);
    writeAudit(db, {
      at,
      operatorId,
      action: 'allocation.undo',
      entity: 'payment',
      entityId: String(payment.id),
      before: { allocatedMinor: payment.allocatedMinor },
      after: { allocatedMinor: 0 },
      reasonCode: input.reasonCode,
    });
    // The credit comes back: refused (and rolled back) if it would pass the ceiling.
    assertAccountsWithinCeiling(db, [payment.accountId]);
    return {
      paymentId: payment.id,
      allocatedMinor: -undone,
      unallocatedMinor: payment.accountAmountMinor - payment.allocatedMinor + undone,
      lines: describeLines(db, lines),
      outcome: 'undone',
      matchedBy: 'undo',
      closedItems: 0,
      closedBills: 0,
    };
  })();
}

/** Allocates all unallocated credit of an account to its open bills, oldest payment first. */
export function allocateAccountCredit(
  db: Database.Database,
  input: { accountNo: string; policy: AutoPolicy },
  now: Date,
  operatorId: number | null,
): AccountCreditResultDto {
  return db.transaction((): AccountCreditResultDto => {
    const account = loadAccount(db, input.accountNo);
    const results: AllocationResultDto[] = [];
    for (const p of creditPayments(db, account.id)) {
      const open = (
        db
          .prepare(`SELECT count(*) AS n FROM bill_items WHERE account_id = ? AND status = 'open'`)
          .get(account.id) as { n: number }
      ).n;
      if (open === 0) break;
      try {
        results.push(allocatePayment(db, { paymentId: p.paymentId, policy: input.policy }, now, operatorId));
      } catch (err) {
        if (err instanceof AppFailure && err.error.code === 'conflict') continue;
        throw err;
      }
    }
    const left = creditPayments(db, account.id).reduce((s, p) => s + p.unallocatedMinor, 0);
    return {
      accountNo: account.accountNo,
      payments: results.filter((r) => r.allocatedMinor > 0),
      allocatedMinor: results.reduce((s, r) => s + r.allocatedMinor, 0),
      unallocatedMinor: left,
    };
  })();
}

const ALLOCATION_ROW = `SELECT al.id AS allocationId, al.payment_id AS paymentId, b.bill_no AS billNo, i.item_no AS itemNo,
  al.amount_minor AS amountMinor, al.rate_ppm AS ratePpm, al.created_at AS createdAt,
  (al.reverses_allocation_id IS NOT NULL) AS reversal
  FROM allocations al LEFT JOIN bills b ON b.id = al.bill_id LEFT JOIN bill_items i ON i.id = al.item_id`;

function toRows(rows: (Omit<AllocationRowDto, 'reversal'> & { reversal: number })[]): AllocationRowDto[] {
  return rows.map((r) => ({ ...r, reversal: r.reversal === 1 }));
}

/** Where a payment went: its allocation rows, undo rows included. */
export function paymentAllocations(db: Database.Database, paymentId: number): AllocationRowDto[] {
  loadPayment(db, paymentId);
  return toRows(
    db.prepare(`${ALLOCATION_ROW} WHERE al.payment_id = ? ORDER BY al.id`).all(paymentId) as never,
  );
}

/** What paid a bill: allocation rows against its items. */
export function billPayments(db: Database.Database, billNo: string): AllocationRowDto[] {
  const bill = db.prepare('SELECT id FROM bills WHERE bill_no = ?').get(billNo.trim()) as
    { id: number } | undefined;
  if (!bill) throw notFound('bill', billNo);
  return toRows(db.prepare(`${ALLOCATION_ROW} WHERE al.bill_id = ? ORDER BY al.id`).all(bill.id) as never);
}
