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

/**
 * The largest amount (in minor units, either sign) one payment, entry, line or control total may hold: 15 digits,
 * so that every amount and the sum of a few are exact doubles. Sums over many rows are the ledger's business.
 */
export const MAX_AMOUNT_MINOR = 999_999_999_999_999;

/** The largest minor-unit exponent a currency may have (the currencies table allows 0 to 4). */
export const MAX_EXPONENT = 4;

/**
 * How amount text is written. The group separator may be '' (none); the space and apostrophe forms a locale
 * uses are kept for display and read interchangeably (any of space, no-break space, narrow no-break space;
 * apostrophe or right single quote). `impliedDecimals` is for fixed-width files: digits only, the last N are the
 * fraction.
 */
export type AmountStyle = {
  decimalSeparator: '.' | ',';
  groupSeparator: '' | ',' | '.' | ' ' | '\u00a0' | '\u202f' | "'" | '\u2019';
  impliedDecimals?: number;
};

/**
 * The one style of amount text at the contract (CLI, IPC, bridge, JSON): '.' as the decimal point, optionally ','
 * between groups of three digits ("1,000.00" or "1000.00"), an optional leading sign where signs are allowed.
 */
export const CONTRACT_AMOUNT_STYLE: AmountStyle = { decimalSeparator: '.', groupSeparator: ',' };

/** Every separator combination the parser knows (templates, locales); tests run properties over all of them. */
export const AMOUNT_STYLES: readonly AmountStyle[] = [
  { decimalSeparator: '.', groupSeparator: ',' },
  { decimalSeparator: ',', groupSeparator: '.' },
  { decimalSeparator: '.', groupSeparator: ' ' },
  { decimalSeparator: ',', groupSeparator: ' ' },
  { decimalSeparator: ',', groupSeparator: '\u00a0' },
  { decimalSeparator: ',', groupSeparator: '\u202f' },
  { decimalSeparator: '.', groupSeparator: "'" },
  { decimalSeparator: '.', groupSeparator: '\u2019' },
  { decimalSeparator: '.', groupSeparator: '' },
  { decimalSeparator: ',', groupSeparator: '' },
];

/** The kind of fault in an amount text, for callers that react differently (all are the user's to fix). */
export type AmountProblem = 'empty' | 'not_a_number' | 'grouping' | 'decimals' | 'sign' | 'too_large';

/** Why an amount text was refused: the kind and a sentence naming the text. */
export type AmountParseError = MoneyParseError & { problem: AmountProblem };

/** The result of reading an amount text. */
export type AmountParseResult = { ok: true; value: Minor } | { ok: false; error: AmountParseError };

/** What parseAmount needs to know: the currency's exponent, the style (default: the contract's), signs. */
export type AmountParseOptions = {
  exponent: number;
  style?: AmountStyle;
  /** False refuses a leading '+' or '-' (amounts that are positive by nature). Default true. */
  signed?: boolean;
  /** The text to quote in reasons when the caller stripped symbols or signs first. Default: the text. */
  shown?: string;
};

