import type Database from 'better-sqlite3';
import { sql, type SQL as Query } from 'drizzle-orm';
import { journalInsertQuery, SUSPENSE_ACCOUNT_QUERY } from '../../db/repos/journals';
import type { Tx } from '../../db/storage/port';
import {
  assertAccountsWithinCeiling,
  assertAccountsWithinCeilingIn,
  assertSuspenseWithinCeiling,
  assertSuspenseWithinCeilingIn,
  assertWithinCeiling,
  MAX_MINOR,
} from './ceiling';
import { crashPoint } from './crash-point';
import type { EntryJournal, EntryToPost } from './post-entry';
import { suspenseAccountId } from './suspense-posting';

/** What a chunk posted now (entries posted before count nothing): entries and their amounts per destination. */
export type SetPostCounts = {
  posted: number;
  postedMinor: number;
  suspended: number;
  suspendedMinor: number;
};

/** Posts entries chunk by chunk with a few set-based statements each; `finish` writes journal lines and balances. */
export type SetPoster = {
  /** Posts a chunk of entries (to accounts with their decided allocations, or to suspense); returns what it posted. */
  post(entries: readonly EntryToPost[]): SetPostCounts;
  /** Writes the journal lines (AR per account, CASH and FX per currency; CASH and SUSPENSE) and moves balances. */
  finish(): void;
};

/** The chunk's plan and the poster's running totals, as temp tables of this connection (see setPoster). */
const TEMP_TABLES = `
  CREATE TEMP TABLE IF NOT EXISTS post_plan (
    n INTEGER PRIMARY KEY, dest INTEGER NOT NULL, dup INTEGER NOT NULL, source_key TEXT NOT NULL,
    account_id INTEGER, account_currency TEXT, amount_minor INTEGER NOT NULL, currency TEXT NOT NULL,
    account_amount_minor INTEGER NOT NULL, rate_ppm INTEGER NOT NULL, effective_date TEXT NOT NULL,
    pay_type INTEGER NOT NULL, channel_id INTEGER NOT NULL, external_ref TEXT, bill_no TEXT, payer_name TEXT,
    batch_id INTEGER, reason_code INTEGER, account_hint TEXT, payment_id INTEGER, fresh INTEGER NOT NULL DEFAULT 0);
  CREATE TEMP TABLE IF NOT EXISTS post_lines (
    n INTEGER NOT NULL, k INTEGER NOT NULL, bill_id INTEGER NOT NULL, item_id INTEGER, amount_minor INTEGER NOT NULL,
    PRIMARY KEY (n, k)) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS post_bill_lines (
    bill_id INTEGER NOT NULL, n INTEGER NOT NULL, k INTEGER NOT NULL, a0 INTEGER NOT NULL, a1 INTEGER NOT NULL,
    PRIMARY KEY (bill_id, n, k)) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS post_bill_items (
    bill_id INTEGER NOT NULL, item_id INTEGER NOT NULL, s0 INTEGER NOT NULL, s1 INTEGER NOT NULL,
    PRIMARY KEY (bill_id, item_id)) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS post_alloc (
    n INTEGER NOT NULL, k INTEGER NOT NULL, item_id INTEGER NOT NULL, bill_id INTEGER NOT NULL, amount_minor INTEGER NOT NULL);
  CREATE TEMP TABLE IF NOT EXISTS post_item_tot (item_id INTEGER PRIMARY KEY, amount_minor INTEGER NOT NULL);
  CREATE TEMP TABLE IF NOT EXISTS post_bill_tot (bill_id INTEGER PRIMARY KEY, amount_minor INTEGER NOT NULL);
  CREATE TEMP TABLE IF NOT EXISTS post_ar (
    account_id INTEGER PRIMARY KEY, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL);
  CREATE TEMP TABLE IF NOT EXISTS post_cash (
    gl TEXT NOT NULL, currency TEXT NOT NULL, amount_minor INTEGER NOT NULL, PRIMARY KEY (gl, currency));
  CREATE TEMP TABLE IF NOT EXISTS post_susp (currency TEXT PRIMARY KEY, amount_minor INTEGER NOT NULL);
`;

const PLAN_COLUMNS = 19;
/** Plan rows per multi-row INSERT (19 parameters each, far under SQLite's 32,766). */
const PLAN_ROWS_PER_INSERT = 500;
const LINE_COLUMNS = 5;
const LINE_ROWS_PER_INSERT = 1000;

const planInsertSql = (rows: number): string =>
  `INSERT INTO temp.post_plan (n, dest, dup, source_key, account_id, account_currency, amount_minor, currency, account_amount_minor,
     rate_ppm, effective_date, pay_type, channel_id, external_ref, bill_no, payer_name, batch_id, reason_code, account_hint)
   VALUES ${Array.from({ length: rows }, () => `(${Array.from({ length: PLAN_COLUMNS }, () => '?').join(', ')})`).join(', ')}`;
const lineInsertSql = (rows: number): string =>
  `INSERT INTO temp.post_lines (n, k, bill_id, item_id, amount_minor) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?)').join(', ')}`;

/**
 * The set-based statements of a poster, prepared once per connection (after the temp tables exist). `@journal`,
 * `@at` and `@operator` are bound per call.
 */
