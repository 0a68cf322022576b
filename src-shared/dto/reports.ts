/**
 * Reports, the G/L summary, the payment timeline and the integration exports (issue #15). Every amount is integer
 * minor units next to its currency code; formatting happens in the renderer, the CSV and the PDF.
 */

/** The reports of the Reports area and `paydesk report NAME`. */
export const REPORT_NAMES = ['gl', 'deposit', 'suspense-aging', 'collections', 'history', 'daily'] as const;

/** One report's name. */
export type ReportName = (typeof REPORT_NAMES)[number];

/** Filters every report takes (each one applies them where they mean something; all optional). */
export type ReportFiltersDto = {
  /** Inclusive period by posting date, YYYY-MM-DD. */
  from?: string;
  to?: string;
  currency?: string;
  channelId?: number;
  payType?: number;
  batchId?: number;
  /** Operator login. */
  operator?: string;
  /** Payment history: one account. */
  accountNo?: string;
};

/**
 * How a report cell is shown and exported. `money` cells hold minor units and their row holds the currency;
 * `percent` cells hold basis points (10,000 = 100 %); `code` cells name something (a G/L ID, a reason code, a
 * payment id) and read as written, never grouped or summed.
 */
export type ReportColumnKind = 'text' | 'int' | 'code' | 'money' | 'date' | 'datetime' | 'percent';

/** One column of a report table. */
export type ReportColumnDto = {
  key: string;
  label: string;
  kind: ReportColumnKind;
  /** For `money`: the row key that holds the ISO currency code (default `currency`). */
  currencyKey?: string;
};

/** A cell value: text, an integer (minor units, counts, basis points) or nothing. */
export type ReportCell = string | number | null;

/** One table of a report: the figures themselves. Charts only ever show a table's figures. */
export type ReportTableDto = {
  id: string;
  title: string;
  columns: ReportColumnDto[];
  rows: Record<string, ReportCell>[];
  /** Totals row(s) (one per currency where money is summed), shown under the rows. */
  totals?: Record<string, ReportCell>[];
  /** A row click drills down (`gl`: journal lines of the row's glId/currency). */
  drill?: 'gl-lines' | 'payment-timeline';
};

/** A chart drawn from one table: x is a column key, each series a numeric column key of the same table. */
export type ReportChartDto = {
  id: string;
  title: string;
  kind: 'bar' | 'line' | 'pie';
  tableId: string;
  x: string;
  series: { key: string; label: string }[];
  /** Money charts draw one currency at a time (rows filtered on the table's currency key). */
  currency?: string;
  stacked?: boolean;
};

/** A report as the screen, the CSV and the PDF show it. */
export type ReportDto = {
  name: ReportName;
  title: string;
  /** One line under the title: what the report covers. */
  subtitle: string;
  filters: ReportFiltersDto;
  generatedAt: string;
  tables: ReportTableDto[];
  charts: ReportChartDto[];
};

/** What `reports:export` wrote or returns: file paths (CLI) or the bytes (the app saves them). */
export type ReportExportDto = {
  report: ReportDto;
  /** Written files (when paths were given). */
  files: { format: 'csv' | 'pdf'; path: string; bytes: number }[];
  /** The CSV of each table (when asked without a path), keyed by table id. */
  csv?: Record<string, string>;
  pdfBase64?: string;
};

/** One row of the G/L summary: a G/L ID in one currency. */
export type GlSummaryRowDto = {
  glId: number;
  label: string;
  currency: string;
  debitMinor: number;
  creditMinor: number;
  netMinor: number;
  lines: number;
};

/** Debits, credits and net of one currency. */
export type GlTotalsDto = { currency: string; debitMinor: number; creditMinor: number; netMinor: number };

/** `gl summary`: per G/L ID and currency, with grand totals and the journal's own totals they must equal. */
export type GlSummaryDto = {
  from: string;
  to: string;
  currency: string | null;
  rows: GlSummaryRowDto[];
  totals: GlTotalsDto[];
  /** The journal's totals for the same lines, summed independently; `tiesOut` when equal to `totals`. */
  journalTotals: GlTotalsDto[];
  tiesOut: boolean;
};

/** One journal line behind a G/L summary row (drill-down). */
export type GlLineDto = {
  lineId: number;
  journalId: number;
  journalKind: string;
  at: string;
  effectiveDate: string;
  glId: number;
  glAccount: string;
  accountNo: string | null;
  amountMinor: number;
  currency: string;
  reasonCode: number | null;
  paymentId: number | null;
};

/** A page of journal lines of one G/L ID (and currency). */
export type GlLinesDto = { glId: number; currency: string | null; rows: GlLineDto[]; total: number };

/** Kinds of payment timeline events, in the order a payment usually lives them. */
export const TIMELINE_KINDS = [
  'received',
  'keyed',
  'validated',
  'submitted',
  'posted',
  'allocated',
  'allocation-undone',
  'suspended',
  'suspense-moved',
  'processor-call',
  'checkpoint',
  'returned',
  'reversed',
  'fee',
  'exported',
  'note',
] as const;

/** One timeline event kind. */
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** One step in a payment's life. */
export type TimelineEventDto = {
  at: string;
  kind: TimelineKind;
  /** Operator login, or null when the system did it (a job, a file). */
  operator: string | null;
  detail: string;
  /** Money the step moved, when it moved any. */
  amountMinor?: number;
  currency?: string;
  /** Where it came from or went: a batch, a file, a journal, a run, another payment. */
  ref?: {
    batchId?: number;
    batchNo?: string;
    journalId?: number;
    paymentId?: number;
    file?: string;
    line?: number;
  };
};

/** `payment timeline ID`. */
export type PaymentTimelineDto = {
  paymentId: number;
  accountNo: string;
  amountMinor: number;
  currency: string;
  status: string;
  events: TimelineEventDto[];
};

/** One file an export wrote. */
export type ExportFileDto = { format: 'csv' | 'jsonl'; path: string; sha256: string; bytes: number };

/** `export posted|gl`: what the run covered and wrote. */
export type ExportRunDto = {
  id: number;
  kind: 'posted' | 'gl';
  mode: 'watermark' | 'range';
  records: number;
  files: ExportFileDto[];
  /** Journal and allocation ids covered: (from, to]. */
  journals: { from: number; to: number };
  allocations: { from: number; to: number };
  fromDate: string | null;
  toDate: string | null;
  at: string;
  operator: string | null;
};
