import Papa from 'papaparse';
import { findControlCharacter } from '../importers/bank-file/stage';
import { isRealIsoDate } from '../domain/dates';
import type { BankFileReader } from './readers';
import type { BankFileCheck, BankFileProblem } from './types';

/**
 * The columns of a mandate revision file (an ADDACS-like report from the bank): `reference` and
 * `revision_code` are required, the others optional; order is free, names are case-insensitive.
 */
export const MANDATE_FILE_COLUMNS = [
  'reference',
  'revision_code',
  'effective_date',
  'new_reference',
  'new_iban',
  'new_bic',
  'new_sort_code',
  'new_account_no',
  'new_routing_no',
  'new_name',
  'creditor',
] as const;

/** A column name. */
export type MandateFileColumn = (typeof MANDATE_FILE_COLUMNS)[number];

/** One data row of a mandate revision file (empty cells are absent). */
export type MandateFileRow = {
  line: number;
  reference: string;
  code: string;
  effectiveDate?: string;
  newReference?: string;
  newIban?: string;
  newBic?: string;
  newSortCode?: string;
  newAccountNo?: string;
  newRoutingNo?: string;
  newName?: string;
  creditor?: string;
};

/** A problem at a line and column of the file. */
export type MandateFileProblem = { line: number; column: string; reason: string };

const REQUIRED: readonly MandateFileColumn[] = ['reference', 'revision_code'];

/** True when the first line is a mandate revision file header (BOM tolerant). */
export function isMandateFile(text: string): boolean {
  const first = (text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/, 1)[0] ?? '').toLowerCase();
  const cols = first.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  return REQUIRED.every((c) => cols.includes(c));
}

/**
 * Parses a mandate revision file (CSV; BOM, CRLF or LF; quoted cells as RFC 4180) into rows and problems
 * (line, column, reason) about its shape: missing or unknown columns, a row with the wrong number of cells,
 * a required cell empty, an effective date that is not a real ISO date. Blank lines are skipped.
 */
export function parseMandateFile(text: string): { rows: MandateFileRow[]; problems: MandateFileProblem[] } {
  const body = text.replace(/^\uFEFF/, '');
  const problems: MandateFileProblem[] = [];
  const control = findControlCharacter(body);
  if (control)
    return { rows: [], problems: [{ line: control.line, column: '(file)', reason: control.reason }] };
  const parsed = Papa.parse<string[]>(body, { header: false, skipEmptyLines: false });
  const lines = parsed.data;
  const header = (lines[0] ?? []).map((h) => h.trim().toLowerCase());
  if (lines.length === 0 || header.every((h) => h === '')) {
    return { rows: [], problems: [{ line: 1, column: '(header)', reason: 'the file is empty' }] };
  }
  const known = new Set<string>(MANDATE_FILE_COLUMNS);
  header.forEach((h) => {
    if (!known.has(h))
      problems.push({
        line: 1,
        column: h || '(empty)',
        reason: `unknown column; the columns are ${MANDATE_FILE_COLUMNS.join(', ')}`,
      });
  });
  for (const c of REQUIRED)
    if (!header.includes(c)) problems.push({ line: 1, column: c, reason: 'required column missing' });
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) problems.push({ line: 1, column: h, reason: 'column given twice' });
    seen.add(h);
  }
  if (problems.length) return { rows: [], problems };
  const rows: MandateFileRow[] = [];
  // Lines are counted from the parser's rows: a quoted cell with a line break would shift them, which a
  // bank's mandate report never has (its cells are codes, references and account data).
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i] ?? [];
    const line = i + 1;
    if (cells.every((c) => c.trim() === '')) continue;
    if (cells.length !== header.length) {
      problems.push({
        line,
        column: '(row)',
        reason: `${cells.length} cells where the header has ${header.length}`,
      });
      continue;
    }
    const get = (c: MandateFileColumn): string | undefined => {
      const k = header.indexOf(c);
      const v = k < 0 ? undefined : cells[k]?.trim();
      return v === '' ? undefined : v;
    };
    const reference = get('reference');
    const code = get('revision_code');
    if (!reference) problems.push({ line, column: 'reference', reason: 'the mandate reference is empty' });
    if (!code) problems.push({ line, column: 'revision_code', reason: 'the revision code is empty' });
    const effectiveDate = get('effective_date');
    if (effectiveDate !== undefined && !isRealIsoDate(effectiveDate))
      problems.push({
        line,
        column: 'effective_date',
        reason: `${effectiveDate} is not a date (YYYY-MM-DD)`,
      });
    if (!reference || !code) continue;
    const row: MandateFileRow = { line, reference, code };
    const opt: [keyof MandateFileRow, MandateFileColumn][] = [
      ['effectiveDate', 'effective_date'],
      ['newReference', 'new_reference'],
      ['newIban', 'new_iban'],
      ['newBic', 'new_bic'],
      ['newSortCode', 'new_sort_code'],
      ['newAccountNo', 'new_account_no'],
      ['newRoutingNo', 'new_routing_no'],
      ['newName', 'new_name'],
      ['creditor', 'creditor'],
    ];
    for (const [key, col] of opt) {
      const v = get(col);
      if (v !== undefined) (row as Record<string, unknown>)[key] = v;
    }
    rows.push(row);
  }
  if (rows.length === 0 && problems.length === 0)
    problems.push({ line: 2, column: '(row)', reason: 'the file has a header and no rows' });
  return { rows, problems };
}

/** The 'mandates' bank-file reader: detect by header, check the file's shape (not the ledger's mandates). */
export const mandatesReader: BankFileReader = {
  format: 'mandates',
  detect: isMandateFile,
  check(text) {
    const { rows, problems } = parseMandateFile(text);
    const out: BankFileCheck = {
      format: 'mandates',
      valid: problems.length === 0,
      entries: rows.length,
      totals: {
        count: rows.length,
        totalMinor: 0,
        debitMinor: 0,
        creditMinor: 0,
        currency: null,
        byCurrency: [],
      },
      problems: problems.map((p): BankFileProblem => ({ line: p.line, reason: `${p.column}: ${p.reason}` })),
      warnings: [],
    };
    return Promise.resolve(out);
  },
};