const SQL = {
  clear: [
    'DELETE FROM temp.post_plan',
    'DELETE FROM temp.post_lines',
    'DELETE FROM temp.post_bill_lines',
    'DELETE FROM temp.post_bill_items',
    'DELETE FROM temp.post_alloc',
  ],
  clearTotals: [
    'DELETE FROM temp.post_item_tot',
    'DELETE FROM temp.post_bill_tot',
    'DELETE FROM temp.post_ar',
    'DELETE FROM temp.post_cash',
    'DELETE FROM temp.post_susp',
  ],
  // Idempotency: an entry whose source key was posted before keeps that payment and posts nothing.
  prior: `UPDATE temp.post_plan SET payment_id = (SELECT id FROM payments WHERE source_key = post_plan.source_key)`,
  freshOf: `SELECT count(*) FILTER (WHERE dest = 0) AS toAccount, count(*) FILTER (WHERE dest = 1) AS toSuspense
            FROM temp.post_plan WHERE payment_id IS NULL AND dup = 0`,
  // Payments in entry order (the payments' indexes then grow at their ends, not at random).
  insertPayments: `INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
    SELECT 'original', account_id, pay_type, channel_id, 0, 0, amount_minor, currency, account_amount_minor, rate_ppm, effective_date,
           external_ref, bill_no, payer_name, batch_id, source_key, @journal, @at, @operator
    FROM temp.post_plan WHERE dest = 0 AND payment_id IS NULL AND dup = 0 ORDER BY n`,
  insertSuspended: `INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
    SELECT 'suspended', @suspense, pay_type, channel_id, 15, reason_code, amount_minor, currency, amount_minor, 1000000, effective_date,
           external_ref, bill_no, account_hint, payer_name, batch_id, source_key, @journal, @at, @operator
    FROM temp.post_plan WHERE dest = 1 AND payment_id IS NULL AND dup = 0 ORDER BY n`,
  // The new payments' ids, by their source keys; a key given twice in one chunk names the first's payment.
  fresh: `UPDATE temp.post_plan SET payment_id = (SELECT id FROM payments WHERE source_key = post_plan.source_key), fresh = 1 - dup
          WHERE payment_id IS NULL`,
  // Item-level lines as decided.
  itemLines: `INSERT INTO temp.post_alloc (n, k, item_id, bill_id, amount_minor)
    SELECT l.n, l.k, l.item_id, l.bill_id, l.amount_minor FROM temp.post_lines l JOIN temp.post_plan p ON p.n = l.n
    WHERE p.fresh = 1 AND p.dest = 0 AND l.item_id IS NOT NULL`,
  // Bill-level lines as ranges [a0, a1) of each bill's open amount, taken in entry order.
  billLines: `INSERT INTO temp.post_bill_lines (bill_id, n, k, a0, a1)
    SELECT bill_id, n, k, a1 - amount_minor, a1 FROM (
      SELECT l.bill_id, l.n, l.k, l.amount_minor,
             sum(l.amount_minor) OVER (PARTITION BY l.bill_id ORDER BY l.n, l.k ROWS UNBOUNDED PRECEDING) AS a1
      FROM temp.post_lines l JOIN temp.post_plan p ON p.n = l.n
      WHERE p.fresh = 1 AND p.dest = 0 AND l.item_id IS NULL AND l.amount_minor > 0)`,
  // The open items of those bills as ranges [s0, s1) of the bill's open amount, in item order, less what earlier
  // chunks of this poster took (items and bills are written once, by finish).
  billItems: `INSERT INTO temp.post_bill_items (bill_id, item_id, s0, s1)
    SELECT bill_id, id, s1 - open_minor, s1 FROM (
      SELECT bill_id, id, open_minor, sum(open_minor) OVER (PARTITION BY bill_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS s1
      FROM (SELECT i.bill_id, i.id, i.open_minor - coalesce(t.amount_minor, 0) AS open_minor
            FROM bill_items i LEFT JOIN temp.post_item_tot t ON t.item_id = i.id
            WHERE i.bill_id IN (SELECT DISTINCT bill_id FROM temp.post_bill_lines) AND i.status = 'open')
      WHERE open_minor > 0)`,
  // A bill-level line that asks more than its bill has open.
  billShort: `SELECT l.bill_id AS billId, l.need, coalesce(i.have, 0) AS have
    FROM (SELECT bill_id, max(a1) AS need FROM temp.post_bill_lines GROUP BY bill_id) l
    LEFT JOIN (SELECT bill_id, max(s1) AS have FROM temp.post_bill_items GROUP BY bill_id) i ON i.bill_id = l.bill_id
    WHERE l.need > coalesce(i.have, 0) LIMIT 1`,
  // Each line takes the overlap of its range with each item's range: the items in order, as far as it reaches.
  spread: `INSERT INTO temp.post_alloc (n, k, item_id, bill_id, amount_minor)
    SELECT l.n, l.k, i.item_id, l.bill_id, min(l.a1, i.s1) - max(l.a0, i.s0)
    FROM temp.post_bill_lines l JOIN temp.post_bill_items i ON i.bill_id = l.bill_id AND i.s0 < l.a1 AND l.a0 < i.s1`,
  // A payment whose lines allocate more than it brings (in the account's currency).
  overPaid: `SELECT p.source_key AS sourceKey, p.account_amount_minor AS credit, a.s AS allocated
    FROM (SELECT n, sum(amount_minor) AS s FROM temp.post_alloc GROUP BY n) a JOIN temp.post_plan p ON p.n = a.n
    WHERE a.s > p.account_amount_minor LIMIT 1`,
  // The chunk's totals per item and bill, added to the poster's.
  addItems: `INSERT INTO temp.post_item_tot (item_id, amount_minor)
    SELECT item_id, sum(amount_minor) FROM temp.post_alloc WHERE true GROUP BY item_id
    ON CONFLICT (item_id) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor`,
  addBills: `INSERT INTO temp.post_bill_tot (bill_id, amount_minor)
    SELECT bill_id, sum(amount_minor) FROM temp.post_alloc WHERE true GROUP BY bill_id
    ON CONFLICT (bill_id) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor`,
  // An item that is missing, or that the postings would take below zero (credit items may be negative).
  overAllocated: `SELECT t.item_id AS itemId FROM temp.post_item_tot t LEFT JOIN bill_items i ON i.id = t.item_id
    WHERE i.id IS NULL OR (i.amount_minor >= 0 AND i.open_minor - t.amount_minor < 0) LIMIT 1`,
  insertAllocations: `INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm, reverses_allocation_id, created_at, operator_id)
    SELECT p.payment_id, p.account_id, a.bill_id, a.item_id, a.amount_minor, p.rate_ppm, NULL, @at, @operator
    FROM temp.post_alloc a JOIN temp.post_plan p ON p.n = a.n ORDER BY a.n, a.k, a.item_id`,
  // Items and bills by their chunk totals (the totals come out in id order: each page is visited once).
  // Items and bills once, by their totals over every chunk, in id order: each page of the tables is visited once.
  items: `UPDATE bill_items SET open_minor = open_minor - t.amount_minor,
      status = CASE WHEN open_minor - t.amount_minor = 0 THEN 'closed' ELSE 'open' END
    FROM temp.post_item_tot t WHERE bill_items.id = t.item_id`,
  bills: `UPDATE bills SET amount_due_minor = amount_due_minor - t.amount_minor,
      status = CASE WHEN amount_due_minor - t.amount_minor = 0 THEN 'closed' ELSE 'open' END
    FROM temp.post_bill_tot t WHERE bills.id = t.bill_id`,
  // Running journal totals (a batch's entries add up to at most the money ceiling, so SQLite's sums are exact).
  addAr: `INSERT INTO temp.post_ar (account_id, currency, amount_minor)
    SELECT account_id, account_currency, -sum(account_amount_minor) FROM temp.post_plan WHERE fresh = 1 AND dest = 0 GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor`,
  addCash: `INSERT INTO temp.post_cash (gl, currency, amount_minor)
    SELECT 'CASH', currency, sum(amount_minor) FROM temp.post_plan WHERE fresh = 1 AND dest = 0 GROUP BY currency
    UNION ALL
    SELECT 'FX', currency, -sum(amount_minor) FROM temp.post_plan WHERE fresh = 1 AND dest = 0 AND currency <> account_currency GROUP BY currency
    UNION ALL
    SELECT 'FX', account_currency, sum(account_amount_minor) FROM temp.post_plan
    WHERE fresh = 1 AND dest = 0 AND currency <> account_currency GROUP BY account_currency
    ON CONFLICT (gl, currency) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor`,
  addSuspense: `INSERT INTO temp.post_susp (currency, amount_minor)
    SELECT currency, sum(amount_minor) FROM temp.post_plan WHERE fresh = 1 AND dest = 1 GROUP BY currency
    ON CONFLICT (currency) DO UPDATE SET amount_minor = amount_minor + excluded.amount_minor`,
  counts: `SELECT count(*) FILTER (WHERE dest = 0) AS posted, coalesce(sum(amount_minor) FILTER (WHERE dest = 0), 0) AS postedMinor,
                  count(*) FILTER (WHERE dest = 1) AS suspended, coalesce(sum(amount_minor) FILTER (WHERE dest = 1), 0) AS suspendedMinor
           FROM temp.post_plan WHERE fresh = 1`,
  openJournal: `INSERT INTO journals (kind, at, effective_date, idem_key, audit_id) VALUES (?, ?, ?, ?, ?)`,
  // A line beyond the ceiling (a batch's total in a currency, an account's share of it).
  lineBeyond: `SELECT 'the batch''s ' || gl || ' total in ' || currency AS what, amount_minor AS v FROM temp.post_cash WHERE abs(amount_minor) > @max
    UNION ALL SELECT 'the batch''s payments to account id ' || account_id, amount_minor FROM temp.post_ar WHERE abs(amount_minor) > @max
    UNION ALL SELECT 'the suspended total in ' || currency, amount_minor FROM temp.post_susp WHERE abs(amount_minor) > @max LIMIT 1`,
  cashLines: `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    SELECT @journal, gl, NULL, amount_minor, currency FROM temp.post_cash ORDER BY rowid`,
  arLines: `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    SELECT @journal, 'AR', account_id, amount_minor, currency FROM temp.post_ar ORDER BY account_id`,
  suspenseLines: `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    SELECT @journal, gl, NULL, CASE gl WHEN 'CASH' THEN amount_minor ELSE -amount_minor END, currency
    FROM temp.post_susp, (SELECT 'CASH' AS gl UNION ALL SELECT 'SUSPENSE') ORDER BY temp.post_susp.rowid, gl`,
  unbalanced: `SELECT currency, sum(amount_minor) AS off FROM journal_lines WHERE journal_id = ? GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1`,
  // Balances in account order: a batch touching 200,000 accounts walks the table once.
  balances: `UPDATE accounts SET balance_minor = balance_minor + t.amount_minor FROM temp.post_ar t WHERE accounts.id = t.account_id`,
  arAccounts: `SELECT account_id FROM temp.post_ar ORDER BY account_id`,
  suspenseCurrencies: `SELECT currency FROM temp.post_susp`,
} as const;