const DIGITS = /^\d*$/;
/** The characters read as each group separator: the space and apostrophe families are read interchangeably. */
const GROUP_SPLIT: Readonly<Record<Exclude<AmountStyle['groupSeparator'], ''>, RegExp>> = {
  ',': /,/,
  '.': /\./,
  ' ': /[ \u00a0\u202f]/,
  '\u00a0': /[ \u00a0\u202f]/,
  '\u202f': /[ \u00a0\u202f]/,
  "'": /['\u2019]/,
  '\u2019': /['\u2019]/,
};

type Read = { ok: true; negative: boolean; digits: string } | { ok: false; error: AmountParseError };

/**
 * Reads sign, groups and fraction into the digits of the minor-unit magnitude (no ceiling yet). Importers call
 * this once per row of million-row files, so the common cases stay on a few regex tests.
 */
function readAmount(
  text: string,
  exponent: number,
  style: AmountStyle,
  signed: boolean,
  shown: string,
): Read {
  const fault = (problem: AmountProblem, why: string): Read => ({
    ok: false,
    error: { problem, reason: `"${shown.length > 40 ? shown.slice(0, 40) + '...' : shown}" ${why}` },
  });
  let t = text.trim();
  if (t === '') return { ok: false, error: { problem: 'empty', reason: 'amount is empty' } };
  let negative = false;
  if (t[0] === '-' || t[0] === '+') {
    if (!signed) return fault('sign', 'has a sign; write the amount without one');
    negative = t[0] === '-';
    t = t.slice(1);
  }
  let whole: string;
  let fraction: string;
  if (style.impliedDecimals !== undefined) {
    if (t === '' || !DIGITS.test(t)) {
      return fault(
        'not_a_number',
        `is not a whole number of digits (${style.impliedDecimals} implied decimals)`,
      );
    }
    const cut = Math.max(0, t.length - style.impliedDecimals);
    whole = t.slice(0, cut);
    fraction = t.slice(cut).padStart(style.impliedDecimals, '0');
    // Zeros past the exponent carry no value in a fixed-width field; any other digit there would be lost.
    if (fraction.length > exponent && !/[1-9]/.test(fraction.slice(exponent))) {
      fraction = fraction.slice(0, exponent);
    }
  } else {
    const at = t.indexOf(style.decimalSeparator);
    whole = at < 0 ? t : t.slice(0, at);
    fraction = at < 0 ? '' : t.slice(at + 1);
    const group = style.groupSeparator === '' ? undefined : GROUP_SPLIT[style.groupSeparator];
    if (!DIGITS.test(fraction)) {
      if (fraction.includes(style.decimalSeparator))
        return fault('not_a_number', 'has more than one decimal separator');
      if (group?.test(fraction)) return fault('grouping', 'has misplaced thousands separators');
      return fault('not_a_number', 'is not an amount');
    }
    if (!DIGITS.test(whole)) {
      const chunks = group ? whole.split(group) : [whole];
      if (chunks.length === 1 || chunks.some((c) => !DIGITS.test(c)))
        return fault('not_a_number', 'is not an amount');
      const [first = '', ...rest] = chunks;
      if (first.length < 1 || first.length > 3 || rest.some((g) => g.length !== 3)) {
        return fault('grouping', 'has misplaced thousands separators');
      }
      whole = chunks.join('');
    }
    if (whole === '' && fraction === '') return fault('not_a_number', 'is not an amount');
  }
  if (fraction.length > exponent) {
    return fault('decimals', `has ${fraction.length} decimals; the currency allows ${exponent}`);
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+/, '');
  return { ok: true, negative, digits };
}

/** True when a magnitude written as digits (no leading zeros) exceeds the ceiling (compared as strings). */
function above(digits: string, ceiling: string): boolean {
  return digits.length !== ceiling.length ? digits.length > ceiling.length : digits > ceiling;
}

const MAX_DIGITS = String(MAX_AMOUNT_MINOR);

/**
 * Reads amount text into integer minor units, exactly (string arithmetic, never floats): the style's decimal
 * separator, its group separator between groups of three, a leading sign when signed, at most `exponent`
 * decimals, and at most MAX_AMOUNT_MINOR either way. A refusal names the text and the reason.
 */
export function parseAmount(text: string, options: AmountParseOptions): AmountParseResult {
  const style = options.style ?? CONTRACT_AMOUNT_STYLE;
  const shown = options.shown ?? text.trim();
  const r = readAmount(text, options.exponent, style, options.signed ?? true, shown);
  if (!r.ok) return r;
  if (above(r.digits, MAX_DIGITS)) {
    return {
      ok: false,
      error: {
        problem: 'too_large',
        reason: `"${shown}" is too large (at most ${formatAmount(MAX_AMOUNT_MINOR, { exponent: options.exponent })})`,
      },
    };
  }
  const magnitude = r.digits === '' ? 0 : Number(r.digits);
  return { ok: true, value: r.negative && magnitude !== 0 ? -magnitude : magnitude };
}

/**
 * Checks amount text at the contract, before the currency (and so its exponent) is known: the contract style,
 * at most MAX_EXPONENT decimals, and no more than the ceiling in any currency. Returns the reason or null.
 * The service parses again with the currency's own exponent.
 */
export function amountTextProblem(text: string, options: { signed?: boolean } = {}): string | null {
  const r = readAmount(text, MAX_EXPONENT, CONTRACT_AMOUNT_STYLE, options.signed ?? true, text.trim());
  if (!r.ok) {
    return r.error.problem === 'decimals'
      ? `"${text.trim()}" has more than ${MAX_EXPONENT} decimals, more than any currency has`
      : r.error.reason;
  }
  // Read with four decimals, so the whole part may be as large as the ceiling of a currency without decimals.
  if (above(r.digits, MAX_DIGITS + '0'.repeat(MAX_EXPONENT))) {
    return `"${text.trim()}" is too large for any currency (at most ${formatAmount(MAX_AMOUNT_MINOR, { exponent: 0 })})`;
  }
  return null;
}

/**
 * Parses a decimal string in the contract style ("1234.50", "1,234.50", "-3") into minor units without floats.
 * Rejects more fraction digits than the currency's exponent and amounts beyond MAX_AMOUNT_MINOR.
 */
export function parseMinor(
  text: string,
  exponent: number,
): { ok: true; value: Minor } | { ok: false; error: MoneyParseError } {
  return parseAmount(text, { exponent });
}

/** Options of formatAmount: the exponent, and the style or a locale to take it from (default: contract style). */
export type AmountFormatOptions = {
  exponent: number;
  style?: AmountStyle;
  locale?: string;
  /** False writes no group separators. Default true. */
  grouping?: boolean;
};

/**
 * Writes minor units as amount text in a style or a locale's style, exactly (BigInt, so sums beyond 2^53 too);
 * parseAmount reads the result back to the same value.
 */
export function formatAmount(amountMinor: Minor | bigint, options: AmountFormatOptions): string {
  const style =
    options.style ??
    (options.locale !== undefined ? amountStyleForLocale(options.locale) : CONTRACT_AMOUNT_STYLE);
  const { exponent } = options;
  let n = BigInt(amountMinor);
  const negative = n < 0n;
  if (negative) n = -n;
  const sign = negative ? '-' : '';
  if (style.impliedDecimals !== undefined) {
    const shift = style.impliedDecimals - exponent;
    if (shift >= 0) return sign + (n * 10n ** BigInt(shift)).toString();
    const unit = 10n ** BigInt(-shift);
    if (n % unit !== 0n)
      throw new RangeError(`${amountMinor} needs more than ${style.impliedDecimals} decimals`);
    return sign + (n / unit).toString();
  }
  const digits = n.toString().padStart(exponent + 1, '0');
  let whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  if ((options.grouping ?? true) && style.groupSeparator !== '') {
    whole = whole.replace(/\B(?=(\d{3})+$)/g, style.groupSeparator);
  }
  return sign + whole + (exponent > 0 ? style.decimalSeparator + fraction : '');
}

/** Formats minor units as a plain decimal string ("1234.50"), for files and JSON; the renderer localises. */
export function formatMinor(amountMinor: Minor, exponent: number): string {
  return formatAmount(amountMinor, { exponent, grouping: false });
}

const localeStyles = new Map<string, AmountStyle>();

/**
 * The amount style of a locale (default: the runtime's), found from Intl.NumberFormat's parts. A decimal mark
 * other than '.' or ',' falls back to '.'; a group mark the parser does not know means no grouping.
 */
export function amountStyleForLocale(locale?: string): AmountStyle {
  const key = locale ?? '';
  const cached = localeStyles.get(key);
  if (cached) return cached;
  const parts = new Intl.NumberFormat(locale, { useGrouping: true }).formatToParts(1234567.5);
  const decimal = parts.find((p) => p.type === 'decimal')?.value;
  const group = parts.find((p) => p.type === 'group')?.value ?? '';
  const decimalSeparator: AmountStyle['decimalSeparator'] = decimal === ',' ? ',' : '.';
  const known = ['', ',', '.', ' ', '\u00a0', '\u202f', "'", '\u2019'] as const;
  const found = known.find((k) => k === group);
  const groupSeparator: AmountStyle['groupSeparator'] =
    found === undefined || found === decimalSeparator ? '' : found;
  const style: AmountStyle = { decimalSeparator, groupSeparator };
  localeStyles.set(key, style);
  return style;
}

/**
 * Splits a total into parts proportional to integer weights using the largest-remainder method,
 * so the parts always sum exactly to the total. Ties go to the earlier weight.
 */
export function splitByWeights(totalMinor: Minor, weights: readonly number[]): Minor[] {
  if (!Number.isSafeInteger(totalMinor)) throw new Error('splitByWeights needs an integer total');
  // A negative or fractional weight could make a part negative or inexact: refuse it rather than guess.
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new Error('splitByWeights needs whole, non-negative weights');
  }
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
  // `|| 0` keeps a zero part of a negative total from being -0.
  return parts.map((p) => sign * Number(p) || 0);
}

/** True when the value is a safe integer, i.e. a valid minor-unit amount. */
export function isMinor(value: unknown): value is Minor {
  return typeof value === 'number' && Number.isSafeInteger(value);
}
