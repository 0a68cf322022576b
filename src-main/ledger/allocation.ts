import { REASON_DOMAIN, requireReasonCodeIn } from './codes';
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
  allocAccountByKeyQuery,
  allocAccountQuery,
  allocationHistoryQuery,
  allocationsInsertQuery,
  allocationTokenQuery,
  allocPaymentQuery,
  billIdQuery,
  billTargetQuery,
  creditPaymentsQuery,
  itemNamesQuery,
  itemOpenQuery,
  itemTargetQuery,
  netAllocationsQuery,
  openDeltaQuery,
  openItemsOfAccountQuery,
  openItemsOfBillQuery,
  type AllocAccountRow,
  type AllocationHistoryRow,
  type AllocationLine,
  type AllocPaymentRow,
  type BillTarget,
  type CreditPaymentRow,
  type ItemTarget,
  type OpenItemRow,
} from '../../db/repos/allocations';
import { appendAudit } from '../../db/repos/audit';
import { hasOpenItemQuery } from '../../db/repos/payments';
import type { Dialect, Storage, Tx } from '../../db/storage/port';
import { driverAll, driverGet, driverQuery } from '../../db/storage/sqlite';
import { writeAudit, type AuditEntry } from './audit';
import { allocationInserter } from './bulk-allocation';
import { assertAccountsWithinCeilingIn, sumMinor, toMinor } from './ceiling';
import { AppFailure, conflict, invalidFields, notFound } from './errors';
import { exponentOf, exponentOfIn } from './rates';
import { getSetting, getSettingIn } from './settings';

// The allocation commands run behind the storage seam (issue #17): the dialogs' reads in one read-only
// transaction (bills, payments and the token from one snapshot), apply, undo and account credit each in one
// serializable transaction: each reads the payment, its allocations and the open amounts it then writes, so two
// clerks at once take turns (PostgreSQL aborts one and the port retries it, to find the payment or account moved).
// The driver forms below stay for the code that still runs on better-sqlite3 (payment reversals in batch submit,
// the direct-debit test ledger), over the same repository SQL.

const READ = { readOnly: true } as const;
const WRITE = { serializable: true } as const;

type AccountRow = AllocAccountRow;
type PaymentRow = AllocPaymentRow;
/** One allocation at item granularity: every allocation row names its item and that item's bill. */
export type ItemLine = { itemId: number; billId: number; amountMinor: number };

const accountKey = (accountNo: string): string => accountNo.trim().toUpperCase();

async function loadAccountIn(tx: Tx, accountNo: string): Promise<AccountRow> {
  const a = await tx.get<AccountRow>(allocAccountByKeyQuery(accountKey(accountNo)));
  if (!a) throw notFound('account', accountNo);
  return a;
}

function loadPayment(db: Database.Database, paymentId: number): PaymentRow {
  const p = driverGet<PaymentRow>(db, allocPaymentQuery(paymentId));
  if (!p) throw notFound('payment', String(paymentId));
  return p;
}

async function loadPaymentIn(tx: Tx, paymentId: number): Promise<PaymentRow> {
  const p = await tx.get<PaymentRow>(allocPaymentQuery(paymentId));
  if (!p) throw notFound('payment', String(paymentId));
  return p;
}

/** The stale-data token of an account: the newest allocation on it (any payment, any direction). */
export function allocationToken(db: Database.Database, accountId: number): string {
  return tokenOf(driverGet<{ m: number; n: number }>(db, allocationTokenQuery(accountId))!);
}

async function allocationTokenIn(tx: Tx, accountId: number): Promise<string> {
  return tokenOf((await tx.get<{ m: number; n: number }>(allocationTokenQuery(accountId)))!);
}

const tokenOf = (row: { m: number; n: number }): string => `${row.m}.${row.n}`;

