import { sql, type SQL } from 'drizzle-orm';
import type { GlLineDto } from '../../src-shared/dto/reports';
import type { Tx } from '../storage/port';
import { binary, inList } from './dialect';

/**
 * The G/L ID one journal line is reported under: its journal's own G/L ID (suspense moves: 113 recycled or
 * distributed, 112 unallocatable, for every line of the journal), else the chart's G/L ID of the line's ledger side,
 * else 0 (unmapped). Needs `j` (journals), `l` (journal_lines) and `c` (gl_chart LEFT JOINed on l.gl_account).
 */
export const GL_ID_SQL = 'COALESCE(j.gl_id, c.gl_id, 0)';

/** The joins GL_ID_SQL needs, from journal_lines `l`. */
export const GL_JOINS_SQL =
  'JOIN journals j ON j.id = l.journal_id LEFT JOIN gl_chart c ON c.gl_account = l.gl_account';

const GL_ID = sql.raw(GL_ID_SQL);
const GL_JOINS = sql.raw(GL_JOINS_SQL);

/**
 * A period of posting dates, as the instants [start, end) of journals.at, optionally one currency, and the report
 * filters that select journals by what they posted: the operator who posted them (their audit row), and a batch,
 * channel or pay type of a payment they posted or reversed.
 */
export type GlScope = {
  start: string;
  end: string;
  currency?: string | undefined;
  operator?: string | undefined;
  batchId?: number | undefined;
  channelId?: number | undefined;
  payType?: number | undefined;
};

export type GlSumRow = { glId: number; currency: string; debit: number; credit: number; lines: number };
export type CurrencySumRow = { currency: string; debit: number; credit: number };
/** A drill-down line as read: the DTO's line with the account id its payment is looked up by, in place of it. */
export type GlLineRow = Omit<GlLineDto, 'paymentId'> & { accountId: number | null };
/** A payment a journal posted or reversed, with the account it sits on. */
export type JournalPayment = { journalId: number; paymentId: number; accountId: number };

/** A journal posts or reverses a payment that matches `cond` (on payments `p`). */
const journalOfPayment = (cond: SQL): SQL =>
  sql`(EXISTS (SELECT 1 FROM payments p WHERE p.journal_id = j.id AND ${cond})
    OR EXISTS (SELECT 1 FROM reversals r JOIN payments p ON p.id = r.payment_id WHERE r.journal_id = j.id AND ${cond}))`;

/**
 * The conditions of a scope on journals `j` and lines `l`: posting instants from the first day's start up to, not
 * including, the start of the day after the last (the same as `substr(j.at, 1, 10) BETWEEN from AND to`, but it
 * reads the journals(at) index).
 */
function scopeWhere(s: GlScope): SQL {
  const parts = [sql`j.at >= ${s.start}`, sql`j.at < ${s.end}`];
  if (s.currency !== undefined) parts.push(sql`l.currency = ${s.currency}`);
  if (s.operator !== undefined)
    parts.push(
      sql`EXISTS (SELECT 1 FROM audit_log au JOIN operators o ON o.id = au.operator_id
                  WHERE au.id = j.audit_id AND o.login = ${s.operator})`,
    );
  if (s.batchId !== undefined) parts.push(journalOfPayment(sql`p.batch_id = ${s.batchId}`));
  if (s.channelId !== undefined) parts.push(journalOfPayment(sql`p.channel_id = ${s.channelId}`));
  if (s.payType !== undefined) parts.push(journalOfPayment(sql`p.pay_type = ${s.payType}`));
  return sql.join(parts, sql` AND `);
}

const DEBIT = sql`sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END)`;
const CREDIT = sql`sum(CASE WHEN l.amount_minor < 0 THEN -l.amount_minor ELSE 0 END)`;

/** The G/L summary's and its drill-down's reads of the journal. */
export const glRepo = {
  /** Debits, credits and line counts per G/L ID and currency, in that order. */
  sums(tx: Tx, s: GlScope): Promise<GlSumRow[]> {
    return tx.all(
      sql`SELECT ${GL_ID} AS "glId", l.currency AS currency, ${DEBIT} AS debit, ${CREDIT} AS credit, count(*) AS lines
          FROM journal_lines l ${GL_JOINS}
          WHERE ${scopeWhere(s)}
          GROUP BY ${GL_ID}, l.currency ORDER BY ${GL_ID}, ${binary(tx, sql`l.currency`)}`,
    );
  },

  /** The journal's own debits and credits per currency: straight from the lines, no chart, no G/L IDs. */
  journalSums(tx: Tx, s: GlScope): Promise<CurrencySumRow[]> {
    return tx.all(
      sql`SELECT l.currency AS currency, ${DEBIT} AS debit, ${CREDIT} AS credit
          FROM journal_lines l JOIN journals j ON j.id = l.journal_id
          WHERE ${scopeWhere(s)}
          GROUP BY l.currency ORDER BY ${binary(tx, sql`l.currency`)}`,
    );
  },

  /** The chart's label of each G/L ID (the least, in code-point order, when sides share an ID). */
  labels(tx: Tx): Promise<{ glId: number; label: string }[]> {
    return tx.all(
      sql`SELECT gl_id AS "glId", min(${binary(tx, sql`label`)}) AS label FROM gl_chart GROUP BY gl_id ORDER BY gl_id`,
    );
  },

  async lineCount(tx: Tx, s: GlScope, glId: number): Promise<number> {
    const row = await tx.get<{ n: number }>(
      sql`SELECT count(*) AS n FROM journal_lines l ${GL_JOINS} WHERE ${scopeWhere(s)} AND ${GL_ID} = ${glId}`,
    );
    return row!.n;
  },

  /** A page of one G/L ID's lines in posting order. */
  lines(tx: Tx, s: GlScope, glId: number, page: { limit: number; offset: number }): Promise<GlLineRow[]> {
    return tx.all(
      sql`SELECT l.id AS "lineId", j.id AS "journalId", j.kind AS "journalKind", j.at, j.effective_date AS "effectiveDate",
                 ${GL_ID} AS "glId", l.gl_account AS "glAccount", a.account_no AS "accountNo",
                 l.amount_minor AS "amountMinor", l.currency, j.reason_code AS "reasonCode", l.account_id AS "accountId"
          FROM journal_lines l ${GL_JOINS} LEFT JOIN accounts a ON a.id = l.account_id
          WHERE ${scopeWhere(s)} AND ${GL_ID} = ${glId}
          ORDER BY ${binary(tx, sql`j.at`)}, j.id, l.id LIMIT ${page.limit} OFFSET ${page.offset}`,
    );
  },

  /** The payments posted by (payments.journal_id) or reversed in (reversals.journal_id) some journals. */
  paymentsOfJournals(tx: Tx, journalIds: readonly number[]): Promise<JournalPayment[]> {
    return tx.all(
      sql`SELECT p.journal_id AS "journalId", p.id AS "paymentId", p.account_id AS "accountId"
          FROM payments p WHERE ${inList(tx, sql`p.journal_id`, journalIds)}
          UNION
          SELECT r.journal_id, p.id, p.account_id FROM reversals r JOIN payments p ON p.id = r.payment_id
          WHERE ${inList(tx, sql`r.journal_id`, journalIds)}
          ORDER BY 1, 2`,
    );
  },

  /** The suspense account's id, if the ledger has one. */
  async suspenseAccountId(tx: Tx): Promise<number | undefined> {
    return (
      await tx.get<{ id: number }>(sql`SELECT id FROM accounts WHERE is_suspense = 1 ORDER BY id LIMIT 1`)
    )?.id;
  },
};
