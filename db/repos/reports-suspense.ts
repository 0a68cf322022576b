import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { andAll } from './reports';

/** The filters of the suspense aging report (null: not given). */
export type SuspenseScope = {
  currency: string | null;
  channelId: number | null;
  payType: number | null;
  batchId: number | null;
  /** The account the payer quoted (matched without regard to ASCII case). */
  accountNo: string | null;
  /** Who put the money into suspense (for moves out: who moved it). */
  operatorId: number | null;
};

/** A half-open range of instants [start, end), as ISO text (a day's date starts it). */
export type Span = { start: string; end: string };

export type OpenStayRow = {
  bucket: string;
  reasonCode: number;
  owner: number | null;
  currency: string;
  count: number;
  amountMinor: number;
};
export type StayFigures = { currency: string; count: number; amountMinor: number };
export type StayFlowRow = StayFigures & { day: string };
export type SuspenseMoveRow = StayFigures & {
  direction: 'in' | 'out';
  moveKind: string;
  glId: number | null;
};

const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `column = value` ignoring ASCII case only, as SQLite's NOCASE does (PostgreSQL's lower() folds more). */
function equalsNoCase(tx: Tx, column: SQL, value: string): SQL {
  if (tx.dialect === 'sqlite') return sql`${column} = ${value} COLLATE NOCASE`;
  const fold = (x: SQL): SQL => sql`translate(${x}, ${ASCII_UPPER}, ${ASCII_UPPER.toLowerCase()})`;
  return sql`${fold(column)} = ${fold(sql`${value}`)}`;
}

/**
 * Every stay of a payment in the suspense account (a suspended or recycled payment, from its posting to its
 * reversal row) as `s`, filtered by the payment's own attributes. A stay ends when its queue row closes (set with
 * the reversal, at the reversal's time); rows closed before closing times were kept fall back to their reversal row.
 */
function stays(tx: Tx, f: SuspenseScope): SQL {
  const parts: SQL[] = [];
  if (f.currency !== null) parts.push(sql`p.currency = ${f.currency}`);
  if (f.channelId !== null) parts.push(sql`p.channel_id = ${f.channelId}`);
  if (f.payType !== null) parts.push(sql`p.pay_type = ${f.payType}`);
  if (f.batchId !== null) parts.push(sql`p.batch_id = ${f.batchId}`);
  if (f.accountNo !== null) parts.push(equalsNoCase(tx, sql`p.account_hint`, f.accountNo));
  const where = parts.length > 0 ? sql`WHERE ${sql.join(parts, sql` AND `)}` : sql``;
  return sql`WITH s AS (
      SELECT q.payment_id AS id, p.currency, p.amount_minor, q.entered_on, q.reason_code, q.action_owner AS owner,
             p.created_at AS in_at,
             coalesce(q.closed_at, CASE WHEN q.state NOT IN ('suspended', 'partial', 'recycled')
               THEN (SELECT r.created_at FROM reversals r WHERE r.payment_id = q.payment_id) END) AS out_at,
             p.operator_id AS in_by, p.journal_id AS in_journal
      FROM suspense_queue q JOIN payments p ON p.id = q.payment_id
      ${where})`;
}

/** Stays put into suspense by the scope's operator (every stay when none is given). */
const inBy = (f: SuspenseScope): SQL => andAll(f.operatorId === null ? [] : [sql`s.in_by = ${f.operatorId}`]);

