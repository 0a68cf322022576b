import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import Papa from 'papaparse';
import type { FileIssue } from '../../src-shared/api/result';
import { parseAmount, type AmountStyle, type Minor } from '../../src-shared/money';
import { PAY_TYPE } from '../../src-shared/pay-types';
import { isRealIsoDate } from '../domain/dates';

/** The billing system's amounts: plain decimals with '.' and no grouping (README, AR import). */
const AR_AMOUNT_STYLE: AmountStyle = { decimalSeparator: '.', groupSeparator: '' };

/** Most problems reported for one import; the rest are only counted. */
export const MAX_ISSUES = 1000;

/** Column names of accounts.csv, in the documented order. */
export const ACCOUNT_COLUMNS = ['account_no', 'name', 'status', 'currency', 'default_pay_type'] as const;
/** Column names of bill_units.csv, in the documented order. */
export const BILL_UNIT_COLUMNS = [
  'bill_unit_no',
  'account_no',
  'name',
  'accounting_type',
  'pay_type',
  'payment_term',
  'paying',
  'parent_bill_unit_no',
  'is_default',
  'bill_cycle_day',
  'next_bill_date',
] as const;
/** Column names of bills.csv, in the documented order. */
export const BILL_COLUMNS = [
  'bill_no',
  'bill_unit_no',
  'bill_date',
  'due_date',
  'currency',
  'total',
] as const;
/** Column names of items.csv, in the documented order. */
export const ITEM_COLUMNS = ['item_no', 'bill_no', 'type', 'amount', 'open_amount', 'gl_id'] as const;

/** Account statuses a file may carry. */
export const ACCOUNT_STATUSES = ['active', 'inactive', 'closed'] as const;
/** Accounting types a bill unit may carry. */
export const ACCOUNTING_TYPES = ['open_item', 'balance_forward'] as const;

/** An account row of accounts.csv. */
export type ArAccountRow = {
  line: number;
  accountNo: string;
  name: string;
  status: (typeof ACCOUNT_STATUSES)[number];
  currency: string;
  defaultPayType: number;
};

/** A bill unit row of bill_units.csv. */
export type ArBillUnitRow = {
  line: number;
  billUnitNo: string;
  accountNo: string;
  name: string;
  accountingType: (typeof ACCOUNTING_TYPES)[number];
  payType: number;
  paymentTerm: string;
  paying: 0 | 1;
  parentBillUnitNo: string | null;
  isDefault: 0 | 1;
  billCycleDay: number;
  nextBillDate: string | null;
};

/** A bill row of bills.csv. */
export type ArBillRow = {
  line: number;
  billNo: string;
  billUnitNo: string;
  billDate: string;
  dueDate: string;
  currency: string;
  totalMinor: Minor;
};

/** An item row of items.csv. */
export type ArItemRow = {
  line: number;
  itemNo: string;
  billNo: string;
  type: string;
  amountMinor: Minor;
  openMinor: Minor;
  glId: number;
};

/**
 * One parsed file. `rows` holds only valid rows; `keys` holds the key of every row that had one (valid
 * or not), so references to a broken row are not reported a second time as unknown.
 */
export type ParsedArFile<T> = {
  file: string;
  rows: T[];
  /** Key -> line of its first row. */
  keys: Map<string, number>;
  /** Data rows in the file (blank lines not counted). */
  rowCount: number;
  /** True when the header is unusable (missing or repeated columns): no row was read. */
  broken: boolean;
  /** Rows dropped before their fields could be read (broken quotes, wrong field count). */
  unreadableRows: number;
  /** Problems found in this file (also added to the sink). */
  issueCount: number;
  /**
   * Rows refused for their own values, with their raw text: the import still checks what they refer to, so
   * every problem of a row is reported at once rather than one fix at a time.
   */
  badRows: { line: number; value: (column: string) => string }[];
};

/** Collects problems up to a cap and counts the rest. */
export type IssueSink = {
  readonly issues: FileIssue[];
  /** Every problem found, including those past the cap. */
  count: number;
  add: (file: string, line: number, column: string, reason: string) => void;
};

