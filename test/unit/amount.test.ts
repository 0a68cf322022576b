import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AMOUNT_STYLES,
  CONTRACT_AMOUNT_STYLE,
  MAX_AMOUNT_MINOR,
  amountStyleForLocale,
  amountTextProblem,
  formatAmount,
  parseAmount,
  parseMinor,
  splitByWeights,
  type AmountStyle,
} from '../../src-shared/money';

const US: AmountStyle = { decimalSeparator: '.', groupSeparator: ',' };
const DE: AmountStyle = { decimalSeparator: ',', groupSeparator: '.' };
const FR: AmountStyle = { decimalSeparator: ',', groupSeparator: ' ' };
const CH: AmountStyle = { decimalSeparator: '.', groupSeparator: "'" };
const PLAIN: AmountStyle = { decimalSeparator: '.', groupSeparator: '' };

const value = (text: string, exponent: number, style: AmountStyle = US): number => {
  const r = parseAmount(text, { exponent, style });
  if (!r.ok) throw new Error(r.error.reason);
  return r.value;
};
const problem = (text: string, exponent: number, style: AmountStyle = US, signed = true): string => {
  const r = parseAmount(text, { exponent, style, signed });
  if (r.ok) throw new Error(`expected "${text}" to be refused, got ${r.value}`);
  return r.error.problem;
};

describe('parseAmount', () => {
  it('reads grouped and plain amounts in every style', () => {
    expect(value('1,000.00', 2)).toBe(100000);
    expect(value('1000.00', 2)).toBe(100000);
    expect(value('1.234.567,89', 2, DE)).toBe(123456789);
    expect(value('1 234,5', 2, FR)).toBe(123450);
    expect(value('1\u202f234,5', 2, FR)).toBe(123450);
    expect(value('1\u00a0234,5', 2, FR)).toBe(123450);
    expect(value("12'345.678", 3, CH)).toBe(12345678);
    expect(value('12\u2019345.678', 3, CH)).toBe(12345678);
    expect(value('-7', 0, PLAIN)).toBe(-7);
    expect(value('+7.5', 2)).toBe(750);
    expect(value('-0.00', 2)).toBe(0);
    expect(Object.is(value('-0', 2), -0)).toBe(false);
  });

  it('reads implied decimals of fixed-width files', () => {
    const style: AmountStyle = { ...PLAIN, impliedDecimals: 2 };
    expect(value('0000012345', 2, style)).toBe(12345);
    expect(value('5', 2, style)).toBe(5);
    expect(value('12300', 0, style)).toBe(123);
    expect(problem('12345', 0, style)).toBe('decimals');
    expect(problem('123.45', 2, style)).toBe('not_a_number');
  });

  it('names the reason for every refusal', () => {
    expect(problem('', 2)).toBe('empty');
    expect(problem('   ', 2)).toBe('empty');
    expect(problem('1,00,0.00', 2)).toBe('grouping');
    expect(problem('1,0000.00', 2)).toBe('grouping');
    expect(problem(',100.00', 2)).toBe('grouping');
    expect(problem('1.000,00', 2, US)).toBe('grouping');
    expect(problem('1.23', 2, DE)).toBe('grouping');
    expect(problem('1.005', 2)).toBe('decimals');
    expect(problem('5.5', 0)).toBe('decimals');
    expect(problem('-5', 2, US, false)).toBe('sign');
    expect(problem('+5', 2, US, false)).toBe('sign');
    expect(problem('--5', 2)).toBe('not_a_number');
    expect(problem('1e5', 2)).toBe('not_a_number');
    expect(problem('0x10', 2)).toBe('not_a_number');
    expect(problem('12.3.4', 2)).toBe('not_a_number');
    expect(problem('.', 2)).toBe('not_a_number');
    expect(problem('١٢', 0)).toBe('not_a_number');
    expect(problem('1 000.00', 2)).toBe('not_a_number');
    expect(problem('1000000000000000', 0)).toBe('too_large');
    expect(problem('10000000000000.00', 2)).toBe('too_large');
  });

  it('accepts exactly the ledger ceiling and nothing above it', () => {
    expect(value(String(MAX_AMOUNT_MINOR), 0)).toBe(MAX_AMOUNT_MINOR);
    expect(value('-9,999,999,999,999.99', 2)).toBe(-MAX_AMOUNT_MINOR);
    expect(problem('9,999,999,999,999.991', 3)).toBe('too_large');
    expect(Number.isSafeInteger(MAX_AMOUNT_MINOR)).toBe(true);
  });

  it('parseMinor reads the contract style: "." decimal, optional "," grouping in threes', () => {
    expect(parseMinor('1,000.00', 2)).toEqual({ ok: true, value: 100000 });
    expect(parseMinor('1,00,0.00', 2).ok).toBe(false);
    expect(CONTRACT_AMOUNT_STYLE).toEqual({ decimalSeparator: '.', groupSeparator: ',' });
  });

  it('amountTextProblem checks the shape at the contract, before the currency is known', () => {
    expect(amountTextProblem('1,000.00')).toBeNull();
    expect(amountTextProblem('0.0001')).toBeNull();
    expect(amountTextProblem('999,999,999,999,999')).toBeNull();
    expect(amountTextProblem('1,00,0.00')).toMatch(/thousands/);
    expect(amountTextProblem('0.00001')).toMatch(/decimals/);
    expect(amountTextProblem('1,000,000,000,000,000')).toMatch(/too large/);
    expect(amountTextProblem('-1', { signed: false })).toMatch(/sign/);
  });
});

