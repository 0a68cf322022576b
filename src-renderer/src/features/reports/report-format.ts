import type {
  ExportRunDto,
  GlLinesDto,
  ReportCell,
  ReportChartDto,
  ReportColumnDto,
  ReportDto,
  ReportFiltersDto,
  ReportName,
  ReportTableDto,
} from '../../../../src-shared/dto/reports';
import { formatCount, formatDate, formatTimestamp } from '../../components/format';

/** The reports as the list shows them, in the order of REPORT_NAMES. */
export const REPORT_LABELS: Record<ReportName, { label: string; hint: string; empty: string }> = {
  gl: {
    label: 'G/L summary',
    hint: 'Debits, credits and net per G/L ID',
    empty: 'No journal lines in this period',
  },
  deposit: {
    label: 'Deposit reconciliation',
    hint: 'Per lockbox, batch and day',
    empty: 'No deposits in this period',
  },
  'suspense-aging': {
    label: 'Suspense aging',
    hint: 'Open suspense by age, reason, owner',
    empty: 'Nothing in suspense',
  },
  collections: {
    label: 'Collections',
    hint: 'Runs, result codes, declines, retries',
    empty: 'No collection runs in this period',
  },
  history: {
    label: 'Payment history',
    hint: 'Counts, amounts, on time or late',
    empty: 'No payments in this period',
  },
  daily: {
    label: 'Daily operations',
    hint: 'Batches, checkpoints, approvals, suspense',
    empty: 'Nothing happened in this period',
  },
};

/** What the filter bar holds: text as typed, empty meaning "all". */
export type FilterState = {
  from: string;
  to: string;
  currency: string;
  channelId: string;
  payType: string;
  batchId: string;
  operator: string;
  accountNo: string;
};

/** Quick periods of the filter bar. */
export type PeriodPreset = 'this-month' | 'last-month' | 'yesterday';

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A calendar day as YYYY-MM-DD from its parts (month 1-12), normalising overflow the way Date.UTC does. */
function isoDay(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day));
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** The local calendar day of a moment, YYYY-MM-DD (the operator's "today"). */
export function localDay(at: Date): string {
  return `${at.getFullYear()}-${pad2(at.getMonth() + 1)}-${pad2(at.getDate())}`;
}

/** The inclusive from/to of a quick period, relative to `today` (YYYY-MM-DD). */
export function periodPreset(preset: PeriodPreset, today: string): { from: string; to: string } {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  switch (preset) {
    case 'this-month':
      // Month to date: a report "as of" the period's end is then as of today, never a day still to come.
      return { from: isoDay(y, m, 1), to: isoDay(y, m, d) };
    case 'last-month':
      return { from: isoDay(y, m - 1, 1), to: isoDay(y, m, 0) };
    case 'yesterday': {
      const day = isoDay(y, m, d - 1);
      return { from: day, to: day };
    }
  }
}

/** The filter bar's starting state: this month, everything else open. */
export function initialFilters(today: string): FilterState {
  return {
    ...periodPreset('this-month', today),
    currency: '',
    channelId: '',
    payType: '',
    batchId: '',
    operator: '',
    accountNo: '',
  };
}

/** A whole number typed in a filter, or undefined when blank or not a whole number. */
function wholeNumber(text: string): number | undefined {
  const t = text.trim();
  return /^\d{1,15}$/.test(t) ? Number(t) : undefined;
}

/**
 * The filters sent to `reports:run`: blanks dropped, numbers read, the account only for the payment history
 * (the other reports do not take one).
 */
export function toReportFilters(f: FilterState, name: ReportName): ReportFiltersDto {
  const out: ReportFiltersDto = {};
  if (f.from) out.from = f.from;
  if (f.to) out.to = f.to;
  if (f.currency) out.currency = f.currency;
  const channelId = wholeNumber(f.channelId);
  if (channelId !== undefined) out.channelId = channelId;
  const payType = wholeNumber(f.payType);
  if (payType !== undefined) out.payType = payType;
  const batchId = wholeNumber(f.batchId);
  if (batchId !== undefined && batchId > 0) out.batchId = batchId;
  if (f.operator.trim()) out.operator = f.operator.trim();
  if (name === 'history' && f.accountNo.trim()) out.accountNo = f.accountNo.trim();
  return out;
}

/** Basis points (10,000 = 100 %) as a percentage with two decimals, without floats ("12.34 %"). */
export function formatBasisPoints(bp: number): string {
  const sign = bp < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(bp));
  return `${sign}${Math.trunc(abs / 100)}.${pad2(abs % 100)} %`;
}

