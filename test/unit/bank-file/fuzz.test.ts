import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { encodeEbcdic037 } from '../../../src-main/importers/bank-file/ebcdic-037';
import { parseBankFile } from '../../../src-main/importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../../src-main/importers/bank-file/template';
import type { ParseResult } from '../../../src-main/importers/bank-file/types';
import { controlsSayEmpty } from '../../helpers/bank-file-oracle';

const STANDARDS = fileURLToPath(new URL('../../../../shared/standards', import.meta.url));
const utf8 = (s: string) => new TextEncoder().encode(s);
/** Each case must come back within this many milliseconds. */
const BUDGET_MS = 2000;

const csvColumns = [
  { field: 'accountNo', index: 0 },
  { field: 'amount', index: 1 },
  { field: 'paymentDate', index: 2 },
  { field: 'payerName', index: 3 },
];

const TEMPLATES: BankFileTemplateInput[] = [
  { name: 'csv', format: 'delimited', delimiter: ',', dateFormat: 'MM/dd/yyyy', columns: csvColumns },
  {
    name: 'csv with header/footer',
    format: 'delimited',
    delimiter: ';',
    dateFormat: 'dd.MM.yyyy',
    decimalSeparator: ',',
    thousandsSeparator: '.',
    headerLines: 1,
    footerLines: 1,
    hasColumnHeader: true,
    columns: csvColumns,
    header: { lockboxNo: { line: 1, index: 1 }, date: { line: 1, start: 1, length: 10 } },
    footer: { count: { line: 1, index: 1 }, total: { line: 1, index: 2 } },
  },
  {
    name: 'tsv',
    format: 'delimited',
    delimiter: '\t',
    dateFormat: 'yyyy-MM-dd',
    encoding: 'utf-16le',
    columns: csvColumns,
  },
  {
    name: 'pipe 1252',
    format: 'delimited',
    delimiter: '|',
    dateFormat: 'yyyyMMdd',
    encoding: 'windows-1252',
    columns: csvColumns,
  },
  {
    name: 'fixed',
    format: 'fixed',
    dateFormat: 'MMddyy',
    impliedDecimals: 2,
    headerLines: 1,
    footerLines: 1,
    recordFilter: { start: 1, length: 1, equals: ['6'] },
    columns: [
      { field: 'amount', start: 8, length: 10 },
      { field: 'accountNo', start: 27, length: 10 },
      { field: 'paymentDate', start: 47, length: 6 },
    ],
    footer: { count: { line: 1, start: 2, length: 3 }, total: { line: 1, start: 5, length: 10 } },
  },
  {
    name: 'fixed ebcdic',
    format: 'fixed',
    dateFormat: 'yyMMdd',
    encoding: 'ebcdic',
    columns: [
      { field: 'amount', start: 1, length: 10 },
      { field: 'billNo', start: 11, length: 8 },
    ],
  },
  { name: 'bai2', format: 'bai2' },
  { name: 'bai2 utf-16be', format: 'bai2', encoding: 'utf-16be' },
];

/** What is wrong with a result's shape (plain checks: a fuzz run makes millions of them). */
function shapeViolations(result: ParseResult): string[] {
  const bad: string[] = [];
  if (!Array.isArray(result.rows) || !Array.isArray(result.fileErrors))
    return ['rows or fileErrors is not an array'];
  if (!Array.isArray(result.header.raw) || !Array.isArray(result.footer.raw))
    bad.push('header/footer raw missing');
  for (const problem of result.fileErrors) {
    if (!Number.isInteger(problem.line) || problem.line < 0) bad.push(`file problem line ${problem.line}`);
    if (typeof problem.reason !== 'string' || problem.reason === '')
      bad.push('file problem without a reason');
    if (/could not be parsed/.test(problem.reason)) bad.push(`parser threw: ${problem.reason}`);
  }
  for (const row of result.rows) {
    if (!Number.isInteger(row.line) || row.line < 1) bad.push(`row line ${row.line}`);
    if (typeof row.values.custom !== 'object') bad.push('row without custom values');
    const amountMinor = row.values.amountMinor;
    if (amountMinor !== undefined && !Number.isSafeInteger(amountMinor)) bad.push(`amount ${amountMinor}`);
    const date = row.values.paymentDate;
    if (date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(date)) bad.push(`date ${date}`);
    if (row.problems.some((p) => typeof p.column !== 'string' || typeof p.reason !== 'string'))
      bad.push('bad problem');
  }
  if (result.rows.length === 0 && result.fileErrors.length === 0 && !controlsSayEmpty(result))
    bad.push('no rows and no file problem');
  return bad.slice(0, 5);
}

