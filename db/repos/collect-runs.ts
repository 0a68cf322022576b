import { sql, type SQL } from 'drizzle-orm';
import type { CollectRunDto } from '../../src-shared/dto/processors';
import { PAY_TYPE } from '../../src-shared/pay-types';

/**
 * Collection runs and the follow-ups they raise (issue #17), written once for both databases. The run commands'
 * reads (`collect:runs`, `collect:run-txns`, `collect:workflow`) and a collection's selection (its preview and
 * confirmation on the port) and the runs on a PostgreSQL ledger run them through the port; the runs on SQLite, on the
 * driver, select, record and read a run back with the same queries (driverGet/driverAll/driverRun).
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

/** A run's record as it starts. */
export type NewRun = {
  kind: CollectRunDto['kind'];
  processorId: number;
  window: { start: string | null; end: string | null };
  optionsJson: string;
  at: string;
  operatorId: number;
};

/** Opens a run's record (running), answering its id. */
export function runInsertQuery(r: NewRun): SQL {
  return sql`INSERT INTO collect_runs (kind, processor_id, window_start, window_end, options_json, status, started_at,
      operator_id)
    VALUES (${r.kind}, ${r.processorId}, ${r.window.start}, ${r.window.end}, ${r.optionsJson}, 'running', ${r.at},
      ${r.operatorId})
    RETURNING id`;
}

/** Closes a run's record: done, failed or cancelled, with what it selected, skipped and sent. */
export function runCloseQuery(
  runId: number,
  c: {
    status: 'done' | 'failed' | 'cancelled';
    selected: number;
    skippedJson: string;
    finishedAt: string;
    totalsJson: string;
  },
): SQL {
  return sql`UPDATE collect_runs SET status = ${c.status}, selected = ${c.selected}, skipped_json = ${c.skippedJson},
      finished_at = ${c.finishedAt}, totals_json = ${c.totalsJson}
    WHERE id = ${runId}`;
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

/** A card bill a collection run may send, with the account's active token for this processor and its state. */
export type CollectCandidate = {
  billId: number;
  billNo: string;
  accountId: number;
  accountNo: string;
  accountStatus: string;
  currency: string;
  amountMinor: number;
  billDate: string;
  dueDate: string;
  payType: number;
  methodId: number | null;
  token: string | null;
  brand: string | null;
  suspendedUntil: string | null;
  datePolicy: string | null;
};

/**
 * The open card bills of paying units, oldest first, each with the account's default active method of the unit's
 * kind that this processor may charge (a token it issued, or one tied to none); `rebill` takes inactive and closed
 * accounts too.
 */
export function collectCandidatesQuery(processorId: number, rebill: boolean): SQL {
  const active = rebill ? sql`` : sql` AND a.status = 'active'`;
  return sql`SELECT b.id AS "billId", b.bill_no AS "billNo", a.id AS "accountId", a.account_no AS "accountNo",
      a.status AS "accountStatus", b.currency, b.amount_due_minor AS "amountMinor", b.bill_date AS "billDate",
      b.due_date AS "dueDate", u.pay_type AS "payType", pm.id AS "methodId", pm.token, pm.brand,
      cs.suspended_until AS "suspendedUntil", cs.date_policy AS "datePolicy"
    FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
    LEFT JOIN payment_methods pm ON pm.id = (
      SELECT m.id FROM payment_methods m WHERE m.account_id = a.id AND m.status = 'active'
        AND m.type = CASE u.pay_type WHEN ${sql.raw(String(PAY_TYPE.creditCard))} THEN 'card' ELSE 'bank' END
        AND (m.processor_id IS NULL OR m.processor_id = ${processorId})
      ORDER BY m.is_default DESC, m.id LIMIT 1)
    LEFT JOIN collection_states cs ON cs.account_id = a.id
    WHERE b.status = 'open' AND b.amount_due_minor > 0 AND u.pay_type = ${sql.raw(String(PAY_TYPE.creditCard))}
      AND u.paying = 1 AND a.is_suspense = 0${active}
    ORDER BY b.id`;
}

/** Bills with a record still open (a checkpoint, or charged and not posted): a run never sends them again (V12). */
export function openCheckpointBillsQuery(): SQL {
  return sql`SELECT DISTINCT bill_id AS id FROM processor_txns
    WHERE bill_id IS NOT NULL AND (result = 999 OR result >= 1000)`;
}

/** Tokens that had one of the never-retry results. */
export function neverRetryTokensQuery(results: readonly number[]): SQL {
  return sql`SELECT DISTINCT token FROM processor_txns
    WHERE token IS NOT NULL AND result IN (${sql.raw(results.map((r) => String(Math.trunc(r))).join(', '))})`;
}

/** A card's charge attempts since a time (what its network cap counts). */
export function tokenAttemptsQuery(token: string, since: string): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns
    WHERE token = ${token} AND created_at >= ${since} AND command IN ('auth', 'condition')`;
}
