import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { flag } from './dialect';
import { GL_ID_SQL, GL_JOINS_SQL } from './reports-gl';

/**
 * The exports to the billing system and the general ledger (issue #17): the records an export writes, the ids it
 * covers, the watermark and the recorded runs, written once for both databases (services/exports/).
 */

export type ExportKind = 'posted' | 'gl';

/**
 * What an export reads, in database terms: journal and allocation ids (watermark mode, `(from, to]`), or posting
 * instants `[start, end)` (range mode: from the first day's start to the start of the day after the last).
 */
export type ExportWhere =
  | { journals: { from: number; to: number }; allocations: { from: number; to: number } }
  | { start: string; end: string };

function journalWhere(w: ExportWhere): SQL {
  return 'start' in w
    ? sql`j.at >= ${w.start} AND j.at < ${w.end}`
    : sql`j.id > ${w.journals.from} AND j.id <= ${w.journals.to}`;
}

/** Range mode takes allocations by the day they were made. */
function allocationWhere(w: ExportWhere): SQL {
  return 'start' in w
    ? sql`al.created_at >= ${w.start} AND al.created_at < ${w.end}`
    : sql`al.id > ${w.allocations.from} AND al.id <= ${w.allocations.to}`;
}

/** Every currency's minor-unit exponent. */
export function exponentsQuery(): SQL {
  return sql`SELECT code, exponent FROM currencies`;
}

/** A row that points at a journal: a payment it posted, a reversal or refund it wrote, or the journal itself. */
export type SubjectRow = {
  subject: 'payment' | 'reversal' | 'refund' | 'journal';
  subjectRank: number;
  subjectId: number;
  journalId: number;
  journalKind: string;
  postedAt: string;
  effectiveDate: string;
  paymentId: number | null;
  paymentKind: string | null;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number;
  currency: string;
  glId: number | null;
  reasonCode: number | null;
  batchNo: string | null;
  externalRef: string | null;
  operator: string | null;
};

/**
 * The journals of a scope with every row that points at them (payments, reversals, refunds), and per currency the
 * debit total of each journal no row points at (fees, snapshots). Unordered: the service orders the records.
 */
export function postedSubjectsQuery(w: ExportWhere): SQL {
  const operatorOf = sql`(SELECT o.login FROM audit_log au JOIN operators o ON o.id = au.operator_id WHERE au.id = j.audit_id)`;
  return sql`WITH js AS (SELECT j.* FROM journals j WHERE ${journalWhere(w)})
    SELECT 'payment' AS subject, 0 AS "subjectRank", p.id AS "subjectId", j.id AS "journalId", j.kind AS "journalKind",
           j.at AS "postedAt", j.effective_date AS "effectiveDate", p.id AS "paymentId", p.kind AS "paymentKind",
           a.account_no AS "accountNo", p.bill_no AS "billNo", p.amount_minor AS "amountMinor", p.currency,
           j.gl_id AS "glId", COALESCE(j.reason_code, NULLIF(p.reason_code, 0)) AS "reasonCode", b.batch_no AS "batchNo",
           p.external_ref AS "externalRef", COALESCE(op.login, ${operatorOf}) AS operator
    FROM js j JOIN payments p ON p.journal_id = j.id JOIN accounts a ON a.id = p.account_id
    LEFT JOIN batches b ON b.id = p.batch_id LEFT JOIN operators op ON op.id = p.operator_id
    UNION ALL
    SELECT 'reversal', 1, r.id, j.id, j.kind, j.at, j.effective_date, p.id, p.kind, a.account_no, p.bill_no,
           -p.amount_minor, p.currency, j.gl_id, r.reason_code, b.batch_no, p.external_ref,
           COALESCE(op.login, ${operatorOf})
    FROM js j JOIN reversals r ON r.journal_id = j.id JOIN payments p ON p.id = r.payment_id
    JOIN accounts a ON a.id = p.account_id LEFT JOIN batches b ON b.id = p.batch_id
    LEFT JOIN operators op ON op.id = r.operator_id
    UNION ALL
    SELECT 'refund', 2, f.id, j.id, j.kind, j.at, j.effective_date, NULL, NULL, a.account_no, NULL,
           -f.amount_minor, f.currency, j.gl_id, f.reason_code, b.batch_no, f.external_ref,
           COALESCE(op.login, ${operatorOf})
    FROM js j JOIN refunds f ON f.journal_id = j.id JOIN accounts a ON a.id = f.account_id
    LEFT JOIN batches b ON b.id = f.batch_id LEFT JOIN operators op ON op.id = f.operator_id
    UNION ALL
    SELECT 'journal', 3, 0, j.id, j.kind, j.at, j.effective_date, NULL, NULL,
           (SELECT CASE WHEN count(DISTINCT x.account_id) = 1 THEN min(xa.account_no) END
              FROM journal_lines x JOIN accounts xa ON xa.id = x.account_id
              WHERE x.journal_id = j.id AND x.gl_account = 'AR'),
           NULL, sum(CASE WHEN l.amount_minor > 0 THEN l.amount_minor ELSE 0 END), l.currency, j.gl_id, j.reason_code,
           NULL, NULL, ${operatorOf}
    FROM js j JOIN journal_lines l ON l.journal_id = j.id
    -- Not correlated: the journals rows point at are listed once (payments.journal_id has no index).
    WHERE j.id NOT IN (SELECT journal_id FROM payments UNION ALL SELECT journal_id FROM reversals
                       UNION ALL SELECT journal_id FROM refunds)
    -- Every journal column the branch reads: PostgreSQL sees no key (so no functional dependency) in a CTE.
    GROUP BY j.id, j.kind, j.at, j.effective_date, j.gl_id, j.reason_code, j.audit_id, l.currency`;
}

