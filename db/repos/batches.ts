import { sql, type SQL } from 'drizzle-orm';
import type {
  BatchDto,
  BatchTypeDto as BatchType,
  EntryStatusDto,
  ZeroProofDto,
} from '../../src-shared/dto/batches';
import type { Tx } from '../storage/port';
import { binary, inList } from './dialect';

/**
 * Payment batches and their entries (issue #17). The SQL is written once here: the commands a clerk uses to key
 * and look at a batch (list, show, entries, create, header, discard, keyed entries, deletes, suspending, releasing
 * a duplicate, exception batches) run it through the port (services/batches/batch-store.ts), as validation,
 * returns and the hand-over load do; SQLite's streaming import, its set-based submit and undo run on the driver
 * and compile the same queries (driverGet/driverAll/driverRun).
 */

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** A batch as stored, with the team server it was pushed to. */
export type BatchRecord = {
  id: number;
  batchNo: string;
  batchType: BatchType;
  payType: number;
  currency: string;
  channelId: number;
  allocationLevel: 'bill' | 'item';
  status: BatchDto['status'];
  lockboxNo: string | null;
  batchDate: string;
  controlCount: number | null;
  controlTotalMinor: number | null;
  note: string | null;
  headerJson: string | null;
  footerJson: string | null;
  parentBatchId: number | null;
  sourceFile: string | null;
  templateName: string | null;
  createdAt: string;
  updatedAt: string;
  validatedAt: string | null;
  submittedAt: string | null;
  /** The team server `batch push` submitted this batch on: closed here (README "Push a batch to the server"). */
  pushedTo: string | null;
};

const BATCH_COLUMNS = sql`id, batch_no AS "batchNo", batch_type AS "batchType", pay_type AS "payType", currency,
  channel_id AS "channelId", allocation_level AS "allocationLevel", status, lockbox_no AS "lockboxNo",
  batch_date AS "batchDate", control_count AS "controlCount", control_total_minor AS "controlTotalMinor", note,
  header_json AS "headerJson", footer_json AS "footerJson", parent_batch_id AS "parentBatchId",
  source_file AS "sourceFile", template_name AS "templateName", created_at AS "createdAt",
  updated_at AS "updatedAt", validated_at AS "validatedAt", submitted_at AS "submittedAt",
  (SELECT server_url FROM batch_pushes p WHERE p.batch_id = batches.id) AS "pushedTo"`;

/** One batch. */
export function batchByIdQuery(id: number): SQL {
  return sql`SELECT ${BATCH_COLUMNS} FROM batches WHERE id = ${id}`;
}

/** A batch's entries per status: how many (`n`) and their amount (`s`). */
export function batchStatusGroupsQuery(on: On, batchId: number): SQL {
  return sql`SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries
    WHERE batch_id = ${batchId} GROUP BY status ORDER BY ${binary(on, sql`status`)}`;
}

/** How many batches there are (`n`), of one status or all. */
export function batchCountQuery(status: BatchDto['status'] | undefined): SQL {
  return sql`SELECT count(*) AS n FROM batches${status ? sql` WHERE status = ${status}` : sql``}`;
}

/** A page of batch ids, newest first. */
export function batchIdsPageQuery(
  status: BatchDto['status'] | undefined,
  limit: number,
  offset: number,
): SQL {
  return sql`SELECT id FROM batches${status ? sql` WHERE status = ${status}` : sql``}
    ORDER BY id DESC LIMIT ${limit} OFFSET ${offset}`;
}

/** The highest batch id so far (`m`, 0 when none): the default batch number counts on from it. */
export function lastBatchIdQuery(): SQL {
  return sql`SELECT coalesce(max(id), 0) AS m FROM batches`;
}

/** A row when the batch number is taken. */
export function batchNoTakenQuery(batchNo: string): SQL {
  return sql`SELECT 1 AS found FROM batches WHERE batch_no = ${batchNo}`;
}

/** A new open batch's stored fields: the record's own, the source file's digest, the moment and who. */
export type BatchWrite = Pick<
  BatchRecord,
  | 'batchNo'
  | 'batchType'
  | 'payType'
  | 'currency'
  | 'channelId'
  | 'allocationLevel'
  | 'lockboxNo'
  | 'batchDate'
  | 'controlCount'
  | 'controlTotalMinor'
  | 'note'
  | 'headerJson'
  | 'footerJson'
  | 'parentBatchId'
  | 'sourceFile'
  | 'templateName'
