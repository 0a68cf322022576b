import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkNacha,
  looksLikeNacha,
  nachaReader,
  nachaReturns,
} from '../../../src-main/bankfiles/nacha/read';
import { writeNacha, type NachaFileInput } from '../../../src-main/bankfiles/nacha/write';
import { READERS, detectReader } from '../../../src-main/bankfiles/readers';

const ACH = resolve(process.cwd(), '../shared/standards/ach');
const read = (rel: string): string => readFileSync(join(ACH, rel), 'latin1');

describe('NACHA sample files (standards/ach, from moov-io/ach)', () => {
  // entries, debit cents, credit cents: read off each file's file control record by hand
  it.each([
    ['valid/20110805A.ach', 48, 5101000, 200],
    ['valid/cor-example.ach', 1, 0, 0],
    ['valid/ppd-debit-fixedLength.ach', 1, 10500, 0],
    ['valid/ppd-debit.ach', 1, 100000000, 0],
    ['valid/ppd-mixedDebitCredit.ach', 3, 200000000, 200000000],
    ['valid/return-WEB.ach', 2, 12354, 4565],
    ['valid/two-micro-deposits.ach', 6, 120, 120],
    ['valid/web-debit.ach', 6, 15000, 26820],
  ])('%s is valid with its totals', (file, entries, debitMinor, creditMinor) => {
    const text = read(file);
    expect(looksLikeNacha(text)).toBe(true);
    const c = checkNacha(text);
    expect(c.problems).toEqual([]);
    expect(c).toMatchObject({ format: 'nacha', valid: true, entries });
    expect(c.totals).toEqual({
      count: entries,
      totalMinor: debitMinor + creditMinor,
      debitMinor,
      creditMinor,
      currency: 'USD',
      byCurrency: [{ currency: 'USD', count: entries, debitMinor, creditMinor }],
    });
  });

  it('ppd-debit.ach (right-trimmed lines) is valid with a warning per short line', () => {
    const c = checkNacha(read('valid/ppd-debit.ach'));
    expect(c.warnings).toEqual([
      { line: 1, reason: 'line is 75 characters, not 94; padded with blanks' },
      { line: 5, reason: 'line is 55 characters, not 94; padded with blanks' },
    ]);
  });

  it('20110805A.ach (no 9-fill, batches numbered 1,3,4,5 with a batch count of 5) is valid with a warning', () => {
    const c = checkNacha(read('valid/20110805A.ach'));
    expect(c.warnings.map((w) => w.reason)).toContain(
      'file control batch count is 5 (the last batch number) but the file has 4 batches: batch numbers skip',
    );
  });

  it.each([
    ['lenient/short-line.ach', 5, /line is 74 characters, not 94; padded/],
    ['lenient/long-line.ach', 3, /line is 98 characters, not 94; the blanks after position 94 are ignored/],
  ])('%s is accepted with a warning', (file, line, reason) => {
    const c = checkNacha(read(file));
    expect(c.valid).toBe(true);
    expect(c.totals.debitMinor).toBe(100000000);
    expect(c.warnings.find((w) => w.line === line)?.reason).toMatch(reason);
  });

  it.each([
    [
      'invalid/ppd-debit-invalid-entryDetail-checkDigit.ach',
      3,
      /RDFI routing number 231380105: check digit is 5, should be 4/,
    ],
    ['invalid/ppd-debit-fixedLengthInvalid.ach', 1, /471 characters, 1 left over .* must be 94 characters/],
    ['invalid/web-invalidNOCFile.ach', 4, /change code .* 'C92' is not a NACHA change code/],
    ['invalid/20110729A-invalid.ach', 1, /record size \(positions 35-37\) must be 094, found '941'/],
    [
      'invalid/20110729A-invalid.ach',
      2,
      /standard entry class code \(positions 51-53\) 'PDT' is not a NACHA SEC code/,
    ],
    [
      'invalid/invalid-two-micro-deposits.ach',
      15,
      /amount \(positions 30-39\) '00CCC00004' must be 10 digits/,
    ],
    [
      'invalid/ppd-mixedDebitCredit-invalid.ach',
      1,
      /immediate origin .* '000TESTER' is not a 9-digit routing number/,
    ],
    [
      'invalid/return-no-batch-controls.ach',
      4,
      /a batch header while batch 1 \(line 1\) has no batch control/,
    ],
    [
      'invalid/return-no-batch-controls.ach',
      1,
      /starts with a file header \(record type 1\), found record type '5'/,
    ],
    [
      'invalid/NACHA_SAMPLE_TEL_REVERSAL.ach',
      3,
      /TEL batch: transaction code 22 is a credit; TEL allows debits only/,
    ],
    ['invalid/NACHA_SAMPLE_TEL_REVERSAL.ach', 5, /TEL batch: service class must be 225/],
  ])('%s is refused (line %i)', (file, line, reason) => {
    const text = read(file);
    expect(detectReader(text)).toBe(nachaReader);
    const c = checkNacha(text);
    expect(c.valid).toBe(false);
    expect(c.problems.filter((p) => p.line === line).map((p) => p.reason)).toEqual(
      expect.arrayContaining([expect.stringMatching(reason)]),
    );
  });
});

