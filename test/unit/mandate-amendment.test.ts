import { validateIBAN } from 'ibantools';
import { describe, expect, it } from 'vitest';
import { isMandateFile, parseMandateFile } from '../../src-main/bankfiles/mandates-file';
import { detectReader } from '../../src-main/bankfiles/readers';
import {
  amendmentDetails,
  generateReference,
  referenceProblem,
} from '../../src-main/domain/mandate-amendment';
import { demoIban } from '../../src-main/services/mandates/demo-mandates';

describe('mandate references (UMR)', () => {
  it('generates MD + account, then the first free suffix, within 35 EPC characters', () => {
    expect(generateReference('A0000012', () => false)).toBe('MDA0000012-1');
    const taken = new Set(['MDA0000012-1', 'MDA0000012-2']);
    expect(generateReference('A0000012', (r) => taken.has(r))).toBe('MDA0000012-3');
    const long = generateReference('acct/ü-' + 'X'.repeat(60), () => false);
    expect(long.length).toBeLessThanOrEqual(35);
    expect(long).toMatch(/^MDACCTX+-1$/);
    expect(referenceProblem(long, 'sepa')).toBeNull();
    expect(
      referenceProblem(
        generateReference('7', () => false),
        'bacs',
      ),
    ).toBeNull();
  });

  it('refuses references outside the EPC rules', () => {
    expect(referenceProblem('', 'sepa')).toMatch(/required/);
    expect(referenceProblem('X'.repeat(36), 'sepa')).toMatch(/at most 35/);
    expect(referenceProblem('ABC_1', 'sepa')).toMatch(/only letters/);
    expect(referenceProblem('/ABC', 'sepa')).toMatch(/'\/'/);
    expect(referenceProblem('AB//C', 'sepa')).toMatch(/'\/\/'/);
    expect(referenceProblem('ABC12', 'bacs')).toMatch(/6 to 18/);
    expect(referenceProblem("UMR-1 (a/b):c?d.e,f'g+h", 'sepa')).toBeNull();
  });
});

describe('SEPA amendment detection (AmdmntInfDtls)', () => {
  const base = { reference: 'R1', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' };
  it('a changed reference keeps the original reference', () => {
    expect(amendmentDetails(base, { ...base, reference: 'R2' }, null)).toEqual({ originalReference: 'R1' });
  });
  it('a new IBAN at the same bank keeps the original IBAN', () => {
    expect(amendmentDetails(base, { ...base, iban: 'DE19370400440000019991' }, null)).toEqual({
      originalIban: 'DE89370400440532013000',
    });
  });
  it('another bank (bank code or BIC) is SMNDA without the original IBAN', () => {
    expect(amendmentDetails(base, { ...base, iban: 'DE02120300000000202051', bic: null }, null)).toEqual({
      smnda: true,
    });
    expect(amendmentDetails(base, { ...base, bic: 'DEUTDEFFXXX' }, null)).toEqual({ smnda: true });
  });
  it('merges with a pending amendment: the first originals win, a change back drops them', () => {
    const pending = { originalReference: 'R0', originalIban: 'DE02120300000000202051' };
    expect(amendmentDetails(base, { ...base, reference: 'R3' }, pending)).toEqual({
      originalReference: 'R0',
      originalIban: 'DE02120300000000202051',
    });
    expect(amendmentDetails(base, { ...base, reference: 'R0' }, { originalReference: 'R0' })).toBeNull();
    expect(amendmentDetails(base, base, null)).toBeNull();
    expect(
      amendmentDetails(base, { ...base, reference: 'R2' }, { originalCreditorId: 'DE98ZZZ09999999999' }),
    ).toEqual({ originalCreditorId: 'DE98ZZZ09999999999', originalReference: 'R1' });
  });
});

describe('mandate revision file', () => {
  it('parses BOM, CRLF, quoted cells and free column order; skips blank lines', () => {
    const text = '\uFEFFRevision_Code,Reference,new_name\r\n3,"ABC-1","Smith, Jane"\r\n\r\nB,XYZ-2,\r\n';
    expect(isMandateFile(text)).toBe(true);
    expect(detectReader(text)?.format).toBe('mandates');
    expect(parseMandateFile(text)).toEqual({
      rows: [
        { line: 2, reference: 'ABC-1', code: '3', newName: 'Smith, Jane' },
        { line: 4, reference: 'XYZ-2', code: 'B' },
      ],
      problems: [],
    });
  });
  it('reports each bad row with line and column', () => {
    const text = 'reference,revision_code,effective_date\nA,,2026-02-30\nB,0\n,1,\n';
    expect(parseMandateFile(text).problems).toEqual([
      { line: 2, column: 'revision_code', reason: 'the revision code is empty' },
      { line: 2, column: 'effective_date', reason: '2026-02-30 is not a date (YYYY-MM-DD)' },
      { line: 3, column: '(row)', reason: '2 cells where the header has 3' },
      { line: 4, column: 'reference', reason: 'the mandate reference is empty' },
    ]);
    expect(parseMandateFile('').problems).toEqual([
      { line: 1, column: '(header)', reason: 'the file is empty' },
    ]);
    expect(parseMandateFile('reference,revision_code\n').problems[0]?.reason).toMatch(/no rows/);
  });
});

describe('demo IBANs', () => {
  it('are valid German IBANs', () => {
    for (const n of [1, 7, 99, 12345, 199999])
      expect(validateIBAN(demoIban(n)).valid, demoIban(n)).toBe(true);
  });
});
