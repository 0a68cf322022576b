import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cells,
  columnSpans,
  firstLines,
  guessDelimiter,
  initialState,
  lineRoles,
  mapColumn,
  mapInfo,
  toggleBoundary,
  toTemplate,
  type BuilderState,
} from '../../../src-renderer/src/features/batches/import/builder-model';
import { parseBankFile } from '../../../src-main/importers/bank-file/parse-bank-file';
import { parseTemplate } from '../../../src-main/importers/bank-file/template';
import { STOCK_TEMPLATES } from '../../../src-main/importers/bank-file/stock-templates';

const LOCKBOX = readFileSync(resolve(process.cwd(), '../shared/standards/lockbox/valid/test_lockbox.bai'));
const lockboxLines = (): string[] => LOCKBOX.toString('utf8').trimEnd().split('\n');

/** The clicks a clerk makes on the lockbox preview: boundaries of the type-6 record's fields. */
function lockboxLayout(): BuilderState {
  let s = initialState(lockboxLines());
  for (const b of [7, 17, 26, 36, 46, 52, 82]) s = toggleBoundary(s, b);
  s = { ...s, recordPrefix: '6', dateStyle: 'MMddyy', impliedDecimals: 2 };
  s = mapColumn(s, 1, 'amount');
  s = mapColumn(s, 3, 'accountNo');
  s = mapColumn(s, 4, 'checkNo');
  s = mapColumn(s, 5, 'paymentDate');
  s = mapColumn(s, 6, 'payerName');
  return s;
}

describe('builder model: reading the preview', () => {
  it('guesses the delimiter of a CSV and none for fixed-width lines', () => {
    expect(guessDelimiter(['a;b;c', '1;2;3', '4;5;6'])).toBe(';');
    expect(guessDelimiter(['a,"b, c",d', '1,2,3'])).toBe(',');
    expect(guessDelimiter(lockboxLines())).toBeNull();
    expect(initialState(lockboxLines()).layout).toBe('fixed');
    expect(initialState(['x\ty', '1\t2']).layout).toBe('delimited');
  });

  it('splits quoted cells with delimiters and doubled quotes inside', () => {
    const s = initialState(['name,amount', '"Wolf, ""Mia""",19.95']);
    expect(cells(s, s.lines[1]!)).toEqual(['Wolf, "Mia"', '19.95']);
  });

  it('firstLines decodes base64, drops a byte-order mark and CRLF, keeps at most max lines', () => {
    const b64 = Buffer.from('\uFEFFa,b\r\nc,d\r\ne,f\r\n').toString('base64');
    expect(firstLines(b64)).toEqual(['a,b', 'c,d', 'e,f']);
    expect(firstLines(b64, 2)).toEqual(['a,b', 'c,d']);
  });
});

describe('builder model: fixed-width boundaries', () => {
  it('a click sets a boundary, a second click on it removes it', () => {
    let s = initialState(['AAAABBBBCC', 'DDDDEEEEFF']);
    s = toggleBoundary(s, 4);
    s = toggleBoundary(s, 8);
    expect(columnSpans(s)).toEqual([
      { start: 0, end: 4 },
      { start: 4, end: 8 },
      { start: 8, end: 10 },
    ]);
    expect(cells(s, 'AAAABBBBCC')).toEqual(['AAAA', 'BBBB', 'CC']);
    s = toggleBoundary(s, 4);
    expect(cells(s, 'AAAABBBBCC')).toEqual(['AAAABBBB', 'CC']);
    expect(toggleBoundary(s, 0)).toBe(s);
  });

  it('mappings follow their column when boundaries are added or removed left of them', () => {
    let s = initialState(['AAAABBBBCC']);
    s = toggleBoundary(s, 8);
    s = mapColumn(s, 1, 'amount');
    s = toggleBoundary(s, 4); // splits column 0: amount moves to column 2
    expect(s.columns).toEqual({ 2: 'amount' });
    s = mapColumn(s, 1, 'accountNo');
    s = toggleBoundary(s, 4); // merges columns 0 and 1: accountNo's column is gone, amount back to 1
    expect(s.columns).toEqual({ 1: 'amount' });
  });

  it('a field maps to one column only', () => {
    let s = initialState(['a,b,c']);
    s = mapColumn(s, 0, 'amount');
    s = mapColumn(s, 2, 'amount');
    expect(s.columns).toEqual({ 2: 'amount' });
    expect(mapColumn(s, 2, null).columns).toEqual({});
  });
});

