import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary } from './dialect';
import { BATCH_SCOPE, scopeWhere, TRUE_REVERSAL, type ReportScope } from './reports';

export type DepositRow = {
  batchId: number;
  batchNo: string;
  lockbox: string;
  day: string;
  status: string;
  currency: string;
  controlCount: number | null;
  controlMinor: number | null;
  enteredCount: number;
  enteredMinor: number;
  postedCount: number;
  postedMinor: number;
  suspenseCount: number;
  suspenseMinor: number;
  exceptionsCount: number;
  exceptionsMinor: number;
  reversedCount: number;
  reversedMinor: number;
};

/** The deposit reconciliation's read. */
export const depositRepo = {
  /**
   * One row per deposit (a payment batch not split off another, not discarded) in the scope, in lockbox, day and
   * batch order, with the figures of its own entries and those of the exception batches split off it.
   */
  deposits(tx: Tx, f: ReportScope): Promise<DepositRow[]> {
    const where = scopeWhere(f, BATCH_SCOPE);
    return tx.all(
      sql`WITH RECURSIVE roots AS (
            SELECT b.id FROM batches b
            WHERE b.batch_type = 'payment' AND b.parent_batch_id IS NULL AND b.status <> 'discarded' AND ${where}
          ), tree(id, root) AS (
            SELECT id, id FROM roots
            UNION ALL
            SELECT c.id, t.root FROM batches c JOIN tree t ON c.parent_batch_id = t.id WHERE c.status <> 'discarded'
          ), ent AS (
            SELECT t.root,
                   count(e.id) AS entered_count, coalesce(sum(e.amount_minor), 0) AS entered_minor,
                   count(CASE WHEN e.status = 'posted' THEN 1 END) AS posted_count,
                   coalesce(sum(CASE WHEN e.status = 'posted' THEN e.amount_minor END), 0) AS posted_minor,
                   count(CASE WHEN e.status = 'posted_suspense' THEN 1 END) AS suspense_count,
                   coalesce(sum(CASE WHEN e.status = 'posted_suspense' THEN e.amount_minor END), 0) AS suspense_minor,
                   count(CASE WHEN t.id <> t.root THEN e.id END) AS exceptions_count,
                   coalesce(sum(CASE WHEN t.id <> t.root THEN e.amount_minor END), 0) AS exceptions_minor
            FROM tree t LEFT JOIN batch_entries e ON e.batch_id = t.id GROUP BY t.root
          ), rev AS (
            SELECT t.root, count(*) AS reversed_count, sum(p.amount_minor) AS reversed_minor
            FROM tree t JOIN payments p ON p.batch_id = t.id JOIN reversals r ON r.payment_id = p.id
            WHERE ${TRUE_REVERSAL} GROUP BY t.root
          )
          SELECT b.id AS "batchId", b.batch_no AS "batchNo", coalesce(b.lockbox_no, '') AS lockbox, b.batch_date AS day,
                 b.status, b.currency, b.control_count AS "controlCount", b.control_total_minor AS "controlMinor",
                 ent.entered_count AS "enteredCount", ent.entered_minor AS "enteredMinor",
                 ent.posted_count AS "postedCount", ent.posted_minor AS "postedMinor",
                 ent.suspense_count AS "suspenseCount", ent.suspense_minor AS "suspenseMinor",
                 ent.exceptions_count AS "exceptionsCount", ent.exceptions_minor AS "exceptionsMinor",
                 coalesce(rev.reversed_count, 0) AS "reversedCount", coalesce(rev.reversed_minor, 0) AS "reversedMinor"
          FROM roots JOIN batches b ON b.id = roots.id JOIN ent ON ent.root = b.id LEFT JOIN rev ON rev.root = b.id
          ORDER BY ${binary(tx, sql`coalesce(b.lockbox_no, '')`)}, ${binary(tx, sql`b.batch_date`)}, ${binary(tx, sql`b.batch_no`)}`,
    );
  },
};
