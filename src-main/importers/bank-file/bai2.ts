import { RowCollector, splitLines } from './stage';
import {
  LIMITS,
  type BatchInfo,
  type FileProblem,
  type ParserOptions,
  type ParserOutput,
  type StagedRow,
} from './types';
import { parseDateIso } from './values';

/** Record codes of BAI2 (Cash Management Balance Reporting Specifications, version 2). */
export const BAI2_RECORD_CODES = ['01', '02', '03', '16', '49', '88', '98', '99'] as const;

/** One logical record: its code, first physical line, its text plus that of each 88 continuation, and how many 88s. */
export type Bai2Record = { code: string; line: number; segments: string[]; continuations: number };

const KNOWN = new Set<string>(BAI2_RECORD_CODES);
const RECORD_START = /^\s*(\d\d),/;
// A '/' ends a record early on a physical line only when another known record follows it (several records per line).
const NEXT_RECORD = /\/\s*(?=(?:01|02|03|16|49|88|98|99),)/g;
// Type codes of check-paid items whose customer reference is the check number.
const CHECK_TYPE_CODES = new Set(['395', '474', '475']);

/** Splits BAI2 text into records: '/' terminators, several records per line, 88 continuations, wrapped text. */
export function tokenizeBai2(text: string, problems: FileProblem[]): Bai2Record[] {
  const records: Bai2Record[] = [];
  const lines = splitLines(text);
  const problemsBefore = problems.length;
  for (let li = 0; li < lines.length; li++) {
    if (problems.length - problemsBefore >= LIMITS.maxFileProblems) {
      problems.push({ line: 0, reason: 'too many lines that are not BAI2 records: not a BAI2 file?' });
      return [];
    }
    const lineNo = li + 1;
    let rest = lines[li] ?? '';
    const start = RECORD_START.exec(rest);
    if (!start || !KNOWN.has(start[1] ?? '')) {
      if (rest.trim() === '') continue;
      const current = records[records.length - 1];
      if (start && !KNOWN.has(start[1] ?? '')) {
        problems.push({
          line: lineNo,
          reason: `line ${lineNo}: record code ${start[1] ?? ''} is not a BAI2 record code`,
        });
        continue;
      }
      // Text of a 16 (or of its last 88) may wrap onto a physical line of its own.
      if (current?.code === '16') {
        const last = current.segments.length - 1;
        const prevText = current.segments[last] ?? '';
        // The line break stood between two words; keep them apart.
        const gap = /\s$/.test(prevText) || /^\s/.test(rest) ? '' : ' ';
        current.segments[last] = prevText + gap + rest;
        continue;
      }
      problems.push({
        line: lineNo,
        reason: `line ${lineNo} is not a BAI2 record: "${rest.trim().slice(0, 40)}"`,
      });
      continue;
    }
    rest = rest.trimStart();
    while (rest !== '') {
      const code = rest.slice(0, 2);
      const body = rest.slice(3);
      NEXT_RECORD.lastIndex = 0;
      const next = NEXT_RECORD.exec(body);
      const own = next ? body.slice(0, next.index + 1) : body;
      rest = next ? body.slice(next.index + next[0].length) : '';
      const current = records[records.length - 1];
      if (code === '88') {
        if (!current) {
          problems.push({
            line: lineNo,
            reason: `line ${lineNo}: continuation (88) with no record to continue`,
          });
          continue;
        }
        current.segments.push(own);
        current.continuations++;
      } else {
        records.push({ code, line: lineNo, segments: [own], continuations: 0 });
      }
    }
  }
  return records;
}

/** Fields of a non-text record: everything up to the first '/', 88 continuations joined on. */
function fieldsOf(record: Bai2Record): string[] {
  return record.segments
    .map((s) => {
      const slash = s.indexOf('/');
      return (slash >= 0 ? s.slice(0, slash) : s).trim();
    })
    .join(',')
    .split(',');
}

/** Extra fields a funds type carries after it (S: 3 amounts, V: date and time, D: count then pairs). */
function fundsExtras(fundsType: string, read: () => string | undefined): string[] | undefined {
  const t = fundsType.trim().toUpperCase();
  if (t === 'S') return [read() ?? '', read() ?? '', read() ?? ''];
  if (t === 'V') return [read() ?? '', read() ?? ''];
  if (t === 'D') {
    const countText = read() ?? '';
    if (!/^\d{1,4}$/.test(countText.trim())) return undefined;
    const n = parseInt(countText, 10);
    const out = [countText];
    for (let i = 0; i < n * 2; i++) out.push(read() ?? '');
    return out;
  }
  return [];
}

type Detail = {
  typeCode: string;
  amount: string;
  fundsType: string;
  extras: string[];
  bankReference: string;
  customerReference: string;
  text: string;
  badFunds: boolean;
};

