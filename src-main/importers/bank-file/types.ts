import type { Minor } from '../../../src-shared/money';

/** A problem with the whole file (or a line of it) that blocks the import; line 0 means the file as a whole. */
export type FileProblem = { line: number; column?: string; reason: string };

/** A problem with one value of one row; the row stays in the batch, marked. */
export type RowProblem = { column: string; reason: string };

/** Values read from a file's header or footer (or a BAI2 file's 01/02 and 99 records). */
export type BatchInfo = {
  lockboxNo?: string;
  date?: string;
  count?: number;
  totalMinor?: Minor;
  raw: string[];
  /** A control figure's field ran past the end of its line: a file cut short cannot vouch that it is empty. */
  cutShort?: boolean;
};

/** Typed values of one staged row; absent when the column is unmapped or empty. */
export type StagedValues = {
  accountNo?: string;
  billNo?: string;
  amountMinor?: Minor;
  paymentDate?: string;
  checkNo?: string;
  payerName?: string;
  reference?: string;
  paymentId?: string;
  currency?: string;
  channel?: string;
  custom: Record<string, string>;
};

/** One data row of a bank file: where it came from, its raw text per field, its typed values and its problems. */
export type StagedRow = {
  line: number;
  fields: Record<string, string>;
  values: StagedValues;
  problems: RowProblem[];
};

/** What every bank-file parser returns; parsers never throw. */
export type ParseResult = {
  header: BatchInfo;
  footer: BatchInfo;
  rows: StagedRow[];
  fileErrors: FileProblem[];
};

/** Totals over every data row, kept even when only a preview of the rows is returned. */
export type RowStats = { count: number; sumMinor: number; unreadableAmounts: number };

/** What a format parser hands back to parseBankFile: the result, totals over all rows, and whether it stopped early. */
export type ParserOutput = ParseResult & {
  stats: RowStats;
  stoppedEarly: boolean;
  /** Formats whose controls are not header/footer figures (BAI2 trailers): true when they declare an empty file. */
  controlsSayEmpty?: boolean;
};

/** Limits that keep a hostile or broken file from hanging the parser. */
export const LIMITS = {
  /** Longest physical line, in characters. */
  maxLineChars: 1024 * 1024,
  /** Most columns (or BAI2 fields) in one row. */
  maxColumns: 10_000,
  /** Most file-level problems listed; the rest are summarised in one more entry. */
  maxFileProblems: 100,
} as const;

/** Options every parser receives from parseBankFile. */
export type ParserOptions = {
  /** Minor-unit exponent of the batch currency (2 for USD/EUR, 0 for JPY). */
  exponent: number;
  /** Stop after this many data rows (a file error says so). */
  maxRows?: number;
  /** Keep only this many rows in the result (preview); totals still cover every row. */
  keepRows?: number;
  /** Hands every row over as it is read instead of keeping it (an import stages a million rows compactly). */
  onRow?: ((row: StagedRow) => void) | undefined;
  /** Receives the header and footer values before the first row, for formats that read them first (delimited, fixed). */
  onBatchInfo?: ((header: BatchInfo, footer: BatchInfo) => void) | undefined;
};

/** An empty BatchInfo. */
export function emptyBatchInfo(): BatchInfo {
  return { raw: [] };
}
