import { depositRepo } from '../../../db/repos/reports-deposit';
import type { Storage, Tx } from '../../../db/storage/port';
import type { ReportCell, ReportDto, ReportFiltersDto } from '../../../src-shared/dto/reports';
import { describeFilters, echoFilters, resolveFilters } from './filters';
import { chartPerCurrency, col, totalsPerCurrency } from './tables';

const COUNT_AND_MONEY = [
  'controlCount',
  'controlMinor',
  'enteredCount',
  'enteredMinor',
  'postedCount',
  'postedMinor',
  'suspenseCount',
  'suspenseMinor',
  'exceptionsCount',
  'exceptionsMinor',
  'reversedCount',
  'reversedMinor',
  'diffCount',
  'diffMinor',
] as const;

/**
 * Deposit / batch reconciliation: one row per deposit (a payment batch that was not split off another), in lockbox,
 * day and batch order. A deposit holds its own entries and those split off to its exception batches (discarded
 * batches left out): the control figures of its header against what was entered, posted to accounts, posted to
 * suspense, split off as exceptions, and reversed later (reversals of payments the deposit posted, whenever made).
 * Filters: period (batch date), currency, channel, pay type, batch (the deposit), operator (who created it).
 */
export function depositReport(storage: Storage, filters: ReportFiltersDto, now: Date): Promise<ReportDto> {
  return storage.transaction((tx) => deposit(tx, filters, now), { readOnly: true });
}

async function deposit(tx: Tx, filters: ReportFiltersDto, now: Date): Promise<ReportDto> {
  const f = await resolveFilters(tx, filters, now);
  const rows = await depositRepo.deposits(tx, f);
  const table: Record<string, ReportCell>[] = rows.map((r) => ({
    ...r,
    diffCount: r.controlCount === null ? null : r.controlCount - r.enteredCount,
    diffMinor: r.controlMinor === null ? null : r.controlMinor - r.enteredMinor,
  }));
  // Per day and currency, for the chart: where the deposited money went.
  const days = new Map<string, Record<string, ReportCell>>();
  for (const r of rows) {
    const k = `${r.day}\u0000${r.currency}`;
    const d = days.get(k) ?? {
      day: r.day,
      currency: r.currency,
      batches: 0,
      enteredMinor: 0,
      postedMinor: 0,
      suspenseMinor: 0,
      exceptionsMinor: 0,
    };
    d.batches = (d.batches as number) + 1;
    d.enteredMinor = (d.enteredMinor as number) + r.enteredMinor;
    d.postedMinor = (d.postedMinor as number) + r.postedMinor;
    d.suspenseMinor = (d.suspenseMinor as number) + r.suspenseMinor;
    d.exceptionsMinor = (d.exceptionsMinor as number) + r.exceptionsMinor;
    days.set(k, d);
  }
  const dayRows = [...days.values()].sort(
    (a, b) =>
      String(a.currency).localeCompare(String(b.currency)) || String(a.day).localeCompare(String(b.day)),
  );
  return {
    name: 'deposit',
    title: 'Deposit / batch reconciliation',
    subtitle: `Deposits by lockbox, batch and day (batch date); ${describeFilters(
      f,
      ['period', 'currency', 'channelId', 'payType', 'batchId', 'operator'],
      'batch date',
    )}`,
    filters: echoFilters(f),
    generatedAt: now.toISOString(),
    tables: [
      {
        id: 'batches',
        title: 'Deposits',
        columns: [
          col('lockbox', 'Lockbox'),
          col('day', 'Day', 'date'),
          col('batchNo', 'Batch'),
          col('status', 'Status'),
          col('currency', 'Cur'),
          col('controlCount', 'Control #', 'int'),
          col('controlMinor', 'Control', 'money'),
          col('enteredCount', 'Entered #', 'int'),
          col('enteredMinor', 'Entered', 'money'),
          col('postedCount', 'Posted #', 'int'),
          col('postedMinor', 'Posted', 'money'),
          col('suspenseCount', 'Suspense #', 'int'),
          col('suspenseMinor', 'Suspense', 'money'),
          col('exceptionsCount', 'Exceptions #', 'int'),
          col('exceptionsMinor', 'Exceptions', 'money'),
          col('reversedCount', 'Reversed #', 'int'),
          col('reversedMinor', 'Reversed', 'money'),
          col('diffCount', 'Diff #', 'int'),
          col('diffMinor', 'Diff (control - entered)', 'money'),
        ],
        rows: table,
        totals: totalsPerCurrency(table, COUNT_AND_MONEY, 'lockbox'),
      },
      {
        id: 'days',
        title: 'Per day',
        columns: [
          col('day', 'Day', 'date'),
          col('currency', 'Cur'),
          col('batches', 'Batches', 'int'),
          col('enteredMinor', 'Entered', 'money'),
          col('postedMinor', 'Posted to accounts', 'money'),
          col('suspenseMinor', 'Posted to suspense', 'money'),
          col('exceptionsMinor', 'Exceptions', 'money'),
        ],
        rows: dayRows,
        totals: totalsPerCurrency(
          dayRows,
          ['batches', 'enteredMinor', 'postedMinor', 'suspenseMinor', 'exceptionsMinor'],
          'day',
        ),
      },
    ],
    charts: chartPerCurrency(dayRows, {
      id: 'deposit-days',
      title: 'Posted vs suspense vs exceptions per day',
      kind: 'bar',
      tableId: 'days',
      x: 'day',
      series: [
        { key: 'postedMinor', label: 'Posted to accounts' },
        { key: 'suspenseMinor', label: 'Posted to suspense' },
        { key: 'exceptionsMinor', label: 'Exceptions' },
      ],
    }),
  };
}
