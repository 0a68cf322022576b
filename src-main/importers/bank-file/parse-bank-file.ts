import { formatMinor } from '../../../src-shared/money';
import { parseBai2 } from './bai2';
import { decodeBytes } from './decode';
import { parseDelimited } from './delimited';
import { parseFixedWidth } from './fixed-width';
import { findControlCharacter, findOverlongLine, normalizeNewlines } from './stage';
import { bankFileTemplateSchema, type BankFileTemplate, type BankFileTemplateInput } from './template';
import {
  LIMITS,
  emptyBatchInfo,
  type BatchInfo,
  type FileProblem,
  type ParseResult,
  type RowStats,
  type StagedRow,
} from './types';

/** Options of parseBankFile. */
export type ParseBankFileOptions = {
  /** Minor-unit exponent of the batch currency (2 for USD/EUR, 0 for JPY). */
  exponent: number;
  /** More data rows than this is a file error (parsing stops there). */
  maxRows?: number;
  /** Return only the first N rows; file-level checks still see every row. */
  previewRows?: number;
  /** Receives every data row as it is read; the result then holds no rows. */
  onRow?: ((row: StagedRow) => void) | undefined;
  /** Receives the header and footer values before the first row where the format reads them first. */
  onBatchInfo?: ((header: BatchInfo, footer: BatchInfo) => void) | undefined;
};

function failed(problems: FileProblem[]): ParseResult {
  return { header: emptyBatchInfo(), footer: emptyBatchInfo(), rows: [], fileErrors: problems };
}

/** Header/footer count and total against every data row read (a preview keeps totals over all rows). */
function checkControls(
  info: BatchInfo,
  kind: 'header' | 'footer',
  stats: RowStats,
  exponent: number,
): FileProblem[] {
  const problems: FileProblem[] = [];
  if (info.count !== undefined && info.count !== stats.count) {
    problems.push({
      line: 0,
      column: `${kind}.count`,
      reason: `the ${kind} says ${info.count} items but the file has ${stats.count} data rows`,
    });
  }
  // With unreadable amounts the total cannot be judged yet: those rows become invalid entries, and the
  // zero-proof bar compares the total again once the clerk has fixed them.
  if (info.totalMinor !== undefined && stats.unreadableAmounts === 0 && info.totalMinor !== stats.sumMinor) {
    problems.push({
      line: 0,
      column: `${kind}.total`,
      reason: `the ${kind} total is ${formatMinor(info.totalMinor, exponent)} but the rows add up to ${formatMinor(stats.sumMinor, exponent)}`,
    });
  }
  return problems;
}

/** True when the header or footer states control figures and every one of them is zero. */
function declaresEmpty(header: BatchInfo, footer: BatchInfo): boolean {
  if (header.cutShort || footer.cutShort) return false;
  const figures = [header.count, header.totalMinor, footer.count, footer.totalMinor].filter(
    (v): v is number => v !== undefined,
  );
  return figures.length > 0 && figures.every((v) => v === 0);
}

function capProblems(problems: FileProblem[]): FileProblem[] {
  if (problems.length <= LIMITS.maxFileProblems) return problems;
  const kept = problems.slice(0, LIMITS.maxFileProblems);
  kept.push({ line: 0, reason: `${problems.length - LIMITS.maxFileProblems} more file problems not listed` });
  return kept;
}

function parseWith(bytes: Uint8Array, template: BankFileTemplate, opts: ParseBankFileOptions): ParseResult {
  if (bytes.length === 0) return failed([{ line: 0, reason: 'the file is empty' }]);
  const decoded = decodeBytes(bytes, template.encoding);
  if (!decoded.ok) return failed([decoded.problem]);
  const text = normalizeNewlines(decoded.text);
  const overlong = findOverlongLine(text);
  if (overlong) return failed([overlong]);
  const control = findControlCharacter(text);
  if (control) return failed([control]);

  const parserOpts = {
    exponent: opts.exponent,
    maxRows: opts.maxRows,
    keepRows: opts.previewRows,
    onRow: opts.onRow,
    onBatchInfo: opts.onBatchInfo,
  };
  const output =
    template.format === 'bai2'
      ? parseBai2(text, parserOpts)
      : template.format === 'fixed'
        ? parseFixedWidth(text, template, parserOpts)
        : parseDelimited(text, template, parserOpts);

  const { stoppedEarly, stats, controlsSayEmpty, ...result } = output;
  // "No deposits today" is a normal file when its own controls say so (0 items, 0.00); a file with no rows and
  // no controls to vouch for it is more likely cut short or mapped wrongly.
  const vouched = controlsSayEmpty ?? declaresEmpty(result.header, result.footer);
  if (stats.count === 0 && !stoppedEarly && !vouched) {
    result.fileErrors.push({ line: 0, reason: 'the file has no data rows' });
  }
  // Counts and totals are only comparable when every row was read (no row limit hit, no aborted parse).
  if (!stoppedEarly) {
    result.fileErrors.push(
      ...checkControls(result.header, 'header', stats, opts.exponent),
      ...checkControls(result.footer, 'footer', stats, opts.exponent),
    );
  }
  return result;
}

/**
 * The single entry for bank files: decodes the bytes, parses them with the template and checks the file as a whole.
 * Never throws for the file: every failure is a file-level problem in the result; values that cannot be read are
 * row problems. What the onRow or onBatchInfo callbacks throw is thrown on.
 */
export function parseBankFile(
  bytes: Uint8Array,
  template: BankFileTemplateInput,
  opts: ParseBankFileOptions,
): ParseResult {
  const parsedTemplate = bankFileTemplateSchema.safeParse(template);
  if (!parsedTemplate.success) {
    return failed(
      parsedTemplate.error.issues.map((issue) => ({
        line: 0,
        column: `template.${issue.path.map(String).join('.')}`,
        reason: `template: ${issue.message}`,
      })),
    );
  }
  if (!Number.isInteger(opts.exponent) || opts.exponent < 0 || opts.exponent > 6) {
    return failed([
      { line: 0, reason: `currency exponent ${opts.exponent} is not a whole number from 0 to 6` },
    ]);
  }
  let result: ParseResult;
  // What the caller's callbacks throw (a cancelled job, a failed insert) is theirs: it is passed on, not
  // reported as an unreadable file.
  let callerError: { error: unknown } | undefined;
  const pass =
    <A extends unknown[]>(fn: ((...args: A) => void) | undefined) =>
    (...args: A): void => {
      try {
        fn?.(...args);
      } catch (error) {
        callerError = { error };
        throw error;
      }
    };
  try {
    result = parseWith(bytes, parsedTemplate.data, {
      ...opts,
      onRow: opts.onRow && pass(opts.onRow),
      onBatchInfo: opts.onBatchInfo && pass(opts.onBatchInfo),
    });
  } catch (error) {
    if (callerError) throw callerError.error;
    // A parser bug must not take the import job down; the file is reported unreadable instead.
    const message = error instanceof Error ? error.message : String(error);
    return failed([{ line: 0, reason: `the file could not be parsed (${message.slice(0, 200)})` }]);
  }
  result.fileErrors = capProblems(result.fileErrors);
  return result;
}
