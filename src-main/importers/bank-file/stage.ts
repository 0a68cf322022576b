import Papa from 'papaparse';
import type {
  BankFileTemplate,
  BatchInfoSpec,
  RecordFilter,
  TemplateColumn,
  ValueLocation,
} from './template';
import {
  LIMITS,
  type BatchInfo,
  type FileProblem,
  type RowProblem,
  type StagedRow,
  type StagedValues,
} from './types';
import { parseAmountMinor, parseCount, parseDateIso, type AmountFormat } from './values';

/** Turns CRLF and lone CR into LF so every parser sees one line ending (files mix them). */
export function normalizeNewlines(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}

/** Physical lines of normalized text; a final line break does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A file problem for the first line longer than the limit, so no parser ever walks a 10 MB line. */
export function findOverlongLine(
  text: string,
  maxChars: number = LIMITS.maxLineChars,
): FileProblem | undefined {
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > maxChars) {
      return {
        line,
        reason: `line ${line} is ${end - start} characters long; the limit is ${maxChars} (not a text bank file?)`,
      };
    }
    start = end + 1;
    line++;
  }
  return undefined;
}

// C0/C1 controls other than tab, LF, CR and form feed; U+FFFD is what a decoder left for garbage.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f\ufffd]/;

/** A file problem for the first control character: binary data or a wrong encoding. A final Ctrl-Z (DOS EOF) is fine. */
export function findControlCharacter(text: string): FileProblem | undefined {
  const body = text.endsWith('\u001a') ? text.slice(0, -1) : text;
  const m = CONTROL.exec(body);
  if (!m) return undefined;
  const at = m.index;
  let line = 1;
  for (let i = body.indexOf('\n'); i >= 0 && i < at; i = body.indexOf('\n', i + 1)) line++;
  const code = 'U+' + (m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  const what = code === 'U+FFFD' ? 'replacement character U+FFFD' : `control character ${code}`;
  const hint = code === 'U+0000' ? ' (UTF-16 without a byte-order mark?)' : '';
  return { line, reason: `unexpected ${what} at line ${line}: binary data or the wrong encoding${hint}` };
}

/** The amount format of a template for a currency exponent. */
export function amountFormatOf(template: BankFileTemplate, exponent: number): AmountFormat {
  return {
    exponent,
    decimalSeparator: template.decimalSeparator,
    thousandsSeparator: template.thousandsSeparator,
    impliedDecimals: template.impliedDecimals,
  };
}

/** Splits one line into columns with papaparse, honouring the template's delimiter and quote. */
export function splitDelimitedLine(line: string, delimiter: string, quote: string): string[] {
  const parsed = Papa.parse<string[]>(line, {
    delimiter,
    quoteChar: quote,
    escapeChar: quote,
    header: false,
    newline: '\n',
    dynamicTyping: false,
  });
  return parsed.data[0] ?? [];
}

/** The text at a location (positions on the raw line, or a column of the line split by the delimiter or blanks). */
export function textAt(
  line: string,
  place: { start?: number; length?: number; index?: number },
  template: BankFileTemplate,
): string | undefined {
  if (place.start !== undefined && place.length !== undefined) {
    if (line.length < place.start) return undefined;
    return line.slice(place.start - 1, place.start - 1 + place.length);
  }
  if (place.index !== undefined) {
    const parts =
      template.format === 'delimited' && template.delimiter !== undefined
        ? splitDelimitedLine(line, template.delimiter, template.quote)
        : line.trim().split(/\s+/);
    return parts[place.index];
  }
  return undefined;
}

/** True when a line (raw text, or delimited columns) is a data record under the template's record filter. */
export function passesFilter(columnsOrLine: string[] | string, filter: RecordFilter | undefined): boolean {
  if (!filter) return true;
  const text = recordTypeOf(columnsOrLine, filter);
  return text !== undefined && filter.equals.includes(text.trim());
}

function recordTypeOf(columnsOrLine: string[] | string, filter: RecordFilter): string | undefined {
  if (typeof columnsOrLine !== 'string') {
    return filter.index !== undefined ? columnsOrLine[filter.index] : undefined;
  }
  if (filter.start !== undefined && filter.length !== undefined) {
    return columnsOrLine.slice(filter.start - 1, filter.start - 1 + filter.length);
  }
  return filter.index !== undefined ? columnsOrLine.trim().split(/\s+/)[filter.index] : undefined;
}

/** The header lines, data lines and footer lines of a file, by the template's counts; trailing blank lines are dropped. */
export function cutBlocks(
  lines: string[],
  headerLines: number,
  footerLines: number,
): { header: string[]; body: string[]; footer: string[]; bodyFirstLine: number; footerFirstLine: number } {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
  const header = lines.slice(0, Math.min(headerLines, end));
  const footerStart = Math.max(header.length, end - footerLines);
  return {
    header,
    body: lines.slice(header.length, footerStart),
    footer: lines.slice(footerStart, end),
    bodyFirstLine: header.length + 1,
    footerFirstLine: footerStart + 1,
  };
}

/**
 * Cuts a text file into header, data and footer lines by the template's counts and reads the header and footer
 * values; the shared first step of the delimited and fixed-width parsers.
 */
export function cutAndReadBatchInfo(
  text: string,
  template: BankFileTemplate,
  exponent: number,
): {
  blocks: ReturnType<typeof cutBlocks>;
  header: BatchInfo;
  footer: BatchInfo;
  problems: FileProblem[];
} {
  const blocks = cutBlocks(splitLines(text), template.headerLines, template.footerLines);
  const header = readBatchInfo(blocks.header, 1, template.header, 'header', template, exponent);
  const footer = readBatchInfo(
    blocks.footer,
    blocks.footerFirstLine,
    template.footer,
    'footer',
    template,
    exponent,
  );
  return {
    blocks,
    header: header.info,
    footer: footer.info,
    problems: [...header.problems, ...footer.problems],
  };
}

/**
 * Reads lockbox number, date, count and total from header or footer lines; unreadable values are file problems.
 * Footer lines are counted from the end (line 1 = last line).
 */
export function readBatchInfo(
  block: string[],
  firstLineNo: number,
  spec: BatchInfoSpec | undefined,
  kind: 'header' | 'footer',
  template: BankFileTemplate,
  exponent: number,
): { info: BatchInfo; problems: FileProblem[] } {
  const info: BatchInfo = { raw: block.slice() };
  const problems: FileProblem[] = [];
  if (!spec) return { info, problems };
  const read = (name: string, loc: ValueLocation): { text: string; line: number } | undefined => {
    const i = kind === 'header' ? loc.line - 1 : block.length - loc.line;
    const lineNo = firstLineNo + i;
    const line = block[i];
    if (line === undefined || i < 0) {
      problems.push({
        line: 0,
        column: `${kind}.${name}`,
        reason: `the ${kind} has ${block.length} line(s); ${kind}.${name} is on line ${loc.line}`,
      });
      return undefined;
    }
    const text = textAt(line, loc, template);
    if (loc.start !== undefined && loc.length !== undefined && line.length < loc.start - 1 + loc.length)
      info.cutShort = true;
    if (text === undefined || text.trim() === '') {
      problems.push({ line: lineNo, column: `${kind}.${name}`, reason: `${kind} ${name} is missing` });
      return undefined;
    }
    return { text: text.trim(), line: lineNo };
  };
  if (spec.lockboxNo) {
    const got = read('lockboxNo', spec.lockboxNo);
    if (got) info.lockboxNo = got.text;
  }
  if (spec.date) {
    const got = read('date', spec.date);
    if (got) {
      const format = spec.date.dateFormat ?? template.dateFormat ?? 'yyyy-MM-dd';
      const r = parseDateIso(got.text, format);
      if (r.ok) info.date = r.value;
      else problems.push({ line: got.line, column: `${kind}.date`, reason: `${kind} date: ${r.reason}` });
    }
  }
  if (spec.count) {
    const got = read('count', spec.count);
    if (got) {
      const r = parseCount(got.text, template.thousandsSeparator);
      if (r.ok) info.count = r.value;
      else problems.push({ line: got.line, column: `${kind}.count`, reason: `${kind} count: ${r.reason}` });
    }
  }
  if (spec.total) {
    const got = read('total', spec.total);
    if (got) {
      const r = parseAmountMinor(got.text, amountFormatOf(template, exponent));
      if (r.ok) info.totalMinor = r.value;
      else problems.push({ line: got.line, column: `${kind}.total`, reason: `${kind} total: ${r.reason}` });
    }
  }
  return { info, problems };
}

const TEXT_FIELDS = new Set([
  'accountNo',
  'billNo',
  'checkNo',
  'payerName',
  'reference',
  'paymentId',
  'channel',
]);
type TextField = 'accountNo' | 'billNo' | 'checkNo' | 'payerName' | 'reference' | 'paymentId' | 'channel';

/** Turns the raw texts of a row's mapped columns into a StagedRow; undefined text means the line lacks the column. */
export type Stager = (
  line: number,
  texts: readonly (string | undefined)[],
  missingReason: (column: TemplateColumn) => string,
) => StagedRow;

/**
 * Builds the row stager of a template: unreadable values become row problems, and the row is always returned.
 * Everything that does not depend on the row is worked out once here, because files can have a million rows.
 */
export function makeStager(
  columns: readonly TemplateColumn[],
  template: BankFileTemplate,
  exponent: number,
): Stager {
  const amountFormat = amountFormatOf(template, exponent);
  const dateFormat = template.dateFormat ?? 'yyyy-MM-dd';
  const mapped = new Set(columns.map((c) => c.field));
  const identityColumn = mapped.has('accountNo') ? 'accountNo' : mapped.has('billNo') ? 'billNo' : undefined;
  return (line, texts, missingReason) => {
    const fields: Record<string, string> = {};
    const values: StagedValues = { custom: {} };
    const problems: RowProblem[] = [];
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i] as TemplateColumn;
      const field = column.field;
      const raw = texts[i];
      if (raw === undefined) {
        problems.push({ column: field, reason: missingReason(column) });
        continue;
      }
      fields[field] = raw;
      const text = raw.trim();
      if (text === '') continue;
      if (field === 'amount') {
        const r = parseAmountMinor(text, amountFormat);
        if (r.ok) values.amountMinor = r.value;
        else problems.push({ column: field, reason: r.reason });
      } else if (field === 'paymentDate') {
        const r = parseDateIso(text, dateFormat);
        if (r.ok) values.paymentDate = r.value;
        else problems.push({ column: field, reason: r.reason });
      } else if (field === 'currency') {
        const code = text.toUpperCase();
        if (/^[A-Z]{3}$/.test(code)) values.currency = code;
        else
          problems.push({ column: field, reason: `"${text.slice(0, 40)}" is not an ISO 4217 currency code` });
      } else if (TEXT_FIELDS.has(field)) {
        values[field as TextField] = text;
      } else {
        values.custom[field.slice('custom:'.length)] = text;
      }
    }
    // Payments and refunds need an amount and an account or bill; a reversal needs only its payment ID.
    if (values.paymentId === undefined) {
      if (fields.amount !== undefined && values.amountMinor === undefined && fields.amount.trim() === '') {
        problems.push({ column: 'amount', reason: 'amount is empty' });
      }
      if (
        identityColumn !== undefined &&
        values.accountNo === undefined &&
        values.billNo === undefined &&
        !problems.some((p) => p.column === identityColumn)
      ) {
        problems.push({ column: identityColumn, reason: 'no account number, bill number or payment ID' });
      }
    }
    return { line, fields, values, problems };
  };
}

/** Keeps the first rows (all, or a preview) and running totals over every row for the file-level checks. */
export class RowCollector {
  readonly rows: StagedRow[] = [];
  count = 0;
  sumMinor = 0;
  unreadableAmounts = 0;

  constructor(
    private readonly keep: number = Number.POSITIVE_INFINITY,
    private readonly sink?: (row: StagedRow) => void,
  ) {}

  /** Counts a row and keeps it while within the preview, or hands it to the sink when there is one. */
  add(row: StagedRow): void {
    this.count++;
    if (row.values.amountMinor === undefined) this.unreadableAmounts++;
    else this.sumMinor += row.values.amountMinor;
    if (this.sink) this.sink(row);
    else if (this.rows.length < this.keep) this.rows.push(row);
  }
}

/** Memoises reason texts that repeat on many rows (a million rows missing the same column share one string). */
export function memoReason<K>(make: (key: K) => string): (key: K) => string {
  const cache = new Map<K, string>();
  return (key) => {
    let reason = cache.get(key);
    if (reason === undefined) {
      reason = make(key);
      if (cache.size < 10_000) cache.set(key, reason);
    }
    return reason;
  };
}