/** Parses and checks the result is well-formed, came back in time, and no parser bug was caught. */
function parseChecked(bytes: Uint8Array, template: BankFileTemplateInput, previewRows?: number): ParseResult {
  // CPU time, not wall time: the budget catches a parser that blows up, not a machine busy with other work.
  const started = process.cpuUsage();
  const result = parseBankFile(bytes, template, { exponent: 2, previewRows });
  const used = process.cpuUsage(started);
  const elapsed = (used.user + used.system) / 1000;
  if (elapsed >= BUDGET_MS) throw new Error(`${template.name} took ${Math.round(elapsed)} ms of CPU`);
  const bad = shapeViolations(result);
  if (bad.length > 0) throw new Error(`${template.name}: ${bad.join('; ')}`);
  return result;
}

const samples = [
  readFileSync(join(STANDARDS, 'bai2/valid/sample1.txt')),
  readFileSync(join(STANDARDS, 'bai2/valid/sample2.txt')),
  readFileSync(join(STANDARDS, 'bai2/valid/sample3.txt')),
  readFileSync(join(STANDARDS, 'lockbox/valid/test_lockbox.bai')),
  utf8(
    'A1,19.95,05/11/1999,"Smith, John"\r\nA2,"1,234.50",02/30/2024,"Multi\nline"\nA3,(5.00),12/31/1999,x\n',
  ),
];

const template = fc.constantFrom(...TEMPLATES);
const bankishText = fc
  .array(
    fc.constantFrom(
      ',',
      ';',
      '\t',
      '|',
      '"',
      '""',
      '\n',
      '\r\n',
      '\r',
      '/',
      ' ',
      '0',
      '1',
      '9',
      '.',
      '-',
      '(',
      ')',
      'A',
      'é',
      '€',
      '01,',
      '02,',
      '03,',
      '16,',
      '49,',
      '88,',
      '98,',
      '99,',
      '12/31/1999',
      '1,234.56',
      '\u0000',
      '\ufeff',
    ),
    { maxLength: 400 },
  )
  .map((parts) => parts.join(''));