/** The suspense aging report's reads. */
export const suspenseAgingRepo = {
  /**
   * What is open at an instant (posted before it and not reversed out by then), by age bucket (entered on or
   * after each cut day: 0-7, 8-30, 31-60, 61-90, else >90), reason, action owner and currency.
   */
  openAt(
    tx: Tx,
    f: SuspenseScope,
    at: string,
    cuts: readonly [string, string, string, string],
  ): Promise<OpenStayRow[]> {
    return tx.all(
      sql`${stays(tx, f)}
          SELECT CASE WHEN s.entered_on >= ${cuts[0]} THEN '0-7' WHEN s.entered_on >= ${cuts[1]} THEN '8-30'
                      WHEN s.entered_on >= ${cuts[2]} THEN '31-60' WHEN s.entered_on >= ${cuts[3]} THEN '61-90'
                      ELSE '>90' END AS bucket,
                 s.reason_code AS "reasonCode", s.owner, s.currency, count(*) AS count, sum(s.amount_minor) AS "amountMinor"
          FROM s WHERE s.in_at < ${at} AND (s.out_at IS NULL OR s.out_at >= ${at})${inBy(f)}
          GROUP BY bucket, s.reason_code, s.owner, s.currency`,
    );
  },

  /** What was open at an instant, per currency. */
  openTotals(tx: Tx, f: SuspenseScope, at: string): Promise<StayFigures[]> {
    return tx.all(
      sql`${stays(tx, f)}
          SELECT s.currency, count(*) AS count, sum(s.amount_minor) AS "amountMinor" FROM s
          WHERE s.in_at < ${at} AND (s.out_at IS NULL OR s.out_at >= ${at})${inBy(f)} GROUP BY s.currency`,
    );
  },

  /** Per day and currency, stays that began (positive) and ended (negative) in a span. */
  flows(tx: Tx, f: SuspenseScope, span: Span): Promise<StayFlowRow[]> {
    const s = stays(tx, f);
    return tx.all(
      sql`${s}
          SELECT substr(s.in_at, 1, 10) AS day, s.currency, count(*) AS count, sum(s.amount_minor) AS "amountMinor" FROM s
          WHERE s.in_at >= ${span.start} AND s.in_at < ${span.end}${inBy(f)} GROUP BY substr(s.in_at, 1, 10), s.currency
          UNION ALL
          SELECT substr(s.out_at, 1, 10) AS day, s.currency, -count(*) AS count, -sum(s.amount_minor) AS "amountMinor" FROM s
          WHERE s.out_at >= ${span.start} AND s.out_at < ${span.end}${inBy(f)} GROUP BY substr(s.out_at, 1, 10), s.currency`,
    );
  },

  /**
   * Stays that began (into suspense) or ended (out of it) in a span, by the kind of journal that did it, its G/L
   * ID and currency. The operator filter is who put the money in, for moves in, and who reversed it, for moves out.
   */
  moves(tx: Tx, f: SuspenseScope, span: Span): Promise<SuspenseMoveRow[]> {
    const outBy = andAll(f.operatorId === null ? [] : [sql`rv.operator_id = ${f.operatorId}`]);
    return tx.all(
      sql`${stays(tx, f)}
          SELECT 'in' AS direction, m.move_kind AS "moveKind", m.gl_id AS "glId", m.currency, count(*) AS count,
                 sum(m.amount_minor) AS "amountMinor"
          FROM (SELECT CASE j.kind WHEN 'suspense_recycle' THEN 'recycled' WHEN 'suspense_distribute' THEN 'remainder'
                         WHEN 'suspense_edit' THEN 'replacement' ELSE 'suspended' END AS move_kind,
                       j.gl_id, s.currency, s.amount_minor
                FROM s JOIN journals j ON j.id = s.in_journal
                WHERE s.in_at >= ${span.start} AND s.in_at < ${span.end}${inBy(f)}) m
          GROUP BY m.move_kind, m.gl_id, m.currency
          UNION ALL
          SELECT 'out' AS direction, m.move_kind, m.gl_id, m.currency, count(*) AS count, sum(m.amount_minor)
          FROM (SELECT CASE j.kind WHEN 'suspense_distribute' THEN
                           CASE a.action WHEN 'suspense.apply' THEN 'applied' ELSE 'distributed' END
                         WHEN 'suspense_remove' THEN 'removed' WHEN 'suspense_edit' THEN 'replaced' ELSE 'reversed' END AS move_kind,
                       j.gl_id, s.currency, s.amount_minor
                FROM s LEFT JOIN reversals rv ON rv.payment_id = s.id LEFT JOIN journals j ON j.id = rv.journal_id
                  LEFT JOIN audit_log a ON a.id = j.audit_id
                WHERE s.out_at >= ${span.start} AND s.out_at < ${span.end}${outBy}) m
          GROUP BY m.move_kind, m.gl_id, m.currency`,
    );
  },
};
