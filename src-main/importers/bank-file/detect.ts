import { decodeBytes } from './decode';
import { parseBankFile } from './parse-bank-file';
import { normalizeNewlines } from './stage';
import { parseTemplate, type BankFileTemplate } from './template';

/** A stored template as detection sees it. */
export type DetectCandidate = { id: number; name: string; stock: boolean; definition: unknown };

/** One ranked guess: which template would read the file, how sure (0..1) and why. */
export type TemplateProposal = {
  templateId: number;
  name: string;
  stock: boolean;
  confidence: number;
  why: string;
};

/** Bytes looked at by detection: enough for a few hundred lines of any layout, small enough to stay instant. */
export const DETECT_SAMPLE_BYTES = 64 * 1024;
/** Rows parsed per candidate template. */
const SAMPLE_ROWS = 200;

const BAI2_RECORDS = new Set(['01', '02', '03', '16', '49', '88', '98', '99']);

/** Where a BAI2 record can start: at a line's start, or after the `/` that ends the previous record. */
const RECORD_START = /(?:^|\n|\/)[ \t]*(\d\d),/g;

/**
 * What the first lines say about BAI2: a 01 file header first, a 02 group header and an account record, and
 * (nearly) every record code a BAI2 one. Text of a 16 record may run onto lines of its own, so lines that open
 * no record are not counted against it.
 */
export function bai2Signature(text: string): { isBai2: boolean; complete: boolean; records: number } {
  const body = normalizeNewlines(text).trimStart();
  const codes = [...body.matchAll(RECORD_START)].map((m) => m[1] ?? '');
  if (!body.startsWith('01,') || codes.length === 0) return { isBai2: false, complete: false, records: 0 };
  const known = codes.filter((c) => BAI2_RECORDS.has(c)).length;
  const isBai2 =
    known >= Math.ceil(codes.length * 0.9) &&
    codes.includes('02') &&
    codes.some((c) => c === '03' || c === '16' || c === '49' || c === '98' || c === '99');
  return { isBai2, complete: isBai2 && codes.includes('99'), records: known };
}

const SYNONYMS: Record<string, readonly string[]> = {
  accountNo: [
    'account',
    'accountno',
    'accountnumber',
    'acct',
    'acctno',
    'customer',
    'customerno',
    'customernumber',
  ],
  billNo: ['bill', 'billno', 'billnumber', 'invoice', 'invoiceno', 'invoicenumber'],
  amount: ['amount', 'amt', 'paymentamount', 'checkamount', 'paid', 'value'],
  paymentDate: ['date', 'paymentdate', 'paiddate', 'valuedate', 'depositdate', 'checkdate'],
  checkNo: ['check', 'checkno', 'checknumber', 'cheque', 'chequeno', 'serial'],
  payerName: ['payer', 'payername', 'name', 'remitter', 'customername'],
  reference: ['reference', 'ref', 'memo', 'description', 'remittance'],
  paymentId: ['paymentid', 'payment'],
  currency: ['currency', 'ccy', 'cur'],
  channel: ['channel', 'source'],
};

