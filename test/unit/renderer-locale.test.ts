import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseLocalAmount, formatLocalAmount } from '../../src-renderer/src/components/amount';
import {
  chosenLocale,
  formatIsoDate,
  parseLocalDate,
  saveUserLocale,
  userLocale,
} from '../../src-renderer/src/components/locale';

/** A localStorage stand-in: the unit tests run in Node, where the renderer's window does not exist. */
function fakeWindow(): Map<string, string> {
  const store = new Map<string, string>();
  vi.stubGlobal('window', {
    localStorage: {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
      removeItem: (k: string) => void store.delete(k),
    },
  });
  return store;
}

afterEach(() => vi.unstubAllGlobals());

describe('the user locale (issue #16)', () => {
  it('follows the system until the user chooses, then the choice, canonicalised', () => {
    const store = fakeWindow();
    expect(chosenLocale()).toBeNull();
    saveUserLocale('de-de');
    expect(store.get('paydesk.locale')).toBe('de-DE');
    expect(userLocale()).toBe('de-DE');
    saveUserLocale(null);
    expect(chosenLocale()).toBeNull();
  });

  it('reads and writes amounts in the chosen locale with the shared parser', () => {
    fakeWindow();
    saveUserLocale('de-DE');
    expect(parseLocalAmount('1.234,56', 2)).toEqual({ ok: true, value: 123456 });
    expect(formatLocalAmount(123456, 2)).toBe('1.234,56');
    saveUserLocale('en-US');
    expect(parseLocalAmount('1.234,56', 2).ok).toBe(false);
    expect(formatLocalAmount(123456, 2)).toBe('1,234.56');
  });

  it('keeps ISO dates without a choice and writes the locale order with one', () => {
    expect(formatIsoDate('2026-12-04', null)).toBe('2026-12-04');
    expect(formatIsoDate('2026-12-04', 'de-DE')).toBe('04.12.2026');
    expect(formatIsoDate('2026-12-04', 'en-US')).toBe('12/04/2026');
    expect(formatIsoDate('2026-12-04', 'en-GB')).toBe('04/12/2026');
  });

  it('reads dates back in the locale order, and ISO always; refuses dates that do not exist', () => {
    expect(parseLocalDate('04.12.2026', 'de-DE')).toBe('2026-12-04');
    expect(parseLocalDate('12/04/2026', 'en-US')).toBe('2026-12-04');
    expect(parseLocalDate('2026-12-04', 'en-US')).toBe('2026-12-04');
    expect(parseLocalDate('2026-02-30', null)).toBeNull();
    expect(parseLocalDate('31/02/2026', 'en-GB')).toBeNull();
    expect(parseLocalDate('04.12.26', 'de-DE')).toBeNull();
    expect(parseLocalDate('04.12.2026', null)).toBeNull();
  });
});
