import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary } from './dialect';
import { PAYMENT_SCOPE, scopeWhere, TRUE_REVERSAL, type ReportScope } from './reports';

/** Counts and sums of a set of payments in the payment history. */
export type HistoryStats = {
  count: number;
  amountMinor: number;
  onTimeCount: number;
  lateCount: number;
  unallocatedCount: number;
  reversedCount: number;
  reversedMinor: number;
  failedCount: number;
  failedMinor: number;
};

export type HistoryGroupRow = { k: number; currency: string; count: number; amountMinor: number };
export type TimelinessRow = { timeliness: string; currency: string; count: number; amountMinor: number };
export type HistoryAccountRow = HistoryStats & {
  accountNo: string;
  name: string;
  currency: string;
  lastPayment: string;
};
export type HistoryPaymentRow = {
  paymentId: number;
  effectiveDate: string;
  postedOn: string;
  payType: number;
  channelId: number;
  amountMinor: number;
  currency: string;
  timeliness: string;
  status: string;
};

/**
 * The payments the history counts, one row each in `h`: posted to a customer account (not the suspense account:
 * suspended money is in the suspense reports) in the scope, by posting date. `timeliness` is on-time when the
 * payment's effective date is on or before the due date of every bill it is (net) allocated to, late when it is
 * after any of them, unallocated when nothing of it is allocated (undone allocations do not count).
 */
function selection(f: ReportScope): SQL {
  const where = scopeWhere(f, { ...PAYMENT_SCOPE, accountNo: sql`p.account_id` });
  return sql`WITH sel AS (
      SELECT p.id, p.account_id, p.currency, p.amount_minor, p.pay_type, p.channel_id, p.effective_date,
             substr(p.created_at, 1, 10) AS posted_on,
             CASE WHEN p.status >= 30 THEN 1 ELSE 0 END AS failed,
             CASE WHEN EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id AND ${TRUE_REVERSAL}) THEN 1 ELSE 0 END AS reversed
      FROM payments p JOIN accounts a ON a.id = p.account_id AND a.is_suspense = 0
      WHERE ${where}
    ), billed AS (
      SELECT al.payment_id, coalesce(al.bill_id, bi.bill_id) AS bill_id, sum(al.amount_minor) AS net
      FROM allocations al JOIN sel ON sel.id = al.payment_id LEFT JOIN bill_items bi ON bi.id = al.item_id
      GROUP BY al.payment_id, coalesce(al.bill_id, bi.bill_id) HAVING sum(al.amount_minor) > 0
    ), due AS (
      SELECT billed.payment_id, min(b.due_date) AS first_due FROM billed JOIN bills b ON b.id = billed.bill_id
      GROUP BY billed.payment_id
    ), h AS (
      SELECT sel.*, CASE WHEN due.first_due IS NULL THEN 'unallocated'
                         WHEN sel.effective_date <= due.first_due THEN 'on-time' ELSE 'late' END AS timeliness
      FROM sel LEFT JOIN due ON due.payment_id = sel.id
    )`;
}

const STATS = sql`count(*) AS count, sum(h.amount_minor) AS "amountMinor",
  count(CASE WHEN h.timeliness = 'on-time' THEN 1 END) AS "onTimeCount",
  count(CASE WHEN h.timeliness = 'late' THEN 1 END) AS "lateCount",
  count(CASE WHEN h.timeliness = 'unallocated' THEN 1 END) AS "unallocatedCount",
  sum(h.reversed) AS "reversedCount", coalesce(sum(CASE WHEN h.reversed = 1 THEN h.amount_minor END), 0) AS "reversedMinor",
  sum(h.failed) AS "failedCount", coalesce(sum(CASE WHEN h.failed = 1 THEN h.amount_minor END), 0) AS "failedMinor"`;

/** The payment history report's reads. */
export const historyRepo = {
  summary(tx: Tx, f: ReportScope): Promise<(HistoryStats & { currency: string; accounts: number })[]> {
    return tx.all(
      sql`${selection(f)} SELECT h.currency, count(DISTINCT h.account_id) AS accounts, ${STATS}
          FROM h GROUP BY h.currency ORDER BY ${binary(tx, sql`h.currency`)}`,
    );
  },

  /** Count and amount per currency and pay type (or channel), largest amount first. */
  grouped(tx: Tx, f: ReportScope, key: 'pay_type' | 'channel_id'): Promise<HistoryGroupRow[]> {
    const k = sql.raw(`h.${key}`);
    return tx.all(
      sql`${selection(f)} SELECT ${k} AS k, h.currency, count(*) AS count, sum(h.amount_minor) AS "amountMinor"
          FROM h GROUP BY h.currency, ${k}
          ORDER BY ${binary(tx, sql`h.currency`)}, sum(h.amount_minor) DESC, ${k}`,
    );
  },

  timeliness(tx: Tx, f: ReportScope): Promise<TimelinessRow[]> {
    return tx.all(
      sql`${selection(f)} SELECT h.timeliness, h.currency, count(*) AS count, sum(h.amount_minor) AS "amountMinor"
          FROM h GROUP BY h.currency, h.timeliness`,
    );
  },

  /** How many account and currency pairs have payments. */
  async accountCount(tx: Tx, f: ReportScope): Promise<number> {
    const row = await tx.get<{ n: number }>(
      sql`${selection(f)} SELECT count(*) AS n FROM (SELECT DISTINCT h.account_id, h.currency FROM h) pairs`,
    );
    return row!.n;
  },

  /** Per account and currency, the largest amounts first. */
  accounts(tx: Tx, f: ReportScope, limit: number): Promise<HistoryAccountRow[]> {
    return tx.all(
      sql`${selection(f)} SELECT a.account_no AS "accountNo", a.name, h.currency,
                 max(${binary(tx, sql`h.effective_date`)}) AS "lastPayment", ${STATS}
          FROM h JOIN accounts a ON a.id = h.account_id GROUP BY a.id, a.account_no, a.name, h.currency
          ORDER BY sum(h.amount_minor) DESC, ${binary(tx, sql`a.account_no`)}, ${binary(tx, sql`h.currency`)}
          LIMIT ${limit}`,
    );
  },

  /** The payments themselves, by effective date. */
  payments(tx: Tx, f: ReportScope, limit: number): Promise<HistoryPaymentRow[]> {
    return tx.all(
      sql`${selection(f)} SELECT h.id AS "paymentId", h.effective_date AS "effectiveDate", h.posted_on AS "postedOn",
                 h.pay_type AS "payType", h.channel_id AS "channelId", h.amount_minor AS "amountMinor", h.currency,
                 h.timeliness,
                 CASE WHEN h.failed = 1 THEN 'failed' WHEN h.reversed = 1 THEN 'reversed' ELSE 'posted' END AS status
          FROM h ORDER BY ${binary(tx, sql`h.effective_date`)}, h.id LIMIT ${limit}`,
    );
  },
};