/** An allocation row of a scope (undo 1 for an undo: a negative row or one that reverses another). */
export type AllocationRow = {
  allocationId: number;
  postedAt: string;
  paymentId: number;
  accountNo: string;
  billNo: string | null;
  itemNo: string | null;
  amountMinor: number;
  currency: string;
  batchNo: string | null;
  externalRef: string | null;
  operator: string | null;
  undo: number;
};

/** The allocation rows of a scope. Unordered: the service orders the records. */
export function postedAllocationsQuery(w: ExportWhere): SQL {
  return sql`SELECT al.id AS "allocationId", al.created_at AS "postedAt", al.payment_id AS "paymentId",
           a.account_no AS "accountNo", bl.bill_no AS "billNo", it.item_no AS "itemNo", al.amount_minor AS "amountMinor",
           a.currency, b.batch_no AS "batchNo", p.external_ref AS "externalRef", op.login AS operator,
           ${flag(sql`al.amount_minor < 0 OR al.reverses_allocation_id IS NOT NULL`)} AS undo
    FROM allocations al JOIN accounts a ON a.id = al.account_id JOIN payments p ON p.id = al.payment_id
    LEFT JOIN bills bl ON bl.id = al.bill_id LEFT JOIN bill_items it ON it.id = al.item_id
    LEFT JOIN batches b ON b.id = p.batch_id LEFT JOIN operators op ON op.id = al.operator_id
    WHERE ${allocationWhere(w)}`;
}

/** A journal line as the G/L export reads it (its amount signed: debit positive). */
export type GlExportRow = {
  journalId: number;
  lineId: number;
  journalKind: string;
  postedAt: string;
  effectiveDate: string;
  glId: number;
  glAccount: string;
  amountMinor: number;
  currency: string;
  accountNo: string | null;
  reasonCode: number | null;
};

/** The journal lines of a scope under their G/L ID (the G/L summary's mapping and joins), in journal and line order. */
export function glExportLinesQuery(w: ExportWhere): SQL {
  return sql`SELECT j.id AS "journalId", l.id AS "lineId", j.kind AS "journalKind", j.at AS "postedAt",
           j.effective_date AS "effectiveDate", ${sql.raw(GL_ID_SQL)} AS "glId", l.gl_account AS "glAccount",
           l.amount_minor AS "amountMinor", l.currency, a.account_no AS "accountNo", j.reason_code AS "reasonCode"
    FROM journal_lines l ${sql.raw(GL_JOINS_SQL)} LEFT JOIN accounts a ON a.id = l.account_id
    WHERE ${journalWhere(w)}
    ORDER BY j.id, l.id`;
}

/** The newest journal and allocation ids (0 when none). */
export function newestIdsQuery(): SQL {
  return sql`SELECT (SELECT coalesce(max(id), 0) FROM journals) AS j, (SELECT coalesce(max(id), 0) FROM allocations) AS a`;
}

/** The ids `(from, to]` the posting instants `[start, end)` hold, of journals (by `at`) or allocations (by day made). */
export function idsBetweenQuery(of: 'journals' | 'allocations', start: string, end: string): SQL {
  const col = sql.raw(of === 'journals' ? 'at' : 'created_at');
  return sql`SELECT coalesce(min(id) - 1, 0) AS "from", coalesce(max(id), 0) AS "to" FROM ${sql.raw(of)}
    WHERE ${col} >= ${start} AND ${col} < ${end}`;
}

export type Watermark = { toJournalId: number; toAllocationId: number };

/** The last watermark-mode run of a kind: which it is and where it ended (no row before the first). */
export type WatermarkStep = Watermark & { runId: number };

/** The last watermark-mode run of a kind and where it ended (no row before the first). */
export function watermarkQuery(kind: ExportKind): SQL {
  return sql`SELECT id AS "runId", to_journal_id AS "toJournalId", to_allocation_id AS "toAllocationId"
    FROM export_runs WHERE kind = ${kind} AND mode = 'watermark' ORDER BY id DESC LIMIT 1`;
}

