import { dailyRepo } from '../../../db/repos/reports-daily';
import type { Storage, Tx } from '../../../db/storage/port';
import type { ReportCell, ReportDto, ReportFiltersDto } from '../../../src-shared/dto/reports';
import { COMMAND_LABELS } from '../processors/recovery';
import { describeFilters, echoFilters, isoDay, resolveFilters, shiftDay } from './filters';
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
export function dailyReport(storage: Storage, filters: ReportFiltersDto, now: Date): Promise<ReportDto> {
  return storage.transaction((tx) => daily(tx, filters, now), { readOnly: true });
}

async function daily(tx: Tx, filters: ReportFiltersDto, now: Date): Promise<ReportDto> {
  const day = filters.to ?? shiftDay(isoDay(now), -1);
  const f = await resolveFilters(tx, { ...filters, from: day, to: day }, now);
  const first = shiftDay(day, -(DAILY_VOLUME_DAYS - 1));
  const during = { start: `${day}T00:00:00`, end: `${shiftDay(day, 1)}T00:00:00` };

  const batches: Record<string, ReportCell>[] = await dailyRepo.batches(tx, f);
  const checkpoints: Record<string, ReportCell>[] = (await dailyRepo.checkpoints(tx, f)).map((r) => ({
    ...r,
    command: COMMAND_LABELS[r.command] ?? r.command,
  }));
  const approvals: Record<string, ReportCell>[] = await dailyRepo.pendingApprovals(tx, f, now.toISOString());
  const suspense: Record<string, ReportCell>[] = await dailyRepo.suspenseMoves(tx, f, during);
  const runs: Record<string, ReportCell>[] = await dailyRepo.runs(tx, f, during);
  const volumeRaw = await dailyRepo.volume(tx, { ...f, from: first, to: day });
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
