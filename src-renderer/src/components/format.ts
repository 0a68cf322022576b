import { formatMinor, KNOWN_EXPONENTS, type Minor } from '../../../src-shared/money';
import type { CurrencyDto } from '../../../src-shared/dto/app';

/** Formats integer minor units for display; `withCode` appends the ISO currency code. */
export type MoneyFormatter = (amountMinor: Minor, currency: string, withCode?: boolean) => string;

/**
 * Builds a money formatter from the ledger's currencies. The amount goes to Intl.NumberFormat as an exact
 * decimal string (never a float), with exactly as many fraction digits as the currency's exponent.
 */
export function createMoneyFormatter(currencies: readonly CurrencyDto[], locale?: string): MoneyFormatter {
  const exponents = new Map(currencies.map((c) => [c.code, c.exponent]));
  const formats = new Map<number, Intl.NumberFormat>();
  const formatFor = (exponent: number): Intl.NumberFormat => {
    let f = formats.get(exponent);
    if (!f) {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: exponent, maximumFractionDigits: exponent });
      formats.set(exponent, f);
    }
    return f;
  };
  return (amountMinor, currency, withCode = false) => {
    const exponent = exponents.get(currency) ?? KNOWN_EXPONENTS[currency] ?? 2;
    const decimal = formatMinor(amountMinor, exponent) as `${number}`;
    const text = formatFor(exponent).format(decimal);
    return withCode ? `${text} ${currency}` : text;
  };
}

const countFormat = new Intl.NumberFormat();

/** Formats a whole count with grouping ("12,345"). */
export function formatCount(n: number): string {
  return countFormat.format(n);
}

/** Formats an ISO date (YYYY-MM-DD) for display; ISO stays unambiguous for a back office, so it is kept. */
export function formatDate(iso: string | null | undefined): string {
  return iso ?? '—';
}
