import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src-main/importers/bank-file/hash';
import { parseBankFile } from '../../../src-main/importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../../src-main/importers/bank-file/template';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** A lockbox-style CSV: a two-line batch header, rows, and a trailer line with count and total. */
const batchTemplate = {
  name: 'Lockbox CSV',
  format: 'delimited',
  delimiter: ',',
  dateFormat: 'MM/dd/yyyy',
  headerLines: 2,
  footerLines: 1,
  hasColumnHeader: true,
  thousandsSeparator: ',',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'checkNo', index: 2 },
  ],
  header: {
    lockboxNo: { line: 1, index: 1 },
    date: { line: 2, index: 1 },
  },
  footer: {
    count: { line: 1, index: 1 },
    total: { line: 1, index: 2 },
  },
} satisfies BankFileTemplateInput;

function batchFile(
  count: string,
  total: string,
  rows = ['A1,10.00,101', 'A2,"1,000.50",102', 'A3,5,103'],
): string {
  return [
    'LOCKBOX,0022222',
    'DATE,05/23/2016',
    'Account,Amount,Check',
    ...rows,
    `TRAILER,${count},"${total}"`,
    '',
  ].join('\n');
}

describe('parseBankFile: header and footer', () => {
  it('maps lockbox number, date, count and total', () => {
    const r = parseBankFile(utf8(batchFile('3', '1,015.50')), batchTemplate, { exponent: 2 });
    expect(r.fileErrors).toEqual([]);
    expect(r.header).toEqual({
      lockboxNo: '0022222',
      date: '2016-05-23',
      raw: ['LOCKBOX,0022222', 'DATE,05/23/2016'],
    });
    expect(r.footer).toEqual({ count: 3, totalMinor: 101550, raw: ['TRAILER,3,"1,015.50"'] });
    expect(r.rows.map((row) => row.line)).toEqual([4, 5, 6]);
  });

  it('reports a count and a total that contradict the rows, naming both numbers', () => {
    const r = parseBankFile(utf8(batchFile('4', '1,015.49')), batchTemplate, { exponent: 2 });
    expect(r.fileErrors).toEqual([
      { line: 0, column: 'footer.count', reason: 'the footer says 4 items but the file has 3 data rows' },
      {
        line: 0,
        column: 'footer.total',
        reason: 'the footer total is 1015.49 but the rows add up to 1015.50',
      },
    ]);
    expect(r.rows).toHaveLength(3);
  });

  it('leaves the total to the zero-proof bar while some amounts cannot be read (those rows stay, invalid)', () => {
    const r = parseBankFile(
      utf8(batchFile('3', '1,015.50', ['A1,10.00,101', 'A2,1.000.50,102', 'A3,5,103'])),
      batchTemplate,
      {
        exponent: 2,
      },
    );
    expect(r.fileErrors).toEqual([]);
    expect(r.rows[1]?.problems[0]?.column).toBe('amount');
  });

  it('reports unreadable or missing header values as file problems', () => {
    const file = batchFile('three', '1,015.50').replace('DATE,05/23/2016', 'DATE,02/30/2016');
    const r = parseBankFile(utf8(file), batchTemplate, { exponent: 2 });
    expect(r.fileErrors).toEqual([
      {
        line: 2,
        column: 'header.date',
        reason: 'header date: "02/30/2016" is not a real date (2016-02 has no day 30)',
      },
      { line: 7, column: 'footer.count', reason: 'footer count: "three" is not a whole number' },
    ]);
    const short = parseBankFile(utf8('LOCKBOX\n'), batchTemplate, { exponent: 2 });
    expect(short.fileErrors.map((p) => p.reason)).toEqual([
      'header lockboxNo is missing',
      'the header has 1 line(s); header.date is on line 2',
      'the footer has 0 line(s); footer.count is on line 1',
      'the footer has 0 line(s); footer.total is on line 1',
      'the file has no data rows',
    ]);
  });
});