describe('returns and notifications of change', () => {
  it('return-WEB.ach gives two returns with the original trace, amount, code and reason name', () => {
    const r = nachaReturns(read('valid/return-WEB.ach'));
    expect(r.problems).toEqual([]);
    expect(r.changes).toEqual([]);
    expect(r.items).toEqual([
      {
        ref: { traceNumber: '091400600000001', accountNo: '123456789' },
        amountMinor: 12354,
        currency: 'USD',
        kind: 'return',
        code: 'R01',
        text: 'Insufficient Funds',
        date: '2000-01-01',
        line: 4,
      },
      {
        ref: { traceNumber: '091400600000003', accountNo: '867530999999' },
        amountMinor: 4565,
        currency: 'USD',
        kind: 'return',
        code: 'R03',
        text: 'No Account/Unable to Locate Account',
        date: '2000-01-01',
        line: 8,
      },
    ]);
  });

  it('cor-example.ach gives a C01 with the corrected account number', () => {
    const r = nachaReturns(read('valid/cor-example.ach'));
    expect(r.items).toEqual([]);
    expect(r.changes).toEqual([
      {
        ref: { traceNumber: '121042880000001', accountNo: '744-5678-99' },
        code: 'C01',
        correctedData: '1918171614',
        corrected: { accountNo: '1918171614' },
        line: 4,
      },
    ]);
  });

  /** cor-example.ach with its addenda 98 given another change code and corrected data. */
  function cor(code: string, data: string): string {
    const lines = read('valid/cor-example.ach').split('\n');
    const a = lines[3]!;
    lines[3] = a.slice(0, 3) + code + a.slice(6, 35) + data.padEnd(29, ' ') + a.slice(64);
    return lines.join('\n');
  }

  it.each([
    ['C02', '011000015', { routingNo: '011000015' }],
    ['C03', '011000015   12345', { routingNo: '011000015', accountNo: '12345' }],
    ['C04', 'JANE Q DOE', { name: 'JANE Q DOE' }],
    ['C05', '32', { accountType: 'savings' }],
    ['C06', '987654321'.padEnd(20) + '27', { accountNo: '987654321', accountType: 'checking' }],
    [
      'C07',
      '011000015' + '987654321'.padEnd(17) + '37',
      { routingNo: '011000015', accountNo: '987654321', accountType: 'savings' },
    ],
  ])('%s corrected data is read into fields', (code, data, corrected) => {
    const r = nachaReturns(cor(code, data));
    expect(r.problems).toEqual([]);
    expect(r.changes[0]).toMatchObject({ code, corrected });
  });

  it('refuses a corrected routing number with a bad check digit and an unknown change code', () => {
    expect(nachaReturns(cor('C02', '011000016')).problems[0]?.reason).toMatch(
      /C02: corrected routing number '011000016'/,
    );
    expect(nachaReturns(cor('C10', '1234')).problems[0]?.reason).toMatch(/'C10' is not a NACHA change code/);
  });

  it('refuses an unknown return reason code and warns about entries that are not returns', () => {
    const text = read('valid/return-WEB.ach').replace('799R01', '799R99');
    expect(nachaReturns(text).problems).toEqual([
      { line: 4, reason: "return reason code (positions 4-6) 'R99' is not a NACHA return code" },
    ]);
    const plain = nachaReturns(read('valid/ppd-mixedDebitCredit.ach'));
    expect(plain.items).toEqual([]);
    expect(plain.warnings).toEqual([
      { line: 1, reason: '3 entries carry neither a return nor a change addenda; ignored' },
    ]);
  });
});