> & { sourceSha256: string | null; at: string; createdBy: number | null };

/** Adds an open batch, answering its id (a taken batch number is refused by the unique index). */
export function batchInsertQuery(b: BatchWrite): SQL {
  return sql`INSERT INTO batches (batch_no, batch_type, pay_type, currency, channel_id, allocation_level, status,
      lockbox_no, batch_date, control_count, control_total_minor, note, header_json, footer_json, parent_batch_id,
      source_file, source_sha256, template_name, created_at, updated_at, created_by)
    VALUES (${b.batchNo}, ${b.batchType}, ${b.payType}, ${b.currency}, ${b.channelId}, ${b.allocationLevel}, 'open',
      ${b.lockboxNo}, ${b.batchDate}, ${b.controlCount}, ${b.controlTotalMinor}, ${b.note}, ${b.headerJson},
      ${b.footerJson}, ${b.parentBatchId}, ${b.sourceFile}, ${b.sourceSha256}, ${b.templateName}, ${b.at}, ${b.at},
      ${b.createdBy})
    RETURNING id`;
}

/** Marks a batch discarded. */
export function batchDiscardQuery(id: number, at: string): SQL {
  return sql`UPDATE batches SET status = 'discarded', updated_at = ${at} WHERE id = ${id}`;
}

/** The header fields a clerk may change. */
export function batchHeaderUpdateQuery(
  id: number,
  h: {
    note: string | null;
    lockboxNo: string | null;
    controlCount: number | null;
    controlTotalMinor: number | null;
  },
  at: string,
): SQL {
  return sql`UPDATE batches SET note = ${h.note}, lockbox_no = ${h.lockboxNo}, control_count = ${h.controlCount},
      control_total_minor = ${h.controlTotalMinor}, updated_at = ${at}
    WHERE id = ${id}`;
}

/**
 * The pending bank returns of a discarded return batch marked `discarded`, their return keys freed (suffixed
 * `#discarded-<id>`) so the same return can be read again from the bank's file.
 */
export function bankReturnsDiscardQuery(batchId: number): SQL {
  return sql`UPDATE bank_returns SET status = 'discarded', return_key = return_key || '#discarded-' || id
    WHERE batch_id = ${batchId} AND status = 'pending'`;
}

/** How many entries a batch holds (`n`) and their amount (`s`). */
export function batchFiguresQuery(batchId: number): SQL {
  return sql`SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE batch_id = ${batchId}`;
}

/**
 * The exception batches split off a batch, each counted with everything split off it in turn (a discarded one
 * deeper down is not followed: its money is no longer in the deposit).
 */
export function exceptionBatchesQuery(batchId: number): SQL {
  return sql`WITH RECURSIVE tree (id, root) AS (
      SELECT id, id FROM batches WHERE parent_batch_id = ${batchId}
      UNION ALL
      SELECT b.id, t.root FROM batches b JOIN tree t ON b.parent_batch_id = t.id WHERE b.status <> 'discarded'
    )
    SELECT r.id, r.batch_no AS "batchNo", r.status,
      (SELECT count(*) FROM batch_entries e WHERE e.batch_id IN (SELECT id FROM tree WHERE root = r.id)) AS count,
      (SELECT coalesce(sum(e.amount_minor), 0) FROM batch_entries e
        WHERE e.batch_id IN (SELECT id FROM tree WHERE root = r.id)) AS "totalMinor"
    FROM batches r WHERE r.parent_batch_id = ${batchId} ORDER BY r.id`;
}

/** An exception batch's parent with its deposit-slip figures. */
export type ParentControl = { id: number; batchNo: string; count: number | null; totalMinor: number | null };

/** The parent's deposit-slip figures. */
export function parentControlQuery(parentId: number): SQL {
  return sql`SELECT id, batch_no AS "batchNo", control_count AS count, control_total_minor AS "totalMinor"
    FROM batches WHERE id = ${parentId}`;
}

/** An exception batch row as the zero proof lists it. */
export type ExceptionBatchRecord = ZeroProofDto['exceptionBatches'][number];

