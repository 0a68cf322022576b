import { KNOWN_EXPONENTS, parseAmount } from '../../../src-shared/money';

/**
 * ISO 4217 minor-unit exponents of currencies found in bank files beyond the ones Paydesk ships with
 * (KNOWN_EXPONENTS); a currency in neither list cannot be read exactly and is a problem.
 */
const MORE_EXPONENTS: Readonly<Record<string, number>> = {
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  HUF: 2,
  RON: 2,
  BGN: 2,
  ISK: 0,
  NZD: 2,
  SGD: 2,
  HKD: 2,
  CNY: 2,
  INR: 2,
  MXN: 2,
  BRL: 2,
  ZAR: 2,
  TND: 3,
  OMR: 3,
  JOD: 3,
  KRW: 0,
  CLP: 0,
  VND: 0,
};

/** The minor-unit exponent of an ISO 4217 currency code, or undefined when unknown. */
export function currencyExponent(code: string): number | undefined {
  return KNOWN_EXPONENTS[code] ?? MORE_EXPONENTS[code];
}

/** A decimal amount read into minor units, or why it cannot be. `paddedZeros` marks extra zero decimals. */
export type DecimalRead = { ok: true; minor: number; paddedZeros: boolean } | { ok: false; reason: string };

const XS_DECIMAL = /^\+?(\d+)(?:\.(\d*))?$|^\+?\.(\d+)$/;

/**
 * Reads an xs:decimal amount (ISO 20022 ActiveOrHistoricCurrencyAndAmount: no sign, up to 5 decimals) into
 * integer minor units of its currency with string arithmetic (src-shared/money parseAmount), never floats.
 * More decimals than the currency has are refused unless every extra digit is zero (`18.150` EUR = 1815,
 * flagged `paddedZeros`): the genkgo "five decimals" statement is schema-valid, and a zero carries no value.
 */
export function decimalToMinor(text: string, currency: string): DecimalRead {
  const t = text.trim();
  const exponent = currencyExponent(currency);
  if (exponent === undefined)
    return { ok: false, reason: `currency "${currency}" is not a known ISO 4217 code` };
  const m = XS_DECIMAL.exec(t);
  if (!m) return { ok: false, reason: `"${t}" is not a decimal amount` };
  const whole = m[1] ?? '0';
  let fraction = m[2] ?? m[3] ?? '';
  let paddedZeros = false;
  if (fraction.length > exponent) {
    const extra = fraction.slice(exponent);
    if (/[1-9]/.test(extra))
      return {
        ok: false,
        reason: `"${t}" has ${fraction.length} decimals; ${currency} has ${exponent}`,
      };
    fraction = fraction.slice(0, exponent);
    paddedZeros = true;
  }
  const r = parseAmount(fraction === '' ? whole : `${whole}.${fraction}`, {
    exponent,
    signed: false,
    shown: t,
  });
  if (!r.ok) return { ok: false, reason: r.error.reason };
  return { ok: true, minor: r.value, paddedZeros };
}
