import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../../src-main/importers/bank-file/template';

const delimited = {
  name: 'Bank A CSV',
  format: 'delimited',
  delimiter: ',',
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
  ],
};

function problems(input: unknown): string[] {
  const r = parseTemplate(input);
  if (r.ok) throw new Error('expected template problems');
  return r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('parseTemplate', () => {
  it('accepts a minimal delimited template and fills defaults', () => {
    const r = parseTemplate(delimited);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.template).toMatchObject({
      quote: '"',
      headerLines: 0,
      footerLines: 0,
      hasColumnHeader: false,
      decimalSeparator: '.',
      thousandsSeparator: '',
      encoding: 'auto',
    });
  });

  it('accepts any single-character delimiter, custom fields and header/footer locations', () => {
    for (const delimiter of [',', '\t', ';', '|', ' ', '#']) {
      expect(parseTemplate({ ...delimited, delimiter }).ok).toBe(true);
    }
    const r = parseTemplate({
      ...delimited,
      headerLines: 2,
      footerLines: 1,
      columns: [...delimited.columns, { field: 'custom:branch', index: 5 }],
      header: {
        lockboxNo: { line: 1, start: 8, length: 7 },
        date: { line: 2, index: 1, dateFormat: 'yyMMdd' },
      },
      footer: { count: { line: 1, index: 1 }, total: { line: 1, index: 2 } },
    });
    expect(r.ok).toBe(true);
  });

  it('accepts fixed-width and BAI2 templates', () => {
    expect(
      parseTemplate({
        name: 'Lockbox',
        format: 'fixed',
        dateFormat: 'MMddyy',
        impliedDecimals: 2,
        encoding: 'ebcdic',
        recordFilter: { start: 1, length: 1, equals: ['6'] },
        columns: [
          { field: 'amount', start: 8, length: 10 },
          { field: 'billNo', start: 27, length: 10 },
        ],
      }).ok,
    ).toBe(true);
    expect(parseTemplate({ name: 'BAI2', format: 'bai2' }).ok).toBe(true);
  });

  it('lists every problem with its path in one pass', () => {
    const list = problems({
      name: '',
      format: 'delimited',
      delimiter: ',,',
      quote: '"',
      headerLines: -1,
      dateFormat: 'MM/dd/yyyy',
      decimalSeparator: ',',
      thousandsSeparator: ',',
      columns: [
        { field: 'amount', index: 1 },
        { field: 'amount', index: 2 },
        { field: 'iban', index: 3 },
        { field: 'billNo', start: 4, length: 2 },
      ],
      encoding: 'latin9',
      footer: { total: { line: 2, index: 1 } },
    });
    expect(list).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^name: /),
        expect.stringMatching(/^delimiter: must be exactly one character/),
        expect.stringMatching(/^headerLines: /),
        expect.stringMatching(/^columns\.2\.field: must be one of/),
        expect.stringMatching(/^encoding: /),
        'thousandsSeparator: cannot be the same as decimalSeparator',
        'columns.1.field: amount is already mapped by columns[0]',
        'columns.3.start: delimited columns use index',
        'footer.total.line: is 2 but footerLines is 0',
      ]),
    );
  });

  it('requires a delimiter, a date format and the payment columns', () => {
    const list = problems({ name: 'x', format: 'delimited', columns: [{ field: 'payerName', index: 0 }] });
    expect(list).toEqual(
      expect.arrayContaining([
        'delimiter: a delimited file needs a delimiter',
        'dateFormat: required for delimited and fixed-width files',
        'columns: map amount plus accountNo or billNo (payments, refunds), or paymentId (reversals)',
      ]),
    );
    expect(parseTemplate({ ...delimited, columns: [{ field: 'paymentId', index: 0 }] }).ok).toBe(true);
  });

  it('checks fixed-width positions and BAI2 leftovers', () => {
    expect(
      problems({
        name: 'f',
        format: 'fixed',
        dateFormat: 'yyyyMMdd',
        columns: [
          { field: 'amount', index: 0 },
          { field: 'accountNo', start: 1 },
        ],
      }),
    ).toEqual(
      expect.arrayContaining([
        'columns.0.index: fixed-width columns use start and length',
        'columns.1: give both start and length',
      ]),
    );
    expect(problems({ name: 'b', format: 'bai2', columns: [{ field: 'amount', index: 0 }] })).toEqual([
      'columns: BAI2 files have a fixed record layout; leave empty',
    ]);
  });

  it('refuses a delimiter equal to the quote and unknown keys', () => {
    expect(problems({ ...delimited, delimiter: '"' })).toContain('delimiter: cannot be the quote character');
    expect(problems({ ...delimited, colums: [] }).join()).toMatch(/colums/);
  });
});