/** A file read from disk: its name for messages, its content hash and its text. */
export type CsvSource = { path: string; file: string; sha256: string; text: string };

/** What row validation needs from the ledger. */
export type ArParseContext = {
  /** Currency code -> minor-unit exponent, from the ledger's currencies table. */
  exponents: ReadonlyMap<string, number>;
  /** The currency of a bill (from bills.csv or the ledger), for reading item amounts; undefined if unknown. */
  billCurrency?: (billNo: string) => string | undefined;
};

/** Creates an issue sink that keeps the first `cap` problems. */
export function createIssueSink(cap = MAX_ISSUES): IssueSink {
  const sink: IssueSink = {
    issues: [],
    count: 0,
    add: (file, line, column, reason) => {
      sink.count++;
      if (sink.issues.length < cap) sink.issues.push({ file, line, column, reason });
    },
  };
  return sink;
}

/**
 * Reads a CSV file as UTF-8 (a leading byte-order mark is dropped) and hashes its bytes. A missing,
 * unreadable or non-UTF-8 file is reported to the sink (line 0) and gives undefined. `read` reads the path
 * (the import passes one that audits the read).
 */
export function readCsvSource(
  path: string,
  sink: IssueSink,
  read: (path: string) => Buffer = (p) => readFileSync(p),
): CsvSource | undefined {
  const file = basename(path);
  let bytes: Buffer;
  try {
    bytes = read(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    sink.add(
      file,
      0,
      '',
      code === 'ENOENT' ? 'the file does not exist' : `the file cannot be read (${code ?? 'error'})`,
    );
    return undefined;
  }
  return csvSourceFromBytes(bytes, path, sink);
}

/** A CSV source from bytes already in hand (a file the user chose in a dialog, known by its name). */
export function csvSourceFromBytes(bytes: Uint8Array, path: string, sink: IssueSink): CsvSource | undefined {
  const file = basename(path);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    sink.add(file, 0, '', 'the file is not UTF-8 text; save it as UTF-8');
    return undefined;
  }
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  return { path, file, sha256: createHash('sha256').update(bytes).digest('hex'), text };
}

const LINE_BREAKS = /\r\n|\r|\n/g;

function countLineBreaks(value: string): number {
  if (value.indexOf('\n') < 0 && value.indexOf('\r') < 0) return 0;
  return value.match(LINE_BREAKS)?.length ?? 0;
}

/** A data row with its 1-based physical line and its trimmed values by column. */
class CsvRecord {
  constructor(
    readonly line: number,
    private readonly fields: readonly string[],
    private readonly index: ReadonlyMap<string, number>,
  ) {}

  /** The trimmed value of a column ('' when the header lacks it). */
  value(column: string): string {
    const i = this.index.get(column);
    return i === undefined ? '' : (this.fields[i] ?? '').trim();
  }
}

type CsvTable = { records: CsvRecord[]; rowCount: number; unreadableRows: number; broken: boolean };

/**
 * Splits CSV text into records keyed by the header's column names. Header problems are reported on line 1
 * with the column name; a row whose field count differs from the header, or with broken quotes, is
 * reported and dropped.
 */
