import { sql, type SQL } from 'drizzle-orm';
import type { AccountSummaryDto, PaymentHistoryRowDto } from '../../src-shared/dto/accounts';
import type { Tx } from '../storage/port';
import { binary, flag, ilike, likeLiteral } from './dialect';

/** An account as the Accounts screen lists it (the row is the DTO). */
export type AccountSummaryRow = AccountSummaryDto;

/** An account with what its detail needs. */
export type AccountRow = AccountSummaryRow & { id: number; defaultPayType: number; isSuspense: number };

export type BillUnitRow = {
  billUnitNo: string;
  name: string;
  accountingType: 'open_item' | 'balance_forward';
  payType: number;
  paymentTerm: string;
  paying: number;
  isDefault: number;
  billCycleDay: number;
  nextBillDate: string | null;
};

export type OpenBillRow = {
  billNo: string;
  billUnitNo: string;
  billDate: string;
  dueDate: string;
  currency: string;
  totalMinor: number;
  amountDueMinor: number;
  status: 'open' | 'closed';
};

export type OpenBillTotals = {
  openBillCount: number;
  openMinor: number;
  overdueMinor: number;
  overdueBills: number;
  nextDueDate: string | null;
};

export type BillItemRow = {
  itemNo: string;
  billNo: string;
  type: string;
  amountMinor: number;
  openMinor: number;
  glId: number;
  status: 'open' | 'closed';
};

export type PaymentHistoryRow = {
  paymentId: number;
  kind: PaymentHistoryRowDto['kind'];
  effectiveDate: string;
  amountMinor: number;
  currency: string;
  payType: number;
  channelId: number;
  status: number;
  reasonCode: number;
  externalRef: string | null;
  allocatedMinor: number;
  reversed: number;
};

const SUMMARY = sql`account_no AS "accountNo", name, status, currency, balance_minor AS "balanceMinor"`;

/** Upper bound for a prefix range scan: every string starting with `prefix` sorts below it (in binary order). */
function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

