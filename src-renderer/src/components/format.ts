import { KNOWN_EXPONENTS, type Minor } from '../../../src-shared/money';
import { formatLocalAmount } from './amount';
import { chosenLocale, dateTimeFormat, formatIsoDate, userLocale } from './locale';
import type { CurrencyDto } from '../../../src-shared/dto/app';

/** Formats integer minor units for display; `withCode` appends the ISO currency code. */
export type MoneyFormatter = (amountMinor: Minor, currency: string, withCode?: boolean) => string;

/**
 * Builds a money formatter from the ledger's currencies, in the locale's separators and groups of three, exactly
 * as the amount fields read text back (the shared formatter: BigInt strings, never floats).
 */
export function createMoneyFormatter(currencies: readonly CurrencyDto[], locale?: string): MoneyFormatter {
  const exponents = new Map(currencies.map((c) => [c.code, c.exponent]));
  return (amountMinor, currency, withCode = false) => {
    const exponent = exponents.get(currency) ?? KNOWN_EXPONENTS[currency] ?? 2;
    const text = formatLocalAmount(amountMinor, exponent, locale);
    return withCode ? `${text} ${currency}` : text;
  };
}

const countFormats = new Map<string, Intl.NumberFormat>();

/** Formats a whole count with grouping in the user's locale ("12,345"; "12.345" in de-DE). */
export function formatCount(n: number, locale: string = userLocale()): string {
  let format = countFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale);
    countFormats.set(locale, format);
  }
  return format.format(n);
}

/** Formats an ISO date (YYYY-MM-DD) for display: ISO unless the user chose a locale (see locale.ts). */
export function formatDate(iso: string | null | undefined): string {
  return iso ? formatIsoDate(iso) : '—';
}

/**
 * Formats an ISO timestamp as local date and time to the minute: "YYYY-MM-DD HH:MM" until the user chooses a
 * locale (as dates), then that locale's numeric date and time ("04.12.2026, 09:15"). "—" when absent.
 */
export function formatLocalDateTime(
  iso: string | null | undefined,
  locale: string | null = chosenLocale(),
): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (!locale) {
    const two = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
  }
  const format = dateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return format.format(d);
}

/**
 * Writes a stored timestamp ("2026-12-04T09:15:30.123Z" or "2026-12-04 09:15") by its own wall-clock digits, to
 * the minute or the second: "2026-12-04 09:15" until the user chooses a locale (as dates), then that locale's
 * numeric date and time ("04.12.2026, 09:15"). The clock is the one the text carries (the ledger's UTC), never
 * shifted to the machine's zone, so only the writing changes with the locale. "—" when absent; text that is
 * not a timestamp is shown as it is.
 */
export function formatTimestamp(
  iso: string | null | undefined,
  precision: 'minute' | 'second' = 'minute',
  locale: string | null = chosenLocale(),
): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(iso);
  if (!m) return iso;
  if (!locale) return iso.replace('T', ' ').slice(0, precision === 'second' ? 19 : 16);
  const format = dateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(precision === 'second' ? { second: '2-digit' as const } : {}),
    timeZone: 'UTC',
  });
  const [y, mo, d, h, mi, s] = m.slice(1).map((p) => Number(p ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return format.format(new Date(Date.UTC(y, mo - 1, d, h, mi, s)));
}
