import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  parseAmountMinor,
  parseCount,
  parseDateIso,
  type AmountFormat,
} from '../../../src-main/importers/bank-file/values';

const US: AmountFormat = { exponent: 2, decimalSeparator: '.', thousandsSeparator: ',' };
const DE: AmountFormat = { exponent: 2, decimalSeparator: ',', thousandsSeparator: '.' };

const ok = (text: string, format: AmountFormat) => {
  const r = parseAmountMinor(text, format);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};
const bad = (text: string, format: AmountFormat) => {
  const r = parseAmountMinor(text, format);
  if (r.ok) throw new Error(`expected "${text}" to be rejected, got ${r.value}`);
  return r.reason;
};

describe('parseAmountMinor', () => {
  it('reads plain, signed and grouped amounts', () => {
    expect(ok('19.95', US)).toBe(1995);
    expect(ok('0.1', US)).toBe(10);
    expect(ok('1,234,567.89', US)).toBe(123456789);
    expect(ok('-3', US)).toBe(-300);
    expect(ok('+7.5', US)).toBe(750);
    expect(ok('  12  ', US)).toBe(1200);
    expect(ok('.50', US)).toBe(50);
    expect(ok('$1,000.00', US)).toBe(100000);
    expect(ok('-0.00', US)).toBe(0);
  });

  it('reads accounting negatives and trailing minus', () => {
    expect(ok('(45.00)', US)).toBe(-4500);
    expect(ok('45.00-', US)).toBe(-4500);
    expect(ok('(1,234.56)', US)).toBe(-123456);
    expect(bad('(-45.00)', US)).toContain('more than one sign');
    expect(bad('-(45.00)', US)).toContain('not an amount');
  });

  it('reads decimal comma with dot thousands', () => {
    expect(ok('-1.234,56', DE)).toBe(-123456);
    expect(ok('987,00', DE)).toBe(98700);
    expect(ok('1.234', DE)).toBe(123400);
    expect(bad('1.23', DE)).toContain('thousands');
  });

  it('reads space and apostrophe thousands, including a no-break space', () => {
    expect(ok('1 234,50', { ...DE, thousandsSeparator: ' ' })).toBe(123450);
    expect(ok('1\u00a0234,50', { ...DE, thousandsSeparator: ' ' })).toBe(123450);
    expect(ok("1'234.50", { ...US, thousandsSeparator: "'" })).toBe(123450);
  });

  it('rejects more decimals than the currency exponent', () => {
    expect(bad('1.005', US)).toBe('"1.005" has 3 decimals; the currency allows 2');
    expect(bad('5.5', { ...US, exponent: 0 })).toContain('allows 0');
    expect(ok('1.005', { ...US, exponent: 3 })).toBe(1005);
    expect(ok('1500', { ...US, exponent: 0 })).toBe(1500);
  });

  it('rejects malformed text', () => {
    expect(bad('', US)).toBe('amount is empty');
    expect(bad('abc', US)).toContain('not an amount');
    expect(bad('1.2.3', US)).toContain('more than one decimal separator');
    expect(bad('12,34.00', US)).toContain('thousands');
    expect(bad('1e3', US)).toContain('not an amount');
    expect(bad('1,234.56', { ...US, thousandsSeparator: '' })).toContain('not an amount');
    expect(bad('-', US)).toContain('no digits');
    expect(bad('9999999999999999', US)).toContain('too large');
  });

  it('reads implied decimals (cents in fixed-width files)', () => {
    const implied: AmountFormat = { ...US, thousandsSeparator: '', impliedDecimals: 2 };
    expect(ok('0000700000', implied)).toBe(700000);
    expect(ok('5', implied)).toBe(5);
    expect(ok('-1995', implied)).toBe(-1995);
    expect(bad('19.95', implied)).toContain('implied decimals');
    expect(ok('12340', { ...implied, impliedDecimals: 3 })).toBe(1234);
    expect(bad('12345', { ...implied, impliedDecimals: 3 })).toContain('allows 2');
    expect(ok('1234', { ...implied, impliedDecimals: 0 })).toBe(123400);
  });

  it('agrees with integer arithmetic for any cents value (no float drift)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => {
        const abs = Math.abs(cents);
        const text = `${cents < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
        expect(ok(text, US)).toBe(cents === 0 ? 0 : cents);
        const grouped = text.replace(/\B(?=(\d{3})+(?=\.))/g, ',');
        expect(ok(grouped, US)).toBe(cents);
      }),
    );
  });
});

describe('parseDateIso', () => {
  const iso = (text: string, format: string) => {
    const r = parseDateIso(text, format);
    if (!r.ok) throw new Error(r.reason);
    return r.value;
  };
  it('reads every layout into ISO', () => {
    expect(iso('05/11/1999', 'MM/dd/yyyy')).toBe('1999-05-11');
    expect(iso('5/11/1999', 'MM/dd/yyyy')).toBe('1999-05-11');
    expect(iso('11/05/1999', 'dd/MM/yyyy')).toBe('1999-05-11');
    expect(iso('01.02.2024', 'dd.MM.yyyy')).toBe('2024-02-01');
    expect(iso('2024-02-29', 'yyyy-MM-dd')).toBe('2024-02-29');
    expect(iso('20240201', 'yyyyMMdd')).toBe('2024-02-01');
    expect(iso('051616', 'MMddyy')).toBe('2016-05-16');
    expect(iso('160523', 'yyMMdd')).toBe('2016-05-23');
    expect(iso('991231', 'yyMMdd')).toBe('1999-12-31');
    expect(iso('5/11/99', 'M/d/yy')).toBe('1999-05-11');
  });
  it('rejects impossible dates and wrong layouts', () => {
    expect(parseDateIso('02/30/2024', 'MM/dd/yyyy')).toEqual({
      ok: false,
      reason: '"02/30/2024" is not a real date (2024-02 has no day 30)',
    });
    expect(parseDateIso('02/29/2023', 'MM/dd/yyyy').ok).toBe(false);
    expect(parseDateIso('02/29/2000', 'MM/dd/yyyy').ok).toBe(true);
    expect(parseDateIso('02/29/1900', 'MM/dd/yyyy').ok).toBe(false);
    expect(parseDateIso('13/01/2024', 'MM/dd/yyyy').ok).toBe(false);
    expect(parseDateIso('2024-1-5', 'yyyyMMdd').ok).toBe(false);
    expect(parseDateIso('2024/01/05', 'yyyy-MM-dd').ok).toBe(false);
    expect(parseDateIso('', 'yyyy-MM-dd')).toEqual({ ok: false, reason: 'date is empty' });
    expect(parseDateIso('1x/01/2024', 'MM/dd/yyyy').ok).toBe(false);
  });
});

describe('parseCount', () => {
  it('reads whole numbers only', () => {
    expect(parseCount('0012')).toEqual({ ok: true, value: 12 });
    expect(parseCount('1,200', ',')).toEqual({ ok: true, value: 1200 });
    expect(parseCount('12.5').ok).toBe(false);
    expect(parseCount('-1').ok).toBe(false);
  });
});
