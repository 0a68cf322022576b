import {
  amountStyleForLocale,
  formatAmount,
  formatMinor,
  parseAmount,
  type AmountParseResult,
  type Minor,
} from '../../../src-shared/money';

/**
 * Reads amount text as the user's locale writes it (its decimal and group separators), with the one shared
 * parser: the renderer's only amount reader, for grid cells and dialog fields alike.
 */
export function parseLocalAmount(text: string, exponent: number, locale?: string): AmountParseResult {
  return parseAmount(text, { exponent, style: amountStyleForLocale(locale) });
}

/** Writes minor units for an amount field in the user's locale; parseLocalAmount reads the text back exactly. */
export function formatLocalAmount(amountMinor: Minor, exponent: number, locale?: string): string {
  return formatAmount(amountMinor, { exponent, style: amountStyleForLocale(locale) });
}

/**
 * The text to send over the contract for what the user typed: the contract's plain decimal when it reads in the
 * locale, otherwise the text as typed, so the service names the problem where the user keyed it.
 */
export function contractAmountText(text: string, exponent: number, locale?: string): string {
  const r = parseLocalAmount(text, exponent, locale);
  return r.ok ? formatMinor(r.value, exponent) : text.trim();
}
