import type Database from 'better-sqlite3';
import type { ReportCell, ReportDto, ReportFiltersDto } from '../../../src-shared/dto/reports';
import { describeFilters, echoFilters, filterSql, resolveFilters } from './filters';
import { chartPerCurrency, col, totalsPerCurrency, TRUE_REVERSAL } from './tables';

type DepositRow = {
  batchId: number;
  batchNo: string;
  lockbox: string;
  day: string;
  status: string;
  currency: string;
  controlCount: number | null;
  controlMinor: number | null;
  enteredCount: number;
  enteredMinor: number;
  postedCount: number;
  postedMinor: number;
  suspenseCount: number;
  suspenseMinor: number;
  exceptionsCount: number;
  exceptionsMinor: number;
  reversedCount: number;
  reversedMinor: number;
};

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
export function depositReport(db: Database.Database, filters: ReportFiltersDto, now: Date): ReportDto {
  const f = resolveFilters(db, filters, now);
  const w = filterSql(f, {
    period: 'b.batch_date',
    currency: 'b.currency',
    channelId: 'b.channel_id',
    payType: 'b.pay_type',
    batchId: 'b.id',
    operator: 'b.created_by',
  });
  const rows = db
    .prepare(
      `WITH RECURSIVE roots AS (
         SELECT b.id FROM batches b
         WHERE b.batch_type = 'payment' AND b.parent_batch_id IS NULL AND b.status <> 'discarded' AND ${w.where}
       ), tree(id, root) AS (
         SELECT id, id FROM roots
         UNION ALL
         SELECT c.id, t.root FROM batches c JOIN tree t ON c.parent_batch_id = t.id WHERE c.status <> 'discarded'
       ), ent AS (
         SELECT t.root,
                count(e.id) AS enteredCount, coalesce(sum(e.amount_minor), 0) AS enteredMinor,
                count(CASE WHEN e.status = 'posted' THEN 1 END) AS postedCount,
                coalesce(sum(CASE WHEN e.status = 'posted' THEN e.amount_minor END), 0) AS postedMinor,
                count(CASE WHEN e.status = 'posted_suspense' THEN 1 END) AS suspenseCount,
                coalesce(sum(CASE WHEN e.status = 'posted_suspense' THEN e.amount_minor END), 0) AS suspenseMinor,
                count(CASE WHEN t.id <> t.root THEN e.id END) AS exceptionsCount,
                coalesce(sum(CASE WHEN t.id <> t.root THEN e.amount_minor END), 0) AS exceptionsMinor
         FROM tree t LEFT JOIN batch_entries e ON e.batch_id = t.id GROUP BY t.root
       ), rev AS (
         SELECT t.root, count(*) AS reversedCount, sum(p.amount_minor) AS reversedMinor
         FROM tree t JOIN payments p ON p.batch_id = t.id JOIN reversals r ON r.payment_id = p.id
         WHERE ${TRUE_REVERSAL} GROUP BY t.root
       )
       SELECT b.id AS batchId, b.batch_no AS batchNo, coalesce(b.lockbox_no, '') AS lockbox, b.batch_date AS day,
              b.status, b.currency, b.control_count AS controlCount, b.control_total_minor AS controlMinor,
              ent.enteredCount, ent.enteredMinor, ent.postedCount, ent.postedMinor, ent.suspenseCount,
              ent.suspenseMinor, ent.exceptionsCount, ent.exceptionsMinor,
              coalesce(rev.reversedCount, 0) AS reversedCount, coalesce(rev.reversedMinor, 0) AS reversedMinor
       FROM roots JOIN batches b ON b.id = roots.id JOIN ent ON ent.root = b.id LEFT JOIN rev ON rev.root = b.id
       ORDER BY lockbox, b.batch_date, b.batch_no`,
    )
    .all(...w.params) as DepositRow[];
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
