/** Integer count of minor units (cents, pence, yen). Never a float. */
export type Minor = number;

/** An amount of money: integer minor units and an ISO 4217 code. */
export type Money = { amountMinor: Minor; currency: string };

/** Minor-unit exponents of the currencies Paydesk ships with; the ledger's currencies table is authoritative. */
export const KNOWN_EXPONENTS: Readonly<Record<string, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  CHF: 2,
  AUD: 2,
  SEK: 2,
  JPY: 0,
  KWD: 3,
  BHD: 3,
};

/** Why a decimal string could not be read as money. */
export type MoneyParseError = { reason: string };

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$/;

/**
 * Parses a decimal string such as "1234.50" or "-3" into minor units without floats.
 * Rejects more fraction digits than the currency's exponent and values beyond 2^53.
 */
export function parseMinor(
  text: string,
  exponent: number,
): { ok: true; value: Minor } | { ok: false; error: MoneyParseError } {
  const trimmed = text.trim();
  const m = DECIMAL.exec(trimmed);
  if (!m) return { ok: false, error: { reason: `"${text}" is not a decimal amount` } };
  const [, sign, whole = '', fraction = ''] = m;
  if (fraction.length > exponent) {
    return {
      ok: false,
      error: { reason: `"${text}" has ${fraction.length} decimals; the currency allows ${exponent}` },
    };
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > 15) return { ok: false, error: { reason: `"${text}" is too large` } };
  const magnitude = Number(digits);
  return { ok: true, value: sign === '-' ? -magnitude : magnitude };
}

/** Formats minor units as a plain decimal string ("1234.50"), for files and JSON; the renderer localises. */
export function formatMinor(amountMinor: Minor, exponent: number): string {
  const negative = amountMinor < 0;
  const digits = String(Math.abs(amountMinor)).padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : '.' + digits.slice(digits.length - exponent);
  return (negative ? '-' : '') + whole + fraction;
}

/**
 * Splits a total into parts proportional to integer weights using the largest-remainder method,
 * so the parts always sum exactly to the total. Ties go to the earlier weight.
 */
export function splitByWeights(totalMinor: Minor, weights: readonly number[]): Minor[] {
  if (weights.length === 0) return [];
  const sumWeights = weights.reduce((a, b) => a + b, 0);
  if (sumWeights <= 0) throw new Error('splitByWeights needs a positive weight sum');
  const sign = totalMinor < 0 ? -1 : 1;
  const total = BigInt(Math.abs(totalMinor));
  const sum = BigInt(sumWeights);
  const parts = weights.map((w) => (total * BigInt(w)) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (total * BigInt(w)) % sum }));
  let left = total - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (b.r > a.r ? 1 : b.r < a.r ? -1 : a.i - b.i));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] = (parts[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map((p) => sign * Number(p));
}

/** True when the value is a safe integer, i.e. a valid minor-unit amount. */
export function isMinor(value: unknown): value is Minor {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