/**
 * The poster's temp tables on PostgreSQL, as SQLite's above: created by each poster inside its own transaction and
 * dropped with it (ON COMMIT DROP; a rollback takes them too), so a pooled connection never hands a later submit
 * another's plan or totals. `seq` keeps the order rows were first added in, which SQLite's rowid gives the CASH,
 * FX and SUSPENSE lines there.
 */
const PG_TEMP_TABLES = sql.raw(`
  CREATE TEMP TABLE post_plan (
    n integer PRIMARY KEY, dest integer NOT NULL, dup integer NOT NULL, source_key text NOT NULL,
    account_id bigint, account_currency text, amount_minor bigint NOT NULL, currency text NOT NULL,
    account_amount_minor bigint NOT NULL, rate_ppm bigint NOT NULL, effective_date text NOT NULL,
    pay_type bigint NOT NULL, channel_id bigint NOT NULL, external_ref text, bill_no text, payer_name text,
    batch_id bigint, reason_code bigint, account_hint text, payment_id bigint, fresh integer NOT NULL DEFAULT 0
  ) ON COMMIT DROP;
  CREATE TEMP TABLE post_lines (
    n integer NOT NULL, k integer NOT NULL, bill_id bigint NOT NULL, item_id bigint, amount_minor bigint NOT NULL,
    PRIMARY KEY (n, k)) ON COMMIT DROP;
  CREATE TEMP TABLE post_bill_lines (
    bill_id bigint NOT NULL, n integer NOT NULL, k integer NOT NULL, a0 bigint NOT NULL, a1 bigint NOT NULL,
    PRIMARY KEY (bill_id, n, k)) ON COMMIT DROP;
  CREATE TEMP TABLE post_bill_items (
    bill_id bigint NOT NULL, item_id bigint NOT NULL, s0 bigint NOT NULL, s1 bigint NOT NULL,
    PRIMARY KEY (bill_id, item_id)) ON COMMIT DROP;
  CREATE TEMP TABLE post_alloc (
    n integer NOT NULL, k integer NOT NULL, item_id bigint NOT NULL, bill_id bigint NOT NULL,
    amount_minor bigint NOT NULL) ON COMMIT DROP;
  CREATE TEMP TABLE post_item_tot (item_id bigint PRIMARY KEY, amount_minor bigint NOT NULL) ON COMMIT DROP;
  CREATE TEMP TABLE post_bill_tot (bill_id bigint PRIMARY KEY, amount_minor bigint NOT NULL) ON COMMIT DROP;
  CREATE TEMP TABLE post_ar (
    account_id bigint PRIMARY KEY, currency text NOT NULL, amount_minor bigint NOT NULL) ON COMMIT DROP;
  CREATE TEMP TABLE post_cash (
    seq bigint GENERATED ALWAYS AS IDENTITY, gl text NOT NULL, currency text NOT NULL,
    amount_minor bigint NOT NULL, PRIMARY KEY (gl, currency)) ON COMMIT DROP;
  CREATE TEMP TABLE post_susp (
    seq bigint GENERATED ALWAYS AS IDENTITY, currency text PRIMARY KEY, amount_minor bigint NOT NULL) ON COMMIT DROP;
`);

