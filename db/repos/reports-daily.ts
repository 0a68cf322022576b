import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary } from './dialect';
import { BATCH_SCOPE, PAYMENT_DAY, PAYMENT_SCOPE, scopeWhere, type ReportScope } from './reports';

export type DailyBatchRow = {
  batchType: string;
  status: string;
  currency: string;
  batches: number;
  entries: number;
  totalMinor: number;
  postedCount: number;
  postedMinor: number;
};

export type CheckpointRow = {
  command: string;
  state: string;
  currency: string;
  count: number;
  amountMinor: number;
  oldest: string;
};

export type PendingApprovalRow = {
  id: number;
  operation: string;
  description: string;
  requirement: string;
  preparedBy: string;
  createdAt: string;
  expiresAt: string;
};

export type SuspenseDayRow = {
  currency: string;
  inCount: number;
  inMinor: number;
  outCount: number;
  outMinor: number;
  netMinor: number;
};

export type DailyRunRow = {
  runId: number;
  kind: string;
  processor: string;
  status: string;
  selected: number;
  startedAt: string;
  finishedAt: string | null;
  currency: string | null;
  txns: number;
  passCount: number;
  postedMinor: number;
  declinedCount: number;
};

export type VolumeRow = { day: string; currency: string; count: number; amountMinor: number };

/** An instant range [start, end) of ISO text. */
export type Instants = { start: string; end: string };

