import { sql, type SQL } from 'drizzle-orm';
import { POSTED_ENTRY_STATUSES } from '../../src-shared/dto/batches';
import type { Dialect } from '../storage/port';
import { binary, flag, inList } from './dialect';

// Batch validation's SQL (issue #17), written once for the driver (submit, undo and the batch code that still runs
// on better-sqlite3) and the port (the validate job and the entry allocation dialog on either database). The
// payment rules read a copy of the batch's keys in a temporary table: SQLite keeps it in the connection's temp
// schema and drops it when done; PostgreSQL creates it ON COMMIT DROP, so a retried or rolled-back transaction
// never finds one left over.

type D = { readonly dialect: Dialect };

/** SQL list of the posted statuses. */
const POSTED = sql.raw(`(${POSTED_ENTRY_STATUSES.map((x) => `'${x}'`).join(', ')})`);

/** Whether a text column contains a literal (instr on SQLite, strpos on PostgreSQL). */
function contains(d: D, column: SQL, text: string): SQL {
  return d.dialect === 'postgres' ? sql`strpos(${column}, ${text}) > 0` : sql`instr(${column}, ${text}) > 0`;
}

/** An element of a JSON array row (`v.value`) as the column type it is written to. */
function el(d: D, i: number, type: 'int' | 'text'): SQL {
  const at = sql.raw(String(i));
  if (d.dialect === 'sqlite') return sql`v.value->>${at}`;
  return type === 'int' ? sql`(v.value->>${at})::bigint` : sql`(v.value->>${at})`;
}

/** The rows of a JSON array of arrays, each as `v.value`. */
function jsonRows(d: D, rows: readonly unknown[][]): SQL {
  const json = JSON.stringify(rows);
  return d.dialect === 'postgres'
    ? sql`jsonb_array_elements(${json}::jsonb) AS v(value)`
    : sql`json_each(${json}) AS v`;
}

// ---- what the rules read ----

/** An unposted entry as stored: its values and the verdict the last validation wrote. */
export function unpostedEntriesQuery(d: D, batchId: number, only: readonly number[] | null): SQL {
  return sql`SELECT e.id, e.seq, e.account_no AS "accountNo", e.bill_no AS "billNo", e.amount_minor AS "amountMinor",
      e.payment_date AS "paymentDate", e.payment_ref AS "paymentRef", e.problem, e.problem_column AS "problemColumn",
      e.problems_json AS "problemsJson", e.status, e.manual_suspend AS "manualSuspend", e.reason_code AS "reasonCode",
      e.allocation_json AS "allocationJson", e.custom_json AS "customJson", e.account_id AS "accountId",
      e.duplicate_of_entry_id AS "dupEntryId", e.duplicate_of_payment_id AS "dupPaymentId"
    FROM batch_entries e WHERE e.batch_id = ${batchId} AND e.status NOT IN ${POSTED}
      ${only ? sql`AND ${inList(d, sql`e.id`, only)}` : sql``}
    ORDER BY e.seq`;
}

/** How many entries a validation checks (counted on the status index). */
export function unpostedCountQuery(batchId: number): SQL {
  return sql`SELECT count(*) AS n FROM batch_entries WHERE batch_id = ${batchId} AND status NOT IN ${POSTED}`;
}

/** The entries with problems of their own values (as keyed or imported), with their problem lists. */
export function rowProblemEntriesQuery(d: D, batchId: number): SQL {
  return sql`SELECT id, problems_json AS "problemsJson" FROM batch_entries
    WHERE batch_id = ${batchId} AND status <> 'posted' AND ${contains(d, sql`problems_json`, '"row":true')}`;
}

/** The entries whose own currency is not the batch's, and whether the ledger knows it. */
export function entryCurrenciesQuery(batch: { id: number; currency: string }): SQL {
  return sql`SELECT e.id, e.currency, ${flag(sql`c.code IS NOT NULL`)} AS known
    FROM batch_entries e LEFT JOIN currencies c ON c.code = e.currency
    WHERE e.batch_id = ${batch.id} AND e.currency IS NOT NULL AND e.currency <> ${batch.currency}`;
}