/** The plan's and the lines' columns with their PostgreSQL types, in planOf's order. */
const PG_PLAN_COLUMNS: readonly (readonly [string, string])[] = [
  ['n', 'integer'],
  ['dest', 'integer'],
  ['dup', 'integer'],
  ['source_key', 'text'],
  ['account_id', 'bigint'],
  ['account_currency', 'text'],
  ['amount_minor', 'bigint'],
  ['currency', 'text'],
  ['account_amount_minor', 'bigint'],
  ['rate_ppm', 'bigint'],
  ['effective_date', 'text'],
  ['pay_type', 'bigint'],
  ['channel_id', 'bigint'],
  ['external_ref', 'text'],
  ['bill_no', 'text'],
  ['payer_name', 'text'],
  ['batch_id', 'bigint'],
  ['reason_code', 'bigint'],
  ['account_hint', 'text'],
];
const PG_LINE_COLUMNS: readonly (readonly [string, string])[] = [
  ['n', 'integer'],
  ['k', 'integer'],
  ['bill_id', 'bigint'],
  ['item_id', 'bigint'],
  ['amount_minor', 'bigint'],
];

/**
 * A chunk's rows as one statement whatever their number: one array parameter per column, `unnest` side by side
 * (PostgreSQL's 65,535 parameters would otherwise cap a multi-row VALUES at ~3,400 plan rows).
 */
function unnestInsert(
  table: string,
  columns: readonly (readonly [string, string])[],
  flat: unknown[],
): Query {
  const width = columns.length;
  const arrays = columns.map(() => new Array<unknown>(flat.length / width));
  for (let i = 0, r = 0; i < flat.length; i += width, r++)
    for (let c = 0; c < width; c++) arrays[c]![r] = flat[i + c];
  return sql`INSERT INTO ${sql.raw(table)} (${sql.raw(columns.map(([name]) => name).join(', '))})
    SELECT * FROM unnest(${sql.join(
      columns.map(([, type], c) => sql`CAST(${sql.param(arrays[c])} AS ${sql.raw(type)}[])`),
      sql`, `,
    )})`;
}

/** A bigint parameter in a SELECT list (PostgreSQL would take an untyped one there as text). */
const int8 = (v: number | null): Query => sql`CAST(${v} AS bigint)`;

/**
 * SQL's statements on PostgreSQL, under the same names: the same SQL where the dialects agree; otherwise no
 * `temp.` schema, aliased subqueries, LEAST/GREATEST for SQLite's two-argument min/max, ON CONFLICT updates that
 * name the table's row, typed parameters in SELECT lists, quoted aliases and a `seq` column for the rowid.
 * No clearTotals: the tables are new with each poster.
 */
