import { parseAmount, type Minor } from '../../../src-shared/money';

/** How amounts are written in a file. */
export type AmountFormat = {
  /** Minor-unit exponent of the currency (2 for USD, 0 for JPY, 3 for KWD). */
  exponent: number;
  decimalSeparator: '.' | ',';
  /** '' when amounts carry no thousands separator. */
  thousandsSeparator: '' | ',' | '.' | ' ' | "'";
  /** Amounts have no separator and the last N digits are the fraction (cents in fixed-width files). */
  impliedDecimals?: number;
};

/** A parsed value or the reason it could not be read. */
export type ValueResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Date layouts a template may declare; M/d accept one or two digits, yy means 1970-2069. */
export const DATE_FORMATS = [
  'MM/dd/yyyy',
  'dd/MM/yyyy',
  'dd.MM.yyyy',
  'yyyy-MM-dd',
  'yyyy/MM/dd',
  'MM-dd-yyyy',
  'dd-MM-yyyy',
  'yyyyMMdd',
  'MMddyyyy',
  'ddMMyyyy',
  'MMddyy',
  'yyMMdd',
  'ddMMyy',
  'MM/dd/yy',
  'dd/MM/yy',
  'dd.MM.yy',
  'M/d/yyyy',
  'd/M/yyyy',
  'd.M.yyyy',
  'M/d/yy',
  'd/M/yy',
] as const;
/** One of DATE_FORMATS. */
export type DateFormat = (typeof DATE_FORMATS)[number];

const CURRENCY_SYMBOLS = /^[$€£¥]|[$€£¥]$/g;

/**
 * Reads an amount written as text into integer minor units without floats.
 * Accepts a leading sign, parentheses or a trailing minus for negatives, a leading or trailing currency symbol,
 * the template's decimal and thousands separators, or implied decimals; rejects more decimals than the exponent.
 */
export function parseAmountMinor(text: string, format: AmountFormat): ValueResult<Minor> {
  const shown = text.length > 40 ? text.slice(0, 40) + '...' : text;
  let t = text.trim().replace(CURRENCY_SYMBOLS, '').trim();
  if (t === '') return { ok: false, reason: 'amount is empty' };
  let negative = false;
  let signs = 0;
  if (t.startsWith('(') && t.endsWith(')')) {
    negative = true;
    signs++;
    t = t.slice(1, -1).trim();
  }
  if (t.startsWith('-') || t.startsWith('+')) {
    negative = negative || t.startsWith('-');
    signs++;
    t = t.slice(1).trim();
  }
  if (t.endsWith('-') || t.endsWith('+')) {
    negative = negative || t.endsWith('-');
    signs++;
    t = t.slice(0, -1).trim();
  }
  t = t.replace(CURRENCY_SYMBOLS, '').trim();
  if (signs > 1) return { ok: false, reason: `"${shown}" has more than one sign` };
  if (t === '') return { ok: false, reason: `"${shown}" has no digits` };
  // Symbols and bank sign conventions are peeled off above; the number itself is read by the one shared parser.
  const r = parseAmount(t, {
    exponent: format.exponent,
    style: {
      decimalSeparator: format.decimalSeparator,
      groupSeparator: format.thousandsSeparator,
      ...(format.impliedDecimals !== undefined ? { impliedDecimals: format.impliedDecimals } : {}),
    },
    signed: false,
    shown,
  });
  if (!r.ok) {
    const reason =
      r.error.problem === 'sign'
        ? `"${shown}" is not an amount`
        : r.error.reason.replace(/^amount is empty$/, `"${shown}" has no digits`);
    return { ok: false, reason };
  }
  return { ok: true, value: negative && r.value !== 0 ? -r.value : r.value };
}

/** True for a Gregorian leap year. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month (1-12) of a year. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

type DatePattern = { regex: RegExp; order: ('y' | 'yy' | 'M' | 'd')[] };
const patternCache = new Map<string, DatePattern>();

function compile(format: string): DatePattern {
  const cached = patternCache.get(format);
  if (cached) return cached;
  const compact = /^[yMd]+$/.test(format);
  const order: DatePattern['order'] = [];
  let source = '^';
  const tokens = format.match(/yyyy|yy|MM|M|dd|d|[^yMd]/g) ?? [];
  for (const token of tokens) {
    if (token === 'yyyy') {
      source += '(\\d{4})';
      order.push('y');
    } else if (token === 'yy') {
      source += '(\\d{2})';
      order.push('yy');
    } else if (token === 'MM' || token === 'dd') {
      source += compact ? '(\\d{2})' : '(\\d{1,2})';
      order.push(token === 'MM' ? 'M' : 'd');
    } else if (token === 'M' || token === 'd') {
      source += '(\\d{1,2})';
      order.push(token);
    } else {
      source += token.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const pattern = { regex: new RegExp(source + '$'), order };
  patternCache.set(format, pattern);
  return pattern;
}

/** Reads a date in the given layout as ISO yyyy-MM-dd; rejects impossible dates such as 02/30/2024. */
export function parseDateIso(text: string, format: string): ValueResult<string> {
  const t = text.trim();
  const shown = t.length > 40 ? t.slice(0, 40) + '...' : t;
  if (t === '') return { ok: false, reason: 'date is empty' };
  const { regex, order } = compile(format);
  const m = regex.exec(t);
  if (!m) return { ok: false, reason: `"${shown}" does not match the date format ${format}` };
  let year = 0;
  let month = 0;
  let day = 0;
  order.forEach((part, i) => {
    const n = parseInt(m[i + 1] ?? '', 10);
    if (part === 'y') year = n;
    else if (part === 'yy') year = n < 70 ? 2000 + n : 1900 + n;
    else if (part === 'M') month = n;
    else day = n;
  });
  if (year < 1900 || year > 2199) return { ok: false, reason: `"${shown}" has an implausible year ${year}` };
  if (month < 1 || month > 12) return { ok: false, reason: `"${shown}" has no month ${month}` };
  if (day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: `"${shown}" is not a real date (${year}-${pad2(month)} has no day ${day})` };
  }
  return { ok: true, value: `${year}-${pad2(month)}-${pad2(day)}` };
}

/** Reads a whole count (item count in a header or trailer); thousands separators are allowed. */
export function parseCount(text: string, thousandsSeparator = ''): ValueResult<number> {
  let t = text.trim();
  if (thousandsSeparator !== '') t = t.split(thousandsSeparator).join('');
  if (t.startsWith('+')) t = t.slice(1);
  if (!/^\d{1,15}$/.test(t))
    return { ok: false, reason: `"${text.trim().slice(0, 40)}" is not a whole number` };
  return { ok: true, value: parseInt(t, 10) };
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