/** Open bills of an account (each with its open items), oldest due first; one query. */
function openBills(db: Database.Database, accountId: number): AllocBillDto[] {
  // Rows as arrays (the driver's raw mode): an account with 10,000 open items reads half again as fast.
  const { stmt, params } = driverQuery(db, openItemsOfAccountQuery('sqlite', accountId));
  return groupBills((stmt.raw(true).all(...params) as OpenItemValues[]).map(openItemOf));
}

async function openBillsIn(tx: Tx, accountId: number): Promise<AllocBillDto[]> {
  return groupBills(await tx.all<OpenItemRow>(openItemsOfAccountQuery(tx.dialect, accountId)));
}

/** An open item row's values in the query's column order. */
type OpenItemValues = [
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
];

const openItemOf = (r: OpenItemValues): OpenItemRow => ({
  billId: r[0],
  billNo: r[1],
  billUnitNo: r[2],
  billDate: r[3],
  dueDate: r[4],
  totalMinor: r[5],
  amountDueMinor: r[6],
  paying: r[7],
  itemId: r[8],
  itemNo: r[9],
  type: r[10],
  amountMinor: r[11],
  openMinor: r[12],
});

/** Open item rows (bill by bill) as bills with their items. */
function groupBills(rows: readonly OpenItemRow[]): AllocBillDto[] {
  const out: AllocBillDto[] = [];
  let current: AllocBillDto | undefined;
  for (const r of rows) {
    if (!current || current.billId !== r.billId) {
      current = {
        billId: r.billId,
        billNo: r.billNo,
        billUnitNo: r.billUnitNo,
        billDate: r.billDate,
        dueDate: r.dueDate,
        totalMinor: r.totalMinor,
        amountDueMinor: r.amountDueMinor,
        payable: r.paying === 1,
        items: [],
      };
      out.push(current);
    }
    current.items.push({
      itemId: r.itemId,
      itemNo: r.itemNo,
      type: r.type,
      amountMinor: r.amountMinor,
      openMinor: r.openMinor,
    });
  }
  return out;
}

/** Payments of an account that still hold unallocated credit (or one given payment, whatever it holds). */
function withCredit(rows: readonly CreditPaymentRow[], paymentId?: number): AllocPaymentDto[] {
  return rows
    .map((r) => ({
      ...r,
      reversed: r.reversed === 1,
      unallocatedMinor: r.reversed === 1 ? 0 : r.accountAmountMinor - r.allocatedMinor,
    }))
    .filter((r) => paymentId !== undefined || r.unallocatedMinor > 0);
}

async function creditPaymentsIn(tx: Tx, accountId: number, paymentId?: number): Promise<AllocPaymentDto[]> {
  return withCredit(await tx.all(creditPaymentsQuery(tx.dialect, accountId, paymentId)), paymentId);
}

function viewOf(
  account: AccountRow,
  exponent: number,
  bills: AllocBillDto[],
  payments: AllocPaymentDto[],
  token: string,
): AllocationViewDto {
  return {
    accountNo: account.accountNo,
    accountName: account.name,
    currency: account.currency,
    exponent,
    bills,
    openMinor: bills.reduce((s, b) => s + b.amountDueMinor, 0),
    payments,
    unallocatedMinor: payments.reduce((s, p) => s + p.unallocatedMinor, 0),
    token,
  };
}

/**
 * allocation:view: the dialog's bills, payments and token from one snapshot, so the token an apply sends back
 * names exactly the state the clerk saw.
 */
export function viewAllocation(
  storage: Storage,
  input: { accountNo?: string | undefined; paymentId?: number | undefined },
): Promise<AllocationViewDto> {
  return storage.transaction((tx) => allocationViewIn(tx, input), READ);
}

/** The dialog's view in the caller's port transaction (a batch entry's dialog reads it with the entry's verdict). */
export async function allocationViewIn(
  tx: Tx,
  input: { accountNo?: string | undefined; paymentId?: number | undefined },
): Promise<AllocationViewDto> {
  const account =
    input.paymentId !== undefined
      ? (await tx.get<AccountRow>(allocAccountQuery((await loadPaymentIn(tx, input.paymentId)).accountId)))!
      : await loadAccountIn(tx, input.accountNo ?? '');
  return viewOf(
    account,
    await exponentOfIn(tx, account.currency),
    await openBillsIn(tx, account.id),
    await creditPaymentsIn(tx, account.id, input.paymentId),
    await allocationTokenIn(tx, account.id),
  );
}