const END_SLASH = /\/\s*$/;

/** Reads a 16 record: fields up to the customer reference, then free text (which may hold ',' and '/'). */
function readDetail(record: Bai2Record): Detail {
  const pieces = record.segments;
  let p = 0;
  let pos = 0;
  // Reads the next comma-separated field; a '/' that ends a piece ends the field and the piece.
  const read = (): string | undefined => {
    while (p < pieces.length) {
      const piece = pieces[p] ?? '';
      if (pos >= piece.length) {
        p++;
        pos = 0;
        continue;
      }
      const comma = piece.indexOf(',', pos);
      const end = comma < 0 ? piece.length : comma;
      let value = piece.slice(pos, end);
      if (comma < 0) {
        p++;
        pos = 0;
      } else pos = comma + 1;
      if (comma < 0 || END_SLASH.test(value)) value = value.replace(END_SLASH, '');
      return value.trim();
    }
    return undefined;
  };
  const typeCode = read() ?? '';
  const amount = read() ?? '';
  const fundsType = read() ?? '';
  const extras = fundsExtras(fundsType, read);
  const bankReference = read() ?? '';
  const customerReference = read() ?? '';
  const textParts: string[] = [];
  if (p < pieces.length) {
    textParts.push((pieces[p] ?? '').slice(pos));
    for (let q = p + 1; q < pieces.length; q++) textParts.push(pieces[q] ?? '');
  }
  const text = textParts
    .map((t) => (t.startsWith('/') ? '' : t.replace(END_SLASH, '').trim()))
    .filter((t) => t !== '')
    .join(' ');
  return {
    typeCode,
    amount,
    fundsType,
    extras: extras ?? [],
    bankReference,
    customerReference,
    text,
    badFunds: extras === undefined,
  };
}

/** Reads a BAI2 amount (digits, optional sign) as a bigint; empty means 0 (a defaulted field). */
function bigAmount(text: string): bigint | undefined {
  const t = text.trim();
  if (t === '') return 0n;
  if (!/^[+-]?\d{1,18}$/.test(t)) return undefined;
  return BigInt(t);
}

function yymmdd(text: string): string | undefined {
  const r = parseDateIso(text, 'yyMMdd');
  return r.ok ? r.value : undefined;
}

type Account = {
  line: number;
  number: string;
  currency: string;
  computedMinor: bigint;
  records: number;
};

type Group = {
  line: number;
  date?: string;
  dateText: string;
  currency: string;
  accounts: number;
  records: number;
  computedMinor: bigint;
};

/**
 * Parses a BAI2 file: each 16 record becomes a row (amount in minor units, debits 400-699 negative); the 49, 98
 * and 99 trailers' control totals and record counts are checked and contradictions are file errors.
 */
