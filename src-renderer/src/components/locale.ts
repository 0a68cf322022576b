import { useSyncExternalStore } from 'react';

const LOCALE_KEY = 'paydesk.locale';

/** The locales offered in Display settings; null follows the operating system. */
export const LOCALE_CHOICES: readonly (string | null)[] = [null, 'en-US', 'en-GB', 'de-DE', 'fr-FR', 'nl-NL'];

const listeners = new Set<() => void>();

/** Calls `listener` whenever the chosen locale changes (here or in another window); returns the unsubscribe. */
export function subscribeLocale(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key === LOCALE_KEY) listener();
  };
  if (typeof window !== 'undefined' && typeof window.addEventListener === 'function')
    window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    if (typeof window !== 'undefined' && typeof window.removeEventListener === 'function')
      window.removeEventListener('storage', onStorage);
  };
}

/** The chosen locale (null: the system's) as React state: a component re-renders when the user changes it. */
export function useChosenLocale(): string | null {
  return useSyncExternalStore(subscribeLocale, chosenLocale, () => null);
}

/** The locale the user chose in Paydesk, or null when they left it to the system. */
export function chosenLocale(): string | null {
  try {
    const stored = window.localStorage.getItem(LOCALE_KEY);
    if (!stored) return null;
    return Intl.getCanonicalLocales(stored)[0] ?? null;
  } catch {
    return null;
  }
}

/** The locale amounts (and, when chosen, dates) are written and read in: the user's choice, else the system's. */
export function userLocale(): string {
  return chosenLocale() ?? ((typeof navigator !== 'undefined' && navigator.language) || 'en-US');
}

/**
 * Remembers the user's locale (null: follow the system) and tells the subscribers, so the app re-renders in it
 * without a reload.
 */
export function saveUserLocale(locale: string | null): void {
  try {
    if (locale === null) window.localStorage.removeItem(LOCALE_KEY);
    else window.localStorage.setItem(LOCALE_KEY, Intl.getCanonicalLocales(locale)[0] ?? locale);
  } catch {
    // Without storage the system locale stays in use.
  }
  for (const listener of [...listeners]) listener();
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** One Intl.DateTimeFormat per locale and options, built once (building one costs far more than using it). */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, options);
    dateTimeFormats.set(key, format);
  }
  return format;
}

/**
 * Writes an ISO date (YYYY-MM-DD) for display. Until the user chooses a locale the ISO form is kept (it is
 * unambiguous across a back office's countries); with a chosen locale it is that locale's numeric date.
 */
export function formatIsoDate(iso: string, locale: string | null = chosenLocale()): string {
  if (!locale || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const format = dateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    timeZone: 'UTC',
  });
  return format.format(new Date(`${iso}T00:00:00Z`));
}

/**
 * Reads a date typed in the chosen locale's numeric order (or ISO) back to ISO; null when it is not a real date.
 */
export function parseLocalDate(text: string, locale: string | null = chosenLocale()): string | null {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
  const parts = iso ? [iso[1]!, iso[2]!, iso[3]!] : localParts(t, locale);
  if (!parts) return null;
  const [y, m, d] = parts.map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Splits "04/12/2026" style text by the order the locale writes year, month and day in. */
function localParts(text: string, locale: string | null): [string, string, string] | null {
  if (!locale) return null;
  const numbers = text.split(/[^\d]+/).filter(Boolean);
  if (numbers.length !== 3) return null;
  const order = new Intl.DateTimeFormat(locale, { year: 'numeric', month: '2-digit', day: '2-digit' })
    .formatToParts(new Date(Date.UTC(2001, 10, 22)))
    .map((p) => p.type)
    .filter((t) => t === 'year' || t === 'month' || t === 'day');
  const value = (type: string) => numbers[order.indexOf(type as 'year')] ?? '';
  const year = value('year');
  if (year.length !== 4) return null;
  return [year, value('month'), value('day')];
}