/** A batch entry as stored, in the columns the DTO mapper expects. */
export type EntryRecord = {
  id: number;
  seq: number;
  sourceLine: number | null;
  accountNo: string | null;
  billNo: string | null;
  amountText: string | null;
  amountMinor: number | null;
  paymentDate: string | null;
  checkNo: string | null;
  payerName: string | null;
  reference: string | null;
  channelId: number | null;
  paymentRef: number | null;
  customJson: string | null;
  status: EntryStatusDto;
  reasonCode: number | null;
  problem: string | null;
  problemColumn: string | null;
  problemsJson: string | null;
  currency: string;
  manualSuspend: number;
  allocationJson: string | null;
  postedPaymentId: number | null;
  duplicateOfJson: string | null;
  duplicateReleaseCode: number | null;
  duplicateReleaseNote: string | null;
};

/** The earlier entry a suspected duplicate matched, as one JSON text (the same keys and order on both). */
function duplicateOfJson(on: On): SQL {
  const fn = on.dialect === 'postgres' ? sql`json_build_object` : sql`json_object`;
  const cast = on.dialect === 'postgres' ? sql`::text` : sql``;
  return sql`CASE WHEN duplicate_of_entry_id IS NOT NULL THEN (SELECT ${fn}('entryId', d.id, 'batchId', d.batch_id,
      'batchNo', db.batch_no, 'seq', d.seq, 'paymentId', batch_entries.duplicate_of_payment_id)${cast}
    FROM batch_entries d JOIN batches db ON db.id = d.batch_id WHERE d.id = batch_entries.duplicate_of_entry_id) END`;
}

function entryColumns(on: On): SQL {
  return sql`id, seq, source_line AS "sourceLine", account_no AS "accountNo", bill_no AS "billNo",
    amount_text AS "amountText", amount_minor AS "amountMinor", payment_date AS "paymentDate", check_no AS "checkNo",
    payer_name AS "payerName", reference, channel_id AS "channelId", payment_ref AS "paymentRef",
    custom_json AS "customJson", status, reason_code AS "reasonCode", problem, problem_column AS "problemColumn",
    manual_suspend AS "manualSuspend", allocation_json AS "allocationJson", posted_payment_id AS "postedPaymentId",
    problems_json AS "problemsJson",
    coalesce(currency, (SELECT b.currency FROM batches b WHERE b.id = batch_entries.batch_id)) AS currency,
    ${duplicateOfJson(on)} AS "duplicateOfJson",
    duplicate_release_code AS "duplicateReleaseCode", duplicate_release_note AS "duplicateReleaseNote"`;
}

/** One entry (of the batch, when given). */
export function entryByIdQuery(on: On, id: number, batchId?: number): SQL {
  return sql`SELECT ${entryColumns(on)} FROM batch_entries
    WHERE id = ${id}${batchId === undefined ? sql`` : sql` AND batch_id = ${batchId}`}`;
}

/** A batch's entries in entry order. */
export function batchEntriesQuery(on: On, batchId: number): SQL {
  return sql`SELECT ${entryColumns(on)} FROM batch_entries WHERE batch_id = ${batchId} ORDER BY seq`;
}

/** The entries with these ids, in no order. */
export function entriesByIdsQuery(on: On, ids: readonly number[]): SQL {
  return sql`SELECT ${entryColumns(on)} FROM batch_entries WHERE ${inList(on, sql`id`, ids)}`;
}

/** A row when the custom field is defined. */
export function customFieldKnownQuery(key: string): SQL {
  return sql`SELECT 1 AS found FROM custom_fields WHERE key = ${key}`;
}

/**
 * An entry's value of a custom field. The key sits in the SQL text (so SQLite's expression index matches it); the
 * caller passes only a defined key, whose pattern (letters, digits, _ and -) needs no escaping but the quotes.
 */
function customValue(on: On, key: string): SQL {
  return on.dialect === 'postgres'
    ? sql.raw(`(custom_json::jsonb ->> '${key}')`)
    : sql.raw(`json_extract(custom_json, '$."${key}"')`);
}

/** A grid's filter of one batch's entries: statuses, and a custom field's whole value or a part of it. */
export type EntryFilter = {
  batchId: number;
  statuses?: readonly EntryStatusDto[] | undefined;
  custom?: { key: string; value: string; exact: boolean } | undefined;
};

