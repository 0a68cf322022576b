/**
 * The NACHA (ACH) reader and validator: one pass over fixed 94-character records (FORMATS.md §2.1–2.2), slicing
 * fixed positions. It checks record order, field formats, RDFI check digits, batch controls (counts, entry hash,
 * totals, company id, service class) and the file control (batch/block/entry counts, hash, totals), and reads
 * returns (addenda 99) and notifications of change (addenda 98). Policy on record length: a line shorter than 94
 * is padded with blanks and a line longer than 94 whose extra characters are blanks is cut, each with a warning
 * (moov-io/ach reads both); a longer line with data beyond 94, or a file without line breaks that is not a
 * multiple of 94 characters, is refused.
 */
import type { BankFileReader } from '../readers';
import type {
  BankChangeNotice,
  BankFileCheck,
  BankFileProblem,
  BankReturnItem,
  ParsedReturns,
} from '../types';
import {
  NACHA_CHANGE_CODES,
  NACHA_PRENOTE_CODES,
  NACHA_RETURN_REASONS,
  NACHA_SEC_CODES,
  NACHA_TRANSACTION_CODES,
  accountTypeOfCode,
} from './codes';

/** Most problems listed for one file; the rest are summed up in one last line. */
const MAX_PROBLEMS = 200;
const MAX_WARNINGS = 50;
const HASH_MOD = 10_000_000_000;
const NINES = '9'.repeat(94);
// Local bindings of the code sets: read once per record, and an imported binding may be a getter (CJS interop).
const TX_CODES = NACHA_TRANSACTION_CODES;
const PRENOTES = NACHA_PRENOTE_CODES;
const SEC_CODES = NACHA_SEC_CODES;

/** What one pass over a NACHA file found. */
export type NachaParse = {
  problems: BankFileProblem[];
  warnings: BankFileProblem[];
  batches: number;
  /** Entry detail records (not addenda). */
  entries: number;
  addenda: number;
  debitMinor: number;
  creditMinor: number;
  /** File creation date YYYY-MM-DD from the header, when readable. */
  createdDate: string | null;
  returns: BankReturnItem[];
  changes: BankChangeNotice[];
  /** Entries that carry neither a return (99) nor a change (98) addenda. */
  plainEntries: number;
};

/** Collects problems and warnings with a cap, so a broken 100k-line file reports quickly and legibly. */
class Findings {
  readonly problems: BankFileProblem[] = [];
  readonly warnings: BankFileProblem[] = [];
  private droppedProblems = 0;
  private droppedWarnings = 0;

  problem(line: number, reason: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line, reason });
    else this.droppedProblems++;
  }

  warning(line: number, reason: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push({ line, reason });
    else this.droppedWarnings++;
  }

  close(lastLine: number): void {
    if (this.droppedProblems > 0) {
      this.problems.push({ line: lastLine, reason: `… and ${this.droppedProblems} more problems` });
    }
    if (this.droppedWarnings > 0) {
      this.warnings.push({ line: lastLine, reason: `… and ${this.droppedWarnings} more warnings` });
    }
  }
}

/** The unsigned integer in s[a, b) (0-based), or -1 when any character is not a digit. */
function numAt(s: string, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** True when s[a, b) is all blanks. */
function blankAt(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) !== 32) return false;
  return true;
}

/** YYMMDD → YYYY-MM-DD (20YY), or null when not a calendar date. */
function isoDate(yymmdd: string): string | null {
  if (yymmdd.length !== 6 || numAt(yymmdd, 0, 6) < 0) return null;
  const y = 2000 + Number(yymmdd.slice(0, 2));
  const m = Number(yymmdd.slice(2, 4));
  const d = Number(yymmdd.slice(4, 6));
  if (m < 1 || m > 12 || d < 1) return null;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > days) return null;
  return `${y}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`;
}

/** The ABA check digit of an 8-digit routing prefix. */
export function abaCheckDigit(first8: string, at = 0): number {
  const d = (i: number): number => first8.charCodeAt(at + i) - 48;
  const sum = 3 * (d(0) + d(3) + d(6)) + 7 * (d(1) + d(4) + d(7)) + (d(2) + d(5));
  return (10 - (sum % 10)) % 10;
}