/** Spreads bill-level amounts over each bill's open items in item order (bills close when all items do). */
function billLinesToItems(
  db: Database.Database,
  billLines: { billId: number; amountMinor: number }[],
): ItemLine[] {
  return billLines.flatMap((line) =>
    spreadOverItems(line, driverAll<OpenItem>(db, openItemsOfBillQuery(line.billId))),
  );
}

type OpenItem = { id: number; openMinor: number };

/** One bill-level amount over the bill's open items in item order; more than is open is refused. */
function spreadOverItems(
  line: { billId: number; amountMinor: number },
  items: readonly OpenItem[],
): ItemLine[] {
  const out: ItemLine[] = [];
  let left = line.amountMinor;
  for (const item of items) {
    if (left <= 0) break;
    if (item.openMinor <= 0) continue;
    const take = Math.min(left, item.openMinor);
    out.push({ itemId: item.id, billId: line.billId, amountMinor: take });
    left -= take;
  }
  if (left > 0)
    throw conflict('over-allocation', `bill ${line.billId} has less open than ${line.amountMinor}`);
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

/** Item lines as allocation rows, each naming the allocation it reverses when it undoes one. */
function allocationLines(lines: readonly ItemLine[], reverses?: Map<number, number>): AllocationLine[] {
  return lines.map((l) => ({ ...l, reversesAllocationId: reverses?.get(l.itemId) ?? null }));
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
  // Prepared multi-row inserts (the batch submit's inserter): cheaper through the driver than one JSON statement.
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
  await tx.run(allocationsInsertQuery(tx.dialect, payment, allocationLines(lines, reverses), at, operatorId));
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

/** Checks a bill named on a manual line; answers its bill-level line. */
function billLine(
  l: { billNo: string; amount: string },
  b: BillTarget | undefined,
  accountId: number,
  amountMinor: number,
): { billId: number; amountMinor: number } {
  if (!b) throw notFound('bill', l.billNo);
  if (b.accountId !== accountId)
    throw conflict('other-account', `bill ${l.billNo} belongs to another account`);
  if (b.status !== 'open') throw conflict('closed-target', `bill ${l.billNo} is closed`);
  if (b.paying !== 1)
    throw conflict('nonpaying-bill-unit', `bill ${l.billNo} belongs to a nonpaying bill unit (V7)`);
  if (amountMinor > b.dueMinor)
    throw conflict('over-allocation', `bill ${l.billNo}: ${l.amount} is more than its amount due`);
  return { billId: b.id, amountMinor };
}

/** Checks an item named on a manual line; answers its line. */
function itemLine(
  l: { itemNo: string; amount: string },
  i: ItemTarget | undefined,
  accountId: number,
  amountMinor: number,
): ItemLine {
  if (!i) throw notFound('item', l.itemNo);
  if (i.accountId !== accountId)
    throw conflict('other-account', `item ${l.itemNo} belongs to another account`);
  if (i.status !== 'open') throw conflict('closed-target', `item ${l.itemNo} is closed`);
  if (i.paying !== 1)
    throw conflict('nonpaying-bill-unit', `item ${l.itemNo} belongs to a nonpaying bill unit (V7)`);
  if (amountMinor > i.openMinor)
    throw conflict('over-allocation', `item ${l.itemNo}: ${l.amount} is more than its open amount`);
  return { itemId: i.id, billId: i.billId, amountMinor };
}

/** Lines summed per item, to check against each item's open amount. */
function perItemTotals(lines: readonly ItemLine[]): Map<number, number> {
  const perItem = new Map<number, number>();
  for (const l of lines) perItem.set(l.itemId, (perItem.get(l.itemId) ?? 0) + l.amountMinor);
  return perItem;
}

function refuseOverItem(total: number, open: number): void {
  if (total > open)
    throw conflict('over-allocation', `the lines allocate ${total} to an item with ${open} open`);
}

/** Checks and converts manual lines to item lines; every rule is enforced here, not only in the dialog. */
function manualItemLines(
  db: Database.Database,
  accountId: number,
  exponent: number,
  input: ManualLines,
): ItemLine[] {
  const bills = (input.bills ?? []).map((l, idx) =>
    billLine(
      l,
      driverGet<BillTarget>(db, billTargetQuery(l.billNo.trim())),
      accountId,
      parseAmount(l.amount, exponent, `bills.${idx}.amount`),
    ),
  );
  const items = (input.items ?? []).map((l, idx) =>
    itemLine(
      l,
      driverGet<ItemTarget>(db, itemTargetQuery(l.itemNo.trim())),
      accountId,
      parseAmount(l.amount, exponent, `items.${idx}.amount`),
    ),
  );
  const lines = [...billLinesToItems(db, bills), ...items];
  for (const [itemId, total] of perItemTotals(lines))
    refuseOverItem(total, driverGet<{ o: number }>(db, itemOpenQuery(itemId))!.o);
  return lines;
}

async function manualItemLinesIn(
  tx: Tx,
  accountId: number,
  exponent: number,
  input: ManualLines,
): Promise<ItemLine[]> {
  const bills: { billId: number; amountMinor: number }[] = [];
  for (const [idx, l] of (input.bills ?? []).entries())
    bills.push(
      billLine(
        l,
        await tx.get<BillTarget>(billTargetQuery(l.billNo.trim())),
        accountId,
        parseAmount(l.amount, exponent, `bills.${idx}.amount`),
      ),
    );
  const items: ItemLine[] = [];
  for (const [idx, l] of (input.items ?? []).entries())
    items.push(
      itemLine(
        l,
        await tx.get<ItemTarget>(itemTargetQuery(l.itemNo.trim())),
        accountId,
        parseAmount(l.amount, exponent, `items.${idx}.amount`),
      ),
    );
  const lines: ItemLine[] = [];
  for (const b of bills)
    lines.push(...spreadOverItems(b, await tx.all<OpenItem>(openItemsOfBillQuery(b.billId))));
  lines.push(...items);
  for (const [itemId, total] of perItemTotals(lines))
    refuseOverItem(total, (await tx.get<{ o: number }>(itemOpenQuery(itemId)))!.o);
  return lines;
}

/** Item and bill numbers by item id, when the caller already read them. */
type ItemNames = Map<number, { itemNo: string; billNo: string }>;

// One set query (or none when the planner's read named the items): a payment spread over 10,000 items would
// otherwise cost 10,000 point look-ups.
const distinctItems = (lines: readonly ItemLine[]): number[] => [...new Set(lines.map((l) => l.itemId))];

function namesOf(rows: readonly { id: number; itemNo: string; billNo: string }[]): ItemNames {
  return new Map(rows.map((r) => [r.id, r]));
}

function describeLines(
  db: Database.Database,
  lines: ItemLine[],
  known?: ItemNames,
): AllocationResultDto['lines'] {
  return described(lines, known ?? namesOf(driverAll(db, itemNamesQuery('sqlite', distinctItems(lines)))));
}

async function describeLinesIn(
  tx: Tx,
  lines: ItemLine[],
  known?: ItemNames,
): Promise<AllocationResultDto['lines']> {
  return described(lines, known ?? namesOf(await tx.all(itemNamesQuery(tx.dialect, distinctItems(lines)))));
}

function described(lines: readonly ItemLine[], names: ItemNames): AllocationResultDto['lines'] {
  return lines.map((l) => {
    const r = names.get(l.itemId);
    return r
      ? { itemNo: r.itemNo, billNo: r.billNo, amountMinor: l.amountMinor }
      : ({ amountMinor: l.amountMinor } as never);
  });
}

type PolicySettings = {
  policy: AutoPolicy;
  overpayment: OverpaymentPolicy;
  underpayment: UnderpaymentPolicy;
  searchBillAmount: boolean;
};

function policySettings(db: Database.Database): PolicySettings {
  return {
    policy: String(getSetting(db, 'allocation.policy')) as AutoPolicy,
    overpayment: String(getSetting(db, 'allocation.overpayment')) as OverpaymentPolicy,
    underpayment: String(getSetting(db, 'allocation.underpayment')) as UnderpaymentPolicy,
    searchBillAmount: getSetting(db, 'SearchBillAmount') === true,
  };
}

async function policySettingsIn(tx: Tx): Promise<PolicySettings> {
  return {
    policy: String(await getSettingIn(tx, 'allocation.policy')) as AutoPolicy,
    overpayment: String(await getSettingIn(tx, 'allocation.overpayment')) as OverpaymentPolicy,
    underpayment: String(await getSettingIn(tx, 'allocation.underpayment')) as UnderpaymentPolicy,
    searchBillAmount: (await getSettingIn(tx, 'SearchBillAmount')) === true,
  };
}

/** Automatic item lines, how the plan ended, what matched, and the names of the items it read. */
type AutoLines = { lines: ItemLine[]; outcome: string; matchedBy: string; names: ItemNames };

/** Plans automatic item lines for a payment's unallocated amount with a policy over the account's open bills. */
function planAuto(
  bills: readonly AllocBillDto[],
  s: PolicySettings,
  amountMinor: number,
  policy: AutoPolicy,
  billNoHint: string | null,
): AutoLines {
  const names: ItemNames = new Map();
  for (const b of bills) for (const i of b.items) names.set(i.itemId, { itemNo: i.itemNo, billNo: b.billNo });
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

/** The refusals of an allocation that depend on the payment alone; answers its unallocated amount. */
function allocatable(payment: PaymentRow, token: string | undefined, current: string | undefined): number {
  if (payment.isSuspense === 1)
    throw conflict('suspended-payment', `payment ${payment.id} is in suspense; apply it from Payment Center`);
  if (payment.reversed === 1) throw conflict('reversed-payment', `payment ${payment.id} is reversed`);
  if (payment.kind === 'failed')
    throw conflict('failed-payment', `payment ${payment.id} failed and cannot be allocated`);
  if (token !== undefined && token !== current)
    throw conflict(
      'stale',
      'someone else allocated on this account since you opened it; reload and try again',
    );
  const unallocated = payment.accountAmountMinor - payment.allocatedMinor;
  if (unallocated <= 0) throw conflict('nothing-to-allocate', `payment ${payment.id} is fully allocated`);
  return unallocated;
}

/** Manual lines may not allocate more than the payment's unallocated amount. */
function refuseOverPayment(lines: readonly ItemLine[], unallocated: number, paymentId: number): void {
  const total = lines.reduce((s, l) => s + l.amountMinor, 0);
  if (total > unallocated)
    throw conflict(
      'over-allocation',
      `the lines allocate ${total} but only ${unallocated} of payment ${paymentId} is unallocated`,
    );
}

const hasManualLines = (input: ManualLines): boolean =>
  (input.bills?.length ?? 0) + (input.items?.length ?? 0) > 0;

/** The audit row of an allocation. */
function allocationAudit(
  payment: PaymentRow,
  lines: readonly ItemLine[],
  matchedBy: string,
  at: string,
  operatorId: number | null,
): AuditEntry {
  return {
    at,
    operatorId,
    action: 'allocation.apply',
    entity: 'payment',
    entityId: String(payment.id),
    before: { allocatedMinor: payment.allocatedMinor },
    after: {
      allocatedMinor: payment.allocatedMinor + lines.reduce((s, l) => s + l.amountMinor, 0),
      lineCount: lines.length,
      matchedBy,
    },
  };
}

const MANUAL: Omit<AutoLines, 'lines'> = { outcome: 'manual', matchedBy: 'manual', names: new Map() };

/**
 * Allocates a posted payment's unallocated amount: manual lines (bills and/or items) or a policy.
 * Every rule is checked here; any failure throws and changes nothing (one transaction). Through the driver, for
 * code that allocates inside its own driver transaction; allocation:apply is applyAllocation.
 */
export function allocatePayment(
  db: Database.Database,
  input: AllocateInput,
  now: Date,
  operatorId: number | null,
): AllocationResultDto {
  return db.transaction((): AllocationResultDto => {
    const payment = loadPayment(db, input.paymentId);
    // The token is read only when the caller sends one (it counts the account's allocations).
    const current = input.token === undefined ? undefined : allocationToken(db, payment.accountId);
    const unallocated = allocatable(payment, input.token, current);
    let plan: AutoLines;
    if (hasManualLines(input)) {
      plan = {
        ...MANUAL,
        lines: manualItemLines(db, payment.accountId, exponentOf(db, payment.currency), input),
      };
      refuseOverPayment(plan.lines, unallocated, payment.id);
    } else {
      const settings = policySettings(db);
      const bills = openBills(db, payment.accountId);
      plan = planAuto(bills, settings, unallocated, input.policy ?? settings.policy, payment.billNo);
    }
    const at = now.toISOString();
    writeAudit(db, allocationAudit(payment, plan.lines, plan.matchedBy, at, operatorId));
    const closed = applyItemLines(db, payment, plan.lines, at, operatorId);
    return allocationResult(payment, unallocated, plan, describeLines(db, plan.lines, plan.names), closed);
  })();
}

/** allocatePayment in the caller's port transaction (SQLite or PostgreSQL): the same rules and rows. */
export async function allocatePaymentIn(
  tx: Tx,
  input: AllocateInput,
  now: Date,
  operatorId: number | null,
): Promise<AllocationResultDto> {
  const payment = await loadPaymentIn(tx, input.paymentId);
  const current = input.token === undefined ? undefined : await allocationTokenIn(tx, payment.accountId);
  const unallocated = allocatable(payment, input.token, current);
  let plan: AutoLines;
  if (hasManualLines(input)) {
    const exponent = await exponentOfIn(tx, payment.currency);
    plan = { ...MANUAL, lines: await manualItemLinesIn(tx, payment.accountId, exponent, input) };
    refuseOverPayment(plan.lines, unallocated, payment.id);
  } else {
    const settings = await policySettingsIn(tx);
    const bills = await openBillsIn(tx, payment.accountId);
    plan = planAuto(bills, settings, unallocated, input.policy ?? settings.policy, payment.billNo);
  }
  const at = now.toISOString();
  await appendAudit(tx, allocationAudit(payment, plan.lines, plan.matchedBy, at, operatorId));
  const closed = await applyItemLinesIn(tx, payment, plan.lines, at, operatorId);
  return allocationResult(
    payment,
    unallocated,
    plan,
    await describeLinesIn(tx, plan.lines, plan.names),
    closed,
  );
}

/**
 * allocation:apply in one serializable transaction: a second clerk applying the same payment (or sending the same
 * token for the account) at once finds it allocated (or the token moved) and is refused, never allocating twice.
 */
export function applyAllocation(
  storage: Storage,
  input: AllocateInput,
  now: Date,
  operatorId: number | null,
): Promise<AllocationResultDto> {
  return storage.transaction((tx) => allocatePaymentIn(tx, input, now, operatorId), WRITE);
}

function allocationResult(
  payment: PaymentRow,
  unallocated: number,
  plan: AutoLines,
  lines: AllocationResultDto['lines'],
  closed: { closedItems: number; closedBills: number },
): AllocationResultDto {
  const allocatedNow = plan.lines.reduce((s, l) => s + l.amountMinor, 0);
  return {
    paymentId: payment.id,
    allocatedMinor: allocatedNow,
    unallocatedMinor: unallocated - allocatedNow,
    lines,
    outcome: plan.outcome,
    matchedBy: plan.matchedBy,
    ...closed,
  };
}

/**
 * Undoes every allocation of a payment with a reason: the amount returns to unallocated and items reopen. One
 * serializable transaction: of two undos at once, one unwinds and the other finds nothing to undo.
 */
export function undoAllocation(
  storage: Storage,
  input: { paymentId: number; reasonCode: number },
  now: Date,
  operatorId: number | null,
): Promise<AllocationResultDto> {
  return storage.transaction(async (tx): Promise<AllocationResultDto> => {
    await requireReasonCodeIn(tx, REASON_DOMAIN.suspenseReversal, input.reasonCode);
    const payment = await loadPaymentIn(tx, input.paymentId);
    const at = now.toISOString();
    const { lines, undoneMinor: undone } = await unwindAllocationsIn(tx, payment, at, operatorId);
    if (lines.length === 0)
      throw conflict('nothing-to-undo', `payment ${payment.id} has no allocation to undo`);
    await appendAudit(tx, {
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
    await assertAccountsWithinCeilingIn(tx, [payment.accountId]);
    return {
      paymentId: payment.id,
      allocatedMinor: -undone,
      unallocatedMinor: payment.accountAmountMinor - payment.allocatedMinor + undone,
      lines: await describeLinesIn(tx, lines),
      outcome: 'undone',
      matchedBy: 'undo',
      closedItems: 0,
      closedBills: 0,
    };
  }, WRITE);
}

/**
 * Allocates all unallocated credit of an account to its open bills, oldest payment first, in one serializable
 * transaction: run twice at once, the second finds the credit allocated and allocates nothing.
 */
export function allocateAccountCredit(
  storage: Storage,
  input: { accountNo: string; policy: AutoPolicy },
  now: Date,
  operatorId: number | null,
): Promise<AccountCreditResultDto> {
  return storage.transaction(async (tx): Promise<AccountCreditResultDto> => {
    const account = await loadAccountIn(tx, input.accountNo);
    const results: AllocationResultDto[] = [];
    for (const p of await creditPaymentsIn(tx, account.id)) {
      if ((await tx.get(hasOpenItemQuery(account.id))) === undefined) break;
      try {
        results.push(
          await allocatePaymentIn(tx, { paymentId: p.paymentId, policy: input.policy }, now, operatorId),
        );
      } catch (err) {
        // allocatePaymentIn refuses before it writes, so the transaction goes on with the next payment.
        if (err instanceof AppFailure && err.error.code === 'conflict') continue;
        throw err;
      }
    }
    const left = (await creditPaymentsIn(tx, account.id)).reduce((s, p) => s + p.unallocatedMinor, 0);
    return {
      accountNo: account.accountNo,
      payments: results.filter((r) => r.allocatedMinor > 0),
      allocatedMinor: results.reduce((s, r) => s + r.allocatedMinor, 0),
      unallocatedMinor: left,
    };
  }, WRITE);
}

const historyOf = (rows: readonly AllocationHistoryRow[]): AllocationRowDto[] =>
  rows.map((r) => ({ ...r, reversal: r.reversal === 1 }));

/** Where a payment went: its allocation rows, undo rows included. */
export function paymentAllocations(storage: Storage, paymentId: number): Promise<AllocationRowDto[]> {
  return storage.transaction(async (tx) => {
    await loadPaymentIn(tx, paymentId);
    return historyOf(await tx.all(allocationHistoryQuery({ paymentId })));
  }, READ);
}

/** What paid a bill: allocation rows against its items. */
export function billPayments(storage: Storage, billNo: string): Promise<AllocationRowDto[]> {
  return storage.transaction(async (tx) => {
    const bill = await tx.get<{ id: number }>(billIdQuery(billNo.trim()));
    if (!bill) throw notFound('bill', billNo);
    return historyOf(await tx.all(allocationHistoryQuery({ billId: bill.id })));
  }, READ);
}
