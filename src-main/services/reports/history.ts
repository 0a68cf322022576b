import { historyRepo, type HistoryStats } from '../../../db/repos/reports-history';
import { reportsRepo } from '../../../db/repos/reports';
import type { Storage, Tx } from '../../../db/storage/port';
import type {
  ReportCell,
  ReportDto,
  ReportFiltersDto,
  ReportTableDto,
} from '../../../src-shared/dto/reports';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { describeFilters, echoFilters, resolveFilters } from './filters';
import { averageMinor, chartPerCurrency, col, totalsPerCurrency } from './tables';

/** Accounts listed at most in the per-account table (by amount, largest first); the summary counts all. */
export const HISTORY_ACCOUNT_ROWS = 200;
/** Payments listed at most for one account. */
export const HISTORY_PAYMENT_ROWS = 2000;

const TIMELINESS = ['on-time', 'late', 'unallocated'] as const;

/** On-time share of the allocated payments, in basis points (null when none was allocated). */
const onTimeBp = (s: HistoryStats): number | null => {
  const n = s.onTimeCount + s.lateCount;
  return n === 0 ? null : Math.round((s.onTimeCount * 10_000) / n);
};

/**
 * Payment history with summary statistics (seeds 000/001), overall and per account: count, amount, average, by
 * pay type and channel, on time versus late, reversed and failed. Filters: period (posting date), currency,
 * channel, pay type, batch, operator (who posted), account (adds that account's payments, one per row).
 */
export function historyReport(storage: Storage, filters: ReportFiltersDto, now: Date): Promise<ReportDto> {
  return storage.transaction((tx) => history(tx, filters, now), { readOnly: true });
}

async function history(tx: Tx, filters: ReportFiltersDto, now: Date): Promise<ReportDto> {
  const f = await resolveFilters(tx, filters, now);

  const summary = (await historyRepo.summary(tx, f)).map((s) => ({
    ...s,
    averageMinor: averageMinor(s.amountMinor, s.count),
    onTimeBp: onTimeBp(s),
  }));

  const channelNames = await reportsRepo.channelNames(tx);
  const grouped = async (key: 'pay_type' | 'channel_id'): Promise<Record<string, ReportCell>[]> =>
    (await historyRepo.grouped(tx, f, key)).map((r) => ({
      [key === 'pay_type' ? 'payType' : 'channel']:
        key === 'pay_type'
          ? (PAY_TYPE_NAMES[r.k] ?? String(r.k))
          : `${r.k} ${channelNames.get(r.k) ?? ''}`.trim(),
      currency: r.currency,
      count: r.count,
      amountMinor: r.amountMinor,
      averageMinor: averageMinor(r.amountMinor, r.count),
    }));
  const byPayType = await grouped('pay_type');
  const byChannel = await grouped('channel_id');

  const timelinessRaw = await historyRepo.timeliness(tx, f);
  const timeliness: Record<string, ReportCell>[] = summary.flatMap((s) =>
    TIMELINESS.map((t) => {
      const r = timelinessRaw.find((x) => x.currency === s.currency && x.timeliness === t);
      return { timeliness: t, currency: s.currency, count: r?.count ?? 0, amountMinor: r?.amountMinor ?? 0 };
    }),
  );

  const accountCount = await historyRepo.accountCount(tx, f);
  const accounts = (await historyRepo.accounts(tx, f, HISTORY_ACCOUNT_ROWS)).map((s) => ({
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
    const payments: Record<string, ReportCell>[] = (
      await historyRepo.payments(tx, f, HISTORY_PAYMENT_ROWS)
    ).map((p) => ({ ...p, payType: PAY_TYPE_NAMES[p.payType] ?? String(p.payType) }));
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
