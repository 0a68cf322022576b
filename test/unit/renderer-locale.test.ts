import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseLocalAmount, formatLocalAmount } from '../../src-renderer/src/components/amount';
import {
  formatCount,
  formatDate,
  formatLocalDateTime,
  formatTimestamp,
} from '../../src-renderer/src/components/format';
import {
  chosenLocale,
  formatIsoDate,
  LOCALE_CHOICES,
  parseLocalDate,
  saveUserLocale,
  subscribeLocale,
  userLocale,
} from '../../src-renderer/src/components/locale';
import { localeExample, localeName } from '../../src-renderer/src/features/auth/locale-example';

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

describe('choosing the locale in Language & formats (issue #16)', () => {
  it('offers the system default first, then the desk locales, each a canonical tag', () => {
    expect(LOCALE_CHOICES[0]).toBeNull();
    for (const l of LOCALE_CHOICES.slice(1)) expect(Intl.getCanonicalLocales(l!)[0]).toBe(l);
    expect(LOCALE_CHOICES).toEqual([null, 'en-US', 'en-GB', 'de-DE', 'fr-FR', 'nl-NL']);
  });

  it('tells the subscribers when the choice is saved, and stops after unsubscribing', () => {
    fakeWindow();
    const seen: (string | null)[] = [];
    const off = subscribeLocale(() => seen.push(chosenLocale()));
    saveUserLocale('nl-NL');
    saveUserLocale(null);
    off();
    saveUserLocale('fr-FR');
    expect(seen).toEqual(['nl-NL', null]);
  });

  it('shows the example date and amount the screens would show', () => {
    expect(localeExample('de-DE', 'en-US')).toEqual({ date: '31.12.2026', amount: '1.234.567,89' });
    expect(localeExample('en-US', 'de-DE')).toEqual({ date: '12/31/2026', amount: '1,234,567.89' });
    expect(localeExample('en-GB', 'en-US')).toEqual({ date: '31/12/2026', amount: '1,234,567.89' });
    expect(localeExample('nl-NL', 'en-US')).toEqual({ date: '31-12-2026', amount: '1.234.567,89' });
    // The system default: ISO dates, amounts in the system's separators.
    expect(localeExample(null, 'de-DE')).toEqual({ date: '2026-12-31', amount: '1.234.567,89' });
    expect(localeExample('fr-FR', 'en-US').amount).toMatch(/^1[\u202f\u00a0]234[\u202f\u00a0]567,89$/u);
  });

  it('names each locale in its own language', () => {
    expect(localeName('de-DE')).toBe('Deutsch (Deutschland)');
    expect(localeName('nl-NL')).toBe('Nederlands (Nederland)');
  });

  it('groups counts in the locale', () => {
    expect(formatCount(1234567, 'de-DE')).toBe('1.234.567');
    expect(formatCount(1234567, 'en-US')).toBe('1,234,567');
  });

  it('writes timestamps to the minute: ISO order without a choice, the locale order with one', () => {
    const at = new Date(2026, 11, 4, 9, 5).toISOString();
    expect(formatLocalDateTime(at, null)).toBe('2026-12-04 09:05');
    expect(formatLocalDateTime(at, 'de-DE')).toBe('04.12.2026, 09:05');
    expect(formatLocalDateTime(null, 'de-DE')).toBe('—');
  });

  it('writes stored UTC timestamps on their own clock: as before without a choice, the locale order with one', () => {
    const at = '2026-12-04T23:45:09.123Z';
    expect(formatTimestamp(at, 'minute', null)).toBe('2026-12-04 23:45');
    expect(formatTimestamp(at, 'second', null)).toBe('2026-12-04 23:45:09');
    // The day and hour stay the ledger's (UTC), whatever the machine's zone: only the writing follows the locale.
    expect(formatTimestamp(at, 'minute', 'de-DE')).toBe('04.12.2026, 23:45');
    expect(formatTimestamp(at, 'second', 'de-DE')).toBe('04.12.2026, 23:45:09');
    expect(formatTimestamp('2026-12-04 08:00', 'minute', 'en-GB')).toBe('04/12/2026, 08:00');
    expect(formatTimestamp(null, 'minute', 'de-DE')).toBe('—');
    expect(formatTimestamp('not a time', 'minute', 'de-DE')).toBe('not a time');
  });

  it('writes an ISO date in the chosen locale, ISO without one, a dash when absent', () => {
    fakeWindow();
    expect(formatDate('2026-12-04')).toBe('2026-12-04');
    saveUserLocale('de-DE');
    expect(formatDate('2026-12-04')).toBe('04.12.2026');
    expect(formatTimestamp('2026-12-04T09:15:00Z')).toBe('04.12.2026, 09:15');
    expect(formatDate(null)).toBe('—');
  });
});