const PG_SQL = {
  clear: sql`TRUNCATE post_plan, post_lines, post_bill_lines, post_bill_items, post_alloc`,
  prior: sql`UPDATE post_plan SET payment_id = (SELECT id FROM payments WHERE source_key = post_plan.source_key)`,
  freshOf: sql`SELECT count(*) FILTER (WHERE dest = 0) AS "toAccount", count(*) FILTER (WHERE dest = 1) AS "toSuspense"
            FROM post_plan WHERE payment_id IS NULL AND dup = 0`,
  insertPayments: (journal: number, at: string, operator: number | null): Query =>
    sql`INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
    SELECT 'original', account_id, pay_type, channel_id, 0, 0, amount_minor, currency, account_amount_minor, rate_ppm, effective_date,
           external_ref, bill_no, payer_name, batch_id, source_key, ${int8(journal)}, CAST(${at} AS text), ${int8(operator)}
    FROM post_plan WHERE dest = 0 AND payment_id IS NULL AND dup = 0 ORDER BY n`,
  insertSuspended: (journal: number, suspense: number, at: string, operator: number | null): Query =>
    sql`INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
    SELECT 'suspended', ${int8(suspense)}, pay_type, channel_id, 15, reason_code, amount_minor, currency, amount_minor, 1000000, effective_date,
           external_ref, bill_no, account_hint, payer_name, batch_id, source_key, ${int8(journal)}, CAST(${at} AS text), ${int8(operator)}
    FROM post_plan WHERE dest = 1 AND payment_id IS NULL AND dup = 0 ORDER BY n`,
  fresh: sql`UPDATE post_plan SET payment_id = (SELECT id FROM payments WHERE source_key = post_plan.source_key), fresh = 1 - dup
          WHERE payment_id IS NULL`,
  itemLines: sql`INSERT INTO post_alloc (n, k, item_id, bill_id, amount_minor)
    SELECT l.n, l.k, l.item_id, l.bill_id, l.amount_minor FROM post_lines l JOIN post_plan p ON p.n = l.n
    WHERE p.fresh = 1 AND p.dest = 0 AND l.item_id IS NOT NULL`,
  billLines: sql`INSERT INTO post_bill_lines (bill_id, n, k, a0, a1)
    SELECT bill_id, n, k, a1 - amount_minor, a1 FROM (
      SELECT l.bill_id, l.n, l.k, l.amount_minor,
             sum(l.amount_minor) OVER (PARTITION BY l.bill_id ORDER BY l.n, l.k ROWS UNBOUNDED PRECEDING) AS a1
      FROM post_lines l JOIN post_plan p ON p.n = l.n
      WHERE p.fresh = 1 AND p.dest = 0 AND l.item_id IS NULL AND l.amount_minor > 0) r`,
  billItems: sql`INSERT INTO post_bill_items (bill_id, item_id, s0, s1)
    SELECT bill_id, id, s1 - open_minor, s1 FROM (
      SELECT bill_id, id, open_minor, sum(open_minor) OVER (PARTITION BY bill_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS s1
      FROM (SELECT i.bill_id, i.id, i.open_minor - coalesce(t.amount_minor, 0) AS open_minor
            FROM bill_items i LEFT JOIN post_item_tot t ON t.item_id = i.id
            WHERE i.bill_id IN (SELECT DISTINCT bill_id FROM post_bill_lines) AND i.status = 'open') o
      WHERE open_minor > 0) r`,
  billShort: sql`SELECT l.bill_id AS "billId", l.need, coalesce(i.have, 0) AS have
    FROM (SELECT bill_id, max(a1) AS need FROM post_bill_lines GROUP BY bill_id) l
    LEFT JOIN (SELECT bill_id, max(s1) AS have FROM post_bill_items GROUP BY bill_id) i ON i.bill_id = l.bill_id
    WHERE l.need > coalesce(i.have, 0) LIMIT 1`,
  spread: sql`INSERT INTO post_alloc (n, k, item_id, bill_id, amount_minor)
    SELECT l.n, l.k, i.item_id, l.bill_id, LEAST(l.a1, i.s1) - GREATEST(l.a0, i.s0)
    FROM post_bill_lines l JOIN post_bill_items i ON i.bill_id = l.bill_id AND i.s0 < l.a1 AND l.a0 < i.s1`,
  overPaid: sql`SELECT p.source_key AS "sourceKey", p.account_amount_minor AS credit, a.s AS allocated
    FROM (SELECT n, sum(amount_minor) AS s FROM post_alloc GROUP BY n) a JOIN post_plan p ON p.n = a.n
    WHERE a.s > p.account_amount_minor LIMIT 1`,
  addItems: sql`INSERT INTO post_item_tot (item_id, amount_minor)
    SELECT item_id, sum(amount_minor) FROM post_alloc GROUP BY item_id
    ON CONFLICT (item_id) DO UPDATE SET amount_minor = post_item_tot.amount_minor + excluded.amount_minor`,
  addBills: sql`INSERT INTO post_bill_tot (bill_id, amount_minor)
    SELECT bill_id, sum(amount_minor) FROM post_alloc GROUP BY bill_id
    ON CONFLICT (bill_id) DO UPDATE SET amount_minor = post_bill_tot.amount_minor + excluded.amount_minor`,
  overAllocated: sql`SELECT t.item_id AS "itemId" FROM post_item_tot t LEFT JOIN bill_items i ON i.id = t.item_id
    WHERE i.id IS NULL OR (i.amount_minor >= 0 AND i.open_minor - t.amount_minor < 0) LIMIT 1`,
  insertAllocations: (at: string, operator: number | null): Query =>
    sql`INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm, reverses_allocation_id, created_at, operator_id)
    SELECT p.payment_id, p.account_id, a.bill_id, a.item_id, a.amount_minor, p.rate_ppm, CAST(NULL AS bigint), CAST(${at} AS text), ${int8(operator)}
    FROM post_alloc a JOIN post_plan p ON p.n = a.n ORDER BY a.n, a.k, a.item_id`,
  items: sql`UPDATE bill_items SET open_minor = open_minor - t.amount_minor,
      status = CASE WHEN open_minor - t.amount_minor = 0 THEN 'closed' ELSE 'open' END
    FROM post_item_tot t WHERE bill_items.id = t.item_id`,
  bills: sql`UPDATE bills SET amount_due_minor = amount_due_minor - t.amount_minor,
      status = CASE WHEN amount_due_minor - t.amount_minor = 0 THEN 'closed' ELSE 'open' END
    FROM post_bill_tot t WHERE bills.id = t.bill_id`,
  addAr: sql`INSERT INTO post_ar (account_id, currency, amount_minor)
    SELECT account_id, min(account_currency), -sum(account_amount_minor) FROM post_plan WHERE fresh = 1 AND dest = 0 GROUP BY account_id
    ON CONFLICT (account_id) DO UPDATE SET amount_minor = post_ar.amount_minor + excluded.amount_minor`,
  // Grouped once more and ordered as SQLite's GROUP BYs come out (CASH, FX of the payments' currency, FX of each
  // account currency in code order): PostgreSQL refuses an upsert that meets one key twice in a statement.
  addCash: sql`INSERT INTO post_cash (gl, currency, amount_minor)
    SELECT gl, currency, sum(amount_minor) FROM (
      SELECT 1 AS part, 'CASH' AS gl, currency, amount_minor FROM post_plan WHERE fresh = 1 AND dest = 0
      UNION ALL
      SELECT 2, 'FX', currency, -amount_minor FROM post_plan WHERE fresh = 1 AND dest = 0 AND currency <> account_currency
      UNION ALL
      SELECT 3, 'FX', account_currency, account_amount_minor FROM post_plan
      WHERE fresh = 1 AND dest = 0 AND currency <> account_currency) c
    GROUP BY gl, currency ORDER BY min(part), currency COLLATE "C"
    ON CONFLICT (gl, currency) DO UPDATE SET amount_minor = post_cash.amount_minor + excluded.amount_minor`,
  addSuspense: sql`INSERT INTO post_susp (currency, amount_minor)
    SELECT currency, sum(amount_minor) FROM post_plan WHERE fresh = 1 AND dest = 1 GROUP BY currency ORDER BY currency COLLATE "C"
    ON CONFLICT (currency) DO UPDATE SET amount_minor = post_susp.amount_minor + excluded.amount_minor`,
  counts: sql`SELECT count(*) FILTER (WHERE dest = 0) AS posted, coalesce(sum(amount_minor) FILTER (WHERE dest = 0), 0) AS "postedMinor",
                  count(*) FILTER (WHERE dest = 1) AS suspended, coalesce(sum(amount_minor) FILTER (WHERE dest = 1), 0) AS "suspendedMinor"
           FROM post_plan WHERE fresh = 1`,
  openJournal: (kind: string, at: string, journal: EntryJournal, suffix: string): Query =>
    journalInsertQuery({
      kind,
      at,
      effectiveDate: journal.effectiveDate,
      idemKey: `${journal.idemKey}:${suffix}`,
      auditId: journal.auditId,
      lines: [],
    }),
  // The figure as text: beyond 2^53 - 1 the adapter would refuse to read it as a number.
  lineBeyond: (max: bigint): Query =>
    sql`SELECT 'the batch''s ' || gl || ' total in ' || currency AS what, CAST(amount_minor AS text) AS v FROM post_cash WHERE abs(amount_minor) > ${max}
    UNION ALL SELECT 'the batch''s payments to account id ' || account_id, CAST(amount_minor AS text) FROM post_ar WHERE abs(amount_minor) > ${max}
    UNION ALL SELECT 'the suspended total in ' || currency, CAST(amount_minor AS text) FROM post_susp WHERE abs(amount_minor) > ${max} LIMIT 1`,
  cashLines: (journal: number): Query =>
    sql`INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    SELECT ${int8(journal)}, gl, CAST(NULL AS bigint), amount_minor, currency FROM post_cash ORDER BY seq`,
  arLines: (journal: number): Query =>
    sql`INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    SELECT ${int8(journal)}, 'AR', account_id, amount_minor, currency FROM post_ar ORDER BY account_id`,
  suspenseLines: (journal: number): Query =>
    sql`INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    SELECT ${int8(journal)}, g.gl, CAST(NULL AS bigint), CASE g.gl WHEN 'CASH' THEN s.amount_minor ELSE -s.amount_minor END, s.currency
    FROM post_susp s CROSS JOIN (VALUES ('CASH'), ('SUSPENSE')) AS g (gl) ORDER BY s.seq, g.gl COLLATE "C"`,
  unbalanced: (journal: number): Query =>
    sql`SELECT currency, sum(amount_minor) AS "off" FROM journal_lines WHERE journal_id = ${journal} GROUP BY currency HAVING sum(amount_minor) <> 0 LIMIT 1`,
  balances: sql`UPDATE accounts SET balance_minor = balance_minor + t.amount_minor FROM post_ar t WHERE accounts.id = t.account_id`,
  arAccounts: sql`SELECT account_id AS "accountId" FROM post_ar ORDER BY account_id`,
  suspenseCurrencies: sql`SELECT currency FROM post_susp`,
} satisfies Record<Exclude<keyof typeof SQL, 'clearTotals'>, Query | ((...args: never[]) => Query)>;

