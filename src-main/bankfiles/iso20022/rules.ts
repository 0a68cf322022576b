import type { BankFileCheck, BankFileFormat, BankFileProblem, CurrencyTotals } from '../types';
import { at, type El } from './xml';

/** Max35Text and friends: the ISO 20022 text length limits the checks apply. */
export const MAX35 = 35;
/** Max140Text (names, unstructured remittance). */
export const MAX140 = 140;
/** The EPC restriction of party names (Max140Text_EPC…: 70 characters). */
export const EPC_NAME = 70;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/** True when `y-m-d` is a real calendar date. */
function realDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [
    31,
    y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  return d <= (days[m - 1] ?? 0);
}

/** Why text is not an ISODate (YYYY-MM-DD, a real day), or null. */
export function isoDateProblem(text: string): string | null {
  const m = ISO_DATE.exec(text);
  if (!m || !realDate(Number(m[1]), Number(m[2]), Number(m[3])))
    return `"${text}" is not an ISO date (YYYY-MM-DD)`;
  return null;
}

/** Why text is not an ISODateTime (YYYY-MM-DDThh:mm:ss[.f][zone]), or null. */
export function isoDateTimeProblem(text: string): string | null {
  const m = ISO_DATE_TIME.exec(text);
  if (
    !m ||
    !realDate(Number(m[1]), Number(m[2]), Number(m[3])) ||
    Number(m[4]) > 23 ||
    Number(m[5]) > 59 ||
    Number(m[6]) > 59
  )
    return `"${text}" is not an ISO date-time (YYYY-MM-DDThh:mm:ss)`;
  return null;
}

/**
 * Why an identifier (MsgId, PmtInfId, EndToEndId, MndtId) breaks the SEPA rule: it must not start or end
 * with '/' nor contain '//' (EPC implementation guidelines), or null.
 */
export function identifierProblem(text: string): string | null {
  if (text.startsWith('/') || text.endsWith('/')) return `"${text}" starts or ends with '/'`;
  if (text.includes('//')) return `"${text}" contains '//'`;
  return null;
}

/** Collects problems with their element paths while a check walks a document. */
export class Findings {
  /** Problems that make the file invalid. */
  readonly problems: BankFileProblem[] = [];
  /** Things worth saying that do not make the file invalid. */
  readonly warnings: BankFileProblem[] = [];

  /**
   * A lenient reader (returns of real-world bank files) records schema-level problems as warnings: what it
   * can read is still used. Only `fatal` problems (unreadable, wrong message) stop it.
   */
  constructor(private readonly lenient = false) {}

  /** Records a problem at a path (a warning when lenient). */
  problem(path: string, reason: string): void {
    if (this.lenient) this.warnings.push({ path, reason });
    else this.problems.push({ path, reason });
  }

  /** Records a problem that makes the file unreadable, lenient or not. */
  fatal(path: string, reason: string): void {
    this.problems.push({ path, reason });
  }

  /** Records a warning at a path. */
  warn(path: string, reason: string): void {
    this.warnings.push({ path, reason });
  }

  /**
   * The text of a required element (a problem names it when absent or empty), checked against a maximum
   * length when given.
   */
  required(el: El | undefined, child: string, base: string, maxLen?: number): string | undefined {
    const node = at(el, child);
    const path = `${base}/${child}`;
    if (!node || (node.text === '' && node.kids.length === 0)) {
      this.problem(path, `${child.split('/').pop() ?? child} is required`);
      return undefined;
    }
    if (maxLen !== undefined) this.length(node.text, path, maxLen);
    return node.text;
  }

  /** The text of an optional element, checked against a maximum length when present. */
  optional(el: El | undefined, child: string, base: string, maxLen?: number): string | undefined {
    const node = at(el, child);
    if (!node) return undefined;
    if (maxLen !== undefined) this.length(node.text, `${base}/${child}`, maxLen);
    return node.text;
  }

  /** A problem when text is empty or longer than `max` characters. */
  length(text: string, path: string, max: number, what = 'text'): void {
    if (text.length === 0) this.problem(path, `${what} is empty`);
    else if ([...text].length > max)
      this.problem(path, `${what} is ${[...text].length} characters long; at most ${max} are allowed`);
  }
}

/** Running sums per currency (debits and credits apart). */
export class Totals {
  private readonly by = new Map<string, CurrencyTotals>();
  /** Entries counted. */
  count = 0;

  /** Adds one entry (a debit or a credit) in a currency. */
  add(currency: string, amountMinor: number, side: 'debit' | 'credit'): void {
    let t = this.by.get(currency);
    if (!t) {
      t = { currency, count: 0, debitMinor: 0, creditMinor: 0 };
      this.by.set(currency, t);
    }
    t.count++;
    if (side === 'debit') t.debitMinor += amountMinor;
    else t.creditMinor += amountMinor;
  }

  /** The BankFileCheck `totals` block. */
  result(): BankFileCheck['totals'] {
    const byCurrency = [...this.by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
    const debitMinor = byCurrency.reduce((s, c) => s + c.debitMinor, 0);
    const creditMinor = byCurrency.reduce((s, c) => s + c.creditMinor, 0);
    return {
      count: this.count,
      totalMinor: debitMinor + creditMinor,
      debitMinor,
      creditMinor,
      currency: byCurrency.length === 1 ? (byCurrency[0]?.currency ?? null) : null,
      byCurrency,
    };
  }
}

/** A check result of a file that could not be read at all. */
export function unreadable(format: BankFileFormat | 'unknown', problem: BankFileProblem): BankFileCheck {
  return {
    format,
    valid: false,
    entries: 0,
    totals: { count: 0, totalMinor: 0, debitMinor: 0, creditMinor: 0, currency: null, byCurrency: [] },
    problems: [problem],
    warnings: [],
  };
}