/** Quotes text as one FTS5 phrase so user input is never read as query syntax. */
function ftsPhrase(text: string): string {
  return '"' + text.replace(/"/g, '""') + '"';
}

/**
 * The repository of customer accounts, their bill units, bills and items (read side). Searches keep their
 * dialect's own text index: FTS5 trigram tables on SQLite, pg_trgm GIN indexes on PostgreSQL (both
 * case-insensitive "contains").
 */
export const accountsRepo = {
  /** The first accounts in account-number order (no search text). */
  first(tx: Tx, take: number): Promise<AccountSummaryRow[]> {
    return tx.all(
      sql`SELECT ${SUMMARY} FROM accounts WHERE is_suspense = 0 ORDER BY ${binary(tx, sql`account_key`)} LIMIT ${take}`,
    );
  },

  /** Accounts whose number (upper-cased) or name (lower-cased) starts with the text; numbers first. */
  byPrefix(tx: Tx, text: string, take: number): Promise<AccountSummaryRow[]> {
    const upper = text.toUpperCase();
    const lower = text.toLowerCase();
    const key = binary(tx, sql`account_key`);
    const nameKey = binary(tx, sql`name_key`);
    return tx.all(
      sql`SELECT a.account_no AS "accountNo", a.name, a.status, a.currency, a.balance_minor AS "balanceMinor" FROM (
            SELECT * FROM (SELECT id, 0 AS rank, ${key} AS k FROM accounts
                           WHERE ${key} >= ${upper} AND ${key} < ${prefixEnd(upper)} ORDER BY ${key} LIMIT ${take}) by_no
            UNION
            SELECT * FROM (SELECT id, 1 AS rank, ${nameKey} AS k FROM accounts
                           WHERE ${nameKey} >= ${lower} AND ${nameKey} < ${prefixEnd(lower)} ORDER BY ${nameKey} LIMIT ${take}) by_name
          ) hit JOIN accounts a ON a.id = hit.id
          WHERE a.is_suspense = 0
          GROUP BY a.id, a.account_no, a.name, a.status, a.currency, a.balance_minor
          ORDER BY min(hit.rank), min(hit.k) LIMIT ${take}`,
    );
  },

  /** Accounts whose number or name contains the text (3+ characters: the trigram index), case-insensitively. */
  containing(tx: Tx, text: string, take: number): Promise<AccountSummaryRow[]> {
    if (tx.dialect === 'postgres') {
      const pattern = '%' + likeLiteral(text) + '%';
      return tx.all(
        sql`SELECT ${SUMMARY} FROM accounts
            WHERE id IN (SELECT id FROM accounts WHERE account_no ILIKE ${pattern} OR name ILIKE ${pattern} LIMIT ${take * 20})
              AND is_suspense = 0
            ORDER BY ${binary(tx, sql`account_key`)} LIMIT ${take}`,
      );
    }
    return tx.all(
      sql`SELECT ${SUMMARY} FROM accounts
          WHERE id IN (SELECT rowid FROM accounts_fts WHERE accounts_fts MATCH ${ftsPhrase(text)} LIMIT ${take * 20})
            AND is_suspense = 0
          ORDER BY account_key LIMIT ${take}`,
    );
  },

  /** Accounts whose number or name contains short text (under 3 characters: no trigram), by a bounded scan. */
  containingShort(tx: Tx, text: string, take: number): Promise<AccountSummaryRow[]> {
    const pattern = '%' + likeLiteral(text) + '%';
    const like = ilike(tx);
    return tx.all(
      sql`SELECT ${SUMMARY} FROM accounts
          WHERE is_suspense = 0 AND (account_no ${like} ${pattern} ESCAPE '\\' OR name ${like} ${pattern} ESCAPE '\\')
          ORDER BY ${binary(tx, sql`account_key`)} LIMIT ${take}`,
    );
  },

  /** One account by its number (any case), or undefined. */
  byNumber(tx: Tx, accountNo: string): Promise<AccountRow | undefined> {
    return tx.get(
      sql`SELECT id, ${SUMMARY}, default_pay_type AS "defaultPayType", is_suspense AS "isSuspense"
          FROM accounts WHERE account_key = ${accountNo.trim().toUpperCase()}`,
    );
  },

  billUnits(tx: Tx, accountId: number): Promise<BillUnitRow[]> {
    return tx.all(
      sql`SELECT bill_unit_no AS "billUnitNo", name, accounting_type AS "accountingType", pay_type AS "payType",
                 payment_term AS "paymentTerm", paying, is_default AS "isDefault", bill_cycle_day AS "billCycleDay",
                 next_bill_date AS "nextBillDate"
          FROM bill_units WHERE account_id = ${accountId}
          ORDER BY is_default DESC, ${binary(tx, sql`bill_unit_no`)}`,
    );
  },

  openBills(tx: Tx, accountId: number, limit: number): Promise<OpenBillRow[]> {
    return tx.all(
      sql`SELECT b.bill_no AS "billNo", u.bill_unit_no AS "billUnitNo", b.bill_date AS "billDate",
                 b.due_date AS "dueDate", b.currency, b.total_minor AS "totalMinor",
                 b.amount_due_minor AS "amountDueMinor", b.status
          FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
          WHERE b.account_id = ${accountId} AND b.status = 'open'
          ORDER BY b.due_date, ${binary(tx, sql`b.bill_no`)} LIMIT ${limit}`,
    );
  },

  async openBillTotals(tx: Tx, accountId: number, today: string): Promise<OpenBillTotals> {
    const row = await tx.get<OpenBillTotals>(
      sql`SELECT count(*) AS "openBillCount",
                 coalesce(sum(amount_due_minor), 0) AS "openMinor",
                 coalesce(sum(CASE WHEN due_date < ${today} THEN amount_due_minor ELSE 0 END), 0) AS "overdueMinor",
                 coalesce(sum(CASE WHEN due_date < ${today} THEN 1 ELSE 0 END), 0) AS "overdueBills",
                 min(CASE WHEN due_date >= ${today} THEN due_date END) AS "nextDueDate"
          FROM bills WHERE account_id = ${accountId} AND status = 'open'`,
    );
    return row!;
  },

  async dueOn(tx: Tx, accountId: number, dueDate: string): Promise<number> {
    const row = await tx.get<{ s: number }>(
      sql`SELECT coalesce(sum(amount_due_minor), 0) AS s FROM bills
          WHERE account_id = ${accountId} AND status = 'open' AND due_date = ${dueDate}`,
    );
    return row!.s;
  },

  async openItemsMinor(tx: Tx, accountId: number): Promise<number> {
    const row = await tx.get<{ s: number }>(
      sql`SELECT coalesce(sum(open_minor), 0) AS s FROM bill_items WHERE account_id = ${accountId} AND status = 'open'`,
    );
    return row!.s;
  },

  async recentBillDates(tx: Tx, accountId: number, n: number): Promise<string[]> {
    const rows = await tx.all<{ d: string }>(
      sql`SELECT DISTINCT bill_date AS d FROM bills WHERE account_id = ${accountId} ORDER BY bill_date DESC LIMIT ${n}`,
    );
    return rows.map((r) => r.d);
  },

  /** A bill's id by its number, or undefined. */
  async billId(tx: Tx, billNo: string): Promise<number | undefined> {
    return (await tx.get<{ id: number }>(sql`SELECT id FROM bills WHERE bill_no = ${billNo}`))?.id;
  },

  billItems(tx: Tx, billId: number): Promise<BillItemRow[]> {
    return tx.all(
      sql`SELECT i.item_no AS "itemNo", b.bill_no AS "billNo", i.type, i.amount_minor AS "amountMinor",
                 i.open_minor AS "openMinor", i.gl_id AS "glId", i.status
          FROM bill_items i JOIN bills b ON b.id = i.bill_id WHERE i.bill_id = ${billId} ORDER BY i.id`,
    );
  },

  /**
   * Count and sum of an account's payments in a date range, in slices of 512 payments, each sum split at 2^32
   * (hi * 2^32 + lo, truncating division on both databases): every part fits an exact JS number and a 64-bit
   * integer (SQLite's sum overflows past it) even at the ceiling per payment; the caller adds them in BigInt.
   */
  paymentSlices(
    tx: Tx,
    accountId: number,
    from: string,
    to: string,
  ): Promise<{ n: number; hi: number; lo: number }[]> {
    return tx.all(
      sql`SELECT count(*) AS n, sum(amount_minor / 4294967296) AS hi, sum(amount_minor % 4294967296) AS lo
          FROM payments
          WHERE account_id = ${accountId} AND effective_date >= ${from} AND effective_date <= ${to}
          GROUP BY id / 512`,
    );
  },

  /** A page of an account's payments in a date range, newest first. */
  paymentPage(
    tx: Tx,
    accountId: number,
    range: { from: string; to: string; limit: number; offset: number },
  ): Promise<PaymentHistoryRow[]> {
    return tx.all(
      sql`SELECT p.id AS "paymentId", p.kind, p.effective_date AS "effectiveDate", p.amount_minor AS "amountMinor",
                 p.currency, p.pay_type AS "payType", p.channel_id AS "channelId", p.status,
                 p.reason_code AS "reasonCode", p.external_ref AS "externalRef",
                 coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS "allocatedMinor",
                 ${flag(sql`EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)`)} AS reversed
          FROM payments p
          WHERE p.account_id = ${accountId} AND p.effective_date >= ${range.from} AND p.effective_date <= ${range.to}
          ORDER BY p.effective_date DESC, p.id DESC LIMIT ${range.limit} OFFSET ${range.offset}`,
    );
  },
};

/** The customer accounts (suspense accounts are the ledger's own). */
export function customerAccountCountQuery(): SQL {
  return sql`SELECT count(*) AS n FROM accounts WHERE is_suspense = 0`;
}
