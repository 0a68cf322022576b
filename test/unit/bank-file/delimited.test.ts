import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { parseBankFile } from '../../../src-main/importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../../src-main/importers/bank-file/template';

const utf8 = (s: string) => new TextEncoder().encode(s);

const base = {
  name: 'csv',
  format: 'delimited',
  delimiter: ',',
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
    { field: 'checkNo', index: 3 },
  ],
} satisfies BankFileTemplateInput;

describe('delimited files', () => {
  it('reads the Payment Tool sample with a column header', () => {
    const file = [
      'Account Number,Payment Amount,Date,Check Number',
      '0001001,19.95,5/11/1999,1250',
      '0001002,19.95,5/11/1999,1251',
      '0001003,19.95,5/11/1999,1254',
      '',
    ].join('\r\n');
    const r = parseBankFile(utf8(file), { ...base, hasColumnHeader: true }, { exponent: 2 });
    expect(r.fileErrors).toEqual([]);
    expect(r.rows).toHaveLength(3);
    expect(r.rows[0]).toEqual({
      line: 2,
      fields: { accountNo: '0001001', amount: '19.95', paymentDate: '5/11/1999', checkNo: '1250' },
      values: {
        accountNo: '0001001',
        amountMinor: 1995,
        paymentDate: '1999-05-11',
        checkNo: '1250',
        custom: {},
      },
      problems: [],
    });
    expect(r.rows[2]?.values.checkNo).toBe('1254');
  });

  it.each([
    [',', 'comma'],
    ['\t', 'tab'],
    [';', 'semicolon'],
    ['|', 'pipe'],
    [' ', 'space'],
    ['#', 'hash'],
  ])('splits on %j (%s)', (delimiter) => {
    const file =
      ['A1', '10.00', '01/02/2024', '77'].join(delimiter) +
      '\n' +
      ['A2', '5', '01/03/2024', '78'].join(delimiter);
    const r = parseBankFile(utf8(file), { ...base, delimiter }, { exponent: 2 });
    expect(r.fileErrors).toEqual([]);
    expect(r.rows.map((row) => [row.values.accountNo, row.values.amountMinor, row.values.checkNo])).toEqual([
      ['A1', 1000, '77'],
      ['A2', 500, '78'],
    ]);
  });

  it('reads decimal comma with dot thousands, semicolon-delimited', () => {
    const file = 'A1;1.234,56;01.02.2024\nA2;-987,00;29.02.2024\nA3;1.23;01.02.2024\n';
    const r = parseBankFile(
      utf8(file),
      {
        ...base,
        delimiter: ';',
        dateFormat: 'dd.MM.yyyy',
        decimalSeparator: ',',
        thousandsSeparator: '.',
        columns: base.columns.slice(0, 3),
      },
      { exponent: 2 },
    );
    expect(r.rows.map((row) => row.values.amountMinor)).toEqual([123456, -98700, undefined]);
    expect(r.rows[1]?.values.paymentDate).toBe('2024-02-29');
    expect(r.rows[2]?.problems).toEqual([
      { column: 'amount', reason: '"1.23" has misplaced thousands separators' },
    ]);
  });

  it('keeps quoted "Last, First", doubled quotes and line breaks inside quotes', () => {
    const file = 'A1,1.00,"Smith, John","He said ""hi"""\nA2,2.00,"Line one\nline two",x\nA3,3.00,Plain,y\n';
    const r = parseBankFile(
      utf8(file),
      {
        ...base,
        columns: [
          { field: 'accountNo', index: 0 },
          { field: 'amount', index: 1 },
          { field: 'payerName', index: 2 },
          { field: 'reference', index: 3 },
        ],
      },
      { exponent: 2 },
    );
    expect(r.fileErrors).toEqual([]);
    expect(r.rows.map((row) => [row.line, row.values.payerName, row.values.reference])).toEqual([
      [1, 'Smith, John', 'He said "hi"'],
      [2, 'Line one\nline two', 'x'],
      [4, 'Plain', 'y'],
    ]);
  });

  it('handles mixed CRLF, LF and CR line endings with correct line numbers', () => {
    const file =
      'A1,1,01/01/2024,1\r\nA2,2,01/01/2024,2\nA3,3,01/01/2024,3\rA4,4,01/01/2024,4\r\n\r\nA5,5,01/01/2024,5';
    const r = parseBankFile(utf8(file), base, { exponent: 0 });
    expect(r.fileErrors).toEqual([]);
    expect(r.rows.map((row) => [row.line, row.values.amountMinor, row.fields.checkNo])).toEqual([
      [1, 1, '1'],
      [2, 2, '2'],
      [3, 3, '3'],
      [4, 4, '4'],
      [6, 5, '5'],
    ]);
  });

  it('reads a UTF-8 BOM, UTF-16LE with BOM and windows-1252 files alike', () => {
    const text = 'A1,12.50,01/02/2024,1,José Müller €\n';
    const template = {
      ...base,
      columns: [...base.columns, { field: 'payerName', index: 4 }],
    } satisfies BankFileTemplateInput;
    const variants: [Uint8Array, 'auto' | 'windows-1252'][] = [
      [Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(text)]), 'auto'],
      [Uint8Array.from([0xff, 0xfe, ...iconv.encode(text, 'utf-16le')]), 'auto'],
      [iconv.encode(text, 'win1252'), 'windows-1252'],
    ];
    for (const [bytes, encoding] of variants) {
      const r = parseBankFile(bytes, { ...template, encoding }, { exponent: 2 });
      expect(r.fileErrors).toEqual([]);
      expect(r.rows[0]?.values).toMatchObject({
        accountNo: 'A1',
        amountMinor: 1250,
        payerName: 'José Müller €',
      });
    }
  });

  it('marks row-level problems but keeps the row', () => {
    const file = 'A1,abc,01/02/2024,1\nA2,1.005,02/30/2024,2\n,5.00,01/02/2024,3\nA4,,01/02/2024,4\nA5\n';
    const r = parseBankFile(utf8(file), base, { exponent: 2 });
    expect(r.fileErrors).toEqual([]);
    expect(r.rows.map((row) => row.problems)).toEqual([
      [{ column: 'amount', reason: '"abc" is not an amount' }],
      [
        { column: 'amount', reason: '"1.005" has 3 decimals; the currency allows 2' },
        { column: 'paymentDate', reason: '"02/30/2024" is not a real date (2024-02 has no day 30)' },
      ],
      [{ column: 'accountNo', reason: 'no account number, bill number or payment ID' }],
      [{ column: 'amount', reason: 'amount is empty' }],
      [
        { column: 'amount', reason: 'missing: the row has 1 column(s); amount is column 2' },
        { column: 'paymentDate', reason: 'missing: the row has 1 column(s); paymentDate is column 3' },
        { column: 'checkNo', reason: 'missing: the row has 1 column(s); checkNo is column 4' },
      ],
    ]);
  });

  it('reads reversals by payment ID, and custom, currency and channel fields', () => {
    const r = parseBankFile(
      utf8('P-77,,eur,3,BR-9\n'),
      {
        ...base,
        columns: [
          { field: 'paymentId', index: 0 },
          { field: 'amount', index: 1 },
          { field: 'currency', index: 2 },
          { field: 'channel', index: 3 },
          { field: 'custom:branch', index: 4 },
        ],
      },
      { exponent: 2 },
    );
    expect(r.rows[0]).toMatchObject({
      values: { paymentId: 'P-77', currency: 'EUR', channel: '3', custom: { branch: 'BR-9' } },
      problems: [],
    });
  });

  it('reports a consistently wrong column count as a file error and suggests the delimiter', () => {
    const file = 'A1;1.00;01/02/2024;1\nA2;2.00;01/02/2024;2\nA3;3.00;01/02/2024;3\n';
    const r = parseBankFile(utf8(file), base, { exponent: 2 });
    expect(r.fileErrors).toEqual([
      {
        line: 0,
        reason:
          "wrong layout: 3 of 3 rows do not have the 4 column(s) the template needs (most have 1) with delimiter ','; " +
          "the file looks ';'-delimited",
      },
    ]);
  });

  it('flags rows that differ from a declared column count', () => {
    const file = 'A1,1,01/02/2024,1\nA2,2,01/02/2024,2,extra\nA3,3,01/02/2024,3\n';
    const r = parseBankFile(utf8(file), { ...base, columnCount: 4 }, { exponent: 2 });
    expect(r.fileErrors).toEqual([]);
    expect(r.rows[1]?.problems).toEqual([
      { column: '*', reason: 'the row has 5 column(s); the template expects 4' },
    ]);
  });

  it('reports an unterminated quote as a file error', () => {
    const r = parseBankFile(utf8('A1,1,01/02/2024,1\nA2,"2,01/02/2024,2\nA3,3,01/02/2024,3\n'), base, {
      exponent: 2,
    });
    expect(r.rows).toHaveLength(1);
    expect(r.fileErrors).toEqual([
      { line: 2, reason: 'unterminated quoted field starting at line 2: the rest of the file is one field' },
    ]);
  });

  it('skips lines that fail the record filter', () => {
    const file = 'H,batch 7\nD,A1,1.00\nD,A2,2.00\nT,2,3.00\n';
    const r = parseBankFile(
      utf8(file),
      {
        ...base,
        recordFilter: { index: 0, equals: ['D'] },
        columns: [
          { field: 'accountNo', index: 1 },
          { field: 'amount', index: 2 },
        ],
      },
      { exponent: 2 },
    );
    expect(r.rows.map((row) => row.values.amountMinor)).toEqual([100, 200]);
  });
});