function entryWhere(on: On, f: EntryFilter): SQL {
  const where: SQL[] = [sql`batch_id = ${f.batchId}`];
  if (f.statuses?.length) where.push(inList(on, sql`status`, f.statuses));
  if (f.custom) {
    const value = customValue(on, f.custom.key);
    if (f.custom.exact) where.push(sql`${value} = ${f.custom.value}`);
    else
      where.push(
        on.dialect === 'postgres'
          ? sql`strpos(lower(${value}), lower(${f.custom.value})) > 0`
          : sql`instr(lower(${value}), lower(${f.custom.value})) > 0`,
      );
  }
  return sql.join(where, sql` AND `);
}

/** How many entries the filter matches (`n`) and their amount (`s`). */
export function entryTotalsQuery(on: On, f: EntryFilter): SQL {
  return sql`SELECT count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE ${entryWhere(on, f)}`;
}

/** The highest entry number of a batch (`m`, 0 when it has none). */
export function lastSeqQuery(batchId: number): SQL {
  return sql`SELECT coalesce(max(seq), 0) AS m FROM batch_entries WHERE batch_id = ${batchId}`;
}

/** A page of a batch's entry ids in entry order: seq is dense (1..N), so a page is a range on the index. */
export function entryIdsBySeqQuery(batchId: number, desc: boolean, from: number, limit: number): SQL {
  return desc
    ? sql`SELECT id FROM batch_entries WHERE batch_id = ${batchId} AND seq <= ${from} ORDER BY seq DESC LIMIT ${limit}`
    : sql`SELECT id FROM batch_entries WHERE batch_id = ${batchId} AND seq > ${from} ORDER BY seq LIMIT ${limit}`;
}

/** The columns a grid sorts entries by, and whether they hold text. */
export const ENTRY_SORT_COLUMNS: Readonly<Record<string, { column: string; text: boolean }>> = {
  seq: { column: 'seq', text: false },
  accountNo: { column: 'account_no', text: true },
  billNo: { column: 'bill_no', text: true },
  amountMinor: { column: 'amount_minor', text: false },
  paymentDate: { column: 'payment_date', text: true },
  checkNo: { column: 'check_no', text: true },
  payerName: { column: 'payer_name', text: true },
  reference: { column: 'reference', text: true },
  status: { column: 'status', text: true },
  reasonCode: { column: 'reason_code', text: false },
};

/**
 * One sort key in SQLite's order on both: text by code points, NULLs first ascending and last descending
 * (PostgreSQL's default is the other way round). SQLite keeps the bare term, which its sort indexes match.
 */
function orderTerm(on: On, column: string, text: boolean, desc: boolean): SQL {
  const dir = sql.raw(desc ? 'DESC' : 'ASC');
  if (on.dialect !== 'postgres') return sql`${sql.raw(column)} ${dir}`;
  const c = text ? binary(on, sql.raw(column)) : sql.raw(column);
  return sql`${c} ${dir} ${sql.raw(desc ? 'NULLS LAST' : 'NULLS FIRST')}`;
}

/** A page of the filter's entry ids sorted by a column (one of ENTRY_SORT_COLUMNS), seq breaking ties. */
export function entryIdsSortedQuery(
  on: On,
  f: EntryFilter,
  sortBy: keyof typeof ENTRY_SORT_COLUMNS,
  desc: boolean,
  limit: number,
  offset: number,
): SQL {
  const s = ENTRY_SORT_COLUMNS[sortBy];
  if (!s) throw new Error(`no sort column ${sortBy}`);
  return sql`SELECT id FROM batch_entries WHERE ${entryWhere(on, f)}
    ORDER BY ${orderTerm(on, s.column, s.text, desc)}, seq ${sql.raw(desc ? 'DESC' : 'ASC')}
    LIMIT ${limit} OFFSET ${offset}`;
}

/** SQLite: a row when the ledger has an index of this name. */
export function sqliteIndexExistsQuery(name: string): SQL {
  return sql`SELECT 1 AS found FROM sqlite_master WHERE type = 'index' AND name = ${name}`;
}