/** The payment a reversal entry names, with what the reversal rules check. */
export function reversalPaymentQuery(paymentId: number): SQL {
  return sql`SELECT p.id, p.account_id AS "accountId", p.pay_type AS "payType", p.kind, a.is_suspense AS "isSuspense",
      ${flag(sql`EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)`)} AS reversed
    FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${paymentId}`;
}

// ---- the keys copy of a payment batch ----

/** Drops the copy (before a validation: one left by a caller that caught an error keeps no old rows). */
export function keysDropQueries(d: D): SQL[] {
  const schema = d.dialect === 'postgres' ? 'pg_temp' : 'temp';
  return ['validate_keys', 'validate_suspense'].map((t) => sql.raw(`DROP TABLE IF EXISTS ${schema}.${t}`));
}

/** Creates the copy and the suspense account ids (few: excluding them keeps the account lookup on account_key). */
export function keysCreateQueries(d: D): SQL[] {
  const pg = d.dialect === 'postgres';
  const int = pg ? 'bigint' : 'INTEGER';
  const onCommit = pg ? ' ON COMMIT DROP' : '';
  return [
    sql.raw(`CREATE TEMP TABLE validate_keys (entry_id ${int} PRIMARY KEY, seq ${int}, account_no TEXT, bill_no TEXT,
       amount_minor ${int}, problem TEXT, problem_column TEXT, problems_json TEXT, status TEXT, manual_suspend ${int},
       reason_code ${int}, allocation_json TEXT, account_id ${int}, dup_entry ${int}, dup_payment ${int},
       by_account ${int}, by_bill ${int})${onCommit}`),
    sql.raw(
      `CREATE TEMP TABLE validate_suspense${onCommit} AS SELECT id FROM accounts WHERE is_suspense = 1`,
    ),
  ];
}

/**
 * One sequential pass copies what the rules read (not the payer, reference or custom fields) and resolves every
 * entry through the accounts and bills indexes.
 */
export function keysFillQuery(d: D, batchId: number, only: readonly number[] | null): SQL {
  return sql`INSERT INTO validate_keys
    SELECT e.id, e.seq, e.account_no, e.bill_no, e.amount_minor, e.problem, e.problem_column, e.problems_json, e.status,
      e.manual_suspend, e.reason_code, e.allocation_json, e.account_id, e.duplicate_of_entry_id, e.duplicate_of_payment_id,
      (SELECT a.id FROM accounts a WHERE a.account_key = upper(e.account_no) AND a.id NOT IN (SELECT id FROM validate_suspense)
       ORDER BY a.id DESC LIMIT 1),
      (SELECT b.account_id FROM bills b WHERE b.bill_no = e.bill_no AND b.account_id NOT IN (SELECT id FROM validate_suspense))
    FROM batch_entries e WHERE e.batch_id = ${batchId} AND e.status NOT IN ${POSTED}
      ${only ? sql`AND ${inList(d, sql`e.id`, only)}` : sql``}`;
}

/** The copy's index by resolved account (and PostgreSQL's statistics of it: a temp table is never auto-analyzed). */
export function keysIndexQueries(d: D): SQL[] {
  if (d.dialect === 'postgres')
    return [
      sql`CREATE INDEX validate_keys_acct ON validate_keys ((coalesce(by_account, by_bill)), seq)`,
      sql`ANALYZE validate_keys`,
    ];
  return [sql`CREATE INDEX temp.validate_keys_acct ON validate_keys (coalesce(by_account, by_bill), seq)`];
}

/** The copied entries with problems of their own values. */
export function keysRowProblemsQuery(d: D): SQL {
  return sql`SELECT entry_id AS id, problems_json AS "problemsJson" FROM validate_keys
    WHERE status <> 'posted' AND ${contains(d, sql`problems_json`, '"row":true')}`;
}

const ACCT = sql`coalesce(k.by_account, k.by_bill)`;