const base: NachaFileInput = {
  immediateDestination: '231380104',
  immediateDestinationName: 'FEDERAL RESERVE BANK',
  immediateOrigin: '121042882',
  immediateOriginName: 'PAYDESK',
  createdAt: '2026-12-03T15:00:00Z',
  fileIdModifier: 'A',
  batches: [
    {
      secCode: 'PPD',
      companyName: 'PAYDESK UTILITY',
      companyId: '1234567890',
      entryDescription: 'BILL PAY',
      effectiveDate: '2026-12-07',
      odfiRouting: '121042882',
      entries: [
        {
          transactionCode: 27,
          routingNo: '011000015',
          accountNo: '1001',
          amountMinor: 12345,
          individualId: 'ACC-1',
          name: 'ADA LOVELACE',
          addenda: 'INVOICE 1',
        },
        {
          transactionCode: 37,
          routingNo: '231380104',
          accountNo: '1002',
          amountMinor: 500,
          individualId: 'ACC-2',
          name: 'ALAN TURING',
        },
        {
          transactionCode: 28,
          routingNo: '231380104',
          accountNo: '1003',
          amountMinor: 0,
          individualId: 'ACC-3',
          name: 'GRACE HOPPER',
        },
      ],
    },
    {
      secCode: 'CCD',
      companyName: 'PAYDESK UTILITY',
      companyId: '1234567890',
      entryDescription: 'REFUND',
      effectiveDate: '2026-12-07',
      odfiRouting: '121042882',
      entries: [
        {
          transactionCode: 22,
          routingNo: '011000015',
          accountNo: '2001',
          amountMinor: 999,
          individualId: 'R-1',
          name: 'ACME CORP',
        },
      ],
    },
  ],
};

