/**
 * What the receiving bank sends back for a NACHA file Paydesk wrote: a return file (entries with addenda 99)
 * and notifications of change (COR entries with addenda 98), built from the original file's entries. Used by
 * the bank simulator, tests and the benchmark, so returns always name real trace numbers.
 */
import { abaCheckDigit } from './read';
import { NACHA_CHANGE_CODES, NACHA_RETURN_REASONS } from './codes';

/** One entry of the original file to return (code R01…) or to report a change for (code C01…). */
export type NachaBankAnswer = {
  traceNumber: string;
  code: string;
  /** Addenda information (returns, ≤ 44) or the corrected data (changes, ≤ 29). */
  info?: string;
};

/** Header fields of the answer file. */
export type NachaBankAnswerOptions = {
  /** ISO date-time (UTC) of the answer file; its date is also the batches' effective date. */
  createdAt: string;
  /** The bank's 9-digit routing number (the RDFI answering); default: the original file's immediate destination. */
  bankRouting?: string;
  fileIdModifier?: string;
};

type OriginalEntry = {
  batch: number;
  header: string;
  code: number;
  rdfi: string;
  account: string;
  amountMinor: number;
  individualId: string;
  name: string;
  trace: string;
};

const pad = (s: string, n: number): string => s.slice(0, n).padEnd(n, ' ');
const num = (v: number, n: number): string => String(v).padStart(n, '0');

/** The entries of a NACHA file by trace number (records padded to 94; lines in any of the accepted forms). */
function originalEntries(text: string): { header: string; entries: Map<string, OriginalEntry> } {
  const lines = text.replace(/\r/g, '').split('\n');
  const recs = lines.length === 1 && lines[0]!.length > 94 ? (lines[0]!.match(/.{94}/g) ?? []) : lines;
  let header = '';
  let batchHeader = '';
  let batch = 0;
  const entries = new Map<string, OriginalEntry>();
  for (const raw of recs) {
    const r = raw.padEnd(94, ' ');
    const t = r[0];
    if (t === '1') header = r;
    else if (t === '5') {
      batchHeader = r;
      batch++;
    } else if (t === '6') {
      const trace = r.slice(79, 94);
      entries.set(trace, {
        batch,
        header: batchHeader,
        code: Number(r.slice(1, 3)),
        rdfi: r.slice(3, 12),
        account: r.slice(12, 29),
        amountMinor: Number(r.slice(29, 39)),
        individualId: r.slice(39, 54),
        name: r.slice(54, 76),
        trace,
      });
    }
  }
  if (!header) throw new Error('the original file has no file header');
  return { header, entries };
}

/**
 * The return / notification-of-change file a bank would send for the given entries of an original NACHA file
 * (94-character records, batch and file controls, 9-fill). Returns keep the original's debit/credit side
 * (27 → 26, 22 → 21, 37 → 36, 32 → 31); changes go in COR batches with zero amounts.
 */
