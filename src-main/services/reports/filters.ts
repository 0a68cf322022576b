import type Database from 'better-sqlite3';
import type { ReportFiltersDto } from '../../../src-shared/dto/reports';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { invalidFields } from '../../ledger/errors';

/** Report filters checked against the ledger: the period is always set, names resolved to ids. */
export type ResolvedFilters = {
  from: string;
  to: string;
  currency?: string;
  channelId?: number;
  payType?: number;
  batchId?: number;
  operator?: string;
  operatorId?: number;
  accountNo?: string;
  accountId?: number;
};

/** The filter dimensions a report can apply. */
export type FilterKey =
  'period' | 'currency' | 'channelId' | 'payType' | 'batchId' | 'operator' | 'accountNo';

/** SQL expressions of one table a report reads, per filter dimension (omit a dimension that means nothing there). */
export type FilterColumns = Partial<Record<FilterKey, string>>;

/** A WHERE fragment (always valid SQL, `1=1` when empty) and its positional parameters. */
export type SqlFilter = { where: string; params: (string | number)[] };

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
 * Checks the filters against the ledger and fills the period (default: the clock's month; a lone `from` runs to
 * the end of the clock's month, a lone `to` starts on the first of its own month). An unknown currency, operator,
 * account or batch is a validation error naming the field; nothing is read further.
 */
export function resolveFilters(db: Database.Database, f: ReportFiltersDto, now: Date): ResolvedFilters {
  const month = currentMonth(now);
  const from = f.from ?? (f.to ? `${f.to.slice(0, 8)}01` : month.from);
  const to = f.to ?? (f.from && f.from > month.to ? f.from : month.to);
  if (from > to)
    throw invalidFields(`the period starts (${from}) after it ends (${to})`, [
      { path: 'filters.from', message: `${from} is after ${to}` },
    ]);
  const r: ResolvedFilters = { from, to };
  if (f.currency !== undefined) {
    const known = db.prepare('SELECT 1 FROM currencies WHERE code = ?').get(f.currency);
    if (!known)
      throw invalidFields(`unknown currency ${f.currency}`, [
        { path: 'filters.currency', message: `${f.currency} is not a currency of this ledger` },
      ]);
    r.currency = f.currency;
  }
  if (f.channelId !== undefined) r.channelId = f.channelId;
  if (f.payType !== undefined) r.payType = f.payType;
  if (f.batchId !== undefined) {
    if (!db.prepare('SELECT 1 FROM batches WHERE id = ?').get(f.batchId))
      throw invalidFields(`unknown batch ${f.batchId}`, [
        { path: 'filters.batchId', message: `no batch with id ${f.batchId}` },
      ]);
    r.batchId = f.batchId;
  }
  if (f.operator !== undefined) {
    const op = db.prepare('SELECT id FROM operators WHERE login = ?').get(f.operator) as
      { id: number } | undefined;
    if (!op)
      throw invalidFields(`unknown operator ${f.operator}`, [
        { path: 'filters.operator', message: `no operator with login ${f.operator}` },
      ]);
    r.operator = f.operator;
    r.operatorId = op.id;
  }
  if (f.accountNo !== undefined) {
    const a = db.prepare('SELECT id FROM accounts WHERE account_no = ?').get(f.accountNo) as
      { id: number } | undefined;
    if (!a)
      throw invalidFields(`unknown account ${f.accountNo}`, [
        { path: 'filters.accountNo', message: `no account with number ${f.accountNo}` },
      ]);
    r.accountNo = f.accountNo;
    r.accountId = a.id;
  }
  return r;
}

/** The WHERE fragment of the filters over one table's columns (dimensions without a column are not applied). */
export function filterSql(f: ResolvedFilters, cols: FilterColumns): SqlFilter {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (expr: string | undefined, op: string, ...values: (string | number)[]): void => {
    if (expr === undefined) return;
    where.push(`${expr} ${op}`);
    params.push(...values);
  };
  add(cols.period, 'BETWEEN ? AND ?', f.from, f.to);
  if (f.currency !== undefined) add(cols.currency, '= ?', f.currency);
  if (f.channelId !== undefined) add(cols.channelId, '= ?', f.channelId);
  if (f.payType !== undefined) add(cols.payType, '= ?', f.payType);
  if (f.batchId !== undefined) add(cols.batchId, '= ?', f.batchId);
  if (f.operatorId !== undefined) add(cols.operator, '= ?', f.operatorId);
  if (f.accountId !== undefined) add(cols.accountNo, '= ?', f.accountId);
  return { where: where.length ? where.join(' AND ') : '1=1', params };
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
