import { formatLocalAmount } from '../../components/amount';
import { formatIsoDate } from '../../components/locale';

/** The date and amount the Display settings dialog shows for a locale (null: the system's). */
export const EXAMPLE_DATE = '2026-12-31';
export const EXAMPLE_AMOUNT_MINOR = 123456789;

/**
 * How the app would write a date and an amount in a locale: with no choice dates stay ISO (unambiguous across
 * a back office's countries) and amounts follow the system locale, exactly as the screens do.
 */
export function localeExample(locale: string | null, systemLocale: string): { date: string; amount: string } {
  return {
    date: formatIsoDate(EXAMPLE_DATE, locale),
    amount: formatLocalAmount(EXAMPLE_AMOUNT_MINOR, 2, locale ?? systemLocale),
  };
}

/** A locale's name in that locale's own language ("Deutsch (Deutschland)"), or the tag when unknown. */
export function localeName(locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(locale) ?? locale;
  } catch {
    return locale;
  }
}
