import type { Storage } from '../../../db/storage/port';
import type { ReportDto, ReportFiltersDto } from '../../../src-shared/dto/reports';
import { readGlSummary } from './gl';

/** The first and last day of the calendar month (UTC) of an ISO instant. */
export function monthOf(now: string): { from: string; to: string } {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const mm = String(m + 1).padStart(2, '0');
  return { from: `${y}-${mm}-01`, to: `${y}-${mm}-${String(last).padStart(2, '0')}` };
}

/** The journal filters of a report in words (", by ana, batch 3"), or nothing. */
function scopeWords(f: ReportFiltersDto): string {
  const words = [
    f.operator !== undefined ? `by ${f.operator}` : null,
    f.batchId !== undefined ? `batch ${f.batchId}` : null,
    f.channelId !== undefined ? `channel ${f.channelId}` : null,
    f.payType !== undefined ? `pay type ${f.payType}` : null,
  ].filter((w): w is string => w !== null);
  return words.length ? `, ${words.join(', ')}` : '';
}

/**
 * The G/L summary as a generic report: table `gl` (one row per G/L ID and currency, totals per currency, a row
 * drills down to its journal lines) and a bar chart of debits and credits per G/L ID in one currency (the filter's,
 * else the first one present). A missing from/to is the first/last day of the current month of `now`. The operator
 * filter keeps the journals that operator posted; batch, channel and pay type keep the journals that posted or
 * reversed a payment of that batch, channel or pay type (so fees and snapshots drop out); the account filter does
 * not apply to the G/L.
 */
export async function glReport(storage: Storage, filters: ReportFiltersDto, now: string): Promise<ReportDto> {
  const month = monthOf(now);
  const from = filters.from ?? month.from;
  const to = filters.to ?? month.to;
  const s = await storage.transaction(
    (tx) =>
      readGlSummary(tx, {
        from,
        to,
        currency: filters.currency,
        operator: filters.operator,
        batchId: filters.batchId,
        channelId: filters.channelId,
        payType: filters.payType,
      }),
    { readOnly: true },
  );
  const chartCurrency = filters.currency ?? s.rows[0]?.currency;
  return {
    name: 'gl',
    title: 'G/L summary',
    subtitle: `Journal lines posted ${from} to ${to}${filters.currency ? ` in ${filters.currency}` : ''}${scopeWords(filters)}, by G/L ID: ${
      s.tiesOut ? 'ties out to the journal' : 'DOES NOT tie out to the journal'
    }`,
    filters: { ...filters, from, to },
    generatedAt: now,
    tables: [
      {
        id: 'gl',
        title: 'Debits and credits per G/L ID',
        columns: [
          { key: 'glId', label: 'G/L ID', kind: 'code' },
          { key: 'label', label: 'G/L account', kind: 'text' },
          { key: 'currency', label: 'Currency', kind: 'text' },
          { key: 'debitMinor', label: 'Debit', kind: 'money' },
          { key: 'creditMinor', label: 'Credit', kind: 'money' },
          { key: 'netMinor', label: 'Net', kind: 'money' },
          { key: 'lines', label: 'Lines', kind: 'int' },
        ],
        rows: s.rows.map((r) => ({ ...r })),
        totals: s.totals.map((t) => ({
          glId: null,
          label: 'Total',
          currency: t.currency,
          debitMinor: t.debitMinor,
          creditMinor: t.creditMinor,
          netMinor: t.netMinor,
          lines: s.rows.filter((r) => r.currency === t.currency).reduce((n, r) => n + r.lines, 0),
        })),
        drill: 'gl-lines',
      },
    ],
    charts:
      chartCurrency === undefined
        ? []
        : [
            {
              id: 'gl-debit-credit',
              title: `Debits and credits per G/L ID (${chartCurrency})`,
              kind: 'bar',
              tableId: 'gl',
              x: 'glId',
              series: [
                { key: 'debitMinor', label: 'Debit' },
                { key: 'creditMinor', label: 'Credit' },
              ],
              currency: chartCurrency,
            },
          ],
  };
}