/** Every account the copy's entries resolved to. */
export function keysAccountsQuery(): SQL {
  return sql`SELECT DISTINCT ${ACCT} AS acct FROM validate_keys k WHERE ${ACCT} IS NOT NULL ORDER BY 1`;
}

/**
 * The accounts of every entry naming a bill number that does not resolve but is typed under an account number
 * (only such a number can be named under two accounts, and V5 counts it across them).
 */
export function keysSharedAccountsQuery(): SQL {
  return sql`SELECT DISTINCT ${ACCT} AS acct FROM validate_keys k
    WHERE k.bill_no IS NOT NULL AND ${ACCT} IS NOT NULL AND upper(k.bill_no) IN (
      SELECT upper(k2.bill_no) FROM validate_keys k2
      WHERE k2.bill_no IS NOT NULL AND k2.by_bill IS NULL AND k2.by_account IS NOT NULL)`;
}

/** The copy of an entry as the payment rules read it (payment_date, payment_ref and custom_json are not copied). */
const KEYED = sql`k.entry_id AS id, k.seq, k.account_no AS "accountNo", k.bill_no AS "billNo", k.amount_minor AS "amountMinor",
  NULL AS "paymentDate", NULL AS "paymentRef", k.problem, k.problem_column AS "problemColumn", k.problems_json AS "problemsJson",
  k.status, k.manual_suspend AS "manualSuspend", k.reason_code AS "reasonCode", k.allocation_json AS "allocationJson",
  NULL AS "customJson", k.account_id AS "accountId", k.dup_entry AS "dupEntryId", k.dup_payment AS "dupPaymentId",
  k.by_account AS "byAccount", k.by_bill AS "byBill"`;

/** The copied entries of some accounts, by account then entry order (columns in KEYED order, then acct). */
export function keysOfAccountsQuery(d: D, accountIds: readonly number[]): SQL {
  return sql`SELECT ${KEYED}, ${ACCT} AS acct FROM validate_keys k
    WHERE ${inList(d, ACCT, accountIds)} ORDER BY ${ACCT}, k.seq`;
}

/** The next copied entries that resolved to no account, after an entry's seq. */
export function keysUnresolvedQuery(afterSeq: number, limit: number): SQL {
  return sql`SELECT ${KEYED}, NULL AS acct FROM validate_keys k
    WHERE ${ACCT} IS NULL AND k.seq > ${afterSeq} ORDER BY k.seq LIMIT ${limit}`;
}

/** What the payment rules read of some accounts. */
export function accountFactsQuery(d: D, ids: readonly number[]): SQL {
  return sql`SELECT a.id, a.account_no AS "accountNo", a.status, a.currency, coalesce(u.n, 0) AS "payingBillUnits"
    FROM accounts a LEFT JOIN (SELECT account_id, count(*) AS n FROM bill_units
                               WHERE paying = 1 AND ${inList(d, sql`account_id`, ids)} GROUP BY account_id) u
      ON u.account_id = a.id
    WHERE ${inList(d, sql`a.id`, ids)}`;
}

/** The open targets (items or bills, by the batch's allocation level) of some accounts. */
export function allocTargetsQuery(d: D, level: 'bill' | 'item', ids: readonly number[]): SQL {
  return level === 'item'
    ? sql`SELECT i.id, i.bill_id AS "billId", i.account_id AS "accountId", i.open_minor AS "openMinor", b.bill_no AS "billNo",
          b.bill_date AS "billDate", b.due_date AS "dueDate", b.amount_due_minor AS "billDueMinor", u.paying
        FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
        WHERE ${inList(d, sql`i.account_id`, ids)} AND i.status = 'open'`
    : sql`SELECT b.id, b.id AS "billId", b.account_id AS "accountId", b.amount_due_minor AS "openMinor", b.bill_no AS "billNo",
          b.bill_date AS "billDate", b.due_date AS "dueDate", b.amount_due_minor AS "billDueMinor", u.paying
        FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
        WHERE ${inList(d, sql`b.account_id`, ids)} AND b.status = 'open'`;
}