/** A 9-digit routing number with a good check digit. */
function goodRouting(s: string): boolean {
  return s.length === 9 && numAt(s, 0, 9) >= 0 && abaCheckDigit(s) === s.charCodeAt(8) - 48;
}

/** The 94-character records of a file and the line each came from, with the length policy applied. */
function records(text: string, f: Findings): { recs: string[]; lines: number[] } {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const recs: string[] = [];
  const lines: number[] = [];
  let end0 = t.length;
  while (end0 > 0 && (t.charCodeAt(end0 - 1) === 10 || t.charCodeAt(end0 - 1) === 13)) end0--;
  const body = end0 === t.length ? t : t.slice(0, end0);
  if (body.indexOf('\n') < 0 && body.indexOf('\r') < 0 && body.length > 94) {
    // One long line: back-to-back 94-character records (FORMATS.md §2.5 fixedLength), maybe with a final newline.
    if (body.length % 94 !== 0) {
      f.problem(
        1,
        `a file without line breaks must be a run of 94-character records: it has ${body.length} characters, ` +
          `${body.length % 94} left over after ${Math.floor(body.length / 94)} records (each record must be 94 characters)`,
      );
      return { recs, lines };
    }
    for (let i = 0, n = 1; i < body.length; i += 94, n++) {
      recs.push(body.slice(i, i + 94));
      lines.push(n);
    }
    return { recs, lines };
  }
  const raw = t.includes('\n') ? t.split('\n') : t.split('\r');
  let end = raw.length;
  while (end > 0 && raw[end - 1]!.replace(/[\r ]+$/, '') === '') end--;
  for (let i = 0; i < end; i++) {
    let l = raw[i]!;
    if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
    const line = i + 1;
    if (l.length === 94) {
      recs.push(l);
      lines.push(line);
      continue;
    }
    if (l.trim() === '') {
      f.warning(line, 'blank line ignored');
      continue;
    }
    if (l.length < 94) {
      f.warning(line, `line is ${l.length} characters, not 94; padded with blanks`);
      recs.push(l.padEnd(94, ' '));
    } else if (blankAt(l, 94, l.length)) {
      f.warning(line, `line is ${l.length} characters, not 94; the blanks after position 94 are ignored`);
      recs.push(l.slice(0, 94));
    } else {
      f.problem(line, `line is ${l.length} characters: a record must be 94 characters`);
      recs.push(l.slice(0, 94));
    }
    lines.push(line);
  }
  return { recs, lines };
}

/** State of the batch being read. */
type Batch = {
  line: number;
  serviceClass: string;
  sec: string;
  companyId: string;
  odfi: string;
  batchNo: number;
  effectiveDate: string | null;
  count: number;
  hash: number;
  debitMinor: number;
  creditMinor: number;
};

/** State of the entry whose addenda may follow. */
type Entry = {
  line: number;
  code: number;
  amountMinor: number;
  /** The entry record itself: the trace and account are sliced from it only when an addenda needs them. */
  rec: string;
  iat: boolean;
  wantsAddenda: boolean;
  addenda: number;
  iatAddenda: number;
  hasReturn: boolean;
  hasChange: boolean;
};

