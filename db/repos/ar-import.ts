import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { flag, inList } from './dialect';

/**
 * The receivables import (issue #17): accounts, bill units, bills and items loaded from AR files
 * (src-main/services/ar-import.ts), written once here for both databases. The import reads every ledger row its
 * files name in a few set queries (one per kind of row, whatever the file's size), then writes new rows a chunk
 * per statement; a concurrent import of the same key is refused by the business-key unique indexes.
 */

/** The dialect a query is compiled for. */
type On = Pick<Tx, 'dialect'>;

export type ArLedgerAccount = {
  id: number;
  accountNo: string;
  name: string;
  status: string;
  currency: string;
  defaultPayType: number;
  isSuspense: number;
};

export type ArLedgerUnit = {
  id: number;
  billUnitNo: string;
  accountId: number;
  accountNo: string;
  name: string;
  accountingType: string;
  payType: number;
  paymentTerm: string;
  paying: number;
  parentNo: string | null;
  isDefault: number;
  billCycleDay: number;
  nextBillDate: string | null;
};

export type ArLedgerBill = {
  id: number;
  billNo: string;
  billUnitNo: string;
  accountId: number;
  accountNo: string;
  billDate: string;
  dueDate: string;
  currency: string;
  totalMinor: number;
  amountDueMinor: number;
  status: string;
};

export type ArLedgerItem = {
  id: number;
  itemNo: string;
  billId: number;
  billNo: string;
  type: string;
  amountMinor: number;
  openMinor: number;
  glId: number;
  /** 1 when a payment was allocated to the item or, at bill level, to its bill. */
  allocated: number;
};

/** Every currency's minor-unit exponent. */
export function currencyExponentsQuery(): SQL {
  return sql`SELECT code, exponent FROM currencies`;
}

/** The currency of each named bill that the ledger holds. */
export function billCurrenciesQuery(on: On, billNos: readonly string[]): SQL {
  return sql`SELECT bill_no AS "billNo", currency FROM bills WHERE ${inList(on, sql`bill_no`, billNos)}`;
}

export function accountsByNoQuery(on: On, accountNos: readonly string[]): SQL {
  return sql`SELECT id, account_no AS "accountNo", name, status, currency, default_pay_type AS "defaultPayType",
      is_suspense AS "isSuspense"
    FROM accounts WHERE ${inList(on, sql`account_no`, accountNos)}`;
}

export function unitsByNoQuery(on: On, unitNos: readonly string[]): SQL {
  return sql`SELECT u.id, u.bill_unit_no AS "billUnitNo", u.account_id AS "accountId", a.account_no AS "accountNo",
      u.name, u.accounting_type AS "accountingType", u.pay_type AS "payType", u.payment_term AS "paymentTerm",
      u.paying, p.bill_unit_no AS "parentNo", u.is_default AS "isDefault", u.bill_cycle_day AS "billCycleDay",
      u.next_bill_date AS "nextBillDate"
    FROM bill_units u JOIN accounts a ON a.id = u.account_id
    LEFT JOIN bill_units p ON p.id = u.parent_bill_unit_id
    WHERE ${inList(on, sql`u.bill_unit_no`, unitNos)}`;
}

export function billsByNoQuery(on: On, billNos: readonly string[]): SQL {
  return sql`SELECT b.id, b.bill_no AS "billNo", u.bill_unit_no AS "billUnitNo", b.account_id AS "accountId",
      a.account_no AS "accountNo", b.bill_date AS "billDate", b.due_date AS "dueDate", b.currency,
      b.total_minor AS "totalMinor", b.amount_due_minor AS "amountDueMinor", b.status
    FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
    WHERE ${inList(on, sql`b.bill_no`, billNos)}`;
}

const ITEM_COLUMNS = sql`i.id, i.item_no AS "itemNo", i.bill_id AS "billId", b.bill_no AS "billNo", i.type,
  i.amount_minor AS "amountMinor", i.open_minor AS "openMinor", i.gl_id AS "glId",
  ${flag(sql`EXISTS (SELECT 1 FROM allocations al
    WHERE al.item_id = i.id OR (al.item_id IS NULL AND al.bill_id = i.bill_id))`)} AS allocated`;

export function itemsByNoQuery(on: On, itemNos: readonly string[]): SQL {
  return sql`SELECT ${ITEM_COLUMNS} FROM bill_items i JOIN bills b ON b.id = i.bill_id
    WHERE ${inList(on, sql`i.item_no`, itemNos)}`;
}

