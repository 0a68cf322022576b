import type Database from 'better-sqlite3';
import type {
  AccountDetailDto,
  AccountSearchDto,
  AccountSummaryDto,
  BillDto,
  BillItemDto,
  BillUnitDto,
  PaymentHistoryDto,
  PaymentHistoryRowDto,
  PaymentStatusDto,
} from '../../src-shared/dto/accounts';
import { isoDate } from '../domain/dates';
import { sumMinor, toMinor } from '../ledger/ceiling';
import { invalidFields, notFound } from '../ledger/errors';

type AccountRow = {
  id: number;
  accountNo: string;
  name: string;
  status: AccountSummaryDto['status'];
  currency: string;
  balanceMinor: number;
  defaultPayType: number;
  isSuspense: number;
};

const SUMMARY_COLUMNS = `account_no AS accountNo, name, status, currency, balance_minor AS balanceMinor`;

/** Escapes text for a literal LIKE pattern with ESCAPE '\\'. */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => '\\' + c);
}

/** Upper bound for a prefix range scan: every string starting with `prefix` sorts below it. */
function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

/** Quotes text as one FTS5 phrase so user input is never read as query syntax. */
function ftsPhrase(text: string): string {
  return '"' + text.replace(/"/g, '""') + '"';
}

/**
 * Searches accounts by number or name. Prefix mode uses range scans on the upper/lower-cased key
 * columns; contains mode uses the trigram index (3+ characters) or a bounded scan for shorter text.
 */
export function searchAccounts(
  db: Database.Database,
  input: { query: string; mode: 'prefix' | 'contains'; limit: number },
): AccountSearchDto {
  const q = input.query.trim();
  // FTS5 and SQLite's text functions stop at NUL (an "unterminated string"); the contract refuses it, and this
  // keeps a direct caller from reaching SQL with it.
  if (q.includes('\u0000')) {
    throw invalidFields('the search text contains a NUL character', [
      { path: 'query', message: 'contains NUL' },
    ]);
  }
  const take = input.limit + 1;
  let rows: AccountSummaryDto[];
  if (q === '') {
    rows = db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM accounts WHERE is_suspense = 0 ORDER BY account_key LIMIT ?`)
      .all(take) as AccountSummaryDto[];
  } else if (input.mode === 'prefix') {
    const upper = q.toUpperCase();
    const lower = q.toLowerCase();
    rows = db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM (
           SELECT * FROM (SELECT id, 0 AS rank, account_key AS k FROM accounts WHERE account_key >= ? AND account_key < ? ORDER BY account_key LIMIT ?)
           UNION
           SELECT * FROM (SELECT id, 1 AS rank, name_key AS k FROM accounts WHERE name_key >= ? AND name_key < ? ORDER BY name_key LIMIT ?)
         ) hit JOIN accounts a ON a.id = hit.id
         WHERE a.is_suspense = 0
         GROUP BY a.id ORDER BY min(hit.rank), min(hit.k) LIMIT ?`,
      )
      .all(upper, prefixEnd(upper), take, lower, prefixEnd(lower), take, take) as AccountSummaryDto[];
  } else if ([...q].length >= 3) {
    rows = db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM accounts
         WHERE id IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ? LIMIT ?) AND is_suspense = 0
         ORDER BY account_key LIMIT ?`,
      )
      .all(ftsPhrase(q), take * 20, take) as AccountSummaryDto[];
  } else {
    const pattern = '%' + likeLiteral(q) + '%';
    rows = db
      .prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM accounts
         WHERE is_suspense = 0 AND (account_no LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')
         LIMIT ?`,
      )
      .all(pattern, pattern, take) as AccountSummaryDto[];
  }
  const truncated = rows.length > input.limit;
  return { rows: truncated ? rows.slice(0, input.limit) : rows, truncated };
}