function readTable(text: string, file: string, columns: readonly string[], sink: IssueSink): CsvTable {
  // Full (non-step) parse with header:false: rows come back as arrays, which is the fast path in papaparse.
  const parsed = Papa.parse<string[]>(text, { header: false, delimiter: ',', skipEmptyLines: false });
  const badRows = new Map<number, string>();
  for (const e of parsed.errors) {
    if (e.row !== undefined && !badRows.has(e.row)) badRows.set(e.row, e.message);
  }
  const rows = parsed.data;
  const header = rows[0];
  if (!header || (header.length === 1 && (header[0] ?? '').trim() === '')) {
    sink.add(file, 1, '', `the file is empty; the first line must be the header: ${columns.join(',')}`);
    return { records: [], rowCount: 0, unreadableRows: 0, broken: true };
  }
  const index = new Map<string, number>();
  let broken = false;
  header.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!columns.includes(name)) {
      sink.add(file, 1, raw.trim(), `unknown column; the columns are ${columns.join(',')}`);
    } else if (index.has(name)) {
      sink.add(file, 1, name, 'the column appears twice in the header');
      broken = true;
    } else {
      index.set(name, i);
    }
  });
  for (const c of columns) {
    if (!index.has(c)) {
      sink.add(file, 1, c, 'required column is missing from the header');
      broken = true;
    }
  }
  const records: CsvRecord[] = [];
  let rowCount = 0;
  let unreadableRows = 0;
  // Physical line of each row: the previous row's line plus one plus the line breaks inside its quoted fields.
  let line = 1 + header.reduce((n, v) => n + countLineBreaks(v), 0);
  for (let r = 1; r < rows.length; r++) {
    line++;
    const row = rows[r] as string[];
    const rowLine = line;
    for (const v of row) line += countLineBreaks(v);
    if (row.length === 1 && (row[0] ?? '').trim() === '') continue;
    rowCount++;
    if (broken) continue;
    const quoteError = badRows.get(r);
    if (quoteError !== undefined) {
      sink.add(file, rowLine, '', `the row cannot be read: ${quoteError}`);
      unreadableRows++;
      continue;
    }
    if (row.length !== header.length) {
      sink.add(file, rowLine, '', `the row has ${row.length} fields; the header has ${header.length}`);
      unreadableRows++;
      continue;
    }
    records.push(new CsvRecord(rowLine, row, index));
  }
  return { records, rowCount, unreadableRows, broken };
}

const UNSIGNED = /^\d{1,9}$/;
const DECIMAL_SYNTAX = /^[+-]?\d+(?:\.\d*)?$/;
const KEY_MAX = 64;
const PAY_TYPE_VALUES: ReadonlySet<number> = new Set(Object.values(PAY_TYPE));

/** Reads typed fields of one record, reporting each bad field; `ok` turns false on the first problem. */
class FieldReader {
  ok = true;

  constructor(
    private readonly file: string,
    private readonly record: CsvRecord,
    private readonly sink: IssueSink,
  ) {}

  fail(column: string, reason: string): void {
    this.ok = false;
    this.sink.add(this.file, this.record.line, column, reason);
  }

  text(column: string, max: number): string {
    const v = this.record.value(column);
    if (v === '') this.fail(column, 'a value is required');
    else if (v.length > max) this.fail(column, `longer than ${max} characters`);
    return v;
  }

  optionalText(column: string, max: number): string | null {
    const v = this.record.value(column);
    if (v.length > max) this.fail(column, `longer than ${max} characters`);
    return v === '' ? null : v;
  }

  oneOf<T extends string>(column: string, allowed: readonly T[]): T {
    const raw = this.record.value(column);
    const v = raw.toLowerCase();
    if (!(allowed as readonly string[]).includes(v))
      this.fail(column, `"${raw}" is not one of ${allowed.join(', ')}`);
    return v as T;
  }

  int(column: string, min: number, max: number): number {
    const v = this.record.value(column);
    const n = Number(v);
    if (!UNSIGNED.test(v) || n < min || n > max)
      this.fail(column, `"${v}" is not a whole number from ${min} to ${max}`);
    return n;
  }

  flag(column: string): 0 | 1 {
    const v = this.record.value(column);
    if (v !== '0' && v !== '1') this.fail(column, `"${v}" is not 1 or 0`);
    return v === '1' ? 1 : 0;
  }

  payType(column: string): number {
    const v = this.record.value(column);
    const n = Number(v);
    if (!UNSIGNED.test(v) || !PAY_TYPE_VALUES.has(n)) {
      this.fail(column, `"${v}" is not a pay type element id (${[...PAY_TYPE_VALUES].join(', ')})`);
    }
    return n;
  }

