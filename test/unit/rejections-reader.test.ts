import { describe, expect, it } from 'vitest';
import { detectReader } from '../../src-main/bankfiles/readers';
import { readRejections, rejectionsReader } from '../../src-main/bankfiles/rejections';

const HEADER = 'reference,account_no,amount,currency,rejection_code,date,text';

describe('rejection file reader', () => {
  it('is detected by its header, with or without a BOM, in any column order', () => {
    expect(detectReader(`${HEADER}\nE1,A1,1.00,EUR,AM04,,\n`)?.format).toBe('rejections');
    expect(
      detectReader(`\uFEFF"Reference","Amount","Currency","Rejection_Code"\r\nE1,1,EUR,R01\r\n`)?.format,
    ).toBe('rejections');
    expect(detectReader('account,amount\n1,2\n')).toBeUndefined();
  });

  it('reads LF and CRLF alike: amounts to minor units, codes upper-cased, quoted text kept', () => {
    const lf = `${HEADER}\nE1,ACC-1,12.50,EUR,am04,2026-11-21,"no funds, sorry"\nP42,,1000,JPY,R01,,\n`;
    const crlf = lf.replace(/\n/g, '\r\n');
    for (const text of [lf, crlf]) {
      const r = readRejections(text);
      expect(r.problems).toEqual([]);
      expect(r.items).toEqual([
        {
          ref: { instructionId: 'E1', accountNo: 'ACC-1' },
          amountMinor: 1250,
          currency: 'EUR',
          kind: 'return',
          code: 'AM04',
          text: 'no funds, sorry',
          date: '2026-11-21',
          line: 2,
        },
        {
          ref: { instructionId: 'P42', accountNo: undefined },
          amountMinor: 1000,
          currency: 'JPY',
          kind: 'return',
          code: 'R01',
          text: undefined,
          date: undefined,
          line: 3,
        },
      ]);
    }
  });

  it('lists every bad cell with its line, column and reason', () => {
    const r = readRejections(
      `${HEADER}\n,A,1.001,EUR,AM04,,\nE2,A,1.00,XXX,AM04,21/11/2026,\nE3,A,-1.00,EUR,,,\nE4,A,1.00,EUR\n`,
    );
    expect(r.items).toEqual([]);
    expect(r.problems).toEqual([
      { line: 2, path: 'reference', reason: 'the reference is empty' },
      { line: 2, path: 'amount', reason: expect.stringMatching(/decimal/i) as unknown as string },
      { line: 3, path: 'currency', reason: 'unknown currency XXX' },
      { line: 3, path: 'date', reason: '"21/11/2026" is not a date (YYYY-MM-DD)' },
      { line: 4, path: 'amount', reason: expect.any(String) as unknown as string },
      { line: 4, path: 'rejection_code', reason: '"" is not a rejection code (1-8 letters or digits)' },
      { line: 5, reason: '4 fields where the header has 7' },
    ]);
  });

  it('refuses a header without the required columns', () => {
    const r = readRejections('reference,amount,rejection_code,colour\nE1,1.00,R01,red\n');
    expect(r.problems).toEqual([
      {
        line: 1,
        path: 'colour',
        reason:
          'unknown column "colour" (expected reference,account_no,amount,currency,rejection_code,date,text)',
      },
      { line: 1, path: 'currency', reason: 'the header has no currency column' },
    ]);
  });

  it('checks a file: entries and totals per currency', async () => {
    const c = await rejectionsReader.check(`${HEADER}\nE1,,1.50,EUR,AM04,,\nE2,,2.50,EUR,MD01,,\n`);
    expect(c).toMatchObject({
      format: 'rejections',
      valid: true,
      entries: 2,
      totals: { count: 2, totalMinor: 400, currency: 'EUR' },
    });
  });
});

describe('control characters in the CSV readers', () => {
  it('a NUL byte in a rejection file or a mandate file is refused with its line, nothing read', async () => {
    const { parseMandateFile } = await import('../../src-main/bankfiles/mandates-file');
    const rej = readRejections(
      'reference,account_no,amount,currency,rejection_code,date,text\nE2E-1\u0000,,1.00,EUR,AM04,2026-12-01,x\n',
    );
    expect(rej.items).toEqual([]);
    expect(rej.problems).toEqual([
      { line: 2, reason: expect.stringMatching(/unexpected control character U\+0000 at line 2/) as unknown },
    ]);
    const man = parseMandateFile('reference,revision_code\nMD-1\u0000,B\n');
    expect(man.rows).toEqual([]);
    expect(man.problems).toEqual([
      {
        line: 2,
        column: '(file)',
        reason: expect.stringMatching(/unexpected control character U\+0000 at line 2/) as unknown,
      },
    ]);
  });
});