/**
 * A datetime cell to the minute, on the ledger's UTC clock: "YYYY-MM-DD HH:MM" until the user chooses a locale,
 * then that locale's numeric date and time.
 */
export function formatDateTime(iso: string): string {
  return formatTimestamp(iso);
}

/** The row key holding a money column's currency. */
export function currencyKeyOf(col: ReportColumnDto): string {
  return col.currencyKey ?? 'currency';
}

/** Formats minor units of a currency (the app's money formatter). */
export type MoneyText = (amountMinor: number, currency: string, withCode?: boolean) => string;

/** A cell as the screen shows it; blank cells show a dash. */
export function cellText(col: ReportColumnDto, row: Record<string, ReportCell>, money: MoneyText): string {
  const v = row[col.key];
  if (v === null || v === undefined || v === '') return '—';
  switch (col.kind) {
    case 'money': {
      if (typeof v !== 'number') return String(v);
      const currency = row[currencyKeyOf(col)];
      return typeof currency === 'string' && currency ? money(v, currency) : money(v, '');
    }
    case 'int':
      return typeof v === 'number' ? formatCount(v) : String(v);
    case 'code':
      return String(v);
    case 'percent':
      return typeof v === 'number' ? formatBasisPoints(v) : String(v);
    case 'date':
      return typeof v === 'string' ? formatDate(v) : String(v);
    case 'datetime':
      return typeof v === 'string' ? formatDateTime(v) : String(v);
    default:
      return String(v);
  }
}

/** True for columns whose cells are right-aligned figures. */
export function isNumericColumn(col: ReportColumnDto): boolean {
  return col.kind === 'money' || col.kind === 'int' || col.kind === 'percent';
}

/**
 * The row key a chart's rows are split by currency on: the currency key of its first money series, else the
 * table's `currency` column when it has one; null when the chart's rows carry no currency.
 */
export function chartCurrencyKey(table: ReportTableDto, chart: ReportChartDto): string | null {
  for (const s of chart.series) {
    const col = table.columns.find((c) => c.key === s.key);
    if (col?.kind === 'money') return currencyKeyOf(col);
  }
  return table.columns.some((c) => c.key === 'currency') ? 'currency' : null;
}

/** The distinct currencies of a chart's rows, in first-seen order. */
export function chartCurrencies(table: ReportTableDto, chart: ReportChartDto): string[] {
  const key = chartCurrencyKey(table, chart);
  if (!key) return [];
  const seen: string[] = [];
  for (const row of table.rows) {
    const c = row[key];
    if (typeof c === 'string' && c && !seen.includes(c)) seen.push(c);
  }
  return seen;
}

/**
 * A chart's title for the currency it shows: a title naming the chart's own currency names the one shown
 * instead; other money charts get the code appended.
 */
export function chartTitle(chart: ReportChartDto, shown: string | null, money: boolean): string {
  if (!shown) return chart.title;
  if (chart.currency && chart.title.includes(chart.currency))
    return chart.title.split(chart.currency).join(shown);
  if (chart.title.includes(shown)) return chart.title;
  return money ? `${chart.title} (${shown})` : chart.title;
}

/**
 * True when the report draws the same table once per currency (charts pinned to different currencies): each
 * chart then keeps its own currency and offers no switch.
 */
export function isPinnedChart(chart: ReportChartDto, all: readonly ReportChartDto[]): boolean {
  return (
    chart.currency !== undefined &&
    all.some((c) => c !== chart && c.tableId === chart.tableId && c.currency && c.currency !== chart.currency)
  );
}

