import { describe, expect, it } from 'vitest';
import {
  bicProblem,
  creditorIdProblem,
  ibanProblem,
  isDormant,
  mandateBlock,
  routingNumberProblem,
  sequenceType,
} from '../../src-main/domain/mandate-rules';

describe('SEPA creditor identifier check digits (FORMATS.md §1.3 table, agreed by sepa.js and stdnum)', () => {
  it.each([
    'DE98ZZZ09999999999',
    'FR72ZZZ123456',
    'ES59ZZZX1234567L',
    'IT66ZZZA1B2C3D4E5F6G7H8',
    'AT61ZZZ01234567890',
    'BE69ZZZ050D000000008',
  ])('%s is valid', (ci) => expect(creditorIdProblem(ci)).toBeNull());
  it('refuses tampered and made-up identifiers with the expected digits', () => {
    expect(creditorIdProblem('DE99ZZZ09999999999')).toMatch(/expected 98/);
    expect(creditorIdProblem('NL97ZZZ123456780001')).toMatch(/expected 42/);
    expect(creditorIdProblem('DE98')).toMatch(/not a SEPA creditor identifier/);
  });
});

describe('routing numbers, IBAN and BIC', () => {
  it('checks the ABA check digit', () => {
    expect(routingNumberProblem('011000015')).toBeNull();
    expect(routingNumberProblem('011000016')).toMatch(/check digit/);
    expect(routingNumberProblem('12345')).toMatch(/9 digits/);
  });
  it('normalises IBANs and names the failure', () => {
    expect(ibanProblem('DE89 3704 0044 0532 0130 00')).toEqual({
      iban: 'DE89370400440532013000',
      problem: null,
    });
    expect(ibanProblem('DE89370400440532013001').problem).toMatch(/wrong check digits/);
  });
  it('checks BICs', () => {
    expect(bicProblem('COBADEFFXXX')).toBeNull();
    expect(bicProblem('COBA')).toMatch(/not valid/);
  });
});

describe('sequence type and dormancy', () => {
  const base = {
    type: 'recurrent',
    status: 'active',
    signedOn: '2024-01-10',
    collections: 0,
    lastCollectedOn: null,
  } as const;
  it('derives FRST, RCUR, FNAL and OOFF from history', () => {
    expect(sequenceType(base)).toBe('FRST');
    expect(sequenceType({ ...base, collections: 3, lastCollectedOn: '2026-11-01' })).toBe('RCUR');
    expect(sequenceType({ ...base, collections: 3, lastCollectedOn: '2026-11-01', final: true })).toBe(
      'FNAL',
    );
    expect(sequenceType({ ...base, type: 'oneoff' })).toBe('OOFF');
  });
  it('expires a recurrent mandate after 36 months without a collection, counted from the last one', () => {
    expect(isDormant({ ...base, lastCollectedOn: '2023-12-03' }, '2026-12-02')).toBe(false);
    expect(isDormant({ ...base, lastCollectedOn: '2023-12-03' }, '2026-12-03')).toBe(true);
    expect(mandateBlock({ ...base, signedOn: '2020-01-01' }, '2026-12-03')).toMatch(/36 months/);
    expect(mandateBlock({ ...base, type: 'oneoff', collections: 1 }, '2026-12-03')).toMatch(/one-off/);
    expect(mandateBlock({ ...base, status: 'cancelled' }, '2026-12-03')).toMatch(/cancelled/);
    expect(mandateBlock(base, '2024-01-09')).toMatch(/signed after/);
    expect(mandateBlock(base, '2026-12-03')).toBeNull();
  });
});
