import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeEbcdic037 } from '../../../src-main/importers/bank-file/ebcdic-037';
import { parseBankFile } from '../../../src-main/importers/bank-file/parse-bank-file';
import type { BankFileTemplateInput } from '../../../src-main/importers/bank-file/template';

const STANDARDS = fileURLToPath(new URL('../../../../shared/standards', import.meta.url));
const utf8 = (s: string) => new TextEncoder().encode(s);

/** The FundersClub lockbox layout (FORMATS.md §3.2): type 6 detail, header 5, batch total 7, service total 8. */
const lockbox = {
  name: 'BAI lockbox (FundersClub variant)',
  bank: 'sample',
  format: 'fixed',
  headerLines: 3,
  footerLines: 3,
  dateFormat: 'MMddyy',
  impliedDecimals: 2,
  recordFilter: { start: 1, length: 1, equals: ['6'] },
  columns: [
    { field: 'amount', start: 8, length: 10 },
    { field: 'custom:routing', start: 18, length: 9 },
    { field: 'accountNo', start: 27, length: 10 },
    { field: 'checkNo', start: 37, length: 10 },
    { field: 'paymentDate', start: 47, length: 6 },
    { field: 'payerName', start: 53, length: 30 },
  ],
  header: {
    lockboxNo: { line: 3, start: 8, length: 7 },
    date: { line: 3, start: 15, length: 6, dateFormat: 'yyMMdd' },
  },
  footer: {
    count: { line: 2, start: 21, length: 4 },
    total: { line: 2, start: 25, length: 10 },
  },
} satisfies BankFileTemplateInput;

const simple = {
  name: 'fixed',
  format: 'fixed',
  dateFormat: 'yyyyMMdd',
  impliedDecimals: 2,
  columns: [
    { field: 'accountNo', start: 1, length: 8 },
    { field: 'amount', start: 9, length: 10 },
    { field: 'paymentDate', start: 19, length: 8 },
    { field: 'payerName', start: 27, length: 20 },
  ],
} satisfies BankFileTemplateInput;

describe('fixed-width files', () => {
  it('reads the lockbox sample: one check, header and footer values', () => {
    const r = parseBankFile(readFileSync(join(STANDARDS, 'lockbox/valid/test_lockbox.bai')), lockbox, {
      exponent: 2,
    });
    expect(r.fileErrors).toEqual([]);
    expect(r.header).toMatchObject({ lockboxNo: '0022222', date: '2016-05-23' });
    expect(r.header.raw).toHaveLength(3);
    expect(r.footer).toMatchObject({ count: 1, totalMinor: 700000 });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({
      line: 4,
      values: {
        amountMinor: 700000,
        accountNo: '0012345555',
        checkNo: '0000000180',
        paymentDate: '2016-05-16',
        payerName: 'BOB E SMITH',
        custom: { routing: '055002707' },
      },
      problems: [],
    });
  });

  it('reads the empty lockbox sample, whose controls say 0 / 0.00, as a valid file without rows', () => {
    const bytes = readFileSync(join(STANDARDS, 'lockbox/valid/test_empty_lockbox.bai'));
    const r = parseBankFile(bytes, lockbox, { exponent: 2 });
    expect(r.rows).toEqual([]);
    expect(r.footer).toMatchObject({ count: 0, totalMinor: 0 });
    expect(r.fileErrors).toEqual([]);
    // Without control figures to vouch for it, the same file is still refused.
    const bare = parseBankFile(bytes, { ...lockbox, footer: undefined }, { exponent: 2 });
    expect(bare.fileErrors).toEqual([{ line: 0, reason: 'the file has no data rows' }]);
  });

  it('reads the lockbox sample converted to EBCDIC', () => {
    const text = readFileSync(join(STANDARDS, 'lockbox/valid/test_lockbox.bai'), 'latin1');
    const r = parseBankFile(encodeEbcdic037(text), { ...lockbox, encoding: 'ebcdic' }, { exponent: 2 });
    expect(r.fileErrors).toEqual([]);
    expect(r.rows[0]?.values).toMatchObject({ amountMinor: 700000, payerName: 'BOB E SMITH' });
  });

  it('reads implied decimals and a trimmed last column', () => {
    const file = [
      '0000100100000019952024051 Ann Lee',
      '00001002000012345620240531Bob',
      '00001003000000000520240531',
    ].join('\n');
    const r = parseBankFile(utf8(file), simple, { exponent: 2 });
    expect(r.rows.map((row) => [row.values.accountNo, row.values.amountMinor, row.values.payerName])).toEqual(
      [
        ['00001001', 1995, 'Ann Lee'],
        ['00001002', 123456, 'Bob'],
        ['00001003', 5, undefined],
      ],
    );
    expect(r.rows[0]?.problems).toEqual([
      { column: 'paymentDate', reason: '"2024051" does not match the date format yyyyMMdd' },
    ]);
    expect(r.rows[2]?.problems).toEqual([
      { column: 'payerName', reason: 'missing: the line is 26 characters; payerName starts at 27' },
    ]);
    expect(r.fileErrors).toEqual([]);
  });

  it('reports lines shorter than the last mapped column as a wrong layout', () => {
    const file = '00001001000000199520240501\n000010020000001995\n0000100300000019\n';
    const r = parseBankFile(utf8(file), simple, { exponent: 2 });
    expect(r.fileErrors).toEqual([
      {
        line: 0,
        reason:
          "wrong layout: 3 of 3 lines end before column 27, where the template's last field starts (most lines are 26 characters)",
      },
    ]);
    expect(r.rows).toHaveLength(3);
  });

  it('maps header and footer by index on blank-separated lines', () => {
    const file =
      'LOCKBOX 4711 20240105\n00001001000000199520240105Ann\n00001002000000100020240105Bob\nTOTAL 2 29.95\n';
    const r = parseBankFile(
      utf8(file),
      {
        ...simple,
        headerLines: 1,
        footerLines: 1,
        impliedDecimals: undefined,
        header: { lockboxNo: { line: 1, index: 1 }, date: { line: 1, index: 2 } },
        footer: { count: { line: 1, index: 1 }, total: { line: 1, index: 2 } },
      },
      { exponent: 2 },
    );
    // Without implied decimals the amounts read as whole units, which contradicts the footer total.
    expect(r.header).toMatchObject({ lockboxNo: '4711', date: '2024-01-05' });
    expect(r.footer).toMatchObject({ count: 2, totalMinor: 2995 });
    expect(r.fileErrors).toEqual([
      {
        line: 0,
        column: 'footer.total',
        reason: 'the footer total is 29.95 but the rows add up to 2995.00',
      },
    ]);
  });
});
