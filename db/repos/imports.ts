import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** The dialect a query is compiled for. */
type On = Pick<Tx, 'dialect'>;

/**
 * Files turned into batches (issue #17): the record of imported files (bank files, hand-over files) and the
 * origins of pushed batches. A hand-over file's load and `batch push` run this SQL through the port
 * (services/batches/batch-file.ts); the bank-file import and its preview (services/batches/import-file.ts,
 * import-camt.ts) compile the same queries on the driver or the port.
 */

/** What an imported file is: a bank file (lockbox, CSV, BAI2, camt.053) or a hand-over batch file. */
export type ImportedKind = 'bank' | 'handover';

/** When a file of one of these content hashes was imported before (the earliest record first). */
export function importedBeforeQuery(kind: ImportedKind, hashes: readonly [string, string]): SQL {
  return sql`SELECT imported_at AS "importedAt", file_name AS "fileName" FROM imported_files
    WHERE kind = ${kind} AND sha256 IN (${hashes[0]}, ${hashes[1]}) ORDER BY id LIMIT 1`;
}

/** Records an imported file under its content hash and the audit row of its import. */
export function importedFileInsertQuery(f: {
  kind: ImportedKind;
  sha256: string;
  fileName: string;
  at: string;
  auditId: number;
}): SQL {
  return sql`INSERT INTO imported_files (kind, sha256, file_name, imported_at, audit_id)
    VALUES (${f.kind}, ${f.sha256}, ${f.fileName}, ${f.at}, ${f.auditId})`;
}

/** A batch recreated here from a push of another ledger's batch, with its status and the content it came with. */
export type BatchOriginRecord = { id: number; content: string; batchNo: string; status: string };

/** The batch a push of (origin ledger, origin batch) recreated, if any. */
export function batchOriginQuery(originLedger: string, originBatchId: number): SQL {
  return sql`SELECT o.batch_id AS id, o.content_sha256 AS content, b.batch_no AS "batchNo", b.status
    FROM batch_origins o JOIN batches b ON b.id = o.batch_id
    WHERE o.origin_ledger = ${originLedger} AND o.origin_batch_id = ${originBatchId}`;
}

/** Records (or moves, after a discard) the batch a push recreated. */
export function batchOriginUpsertQuery(o: {
  originLedger: string;
  originBatchId: number;
  originBatchNo: string;
  batchId: number;
  contentSha256: string;
  at: string;
}): SQL {
  return sql`INSERT INTO batch_origins (origin_ledger, origin_batch_id, origin_batch_no, batch_id, content_sha256, created_at)
    VALUES (${o.originLedger}, ${o.originBatchId}, ${o.originBatchNo}, ${o.batchId}, ${o.contentSha256}, ${o.at})
    ON CONFLICT (origin_ledger, origin_batch_id) DO UPDATE SET
      origin_batch_no = excluded.origin_batch_no, batch_id = excluded.batch_id,
      content_sha256 = excluded.content_sha256, created_at = excluded.created_at`;
}

/** The open or validated batch of a batch number (a hand-over file may be that very batch). */
export function workingBatchByNoQuery(batchNo: string): SQL {
  return sql`SELECT id, status FROM batches WHERE batch_no = ${batchNo} AND status IN ('open', 'validated')`;
}

/** The first open or validated batch loaded from a file of this content identity. */
export function workingBatchBySourceQuery(sourceSha256: string): SQL {
  return sql`SELECT id, batch_no AS "batchNo", status FROM batches
    WHERE source_sha256 = ${sourceSha256} AND status IN ('open', 'validated') ORDER BY id LIMIT 1`;
}

/** Suspends a loaded entry by hand, as the hand-over file says it was. */
export function loadedEntrySuspendQuery(id: number, reasonCode: number): SQL {
  return sql`UPDATE batch_entries SET manual_suspend = 1, reason_code = ${reasonCode}, status = 'to_be_suspended',
    problem = 'suspended by hand' WHERE id = ${id}`;
}

/** Gives a loaded entry the currency the hand-over file names for it. */
export function loadedEntryCurrencyQuery(id: number, currency: string): SQL {
  return sql`UPDATE batch_entries SET currency = ${currency} WHERE id = ${id}`;
}

/** A row when the ledger has the currency set up. */
export function currencyKnownQuery(code: string): SQL {
  return sql`SELECT 1 AS found FROM currencies WHERE code = ${code}`;
}

