import type Database from 'better-sqlite3';
import type { ReportCell, ReportDto, ReportFiltersDto } from '../../../src-shared/dto/reports';
import { COMMAND_LABELS } from '../processors/recovery';
import { describeFilters, echoFilters, filterSql, isoDay, resolveFilters, shiftDay } from './filters';
import { chartPerCurrency, col, currenciesOf, totalsPerCurrency } from './tables';

/** Days of posted volume the daily report charts, ending on its day. */
export const DAILY_VOLUME_DAYS = 14;

/**
 * Daily operations for one day (`to`, default the day before the clock's day; `from` is not used): the batches of
 * that day (batch date) by type, status and currency (a reversal entry counts the payment it reverses); the processor checkpoints still unresolved now (open 999 and
 * charged but unposted 1000+); approvals pending now; money moved into and out of suspense that day (the suspense
 * account's journal lines: credits in, debits out); collection runs started that day; and the posted volume of the
 * last 14 days (payments received: every payment except moves out of suspense, recycles and failed ones).
 */
export function dailyReport(db: Database.Database, filters: ReportFiltersDto, now: Date): ReportDto {
  const day = filters.to ?? shiftDay(isoDay(now), -1);
  const f = resolveFilters(db, { ...filters, from: day, to: day }, now);
  const first = shiftDay(day, -(DAILY_VOLUME_DAYS - 1));

  const bw = filterSql(f, {
    period: 'b.batch_date',
    currency: 'b.currency',
    channelId: 'b.channel_id',
    payType: 'b.pay_type',
    batchId: 'b.id',
    operator: 'b.created_by',
  });
  const batches = db
    .prepare(
      `SELECT b.batch_type AS batchType, b.status, b.currency, count(*) AS batches,
              coalesce(sum(e.n), 0) AS entries, coalesce(sum(e.s), 0) AS totalMinor,
              coalesce(sum(e.pn), 0) AS postedCount, coalesce(sum(e.ps), 0) AS postedMinor
       FROM batches b LEFT JOIN (
         SELECT x.batch_id, count(*) AS n, coalesce(sum(x.amount), 0) AS s,
                count(CASE WHEN x.status IN ('posted', 'posted_suspense') THEN 1 END) AS pn,
                coalesce(sum(CASE WHEN x.status IN ('posted', 'posted_suspense') THEN x.amount END), 0) AS ps
         FROM (SELECT be.batch_id, be.status, coalesce(be.amount_minor, rp.amount_minor) AS amount
               FROM batch_entries be LEFT JOIN payments rp ON rp.id = be.payment_ref) x
         GROUP BY x.batch_id) e ON e.batch_id = b.id
       WHERE ${bw.where}
       GROUP BY b.batch_type, b.status, b.currency ORDER BY b.currency, b.batch_type, b.status`,
    )
    .all(...bw.params) as Record<string, ReportCell>[];

  const cw = filterSql(f, { currency: 't.currency', payType: 't.pay_type', operator: 't.operator_id' });
  const checkpoints = (
    db
      .prepare(
        `SELECT t.command, CASE WHEN t.result = 999 THEN 'open' ELSE 'charged, not posted' END AS state, t.currency,
                count(*) AS count, sum(t.amount_minor) AS amountMinor, min(t.created_at) AS oldest
         FROM processor_txns t WHERE (t.result = 999 OR t.result >= 1000) AND ${cw.where}
         GROUP BY t.command, state, t.currency ORDER BY t.currency, t.command, state`,
      )
      .all(...cw.params) as Record<string, ReportCell>[]
  ).map((r) => ({ ...r, command: COMMAND_LABELS[r.command as string] ?? r.command ?? null }));

  const aw = filterSql(f, { operator: 'a.prepared_by' });
  const approvals = db
    .prepare(
      `SELECT a.id, a.operation, a.description, a.requirement, o.login AS preparedBy, a.created_at AS createdAt,
              a.expires_at AS expiresAt
       FROM approvals a JOIN operators o ON o.id = a.prepared_by
       WHERE a.status = 'pending' AND a.expires_at > ? AND ${aw.where} ORDER BY a.created_at, a.id`,
    )
    .all(now.toISOString(), ...aw.params) as Record<string, ReportCell>[];

  const sw = filterSql(f, { currency: 'l.currency' });
  const suspense = db
    .prepare(
      `SELECT l.currency,
              count(CASE WHEN l.amount_minor < 0 THEN 1 END) AS inCount,
              coalesce(-sum(CASE WHEN l.amount_minor < 0 THEN l.amount_minor END), 0) AS inMinor,
              count(CASE WHEN l.amount_minor > 0 THEN 1 END) AS outCount,
              coalesce(sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor END), 0) AS outMinor,
              -sum(l.amount_minor) AS netMinor
       FROM journals j JOIN journal_lines l ON l.journal_id = j.id
       WHERE j.at >= ? AND j.at < ? AND l.gl_account = 'SUSPENSE' AND ${sw.where}
       GROUP BY l.currency ORDER BY l.currency`,
    )
    .all(`${day}T00:00:00`, `${shiftDay(day, 1)}T00:00:00`, ...sw.params) as Record<string, ReportCell>[];

  const rw = filterSql(f, { currency: 't.currency', payType: 't.pay_type', operator: 'r.operator_id' });
  const runs = db
    .prepare(
      `SELECT r.id AS runId, r.kind, pr.name AS processor, r.status, r.selected, r.started_at AS startedAt,
              r.finished_at AS finishedAt, t.currency,
              count(t.id) AS txns, count(CASE WHEN t.result = 0 THEN 1 END) AS passCount,
              coalesce(sum(CASE WHEN t.payment_id IS NOT NULL THEN t.amount_minor END), 0) AS postedMinor,
              count(CASE WHEN t.result BETWEEN 1 AND 998 THEN 1 END) AS declinedCount
       FROM collect_runs r JOIN processors pr ON pr.id = r.processor_id
       LEFT JOIN processor_txns t ON t.run_id = r.id
       WHERE r.started_at >= ? AND r.started_at < ? AND ${rw.where.replace(/t\.currency = \?/, '(t.currency = ? OR t.id IS NULL)')}
       GROUP BY r.id, t.currency ORDER BY r.id, t.currency`,
    )
    .all(`${day}T00:00:00`, `${shiftDay(day, 1)}T00:00:00`, ...rw.params) as Record<string, ReportCell>[];

  const vw = filterSql(
    { ...f, from: first, to: day },
    {
      period: 'substr(p.created_at, 1, 10)',
      currency: 'p.currency',
      channelId: 'p.channel_id',
      payType: 'p.pay_type',
      batchId: 'p.batch_id',
      operator: 'p.operator_id',
    },
  );
  const volumeRaw = db
    .prepare(
      `SELECT substr(p.created_at, 1, 10) AS day, p.currency, count(*) AS count, sum(p.amount_minor) AS amountMinor
       FROM payments p WHERE p.kind NOT IN ('distributed', 'recycled') AND p.status < 30 AND ${vw.where}
       GROUP BY day, p.currency`,
    )
    .all(...vw.params) as { day: string; currency: string; count: number; amountMinor: number }[];
  const volCurrencies = f.currency ? [f.currency] : currenciesOf(volumeRaw).sort();
  const volume: Record<string, ReportCell>[] = volCurrencies.flatMap((currency) =>
    Array.from({ length: DAILY_VOLUME_DAYS }, (_, i) => {
      const d = shiftDay(first, i);
      const r = volumeRaw.find((v) => v.day === d && v.currency === currency);
      return { day: d, currency, count: r?.count ?? 0, amountMinor: r?.amountMinor ?? 0 };
    }),
  );

  return {
    name: 'daily',
    title: `Daily operations ${day}`,
    subtitle:
      `Batches, suspense moves and collection runs of ${day}; checkpoints and approvals unresolved now; posted volume ${first} to ${day}; ${describeFilters(
        f,
        ['currency', 'channelId', 'payType', 'batchId', 'operator'],
      )}`.replace(/; $/, ''),
    filters: echoFilters(f),
    generatedAt: now.toISOString(),
    tables: [
      {
        id: 'batches',
        title: `Batches of ${day} by type and status`,
        columns: [
          col('batchType', 'Type'),
          col('status', 'Status'),
          col('currency', 'Cur'),
          col('batches', 'Batches', 'int'),
          col('entries', 'Entries', 'int'),
          col('totalMinor', 'Entered', 'money'),
          col('postedCount', 'Posted #', 'int'),
          col('postedMinor', 'Posted', 'money'),
        ],
        rows: batches,
        totals: totalsPerCurrency(
          batches,
          ['batches', 'entries', 'totalMinor', 'postedCount', 'postedMinor'],
          'batchType',
        ),
      },
      {
        id: 'checkpoints',
        title: 'Unresolved processor checkpoints (recovery)',
        columns: [
          col('command', 'Command'),
          col('state', 'State'),
          col('currency', 'Cur'),
          col('count', 'Count', 'int'),
          col('amountMinor', 'Amount', 'money'),
          col('oldest', 'Oldest', 'datetime'),
        ],
        rows: checkpoints,
        totals: totalsPerCurrency(checkpoints, ['count', 'amountMinor'], 'command'),
      },
      {
        id: 'approvals',
        title: 'Pending approvals',
        columns: [
          col('id', 'Id', 'code'),
          col('operation', 'Operation'),
          col('description', 'Description'),
          col('requirement', 'Requirement'),
          col('preparedBy', 'Prepared by'),
          col('createdAt', 'Prepared', 'datetime'),
          col('expiresAt', 'Expires', 'datetime'),
        ],
        rows: approvals,
      },
      {
        id: 'suspense',
        title: `Suspense in and out on ${day}`,
        columns: [
          col('currency', 'Cur'),
          col('inCount', 'In #', 'int'),
          col('inMinor', 'Into suspense', 'money'),
          col('outCount', 'Out #', 'int'),
          col('outMinor', 'Out of suspense', 'money'),
          col('netMinor', 'Net change', 'money'),
        ],
        rows: suspense,
      },
      {
        id: 'collections',
        title: `Collection runs started on ${day}`,
        columns: [
          col('runId', 'Run', 'code'),
          col('kind', 'Kind'),
          col('processor', 'Processor'),
          col('status', 'Status'),
          col('selected', 'Selected', 'int'),
          col('currency', 'Cur'),
          col('txns', 'Transactions', 'int'),
          col('passCount', 'Passed', 'int'),
          col('declinedCount', 'Declined', 'int'),
          col('postedMinor', 'Posted', 'money'),
          col('startedAt', 'Started', 'datetime'),
          col('finishedAt', 'Finished', 'datetime'),
        ],
        rows: runs,
      },
      {
        id: 'volume',
        title: `Posted volume per day, ${first} to ${day}`,
        columns: [
          col('day', 'Day', 'date'),
          col('currency', 'Cur'),
          col('count', 'Payments', 'int'),
          col('amountMinor', 'Amount', 'money'),
        ],
        rows: volume,
        totals: totalsPerCurrency(volume, ['count', 'amountMinor'], 'day'),
      },
    ],
    charts: chartPerCurrency(volume, {
      id: 'daily-volume',
      title: 'Daily volume (posted amount)',
      kind: 'line',
      tableId: 'volume',
      x: 'day',
      series: [{ key: 'amountMinor', label: 'Posted amount' }],
    }),
  };
}
