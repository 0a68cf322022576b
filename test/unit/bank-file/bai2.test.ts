import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBankFile } from '../../../src-main/importers/bank-file/parse-bank-file';

const BAI2 = fileURLToPath(new URL('../../../../shared/standards/bai2', import.meta.url));
const template = { name: 'BAI2', format: 'bai2' } as const;
const read = (name: string) => readFileSync(join(BAI2, name));
const parse = (bytes: Uint8Array) => parseBankFile(bytes, template, { exponent: 2 });
const parseText = (text: string) => parse(new TextEncoder().encode(text));

describe('BAI2 sample files', () => {
  it('sample1 (CAD, value-dated): 17 details, control totals agree', () => {
    const r = parse(read('valid/sample1.txt'));
    expect(r.fileErrors).toEqual([]);
    expect(r.rows).toHaveLength(17);
    expect(r.header.date).toBe('2006-03-17');
    expect(r.header.raw[0]).toBe('01,0004,12345,060321,0829,001,80,1,2/');
    expect(r.footer.raw).toEqual(['99,+00000000001280000,1,27/']);
    const credits = r.rows.filter((row) => (row.values.amountMinor ?? 0) > 0);
    expect(credits.reduce((sum, row) => sum + (row.values.amountMinor ?? 0), 0)).toBe(208500 + 111500);
    expect(r.rows[0]).toMatchObject({
      line: 5,
      values: {
        accountNo: '10200123456',
        currency: 'CAD',
        amountMinor: -2500,
        paymentDate: '2006-03-17',
        custom: { typeCode: '409', fundsType: 'V', valueDate: '2006-03-16', text: 'RETURNED CHEQUE' },
      },
      problems: [],
    });
    expect(r.rows[3]?.values).toMatchObject({ amountMinor: 203500, payerName: 'TFR 1020 0345678' });
  });

  it('sample2 (the spec example): S and D funds types, 88 continuations, four groups', () => {
    const r = parse(read('valid/sample2.txt'));
    expect(r.fileErrors).toEqual([]);
    expect(r.rows.map((row) => row.values.amountMinor)).toEqual([450000, 500000, 20000000, 10000000]);
    expect(r.rows[1]?.values.custom.text).toBe('LOCK BOX NO.68751');
    expect(r.rows[2]).toMatchObject({
      line: 16,
      values: {
        reference: 'YRC065321',
        custom: {
          bankReference: 'SP4738',
          valueDate: '2004-06-22',
          text: 'PROCEEDS OF LETTER OF CREDIT FROM THE ARAMCO OIL CO',
        },
      },
    });
    expect(r.rows[0]?.values.currency).toBe('USD');
  });

  it('sample3: several records per line and text wrapped across lines', () => {
    const r = parse(read('valid/sample3.txt'));
    expect(r.fileErrors).toEqual([]);
    expect(r.rows).toHaveLength(26);
    expect(
      r.rows.slice(0, 2).map((row) => [row.line, row.values.amountMinor, row.values.custom.text]),
    ).toEqual([
      [3, 2500, 'TRANSFER   PAYPAL             PPD'],
      [3, 500, 'TRANSFER   MSPBNA BANK        PPD'],
    ]);
    expect(r.rows.find((row) => row.line === 39)?.values.payerName).toBe(
      'Wire Transfer Credit          VISA INTERNATIONAL            900 METRO CENTER BLVD FOSTER CITY       CA 94404',
    );
  });

  it('sample4/sample5: every detail is read, and their contradicting trailers are file errors', () => {
    for (const [name, details] of [
      ['valid/sample4-continuations-newline-delimited.txt', 17],
      ['valid/sample5-issue113.txt', 20],
    ] as const) {
      const r = parse(read(name));
      expect(r.rows).toHaveLength(details);
      expect(r.rows.every((row) => row.problems.length === 0)).toBe(true);
      const reasons = r.fileErrors.map((p) => p.reason);
      expect(reasons).toContain(
        'line 22: account 107049932 control total is -1260161341762 but its amounts add up to 7999960',
      );
      expect(reasons.some((s) => s.includes('group trailer says 4 accounts but the group has 5'))).toBe(true);
    }
    const r5 = parse(read('valid/sample5-issue113.txt'));
    // A '/' inside a customer reference does not end the record.
    expect(r5.rows[2]?.values.reference).toBe('AB/GS/RPFILERP0001/RPBA0001');
    expect(r5.rows.find((row) => row.values.custom.typeCode === '475')?.values.checkNo).toBe('01030340329');
  });

  it('the invalid sample is a clear file error', () => {
    const r = parse(read('invalid/sample-parseError.txt'));
    expect(r.rows).toEqual([]);
    expect(r.fileErrors).toEqual([
      { line: 1, reason: 'line 1: record code 00 is not a BAI2 record code' },
      { line: 0, reason: 'the file has no data rows' },
    ]);
  });
});

