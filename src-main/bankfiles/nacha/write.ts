/**
 * The NACHA (ACH) file writer: PPD/CCD/WEB/TEL batches of debit, credit and prenote entries, with batch and
 * file controls, entry hash, block count and 9-fill (FORMATS.md §2.1–2.2). Pure and deterministic: the same
 * input gives the same bytes. Bad input throws a NachaInputError naming the batch/entry and the field.
 */
import { routingNumberProblem } from '../../domain/mandate-rules';

export type NachaEntryInput = {
  transactionCode: 22 | 23 | 27 | 28 | 32 | 33 | 37 | 38; // checking/savings credit, credit prenote, debit, debit prenote
  routingNo: string; // 9 digits incl. check digit (positions 4-11 = first 8, 12 = check digit)
  accountNo: string; // ≤ 17
  amountMinor: number; // cents
  individualId: string; // ≤ 15 (PPD individual id / CCD identification number)
  name: string; // ≤ 22 (individual or receiving company name)
  discretionary?: string; // 2 (WEB payment type code R/S)
  addenda?: string; // one addenda 05 payment related information (≤ 80)
};
export type NachaBatchInput = {
  secCode: 'PPD' | 'CCD' | 'WEB' | 'TEL';
  companyName: string; // ≤ 16
  companyId: string; // 10
  entryDescription: string; // ≤ 10
  effectiveDate: string; // YYYY-MM-DD
  descriptiveDate?: string; // ≤ 6
  odfiRouting: string; // 9 digits; the first 8 are the ODFI id in batch header/control and trace numbers
  entries: NachaEntryInput[];
};
export type NachaFileInput = {
  immediateDestination: string; // 9-digit routing, written as ' ' + 9
  immediateDestinationName: string; // ≤ 23
  immediateOrigin: string; // 10 (company id or ' ' + routing)
  immediateOriginName: string; // ≤ 23
  createdAt: string; // ISO date-time (UTC) → YYMMDD + HHMM
  fileIdModifier: string; // A-Z / 0-9
  referenceCode?: string; // ≤ 8
  batches: NachaBatchInput[];
};