  date(column: string, optional = false): string | null {
    const v = this.record.value(column);
    if (v === '' && optional) return null;
    if (!isRealIsoDate(v)) this.fail(column, `"${v}" is not a date written yyyy-MM-dd`);
    return v;
  }

  currency(column: string, ctx: ArParseContext): string {
    const raw = this.record.value(column);
    const v = raw.toUpperCase();
    if (v === '') this.fail(column, 'a value is required');
    else if (!ctx.exponents.has(v))
      this.fail(column, `unknown currency "${raw}" (not in the currencies table)`);
    return v;
  }

  /** Reads an amount in minor units; with no known currency only the decimal syntax is checked. */
  amount(column: string, currency: string | undefined, ctx: ArParseContext): Minor {
    const v = this.record.value(column);
    const exponent = currency === undefined ? undefined : ctx.exponents.get(currency);
    if (exponent === undefined) {
      if (!DECIMAL_SYNTAX.test(v)) this.fail(column, `"${v}" is not a decimal amount`);
      return 0;
    }
    // The billing system's files write plain decimals: '.' and no grouping (see the README's AR import rules).
    const parsed = parseAmount(v, { exponent, style: AR_AMOUNT_STYLE });
    if (!parsed.ok) {
      this.fail(column, v === '' ? 'a value is required' : parsed.error.reason);
      return 0;
    }
    return parsed.value;
  }
}

/** Runs a row builder over every record, dropping and reporting duplicate keys (on the later line). */
function collect<T extends { line: number }>(
  file: string,
  table: CsvTable,
  keyColumn: string,
  sink: IssueSink,
  build: (record: CsvRecord) => T | undefined,
  onDuplicate?: (record: CsvRecord) => void,
): ParsedArFile<T> {
  const before = sink.count;
  const rows: T[] = [];
  const badRows: CsvRecord[] = [];
  const keys = new Map<string, number>();
  for (const record of table.records) {
    const key = record.value(keyColumn);
    const seen = key === '' ? undefined : keys.get(key);
    if (seen !== undefined) {
      sink.add(file, record.line, keyColumn, `duplicate ${keyColumn} "${key}" (first on line ${seen})`);
      onDuplicate?.(record);
      continue;
    }
    if (key !== '') keys.set(key, record.line);
    const row = build(record);
    if (row) rows.push(row);
    else badRows.push(record);
  }
  return {
    file,
    rows,
    keys,
    rowCount: table.rowCount,
    broken: table.broken,
    unreadableRows: table.unreadableRows,
    issueCount: sink.count - before,
    badRows,
  };
}

/** Parses and validates accounts.csv rows. */
export function parseAccountsCsv(
  text: string,
  file: string,
  ctx: ArParseContext,
  sink: IssueSink,
): ParsedArFile<ArAccountRow> {
  const table = readTable(text, file, ACCOUNT_COLUMNS, sink);
  return collect(file, table, 'account_no', sink, (record) => {
    const f = new FieldReader(file, record, sink);
    const row: ArAccountRow = {
      line: record.line,
      accountNo: f.text('account_no', KEY_MAX),
      name: f.text('name', 200),
      status: f.oneOf('status', ACCOUNT_STATUSES),
      currency: f.currency('currency', ctx),
      defaultPayType: f.payType('default_pay_type'),
    };
    return f.ok ? row : undefined;
  });
}

