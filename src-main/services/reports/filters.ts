import { reportsRepo, type FilterKey, type ReportScope } from '../../../db/repos/reports';
import type { Tx } from '../../../db/storage/port';
import type { FieldIssue } from '../../../src-shared/api/result';
import type { ReportFiltersDto } from '../../../src-shared/dto/reports';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { isRealIsoDate } from '../../domain/dates';
import { invalidFields } from '../../ledger/errors';

export type { FilterKey };

/** Report filters checked against the ledger: the period is always set, names resolved to ids. */
export type ResolvedFilters = ReportScope & {
  currency?: string;
  channelId?: number;
  payType?: number;
  batchId?: number;
  operator?: string;
  operatorId?: number;
  accountNo?: string;
  accountId?: number;
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** YYYY-MM-DD of a date (UTC). */
export function isoDay(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The day `n` days after `day` (YYYY-MM-DD; n may be negative). */
export function shiftDay(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return isoDay(d);
}

/** First and last day of the clock's month (UTC). */
export function currentMonth(now: Date): { from: string; to: string } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return { from: `${y}-${pad(m + 1)}-01`, to: `${y}-${pad(m + 1)}-${pad(last)}` };
}

/**
 * Checks the filters against the ledger and fills the period: by default the month to date; a lone `to` starts on
 * the first of its own month, a lone `from` runs to today (or is a one-day period when it is later). An unknown
 * currency, operator, account or batch is a validation error naming each bad field; nothing is read further.
 */
export async function resolveFilters(tx: Tx, f: ReportFiltersDto, now: Date): Promise<ResolvedFilters> {
  const today = isoDay(now);
  for (const key of ['from', 'to'] as const) {
    const v = f[key];
    if (v !== undefined && !isRealIsoDate(v))
      throw invalidFields(`${key} ${v} is not a date`, [
        { path: `filters.${key}`, message: `${v} is not a date (YYYY-MM-DD)` },
      ]);
  }
  const to = f.to ?? (f.from && f.from > today ? f.from : today);
  const from = f.from ?? `${to.slice(0, 8)}01`;
  if (from > to)
    throw invalidFields(`the period starts (${from}) after it ends (${to})`, [
      { path: 'filters.from', message: `${from} is after ${to}` },
    ]);
  const r: ResolvedFilters = { from, to };
  const headlines: string[] = [];
  const issues: FieldIssue[] = [];
  const refuse = (field: keyof ReportFiltersDto, headline: string, message: string): void => {
    headlines.push(headline);
    issues.push({ path: `filters.${field}`, message });
  };
  if (f.currency !== undefined) {
    const code = f.currency.trim().toUpperCase();
    if (await reportsRepo.currencyExists(tx, code)) r.currency = code;
    else
      refuse('currency', `unknown currency ${f.currency}`, `${f.currency} is not a currency of this ledger`);
  }
  if (f.channelId !== undefined) r.channelId = f.channelId;
  if (f.payType !== undefined) r.payType = f.payType;
  if (f.batchId !== undefined) {
    if (await reportsRepo.batchExists(tx, f.batchId)) r.batchId = f.batchId;
    else refuse('batchId', `unknown batch ${f.batchId}`, `no batch with id ${f.batchId}`);
  }
  if (f.operator !== undefined) {
    const operatorId = await reportsRepo.operatorId(tx, f.operator);
    if (operatorId !== undefined) {
      r.operator = f.operator;
      r.operatorId = operatorId;
    } else refuse('operator', `unknown operator ${f.operator}`, `no operator with login ${f.operator}`);
  }
  if (f.accountNo !== undefined) {
    // The account key is the number as the desk types it (trimmed, upper case); suspense accounts are not customers.
    const a = await reportsRepo.customerAccount(tx, f.accountNo.trim().toUpperCase());
    if (a) {
      r.accountNo = a.no;
      r.accountId = a.id;
    } else refuse('accountNo', `unknown account ${f.accountNo}`, `no account with number ${f.accountNo}`);
  }
  if (issues.length > 0) throw invalidFields(headlines.join('; '), issues);
  return r;
}

/**
 * The subtitle's account of the filters: the period, each filter the report applied, and the given filters it
 * does not apply (so a reader never believes a figure was narrowed when it was not).
 */
export function describeFilters(
  f: ResolvedFilters,
  applies: readonly FilterKey[],
  periodLabel = 'posted',
): string {
  const parts: string[] = [];
  if (applies.includes('period'))
    parts.push(f.from === f.to ? `${periodLabel} ${f.from}` : `${periodLabel} ${f.from} to ${f.to}`);
  const given: [FilterKey, string | undefined][] = [
    ['currency', f.currency],
    ['channelId', f.channelId === undefined ? undefined : `channel ${f.channelId}`],
    ['payType', f.payType === undefined ? undefined : `pay type ${PAY_TYPE_NAMES[f.payType] ?? f.payType}`],
    ['batchId', f.batchId === undefined ? undefined : `batch ${f.batchId}`],
    ['operator', f.operator === undefined ? undefined : `operator ${f.operator}`],
    ['accountNo', f.accountNo === undefined ? undefined : `account ${f.accountNo}`],
  ];
  const ignored: string[] = [];
  for (const [k, text] of given) {
    if (text === undefined) continue;
    if (applies.includes(k)) parts.push(text);
    else ignored.push(text);
  }
  if (ignored.length) parts.push(`not applicable here: ${ignored.join(', ')}`);
  return parts.join('; ');
}

/** The filters as the report echoes them (the resolved period, the given names). */
export function echoFilters(f: ResolvedFilters): ReportFiltersDto {
  const o: ReportFiltersDto = { from: f.from, to: f.to };
  if (f.currency !== undefined) o.currency = f.currency;
  if (f.channelId !== undefined) o.channelId = f.channelId;
  if (f.payType !== undefined) o.payType = f.payType;
  if (f.batchId !== undefined) o.batchId = f.batchId;
  if (f.operator !== undefined) o.operator = f.operator;
  if (f.accountNo !== undefined) o.accountNo = f.accountNo;
  return o;
}