describe('BAI2 control checks', () => {
  const sample1 = read('valid/sample1.txt').toString('utf8');

  it('names both numbers when an account control total is wrong, and flags only that trailer', () => {
    const r = parseText(sample1.replace('49,+00000000000834000,14/', '49,+00000000000834100,14/'));
    expect(r.fileErrors).toEqual([
      {
        line: 16,
        reason: 'line 16: account 10200123456 control total is 834100 but its amounts add up to 834000',
      },
    ]);
  });

  it('an edited amount contradicts every trailer above it', () => {
    const r = parseText(
      sample1.replace(
        '16,108,000000000002500,V,060316,,,,MACLEOD',
        '16,108,000000000002600,V,060316,,,,MACLEOD',
      ),
    );
    expect(r.fileErrors.map((p) => p.reason)).toEqual([
      'line 16: account 10200123456 control total is 834000 but its amounts add up to 834100',
      'line 26: group control total is 1280000 but its accounts add up to 1280100',
      'line 27: file control total is 1280000 but the groups add up to 1280100',
    ]);
  });

  it('checks record counts in 49, 98 and 99', () => {
    const r = parseText(
      sample1.replace('49,+00000000000446000,9/', '49,+00000000000446000,8/').replace(',1,27/', ',1,28/'),
    );
    expect(r.fileErrors.map((p) => p.reason)).toEqual([
      'line 25: account 10200123456 trailer says 8 records but the account has 9',
      'line 27: file trailer says 28 records but the file has 27',
    ]);
  });

  it('a truncated file lacks its trailers', () => {
    const truncated = sample1.split('\n').slice(0, 20).join('\n');
    const r = parseText(truncated);
    expect(r.rows.length).toBeGreaterThan(0);
    expect(r.fileErrors.map((p) => p.reason)).toContain(
      'missing file trailer (99): the file is truncated or incomplete',
    );
  });

  it('details outside an account, unknown lines and a wrong version are file errors', () => {
    const r = parseText('01,A,B,240101,1200,1,,,3/\nHELLO\n16,115,100,,,,x/\n99,0,0,3/\n');
    expect(r.fileErrors.map((p) => p.reason)).toEqual([
      'line 2 is not a BAI2 record: "HELLO"',
      'line 1: version "3"; only BAI2 (version 2) files are supported',
      'line 3: transaction detail (16) outside an account',
      'the file has no data rows',
    ]);
  });

  it('marks unreadable detail amounts as row problems', () => {
    const text = [
      '01,A,B,240101,1200,1,,,2/',
      '02,B,A,1,240101,,USD,2/',
      '03,123,,/',
      '16,115,12x4,Z,,,PAYER ONE/',
      '16,475,1000,0,BR1,000123/',
      '49,1000,4/',
      '98,1000,1,6/',
      '99,1000,1,8/',
    ].join('\n');
    const r = parseText(text);
    expect(r.fileErrors).toEqual([]);
    expect(r.rows[0]?.problems).toEqual([
      { column: 'amount', reason: '"12x4" is not an unsigned whole number of minor units' },
    ]);
    expect(r.rows[1]?.values).toMatchObject({ amountMinor: -1000, checkNo: '000123', reference: '000123' });
  });
});
