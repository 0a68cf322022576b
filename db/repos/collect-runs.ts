import { sql, type SQL } from 'drizzle-orm';
import type { CollectRunDto } from '../../src-shared/dto/processors';

/**
 * Collection runs and the follow-ups they raise (issue #17), written once for both databases. The run commands'
 * reads (`collect:runs`, `collect:run-txns`, `collect:workflow`) run them through the port; the runs themselves,
 * still on the driver, read a run back with the same queries (driverGet/driverAll).
 */

/** A run's stored row with its processor's name. */
export type RunHead = {
  id: number;
  kind: CollectRunDto['kind'];
  processor: string;
  windowStart: string | null;
  windowEnd: string | null;
  status: CollectRunDto['status'];
  selected: number;
  skippedJson: string | null;
  totalsJson: string | null;
  startedAt: string;
  finishedAt: string | null;
};

/** One run. */
export function runHeadQuery(runId: number): SQL {
  return sql`SELECT r.id, r.kind, p.name AS processor, r.window_start AS "windowStart", r.window_end AS "windowEnd",
      r.status, r.selected, r.skipped_json AS "skippedJson", r.totals_json AS "totalsJson", r.started_at AS "startedAt",
      r.finished_at AS "finishedAt"
    FROM collect_runs r JOIN processors p ON p.id = r.processor_id WHERE r.id = ${runId}`;
}

/** A run's records counted per result and currency. */
export type RunTotalRow = { result: number; currency: string; count: number; amountMinor: number };

/** A run's records counted per result and currency, in that order. */
export function runTotalsQuery(runId: number): SQL {
  return sql`SELECT result, currency, count(*) AS count, sum(amount_minor) AS "amountMinor" FROM processor_txns
    WHERE run_id = ${runId} GROUP BY result, currency ORDER BY result, currency`;
}

/** What a run posted, per currency. */
export type RunPostedRow = { currency: string; n: number; s: number };

/** What a run posted per currency: its approved records (a collection's only those carrying a payment). */
export function runPostedQuery(runId: number, kind: CollectRunDto['kind']): SQL {
  const paid = kind === 'collect' ? sql` AND payment_id IS NOT NULL` : sql``;
  return sql`SELECT currency, count(*) AS n, sum(amount_minor) AS s FROM processor_txns
    WHERE run_id = ${runId} AND result = 0${paid} GROUP BY currency ORDER BY currency`;
}

/** The latest runs' ids, newest first. */
export function recentRunIdsQuery(limit: number): SQL {
  return sql`SELECT id FROM collect_runs ORDER BY id DESC LIMIT ${limit}`;
}

/** Follow-ups raised by collection (open, done or all), newest first. */
export function workflowItemsQuery(status: 'open' | 'done' | 'all', limit: number): SQL {
  const where = status === 'all' ? sql`` : sql`WHERE w.status = ${status}`;
  return sql`SELECT w.id, a.account_no AS "accountNo", w.kind, w.txn_id AS "txnId", w.message, w.status,
      w.created_at AS "createdAt"
    FROM workflow_items w JOIN accounts a ON a.id = w.account_id ${where} ORDER BY w.id DESC LIMIT ${limit}`;
}