export function parseBai2(text: string, opts: ParserOptions): ParserOutput {
  const fileErrors: FileProblem[] = [];
  const records = tokenizeBai2(text, fileErrors);
  const header: BatchInfo = { raw: [] };
  const footer: BatchInfo = { raw: [] };
  const collector = new RowCollector(opts.keepRows, opts.onRow);
  let group: Group | undefined;
  let account: Account | undefined;
  let sawHeader = false;
  let sawTrailer = false;
  let groups = 0;
  let fileRecords = 0;
  let fileComputedMinor = 0n;
  let trailerTotal: bigint | undefined;
  let rowLimitHit = false;
  let stoppedEarly = false;
  const err = (line: number, reason: string) => fileErrors.push({ line, reason });
  const raw = (r: Bai2Record) => `${r.code},${r.segments.join(' ')}`.trim();
  const numberOf = (text: string | undefined): bigint | undefined =>
    text !== undefined && /^[+-]?\d{1,18}$/.test(text.trim()) ? BigInt(text.trim()) : undefined;
  const shown = (text: string | undefined): string => {
    const n = numberOf(text);
    return n !== undefined
      ? String(n)
      : text === undefined || text === ''
        ? '(none)'
        : `"${text.slice(0, 30)}"`;
  };

  for (const record of records) {
    // Trailer record counts include the 88 continuations.
    const count = 1 + record.continuations;
    fileRecords += count;
    if (group) group.records += count;
    if (account) account.records += count;
    if (sawTrailer) {
      err(record.line, `line ${record.line}: record ${record.code} after the file trailer (99)`);
      stoppedEarly = true;
      break;
    }
    const fields = record.code === '16' ? [] : fieldsOf(record);
    if (fields.length > LIMITS.maxColumns) {
      err(
        record.line,
        `line ${record.line}: record has ${fields.length} fields; the limit is ${LIMITS.maxColumns}`,
      );
      stoppedEarly = true;
      break;
    }
    switch (record.code) {
      case '01': {
        if (sawHeader) err(record.line, `line ${record.line}: a second file header (01)`);
        else if (fileRecords !== count)
          err(record.line, `line ${record.line}: the file header (01) must come first`);
        sawHeader = true;
        header.raw.push(raw(record));
        const version = fields[7] ?? '';
        if (version !== '2') {
          err(
            record.line,
            `line ${record.line}: version "${version}"; only BAI2 (version 2) files are supported`,
          );
        }
        const created = yymmdd(fields[2] ?? '');
        if (created) header.date = created;
        break;
      }
      case '02': {
        if (!sawHeader)
          err(record.line, `line ${record.line}: group header (02) before the file header (01)`);
        if (group)
          err(record.line, `line ${record.line}: group header (02) before the previous group's trailer (98)`);
        const asOf = fields[3] ?? '';
        const date = yymmdd(asOf);
        if (!date) err(record.line, `line ${record.line}: as-of date "${asOf}" is not a YYMMDD date`);
        group = {
          line: record.line,
          date,
          dateText: asOf,
          currency: (fields[5] ?? '').trim().toUpperCase() || 'USD',
          accounts: 0,
          records: count,
          computedMinor: 0n,
        };
        groups++;
        if (groups === 1) {
          header.raw.push(raw(record));
          if (date) header.date = date;
        }
        break;
      }
      case '03': {
        if (!group) {
          err(record.line, `line ${record.line}: account (03) outside a group`);
          break;
        }
        if (account)
          err(record.line, `line ${record.line}: account (03) before the previous account's trailer (49)`);
        group.accounts++;
        account = {
          line: record.line,
          number: (fields[0] ?? '').trim(),
          currency: (fields[1] ?? '').trim().toUpperCase() || group.currency,
          computedMinor: 0n,
          records: count,
        };
        // Summaries repeat as type code, amount, item count, funds type (+ its extra fields).
        let i = 2;
        while (i < fields.length) {
          const amount = fields[i + 1] ?? '';
          const value = bigAmount(amount);
          if (value === undefined) {
            err(
              record.line,
              `line ${record.line}: account summary amount "${amount.slice(0, 30)}" is not a number`,
            );
            break;
          }
          account.computedMinor += value;
          let j = i + 4;
          const extras = fundsExtras(fields[i + 3] ?? '', () => fields[j++]);
          if (extras === undefined) {
            err(record.line, `line ${record.line}: unreadable funds-type distribution in an account summary`);
            break;
          }
          i = j;
        }
        break;
      }
      case '16': {
        if (!account) {
          err(record.line, `line ${record.line}: transaction detail (16) outside an account`);
          break;
        }
        const d = readDetail(record);
        const value = bigAmount(d.amount);
        if (value !== undefined) account.computedMinor += value;
        if (opts.maxRows !== undefined && collector.count >= opts.maxRows) {
          if (!rowLimitHit) err(record.line, `the file has more than ${opts.maxRows} data rows`);
          rowLimitHit = true;
          break;
        }
        collector.add(stageDetail(record, d, value, account, group));
        break;
      }
      case '49': {
        if (!account) {
          err(record.line, `line ${record.line}: account trailer (49) without an account (03)`);
          break;
        }
        const declared = numberOf(fields[0]);
        const declaredRecords = numberOf(fields[1]);
        if (declared === undefined || declared !== account.computedMinor) {
          err(
            record.line,
            `line ${record.line}: account ${account.number} control total is ${shown(fields[0])} but its amounts add up to ${account.computedMinor}`,
          );
        }
        if (declaredRecords === undefined || declaredRecords !== BigInt(account.records)) {
          err(
            record.line,
            `line ${record.line}: account ${account.number} trailer says ${shown(fields[1])} records but the account has ${account.records}`,
          );
        }
        // Higher trailers are checked against computed sums, so only a trailer that is wrong gets flagged.
        if (group) group.computedMinor += account.computedMinor;
        account = undefined;
        break;
      }
      case '98': {
        if (!group) {
          err(record.line, `line ${record.line}: group trailer (98) without a group (02)`);
          break;
        }
        if (account) {
          err(
            record.line,
            `line ${record.line}: group trailer (98) before account ${account.number}'s trailer (49)`,
          );
          group.computedMinor += account.computedMinor;
          account = undefined;
        }
        const declared = numberOf(fields[0]);
        if (declared === undefined || declared !== group.computedMinor) {
          err(
            record.line,
            `line ${record.line}: group control total is ${shown(fields[0])} but its accounts add up to ${group.computedMinor}`,
          );
        }
        if (numberOf(fields[1]) !== BigInt(group.accounts)) {
          err(
            record.line,
            `line ${record.line}: group trailer says ${shown(fields[1])} accounts but the group has ${group.accounts}`,
          );
        }
        if (numberOf(fields[2]) !== BigInt(group.records)) {
          err(
            record.line,
            `line ${record.line}: group trailer says ${shown(fields[2])} records but the group has ${group.records}`,
          );
        }
        fileComputedMinor += group.computedMinor;
        group = undefined;
        break;
      }
      case '99': {
        sawTrailer = true;
        footer.raw.push(raw(record));
        if (group)
          err(record.line, `line ${record.line}: file trailer (99) before the last group's trailer (98)`);
        const declared = numberOf(fields[0]);
        trailerTotal = declared;
        if (declared === undefined || declared !== fileComputedMinor) {
          err(
            record.line,
            `line ${record.line}: file control total is ${shown(fields[0])} but the groups add up to ${fileComputedMinor}`,
          );
        }
        if (numberOf(fields[1]) !== BigInt(groups)) {
          err(
            record.line,
            `line ${record.line}: file trailer says ${shown(fields[1])} groups but the file has ${groups}`,
          );
        }
        if (numberOf(fields[2]) !== BigInt(fileRecords)) {
          err(
            record.line,
            `line ${record.line}: file trailer says ${shown(fields[2])} records but the file has ${fileRecords}`,
          );
        }
        break;
      }
      default:
        err(record.line, `line ${record.line}: unexpected record ${record.code}`);
    }
  }
  if (records.length > 0 || fileErrors.length === 0) {
    if (!sawHeader) err(0, 'missing file header (01): not a BAI2 file?');
    if (!sawTrailer) err(0, 'missing file trailer (99): the file is truncated or incomplete');
  }
  return {
    header,
    footer,
    rows: collector.rows,
    fileErrors,
    stats: collector,
    stoppedEarly: stoppedEarly || rowLimitHit,
    // A file with no detail records whose trailer totals 0 is an empty report ("no deposits today").
    controlsSayEmpty:
      sawHeader && sawTrailer && collector.count === 0 && trailerTotal === 0n && fileErrors.length === 0,
  };
}