/** True when a totals row already labels itself (a cell reading "Total"), so the screen adds no label. */
export function labelsItself(row: Record<string, ReportCell>): boolean {
  return Object.values(row).some((v) => typeof v === 'string' && /^total/i.test(v));
}

/** The currency a chart starts on: the one it names when the rows have it, else the first of its rows. */
export function defaultChartCurrency(table: ReportTableDto, chart: ReportChartDto): string | null {
  const all = chartCurrencies(table, chart);
  if (chart.currency && all.includes(chart.currency)) return chart.currency;
  return all[0] ?? chart.currency ?? null;
}

/** Minor units as a number of major units, for drawing only (axes and bars; labels format the minor units). */
export function toMajor(amountMinor: number, exponent: number): number {
  return amountMinor / 10 ** exponent;
}

/** One series ready to draw: values in major units for money, the minor units kept for labels. */
export type ChartSeriesData = {
  key: string;
  label: string;
  money: boolean;
  data: number[];
  raw: number[];
};

/** What a chart draws: the x labels and one value list per series, for the rows of one currency. */
export type ChartData = { x: string[]; series: ChartSeriesData[]; currency: string | null };

/**
 * The points of a chart from its table: rows of `currency` only (when the rows carry currencies), x as text,
 * money series in major units of that currency's exponent, blank cells as zero.
 */
export function chartData(
  table: ReportTableDto,
  chart: ReportChartDto,
  currency: string | null,
  exponentOf: (currency: string) => number,
): ChartData {
  const key = chartCurrencyKey(table, chart);
  const rows = key && currency ? table.rows.filter((r) => r[key] === currency) : table.rows;
  const x = rows.map((r) => {
    const v = r[chart.x];
    return v === null || v === undefined ? '—' : String(v);
  });
  const series = chart.series.map((s) => {
    const col = table.columns.find((c) => c.key === s.key);
    const money = col?.kind === 'money';
    const raw = rows.map((r) => {
      const v = r[s.key];
      return typeof v === 'number' ? v : 0;
    });
    const data = money && currency ? raw.map((v) => toMajor(v, exponentOf(currency))) : raw;
    return { key: s.key, label: s.label, money, data, raw };
  });
  return { x, series, currency: key ? currency : null };
}

/** True when none of the report's tables has a row. */
export function isEmptyReport(report: ReportDto): boolean {
  return report.tables.every((t) => t.rows.length === 0);
}

/** A file name for one export of a report: `paydesk-<report>[-<from>_<to>][-<table>].<ext>`. */
export function exportFileName(
  name: ReportName,
  filters: ReportFiltersDto,
  ext: 'csv' | 'pdf',
  tableId?: string,
): string {
  const period = filters.from || filters.to ? `-${filters.from ?? 'start'}_${filters.to ?? 'now'}` : '';
  const table = tableId ? `-${tableId.replace(/[^A-Za-z0-9_-]+/g, '-')}` : '';
  return `paydesk-${name}${period}${table}.${ext}`;
}

/** The numeric value of a row cell, or null when it is not a number. */
export function numberCell(row: Record<string, ReportCell>, key: string): number | null {
  const v = row[key];
  return typeof v === 'number' ? v : null;
}

/** Debits (positive lines) and credits (negative lines, as a positive amount) of a page of journal lines. */
export function sumLines(rows: GlLinesDto['rows']): { debitMinor: number; creditMinor: number } {
  let debitMinor = 0;
  let creditMinor = 0;
  for (const r of rows) {
    if (r.amountMinor > 0) debitMinor += r.amountMinor;
    else creditMinor -= r.amountMinor;
  }
  return { debitMinor, creditMinor };
}

/** What an export run covered: its date range, or the journal ids past the watermark it read. */
export function exportRange(r: ExportRunDto): string {
  if (r.fromDate || r.toDate)
    return `${r.fromDate ? formatDate(r.fromDate) : '…'} to ${r.toDate ? formatDate(r.toDate) : '…'}`;
  return `journals ${r.journals.from + 1}–${r.journals.to}`;
}