/** Every item of the named ledger bills. */
export function itemsOfBillsQuery(on: On, billIds: readonly number[]): SQL {
  return sql`SELECT ${ITEM_COLUMNS} FROM bill_items i JOIN bills b ON b.id = i.bill_id
    WHERE ${inList(on, sql`i.bill_id`, billIds)}`;
}

/** The default bill units of the named accounts. */
export function defaultUnitsQuery(on: On, accountIds: readonly number[]): SQL {
  return sql`SELECT account_id AS "ownerId", bill_unit_no AS "no" FROM bill_units
    WHERE ${inList(on, sql`account_id`, accountIds)} AND is_default = 1`;
}

/** The nonpaying children of the named bill units. */
export function nonpayingChildrenQuery(on: On, unitIds: readonly number[]): SQL {
  return sql`SELECT parent_bill_unit_id AS "ownerId", bill_unit_no AS "no" FROM bill_units
    WHERE ${inList(on, sql`parent_bill_unit_id`, unitIds)} AND paying = 0`;
}

/** Rows per insert statement. */
export const AR_INSERT_CHUNK = 5000;

/**
 * Rows handed to an INSERT ... SELECT as one JSON parameter (SQLite: json_each; PostgreSQL: jsonb_to_recordset),
 * so a statement's text and its compiling stay the same size whatever the number of rows (thousands of rows as
 * separate parameters cost more to build than to insert).
 */
export function jsonRows(
  on: On,
  rows: readonly Record<string, unknown>[],
  columns: readonly [string, string][],
): SQL {
  const json = JSON.stringify(rows);
  if (on.dialect === 'postgres') {
    const defs = sql.raw(columns.map(([c, t]) => `${c} ${t}`).join(', '));
    const names = sql.raw(columns.map(([c]) => `j.${c}`).join(', '));
    return sql`SELECT ${names} FROM jsonb_to_recordset(${json}::jsonb) AS j(${defs})`;
  }
  const names = sql.raw(columns.map(([c]) => `json_extract(j.value, '$.${c}')`).join(', '));
  return sql`SELECT ${names} FROM json_each(${json}) AS j`;
}

export type NewAccount = {
  accountNo: string;
  name: string;
  status: string;
  currency: string;
  defaultPayType: number;
};

/** New accounts (an opening balance only where given: the demo's), answering each one's id by its number. */
export function insertAccountsQuery(
  on: On,
  rows: readonly (NewAccount & { balanceMinor?: number })[],
  at: string,
): SQL {
  const data = rows.map((r) => ({
    account_no: r.accountNo,
    account_key: r.accountNo.toUpperCase(),
    name: r.name,
    name_key: r.name.toLowerCase(),
    status: r.status,
    currency: r.currency,
    default_pay_type: r.defaultPayType,
    balance_minor: r.balanceMinor ?? 0,
    created_at: at,
  }));
  return sql`INSERT INTO accounts (account_no, account_key, name, name_key, status, currency, default_pay_type,
      balance_minor, created_at, is_suspense)
    SELECT x.*, 0 FROM (${jsonRows(on, data, [
      ['account_no', 'text'],
      ['account_key', 'text'],
      ['name', 'text'],
      ['name_key', 'text'],
      ['status', 'text'],
      ['currency', 'text'],
      ['default_pay_type', 'bigint'],
      ['balance_minor', 'bigint'],
      ['created_at', 'text'],
    ])}) AS x
    RETURNING id, account_no AS "key"`;
}

export function updateAccountQuery(
  id: number,
  r: { name: string; status: string; defaultPayType: number },
): SQL {
  return sql`UPDATE accounts SET name = ${r.name}, name_key = ${r.name.toLowerCase()}, status = ${r.status},
      default_pay_type = ${r.defaultPayType}
    WHERE id = ${id}`;
}

export type UnitValues = {
  billUnitNo: string;
  name: string;
  accountingType: string;
  payType: number;
  paymentTerm: string;
  paying: number;
  isDefault: number;
  billCycleDay: number;
  nextBillDate: string | null;
};