/** Parses and validates bill_units.csv rows (references are checked by the import service). */
export function parseBillUnitsCsv(text: string, file: string, sink: IssueSink): ParsedArFile<ArBillUnitRow> {
  const table = readTable(text, file, BILL_UNIT_COLUMNS, sink);
  return collect(file, table, 'bill_unit_no', sink, (record) => {
    const f = new FieldReader(file, record, sink);
    const row: ArBillUnitRow = {
      line: record.line,
      billUnitNo: f.text('bill_unit_no', KEY_MAX),
      accountNo: f.text('account_no', KEY_MAX),
      name: f.text('name', 200),
      accountingType: f.oneOf('accounting_type', ACCOUNTING_TYPES),
      payType: f.payType('pay_type'),
      paymentTerm: f.text('payment_term', 32),
      paying: f.flag('paying'),
      parentBillUnitNo: f.optionalText('parent_bill_unit_no', KEY_MAX),
      isDefault: f.flag('is_default'),
      billCycleDay: f.int('bill_cycle_day', 1, 28),
      nextBillDate: f.date('next_bill_date', true),
    };
    if (f.ok && row.paying === 0 && row.parentBillUnitNo === null) {
      f.fail('parent_bill_unit_no', 'a nonpaying bill unit (paying=0) needs a paying parent_bill_unit_no');
    }
    if (f.ok && row.parentBillUnitNo === row.billUnitNo) {
      f.fail('parent_bill_unit_no', 'a bill unit cannot be its own parent');
    }
    return f.ok ? row : undefined;
  });
}

/** Parses and validates bills.csv rows; totals are read with the row's currency exponent. */
export function parseBillsCsv(
  text: string,
  file: string,
  ctx: ArParseContext,
  sink: IssueSink,
): ParsedArFile<ArBillRow> {
  const table = readTable(text, file, BILL_COLUMNS, sink);
  return collect(file, table, 'bill_no', sink, (record) => {
    const f = new FieldReader(file, record, sink);
    const currency = f.currency('currency', ctx);
    const row: ArBillRow = {
      line: record.line,
      billNo: f.text('bill_no', KEY_MAX),
      billUnitNo: f.text('bill_unit_no', KEY_MAX),
      billDate: f.date('bill_date') ?? '',
      dueDate: f.date('due_date') ?? '',
      currency,
      totalMinor: f.amount('total', currency, ctx),
    };
    if (f.ok && row.dueDate < row.billDate) {
      f.fail('due_date', `due_date ${row.dueDate} is before bill_date ${row.billDate}`);
    }
    return f.ok ? row : undefined;
  });
}

/**
 * Parses and validates items.csv rows; amounts are read with the currency of their bill. Also returns the
 * bill numbers named by rows that failed, so the bill-total check can skip those bills.
 */
export function parseItemsCsv(
  text: string,
  file: string,
  ctx: ArParseContext,
  sink: IssueSink,
): ParsedArFile<ArItemRow> & { billsOfBadRows: Set<string> } {
  const table = readTable(text, file, ITEM_COLUMNS, sink);
  const billsOfBadRows = new Set<string>();
  const parsed = collect(
    file,
    table,
    'item_no',
    sink,
    (record) => {
      const f = new FieldReader(file, record, sink);
      const billNo = f.text('bill_no', KEY_MAX);
      const currency = billNo === '' ? undefined : ctx.billCurrency?.(billNo);
      const row: ArItemRow = {
        line: record.line,
        itemNo: f.text('item_no', KEY_MAX),
        billNo,
        type: f.text('type', KEY_MAX),
        amountMinor: f.amount('amount', currency, ctx),
        openMinor: f.amount('open_amount', currency, ctx),
        glId: f.int('gl_id', 0, 999_999_999),
      };
      if (f.ok && currency !== undefined) {
        const { amountMinor, openMinor } = row;
        const inRange =
          amountMinor >= 0
            ? openMinor >= 0 && openMinor <= amountMinor
            : openMinor >= amountMinor && openMinor <= 0;
        if (!inRange) {
          f.fail(
            'open_amount',
            amountMinor >= 0
              ? `open_amount ${record.value('open_amount')} must lie between 0 and the amount ${record.value('amount')}`
              : `open_amount ${record.value('open_amount')} of a credit item must lie between the amount ${record.value('amount')} and 0`,
          );
        }
      }
      if (!f.ok && billNo !== '') billsOfBadRows.add(billNo);
      return f.ok ? row : undefined;
    },
    // A duplicate row is dropped, so its bill's total cannot be checked either.
    (record) => billsOfBadRows.add(record.value('bill_no')),
  );
  return { ...parsed, billsOfBadRows };
}