/** Reads and validates a NACHA file in one pass; `collect` also gathers returns and notifications of change. */
export function parseNacha(text: string, collect = false): NachaParse {
  const f = new Findings();
  const { recs, lines } = records(text, f);
  const out: NachaParse = {
    problems: f.problems,
    warnings: f.warnings,
    batches: 0,
    entries: 0,
    addenda: 0,
    debitMinor: 0,
    creditMinor: 0,
    createdDate: null,
    returns: [],
    changes: [],
    plainEntries: 0,
  };
  if (recs.length === 0) {
    if (f.problems.length === 0) f.problem(1, 'the file is empty');
    f.close(1);
    return out;
  }

  // Non-ASCII or control characters anywhere: one native scan, then locate the records that have them.
  if (/[^\x20-\x7e\r\n\uFEFF]/.test(text)) {
    for (let i = 0; i < recs.length; i++) {
      const m = /[^\x20-\x7e]/.exec(recs[i]!);
      if (m) {
        const code = m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
        f.problem(lines[i]!, `position ${m.index + 1}: character U+${code} is not printable ASCII`);
      }
    }
  }

  let batch: Batch | null = null;
  let entry: Entry | null = null;
  let sawHeader = false;
  let sawControl = false;
  let fillLines = 0;
  let lastBatchNo = 0;
  let fileCount = 0;
  let fileHash = 0;
  let maxTrace = -1;
  const traceList: number[] = [];
  let traceSet: Set<number> | null = null;

  /** Checks the addenda an entry promised before the next record starts. */
  const closeEntry = (): void => {
    if (entry && entry.wantsAddenda && entry.addenda === 0) {
      f.problem(entry.line, 'the addenda record indicator is 1 but no addenda record follows the entry');
    }
    if (entry && batch?.sec === 'IAT' && entry.iatAddenda !== entry.addenda) {
      f.problem(
        entry.line,
        `IAT entry declares ${entry.iatAddenda} addenda records but ${entry.addenda} follow`,
      );
    }
    if (entry && collect && !entry.hasReturn && !entry.hasChange) out.plainEntries++;
    entry = null;
  };

  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    const line = lines[i]!;
    const type = r.charCodeAt(0);

    if (sawControl) {
      if (r === NINES) fillLines++;
      else f.problem(line, 'a record after the file control: only 9-fill records (94 nines) may follow it');
      continue;
    }

    if (!sawHeader && type !== 49 /* '1' */) {
      f.problem(line, `a NACHA file starts with a file header (record type 1), found record type '${r[0]}'`);
      sawHeader = true; // report once, then read the rest
    }

    switch (type) {
      case 49: {
        // '1' file header
        if (sawHeader) {
          f.problem(line, 'a second file header: a file has exactly one, on its first line');
          break;
        }
        sawHeader = true;
        if (r.slice(1, 3) !== '01')
          f.problem(line, `priority code (positions 2-3) must be 01, found '${r.slice(1, 3)}'`);
        const dest = r.slice(3, 13).trim();
        if (!goodRouting(dest)) {
          f.problem(
            line,
            `immediate destination (positions 4-13) '${r.slice(3, 13)}' is not a routing number with a good check digit`,
          );
        }
        const origin = r.slice(13, 23);
        if (origin.trim() === '') {
          f.problem(line, 'immediate origin (positions 14-23) is blank');
        } else if (origin.charCodeAt(0) === 32 && !goodRouting(origin.slice(1))) {
          f.problem(
            line,
            `immediate origin (positions 14-23) '${origin}' is written as a blank and a routing number, but '${origin.slice(1)}' is not a 9-digit routing number with a good check digit`,
          );
        }
        out.createdDate = isoDate(r.slice(23, 29));
        if (!out.createdDate)
          f.problem(line, `file creation date (positions 24-29) '${r.slice(23, 29)}' is not a date YYMMDD`);
        const time = r.slice(29, 33);
        if (
          !blankAt(time, 0, 4) &&
          (numAt(time, 0, 4) < 0 || Number(time.slice(0, 2)) > 23 || Number(time.slice(2)) > 59)
        ) {
          f.problem(line, `file creation time (positions 30-33) '${time}' is not a time HHMM`);
        }
        if (!/^[A-Z0-9]$/.test(r[33]!))
          f.problem(line, `file ID modifier (position 34) '${r[33]}' must be A-Z or 0-9`);
        if (r.slice(34, 37) !== '094')
          f.problem(line, `record size (positions 35-37) must be 094, found '${r.slice(34, 37)}'`);
        if (r.slice(37, 39) !== '10')
          f.problem(line, `blocking factor (positions 38-39) must be 10, found '${r.slice(37, 39)}'`);
        if (r[39] !== '1') f.problem(line, `format code (position 40) must be 1, found '${r[39]}'`);
        break;
      }
      case 53: {
        // '5' batch header
        closeEntry();
        if (batch) {
          f.problem(
            line,
            `a batch header while batch ${batch.batchNo} (line ${batch.line}) has no batch control (record type 8)`,
          );
        }
        const serviceClass = r.slice(1, 4);
        if (serviceClass !== '200' && serviceClass !== '220' && serviceClass !== '225') {
          f.problem(line, `service class code (positions 2-4) '${serviceClass}' must be 200, 220 or 225`);
        }
        const sec = r.slice(50, 53);
        if (!SEC_CODES.has(sec))
          f.problem(line, `standard entry class code (positions 51-53) '${sec}' is not a NACHA SEC code`);
        if (sec !== 'IAT' && blankAt(r, 4, 20)) f.problem(line, 'company name (positions 5-20) is blank');
        const companyId = r.slice(40, 50);
        if (blankAt(r, 40, 50)) f.problem(line, 'company identification (positions 41-50) is blank');
        if (blankAt(r, 53, 63)) f.problem(line, 'company entry description (positions 54-63) is blank');
        const eff = r.slice(69, 75);
        const effectiveDate = isoDate(eff);
        if (!effectiveDate && eff !== '000000' && !blankAt(eff, 0, 6)) {
          f.problem(line, `effective entry date (positions 70-75) '${eff}' is not a date YYMMDD`);
        }
        const settle = r.slice(75, 78);
        if (!blankAt(settle, 0, 3)) {
          const j = numAt(settle, 0, 3);
          if (j < 0 || j > 366)
            f.problem(line, `settlement date (positions 76-78) '${settle}' must be blank or a Julian day`);
        }
        if (r[78] !== '0' && r[78] !== '1' && r[78] !== '2') {
          f.problem(line, `originator status code (position 79) must be 0, 1 or 2, found '${r[78]}'`);
        }
        const odfi = r.slice(79, 87);
        if (numAt(r, 79, 87) < 0)
          f.problem(line, `originating DFI identification (positions 80-87) '${odfi}' must be 8 digits`);
        const batchNo = numAt(r, 87, 94);
        if (batchNo < 0)
          f.problem(line, `batch number (positions 88-94) '${r.slice(87, 94)}' must be 7 digits`);
        else if (batchNo <= lastBatchNo)
          f.problem(line, `batch number ${batchNo} is not above the previous batch's ${lastBatchNo}`);
        if (batchNo > 0) lastBatchNo = batchNo;
        batch = {
          line,
          serviceClass,
          sec,
          companyId,
          odfi,
          batchNo,
          effectiveDate,
          count: 0,
          hash: 0,
          debitMinor: 0,
          creditMinor: 0,
        };
        out.batches++;
        break;
      }
      case 54: {
        // '6' entry detail
        closeEntry();
        if (!batch) {
          f.problem(line, 'an entry detail record outside a batch (no batch header before it)');
          break;
        }
        const code = numAt(r, 1, 3);
        if (!TX_CODES.has(code)) {
          f.problem(
            line,
            `transaction code (positions 2-3) '${r.slice(1, 3)}' is not a NACHA transaction code`,
          );
        }
        const rdfi = numAt(r, 3, 11);
        const check = numAt(r, 11, 12);
        if (rdfi < 0 || check < 0) {
          f.problem(
            line,
            `receiving DFI identification and check digit (positions 4-12) '${r.slice(3, 12)}' must be 9 digits`,
          );
        } else {
          const want = abaCheckDigit(r, 3);
          if (want !== check) {
            f.problem(
              line,
              `RDFI routing number ${r.slice(3, 12)}: check digit is ${check}, should be ${want}`,
            );
          }
          batch.hash += rdfi;
        }
        const iat = batch.sec === 'IAT';
        if (iat ? blankAt(r, 39, 74) : blankAt(r, 12, 29))
          f.problem(line, `DFI account number (positions ${iat ? '40-74' : '13-29'}) is blank`);
        const amount = numAt(r, 29, 39);
        if (amount < 0)
          f.problem(line, `amount (positions 30-39) '${r.slice(29, 39)}' must be 10 digits (cents)`);
        else if (amount > 0 && (PRENOTES.has(code) || batch.sec === 'COR')) {
          f.problem(
            line,
            `amount must be zero for ${batch.sec === 'COR' ? 'a notification of change' : `prenote code ${code}`}`,
          );
        }
        const debit = code % 10 >= 5; // isDebitCode, inlined on the hot path
        if (amount > 0) {
          if (debit) batch.debitMinor += amount;
          else batch.creditMinor += amount;
        }
        if (TX_CODES.has(code)) {
          if (batch.serviceClass === '220' && debit) {
            f.problem(line, `debit transaction code ${code} in a credits-only batch (service class 220)`);
          } else if (batch.serviceClass === '225' && !debit) {
            f.problem(line, `credit transaction code ${code} in a debits-only batch (service class 225)`);
          }
          if (batch.sec === 'TEL' && !debit) {
            f.problem(line, `TEL batch: transaction code ${code} is a credit; TEL allows debits only`);
          }
        }
        if (batch.sec === 'WEB' && debit && r[76] !== 'R' && r[76] !== 'S' && r[76] !== ' ') {
          f.problem(line, `WEB payment type code (positions 77-78) '${r.slice(76, 78)}' must be R or S`);
        }
        const indicator = r[78];
        if (indicator !== '0' && indicator !== '1') {
          f.problem(line, `addenda record indicator (position 79) must be 0 or 1, found '${indicator}'`);
        }
        const traceNo = numAt(r, 79, 94);
        const trace = traceNo < 0 || !r.startsWith(batch.odfi, 79) ? r.slice(79, 94) : '';
        if (traceNo < 0) {
          f.problem(line, `trace number (positions 80-94) '${trace}' must be 15 digits`);
        } else {
          if (!r.startsWith(batch.odfi, 79)) {
            f.warning(line, `trace number ${trace} does not start with the batch's ODFI ${batch.odfi}`);
          }
          // Trace numbers usually ascend: a duplicate is only possible once one does not, and only then is
          // a Set of every trace built (15 digits < 2^53, so numbers are exact).
          if (traceNo > maxTrace && traceSet === null) {
            maxTrace = traceNo;
            traceList.push(traceNo);
          } else {
            traceSet ??= new Set(traceList);
            if (traceSet.has(traceNo)) {
              f.warning(line, `trace number ${trace} appears twice in the file (returns may not match it)`);
            }
            traceSet.add(traceNo);
          }
        }
        const iatAddenda = iat ? numAt(r, 12, 16) : 0;
        if (iat && iatAddenda < 0)
          f.problem(
            line,
            `IAT number of addenda records (positions 13-16) '${r.slice(12, 16)}' must be 4 digits`,
          );
        batch.count++;
        out.entries++;
        entry = {
          line,
          code,
          amountMinor: amount < 0 ? 0 : amount,
          rec: r,
          iat,
          wantsAddenda: indicator === '1',
          addenda: 0,
          iatAddenda,
          hasReturn: false,
          hasChange: false,
        };
        break;
      }
      case 55: {
        // '7' addenda
        if (!batch) {
          f.problem(line, 'an addenda record outside a batch');
          break;
        }
        batch.count++;
        out.addenda++;
        if (!entry) {
          f.problem(line, 'an addenda record without an entry detail record before it');
          break;
        }
        if (!entry.wantsAddenda)
          f.problem(
            line,
            `an addenda record follows the entry on line ${entry.line}, whose addenda record indicator is 0`,
          );
        entry.addenda++;
        readAddenda(r, line, batch, entry, f, out, collect);
        break;
      }
      case 56: {
        // '8' batch control
        closeEntry();
        if (!batch) {
          f.problem(line, 'a batch control without a batch header before it');
          break;
        }
        checkBatchControl(r, line, batch, f);
        fileCount += batch.count;
        fileHash = (fileHash + (batch.hash % HASH_MOD)) % HASH_MOD;
        out.debitMinor += batch.debitMinor;
        out.creditMinor += batch.creditMinor;
        batch = null;
        break;
      }
      case 57: {
        // '9' file control
        closeEntry();
        if (batch) {
          f.problem(
            line,
            `the file control comes while batch ${batch.batchNo} (line ${batch.line}) has no batch control (record type 8)`,
          );
          fileCount += batch.count;
          fileHash = (fileHash + (batch.hash % HASH_MOD)) % HASH_MOD;
          out.debitMinor += batch.debitMinor;
          out.creditMinor += batch.creditMinor;
          batch = null;
        }
        sawControl = true;
        const want = (label: string, pos: string, got: number, expected: number): void => {
          if (got < 0) f.problem(line, `file control ${label} (positions ${pos}) is not a number`);
          else if (got !== expected)
            f.problem(line, `file control ${label} is ${got} but the file has ${expected}`);
        };
        const declared = numAt(r, 1, 7);
        if (declared !== out.batches && declared === lastBatchNo && declared > 0) {
          // 20110805A: batches numbered 1, 3, 4, 5 and a batch count of 5. Entries, hash and totals are checked
          // on their own, so a count that follows the batch numbering loses nothing: warn, as moov reads it.
          f.warning(
            line,
            `file control batch count is ${declared} (the last batch number) but the file has ${out.batches} batches: batch numbers skip`,
          );
        } else if (declared > out.batches) {
          f.problem(
            line,
            `file control batch count is ${declared} but the file has ${out.batches}: a partial file?`,
          );
        } else want('batch count', '2-7', declared, out.batches);
        want('block count', '8-13', numAt(r, 7, 13), Math.ceil((i + 1) / 10));
        want('entry/addenda count', '14-21', numAt(r, 13, 21), fileCount);
        want('entry hash', '22-31', numAt(r, 21, 31), fileHash);
        want('total debit amount', '32-43', numAt(r, 31, 43), out.debitMinor);
        want('total credit amount', '44-55', numAt(r, 43, 55), out.creditMinor);
        break;
      }
      default:
        closeEntry();
        f.problem(line, `unknown record type '${r[0]}': records start with 1, 5, 6, 7, 8 or 9`);
    }
  }
  closeEntry();
  const last = lines[lines.length - 1] ?? 1;
  if (batch !== null) {
    const open: Batch = batch;
    f.problem(
      last,
      `the file ends inside batch ${open.batchNo} (line ${open.line}): no batch control (record type 8) — partial file?`,
    );
    out.debitMinor += open.debitMinor;
    out.creditMinor += open.creditMinor;
  }
  if (!sawControl)
    f.problem(last, 'the file ends without a file control record (record type 9) — partial file?');
  else if (fillLines > 0 && recs.length % 10 !== 0) {
    f.warning(
      last,
      `the file has ${recs.length} records, not a multiple of 10 (blocking factor): 9-fill is incomplete`,
    );
  }
  f.close(last);
  return out;
}