/** SQLite: the index a grid sorting one batch by a column pages through (made the first time someone sorts). */
export function entrySortIndex(column: string): { name: string; create: SQL } {
  const name = `batch_entries_sort_${column}_idx`;
  return {
    name,
    create: sql.raw(`CREATE INDEX IF NOT EXISTS ${name} ON batch_entries (batch_id, ${column}, seq)`),
  };
}

/** SQLite: the index an exact custom-field search looks up (made the first time someone searches the field). */
export function entryCustomIndex(key: string): { name: string; create: SQL } {
  const name = `batch_entries_custom_${key}_idx`;
  return {
    name,
    create: sql`CREATE INDEX IF NOT EXISTS ${sql.identifier(name)} ON batch_entries (batch_id, ${customValue({ dialect: 'sqlite' }, key)}, seq)`,
  };
}

/** The id the next entry takes: SQLite's AUTOINCREMENT counter, PostgreSQL's identity sequence (ids never reused). */
export function nextEntryIdQuery(on: On): SQL {
  return on.dialect === 'postgres'
    ? sql`SELECT nextval(pg_get_serial_sequence('batch_entries', 'id')) AS id`
    : sql`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'batch_entries'), 0) + 1 AS id`;
}

/** Adds an empty keyed entry under its id, number and idempotency key. */
export function entryInsertQuery(e: {
  id: number;
  batchId: number;
  seq: number;
  entryKey: string;
  currency: string;
}): SQL {
  return sql`INSERT INTO batch_entries (id, batch_id, seq, entry_key, status, currency)
    VALUES (${e.id}, ${e.batchId}, ${e.seq}, ${e.entryKey}, 'new', ${e.currency})`;
}

/** An entry's keyed values as checked: a manual suspension keeps its reason, a planned allocation is dropped. */
export type EntryValues = Pick<
  EntryRecord,
  | 'id'
  | 'accountNo'
  | 'billNo'
  | 'amountText'
  | 'amountMinor'
  | 'paymentDate'
  | 'checkNo'
  | 'payerName'
  | 'reference'
  | 'channelId'
  | 'paymentRef'
  | 'status'
  | 'problem'
  | 'problemColumn'
  | 'problemsJson'
> & { customJson: string };

/** Writes an entry's keyed values. */
export function entryValuesUpdateQuery(v: EntryValues): SQL {
  return sql`UPDATE batch_entries SET account_no = ${v.accountNo}, bill_no = ${v.billNo}, amount_text = ${v.amountText},
      amount_minor = ${v.amountMinor}, payment_date = ${v.paymentDate}, check_no = ${v.checkNo},
      payer_name = ${v.payerName}, reference = ${v.reference}, channel_id = ${v.channelId},
      payment_ref = ${v.paymentRef}, custom_json = ${v.customJson}, status = ${v.status}, problem = ${v.problem},
      problem_column = ${v.problemColumn}, problems_json = ${v.problemsJson},
      reason_code = CASE WHEN manual_suspend = 1 THEN reason_code ELSE NULL END, allocation_json = NULL,
      account_id = NULL
    WHERE id = ${v.id}`;
}

/** Marks a batch edited: back to open, validation must run again (a submitted or discarded one is left alone). */
export function batchTouchQuery(batchId: number, at: string): SQL {
  return sql`UPDATE batches SET status = 'open', updated_at = ${at}, validated_at = NULL
    WHERE id = ${batchId} AND status IN ('open', 'validated')`;
}

/** Renumbers a batch's entries 1..N in their current order, keeping seq dense after deletes and moves. */
export function entriesRenumberQuery(batchId: number): SQL {
  return sql`UPDATE batch_entries SET seq = r.rn
    FROM (SELECT id, row_number() OVER (ORDER BY seq) AS rn FROM batch_entries WHERE batch_id = ${batchId}) AS r
    WHERE batch_entries.id = r.id AND batch_entries.seq <> r.rn`;
}

/** Deletes the given entries of a batch that are not posted. */
export function entriesDeleteQuery(on: On, batchId: number, ids: readonly number[]): SQL {
  return sql`DELETE FROM batch_entries WHERE batch_id = ${batchId} AND status NOT IN ('posted', 'posted_suspense')
    AND ${inList(on, sql`id`, ids)}`;
}