/** New bill units without their parents (a parent may be a new unit further down), answering their ids. */
export function insertUnitsQuery(on: On, rows: readonly (UnitValues & { accountId: number })[]): SQL {
  const data = rows.map((r) => ({
    bill_unit_no: r.billUnitNo,
    account_id: r.accountId,
    name: r.name,
    accounting_type: r.accountingType,
    pay_type: r.payType,
    payment_term: r.paymentTerm,
    paying: r.paying,
    is_default: r.isDefault,
    bill_cycle_day: r.billCycleDay,
    next_bill_date: r.nextBillDate,
  }));
  return sql`INSERT INTO bill_units (bill_unit_no, account_id, name, accounting_type, pay_type, payment_term, paying,
      is_default, bill_cycle_day, next_bill_date)
    ${jsonRows(on, data, [
      ['bill_unit_no', 'text'],
      ['account_id', 'bigint'],
      ['name', 'text'],
      ['accounting_type', 'text'],
      ['pay_type', 'bigint'],
      ['payment_term', 'text'],
      ['paying', 'bigint'],
      ['is_default', 'bigint'],
      ['bill_cycle_day', 'bigint'],
      ['next_bill_date', 'text'],
    ])}
    RETURNING id, bill_unit_no AS "key"`;
}

export function updateUnitQuery(id: number, r: UnitValues, parentId: number | null): SQL {
  return sql`UPDATE bill_units SET name = ${r.name}, accounting_type = ${r.accountingType}, pay_type = ${r.payType},
      payment_term = ${r.paymentTerm}, paying = ${r.paying}, parent_bill_unit_id = ${parentId},
      is_default = ${r.isDefault}, bill_cycle_day = ${r.billCycleDay}, next_bill_date = ${r.nextBillDate}
    WHERE id = ${id}`;
}

export type BillValues = {
  billUnitId: number;
  billDate: string;
  dueDate: string;
  totalMinor: number;
  amountDueMinor: number;
  status: string;
};

/** New bills, answering their ids by number. */
export function insertBillsQuery(
  on: On,
  rows: readonly (BillValues & { billNo: string; accountId: number; currency: string })[],
): SQL {
  const data = rows.map((r) => ({
    bill_no: r.billNo,
    bill_unit_id: r.billUnitId,
    account_id: r.accountId,
    bill_date: r.billDate,
    due_date: r.dueDate,
    currency: r.currency,
    total_minor: r.totalMinor,
    amount_due_minor: r.amountDueMinor,
    status: r.status,
  }));
  return sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
      amount_due_minor, status)
    ${jsonRows(on, data, [
      ['bill_no', 'text'],
      ['bill_unit_id', 'bigint'],
      ['account_id', 'bigint'],
      ['bill_date', 'text'],
      ['due_date', 'text'],
      ['currency', 'text'],
      ['total_minor', 'bigint'],
      ['amount_due_minor', 'bigint'],
      ['status', 'text'],
    ])}
    RETURNING id, bill_no AS "key"`;
}

export function updateBillQuery(id: number, r: BillValues): SQL {
  return sql`UPDATE bills SET bill_unit_id = ${r.billUnitId}, bill_date = ${r.billDate}, due_date = ${r.dueDate},
      total_minor = ${r.totalMinor}, amount_due_minor = ${r.amountDueMinor}, status = ${r.status}
    WHERE id = ${id}`;
}

export type ItemValues = {
  type: string;
  amountMinor: number;
  openMinor: number;
  glId: number;
  status: string;
};

export function insertItemsQuery(
  on: On,
  rows: readonly (ItemValues & { itemNo: string; billId: number; accountId: number })[],
): SQL {
  const data = rows.map((r) => ({
    item_no: r.itemNo,
    bill_id: r.billId,
    account_id: r.accountId,
    type: r.type,
    amount_minor: r.amountMinor,
    open_minor: r.openMinor,
    gl_id: r.glId,
    status: r.status,
  }));
  return sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
    ${jsonRows(on, data, [
      ['item_no', 'text'],
      ['bill_id', 'bigint'],
      ['account_id', 'bigint'],
      ['type', 'text'],
      ['amount_minor', 'bigint'],
      ['open_minor', 'bigint'],
      ['gl_id', 'bigint'],
      ['status', 'text'],
    ])}`;
}

export function updateItemQuery(id: number, r: ItemValues): SQL {
  return sql`UPDATE bill_items SET type = ${r.type}, amount_minor = ${r.amountMinor}, open_minor = ${r.openMinor},
      gl_id = ${r.glId}, status = ${r.status}
    WHERE id = ${id}`;
}

/** The record of one imported file, under the import's audit row. */
export function importedFileInsertQuery(
  f: { kind: string; sha256: string; file: string },
  at: string,
  auditId: number,
): SQL {
  return sql`INSERT INTO imported_files (kind, sha256, file_name, imported_at, audit_id)
    VALUES (${f.kind}, ${f.sha256}, ${f.file}, ${at}, ${auditId})`;
}
