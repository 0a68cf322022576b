import { reportsRepo } from '../../../db/repos/reports';
import { suspenseAgingRepo, type StayFigures, type SuspenseScope } from '../../../db/repos/reports-suspense';
import type { Storage, Tx } from '../../../db/storage/port';
import type {
  ReportCell,
  ReportChartDto,
  ReportDto,
  ReportFiltersDto,
  ReportTableDto,
} from '../../../src-shared/dto/reports';
import { addDays } from '../../domain/dates';
import { REASON_DOMAIN } from '../../ledger/codes';
import { daysBetween, filtersSubtitle, resolveFilters } from './local-filters';

/** Age buckets of money in suspense, in days since it entered suspense (as of the report's `to`). */
export const SUSPENSE_AGE_BUCKETS = ['0-7', '8-30', '31-60', '61-90', '>90'] as const;

/** Periods up to this many days trend day by day; longer ones week by week (Sundays and the last day). */
const DAILY_TREND_MAX_DAYS = 62;

type Figures = StayFigures;

/** Per-currency totals of rows that carry a count and an amount, as totals rows with `label` in `labelKey`. */
function totalsOf(rows: Figures[], labelKey: string, label: string): Record<string, ReportCell>[] {
  const by = new Map<string, { count: number; amountMinor: number }>();
  for (const r of rows) {
    const t = by.get(r.currency) ?? { count: 0, amountMinor: 0 };
    t.count += r.count;
    t.amountMinor += r.amountMinor;
    by.set(r.currency, t);
  }
  return [...by.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({ [labelKey]: label, currency, count: t.count, amountMinor: t.amountMinor }));
}

/** The dates the trend has a point for: every day, or for long periods every Sunday plus the last day. */
function trendPoints(from: string, to: string): { points: string[]; grain: 'day' | 'week' } {
  const days = daysBetween(from, to) + 1;
  const grain = days <= DAILY_TREND_MAX_DAYS ? 'day' : 'week';
  const points: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1))
    if (grain === 'day' || new Date(`${d}T00:00:00Z`).getUTCDay() === 0 || d === to) points.push(d);
  return { points, grain };
}

const MOVE_LABELS: Record<string, string> = {
  suspended: 'Suspended (entered suspense)',
  recycled: 'Recycled into suspense',
  remainder: 'Remainder left in suspense by a distribution',
  replacement: 'Replacement after an edit (reason change)',
  applied: 'Applied to an account',
  distributed: 'Distributed',
  removed: 'Removed as unallocatable',
  reversed: 'Reversed',
  replaced: 'Replaced by an edit (reason change)',
};

/** Order of the moves table: into suspense first, then out of it. */
const MOVE_ORDER = Object.keys(MOVE_LABELS);

/**
 * The suspense aging report (DOMAIN.md "About Suspending Payments"): money open in the suspense account as of
 * `to` by age bucket, reason and action owner; the suspense balance at the end of every day (or week) of the
 * period, rebuilt from the history of each payment's stay in suspense; and the moves into and out of suspense
 * in the period by kind and G/L ID (113 recycle/distribute, 112 unallocatable). Reads only.
 */
export function suspenseAgingReport(
  storage: Storage,
  filters: ReportFiltersDto,
  now: string,
): Promise<ReportDto> {
  return storage.transaction((tx) => suspenseAging(tx, filters, now), { readOnly: true });
}