describe('fuzz: parseBankFile never throws and always explains itself', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), template, (bytes, t) => {
        parseChecked(bytes, t);
      }),
      { numRuns: 300 },
    );
  });

  it('random bank-like text in every encoding', () => {
    fc.assert(
      fc.property(bankishText, template, (text, t) => {
        parseChecked(utf8(text), t);
        parseChecked(Uint8Array.from([0xff, 0xfe, ...iconv.encode(text, 'utf-16le')]), t);
        parseChecked(encodeEbcdic037(text), t);
      }),
      { numRuns: 200 },
    );
  });

  it('truncated sample files', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), template, (sample, cut, t) => {
        const truncated = sample.subarray(0, cut % (sample.length + 1));
        parseChecked(truncated, t);
      }),
      { numRuns: 300 },
    );
    // A BAI2 file cut anywhere before its trailer always says so.
    const bai2 = samples[0] as Uint8Array;
    for (let cut = 0; cut < bai2.length - 30; cut += 37) {
      const result = parseChecked(bai2.subarray(0, cut), { name: 'bai2', format: 'bai2' });
      expect(result.fileErrors.length).toBeGreaterThan(0);
    }
  });

  it('sample files with bytes changed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samples),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 10 }),
        template,
        (sample, edits, t) => {
          const bytes = Uint8Array.from(sample);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          parseChecked(bytes, t, 3);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('fuzz: hand-made hostile files', () => {
  const all = (bytes: Uint8Array) => TEMPLATES.map((t) => parseChecked(bytes, t));

  it('empty, BOM-only and line-break-only files', () => {
    for (const bytes of [
      new Uint8Array(),
      Uint8Array.from([0xef, 0xbb, 0xbf]),
      Uint8Array.from([0xff, 0xfe]),
      Uint8Array.from([0xfe, 0xff]),
      utf8('\r'),
      utf8('\n'.repeat(100_000)),
      utf8('\r\n'.repeat(50_000)),
    ]) {
      all(bytes);
      // Read as UTF-16, a run of line breaks is valid text (U+0A0A), so only byte-oriented templates see blank lines.
      for (const t of TEMPLATES.filter((t) => !String(t.encoding).startsWith('utf-16'))) {
        expect(parseChecked(bytes, t).rows).toEqual([]);
      }
    }
  });

  it('a 10 MB single line', () => {
    const line = new Uint8Array(10 * 1024 * 1024).fill(0x31);
    for (const result of all(line)) {
      expect(result.rows).toEqual([]);
      expect(result.fileErrors[0]?.reason).toMatch(/characters long; the limit is/);
    }
  });

  it('50,000 columns', () => {
    const wide = utf8('A1,' + Array.from({ length: 50_000 }, (_, i) => String(i % 10)).join(','));
    expect(parseChecked(wide, TEMPLATES[0] as BankFileTemplateInput).fileErrors).toEqual([
      { line: 1, reason: 'line 1 has 50001 columns; the limit is 10000' },
    ]);
    const bai2 = utf8(`01,A,B,240101,1200,1,,,2/\n02,B,A,1,240101,,USD,2/\n03,1${',1'.repeat(50_000)}/\n`);
    expect(parseChecked(bai2, { name: 'bai2', format: 'bai2' }).fileErrors[0]?.reason).toMatch(
      /the limit is 10000/,
    );
    all(wide);
  });

  it('mixed line endings', () => {
    const text = 'A1,1.00,01/02/2024,x\rA2,2.00,01/02/2024,y\r\nA3,3.00,01/02/2024,z\n\rA4,4.00,01/02/2024,w';
    const result = parseChecked(utf8(text), TEMPLATES[0] as BankFileTemplateInput);
    expect(result.fileErrors).toEqual([]);
    expect(result.rows.map((row) => [row.line, row.values.amountMinor])).toEqual([
      [1, 100],
      [2, 200],
      [3, 300],
      [5, 400],
    ]);
    all(utf8(text));
  });

  it('wrong encodings are file errors, not garbage rows', () => {
    const csv = 'A1,1.00,01/02/2024,Zoë €\n';
    const t = TEMPLATES[0] as BankFileTemplateInput;
    const cases: [Uint8Array, BankFileTemplateInput][] = [
      [iconv.encode(csv, 'utf-16le'), { ...t, encoding: 'utf-8' }],
      [iconv.encode(csv, 'utf-16le'), { ...t, encoding: 'windows-1252' }],
      [iconv.encode(csv, 'win1252'), { ...t, encoding: 'utf-8' }],
      [iconv.encode(csv, 'win1252'), { ...t, encoding: 'auto' }],
      [encodeEbcdic037(csv), { ...t, encoding: 'auto' }],
      [utf8(csv), { ...t, encoding: 'ebcdic' }],
      [utf8(csv + 'x'), { ...t, encoding: 'utf-16le' }],
      [Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(csv)]), { ...t, encoding: 'utf-16be' }],
    ];
    for (const [bytes, template] of cases) {
      const result = parseChecked(bytes, template);
      expect(result.rows, `${template.encoding}`).toEqual([]);
      expect(result.fileErrors).toHaveLength(1);
    }
  });

  it('quote storms and an unterminated quote', () => {
    all(utf8('"'.repeat(500_000)));
    all(utf8('"a,' + 'b\n'.repeat(200_000)));
    all(utf8('a,"b""c"d,e\n'.repeat(20_000)));
  });

  it('many lines of garbage', () => {
    const garbage = utf8(Array.from({ length: 100_000 }, (_, i) => `garbage ${i} ;; //`).join('\n'));
    for (const result of all(garbage)) expect(result.fileErrors.length).toBeGreaterThan(0);
  });
});
