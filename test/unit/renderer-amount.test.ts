import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contractAmountText,
  editableAmountText,
  formatLocalAmount,
  parseLocalAmount,
} from '../../src-renderer/src/components/amount';
import { createMoneyFormatter } from '../../src-renderer/src/components/format';
import { fieldPatch } from '../../src-renderer/src/features/batches/entry-fields';
import { MAX_AMOUNT_MINOR, parseMinor } from '../../src-shared/money';

/** The renderer reads and writes amounts in the user's locale with the one shared parser (issue #11, finding 11). */
describe('amounts in the renderer follow the locale', () => {
  it('reads what a German, French, Swiss or US clerk types', () => {
    expect(parseLocalAmount('1.234,56', 2, 'de-DE')).toEqual({ ok: true, value: 123456 });
    expect(parseLocalAmount('1 234,56', 2, 'fr-FR')).toEqual({ ok: true, value: 123456 });
    expect(parseLocalAmount('1,234.56', 2, 'en-US')).toEqual({ ok: true, value: 123456 });
    expect(parseLocalAmount('1.234,56', 2, 'en-US').ok).toBe(false);
    expect(parseLocalAmount('1,234', 3, 'de-DE')).toEqual({ ok: true, value: 1234 });
  });

  it('sends the contract text the services read back to the same value', () => {
    expect(contractAmountText('1.234,56', 2, 'de-DE')).toBe('1234.56');
    expect(contractAmountText('12', 0, 'de-DE')).toBe('12');
    // Text that means the same in the contract style keeps the clerk's own writing.
    expect(contractAmountText(' 5 ', 2, 'en-US')).toBe('5');
    expect(contractAmountText('1,000.5', 2, 'en-US')).toBe('1,000.5');
    // A German "1,5" (KWD) is 1.500 in the contract; sent as typed the service would refuse or misread it.
    expect(contractAmountText('1,5', 3, 'de-DE')).toBe('1.500');
    expect(contractAmountText('1.500', 3, 'de-DE')).toBe('1500.000');
    // Text that does not read in the locale goes as typed, so the service names the problem on the entry.
    expect(contractAmountText('abc', 2, 'de-DE')).toBe('abc');
    expect(fieldPatch(7, 'amount', ' 1.000,50 ', { exponent: 2, locale: 'de-DE' })).toEqual({
      id: 7,
      amount: '1000.50',
    });
    expect(fieldPatch(7, 'amount', '', { exponent: 2, locale: 'de-DE' })).toEqual({ id: 7, amount: null });
  });

  it('shows stored amounts for editing so that saving them again keeps the value', () => {
    expect(editableAmountText('5', 500, 2, 'de-DE')).toBe('5');
    expect(editableAmountText('1.500', 1500, 3, 'de-DE')).toBe('1,500');
    expect(editableAmountText('1000.50', 100050, 2, 'de-DE')).toBe('1.000,50');
    expect(editableAmountText('abc', null, 2, 'de-DE')).toBe('abc');
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('en-US', 'de-DE', 'fr-FR', 'de-CH'),
        (n, exponent, locale) => {
          const stored = contractAmountText(formatLocalAmount(n, exponent, locale), exponent, locale);
          const shown = editableAmountText(stored, n, exponent, locale);
          expect(parseMinor(contractAmountText(shown, exponent, locale), exponent)).toEqual({
            ok: true,
            value: n,
          });
        },
      ),
    );
  });

  it('formats so that the locale reads it back, for every exponent', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -MAX_AMOUNT_MINOR, max: MAX_AMOUNT_MINOR }),
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom('en-US', 'de-DE', 'fr-FR', 'de-CH', 'en-IN', 'sv-SE', 'ja-JP'),
        (n, exponent, locale) => {
          expect(parseLocalAmount(formatLocalAmount(n, exponent, locale), exponent, locale)).toEqual({
            ok: true,
            value: n,
          });
          const contract = contractAmountText(formatLocalAmount(n, exponent, locale), exponent, locale);
          expect(parseMinor(contract, exponent)).toEqual({ ok: true, value: n });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the money formatter shows what the amount fields read', () => {
    const money = createMoneyFormatter([{ code: 'EUR', exponent: 2, name: 'Euro' }] as never, 'de-DE');
    expect(money(123456789, 'EUR')).toBe('1.234.567,89');
    const indian = createMoneyFormatter([{ code: 'INR', exponent: 2, name: 'Rupee' }] as never, 'en-IN');
    expect(parseLocalAmount(indian(12345678901, 'INR'), 2, 'en-IN')).toEqual({
      ok: true,
      value: 12345678901,
    });
  });
});
