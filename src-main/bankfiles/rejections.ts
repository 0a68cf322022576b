import Papa from 'papaparse';
import { findControlCharacter } from '../importers/bank-file/stage';
import { KNOWN_EXPONENTS, parseMinor } from '../../src-shared/money';
import type { BankReturnItem, BankFileCheck, BankFileProblem, ParsedReturns } from './types';
import type { BankFileReader } from './readers';

/**
 * The CMP-style rejection file (DOMAIN.md §4.25): the payments system's extract of failed recurring payments,
 * one CSV line each, under a header naming the columns (any order, case-insensitive):
 *
 *   reference,account_no,amount,currency,rejection_code,date,text
 *
 * reference (required): the debit's end-to-end id or trace number, or the payment id (`123` or `P123`) or its
 * external reference; account_no: the customer account as the bank knows it (informational); amount
 * (required): decimal text in the currency's minor units (`12.50`, never more decimals than the currency has);
 * currency (required): ISO 4217; rejection_code (required): the bank's code (AM04, R01, 51...); date:
 * YYYY-MM-DD; text: the bank's words. UTF-8 with or without a BOM, CRLF or LF, quoted fields as RFC 4180
 * (a quoted field may not span lines).
 */
export const REJECTION_COLUMNS = [
  'reference',
  'account_no',
  'amount',
  'currency',
  'rejection_code',
  'date',
  'text',
] as const;
const REQUIRED = ['reference', 'amount', 'currency', 'rejection_code'] as const;

type Column = (typeof REJECTION_COLUMNS)[number];

function normalise(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

function headerCells(text: string): string[] {
  const first = normalise(text.slice(0, 4096)).split('\n')[0] ?? '';
  return first.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
}

/** True when the first line is a rejection-file header (it names reference and rejection_code). */
function detect(text: string): boolean {
  const cells = headerCells(text);
  return cells.includes('reference') && cells.includes('rejection_code') && cells.includes('amount');
}

/** Reads a rejection file: each valid line a return; each bad cell a problem with its line, column and reason. */
export function readRejections(text: string): ParsedReturns {
  const problems: BankFileProblem[] = [];
  const items: BankReturnItem[] = [];
  const control = findControlCharacter(text);
  if (control)
    return { format: 'rejections', items, changes: [], accepted: 0, problems: [control], warnings: [] };
  const rows = Papa.parse<string[]>(normalise(text), {
    delimiter: ',',
    newline: '\n',
    skipEmptyLines: false,
  }).data;
  const header = (rows[0] ?? []).map((c) => c.trim().toLowerCase());
  const index = new Map<Column, number>();
  header.forEach((h, i) => {
    if ((REJECTION_COLUMNS as readonly string[]).includes(h)) index.set(h as Column, i);
    else
      problems.push({
        line: 1,
        path: h,
        reason: `unknown column "${h}" (expected ${REJECTION_COLUMNS.join(',')})`,
      });
  });
  for (const r of REQUIRED)
    if (!index.has(r)) problems.push({ line: 1, path: r, reason: `the header has no ${r} column` });
  if (problems.length > 0)
    return { format: 'rejections', items, changes: [], accepted: 0, problems, warnings: [] };
  rows.slice(1).forEach((cells, i) => {
    const line = i + 2;
    if (cells.length === 1 && (cells[0] ?? '').trim() === '') return;
    const cell = (c: Column): string => {
      const at = index.get(c);
      return at === undefined ? '' : (cells[at] ?? '').trim();
    };
    const bad = (path: Column, reason: string): void => {
      problems.push({ line, path, reason });
    };
    if (cells.length !== header.length) {
      problems.push({ line, reason: `${cells.length} fields where the header has ${header.length}` });
      return;
    }
    const before = problems.length;
    const reference = cell('reference');
    if (reference === '') bad('reference', 'the reference is empty');
    const currency = cell('currency').toUpperCase();
    const exponent = KNOWN_EXPONENTS[currency];
    if (!/^[A-Z]{3}$/.test(currency)) bad('currency', `"${cell('currency')}" is not an ISO 4217 code`);
    else if (exponent === undefined) bad('currency', `unknown currency ${currency}`);
    let amountMinor: number | null = null;
    if (exponent !== undefined) {
      const amount = parseMinor(cell('amount'), exponent);
      if (!amount.ok) bad('amount', amount.error.reason);
      else if (amount.value <= 0) bad('amount', 'the amount must be more than zero');
      else amountMinor = amount.value;
    }
    const code = cell('rejection_code');
    if (!/^[A-Za-z0-9]{1,8}$/.test(code))
      bad('rejection_code', `"${code}" is not a rejection code (1-8 letters or digits)`);
    const date = cell('date');
    if (date !== '' && !/^\d{4}-\d{2}-\d{2}$/.test(date)) bad('date', `"${date}" is not a date (YYYY-MM-DD)`);
    if (problems.length > before) return;
    const accountNo = cell('account_no');
    const text = cell('text');
    items.push({
      ref: { instructionId: reference, accountNo: accountNo === '' ? undefined : accountNo },
      amountMinor,
      currency,
      kind: 'return',
      code: code.toUpperCase(),
      text: text === '' ? undefined : text,
      date: date === '' ? undefined : date,
      line,
    });
  });
  if (items.length === 0 && problems.length === 0)
    problems.push({ line: 2, reason: 'the file has no rejections' });
  return { format: 'rejections', items, changes: [], accepted: 0, problems, warnings: [] };
}

/** The file's check: entries, totals per currency (rejected debits), every problem. */
function check(text: string): Promise<BankFileCheck> {
  const parsed = readRejections(text);
  const by = new Map<string, { currency: string; count: number; debitMinor: number; creditMinor: number }>();
  for (const it of parsed.items) {
    const c = it.currency ?? '';
    const t = by.get(c) ?? { currency: c, count: 0, debitMinor: 0, creditMinor: 0 };
    t.count++;
    t.debitMinor += it.amountMinor ?? 0;
    by.set(c, t);
  }
  const byCurrency = [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
  const debitMinor = byCurrency.length === 1 ? (byCurrency[0]?.debitMinor ?? 0) : 0;
  return Promise.resolve({
    format: 'rejections',
    valid: parsed.problems.length === 0,
    entries: parsed.items.length,
    totals: {
      count: parsed.items.length,
      totalMinor: debitMinor,
      debitMinor,
      creditMinor: 0,
      currency: byCurrency.length === 1 ? (byCurrency[0]?.currency ?? null) : null,
      byCurrency,
    },
    problems: parsed.problems,
    warnings: parsed.warnings,
  });
}

/** The CMP-style rejection file reader. */
export const rejectionsReader: BankFileReader = {
  format: 'rejections',
  detect,
  check,
  returns: readRejections,
};