/** Columns of one staged entry, in the order every staging INSERT binds them. */
export const ENTRY_COLUMNS = [
  'id',
  'batch_id',
  'seq',
  'entry_key',
  'source_line',
  'account_no',
  'bill_no',
  'amount_text',
  'amount_minor',
  'payment_date',
  'check_no',
  'payer_name',
  'reference',
  'payment_ref',
  'custom_json',
  'status',
  'problem',
  'problem_column',
  'problems_json',
  'currency',
  'fingerprint',
] as const;

/** The integer columns of ENTRY_COLUMNS (bigint on PostgreSQL); the rest are text. */
const ENTRY_INTEGERS: ReadonlySet<string> = new Set([
  'id',
  'batch_id',
  'seq',
  'source_line',
  'amount_minor',
  'payment_ref',
]);

const ENTRY_INSERT = `INSERT INTO batch_entries (${ENTRY_COLUMNS.join(', ')})`;

/**
 * The multi-row staging INSERT as the driver prepares it (once per connection and row count). The driver binds
 * each value; the port's entriesInsertQuery binds a chunk as one parameter per column (or one in all), since a
 * drizzle template of 21,000 parameters takes longer to compile than the insert takes to run.
 */
export function entriesInsertSql(rows: number): string {
  const one = `(${ENTRY_COLUMNS.map(() => '?').join(', ')})`;
  return `${ENTRY_INSERT} VALUES ${Array.from({ length: rows }, () => one).join(', ')}`;
}

/**
 * Staged entries as one INSERT: `values` holds ENTRY_COLUMNS.length values per row, row after row. PostgreSQL
 * takes one typed array per column (unnest); SQLite one JSON array of rows (json_each keeps their order).
 */
export function entriesInsertQuery(on: On, values: readonly unknown[]): SQL {
  const cols = ENTRY_COLUMNS.length;
  if (on.dialect === 'postgres') {
    const arrays = ENTRY_COLUMNS.map((c, j) => {
      const column: unknown[] = [];
      for (let i = j; i < values.length; i += cols) column.push(values[i]);
      return sql`${sql.param(column)}::${sql.raw(ENTRY_INTEGERS.has(c) ? 'bigint[]' : 'text[]')}`;
    });
    return sql`${sql.raw(ENTRY_INSERT)} SELECT * FROM unnest(${sql.join(arrays, sql`, `)})`;
  }
  const rows: unknown[][] = [];
  for (let i = 0; i < values.length; i += cols) rows.push(values.slice(i, i + cols));
  const picks = ENTRY_COLUMNS.map((_, j) => `json_extract(value, '$[${j}]')`).join(', ');
  return sql`${sql.raw(ENTRY_INSERT)} SELECT ${sql.raw(picks)} FROM json_each(${JSON.stringify(rows)}) ORDER BY key`;
}

/** `n` entry ids, in order, taken from PostgreSQL's identity sequence (never reused; a rolled-back import skips them). */
export function entryIdsQuery(n: number): SQL {
  return sql`SELECT nextval(pg_get_serial_sequence('batch_entries', 'id')) AS id FROM generate_series(1, ${n}) ORDER BY 1`;
}

/** The next batch id on SQLite (AUTOINCREMENT: past every id ever used, deleted ones included). */
export function nextBatchIdQuery(): SQL {
  return sql`SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'batches'), 0),
    coalesce((SELECT max(id) FROM batches), 0)) + 1 AS id`;
}

/** A bill of a customer account by its exact number (a camt.053 credit's reference). */
export function billByNoQuery(billNo: string): SQL {
  return sql`SELECT b.bill_no AS "billNo", a.account_no AS "accountNo" FROM bills b JOIN accounts a ON a.id = b.account_id
    WHERE b.bill_no = ${billNo} AND a.is_suspense = 0`;
}

/** Bills of customer accounts whose number matches ignoring case (at most two: one is an answer, two are not). */
export function billsByNoAnyCaseQuery(billNo: string): SQL {
  return sql`SELECT b.bill_no AS "billNo", a.account_no AS "accountNo" FROM bills b JOIN accounts a ON a.id = b.account_id
    WHERE upper(b.bill_no) = upper(${billNo}) AND a.is_suspense = 0 LIMIT 2`;
}

/** A customer account by its number (its upper-cased key). */
export function accountByKeyQuery(accountNo: string): SQL {
  return sql`SELECT account_no AS "accountNo" FROM accounts WHERE account_key = upper(${accountNo}) AND is_suspense = 0`;
}