const squash = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Mapped columns whose header cell is a usual name of their field, out of all mapped columns. */
function headerNameMatch(text: string, t: BankFileTemplate): { matched: number; of: number } {
  const lines = normalizeNewlines(text).split('\n');
  const headerRow = lines[t.headerLines] ?? '';
  const quote = t.quote;
  const cells = headerRow.split(t.delimiter ?? ',').map((c) => squash(c.split(quote).join('')));
  let matched = 0;
  for (const c of t.columns) {
    const cell = cells[c.index ?? -1];
    if (cell !== undefined && (SYNONYMS[c.field] ?? []).includes(cell)) matched++;
  }
  return { matched, of: t.columns.length };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** Scores one template against the sample; a template that cannot read it at all scores near zero. */
function score(
  bytes: Uint8Array,
  text: string,
  truncated: boolean,
  bai2: ReturnType<typeof bai2Signature>,
  t: BankFileTemplate,
): { confidence: number; why: string } {
  if (t.format === 'bai2') {
    if (!bai2.isBai2) return { confidence: 0, why: 'not BAI2: the file does not open with 01/02 records' };
    const parsed = parseBankFile(bytes, t, { exponent: 2, previewRows: SAMPLE_ROWS });
    if (!truncated && parsed.fileErrors.length > 0) {
      return { confidence: 0.6, why: `BAI2 records, but ${parsed.fileErrors[0]?.reason ?? 'unreadable'}` };
    }
    return bai2.complete
      ? { confidence: 0.98, why: `BAI2 records 01…99 (${bai2.records} records)` }
      : {
          confidence: 0.92,
          why: `BAI2 records from 01 on (${bai2.records} records; no 99 trailer in the sample)`,
        };
  }
  // A BAI2 file split on commas or cut into columns yields garbage that can look clean; it is never offered.
  if (bai2.isBai2) return { confidence: 0, why: 'a BAI2 file is read only with a BAI2 template' };

  const parsed = parseBankFile(bytes, t, { exponent: 2, previewRows: SAMPLE_ROWS });
  // Footer lines and control totals of a cut sample are not the file's: they cannot count against a template.
  const errors = parsed.fileErrors.filter(
    (e) => !(truncated && (e.column?.startsWith('header.') || e.column?.startsWith('footer.'))),
  );
  const rows = parsed.rows;
  if (errors.length > 0) {
    return { confidence: 0.05, why: `does not read: ${errors[0]?.reason ?? 'file error'}` };
  }
  if (rows.length === 0) return { confidence: 0.3, why: 'reads, but finds no data rows' };
  const clean = rows.filter((r) => r.problems.length === 0).length;
  const cleanShare = clean / rows.length;
  const reasons = [`${clean} of ${rows.length} rows read cleanly`];
  let confidence = 0.5 + 0.3 * cleanShare;
  if (t.format === 'delimited' && t.hasColumnHeader) {
    const { matched, of } = headerNameMatch(text, t);
    confidence += of === 0 ? 0 : 0.15 * (matched / of);
    reasons.push(`column names match ${matched} of ${of}`);
  }
  if (t.format === 'fixed') {
    // A record-type filter that picks rows, and header/footer figures found, are what set a layout apart.
    if (t.recordFilter) {
      confidence += 0.1;
      reasons.push(`record type ${t.recordFilter.equals.join('/')} rows found`);
    }
    const figures = [parsed.header, parsed.footer].some(
      (b) => b.count !== undefined || b.totalMinor !== undefined || b.date !== undefined,
    );
    if (figures) {
      confidence += 0.05;
      reasons.push('header/footer figures read');
    }
  }
  return { confidence: round2(Math.min(confidence, 0.97)), why: reasons.join('; ') };
}

/**
 * Ranks the templates by how well each reads the first bytes of a file: BAI2 by its record structure, other
 * layouts by parsing the sample and weighing clean rows, matching column names, record types and control figures.
 * Never throws: a template that cannot read the sample scores near zero.
 */
export function detectTemplates(
  sample: Uint8Array,
  truncated: boolean,
  candidates: readonly DetectCandidate[],
): TemplateProposal[] {
  const decoded = decodeBytes(sample, 'auto');
  const text = decoded.ok ? decoded.text : '';
  const bai2 = bai2Signature(text);
  const proposals: TemplateProposal[] = [];
  for (const c of candidates) {
    const parsed = parseTemplate(c.definition);
    if (!parsed.ok) continue;
    const { confidence, why } = score(sample, text, truncated, bai2, parsed.template);
    proposals.push({ templateId: c.id, name: c.name, stock: c.stock, confidence, why });
  }
  // Stock templates win ties: they are the known layouts, a copy is someone's variation of them.
  return proposals.sort(
    (a, b) =>
      b.confidence - a.confidence || Number(b.stock) - Number(a.stock) || a.name.localeCompare(b.name),
  );
}

/** The first bytes of a file for detection, cut at the last line break when the file is longer. */
export function detectionSample(bytes: Uint8Array): { sample: Uint8Array; truncated: boolean } {
  if (bytes.length <= DETECT_SAMPLE_BYTES) return { sample: bytes, truncated: false };
  const head = bytes.subarray(0, DETECT_SAMPLE_BYTES);
  const lastBreak = head.lastIndexOf(0x0a);
  return { sample: lastBreak > 0 ? head.subarray(0, lastBreak + 1) : head, truncated: true };
}
