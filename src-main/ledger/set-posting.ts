import type Database from 'better-sqlite3';
import {
  assertAccountsWithinCeiling,
  assertSuspenseWithinCeiling,
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
        if (!Number.isSafeInteger(p.amountMinor))
          throw new Error(`amount ${p.amountMinor} is not an integer`);
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
