import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { inList } from './dialect';

/**
 * What the report filters narrow to, resolved against the ledger (names to ids): an inclusive period of
 * YYYY-MM-DD days and the optional dimensions.
 */
export type ReportScope = {
  from: string;
  to: string;
  currency?: string | undefined;
  channelId?: number | undefined;
  payType?: number | undefined;
  batchId?: number | undefined;
  operatorId?: number | undefined;
  accountId?: number | undefined;
};

/** The filter dimensions a report can apply. */
export type FilterKey =
  'period' | 'currency' | 'channelId' | 'payType' | 'batchId' | 'operator' | 'accountNo';

/** The column (or expression) of one query that each filter dimension narrows; a dimension left out is not applied. */
export type ScopeColumns = Partial<Record<FilterKey, SQL>>;

/** The conditions of a scope over one query's columns, joined with AND (`1=1` when none applies). */
export function scopeWhere(f: ReportScope, cols: ScopeColumns): SQL {
  const parts: SQL[] = [];
  const eq = (col: SQL | undefined, v: string | number | undefined): void => {
    if (col !== undefined && v !== undefined) parts.push(sql`${col} = ${v}`);
  };
  if (cols.period !== undefined) parts.push(sql`${cols.period} BETWEEN ${f.from} AND ${f.to}`);
  eq(cols.currency, f.currency);
  eq(cols.channelId, f.channelId);
  eq(cols.payType, f.payType);
  eq(cols.batchId, f.batchId);
  eq(cols.operator, f.operatorId);
  eq(cols.accountNo, f.accountId);
  return parts.length > 0 ? sql.join(parts, sql` AND `) : sql`1=1`;
}

/** A batch's filter dimensions (alias b): its business date, currency, channel, pay type, id, and who made it. */
export const BATCH_SCOPE: ScopeColumns = {
  period: sql`b.batch_date`,
  currency: sql`b.currency`,
  channelId: sql`b.channel_id`,
  payType: sql`b.pay_type`,
  batchId: sql`b.id`,
  operator: sql`b.created_by`,
};

/** The posting day of a payment (alias p). */
export const PAYMENT_DAY = sql`substr(p.created_at, 1, 10)`;

/** A payment's filter dimensions (alias p): posting day, currency, channel, pay type, batch, who recorded it. */
export const PAYMENT_SCOPE: ScopeColumns = {
  period: PAYMENT_DAY,
  currency: sql`p.currency`,
  channelId: sql`p.channel_id`,
  payType: sql`p.pay_type`,
  batchId: sql`p.batch_id`,
  operator: sql`p.operator_id`,
};

/** Conditions joined with AND, each prefixed by AND (nothing when none). */
export function andAll(parts: readonly SQL[]): SQL {
  return parts.length > 0 ? sql` AND ${sql.join([...parts], sql` AND `)}` : sql``;
}

/**
 * Condition on a reversal `r` that it really reversed the payment (a reversal batch, a return, a suspense
 * reversal), not a suspense move (distribute, recycle, remove, edit), which also closes its payment with a reversal
 * row but keeps the money in the books.
 */
export const TRUE_REVERSAL = sql`NOT EXISTS (SELECT 1 FROM journals rj WHERE rj.id = r.journal_id
  AND rj.kind IN ('suspense_distribute', 'suspense_recycle', 'suspense_remove', 'suspense_edit'))`;

/** The look-ups the report filters and labels need. */
export const reportsRepo = {
  async currencyExists(tx: Tx, code: string): Promise<boolean> {
    return (await tx.get(sql`SELECT 1 AS x FROM currencies WHERE code = ${code}`)) !== undefined;
  },

  async batchExists(tx: Tx, id: number): Promise<boolean> {
    return (await tx.get(sql`SELECT 1 AS x FROM batches WHERE id = ${id}`)) !== undefined;
  },

  async operatorId(tx: Tx, login: string): Promise<number | undefined> {
    return (await tx.get<{ id: number }>(sql`SELECT id FROM operators WHERE login = ${login}`))?.id;
  },

  /** A customer account (never the suspense account) by its key (the number trimmed and upper-cased). */
  customerAccount(tx: Tx, key: string): Promise<{ id: number; no: string } | undefined> {
    return tx.get(
      sql`SELECT id, account_no AS no FROM accounts WHERE account_key = ${key} AND is_suspense = 0`,
    );
  },

  /** Minor-unit exponents of some currencies (the ones the ledger knows). */
  async exponents(tx: Tx, codes: readonly string[]): Promise<Map<string, number>> {
    if (codes.length === 0) return new Map();
    const rows = await tx.all<{ code: string; exponent: number }>(
      sql`SELECT code, exponent FROM currencies WHERE ${inList(tx, sql`code`, codes)}`,
    );
    return new Map(rows.map((r) => [r.code, r.exponent]));
  },

  async channelNames(tx: Tx): Promise<Map<number, string>> {
    const rows = await tx.all<{ id: number; description: string }>(
      sql`SELECT id, description FROM payment_channels`,
    );
    return new Map(rows.map((c) => [c.id, c.description]));
  },

  /** The labels of one reason-code domain, by code. */
  async reasonLabels(tx: Tx, domain: number): Promise<Map<number, string>> {
    const rows = await tx.all<{ id: number; label: string }>(
      sql`SELECT id, label FROM reason_codes WHERE domain_id = ${domain}`,
    );
    return new Map(rows.map((r) => [r.id, r.label]));
  },

  /** The decline class the admin configured per rejection code (a processor result as text, a bank code). */
  async rejectionClasses(tx: Tx): Promise<Map<string, 'soft' | 'hard'>> {
    const rows = await tx.all<{ code: string; declineClass: 'soft' | 'hard' }>(
      sql`SELECT code, decline_class AS "declineClass" FROM rejection_codes`,
    );
    return new Map(rows.map((r) => [r.code, r.declineClass]));
  },
};