describe('formatAmount', () => {
  it('formats with the style and groups of three', () => {
    expect(formatAmount(123456789, { exponent: 2, style: US })).toBe('1,234,567.89');
    expect(formatAmount(-123456789, { exponent: 2, style: DE })).toBe('-1.234.567,89');
    expect(formatAmount(5, { exponent: 3, style: CH })).toBe('0.005');
    expect(formatAmount(1234, { exponent: 0, style: FR })).toBe('1 234');
    expect(formatAmount(12345, { exponent: 2, style: { ...PLAIN, impliedDecimals: 2 } })).toBe('12345');
    expect(formatAmount(2n ** 60n, { exponent: 2, style: PLAIN })).toBe('11529215046068469.76');
  });

  it('finds the separators of a locale', () => {
    expect(amountStyleForLocale('en-US')).toEqual({ decimalSeparator: '.', groupSeparator: ',' });
    expect(amountStyleForLocale('de-DE')).toEqual({ decimalSeparator: ',', groupSeparator: '.' });
    const fr = amountStyleForLocale('fr-FR');
    expect(fr.decimalSeparator).toBe(',');
    expect(value(formatAmount(123456, { exponent: 2, style: fr }), 2, fr)).toBe(123456);
    expect(formatAmount(123456, { exponent: 2, locale: 'de-DE' })).toBe('1.234,56');
  });
});

const styleArb = fc.constantFrom(...AMOUNT_STYLES);
const minorArb = fc.integer({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR });

describe('amount properties', () => {
  it('parse(format(x)) === x for every exponent 0..4 and every style, grouped or not', () => {
    fc.assert(
      fc.property(
        minorArb,
        fc.integer({ min: 0, max: 4 }),
        styleArb,
        fc.boolean(),
        (n, exponent, style, group) => {
          const text = formatAmount(n, { exponent, style, grouping: group });
          expect(parseAmount(text, { exponent, style })).toEqual({ ok: true, value: n });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('implied decimals round-trip whenever they hold the exponent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999_999 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        (n, exponent, implied) => {
          fc.pre(implied >= exponent);
          const style: AmountStyle = { ...PLAIN, impliedDecimals: implied };
          expect(parseAmount(formatAmount(n, { exponent, style }), { exponent, style })).toEqual({
            ok: true,
            value: n,
          });
        },
      ),
    );
  });

  it('random valid texts read as the number their digits spell', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 99_999_999_999n }),
        fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 3 }),
        fc.integer({ min: 0, max: 4 }),
        styleArb,
        fc.constantFrom('', '-', '+'),
        (whole, fraction, extra, style, sign) => {
          const exponent = Math.min(4, fraction.length + extra);
          const wholeText = whole.toString().replace(/\B(?=(\d{3})+$)/g, style.groupSeparator);
          const text = sign + wholeText + (fraction ? style.decimalSeparator + fraction : '');
          const expected = whole * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
          const r = parseAmount(text, { exponent, style });
          expect(r).toEqual({
            ok: true,
            value: Number(sign === '-' && expected !== 0n ? -expected : expected),
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws and never returns a non-integer, whatever the text', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.integer({ min: 0, max: 4 }),
        styleArb,
        (text, exponent, style) => {
          const r = parseAmount(text, { exponent, style });
          if (r.ok) expect(Number.isSafeInteger(r.value) && Math.abs(r.value) <= MAX_AMOUNT_MINOR).toBe(true);
          else expect(r.error.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('splitByWeights properties', () => {
  it('parts always sum exactly and none is negative when the total is not, for any count and weights', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_AMOUNT_MINOR }),
        fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 60 }),
        (total, weights) => {
          fc.pre(weights.some((w) => w > 0));
          const parts = splitByWeights(total, weights);
          expect(parts).toHaveLength(weights.length);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p, i) => {
            expect(p).toBeGreaterThanOrEqual(0);
            if (weights[i] === 0) expect(p).toBe(0);
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('negative totals mirror positive ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: MAX_AMOUNT_MINOR }),
        fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          expect(splitByWeights(-total, weights)).toEqual(splitByWeights(total, weights).map((p) => -p || 0));
        },
      ),
    );
  });

  it('refuses weights that could make a part negative or fractional', () => {
    expect(() => splitByWeights(100, [3, -1])).toThrow();
    expect(() => splitByWeights(100, [1.5, 1])).toThrow();
    expect(() => splitByWeights(0.5, [1])).toThrow();
  });
});