/** Bad writer input: `where` names the file field, batch or entry (1-based), `field` the offending field. */
export class NachaInputError extends Error {
  constructor(
    readonly where: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${where}: ${field} ${reason}`);
    this.name = 'NachaInputError';
  }
}

/** Largest amount of one entry (10 digits of cents: 99,999,999.99). */
export const NACHA_MAX_ENTRY_MINOR = 9_999_999_999;
/** Largest batch/file total (12 digits of cents). */
const MAX_TOTAL_MINOR = 999_999_999_999;
const DEBIT_CODES = new Set([27, 28, 37, 38]);
const CREDIT_CODES = new Set([22, 23, 32, 33]);
const PRENOTE_CODES = new Set([23, 28, 33, 38]);
const NINES = '9'.repeat(94);
const NOT_ASCII = /[^\x20-\x7e]/;
/** Routing numbers already found good (a file repeats a few thousand banks); bounded. */
const GOOD_ROUTING = new Set<string>();

/** True for a NACHA debit transaction code (27/28/37/38). */
export function isNachaDebit(code: number): boolean {
  return DEBIT_CODES.has(code);
}

/** Printable ASCII only (0x20–0x7E): what an ACH operator accepts in alphanumeric fields. */
function asciiProblem(s: string): string | null {
  if (!NOT_ASCII.test(s)) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return `has a character that is not printable ASCII at position ${i + 1}`;
  }
  return null;
}

/** Left-justified, space-filled alphanumeric field; refuses text that is too long or not ASCII. */
function alpha(where: string, field: string, value: string, width: number, required: boolean): string {
  if (typeof value !== 'string') throw new NachaInputError(where, field, 'is missing');
  if (required && value.trim() === '') throw new NachaInputError(where, field, 'is empty');
  if (value.length > width) {
    throw new NachaInputError(where, field, `is longer than ${width} characters (${value.length})`);
  }
  const bad = asciiProblem(value);
  if (bad) throw new NachaInputError(where, field, bad);
  return value.padEnd(width, ' ');
}

/** Right-justified, zero-filled numeric field. */
function num(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** A 9-digit routing number with a good check digit, or a thrown error. */
function routing(where: string, field: string, value: string): string {
  if (typeof value === 'string' && GOOD_ROUTING.has(value)) return value;
  const problem = typeof value === 'string' ? routingNumberProblem(value) : 'is missing';
  if (problem) throw new NachaInputError(where, field, `${value}: ${problem}`);
  if (GOOD_ROUTING.size > 100_000) GOOD_ROUTING.clear();
  GOOD_ROUTING.add(value);
  return value;
}

/** YYYY-MM-DD → YYMMDD after checking the calendar date exists. */
function yymmdd(where: string, field: string, iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? '');
  if (!m) throw new NachaInputError(where, field, `must be a date YYYY-MM-DD (got ${JSON.stringify(iso)})`);
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (
    d.getUTCFullYear() !== Number(m[1]) ||
    d.getUTCMonth() + 1 !== Number(m[2]) ||
    d.getUTCDate() !== Number(m[3])
  ) {
    throw new NachaInputError(where, field, `is not a calendar date (${iso})`);
  }
  return m[1]!.slice(2) + m[2]! + m[3]!;
}

/** ISO date-time → [YYMMDD, HHMM] in UTC. */
function creationStamp(iso: string): [string, string] {
  const t = typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) {
    throw new NachaInputError('file', 'createdAt', `must be an ISO date-time (got ${JSON.stringify(iso)})`);
  }
  const d = new Date(t);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return [
    p2(d.getUTCFullYear() % 100) + p2(d.getUTCMonth() + 1) + p2(d.getUTCDate()),
    p2(d.getUTCHours()) + p2(d.getUTCMinutes()),
  ];
}

/** The immediate origin: 10 characters as given, or a 9-digit routing number written as ' ' + 9. */
function immediateOrigin(value: string): string {
  if (typeof value === 'string' && /^\d{9}$/.test(value)) return ' ' + value;
  if (typeof value !== 'string' || value.length !== 10) {
    throw new NachaInputError(
      'file',
      'immediateOrigin',
      'must be 10 characters (company id or " " + 9-digit routing)',
    );
  }
  const bad = asciiProblem(value);
  if (bad) throw new NachaInputError('file', 'immediateOrigin', bad);
  return value;
}

/**
 * Collects records and joins them 1,000 at a time: a 100k-entry file then holds a hundred flat strings instead
 * of a hundred thousand concatenations, which keeps the garbage collector's work small.
 */
class RecordSink {
  count = 0;
  private readonly parts: string[] = [];
  private chunk: string[] = [];

  push(record: string): void {
    this.chunk.push(record);
    this.count++;
    if (this.chunk.length === 1000) {
      this.parts.push(this.chunk.join('\n'));
      this.chunk = [];
    }
  }

  /** The records, '\n' after each. */
  text(): string {
    if (this.chunk.length > 0) this.parts.push(this.chunk.join('\n'));
    this.chunk = [];
    return this.parts.join('\n') + '\n';
  }
}

/** The file text (94-char records, '\n' after each, padded with 9-records to a multiple of 10) and each entry's trace number, per batch. */
export function writeNacha(input: NachaFileInput): { text: string; traceNumbers: string[][] } {
  const [createDate, createTime] = creationStamp(input.createdAt);
  if (typeof input.fileIdModifier !== 'string' || !/^[A-Z0-9]$/.test(input.fileIdModifier)) {
    throw new NachaInputError('file', 'fileIdModifier', 'must be one character A-Z or 0-9');
  }
  if (!Array.isArray(input.batches) || input.batches.length === 0) {
    throw new NachaInputError('file', 'batches', 'must hold at least one batch');
  }
  const records = new RecordSink();
  records.push(
    '101 ' +
      routing('file', 'immediateDestination', input.immediateDestination) +
      immediateOrigin(input.immediateOrigin) +
      createDate +
      createTime +
      input.fileIdModifier +
      '094101' +
      alpha('file', 'immediateDestinationName', input.immediateDestinationName, 23, false) +
      alpha('file', 'immediateOriginName', input.immediateOriginName, 23, false) +
      alpha('file', 'referenceCode', input.referenceCode ?? '', 8, false),
  );

  const traceNumbers: string[][] = [];
  let traceSeq = 0;
  let fileCount = 0;
  let fileHash = 0;
  let fileDebitMinor = 0;
  let fileCreditMinor = 0;

  input.batches.forEach((batch, bi) => {
    const bw = `batch ${bi + 1}`;
    const sec = batch.secCode;
    if (!['PPD', 'CCD', 'WEB', 'TEL'].includes(sec)) {
      throw new NachaInputError(bw, 'secCode', `must be PPD, CCD, WEB or TEL (got ${JSON.stringify(sec)})`);
    }
    const odfi = routing(bw, 'odfiRouting', batch.odfiRouting).slice(0, 8);
    const companyName = alpha(bw, 'companyName', batch.companyName, 16, true);
    const companyId = alpha(bw, 'companyId', batch.companyId, 10, true);
    const description = alpha(bw, 'entryDescription', batch.entryDescription, 10, true);
    const descriptiveDate = alpha(bw, 'descriptiveDate', batch.descriptiveDate ?? '', 6, false);
    const effective = yymmdd(bw, 'effectiveDate', batch.effectiveDate);
    if (!Array.isArray(batch.entries) || batch.entries.length === 0) {
      throw new NachaInputError(bw, 'entries', 'must hold at least one entry');
    }
    const batchNo = num(bi + 1, 7);

    const body: string[] = [];
    const traces: string[] = [];
    let hasDebit = false;
    let hasCredit = false;
    let count = 0;
    let hash = 0;
    let debitMinor = 0;
    let creditMinor = 0;
    batch.entries.forEach((e, ei) => {
      const ew = `${bw} entry ${ei + 1}`;
      const code = e.transactionCode;
      const debit = DEBIT_CODES.has(code);
      if (!debit && !CREDIT_CODES.has(code)) {
        throw new NachaInputError(
          ew,
          'transactionCode',
          `must be 22, 23, 27, 28, 32, 33, 37 or 38 (got ${String(code)})`,
        );
      }
      if (sec === 'TEL' && !debit) {
        throw new NachaInputError(
          ew,
          'transactionCode',
          `${code} is a credit; TEL batches carry debits only`,
        );
      }
      const amount = e.amountMinor;
      if (!Number.isSafeInteger(amount))
        throw new NachaInputError(ew, 'amountMinor', 'must be an integer count of cents');
      if (PRENOTE_CODES.has(code)) {
        if (amount !== 0)
          throw new NachaInputError(ew, 'amountMinor', `must be 0 for a prenote (code ${code})`);
      } else if (amount <= 0) {
        throw new NachaInputError(ew, 'amountMinor', `must be more than 0 (got ${amount})`);
      } else if (amount > NACHA_MAX_ENTRY_MINOR) {
        throw new NachaInputError(ew, 'amountMinor', `must be at most 99,999,999.99 (got ${amount} cents)`);
      }
      const rdfi = routing(ew, 'routingNo', e.routingNo);
      const account = alpha(ew, 'accountNo', e.accountNo, 17, true);
      const individualId = alpha(ew, 'individualId', e.individualId, 15, false);
      const name = alpha(ew, 'name', e.name, 22, true);
      const discretionary = alpha(ew, 'discretionary', e.discretionary ?? '', 2, false);
      if (sec === 'WEB' && e.discretionary !== undefined && !/^[RS] ?$/.test(e.discretionary)) {
        throw new NachaInputError(ew, 'discretionary', 'must be the WEB payment type code R or S');
      }
      const addenda = e.addenda === undefined ? null : alpha(ew, 'addenda', e.addenda, 80, false);
      traceSeq++;
      if (traceSeq > 9_999_999) throw new NachaInputError(ew, 'trace number', 'sequence exceeds 7 digits');
      const seq = num(traceSeq, 7);
      const trace = odfi + seq;
      traces.push(trace);
      if (debit) {
        hasDebit = true;
        debitMinor += amount;
      } else {
        hasCredit = true;
        creditMinor += amount;
      }
      hash += Number(rdfi.slice(0, 8));
      body.push(
        '6' +
          String(code) +
          rdfi +
          account +
          num(amount, 10) +
          individualId +
          name +
          discretionary +
          (addenda === null ? '0' : '1') +
          trace,
      );
      count++;
      if (addenda !== null) {
        body.push('705' + addenda + '0001' + seq);
        count++;
      }
    });
    if (debitMinor > MAX_TOTAL_MINOR || creditMinor > MAX_TOTAL_MINOR) {
      throw new NachaInputError(bw, 'entries', 'total exceeds 12 digits of cents; split the batch');
    }
    if (count > 999_999)
      throw new NachaInputError(bw, 'entries', 'more than 999,999 entry and addenda records');
    const serviceClass = hasDebit && hasCredit ? '200' : hasDebit ? '225' : '220';
    hash %= 10_000_000_000;
    records.push(
      '5' +
        serviceClass +
        companyName +
        ' '.repeat(20) +
        companyId +
        sec +
        description +
        descriptiveDate +
        effective +
        '   ' +
        '1' +
        odfi +
        batchNo,
    );
    for (const r of body) records.push(r);
    records.push(
      '8' +
        serviceClass +
        num(count, 6) +
        num(hash, 10) +
        num(debitMinor, 12) +
        num(creditMinor, 12) +
        companyId +
        ' '.repeat(19) +
        ' '.repeat(6) +
        odfi +
        batchNo,
    );
    traceNumbers.push(traces);
    fileCount += count;
    fileHash = (fileHash + hash) % 10_000_000_000;
    fileDebitMinor += debitMinor;
    fileCreditMinor += creditMinor;
  });

  if (fileDebitMinor > MAX_TOTAL_MINOR || fileCreditMinor > MAX_TOTAL_MINOR) {
    throw new NachaInputError('file', 'batches', 'file total exceeds 12 digits of cents; split the file');
  }
  if (fileCount > 99_999_999)
    throw new NachaInputError('file', 'batches', 'more than 99,999,999 entry and addenda records');
  const blocks = Math.ceil((records.count + 1) / 10);
  records.push(
    '9' +
      num(input.batches.length, 6) +
      num(blocks, 6) +
      num(fileCount, 8) +
      num(fileHash, 10) +
      num(fileDebitMinor, 12) +
      num(fileCreditMinor, 12) +
      ' '.repeat(39),
  );
  while (records.count % 10 !== 0) records.push(NINES);
  return { text: records.text(), traceNumbers };
}