function stageDetail(
  record: Bai2Record,
  d: Detail,
  value: bigint | undefined,
  account: Account,
  group: Group | undefined,
): StagedRow {
  const problems: StagedRow['problems'] = [];
  const typeCode = d.typeCode.trim();
  const fields: Record<string, string> = {
    accountNo: account.number,
    amount: d.amount,
    reference: d.customerReference,
    currency: account.currency,
    'custom:typeCode': typeCode,
    'custom:fundsType': d.fundsType,
    'custom:bankReference': d.bankReference,
    'custom:text': d.text,
  };
  const custom: Record<string, string> = { typeCode };
  if (d.fundsType !== '') custom.fundsType = d.fundsType;
  if (d.bankReference !== '') custom.bankReference = d.bankReference;
  if (d.text !== '') custom.text = d.text;
  if (d.fundsType.toUpperCase() === 'V') {
    const valueDate = yymmdd(d.extras[0] ?? '');
    if (valueDate) custom.valueDate = valueDate;
  }
  const row: StagedRow = {
    line: record.line,
    fields,
    values: { accountNo: account.number || undefined, currency: account.currency, custom },
    problems,
  };
  if (!/^\d{3}$/.test(typeCode))
    problems.push({ column: 'custom:typeCode', reason: `type code "${typeCode}" is not 3 digits` });
  const code = parseInt(typeCode, 10);
  const debit = code >= 400 && code <= 699;
  if (d.amount.trim() === '') {
    if (typeCode !== '890') problems.push({ column: 'amount', reason: 'amount is empty' });
  } else if (value === undefined || d.amount.trim().startsWith('-')) {
    problems.push({
      column: 'amount',
      reason: `"${d.amount.slice(0, 30)}" is not an unsigned whole number of minor units`,
    });
  } else if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    problems.push({ column: 'amount', reason: `"${d.amount}" is too large` });
  } else {
    const magnitude = Number(value);
    row.values.amountMinor = debit && magnitude !== 0 ? -magnitude : magnitude;
  }
  if (d.badFunds) problems.push({ column: 'custom:fundsType', reason: 'unreadable funds-type distribution' });
  if (group?.date) {
    row.values.paymentDate = group.date;
    fields.paymentDate = group.dateText;
  }
  if (d.customerReference !== '') {
    row.values.reference = d.customerReference;
    if (CHECK_TYPE_CODES.has(typeCode)) row.values.checkNo = d.customerReference;
  }
  // Text of an incoming credit usually names the payer; for debits it describes what was paid.
  if (d.text !== '' && code >= 100 && code <= 399) {
    row.values.payerName = d.text;
    fields.payerName = d.text;
  }
  return row;
}