/** Suspends an entry by hand with a suspense reason: it posts to suspense at submit. */
export function entrySuspendQuery(id: number, reasonCode: number): SQL {
  return sql`UPDATE batch_entries SET manual_suspend = 1, reason_code = ${reasonCode}, status = 'to_be_suspended',
      problem = 'suspended by hand', problem_column = NULL
    WHERE id = ${id}`;
}

/** Returns a suspended entry to be validated again. */
export function entryUnsuspendQuery(id: number): SQL {
  return sql`UPDATE batch_entries SET manual_suspend = 0, reason_code = NULL, status = 'new', problem = NULL
    WHERE id = ${id}`;
}

/** An entry's status with the earlier entry and payment it was suspected to duplicate. */
export type DuplicateState = {
  id: number;
  status: string;
  manualSuspend: number;
  entryId: number | null;
  paymentId: number | null;
};

/** An entry of the batch with what it was suspected to duplicate. */
export function duplicateStateQuery(id: number, batchId: number): SQL {
  return sql`SELECT id, status, manual_suspend AS "manualSuspend", duplicate_of_entry_id AS "entryId",
      duplicate_of_payment_id AS "paymentId"
    FROM batch_entries WHERE id = ${id} AND batch_id = ${batchId}`;
}

/** A supervisor's release of a suspected duplicate: the entry goes back to validation. */
export function duplicateReleaseQuery(id: number, reasonCode: number, note: string | null): SQL {
  return sql`UPDATE batch_entries SET duplicate_release_code = ${reasonCode}, duplicate_release_note = ${note},
      problem = NULL, problem_column = NULL,
      status = CASE WHEN manual_suspend = 1 THEN 'to_be_suspended' ELSE 'new' END
    WHERE id = ${id}`;
}

/** The entry statuses an exception batch takes from its parent. */
const EXCEPTION_STATUSES = sql`('invalid', 'allocation_required', 'duplicate_suspected')`;

/** The ids of a batch's entries that go to an exception batch, in entry order. */
export function exceptionEntryIdsQuery(batchId: number): SQL {
  return sql`SELECT id FROM batch_entries WHERE batch_id = ${batchId} AND status IN ${EXCEPTION_STATUSES}
    ORDER BY seq`;
}

/** How many exception batches were split off a batch (`n`), discarded ones included. */
export function childBatchCountQuery(parentId: number): SQL {
  return sql`SELECT count(*) AS n FROM batches WHERE parent_batch_id = ${parentId}`;
}

/** Moves a batch's exception entries into the exception batch, numbered 1..N in their order. */
export function exceptionEntriesMoveQuery(fromBatchId: number, toBatchId: number): SQL {
  return sql`UPDATE batch_entries SET batch_id = ${toBatchId}, seq = r.rn
    FROM (SELECT id, row_number() OVER (ORDER BY seq) AS rn FROM batch_entries
          WHERE batch_id = ${fromBatchId} AND status IN ${EXCEPTION_STATUSES}) AS r
    WHERE batch_entries.id = r.id`;
}

/** A batch's deposit-slip figures. */
export function batchControlUpdateQuery(
  id: number,
  controlCount: number | null,
  controlTotalMinor: number | null,
): SQL {
  return sql`UPDATE batches SET control_count = ${controlCount}, control_total_minor = ${controlTotalMinor}
    WHERE id = ${id}`;
}

/**
 * A batch's entry amounts in absolute value, summed per slice of 512 entries (no 64-bit overflow within one) and
 * answered as decimal text (PostgreSQL sums bigints as numeric), so the caller adds the slices exactly.
 */
export function batchAmountSlicesQuery(batchId: number): SQL {
  return sql`SELECT CAST(sum(abs(amount_minor)) AS TEXT) AS s FROM batch_entries
    WHERE batch_id = ${batchId} AND amount_minor IS NOT NULL GROUP BY id / 512`;
}

/** What a payment entry's fingerprint is made of, with the one stored now. */
export type FingerprintSource = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  checkNo: string | null;
  reference: string | null;
  amountMinor: number | null;
  currency: string;
  paymentDate: string | null;
  lockboxNo: string | null;
  fingerprint: string | null;
};

/**
 * The unposted entries of a batch (all, or those with the given ids) with what their fingerprint is made of (the
 * batch's lockbox is part of it).
 */
