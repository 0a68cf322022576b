import Papa from 'papaparse';
import type { ReportCell, ReportColumnDto, ReportDto, ReportTableDto } from '../../../src-shared/dto/reports';
import { formatMinor, KNOWN_EXPONENTS } from '../../../src-shared/money';

/** Minor-unit exponents by currency code (the ledger's currencies table; KNOWN_EXPONENTS when not given). */
export type Exponents = Readonly<Record<string, number>>;

/** The exponent of a currency: the given table, then the shipped list, then 2. */
export function exponentOf(currency: string | null | undefined, exponents: Exponents = {}): number {
  if (!currency) return 2;
  return exponents[currency] ?? KNOWN_EXPONENTS[currency] ?? 2;
}

/** A cell as text for files: money as exact decimal text with its currency's exponent, percent as 12.34. */
export function cellText(
  c: ReportColumnDto,
  row: Record<string, ReportCell>,
  exponents: Exponents = {},
): string {
  const v = row[c.key];
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && c.kind === 'money') {
    const cur = row[c.currencyKey ?? 'currency'];
    return formatMinor(v, exponentOf(typeof cur === 'string' ? cur : null, exponents));
  }
  if (typeof v === 'number' && c.kind === 'percent') return formatMinor(v, 2);
  return String(v);
}

// Leading = + - @ (or a tab/CR) would run as a formula in a spreadsheet; a quote mark keeps such text as text.
const safe = (s: string): string => (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s);

/** One table as CSV: the header of labels, the rows, then the totals rows (labelled in their first column). */
export function tableCsv(t: ReportTableDto, exponents: Exponents = {}): string {
  const first = t.columns[0]?.key;
  const lines = [
    t.columns.map((c) => c.label),
    ...t.rows.map((r) => t.columns.map((c) => safe(cellText(c, r, exponents)))),
    ...(t.totals ?? []).map((r) => {
      const labelled =
        first !== undefined &&
        (r[first] === null || r[first] === undefined) &&
        !Object.values(r).includes('Total')
          ? { ...r, [first]: 'Total' }
          : r;
      return t.columns.map((c) => safe(cellText(c, labelled, exponents)));
    }),
  ];
  return Papa.unparse(lines, { newline: '\r\n' }) + '\r\n';
}

/** Every table of a report as CSV text, keyed by table id. */
export function reportCsv(report: ReportDto, exponents: Exponents = {}): Record<string, string> {
  return Object.fromEntries(report.tables.map((t) => [t.id, tableCsv(t, exponents)]));
}