describe('reading back what writeNacha wrote', () => {
  const text = writeNacha(base).text;
  const lines = text.slice(0, -1).split('\n');

  it('is valid with the same totals and no warnings', () => {
    const c = checkNacha(text);
    expect(c.problems).toEqual([]);
    expect(c.warnings).toEqual([]);
    expect(c.entries).toBe(4);
    expect(c.totals).toMatchObject({
      debitMinor: 12845,
      creditMinor: 999,
      totalMinor: 13844,
      currency: 'USD',
    });
  });

  /** The written file with line n (1-based) changed. */
  const edit = (n: number, f: (l: string) => string): string =>
    lines.map((l, i) => (i === n - 1 ? f(l) : l)).join('\n') + '\n';
  const at = (l: string, pos: number, v: string): string =>
    l.slice(0, pos - 1) + v + l.slice(pos - 1 + v.length);
  const ctl = lines.findIndex((l) => l.startsWith('8')) + 1;
  const fileCtl = lines.findIndex((l) => l.startsWith('9')) + 1;

  it.each([
    [
      'batch entry hash',
      ctl,
      (l: string) => at(l, 11, '0000000001'),
      /batch 1: batch control entry hash is 1 but the batch has 47376021/,
    ],
    [
      'batch debit total',
      ctl,
      (l: string) => at(l, 21, '000000012346'),
      /batch control total debit amount is 12346 but the batch has 12845/,
    ],
    ['batch count', ctl, (l: string) => at(l, 5, '000003'), /entry\/addenda count is 3 but the batch has 4/],
    [
      'batch company id',
      ctl,
      (l: string) => at(l, 45, '9999999999'),
      /company identification '9999999999' differs/,
    ],
    [
      'file hash',
      fileCtl,
      (l: string) => at(l, 22, '0000000000'),
      /file control entry hash is 0 but the file has/,
    ],
    [
      'file credit total',
      fileCtl,
      (l: string) => at(l, 44, '000000000998'),
      /file control total credit amount is 998 but the file has 999/,
    ],
    [
      'block count',
      fileCtl,
      (l: string) => at(l, 8, '000003'),
      /file control block count is 3 but the file has 2/,
    ],
    ['prenote amount', 6, (l: string) => at(l, 30, '0000000001'), /amount must be zero for prenote code 28/],
    ['transaction code', 3, (l: string) => at(l, 2, '99'), /transaction code \(positions 2-3\) '99'/],
    [
      'addenda sequence',
      4,
      (l: string) => at(l, 88, '0000009'),
      /entry detail sequence number .* '0000009' is not the last 7 digits/,
    ],
    ['non-ASCII', 3, (l: string) => at(l, 55, 'É'), /position 55: character U\+00C9 is not printable ASCII/],
    [
      'control service class',
      ctl,
      (l: string) => at(l, 2, '220'),
      /service class 220 differs from the batch header's 225/,
    ],
    [
      'effective date',
      2,
      (l: string) => at(l, 70, '261307'),
      /effective entry date .* '261307' is not a date/,
    ],
    ['record type', 3, (l: string) => at(l, 1, '4'), /unknown record type '4'/],
    [
      'long line with data',
      3,
      (l: string) => l + 'X',
      /line is 95 characters: a record must be 94 characters/,
    ],
  ])('finds a wrong %s', (_n, line, f, reason) => {
    const c = checkNacha(edit(line, f));
    expect(c.valid).toBe(false);
    expect(c.problems.map((p) => `${p.line}: ${p.reason}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^${line}: .*${reason.source}`))]),
    );
  });

  it('a debit in a credits-only batch', () => {
    const c = checkNacha(edit(2, (l) => at(l, 2, '220')));
    expect(c.problems).toContainEqual({
      line: 3,
      reason: 'debit transaction code 27 in a credits-only batch (service class 220)',
    });
  });

  it('an addenda after an entry whose indicator is 0, and an entry promising an addenda that never comes', () => {
    const c = checkNacha(edit(3, (l) => at(l, 79, '0')));
    expect(c.problems).toContainEqual({
      line: 4,
      reason: 'an addenda record follows the entry on line 3, whose addenda record indicator is 0',
    });
    const d = checkNacha(edit(5, (l) => at(l, 79, '1')));
    expect(d.problems).toContainEqual({
      line: 5,
      reason: 'the addenda record indicator is 1 but no addenda record follows the entry',
    });
  });

  it('a record after the file control, a missing file control, CRLF line ends and a file without line breaks', () => {
    expect(checkNacha(text.replace(/9{94}\n$/, `${lines[2]}\n`)).problems).toContainEqual({
      line: 20,
      reason: 'a record after the file control: only 9-fill records (94 nines) may follow it',
    });
    const cut = lines.slice(0, fileCtl - 1).join('\n');
    expect(checkNacha(cut).problems.at(-1)?.reason).toMatch(/ends without a file control record/);
    expect(checkNacha(text.replace(/\n/g, '\r\n')).valid).toBe(true);
    expect(checkNacha(lines.join('')).valid).toBe(true);
    expect(checkNacha(lines.join('') + '\n').valid).toBe(true);
  });

  it('lists at most 200 problems and counts the rest', () => {
    const many = writeNacha({
      ...base,
      batches: [
        {
          ...base.batches[0]!,
          entries: Array.from({ length: 300 }, () => ({ ...base.batches[0]!.entries[1]! })),
        },
      ],
    }).text.replace(/\n637/g, '\n699');
    const c = checkNacha(many);
    expect(c.problems).toHaveLength(201);
    expect(c.problems.at(-1)?.reason).toMatch(/… and \d+ more problems/);
  });

  it('the reader seam lists the NACHA reader and detects only NACHA text', async () => {
    expect(READERS).toContain(nachaReader);
    expect(detectReader(text)).toBe(nachaReader);
    expect(detectReader('<?xml version="1.0"?><Document/>')).toBeUndefined();
    expect(detectReader('date,amount\n2026-01-01,10.00\n')).toBeUndefined();
    expect(detectReader('')).toBeUndefined();
    expect((await nachaReader.check(text)).valid).toBe(true);
  });
});

describe('robustness', () => {
  const samples = [
    'valid/web-debit.ach',
    'valid/return-WEB.ach',
    'valid/cor-example.ach',
    'valid/20110805A.ach',
  ].map(read);

  it('never throws on damaged files, and every problem names a line inside the file', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: samples.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 127 })), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (which, edits, cut) => {
          const chars = [...samples[which]!];
          for (const [at, code] of edits) chars[at % chars.length] = String.fromCharCode(code);
          let text = chars.join('');
          if (cut) text = text.slice(0, Math.floor(text.length / 2));
          const lines = text.split(/\r?\n|\r/).length;
          const c = checkNacha(text);
          const r = nachaReturns(text);
          for (const p of [...c.problems, ...c.warnings, ...r.problems]) {
            expect(p.line).toBeGreaterThanOrEqual(1);
            expect(p.line).toBeLessThanOrEqual(lines);
            expect(p.reason.length).toBeGreaterThan(5);
          }
          if (c.valid) expect(c.totals.totalMinor).toBe(c.totals.debitMinor + c.totals.creditMinor);
        },
      ),
      { numRuns: 300, seed: 14 },
    );
  });

  it('reads a file with old Mac line ends (CR only)', () => {
    expect(checkNacha(samples[0]!.replace(/\n/g, '\r')).valid).toBe(true);
  });
});