export function fingerprintSourcesQuery(on: On, batchId: number, ids?: readonly number[]): SQL {
  return sql`SELECT e.id, e.account_no AS "accountNo", e.bill_no AS "billNo", e.check_no AS "checkNo",
      e.reference, e.amount_minor AS "amountMinor", coalesce(e.currency, b.currency) AS currency,
      e.payment_date AS "paymentDate", b.lockbox_no AS "lockboxNo", e.fingerprint
    FROM batch_entries e JOIN batches b ON b.id = e.batch_id
    WHERE e.batch_id = ${batchId} AND e.status NOT IN ('posted', 'posted_suspense')
      ${ids === undefined ? sql`` : sql`AND ${inList(on, sql`e.id`, ids)}`}
    ORDER BY e.id`;
}

/**
 * New fingerprints of entries, one statement for many (a JSON array of {id, fp}); a changed fingerprint is a
 * changed payment, so a supervisor's release of the old one no longer holds.
 */
export function fingerprintsUpdateQuery(on: On, changes: readonly { id: number; fp: string | null }[]): SQL {
  const json = JSON.stringify(changes);
  const rows =
    on.dialect === 'postgres'
      ? sql`(SELECT id, fp FROM jsonb_to_recordset(${json}::jsonb) AS r(id bigint, fp text))`
      : sql`(SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.fp') AS fp FROM json_each(${json}))`;
  return sql`UPDATE batch_entries SET fingerprint = n.fp, duplicate_release_code = NULL, duplicate_release_note = NULL
    FROM ${rows} AS n WHERE batch_entries.id = n.id`;
}

// The batch report, the hand-over file, the undo preview and the push mark (services/batches/report.ts,
// batch-file.ts, undo.ts, push.ts) read through the port; an undo still reads the preview through the driver with
// the same queries.

/** This ledger's identity (`ledgerId`), set once by its migration. */
export function ledgerIdQuery(): SQL {
  return sql`SELECT ledger_id AS "ledgerId" FROM ledger_identity WHERE id = 1`;
}

/** The two lists of a batch report. */
export type ReportSection = 'suspended' | 'exceptions';

const REPORT_SECTION_STATUSES: Record<ReportSection, SQL> = {
  suspended: sql.raw(`e.status IN ('to_be_suspended', 'posted_suspense')`),
  exceptions: sql.raw(`e.status IN ('invalid', 'allocation_required', 'duplicate_suspected', 'new')`),
};

/** How many entries a report section holds (`n`) and their amount (`s`). */
export function reportSectionTotalsQuery(batchId: number, section: ReportSection): SQL {
  return sql`SELECT count(*) AS n, coalesce(sum(e.amount_minor), 0) AS s FROM batch_entries e
    WHERE e.batch_id = ${batchId} AND ${REPORT_SECTION_STATUSES[section]}`;
}

/** A report section's line as stored: a posted entry's reason is its payment's (the suspense reason it got). */
export type ReportLineRecord = {
  id: number;
  seq: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number | null;
  status: EntryStatusDto;
  reasonCode: number | null;
  problem: string | null;
  problemColumn: string | null;
};

/** The first `limit` lines of a report section in entry order. */
export function reportSectionLinesQuery(batchId: number, section: ReportSection, limit: number): SQL {
  return sql`SELECT e.id, e.seq, e.account_no AS "accountNo", e.bill_no AS "billNo", e.amount_minor AS "amountMinor",
      e.status, coalesce(p.reason_code, e.reason_code) AS "reasonCode", e.problem, e.problem_column AS "problemColumn"
    FROM batch_entries e LEFT JOIN payments p ON p.id = e.posted_payment_id
    WHERE e.batch_id = ${batchId} AND ${REPORT_SECTION_STATUSES[section]} ORDER BY e.seq LIMIT ${limit}`;
}

/** The batches split off a batch with their own entries (not what was split off them in turn). */
export function reportExceptionBatchesQuery(batchId: number): SQL {
  return sql`SELECT b.id, b.batch_no AS "batchNo", b.status, count(e.id) AS entries,
      coalesce(sum(e.amount_minor), 0) AS "totalMinor"
    FROM batches b LEFT JOIN batch_entries e ON e.batch_id = b.id
    WHERE b.parent_batch_id = ${batchId} GROUP BY b.id ORDER BY b.id`;
}