async function suspenseAging(tx: Tx, filters: ReportFiltersDto, now: string): Promise<ReportDto> {
  const r = await resolveFilters(tx, filters, now);
  const scope: SuspenseScope = {
    currency: r.currency,
    channelId: r.channelId,
    payType: r.payType,
    batchId: r.batchId,
    accountNo: r.accountNo,
    operatorId: r.operatorId,
  };
  const period = { start: r.from, end: r.toExclusive };

  const ageCuts = [7, 30, 60, 90].map((d) => addDays(r.to, -d)) as [string, string, string, string];
  // One pass over what is open at the end of `to`, grouped finely; the three tables fold it.
  const open = await suspenseAgingRepo.openAt(tx, scope, r.toExclusive, ageCuts);
  const fold = <K extends string | number | null>(key: (row: (typeof open)[number]) => K) => {
    const out = new Map<string, Figures & { key: K }>();
    for (const row of open) {
      const k = key(row);
      const id = `${row.currency}|${String(k)}`;
      const g = out.get(id) ?? { key: k, currency: row.currency, count: 0, amountMinor: 0 };
      g.count += row.count;
      g.amountMinor += row.amountMinor;
      out.set(id, g);
    }
    return [...out.values()].sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) ||
        b.amountMinor - a.amountMinor ||
        String(a.key).localeCompare(String(b.key)),
    );
  };
  const reasonLabels = await reportsRepo.reasonLabels(tx, REASON_DOMAIN.suspense);
  const ownerLabels = await reportsRepo.reasonLabels(tx, REASON_DOMAIN.actionOwner);

  const byBucket = fold((row) => row.bucket);
  const openCurrencies = [...new Set(open.map((b) => b.currency))].sort();
  if (openCurrencies.length === 0 && r.currency !== null) openCurrencies.push(r.currency);
  const agingRows: (Figures & { bucket: string })[] = [];
  for (const currency of openCurrencies)
    for (const bucket of SUSPENSE_AGE_BUCKETS) {
      const hit = byBucket.find((b) => b.key === bucket && b.currency === currency);
      agingRows.push({ bucket, currency, count: hit?.count ?? 0, amountMinor: hit?.amountMinor ?? 0 });
    }
  const byReason = fold((row) => row.reasonCode).map((g) => ({
    reasonCode: g.key,
    reason: reasonLabels.get(g.key) ?? `reason ${g.key}`,
    currency: g.currency,
    count: g.count,
    amountMinor: g.amountMinor,
  }));
  const byOwner = fold((row) => row.owner).map((g) => ({
    owner: g.key,
    ownerLabel: g.key === null ? 'Unassigned' : (ownerLabels.get(g.key) ?? `owner ${g.key}`),
    currency: g.currency,
    count: g.count,
    amountMinor: g.amountMinor,
  }));

  // The trend: the balance open before the period, then each day's stays in and out, cumulated.
  const opening = await suspenseAgingRepo.openTotals(tx, scope, r.from);
  const flows = await suspenseAgingRepo.flows(tx, scope, period);
  const { points, grain } = trendPoints(r.from, r.to);
  const trendCurrencies = [...new Set([...opening, ...flows].map((f) => f.currency))].sort();
  const trendRows: Record<string, ReportCell>[] = [];
  for (const currency of trendCurrencies) {
    const open = opening.find((o) => o.currency === currency);
    // The suspense ceiling keeps what suspense holds per currency far below 2^53 minor units.
    let count = open?.count ?? 0;
    let amountMinor = open?.amountMinor ?? 0;
    const mine = flows.filter((f) => f.currency === currency).sort((a, b) => a.day.localeCompare(b.day));
    let i = 0;
    for (const point of points) {
      for (; i < mine.length && mine[i]!.day <= point; i++) {
        count += mine[i]!.count;
        amountMinor += mine[i]!.amountMinor;
      }
      trendRows.push({ date: point, currency, count, amountMinor });
    }
  }

  // Moves in the period: stays that began (into suspense) or ended (out of it), by the journal that did it.
  const moveRows = await suspenseAgingRepo.moves(tx, scope, period);
  moveRows.sort(
    (a, b) =>
      a.currency.localeCompare(b.currency) ||
      MOVE_ORDER.indexOf(a.moveKind) - MOVE_ORDER.indexOf(b.moveKind) ||
      (a.glId ?? 0) - (b.glId ?? 0),
  );
  const moveTotals = ['in', 'out'].flatMap((direction) =>
    totalsOf(
      moveRows.filter((m) => m.direction === direction),
      'label',
      direction === 'in' ? 'Total into suspense' : 'Total out of suspense',
    ).map((t) => ({ ...t, direction })),
  );

  const money = { key: 'amountMinor', label: 'Amount', kind: 'money' } as const;
  const count = { key: 'count', label: 'Payments', kind: 'int' } as const;
  const currencyCol = { key: 'currency', label: 'Currency', kind: 'text' } as const;
  const tables: ReportTableDto[] = [
    {
      id: 'aging',
      title: `Open in suspense on ${r.to} by age (days since entering suspense)`,
      columns: [{ key: 'bucket', label: 'Age (days)', kind: 'text' }, currencyCol, count, money],
      rows: agingRows,
      totals: totalsOf(agingRows, 'bucket', 'Total'),
    },
    {
      id: 'by-reason',
      title: `Open in suspense on ${r.to} by reason`,
      columns: [
        { key: 'reasonCode', label: 'Code', kind: 'code' },
        { key: 'reason', label: 'Reason', kind: 'text' },
        currencyCol,
        count,
        money,
      ],
      rows: byReason,
      totals: totalsOf(byReason, 'reason', 'Total'),
    },
    {
      id: 'by-owner',
      title: `Open in suspense on ${r.to} by action owner`,
      columns: [
        { key: 'owner', label: 'Code', kind: 'code' },
        { key: 'ownerLabel', label: 'Action owner', kind: 'text' },
        currencyCol,
        count,
        money,
      ],
      rows: byOwner,
      totals: totalsOf(byOwner, 'ownerLabel', 'Total'),
    },
    {
      id: 'trend',
      title: `Suspense balance at the end of each ${grain}`,
      columns: [{ key: 'date', label: 'Date', kind: 'date' }, currencyCol, count, money],
      rows: trendRows,
    },
    {
      id: 'moves',
      title: `Moves into and out of suspense, ${r.from} to ${r.to}`,
      columns: [
        { key: 'direction', label: 'Direction', kind: 'text' },
        { key: 'kind', label: 'Kind', kind: 'text' },
        { key: 'label', label: 'Move', kind: 'text' },
        { key: 'glId', label: 'G/L ID', kind: 'code' },
        currencyCol,
        count,
        money,
      ],
      rows: moveRows.map((m) => ({
        direction: m.direction,
        kind: m.moveKind,
        label: MOVE_LABELS[m.moveKind] ?? m.moveKind,
        glId: m.glId,
        currency: m.currency,
        count: m.count,
        amountMinor: m.amountMinor,
      })),
      totals: moveTotals,
    },
  ];
  const charts: ReportChartDto[] = [
    ...openCurrencies.map((currency): ReportChartDto => ({
      id: `aging-${currency}`,
      title: `Open in suspense by age, ${currency}`,
      kind: 'bar',
      tableId: 'aging',
      x: 'bucket',
      series: [{ key: 'amountMinor', label: 'Amount' }],
      currency,
    })),
    ...trendCurrencies.map((currency): ReportChartDto => ({
      id: `trend-${currency}`,
      title: `Suspense balance, ${currency}`,
      kind: 'line',
      tableId: 'trend',
      x: 'date',
      series: [{ key: 'amountMinor', label: 'Open amount' }],
      currency,
    })),
  ];
  return {
    name: 'suspense-aging',
    title: 'Suspense aging',
    subtitle: `Suspended payments, ${filtersSubtitle(r, {
      operator: 'who put the payment into suspense; for moves out, who moved it',
      accountNo: 'the account the payer quoted',
    })}; aging as of ${r.to}`,
    filters: r.echo,
    generatedAt: now,
    tables,
    charts,
  };
}