/** Some accounts' stamps (account_stamps.rev). */
export function accountStampsQuery(d: D, ids: readonly number[]): SQL {
  return sql`SELECT account_id AS id, rev FROM account_stamps WHERE ${inList(d, sql`account_id`, ids)}`;
}

// ---- the stored plan ----

/** Whether the ledger has the plan tables (a SQLite ledger migrated before 0023 has not). */
export function planTablesQuery(d: D): SQL {
  return d.dialect === 'postgres'
    ? sql`SELECT 1 AS one WHERE to_regclass('batch_plans') IS NOT NULL`
    : sql`SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'batch_plans'`;
}

/** The stamp of the account and bill numbers (account_stamps row 0). */
export function keysStampQuery(): SQL {
  return sql`SELECT rev FROM account_stamps WHERE account_id = 0`;
}

/** The last payment and reversal (duplicates look at posted payments and reversals). */
export function lastPostingsQuery(): SQL {
  return sql`SELECT (SELECT coalesce(max(id), 0) FROM payments) AS payments,
    (SELECT coalesce(max(id), 0) FROM reversals) AS reversals`;
}

/**
 * Everything batch-wide the verdicts read (settings, column and custom-field rules, currencies and rates), each
 * table in its key's order (code-point order on both databases), whose digest stamps a plan.
 */
export function signatureQueries(d: D): SQL[] {
  const by = (...columns: string[]) =>
    sql.join(
      columns.map((c) => binary(d, sql.raw(c))),
      sql`, `,
    );
  return [
    sql`SELECT * FROM settings ORDER BY ${by('key')}`,
    sql`SELECT * FROM column_configs ORDER BY ${by('batch_type')}, pay_type, ${by('field')}`,
    sql`SELECT * FROM custom_fields ORDER BY ${by('key')}`,
    sql`SELECT * FROM currencies ORDER BY ${by('code')}`,
    sql`SELECT * FROM exchange_rates ORDER BY id`,
  ];
}

/** A batch's stored plan removed (validation stores it afresh). */
export function planDeleteQuery(batchId: number): SQL {
  return sql`DELETE FROM batch_plans WHERE batch_id = ${batchId}`;
}

/** Plan rows of a batch: [accountId, rev, plan JSON] each, in one statement. */
export function planInsertQuery(d: D, batchId: number, rows: readonly [number, number, string][]): SQL {
  return sql`INSERT INTO batch_plans (batch_id, account_id, rev, plan)
    SELECT ${batchId}, ${el(d, 0, 'int')}, ${el(d, 1, 'int')}, ${el(d, 2, 'text')} FROM ${jsonRows(d, rows)}`;
}

// ---- what validation writes ----

/** One entry's verdict as written: status, reason, problem, column, problems, account, duplicate of, then the id. */
export type VerdictRow = [
  string,
  number | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  number,
];

/** Verdicts written to their entries, in one statement. */
export function verdictsUpdateQuery(d: D, rows: readonly VerdictRow[]): SQL {
  return sql`UPDATE batch_entries SET status = ${el(d, 0, 'text')}, reason_code = ${el(d, 1, 'int')},
      problem = ${el(d, 2, 'text')}, problem_column = ${el(d, 3, 'text')}, problems_json = ${el(d, 4, 'text')},
      account_id = ${el(d, 5, 'int')}, duplicate_of_entry_id = ${el(d, 6, 'int')}, duplicate_of_payment_id = ${el(d, 7, 'int')}
    FROM ${jsonRows(d, rows)} WHERE batch_entries.id = ${el(d, 8, 'int')}`;
}

/** The batch marked validated. */
export function batchValidatedQuery(batchId: number, at: string): SQL {
  return sql`UPDATE batches SET status = 'validated', validated_at = ${at}, updated_at = ${at} WHERE id = ${batchId}`;
}

// ---- duplicates ----

/** A payment batch's unposted entries that have a fingerprint, in id order. */
export function fingerprintedEntriesQuery(batchId: number): SQL {
  return sql`SELECT id, seq, fingerprint, duplicate_release_code AS "releaseCode" FROM batch_entries
    WHERE batch_id = ${batchId} AND status NOT IN ${POSTED} AND fingerprint IS NOT NULL ORDER BY id`;
}