type Prepared = {
  [K in keyof typeof SQL]: (typeof SQL)[K] extends string ? Database.Statement : Database.Statement[];
};
const prepared = new WeakMap<Database.Database, Prepared>();
const sized = new WeakMap<Database.Database, Map<string, Database.Statement>>();

function statements(db: Database.Database): Prepared {
  // Created in the caller's transaction, the temp tables go when it rolls back (a refused or cancelled submit): make
  // sure of them every time (the prepared statements find them again by name).
  db.exec(TEMP_TABLES);
  let p = prepared.get(db);
  if (!p) {
    // The plan of a chunk (20,000 entries, a few MB) stays in memory rather than spilling to a temp file.
    db.pragma('temp.cache_size = -65536');
    p = Object.fromEntries(
      Object.entries(SQL).map(([k, sql]) => [
        k,
        typeof sql === 'string' ? db.prepare(sql) : sql.map((s) => db.prepare(s)),
      ]),
    ) as Prepared;
    prepared.set(db, p);
  }
  return p;
}

/** A multi-row insert of `rows` rows, prepared once per connection and size. */
function sizedInsert(db: Database.Database, sql: (rows: number) => string, rows: number): Database.Statement {
  let m = sized.get(db);
  if (!m) sized.set(db, (m = new Map<string, Database.Statement>()));
  const text = sql(rows);
  let st = m.get(text);
  if (!st) m.set(text, (st = db.prepare(text)));
  return st;
}

/** Runs a buffered multi-row insert in statements of at most `perInsert` rows. */
function insertRows(
  db: Database.Database,
  sql: (rows: number) => string,
  columns: number,
  perInsert: number,
  values: unknown[],
): void {
  const step = perInsert * columns;
  for (let from = 0; from < values.length; from += step) {
    const part = values.length - from >= step ? values.slice(from, from + step) : values.slice(from);
    sizedInsert(db, sql, part.length / columns).run(part);
  }
}

/**
 * A chunk's plan rows (PLAN_COLUMNS values each, `n` its place in the chunk) and allocation lines (LINE_COLUMNS
 * each), flat, for either database's multi-row load. A source key given twice in the chunk marks the later ones `dup`.
 */