/** The files (JSON text) of the watermark-mode runs of a kind that covered exactly these ids. */
export function watermarkRunFilesQuery(
  kind: ExportKind,
  journals: { from: number; to: number },
  allocations: { from: number; to: number },
): SQL {
  return sql`SELECT files_json AS "filesJson" FROM export_runs WHERE kind = ${kind} AND mode = 'watermark'
    AND from_journal_id = ${journals.from} AND to_journal_id = ${journals.to}
    AND from_allocation_id = ${allocations.from} AND to_allocation_id = ${allocations.to}`;
}

/** One run's record as stored. */
export type ExportRunWrite = {
  kind: ExportKind;
  mode: 'watermark' | 'range';
  journals: { from: number; to: number };
  allocations: { from: number; to: number };
  fromDate: string | null;
  toDate: string | null;
  records: number;
  filesJson: string;
  at: string;
  operatorId: number | null;
};

/** Records a run, answering its id. */
export function exportRunInsertQuery(r: ExportRunWrite): SQL {
  return sql`INSERT INTO export_runs (kind, mode, from_journal_id, to_journal_id, from_allocation_id, to_allocation_id,
      from_date, to_date, records, files_json, at, operator_id)
    VALUES (${r.kind}, ${r.mode}, ${r.journals.from}, ${r.journals.to}, ${r.allocations.from}, ${r.allocations.to},
      ${r.fromDate}, ${r.toDate}, ${r.records}, ${r.filesJson}, ${r.at}, ${r.operatorId})
    RETURNING id`;
}

/** A recorded run as read, its files still as stored (JSON text). */
export type ExportRunRow = {
  id: number;
  kind: ExportKind;
  mode: 'watermark' | 'range';
  fromJournalId: number;
  toJournalId: number;
  fromAllocationId: number;
  toAllocationId: number;
  fromDate: string | null;
  toDate: string | null;
  records: number;
  filesJson: string;
  at: string;
  operator: string | null;
};

const RUN_SELECT = sql`SELECT r.id, r.kind, r.mode, r.from_journal_id AS "fromJournalId",
  r.to_journal_id AS "toJournalId", r.from_allocation_id AS "fromAllocationId", r.to_allocation_id AS "toAllocationId",
  r.from_date AS "fromDate", r.to_date AS "toDate", r.records, r.files_json AS "filesJson", r.at,
  o.login AS operator
  FROM export_runs r LEFT JOIN operators o ON o.id = r.operator_id`;

/** One recorded run. */
export function exportRunQuery(id: number): SQL {
  return sql`${RUN_SELECT} WHERE r.id = ${id}`;
}

/** The recorded runs, newest first, of one kind or all. */
export function exportRunsQuery(kind: ExportKind | undefined, limit: number): SQL {
  return sql`${RUN_SELECT}${kind === undefined ? sql`` : sql` WHERE r.kind = ${kind}`} ORDER BY r.id DESC LIMIT ${limit}`;
}

/** The exports' reads and writes in an open transaction. */
export const exportsRepo = {
  async exponents(tx: Tx): Promise<Map<string, number>> {
    const rows = await tx.all<{ code: string; exponent: number }>(exponentsQuery());
    return new Map(rows.map((r) => [r.code, r.exponent]));
  },
  subjects: (tx: Tx, w: ExportWhere): Promise<SubjectRow[]> => tx.all(postedSubjectsQuery(w)),
  allocations: (tx: Tx, w: ExportWhere): Promise<AllocationRow[]> => tx.all(postedAllocationsQuery(w)),
  glLines: (tx: Tx, w: ExportWhere): Promise<GlExportRow[]> => tx.all(glExportLinesQuery(w)),
  async newest(tx: Tx): Promise<{ j: number; a: number }> {
    return (await tx.get<{ j: number; a: number }>(newestIdsQuery()))!;
  },
  async idsBetween(
    tx: Tx,
    of: 'journals' | 'allocations',
    start: string,
    end: string,
  ): Promise<{ from: number; to: number }> {
    return (await tx.get<{ from: number; to: number }>(idsBetweenQuery(of, start, end)))!;
  },
  async watermark(tx: Tx, kind: ExportKind): Promise<WatermarkStep> {
    return (
      (await tx.get<WatermarkStep>(watermarkQuery(kind))) ?? { runId: 0, toJournalId: 0, toAllocationId: 0 }
    );
  },
  async recordedWatermarkFiles(
    tx: Tx,
    kind: ExportKind,
    journals: { from: number; to: number },
    allocations: { from: number; to: number },
  ): Promise<string[]> {
    const rows = await tx.all<{ filesJson: string }>(watermarkRunFilesQuery(kind, journals, allocations));
    return rows.flatMap((r) => (JSON.parse(r.filesJson) as { path: string }[]).map((f) => f.path));
  },
  async insertRun(tx: Tx, r: ExportRunWrite): Promise<number> {
    return (await tx.get<{ id: number }>(exportRunInsertQuery(r)))!.id;
  },
  run: (tx: Tx, id: number): Promise<ExportRunRow | undefined> => tx.get(exportRunQuery(id)),
  runs: (tx: Tx, kind: ExportKind | undefined, limit: number): Promise<ExportRunRow[]> =>
    tx.all(exportRunsQuery(kind, limit)),
};