/** Checks a batch control record against what its batch held. */
function checkBatchControl(r: string, line: number, batch: Batch, f: Findings): void {
  const sc = r.slice(1, 4);
  if (sc !== batch.serviceClass)
    f.problem(
      line,
      `batch control service class ${sc} differs from the batch header's ${batch.serviceClass}`,
    );
  if (batch.sec === 'TEL' && sc !== '225')
    f.problem(line, `TEL batch: service class must be 225 (debits only), found ${sc}`);
  const want = (label: string, pos: string, got: number, expected: number): void => {
    if (got < 0) f.problem(line, `batch control ${label} (positions ${pos}) is not a number`);
    else if (got !== expected)
      f.problem(
        line,
        `batch ${batch.batchNo}: batch control ${label} is ${got} but the batch has ${expected}`,
      );
  };
  want('entry/addenda count', '5-10', numAt(r, 4, 10), batch.count);
  want('entry hash', '11-20', numAt(r, 10, 20), batch.hash % HASH_MOD);
  want('total debit amount', '21-32', numAt(r, 20, 32), batch.debitMinor);
  want('total credit amount', '33-44', numAt(r, 32, 44), batch.creditMinor);
  const companyId = r.slice(44, 54);
  if (companyId.trim() !== batch.companyId.trim()) {
    f.problem(
      line,
      `batch control company identification '${companyId.trim()}' differs from the batch header's '${batch.companyId.trim()}'`,
    );
  }
  const odfi = r.slice(79, 87);
  if (odfi !== batch.odfi)
    f.problem(line, `batch control ODFI ${odfi} differs from the batch header's ${batch.odfi}`);
  const no = numAt(r, 87, 94);
  if (no !== batch.batchNo)
    f.problem(
      line,
      `batch control batch number '${r.slice(87, 94)}' differs from the batch header's ${batch.batchNo}`,
    );
}