function planOf(entries: readonly EntryToPost[]): { plan: unknown[]; lines: unknown[] } {
  const plan: unknown[] = [];
  const lines: unknown[] = [];
  const keys = new Set<string>();
  entries.forEach((e, n) => {
    const dup = keys.has(e.payment.sourceKey) ? 1 : 0;
    keys.add(e.payment.sourceKey);
    if (e.to === 'account') {
      const p = e.payment;
      plan.push(
        n,
        0,
        dup,
        p.sourceKey,
        p.accountId,
        p.accountCurrency,
        p.amountMinor,
        p.currency,
        p.accountAmountMinor,
        p.ratePpm,
        p.effectiveDate,
        p.payType,
        p.channelId,
        p.externalRef,
        p.billNo,
        p.payerName,
        p.batchId,
        null,
        null,
      );
      e.lines.forEach((l, k) =>
        lines.push(n, k, l.billId, e.level === 'item' ? l.targetId : null, l.amountMinor),
      );
    } else {
      const p = e.payment;
      if (!Number.isSafeInteger(p.amountMinor)) throw new Error(`amount ${p.amountMinor} is not an integer`);
      plan.push(
        n,
        1,
        dup,
        p.sourceKey,
        null,
        p.currency,
        p.amountMinor,
        p.currency,
        p.amountMinor,
        1_000_000,
        p.effectiveDate,
        p.payType,
        p.channelId,
        p.externalRef,
        p.billNo,
        p.payerName,
        p.batchId,
        p.reasonCode,
        p.accountHint,
      );
    }
    // A kill anywhere in here leaves nothing behind: the plan lives in this transaction only.
    crashPoint();
  });
  return { plan, lines };
}

/**
 * Set-based posting of batch entries: each chunk's plan (payments and decided allocation lines) goes into temp
 * tables with a few multi-row inserts, then a handful of statements post it: payments and suspended payments
 * `INSERT … SELECT` in entry order, bill-level lines spread over their bills' open items in item order (running
 * sums, as the one-entry path takes them), allocations, `UPDATE … FROM` grouped totals for items and bills, and
 * the over-allocation check as one query that refuses the submit. The journal totals add up in temp tables;
 * `finish` writes one journal per destination (AR per account, CASH and FX per currency; CASH and SUSPENSE per
 * currency) and moves account balances, as entryPoster does. Source keys make it idempotent: an entry posted
 * before posts nothing. Runs inside the caller's transaction; anything it refuses throws (and rolls back).
 */
export function setPoster(
  db: Database.Database,
  journal: EntryJournal,
  at: string,
  operatorId: number | null,
): SetPoster {
  const st = statements(db);
  for (const s of st.clearTotals) s.run();
  let paymentsJournal: number | null = null;
  let suspenseJournal: number | null = null;
  let suspenseId: number | null = null;
  const openJournal = (kind: string, suffix: string): number =>
    Number(
      st.openJournal.run(kind, at, journal.effectiveDate, `${journal.idemKey}:${suffix}`, journal.auditId)
        .lastInsertRowid,
    );

  const load = (entries: readonly EntryToPost[]): void => {
    for (const s of st.clear) s.run();
    const { plan, lines } = planOf(entries);
    insertRows(db, planInsertSql, PLAN_COLUMNS, PLAN_ROWS_PER_INSERT, plan);
    insertRows(db, lineInsertSql, LINE_COLUMNS, LINE_ROWS_PER_INSERT, lines);
  };

  const allocate = (): void => {
    st.itemLines.run();
    if (st.billLines.run().changes > 0) {
      st.billItems.run();
      const short = st.billShort.get() as { billId: number; need: number; have: number } | undefined;
      if (short)
        throw new Error(
          `bill ${short.billId} has less open (${short.have}) than its lines take (${short.need})`,
        );
      st.spread.run();
    }
    const overPaid = st.overPaid.get() as
      { sourceKey: string; credit: number; allocated: number } | undefined;
    if (overPaid)
      throw new Error(
        `payment ${overPaid.sourceKey} would allocate ${overPaid.allocated}, more than its ${overPaid.credit}`,
      );
    st.insertAllocations.run({ at, operator: operatorId });
    st.addItems.run();
    st.addBills.run();
    crashPoint();
  };

  const post = (entries: readonly EntryToPost[]): SetPostCounts => {
    if (entries.length === 0) return { posted: 0, postedMinor: 0, suspended: 0, suspendedMinor: 0 };
    load(entries);
    st.prior.run();
    const fresh = st.freshOf.get() as { toAccount: number; toSuspense: number };
    if (fresh.toAccount > 0) {
      paymentsJournal ??= openJournal('payment', 'payments');
      st.insertPayments.run({ journal: paymentsJournal, at, operator: operatorId });
      crashPoint();
    }
    if (fresh.toSuspense > 0) {
      suspenseId ??= suspenseAccountId(db);
      suspenseJournal ??= openJournal('suspense_in', 'suspense');
      st.insertSuspended.run({ journal: suspenseJournal, suspense: suspenseId, at, operator: operatorId });
      crashPoint();
    }
    st.fresh.run();
    if (fresh.toAccount > 0) {
      allocate();
      st.addAr.run();
      st.addCash.run();
    }
    if (fresh.toSuspense > 0) st.addSuspense.run();
    crashPoint();
    return st.counts.get() as SetPostCounts;
  };

  const finish = (): void => {
    // The over-allocation check, one query over every item the postings touch; then each item and bill once.
    const over = st.overAllocated.get() as { itemId: number } | undefined;
    if (over) throw new Error(`allocation would over-pay item ${over.itemId}`);
    st.items.run();
    st.bills.run();
    crashPoint();
    const beyond = st.lineBeyond.safeIntegers(true).get({ max: BigInt(MAX_MINOR) }) as
      { what: string; v: bigint } | undefined;
    if (beyond) assertWithinCeiling(beyond.v, beyond.what);
    const unbalanced = st.unbalanced;
    const assertJournalBalanced = (id: number): void => {
      const off = unbalanced.get(id) as { currency: string; off: number } | undefined;
      if (off) throw new Error(`journal does not balance in ${off.currency}: off by ${off.off}`);
    };
    if (paymentsJournal !== null) {
      st.cashLines.run({ journal: paymentsJournal });
      st.arLines.run({ journal: paymentsJournal });
      assertJournalBalanced(paymentsJournal);
      st.balances.run();
      assertAccountsWithinCeiling(db, st.arAccounts.pluck().all() as number[]);
    }
    if (suspenseJournal !== null) {
      st.suspenseLines.run({ journal: suspenseJournal });
      assertJournalBalanced(suspenseJournal);
      // Suspense may never hold more than the money ceiling in a currency (ledger/ceiling.ts).
      assertSuspenseWithinCeiling(db, st.suspenseCurrencies.pluck().all() as string[]);
    }
    crashPoint();
  };
  return { post, finish };
}