/**
 * Per fingerprint: the posted payments (not reversed), and the unposted entries of other open or validated
 * batches, in entry order.
 */
export function fingerprintMatchesQuery(d: D, fingerprints: readonly string[], batchId: number): SQL {
  return sql`SELECT e.fingerprint AS fp, e.id AS "entryId", e.batch_id AS "batchId", b.batch_no AS "batchNo", e.seq,
      CASE WHEN e.status IN ${POSTED} THEN e.posted_payment_id END AS "paymentId"
    FROM batch_entries e JOIN batches b ON b.id = e.batch_id
    WHERE ${inList(d, sql`e.fingerprint`, fingerprints)}
      AND ((e.status IN ${POSTED} AND e.posted_payment_id IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = e.posted_payment_id))
        OR (e.status NOT IN ${POSTED} AND e.batch_id <> ${batchId} AND b.status IN ('open', 'validated')))
    ORDER BY e.id`;
}

/** What a fingerprint is made of, for a payment batch's unposted entries that have none yet. */
export function missingFingerprintsQuery(batchId: number): SQL {
  return sql`SELECT e.id, e.account_no AS "accountNo", e.bill_no AS "billNo", e.check_no AS "checkNo", e.reference,
      e.amount_minor AS "amountMinor", coalesce(e.currency, b.currency) AS currency, e.payment_date AS "paymentDate",
      b.lockbox_no AS "lockboxNo"
    FROM batch_entries e JOIN batches b ON b.id = e.batch_id
    WHERE e.batch_id = ${batchId} AND b.batch_type = 'payment' AND e.status NOT IN ${POSTED} AND e.fingerprint IS NULL`;
}

/** Fingerprints stored ([fingerprint, entry id] each); a changed payment's release no longer holds. */
export function fingerprintsUpdateQuery(d: D, rows: readonly [string, number][]): SQL {
  return sql`UPDATE batch_entries SET fingerprint = ${el(d, 0, 'text')}, duplicate_release_code = NULL,
      duplicate_release_note = NULL
    FROM ${jsonRows(d, rows)} WHERE batch_entries.id = ${el(d, 1, 'int')}`;
}

// ---- a batch entry's allocation dialog ----

/** What the dialog reads of an entry of the batch. */
export function allocEntryQuery(batchId: number, entryId: number): SQL {
  return sql`SELECT id, account_no AS "accountNo", bill_no AS "billNo", allocation_json AS "allocationJson", status
    FROM batch_entries WHERE id = ${entryId} AND batch_id = ${batchId}`;
}

/** An account's number and currency. */
export function accountNoQuery(accountId: number): SQL {
  return sql`SELECT account_no AS "accountNo", currency FROM accounts WHERE id = ${accountId}`;
}

/** A target's number (a bill's or an item's, by the batch's allocation level). */
export function targetNoQuery(level: 'bill' | 'item', id: number): SQL {
  return level === 'bill'
    ? sql`SELECT bill_no AS n FROM bills WHERE id = ${id}`
    : sql`SELECT item_no AS n FROM bill_items WHERE id = ${id}`;
}

/** A target by its number, with what a manual line is checked against. */
export function targetByNoQuery(level: 'bill' | 'item', no: string): SQL {
  return level === 'bill'
    ? sql`SELECT b.id, b.account_id AS "accountId", b.status, b.amount_due_minor AS "openMinor", u.paying
        FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id WHERE b.bill_no = ${no}`
    : sql`SELECT i.id, i.account_id AS "accountId", i.status, i.open_minor AS "openMinor", u.paying
        FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
        WHERE i.item_no = ${no}`;
}

/** An entry's manual allocation set (or cleared with null); the entry goes back to validation. */
export function entryAllocationUpdateQuery(entryId: number, json: string | null): SQL {
  return sql`UPDATE batch_entries SET allocation_json = ${json},
      status = CASE WHEN status = 'invalid' THEN status ELSE 'new' END
    WHERE id = ${entryId}`;
}
