import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatMinor, parseMinor, splitByWeights } from '../../src-shared/money';

describe('parseMinor', () => {
  it('reads decimal strings into integer minor units', () => {
    expect(parseMinor('1234.50', 2)).toEqual({ ok: true, value: 123450 });
    expect(parseMinor('-3', 2)).toEqual({ ok: true, value: -300 });
    expect(parseMinor('0.1', 2)).toEqual({ ok: true, value: 10 });
    expect(parseMinor('12', 0)).toEqual({ ok: true, value: 12 });
    expect(parseMinor('1.234', 3)).toEqual({ ok: true, value: 1234 });
    expect(parseMinor(' 7.00 ', 2)).toEqual({ ok: true, value: 700 });
  });
  it('refuses more decimals than the currency has, and non-numbers', () => {
    expect(parseMinor('1.234', 2).ok).toBe(false);
    expect(parseMinor('1.5', 0).ok).toBe(false);
    expect(parseMinor('abc', 2).ok).toBe(false);
    expect(parseMinor('1e5', 2).ok).toBe(false);
    expect(parseMinor('', 2).ok).toBe(false);
    expect(parseMinor('1,00', 2).ok).toBe(false);
    expect(parseMinor('99999999999999999', 2).ok).toBe(false);
  });
  it('round-trips with formatMinor', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), fc.integer({ min: 0, max: 3 }), (n, exp) => {
        const r = parseMinor(formatMinor(n, exp), exp);
        expect(r).toEqual({ ok: true, value: n });
      }),
    );
  });
});

describe('splitByWeights', () => {
  it('always sums exactly to the total', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e12, max: 1e12 }),
        fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 1, maxLength: 50 }),
        (total, weights) => {
          const parts = splitByWeights(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          parts.forEach((p) => expect(Number.isSafeInteger(p)).toBe(true));
        },
      ),
    );
  });
  it('gives the remainder to the largest remainders', () => {
    expect(splitByWeights(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(splitByWeights(10, [3, 7])).toEqual([3, 7]);
  });
});