export function writeNachaBankAnswer(
  original: string,
  answers: NachaBankAnswer[],
  opts: NachaBankAnswerOptions,
): string {
  const { header, entries } = originalEntries(original);
  const bank = opts.bankRouting ?? header.slice(3, 13).trim();
  const bank8 = bank.slice(0, 8);
  const d = new Date(opts.createdAt);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const yymmdd = p2(d.getUTCFullYear() % 100) + p2(d.getUTCMonth() + 1) + p2(d.getUTCDate());
  const hhmm = p2(d.getUTCHours()) + p2(d.getUTCMinutes());
  // Group by original batch and kind, in the order answers are given.
  const groups = new Map<
    string,
    { kind: 'return' | 'change'; entries: [OriginalEntry, NachaBankAnswer][] }
  >();
  for (const a of answers) {
    const e = entries.get(a.traceNumber);
    if (!e) throw new Error(`trace number ${a.traceNumber} is not in the original file`);
    const kind = a.code.startsWith('C') ? 'change' : 'return';
    if (kind === 'return' && !NACHA_RETURN_REASONS[a.code]) throw new Error(`unknown return code ${a.code}`);
    if (kind === 'change' && !NACHA_CHANGE_CODES[a.code]) throw new Error(`unknown change code ${a.code}`);
    const key = `${e.batch}:${kind}`;
    const g = groups.get(key) ?? { kind, entries: [] };
    g.entries.push([e, a]);
    groups.set(key, g);
  }
  const first = groups.values().next().value;
  if (!first) throw new Error('no entries to answer');
  const odfiOf = (batchHeader: string): string =>
    batchHeader.slice(79, 87) + String(abaCheckDigit(batchHeader.slice(79, 87)));
  const out: string[] = [
    '101' +
      ' ' +
      odfiOf(first.entries[0]![0].header) +
      ' ' +
      bank +
      yymmdd +
      hhmm +
      (opts.fileIdModifier ?? 'A') +
      '094101' +
      pad(header.slice(63, 86).trim(), 23) +
      pad(header.slice(40, 63).trim(), 23) +
      pad('', 8),
  ];
  let seq = 0;
  let batchNo = 0;
  let fileCount = 0;
  let fileHash = 0;
  let fileDebit = 0;
  let fileCredit = 0;
  for (const g of groups.values()) {
    batchNo++;
    const h = g.entries[0]![0].header;
    const odfiWithCheck = odfiOf(h);
    const body: string[] = [];
    let debit = 0;
    let credit = 0;
    let hash = 0;
    let hasDebit = false;
    let hasCredit = false;
    for (const [e, a] of g.entries) {
      seq++;
      const trace = bank8 + num(seq, 7);
      const isDebit = e.code % 10 >= 5;
      // The return/NOC code keeps the account type and side: 27/28 → 26, 22/23 → 21, 37/38 → 36, 32/33 → 31.
      const code = Math.floor(e.code / 10) * 10 + (isDebit ? 6 : 1);
      const amount = g.kind === 'return' ? e.amountMinor : 0;
      if (isDebit) {
        hasDebit = true;
        debit += amount;
      } else {
        hasCredit = true;
        credit += amount;
      }
      hash += Number(odfiWithCheck.slice(0, 8));
      body.push(
        '6' +
          String(code) +
          odfiWithCheck +
          e.account +
          num(amount, 10) +
          e.individualId +
          e.name +
          '  1' +
          trace,
      );
      if (g.kind === 'return') {
        body.push('799' + a.code + e.trace + '      ' + e.rdfi.slice(0, 8) + pad(a.info ?? '', 44) + trace);
      } else {
        body.push(
          '798' +
            a.code +
            e.trace +
            '      ' +
            e.rdfi.slice(0, 8) +
            pad(a.info ?? '', 29) +
            pad('', 15) +
            trace,
        );
      }
    }
    const sc = hasDebit && hasCredit ? '200' : hasDebit ? '225' : '220';
    const sec = g.kind === 'change' ? 'COR' : h.slice(50, 53);
    out.push('5' + sc + h.slice(4, 50) + sec + h.slice(53, 69) + yymmdd + '   1' + bank8 + num(batchNo, 7));
    out.push(...body);
    hash %= 10_000_000_000;
    out.push(
      '8' +
        sc +
        num(body.length, 6) +
        num(hash, 10) +
        num(debit, 12) +
        num(credit, 12) +
        h.slice(40, 50) +
        pad('', 25) +
        bank8 +
        num(batchNo, 7),
    );
    fileCount += body.length;
    fileHash = (fileHash + hash) % 10_000_000_000;
    fileDebit += debit;
    fileCredit += credit;
  }
  const blocks = Math.ceil((out.length + 1) / 10);
  out.push(
    '9' +
      num(batchNo, 6) +
      num(blocks, 6) +
      num(fileCount, 8) +
      num(fileHash, 10) +
      num(fileDebit, 12) +
      num(fileCredit, 12) +
      pad('', 39),
  );
  while (out.length % 10 !== 0) out.push('9'.repeat(94));
  return out.join('\n') + '\n';
}