describe('builder model: the template', () => {
  it('lists what is missing instead of building a template that cannot import', () => {
    const r = toTemplate(initialState(['a,b', '1,2']), ' ');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.where)).toEqual(['name', 'columns', 'columns']);
    const wrongPrefix = toTemplate({ ...lockboxLayout(), recordPrefix: 'X' }, 'n');
    expect(!wrongPrefix.ok && wrongPrefix.problems[0]?.where).toBe('recordPrefix');
  });

  it('a lockbox layout built by clicks reads the public sample like the stock template', () => {
    let s = lockboxLayout();
    expect(lineRoles(s)).toEqual([
      'header',
      'header',
      'header',
      'data',
      'footer',
      'footer',
      'footer',
      'footer',
    ]);
    // Header and footer figures by record type: 5 holds the lockbox number, 8 the deposit's item count.
    s = mapInfo(s, 'lockboxNo', '5', { start: 8, length: 7 });
    s = mapInfo(s, 'count', '8', { start: 21, length: 4 });
    const r = toTemplate(s, 'Clicked lockbox');
    expect(r.ok, JSON.stringify(!r.ok && r.problems)).toBe(true);
    if (!r.ok) return;
    const parsedTemplate = parseTemplate(r.definition);
    expect(parsedTemplate.ok, JSON.stringify(!parsedTemplate.ok && parsedTemplate.problems)).toBe(true);
    expect(r.definition).toMatchObject({
      format: 'fixed',
      headerLines: 3,
      footerLines: 4,
      recordFilter: { start: 1, length: 1, equals: ['6'] },
      header: { lockboxNo: { line: 3, start: 8, length: 7 } },
      footer: { count: { line: 2, start: 21, length: 4 } },
    });
    // The clicked columns are exactly the stock lockbox template's.
    const stock = STOCK_TEMPLATES.find((t) => t.name === 'Stock lockbox (fixed width)')!;
    const byField = (cols: unknown) =>
      [...(cols as { field: string }[])].sort((a, b) => a.field.localeCompare(b.field));
    expect(byField(r.definition.columns)).toEqual(byField(stock.definition.columns));
    const parsed = parseBankFile(LOCKBOX, r.definition as never, { exponent: 2 });
    expect(parsed.fileErrors).toEqual([]);
    expect(parsed.header.lockboxNo).toBe('0022222');
    expect(parsed.footer.count).toBe(1);
    expect(parsed.rows).toHaveLength(1);
    expect(parsed.rows[0]!.values).toMatchObject({
      amountMinor: 700000,
      accountNo: '0012345555',
      checkNo: '0000000180',
      paymentDate: '2016-05-16',
      payerName: 'BOB E SMITH',
    });
  });

  it('a delimited layout with a header row, decimal comma and a record prefix', () => {
    let s = initialState([
      'H;2026-11-20',
      'acct;amt;date',
      'D;A1;12,50;20.11.2026',
      'D;A2;7,00;20.11.2026',
      'T;2',
    ]);
    s = { ...s, hasColumnHeader: false, recordPrefix: 'D', decimalComma: true, dateStyle: 'dd.MM.yyyy' };
    s = mapColumn(s, 1, 'accountNo');
    s = mapColumn(s, 2, 'amount');
    s = mapColumn(s, 3, 'paymentDate');
    s = mapInfo(s, 'count', 'T', { column: 1 });
    const r = toTemplate(s, 'Semicolons');
    expect(r.ok, JSON.stringify(!r.ok && r.problems)).toBe(true);
    if (!r.ok) return;
    expect(r.definition).toMatchObject({
      headerLines: 2,
      footerLines: 1,
      delimiter: ';',
      decimalSeparator: ',',
    });
    const parsed = parseBankFile(Buffer.from(s.lines.join('\n')), r.definition as never, { exponent: 2 });
    expect(parsed.fileErrors).toEqual([]);
    expect(parsed.rows.map((x) => x.values.amountMinor)).toEqual([1250, 700]);
    expect(parsed.footer.count).toBe(2);
  });
});