/** A posted entry of a batch with the payment it became (joined by its idempotency key), as an undo reads it. */
export type UndoPostedRecord = {
  entryId: number;
  seq: number;
  status: string;
  paymentId: number;
  amountMinor: number;
  currency: string;
  kind: string;
  payType: number;
  accountNo: string;
  accountCurrency: string;
  isSuspense: number;
  reversed: number;
  allocatedMinor: number;
};

/** Every posted entry of a batch with its payment, in entry order. */
export function undoPostedEntriesQuery(batchId: number): SQL {
  return sql`SELECT e.id AS "entryId", e.seq, e.status, p.id AS "paymentId", p.amount_minor AS "amountMinor",
      p.currency, p.kind, p.pay_type AS "payType", a.account_no AS "accountNo", a.currency AS "accountCurrency",
      a.is_suspense AS "isSuspense", (CASE WHEN EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) THEN 1 ELSE 0 END) AS reversed,
      (SELECT coalesce(sum(al.amount_minor), 0) FROM allocations al WHERE al.payment_id = p.id) AS "allocatedMinor"
    FROM batch_entries e JOIN payments p ON p.source_key = e.entry_key JOIN accounts a ON a.id = p.account_id
    WHERE e.batch_id = ${batchId} AND e.status IN ('posted', 'posted_suspense') ORDER BY e.seq`;
}

/** The first payment moved on from this one (recycled, distributed...) that still stands. */
export function liveDescendantQuery(paymentId: number): SQL {
  return sql`WITH RECURSIVE d(id) AS (
      SELECT id FROM payments WHERE parent_payment_id = ${paymentId}
      UNION SELECT p.id FROM payments p JOIN d ON p.parent_payment_id = d.id)
    SELECT p.id, p.kind FROM payments p JOIN d ON d.id = p.id
    WHERE NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) ORDER BY p.id LIMIT 1`;
}

/** The reversal batches numbered `<batchNo>-U…` (an undo's, and any other so named), oldest first. */
export function undoReversalBatchesQuery(batchNo: string): SQL {
  const prefix = `${batchNo}-U`;
  return sql`SELECT id, batch_no AS "batchNo", status FROM batches
    WHERE batch_type = 'reversal' AND substr(batch_no, 1, ${prefix.length}) = ${prefix} ORDER BY id`;
}

/**
 * The newest pending, unexpired approval of a submit of this batch (`id`). An encrypted input cannot be read, so it
 * is passed over; PostgreSQL reads the JSON only of the others (it does not promise to test the LIKE first).
 */
export function pendingSubmitApprovalQuery(on: On, batchId: number, now: string): SQL {
  const batchOf =
    on.dialect === 'postgres'
      ? sql`(CASE WHEN input_json NOT LIKE 'enc:%' THEN input_json::jsonb ->> 'batchId' END) = ${String(batchId)}`
      : sql`input_json NOT LIKE 'enc:%' AND json_extract(input_json, '$.batchId') = ${batchId}`;
  return sql`SELECT id FROM approvals WHERE command = 'batches:submit' AND status = 'pending' AND expires_at > ${now}
    AND ${batchOf} ORDER BY id DESC LIMIT 1`;
}

/** Where `batch push` submitted a local batch. */
export type BatchPushRecord = {
  serverUrl: string;
  serverBatchId: number;
  serverBatchNo: string;
  pushedAt: string;
};

/** The push mark of a batch, if it has one. */
export function batchPushQuery(batchId: number): SQL {
  return sql`SELECT server_url AS "serverUrl", server_batch_id AS "serverBatchId", server_batch_no AS "serverBatchNo",
      pushed_at AS "pushedAt"
    FROM batch_pushes WHERE batch_id = ${batchId}`;
}

/** Marks a batch pushed (its primary key refuses a second mark). */
export function batchPushInsertQuery(batchId: number, push: BatchPushRecord, operatorId: number | null): SQL {
  return sql`INSERT INTO batch_pushes (batch_id, server_url, server_batch_id, server_batch_no, pushed_at, operator_id)
    VALUES (${batchId}, ${push.serverUrl}, ${push.serverBatchId}, ${push.serverBatchNo}, ${push.pushedAt},
      ${operatorId})`;
}