/** The daily operations report's reads (the report's day is the scope's period). */
export const dailyRepo = {
  /** The batches of the period (batch date) by type, status and currency; a reversal entry counts its payment. */
  batches(tx: Tx, f: ReportScope): Promise<DailyBatchRow[]> {
    const where = scopeWhere(f, BATCH_SCOPE);
    return tx.all(
      sql`SELECT b.batch_type AS "batchType", b.status, b.currency, count(*) AS batches,
                 coalesce(sum(e.n), 0) AS entries, coalesce(sum(e.s), 0) AS "totalMinor",
                 coalesce(sum(e.pn), 0) AS "postedCount", coalesce(sum(e.ps), 0) AS "postedMinor"
          FROM batches b LEFT JOIN (
            SELECT x.batch_id, count(*) AS n, coalesce(sum(x.amount), 0) AS s,
                   count(CASE WHEN x.status IN ('posted', 'posted_suspense') THEN 1 END) AS pn,
                   coalesce(sum(CASE WHEN x.status IN ('posted', 'posted_suspense') THEN x.amount END), 0) AS ps
            FROM (SELECT be.batch_id, be.status, coalesce(be.amount_minor, rp.amount_minor) AS amount
                  FROM batch_entries be LEFT JOIN payments rp ON rp.id = be.payment_ref) x
            GROUP BY x.batch_id) e ON e.batch_id = b.id
          WHERE ${where}
          GROUP BY b.batch_type, b.status, b.currency
          ORDER BY ${binary(tx, sql`b.currency`)}, ${binary(tx, sql`b.batch_type`)}, ${binary(tx, sql`b.status`)}`,
    );
  },

  /** Processor checkpoints unresolved now: open (999) and charged but not posted (1000+). */
  checkpoints(tx: Tx, f: ReportScope): Promise<CheckpointRow[]> {
    const where = scopeWhere(f, {
      currency: sql`t.currency`,
      payType: sql`t.pay_type`,
      operator: sql`t.operator_id`,
    });
    // The two states are fixed ASCII words ('charged, not posted' < 'open' in every collation).
    return tx.all(
      sql`SELECT t.command, CASE WHEN t.result = 999 THEN 'open' ELSE 'charged, not posted' END AS state, t.currency,
                 count(*) AS count, sum(t.amount_minor) AS "amountMinor", min(${binary(tx, sql`t.created_at`)}) AS oldest
          FROM processor_txns t WHERE (t.result = 999 OR t.result >= 1000) AND ${where}
          GROUP BY t.command, state, t.currency
          ORDER BY ${binary(tx, sql`t.currency`)}, ${binary(tx, sql`t.command`)}, state`,
    );
  },

  /** Approvals still pending at an instant. */
  pendingApprovals(tx: Tx, f: ReportScope, at: string): Promise<PendingApprovalRow[]> {
    const where = scopeWhere(f, { operator: sql`a.prepared_by` });
    return tx.all(
      sql`SELECT a.id, a.operation, a.description, a.requirement, o.login AS "preparedBy", a.created_at AS "createdAt",
                 a.expires_at AS "expiresAt"
          FROM approvals a JOIN operators o ON o.id = a.prepared_by
          WHERE a.status = 'pending' AND a.expires_at > ${at} AND ${where}
          ORDER BY ${binary(tx, sql`a.created_at`)}, a.id`,
    );
  },

  /** Money into (credits) and out of (debits) the suspense account's journal lines posted in a range. */
  suspenseMoves(tx: Tx, f: ReportScope, during: Instants): Promise<SuspenseDayRow[]> {
    const where = scopeWhere(f, { currency: sql`l.currency` });
    return tx.all(
      sql`SELECT l.currency,
                 count(CASE WHEN l.amount_minor < 0 THEN 1 END) AS "inCount",
                 coalesce(-sum(CASE WHEN l.amount_minor < 0 THEN l.amount_minor END), 0) AS "inMinor",
                 count(CASE WHEN l.amount_minor > 0 THEN 1 END) AS "outCount",
                 coalesce(sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor END), 0) AS "outMinor",
                 -sum(l.amount_minor) AS "netMinor"
          FROM journals j JOIN journal_lines l ON l.journal_id = j.id
          WHERE j.at >= ${during.start} AND j.at < ${during.end} AND l.gl_account = 'SUSPENSE' AND ${where}
          GROUP BY l.currency ORDER BY ${binary(tx, sql`l.currency`)}`,
    );
  },

  /** Collection runs started in a range, per currency of their transactions (a run without any: one row). */
  runs(tx: Tx, f: ReportScope, during: Instants): Promise<DailyRunRow[]> {
    // The currency filter keeps a run that sent nothing (its one row has no transaction).
    const where = scopeWhere(
      { ...f, currency: undefined },
      { payType: sql`t.pay_type`, operator: sql`r.operator_id` },
    );
    const currency =
      f.currency === undefined ? sql`` : sql` AND (t.currency = ${f.currency} OR t.id IS NULL)`;
    return tx.all(
      sql`SELECT r.id AS "runId", r.kind, pr.name AS processor, r.status, r.selected, r.started_at AS "startedAt",
                 r.finished_at AS "finishedAt", t.currency,
                 count(t.id) AS txns, count(CASE WHEN t.result = 0 THEN 1 END) AS "passCount",
                 coalesce(sum(CASE WHEN t.payment_id IS NOT NULL THEN t.amount_minor END), 0) AS "postedMinor",
                 count(CASE WHEN t.result BETWEEN 1 AND 998 THEN 1 END) AS "declinedCount"
          FROM collect_runs r JOIN processors pr ON pr.id = r.processor_id
          LEFT JOIN processor_txns t ON t.run_id = r.id
          WHERE r.started_at >= ${during.start} AND r.started_at < ${during.end} AND ${where}${currency}
          GROUP BY r.id, r.kind, pr.name, r.status, r.selected, r.started_at, r.finished_at, t.currency
          ORDER BY r.id, ${binary(tx, sql`t.currency`)} NULLS FIRST`,
    );
  },

  /** Payments received per posting day and currency (not moves out of suspense, recycles or failed ones). */
  volume(tx: Tx, f: ReportScope): Promise<VolumeRow[]> {
    const where = scopeWhere(f, PAYMENT_SCOPE);
    return tx.all(
      sql`SELECT ${PAYMENT_DAY} AS day, p.currency, count(*) AS count, sum(p.amount_minor) AS "amountMinor"
          FROM payments p WHERE p.kind NOT IN ('distributed', 'recycled') AND p.status < 30 AND ${where}
          GROUP BY ${PAYMENT_DAY}, p.currency`,
    );
  },
};