/** The entry's trace number. */
const traceOf = (e: Entry): string => e.rec.slice(79, 94);

/** The entry's DFI account number, or undefined when blank. */
const accountOf = (e: Entry): string | undefined =>
  (e.iat ? e.rec.slice(39, 74) : e.rec.slice(12, 29)).trim() || undefined;

/** Reads one addenda record: 05 payment information, 98 notification of change, 99 return, 10–18 IAT, 02 POS. */
function readAddenda(
  r: string,
  line: number,
  batch: Batch,
  entry: Entry,
  f: Findings,
  out: NachaParse,
  collect: boolean,
): void {
  const type = r.slice(1, 3);
  // The batch header's SEC code is already reported; its addenda cannot be judged.
  if (!SEC_CODES.has(batch.sec)) return;
  if (type === '05') {
    if (numAt(r, 83, 87) < 0)
      f.problem(line, `addenda sequence number (positions 84-87) '${r.slice(83, 87)}' must be 4 digits`);
    if (!r.startsWith(entry.rec.slice(87, 94), 87)) {
      f.problem(
        line,
        `entry detail sequence number (positions 88-94) '${r.slice(87, 94)}' is not the last 7 digits of the entry's trace ${traceOf(entry)}`,
      );
    }
    if (entry.addenda > 1 && batch.sec !== 'CTX' && batch.sec !== 'ENR' && batch.sec !== 'TRX') {
      f.problem(line, `${batch.sec} entries carry at most one addenda record`);
    }
    return;
  }
  if (type === '99') {
    const code = r.slice(3, 6);
    const name = NACHA_RETURN_REASONS[code];
    if (!name) f.problem(line, `return reason code (positions 4-6) '${code}' is not a NACHA return code`);
    const original = r.slice(6, 21);
    if (numAt(r, 6, 21) < 0)
      f.problem(line, `original entry trace number (positions 7-21) '${original}' must be 15 digits`);
    const dod = r.slice(21, 27);
    const deathDate = blankAt(dod, 0, 6) ? null : isoDate(dod);
    const dishonoredOrContested = code >= 'R61' && code <= 'R77';
    if (!dishonoredOrContested && !blankAt(dod, 0, 6) && !deathDate) {
      f.problem(line, `date of death (positions 22-27) '${dod}' must be blank or a date YYMMDD`);
    }
    if (numAt(r, 27, 35) < 0)
      f.problem(
        line,
        `original receiving DFI identification (positions 28-35) '${r.slice(27, 35)}' must be 8 digits`,
      );
    if (!r.startsWith(traceOf(entry), 79)) {
      f.problem(line, `return addenda trace number ${r.slice(79, 94)} is not the entry's ${traceOf(entry)}`);
    }
    if (entry.hasReturn || entry.hasChange)
      f.problem(line, 'an entry carries one return or change addenda, not two');
    entry.hasReturn = true;
    if (collect) {
      // The item text is the reason's name (FORMATS.md §2.4); the date of death and addenda information stay in the file.
      const text = name ?? code;
      out.returns.push({
        ref: { traceNumber: original, accountNo: accountOf(entry) },
        amountMinor: entry.amountMinor,
        currency: 'USD',
        kind: 'return',
        code,
        text,
        date: batch.effectiveDate ?? out.createdDate ?? undefined,
        line,
      });
    }
    return;
  }
  if (type === '98') {
    const code = r.slice(3, 6);
    if (!NACHA_CHANGE_CODES[code])
      f.problem(
        line,
        `change code (positions 4-6) '${code}' is not a NACHA change code (C01-C09, C13, C14, C61-C69)`,
      );
    const original = r.slice(6, 21);
    if (numAt(r, 6, 21) < 0)
      f.problem(line, `original entry trace number (positions 7-21) '${original}' must be 15 digits`);
    if (numAt(r, 27, 35) < 0)
      f.problem(
        line,
        `original receiving DFI identification (positions 28-35) '${r.slice(27, 35)}' must be 8 digits`,
      );
    const data = r.slice(35, 64);
    if (blankAt(data, 0, 29)) f.problem(line, 'corrected data (positions 36-64) is blank');
    const corrected = correctedFields(code, data, line, f);
    if (entry.hasReturn || entry.hasChange)
      f.problem(line, 'an entry carries one return or change addenda, not two');
    entry.hasChange = true;
    if (collect) {
      out.changes.push({
        ref: { traceNumber: original, accountNo: accountOf(entry) },
        code,
        correctedData: data.trim(),
        corrected,
        line,
      });
    }
    return;
  }
  const n = numAt(r, 1, 3);
  if (batch.sec === 'IAT' && n >= 10 && n <= 18) return;
  if (type === '02' && (batch.sec === 'POS' || batch.sec === 'SHR' || batch.sec === 'MTE')) return;
  f.problem(line, `addenda type code (positions 2-3) '${type}' is not valid in a ${batch.sec} batch`);
}