function loadAccount(db: Database.Database, accountNo: string): AccountRow {
  const row = db
    .prepare(
      `SELECT id, ${SUMMARY_COLUMNS}, default_pay_type AS defaultPayType, is_suspense AS isSuspense
       FROM accounts WHERE account_key = ?`,
    )
    .get(accountNo.trim().toUpperCase()) as AccountRow | undefined;
  if (!row) throw notFound('account', accountNo);
  return row;
}

const OPEN_BILLS_SHOWN = 200;

/** Everything the Accounts screen shows for one account: balance, bill units, open bills, standing, cycle. */
export function showAccount(db: Database.Database, accountNo: string, today: Date): AccountDetailDto {
  const a = loadAccount(db, accountNo);
  const todayIso = isoDate(today);
  const billUnits = (
    db
      .prepare(
        `SELECT bill_unit_no AS billUnitNo, name, accounting_type AS accountingType, pay_type AS payType,
                payment_term AS paymentTerm, paying, is_default AS isDefault, bill_cycle_day AS billCycleDay,
                next_bill_date AS nextBillDate
         FROM bill_units WHERE account_id = ? ORDER BY is_default DESC, bill_unit_no`,
      )
      .all(a.id) as (Omit<BillUnitDto, 'paying' | 'isDefault'> & { paying: number; isDefault: number })[]
  ).map((u) => ({ ...u, paying: u.paying === 1, isDefault: u.isDefault === 1 }));

  const openBills = (
    db
      .prepare(
        `SELECT b.bill_no AS billNo, u.bill_unit_no AS billUnitNo, b.bill_date AS billDate, b.due_date AS dueDate,
                b.currency, b.total_minor AS totalMinor, b.amount_due_minor AS amountDueMinor, b.status
         FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
         WHERE b.account_id = ? AND b.status = 'open' ORDER BY b.due_date, b.bill_no LIMIT ?`,
      )
      .all(a.id, OPEN_BILLS_SHOWN) as Omit<BillDto, 'overdue'>[]
  ).map((b) => ({ ...b, overdue: b.dueDate < todayIso }));

  const agg = db
    .prepare(
      `SELECT count(*) AS openBillCount,
              coalesce(sum(amount_due_minor), 0) AS openMinor,
              coalesce(sum(CASE WHEN due_date < ? THEN amount_due_minor ELSE 0 END), 0) AS overdueMinor,
              coalesce(sum(CASE WHEN due_date < ? THEN 1 ELSE 0 END), 0) AS overdueBills,
              min(CASE WHEN due_date >= ? THEN due_date END) AS nextDueDate
       FROM bills WHERE account_id = ? AND status = 'open'`,
    )
    .get(todayIso, todayIso, todayIso, a.id) as {
    openBillCount: number;
    openMinor: number;
    overdueMinor: number;
    overdueBills: number;
    nextDueDate: string | null;
  };
  const nextDueMinor = agg.nextDueDate
    ? (
        db
          .prepare(
            `SELECT coalesce(sum(amount_due_minor), 0) AS s FROM bills WHERE account_id = ? AND status = 'open' AND due_date = ?`,
          )
          .get(a.id, agg.nextDueDate) as { s: number }
      ).s
    : 0;
  const openItemsMinor = (
    db
      .prepare(
        `SELECT coalesce(sum(open_minor), 0) AS s FROM bill_items WHERE account_id = ? AND status = 'open'`,
      )
      .get(a.id) as { s: number }
  ).s;
  const unallocatedMinor = openItemsMinor - a.balanceMinor;
  const standing: PaymentStatusDto['standing'] =
    agg.overdueMinor > 0
      ? 'overdue'
      : a.balanceMinor < 0
        ? 'credit'
        : a.balanceMinor === 0
          ? 'settled'
          : 'good';

  const recentBillDates = (
    db
      .prepare(
        `SELECT DISTINCT bill_date AS d FROM bills WHERE account_id = ? ORDER BY bill_date DESC LIMIT 6`,
      )
      .all(a.id) as { d: string }[]
  ).map((r) => r.d);
  const nextBillDates = billUnits
    .map((u) => u.nextBillDate)
    .filter((d): d is string => d !== null)
    .sort();

  return {
    accountNo: a.accountNo,
    name: a.name,
    status: a.status,
    currency: a.currency,
    balanceMinor: a.balanceMinor,
    defaultPayType: a.defaultPayType,
    isSuspense: a.isSuspense === 1,
    openItemsMinor,
    unallocatedMinor,
    billUnits,
    openBills,
    openBillCount: agg.openBillCount,
    paymentStatus: {
      standing,
      overdueMinor: agg.overdueMinor,
      overdueBills: agg.overdueBills,
      nextDueDate: agg.nextDueDate,
      nextDueMinor,
    },
    billingCycle: {
      lastBillDate: recentBillDates[0] ?? null,
      nextBillDate: nextBillDates[0] ?? null,
      recentBillDates,
      billCycleDays: [...new Set(billUnits.map((u) => u.billCycleDay))],
    },
  };
}