/** setPoster's port form: the same steps, awaited. */
export type SetPosterIn = {
  post(entries: readonly EntryToPost[]): Promise<SetPostCounts>;
  finish(): Promise<void>;
};

/**
 * setPoster on PostgreSQL, in a port transaction: the same plan, the same steps in the same order and the same
 * rows (payments, journals and lines, allocations, items, bills, balances, refusals), statement for statement
 * (PG_SQL beside SQL). A chunk's plan and lines load as one `unnest` statement each, so a chunk of 20,000 entries
 * is about twenty round trips whatever its allocations. Its statements rely on the caller's locks (the batch and
 * its accounts, taken first by the submit): the bills and items they move are those accounts'.
 */
export async function setPosterIn(
  tx: Tx,
  journal: EntryJournal,
  at: string,
  operatorId: number | null,
): Promise<SetPosterIn> {
  if (tx.dialect !== 'postgres') throw new Error('setPosterIn posts on PostgreSQL; SQLite has setPoster');
  const st = PG_SQL;
  await tx.run(PG_TEMP_TABLES);
  let paymentsJournal: number | null = null;
  let suspenseJournal: number | null = null;
  let suspenseId: number | null = null;
  const openJournal = async (kind: string, suffix: string): Promise<number> =>
    (await tx.get<{ id: number }>(st.openJournal(kind, at, journal, suffix)))!.id;

  const load = async (entries: readonly EntryToPost[]): Promise<void> => {
    await tx.run(st.clear);
    const { plan, lines } = planOf(entries);
    await tx.run(unnestInsert('post_plan', PG_PLAN_COLUMNS, plan));
    if (lines.length > 0) await tx.run(unnestInsert('post_lines', PG_LINE_COLUMNS, lines));
  };

  const allocate = async (): Promise<void> => {
    await tx.run(st.itemLines);
    if ((await tx.run(st.billLines)).changes > 0) {
      await tx.run(st.billItems);
      const short = await tx.get<{ billId: number; need: number; have: number }>(st.billShort);
      if (short)
        throw new Error(
          `bill ${short.billId} has less open (${short.have}) than its lines take (${short.need})`,
        );
      await tx.run(st.spread);
    }
    const overPaid = await tx.get<{ sourceKey: string; credit: number; allocated: number }>(st.overPaid);
    if (overPaid)
      throw new Error(
        `payment ${overPaid.sourceKey} would allocate ${overPaid.allocated}, more than its ${overPaid.credit}`,
      );
    await tx.run(st.insertAllocations(at, operatorId));
    await tx.run(st.addItems);
    await tx.run(st.addBills);
    crashPoint();
  };

  const post = async (entries: readonly EntryToPost[]): Promise<SetPostCounts> => {
    if (entries.length === 0) return { posted: 0, postedMinor: 0, suspended: 0, suspendedMinor: 0 };
    await load(entries);
    await tx.run(st.prior);
    const fresh = (await tx.get<{ toAccount: number; toSuspense: number }>(st.freshOf))!;
    if (fresh.toAccount > 0) {
      paymentsJournal ??= await openJournal('payment', 'payments');
      await tx.run(st.insertPayments(paymentsJournal, at, operatorId));
      crashPoint();
    }
    if (fresh.toSuspense > 0) {
      suspenseId ??= (await tx.get<{ id: number }>(SUSPENSE_ACCOUNT_QUERY))!.id;
      suspenseJournal ??= await openJournal('suspense_in', 'suspense');
      await tx.run(st.insertSuspended(suspenseJournal, suspenseId, at, operatorId));
      crashPoint();
    }
    await tx.run(st.fresh);
    if (fresh.toAccount > 0) {
      await allocate();
      await tx.run(st.addAr);
      await tx.run(st.addCash);
    }
    if (fresh.toSuspense > 0) await tx.run(st.addSuspense);
    crashPoint();
    return (await tx.get<SetPostCounts>(st.counts))!;
  };

  const finish = async (): Promise<void> => {
    const over = await tx.get<{ itemId: number }>(st.overAllocated);
    if (over) throw new Error(`allocation would over-pay item ${over.itemId}`);
    await tx.run(st.items);
    await tx.run(st.bills);
    crashPoint();
    const beyond = await tx.get<{ what: string; v: string }>(st.lineBeyond(BigInt(MAX_MINOR)));
    if (beyond) assertWithinCeiling(BigInt(beyond.v), beyond.what);
    const assertJournalBalanced = async (id: number): Promise<void> => {
      const off = await tx.get<{ currency: string; off: number }>(st.unbalanced(id));
      if (off) throw new Error(`journal does not balance in ${off.currency}: off by ${off.off}`);
    };
    if (paymentsJournal !== null) {
      await tx.run(st.cashLines(paymentsJournal));
      await tx.run(st.arLines(paymentsJournal));
      await assertJournalBalanced(paymentsJournal);
      await tx.run(st.balances);
      await assertAccountsWithinCeilingIn(
        tx,
        (await tx.all<{ accountId: number }>(st.arAccounts)).map((r) => r.accountId),
      );
    }
    if (suspenseJournal !== null) {
      await tx.run(st.suspenseLines(suspenseJournal));
      await assertJournalBalanced(suspenseJournal);
      await assertSuspenseWithinCeilingIn(
        tx,
        (await tx.all<{ currency: string }>(st.suspenseCurrencies)).map((r) => r.currency),
      );
    }
    crashPoint();
  };
  return { post, finish };
}