describe('parseBankFile: file-level checks', () => {
  const csv = {
    name: 'csv',
    format: 'delimited',
    delimiter: ',',
    dateFormat: 'yyyy-MM-dd',
    columns: [
      { field: 'billNo', index: 0 },
      { field: 'amount', index: 1 },
    ],
  } satisfies BankFileTemplateInput;

  it('an empty file, a blank file and a header-only file have no data rows', () => {
    expect(parseBankFile(new Uint8Array(), csv, { exponent: 2 }).fileErrors).toEqual([
      { line: 0, reason: 'the file is empty' },
    ]);
    expect(parseBankFile(utf8('\n\r\n  \n'), csv, { exponent: 2 }).fileErrors).toEqual([
      { line: 0, reason: 'the file has no data rows' },
    ]);
    expect(
      parseBankFile(utf8('Bill,Amount\n'), { ...csv, hasColumnHeader: true }, { exponent: 2 }).fileErrors,
    ).toEqual([{ line: 0, reason: 'the file has no data rows' }]);
  });

  it('a file cut short cannot vouch that it is empty: zero controls read from a short line do not count', () => {
    const fixed = {
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
      ],
      footer: { count: { line: 1, start: 2, length: 3 }, total: { line: 1, start: 5, length: 10 } },
    } satisfies BankFileTemplateInput;
    // The last line is the start of a batch record, cut short: "000" and "0" read as zero controls.
    const cut = parseBankFile(utf8('100ABCDEFGHIJ0099\n50000'), fixed, { exponent: 2 });
    expect(cut.fileErrors).toEqual([{ line: 0, reason: 'the file has no data rows' }]);
    const whole = parseBankFile(utf8('100ABCDEFGHIJ0099\n90000000000000\n'), fixed, { exponent: 2 });
    expect(whole.fileErrors).toEqual([]);
    expect(whole.footer).toMatchObject({ count: 0, totalMinor: 0 });
  });

  it('an undecodable file is one file problem', () => {
    const r = parseBankFile(
      iconv.encode('B1,5\nB2,€6\n', 'win1252'),
      { ...csv, encoding: 'utf-8' },
      { exponent: 2 },
    );
    expect(r.rows).toEqual([]);
    expect(r.fileErrors).toEqual([
      {
        line: 2,
        reason:
          "not valid UTF-8 at byte 8 (0x80); set the template's encoding (windows-1252, utf-16le, utf-16be or ebcdic)",
      },
    ]);
  });

  it('UTF-16 read as UTF-8 and binary data are caught as control characters', () => {
    const r = parseBankFile(
      iconv.encode('B1,5\n', 'utf-16le'),
      { ...csv, encoding: 'utf-8' },
      { exponent: 2 },
    );
    expect(r.fileErrors).toEqual([
      {
        line: 1,
        reason:
          'unexpected control character U+0000 at line 1: binary data or the wrong encoding (UTF-16 without a byte-order mark?)',
      },
    ]);
  });

  it('an over-long line and too many columns are file errors', () => {
    const long = parseBankFile(utf8('B1,' + '9'.repeat(2_000_000)), csv, { exponent: 2 });
    expect(long.fileErrors).toEqual([
      {
        line: 1,
        reason: 'line 1 is 2000003 characters long; the limit is 1048576 (not a text bank file?)',
      },
    ]);
    const wide = parseBankFile(utf8('B1,5\n' + ','.repeat(20_000) + '\n'), csv, { exponent: 2 });
    expect(wide.fileErrors).toEqual([{ line: 2, reason: 'line 2 has 20001 columns; the limit is 10000' }]);
  });

  it('preview returns the first rows but still checks the whole file', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `A${i},1.00,${i}`);
    const r = parseBankFile(utf8(batchFile('50', '49.00', rows)), batchTemplate, {
      exponent: 2,
      previewRows: 5,
    });
    expect(r.rows).toHaveLength(5);
    expect(r.fileErrors).toEqual([
      { line: 0, column: 'footer.total', reason: 'the footer total is 49.00 but the rows add up to 50.00' },
    ]);
  });

  it('maxRows stops the parse with a file error and skips the count check', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `A${i},1.00,${i}`);
    const r = parseBankFile(utf8(batchFile('50', '50.00', rows)), batchTemplate, {
      exponent: 2,
      maxRows: 10,
    });
    expect(r.rows).toHaveLength(10);
    expect(r.fileErrors).toEqual([{ line: 14, reason: 'the file has more than 10 data rows' }]);
  });

  it('an invalid template or exponent is reported, not thrown', () => {
    const r = parseBankFile(utf8('B1,5\n'), { ...csv, delimiter: undefined, columns: [] }, { exponent: 2 });
    expect(r.fileErrors.map((p) => p.column)).toEqual(['template.delimiter', 'template.columns']);
    expect(parseBankFile(utf8('B1,5\n'), csv, { exponent: 2.5 }).fileErrors[0]?.reason).toContain('exponent');
  });

  it('JPY (exponent 0) rejects decimals per row', () => {
    const r = parseBankFile(utf8('B1,1500\nB2,15.00\n'), csv, { exponent: 0 });
    expect(r.rows.map((row) => row.values.amountMinor)).toEqual([1500, undefined]);
    expect(r.rows[1]?.problems).toEqual([
      { column: 'amount', reason: '"15.00" has 2 decimals; the currency allows 0' },
    ]);
  });
});

describe('sha256Hex', () => {
  it('hashes file bytes for already-imported detection', () => {
    expect(sha256Hex(utf8('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);
    expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
