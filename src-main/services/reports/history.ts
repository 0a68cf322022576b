import type Database from 'better-sqlite3';
import type {
  ReportCell,
  ReportDto,
  ReportFiltersDto,
  ReportTableDto,
} from '../../../src-shared/dto/reports';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { describeFilters, echoFilters, filterSql, resolveFilters } from './filters';
import { averageMinor, chartPerCurrency, col, totalsPerCurrency, TRUE_REVERSAL } from './tables';

/** Accounts listed at most in the per-account table (by amount, largest first); the summary counts all. */
export const HISTORY_ACCOUNT_ROWS = 200;
/** Payments listed at most for one account. */
export const HISTORY_PAYMENT_ROWS = 2000;

const TIMELINESS = ['on-time', 'late', 'unallocated'] as const;

/**
 * The payments the history counts, one row each: posted to a customer account (not the suspense account:
 * suspended money is in the suspense reports) in the period, by posting date. `timeliness` is on-time when the
 * payment's effective date is on or before the due date of every bill it is (net) allocated to, late when it is
 * after any of them, unallocated when nothing of it is allocated (undone allocations do not count).
 */
function selection(where: string): string {
  return `WITH sel AS (
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

const STATS = `count(*) AS count, sum(amount_minor) AS amountMinor,
  count(CASE WHEN timeliness = 'on-time' THEN 1 END) AS onTimeCount,
  count(CASE WHEN timeliness = 'late' THEN 1 END) AS lateCount,
  count(CASE WHEN timeliness = 'unallocated' THEN 1 END) AS unallocatedCount,
  sum(reversed) AS reversedCount, coalesce(sum(CASE WHEN reversed = 1 THEN amount_minor END), 0) AS reversedMinor,
  sum(failed) AS failedCount, coalesce(sum(CASE WHEN failed = 1 THEN amount_minor END), 0) AS failedMinor`;

type Stats = {
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

/** On-time share of the allocated payments, in basis points (null when none was allocated). */
const onTimeBp = (s: Stats): number | null => {
  const n = s.onTimeCount + s.lateCount;
  return n === 0 ? null : Math.round((s.onTimeCount * 10_000) / n);
};

/**
 * Payment history with summary statistics (seeds 000/001), overall and per account: count, amount, average, by
 * pay type and channel, on time versus late, reversed and failed. Filters: period (posting date), currency,
 * channel, pay type, batch, operator (who posted), account (adds that account's payments, one per row).
 */
export function historyReport(db: Database.Database, filters: ReportFiltersDto, now: Date): ReportDto {
  const f = resolveFilters(db, filters, now);
  const w = filterSql(f, {
    period: 'substr(p.created_at, 1, 10)',
    currency: 'p.currency',
    channelId: 'p.channel_id',
    payType: 'p.pay_type',
    batchId: 'p.batch_id',
    operator: 'p.operator_id',
    accountNo: 'p.account_id',
  });
  const base = selection(w.where);
  const all = <T>(tail: string): T[] => db.prepare(`${base} ${tail}`).all(...w.params) as T[];

  const summary = all<Stats & { currency: string; accounts: number }>(
    `SELECT currency, count(DISTINCT account_id) AS accounts, ${STATS} FROM h GROUP BY currency ORDER BY currency`,
  ).map((s) => ({ ...s, averageMinor: averageMinor(s.amountMinor, s.count), onTimeBp: onTimeBp(s) }));

  const channelNames = new Map(
    (
      db.prepare('SELECT id, description FROM payment_channels').all() as {
        id: number;
        description: string;
      }[]
    ).map((c) => [c.id, c.description]),
  );
  const grouped = (key: 'pay_type' | 'channel_id'): Record<string, ReportCell>[] =>
    all<{ k: number; currency: string; count: number; amountMinor: number }>(
      `SELECT ${key} AS k, currency, count(*) AS count, sum(amount_minor) AS amountMinor FROM h
       GROUP BY currency, ${key} ORDER BY currency, amountMinor DESC, ${key}`,
    ).map((r) => ({
      [key === 'pay_type' ? 'payType' : 'channel']:
        key === 'pay_type'
          ? (PAY_TYPE_NAMES[r.k] ?? String(r.k))
          : `${r.k} ${channelNames.get(r.k) ?? ''}`.trim(),
      currency: r.currency,
      count: r.count,
      amountMinor: r.amountMinor,
      averageMinor: averageMinor(r.amountMinor, r.count),
    }));
  const byPayType = grouped('pay_type');
  const byChannel = grouped('channel_id');

  const timelinessRaw = all<{ timeliness: string; currency: string; count: number; amountMinor: number }>(
    `SELECT timeliness, currency, count(*) AS count, sum(amount_minor) AS amountMinor FROM h GROUP BY currency, timeliness`,
  );
  const timeliness: Record<string, ReportCell>[] = summary.flatMap((s) =>
    TIMELINESS.map((t) => {
      const r = timelinessRaw.find((x) => x.currency === s.currency && x.timeliness === t);
      return { timeliness: t, currency: s.currency, count: r?.count ?? 0, amountMinor: r?.amountMinor ?? 0 };
    }),
  );

  const accountCount = (
    db
      .prepare(`${base} SELECT count(DISTINCT account_id || ' ' || currency) AS n FROM h`)
      .get(...w.params) as {
      n: number;
    }
  ).n;
  const accounts = all<Stats & { accountNo: string; name: string; currency: string; lastPayment: string }>(
    `SELECT a.account_no AS accountNo, a.name, h.currency, max(h.effective_date) AS lastPayment, ${STATS}
     FROM h JOIN accounts a ON a.id = h.account_id GROUP BY h.account_id, h.currency
     ORDER BY sum(h.amount_minor) DESC, a.account_no LIMIT ${HISTORY_ACCOUNT_ROWS}`,
  ).map((s) => ({
    accountNo: s.accountNo,
    name: s.name,
    currency: s.currency,
    count: s.count,
    amountMinor: s.amountMinor,
    averageMinor: averageMinor(s.amountMinor, s.count),
    onTimeCount: s.onTimeCount,
    lateCount: s.lateCount,
    unallocatedCount: s.unallocatedCount,
    reversedCount: s.reversedCount,
    failedCount: s.failedCount,
    lastPayment: s.lastPayment,
  }));

  const moneyCols = [
    col('count', 'Count', 'int'),
    col('amountMinor', 'Amount', 'money'),
    col('averageMinor', 'Average', 'money'),
  ];
  const tables: ReportTableDto[] = [
    {
      id: 'summary',
      title: 'Summary per currency',
      columns: [
        col('currency', 'Cur'),
        col('accounts', 'Accounts', 'int'),
        ...moneyCols,
        col('onTimeCount', 'On time', 'int'),
        col('lateCount', 'Late', 'int'),
        col('unallocatedCount', 'Unallocated', 'int'),
        col('onTimeBp', 'On time %', 'percent'),
        col('reversedCount', 'Reversed #', 'int'),
        col('reversedMinor', 'Reversed', 'money'),
        col('failedCount', 'Failed #', 'int'),
        col('failedMinor', 'Failed', 'money'),
      ],
      rows: summary.map((s) => ({
        currency: s.currency,
        accounts: s.accounts,
        count: s.count,
        amountMinor: s.amountMinor,
        averageMinor: s.averageMinor,
        onTimeCount: s.onTimeCount,
        lateCount: s.lateCount,
        unallocatedCount: s.unallocatedCount,
        onTimeBp: s.onTimeBp,
        reversedCount: s.reversedCount,
        reversedMinor: s.reversedMinor,
        failedCount: s.failedCount,
        failedMinor: s.failedMinor,
      })),
    },
    {
      id: 'by-pay-type',
      title: 'By pay type',
      columns: [col('payType', 'Pay type'), col('currency', 'Cur'), ...moneyCols],
      rows: byPayType,
      totals: totalsPerCurrency(byPayType, ['count', 'amountMinor'], 'payType'),
    },
    {
      id: 'by-channel',
      title: 'By channel',
      columns: [col('channel', 'Channel'), col('currency', 'Cur'), ...moneyCols],
      rows: byChannel,
      totals: totalsPerCurrency(byChannel, ['count', 'amountMinor'], 'channel'),
    },
    {
      id: 'timeliness',
      title: 'On time versus late (effective date against the due date of the bills paid)',
      columns: [
        col('timeliness', 'Timeliness'),
        col('currency', 'Cur'),
        col('count', 'Count', 'int'),
        col('amountMinor', 'Amount', 'money'),
      ],
      rows: timeliness,
      totals: totalsPerCurrency(timeliness, ['count', 'amountMinor'], 'timeliness'),
    },
    {
      id: 'accounts',
      title:
        accountCount > accounts.length
          ? `Per account (the ${accounts.length} largest of ${accountCount})`
          : 'Per account',
      columns: [
        col('accountNo', 'Account'),
        col('name', 'Name'),
        col('currency', 'Cur'),
        ...moneyCols,
        col('onTimeCount', 'On time', 'int'),
        col('lateCount', 'Late', 'int'),
        col('unallocatedCount', 'Unalloc.', 'int'),
        col('reversedCount', 'Reversed', 'int'),
        col('failedCount', 'Failed', 'int'),
        col('lastPayment', 'Last payment', 'date'),
      ],
      rows: accounts,
    },
  ];
  if (f.accountId !== undefined) {
    const payments = all<Record<string, ReportCell>>(
      `SELECT id AS paymentId, effective_date AS effectiveDate, posted_on AS postedOn, pay_type AS payType,
              channel_id AS channelId, amount_minor AS amountMinor, currency, timeliness,
              CASE WHEN failed = 1 THEN 'failed' WHEN reversed = 1 THEN 'reversed' ELSE 'posted' END AS status
       FROM h ORDER BY effective_date, id LIMIT ${HISTORY_PAYMENT_ROWS}`,
    ).map((p) => ({ ...p, payType: PAY_TYPE_NAMES[p.payType as number] ?? String(p.payType) }));
    tables.push({
      id: 'payments',
      title: `Payments of ${f.accountNo}`,
      columns: [
        col('paymentId', 'Payment', 'code'),
        col('effectiveDate', 'Effective', 'date'),
        col('postedOn', 'Posted', 'date'),
        col('payType', 'Pay type'),
        col('channelId', 'Channel', 'code'),
        col('currency', 'Cur'),
        col('amountMinor', 'Amount', 'money'),
        col('timeliness', 'Timeliness'),
        col('status', 'Status'),
      ],
      rows: payments,
      totals: totalsPerCurrency(payments, ['amountMinor'], 'effectiveDate'),
      drill: 'payment-timeline',
    });
  }
  return {
    name: 'history',
    title: f.accountNo ? `Payment history of ${f.accountNo}` : 'Payment history',
    subtitle: `Payments posted to customer accounts (suspended money is in the suspense reports); on time = effective date on or before the due date of every bill paid, unallocated payments are neither; ${describeFilters(
      f,
      ['period', 'currency', 'channelId', 'payType', 'batchId', 'operator', 'accountNo'],
    )}`,
    filters: echoFilters(f),
    generatedAt: now.toISOString(),
    tables,
    charts: [
      ...chartPerCurrency(byPayType, {
        id: 'amount-by-pay-type',
        title: 'Amount per pay type',
        kind: 'bar',
        tableId: 'by-pay-type',
        x: 'payType',
        series: [{ key: 'amountMinor', label: 'Amount' }],
      }),
      ...chartPerCurrency(timeliness, {
        id: 'on-time-vs-late',
        title: 'On time versus late (count)',
        kind: 'bar',
        tableId: 'timeliness',
        x: 'timeliness',
        series: [{ key: 'count', label: 'Payments' }],
      }),
    ],
  };
}