/** The corrected fields of an addenda 98, per change code (NACHA layout of "corrected data"). */
function correctedFields(
  code: string,
  data: string,
  line: number,
  f: Findings,
): BankChangeNotice['corrected'] {
  const routingAt = (a: number): string | undefined => {
    const v = data.slice(a, a + 9);
    if (!goodRouting(v)) {
      f.problem(
        line,
        `${code}: corrected routing number '${v.trim()}' is not 9 digits with a good check digit`,
      );
      return undefined;
    }
    return v;
  };
  const account = (a: number, b: number): string | undefined => {
    const v = data.slice(a, b).trim();
    if (v === '') f.problem(line, `${code}: corrected account number is blank`);
    return v || undefined;
  };
  const txType = (a: number): 'checking' | 'savings' | undefined => {
    const c = numAt(data, a, a + 2);
    const t = TX_CODES.has(c) ? accountTypeOfCode(c) : undefined;
    if (!t && !TX_CODES.has(c))
      f.problem(
        line,
        `${code}: corrected transaction code '${data.slice(a, a + 2)}' is not a NACHA transaction code`,
      );
    return t;
  };
  switch (code) {
    case 'C01':
      return { accountNo: account(0, 17) };
    case 'C02':
      return { routingNo: routingAt(0) };
    case 'C03':
      return { routingNo: routingAt(0), accountNo: account(12, 29) };
    case 'C04':
      return { name: data.slice(0, 22).trim() || undefined };
    case 'C05':
      return { accountType: txType(0) };
    case 'C06':
      return { accountNo: account(0, 17), accountType: txType(20) };
    case 'C07':
      return { routingNo: routingAt(0), accountNo: account(9, 26), accountType: txType(26) };
    default:
      return {};
  }
}

