import {
  amountStyleForLocale,
  formatAmount,
  formatMinor,
  parseAmount,
  parseMinor,
  type AmountParseResult,
  type Minor,
} from '../../../src-shared/money';
import { userLocale } from './locale';

/**
 * Reads amount text as the user's locale writes it (its decimal and group separators), with the one shared
 * parser: the renderer's only amount reader, for grid cells and dialog fields alike.
 */
export function parseLocalAmount(text: string, exponent: number, locale?: string): AmountParseResult {
  return parseAmount(text, { exponent, style: amountStyleForLocale(locale ?? userLocale()) });
}

/** Writes minor units for an amount field in the user's locale; parseLocalAmount reads the text back exactly. */
export function formatLocalAmount(amountMinor: Minor, exponent: number, locale?: string): string {
  return formatAmount(amountMinor, { exponent, style: amountStyleForLocale(locale ?? userLocale()) });
}

/**
 * The text to send over the contract for what the user typed. Text that means the same in the contract style
 * goes as typed (the entry keeps the clerk's text); text that reads differently there goes as the contract's plain
 * decimal; text that does not read in the locale goes as typed, so the service names the problem where it was keyed.
 */
export function contractAmountText(text: string, exponent: number, locale?: string): string {
  const t = text.trim();
  const local = parseLocalAmount(t, exponent, locale);
  if (!local.ok) return t;
  const asContract = parseMinor(t, exponent);
  return asContract.ok && asContract.value === local.value ? t : formatMinor(local.value, exponent);
}

/**
 * The text an amount field shows for editing: the stored text when it reads, in the locale, as the stored amount;
 * otherwise the amount written in the locale (the stored text is then the contract's plain decimal).
 */
export function editableAmountText(
  storedText: string | null,
  amountMinor: Minor | null,
  exponent: number,
  locale?: string,
): string {
  if (amountMinor === null) return storedText ?? '';
  const local = storedText === null ? null : parseLocalAmount(storedText, exponent, locale);
  return local?.ok && local.value === amountMinor
    ? (storedText ?? '')
    : formatLocalAmount(amountMinor, exponent, locale);
}