/** The items of one bill. */
export function billItems(db: Database.Database, billNo: string): BillItemDto[] {
  const bill = db.prepare('SELECT id FROM bills WHERE bill_no = ?').get(billNo.trim()) as
    { id: number } | undefined;
  if (!bill) throw notFound('bill', billNo);
  return db
    .prepare(
      `SELECT i.item_no AS itemNo, b.bill_no AS billNo, i.type, i.amount_minor AS amountMinor, i.open_minor AS openMinor,
              i.gl_id AS glId, i.status
       FROM bill_items i JOIN bills b ON b.id = i.bill_id WHERE i.bill_id = ? ORDER BY i.id`,
    )
    .all(bill.id) as BillItemDto[];
}

/** A page of an account's payments in a date range, newest first, with totals over the whole range. */
export function paymentHistory(
  db: Database.Database,
  input: {
    accountNo: string;
    from?: string | undefined;
    to?: string | undefined;
    limit: number;
    offset: number;
  },
): PaymentHistoryDto {
  const a = loadAccount(db, input.accountNo);
  const from = input.from ?? '0000-01-01';
  const to = input.to ?? '9999-12-31';
  // Exact: summed in slices of 512 payments (no SQLite overflow) and across slices in BigInt. The gross
  // history of an account is not bounded by the money ceiling, so a total past it is refused with advice.
  const slices = db
    .prepare(
      `SELECT count(*) AS n, sum(amount_minor) AS s FROM payments
       WHERE account_id = ? AND effective_date >= ? AND effective_date <= ? GROUP BY id >> 9`,
    )
    .safeIntegers(true)
    .all(a.id, from, to) as { n: bigint; s: bigint }[];
  const totals = {
    n: Number(sumMinor(slices.map((r) => r.n))),
    s: toMinor(
      sumMinor(slices.map((r) => r.s)),
      `the payment history total of account ${a.accountNo} (narrow the dates)`,
    ),
  };
  const rows = (
    db
      .prepare(
        `SELECT p.id AS paymentId, p.kind, p.effective_date AS effectiveDate, p.amount_minor AS amountMinor, p.currency,
                p.pay_type AS payType, p.channel_id AS channelId, p.status, p.reason_code AS reasonCode,
                p.external_ref AS externalRef,
                coalesce((SELECT sum(amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS allocatedMinor,
                EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed
         FROM payments p WHERE p.account_id = ? AND p.effective_date >= ? AND p.effective_date <= ?
         ORDER BY p.effective_date DESC, p.id DESC LIMIT ? OFFSET ?`,
      )
      .all(a.id, from, to, input.limit, input.offset) as (Omit<PaymentHistoryRowDto, 'reversed'> & {
      reversed: number;
    })[]
  ).map((r) => ({ ...r, reversed: r.reversed === 1 }));
  return { rows, total: totals.n, totalAmountMinor: totals.s, limit: input.limit, offset: input.offset };
}
