import type { Tx } from '../../../db/storage/port';
import type { ReportFiltersDto } from '../../../src-shared/dto/reports';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { addDays } from '../../domain/dates';
import { echoFilters, resolveFilters as resolveShared } from './filters';

/**
 * The report filters as the suspense-aging and collections reports bind them: the inclusive period with its
 * exclusive end instant, and null where a filter is not given.
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

/** The shared report filters (filters.ts), in the shape the suspense-aging and collections queries bind. */
export async function resolveFilters(tx: Tx, f: ReportFiltersDto, now: string): Promise<ResolvedFilters> {
  const r = await resolveShared(tx, f, new Date(now));
  return {
    from: r.from,
    to: r.to,
    toExclusive: addDays(r.to, 1),
    currency: r.currency ?? null,
    channelId: r.channelId ?? null,
    payType: r.payType ?? null,
    batchId: r.batchId ?? null,
    operatorId: r.operatorId ?? null,
    accountId: r.accountId ?? null,
    accountNo: r.accountNo ?? null,
    echo: echoFilters(r),
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
