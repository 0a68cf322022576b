import type Database from 'better-sqlite3';
import type { FieldIssue } from '../../../src-shared/api/result';
import type { ReportFiltersDto } from '../../../src-shared/dto/reports';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { addDays, isoDate, isRealIsoDate } from '../../domain/dates';
import { invalidFields } from '../../ledger/errors';

/**
 * The report filters of the suspense-aging and collections reports, checked and resolved against the ledger:
 * the inclusive period (default: the month of `now` up to today), and ids for the operator login and the account.
 */
export type ResolvedFilters = {
  from: string;
  to: string;
  /** The first instant after the period, as an ISO prefix: `at < toExclusive` selects the period's end. */
  toExclusive: string;
  currency: string | null;
  channelId: number | null;
  payType: number | null;
  batchId: number | null;
  operatorId: number | null;
  accountId: number | null;
  accountNo: string | null;
  /** The filters as given, with the period filled in. */
  echo: ReportFiltersDto;
};

/**
 * Checks the filters (real dates, from ≤ to, known currency, operator, account and batch) and resolves them.
 * Every problem is reported by field, and nothing is read from the ledger before they pass.
 */
export function resolveFilters(db: Database.Database, f: ReportFiltersDto, now: string): ResolvedFilters {
  const issues: FieldIssue[] = [];
  const today = isoDate(new Date(now));
  for (const key of ['from', 'to'] as const) {
    const v = f[key];
    if (v !== undefined && !isRealIsoDate(v))
      issues.push({ path: key, message: `${key} ${v} is not a date (YYYY-MM-DD)` });
  }
  const to = f.to ?? today;
  const from = f.from ?? `${to.slice(0, 7)}-01`;
  if (issues.length === 0 && from > to)
    issues.push({ path: 'from', message: `from ${from} is after to ${to}` });
  let currency: string | null = null;
  if (f.currency !== undefined) {
    currency = f.currency.trim().toUpperCase();
    if (!db.prepare('SELECT 1 FROM currencies WHERE code = ?').get(currency))
      issues.push({ path: 'currency', message: `unknown currency ${f.currency}` });
  }
  let operatorId: number | null = null;
  if (f.operator !== undefined) {
    const row = db.prepare('SELECT id FROM operators WHERE login = ?').get(f.operator.trim()) as
      { id: number } | undefined;
    if (row) operatorId = row.id;
    else issues.push({ path: 'operator', message: `no operator with login ${f.operator}` });
  }
  let accountId: number | null = null;
  let accountNo: string | null = null;
  if (f.accountNo !== undefined) {
    const row = db
      .prepare('SELECT id, account_no AS no FROM accounts WHERE account_key = ? AND is_suspense = 0')
      .get(f.accountNo.trim().toUpperCase()) as { id: number; no: string } | undefined;
    if (row) {
      accountId = row.id;
      accountNo = row.no;
    } else issues.push({ path: 'accountNo', message: `no account ${f.accountNo}` });
  }
  if (f.batchId !== undefined && !db.prepare('SELECT 1 FROM batches WHERE id = ?').get(f.batchId))
    issues.push({ path: 'batchId', message: `no batch ${f.batchId}` });
  if (issues.length > 0)
    throw invalidFields(`bad report filters: ${issues.map((i) => i.message).join('; ')}`, issues);
  return {
    from,
    to,
    toExclusive: addDays(to, 1),
    currency,
    channelId: f.channelId ?? null,
    payType: f.payType ?? null,
    batchId: f.batchId ?? null,
    operatorId,
    accountId,
    accountNo,
    echo: { ...f, from, to, ...(currency !== null ? { currency } : {}) },
  };
}

/** One line naming the period and every filter applied (`notes` says how a filter applies, per filter key). */
export function filtersSubtitle(
  r: ResolvedFilters,
  notes: Partial<Record<'operator' | 'accountNo' | 'batchId' | 'channelId', string>> = {},
): string {
  const parts = [`${r.from} to ${r.to}`];
  const note = (key: keyof typeof notes): string => (notes[key] ? ` (${notes[key]})` : '');
  if (r.currency !== null) parts.push(`currency ${r.currency}`);
  if (r.channelId !== null) parts.push(`channel ${r.channelId}${note('channelId')}`);
  if (r.payType !== null) parts.push(`pay type ${PAY_TYPE_NAMES[r.payType] ?? r.payType}`);
  if (r.batchId !== null) parts.push(`batch ${r.batchId}${note('batchId')}`);
  if (r.echo.operator !== undefined) parts.push(`operator ${r.echo.operator}${note('operator')}`);
  if (r.accountNo !== null) parts.push(`account ${r.accountNo}${note('accountNo')}`);
  return parts.join(' · ');
}

/** Whole days from one ISO date to another. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