/** The `bankfile check` summary of a NACHA file (amounts are USD cents). */
export function checkNacha(text: string): BankFileCheck {
  const p = parseNacha(text);
  return {
    format: 'nacha',
    valid: p.problems.length === 0,
    entries: p.entries,
    totals: {
      count: p.entries,
      totalMinor: p.debitMinor + p.creditMinor,
      debitMinor: p.debitMinor,
      creditMinor: p.creditMinor,
      currency: 'USD',
      byCurrency: [
        { currency: 'USD', count: p.entries, debitMinor: p.debitMinor, creditMinor: p.creditMinor },
      ],
    },
    problems: p.problems,
    warnings: p.warnings,
  };
}

/** The returns (addenda 99) and notifications of change (addenda 98) of a NACHA file, with its problems. */
export function nachaReturns(text: string): ParsedReturns {
  const p = parseNacha(text, true);
  const warnings = [...p.warnings];
  if (p.plainEntries > 0) {
    warnings.push({
      line: 1,
      reason: `${p.plainEntries} entr${p.plainEntries === 1 ? 'y carries' : 'ies carry'} neither a return nor a change addenda; ignored`,
    });
  }
  return {
    format: 'nacha',
    items: p.returns,
    changes: p.changes,
    accepted: 0,
    problems: p.problems,
    warnings,
  };
}

/** True when the text looks like a NACHA file: a file header (or, in a broken file, a batch header) first. */
export function looksLikeNacha(text: string): boolean {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1, 120) : text.slice(0, 120);
  // '1' first and the record size / blocking factor / format code "094101" where a file header has it (give or take a stray character).
  if (t.charCodeAt(0) === 49 && /^[^\n]{32,38}09410\d/.test(t)) return true;
  return /^5(200|220|225|280)[^\n]{46}[A-Z]{3}[^\n]{30,}/.test(t);
}

/** The NACHA reader of the bank-file seam: detect by the file header, check, returns and notifications of change. */
export const nachaReader: BankFileReader = {
  format: 'nacha',
  detect: looksLikeNacha,
  check: (text) => Promise.resolve(checkNacha(text)),
  returns: nachaReturns,
};
