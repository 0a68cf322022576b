import { sql, type SQL } from 'drizzle-orm';
import type { Dialect } from '../storage/port';

// The ledger check's rules (every ledger invariant, one query each, returning the rows that break it) and the
// figures several rules share. Each rule is written once; where the databases differ, the rule asks `Figures`.

/**
 * How the rules are compiled.
 * `shared`: where the shared figures come from: 'temp' (SQLite's driver path: connection-private temporary tables
 * built once at the start of the check, see ledgerCheckSetup) or 'inline' (derived tables in each rule that reads
 * them: a READ ONLY transaction cannot create tables, and PostgreSQL's READ ONLY snapshot is what makes all rules agree).
 * `exact`: figures come back as text. The port reads integers as JS numbers and refuses one past 2^53 - 1 (and
 * PostgreSQL sums bigint into numeric), where a violation's message must state such a figure exactly; the
 * driver path reads BigInts instead (safeIntegers) and needs no cast.
 */
export type Figures = { dialect: Dialect; shared: 'temp' | 'inline'; exact: boolean };

/** The driver path on SQLite: shared figures in temporary tables, integers read as BigInt. */
export const SQLITE_DRIVER_FIGURES: Figures = { dialect: 'sqlite', shared: 'temp', exact: false };

/** Through the port (any dialect): shared figures inline, every figure as text. */
export function portFigures(dialect: Dialect): Figures {
  return { dialect, shared: 'inline', exact: true };
}

/** A figure of a violation's message, read exactly. */
function fig(f: Figures, expr: SQL): SQL {
  return f.exact ? sql`CAST(${expr} AS TEXT)` : expr;
}

/** Rows of these tables are append-only; the first migration installs triggers (of these names on both databases). */
export const APPEND_ONLY_TRIGGERS: readonly string[] = [
  'audit_log_no_update',
  'audit_log_no_delete',
  'journals_no_update',
  'journals_no_delete',
  'journal_lines_no_update',
  'journal_lines_no_delete',
  'allocations_no_update',
  'allocations_no_delete',
  'reversals_no_update',
  'reversals_no_delete',
  'payments_no_delete',
  'payments_money_frozen',
  'refunds_no_update',
  'refunds_no_delete',
  'refund_item_lines_no_update',
  'refund_item_lines_no_delete',
];

/**
 * Per payment: what it credited in the account currency, what is allocated, and whether it was reversed.
 * Payments are read in table order on SQLite (CROSS JOIN fixes it): their allocations and reversals then come in
 * index order too, where walking accounts first would read the payments of a million-row table at random.
 * PostgreSQL has no CROSS JOIN ... ON and plans the join itself.
 */
function paymentPosition(f: Figures): SQL {
  const join = f.dialect === 'sqlite' ? sql.raw('CROSS JOIN') : sql.raw('JOIN');
  return sql`SELECT p.id, p.account_id, p.account_amount_minor AS credit,
         coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS allocated,
         EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed
  FROM payments p ${join} accounts a ON a.id = p.account_id
  WHERE a.is_suspense = 0 AND p.kind <> 'failed'`;
}

const BILL_ITEMS = sql`SELECT bill_id, sum(open_minor) AS open_minor, sum(amount_minor) AS amount_minor
  FROM bill_items GROUP BY bill_id`;

/** Payment positions (two rules read them), as a table expression to alias. */
function positions(f: Figures): SQL {
  return f.shared === 'temp' ? sql`temp.ledger_check_position` : sql`(${paymentPosition(f)})`;
}

/** Open and total amounts of items per bill (two rules read them), as a table expression to alias. */
function billItemSums(f: Figures): SQL {
  return f.shared === 'temp' ? sql`temp.ledger_check_bill_items` : sql`(${BILL_ITEMS})`;
}

/**
 * The statements that build the shared figures on SQLite's driver path, in order: one pass over each table into a
 * connection-private temporary table, inside the check's read transaction (so every rule sees one snapshot), keyed
 * so the rules read them in the order they need without sorting again.
 */
export function ledgerCheckSetup(): SQL[] {
  const f = SQLITE_DRIVER_FIGURES;
  return [
    sql`CREATE TEMP TABLE ledger_check_position (account_id INTEGER NOT NULL, id INTEGER NOT NULL, credit INTEGER NOT NULL,
     allocated INTEGER NOT NULL, reversed INTEGER NOT NULL, PRIMARY KEY (account_id, id)) WITHOUT ROWID`,
    sql`INSERT INTO ledger_check_position (account_id, id, credit, allocated, reversed)
     SELECT account_id, id, credit, allocated, reversed FROM (${paymentPosition(f)})`,
    sql`CREATE TEMP TABLE ledger_check_bill_items (bill_id INTEGER PRIMARY KEY, open_minor INTEGER NOT NULL,
     amount_minor INTEGER NOT NULL)`,
    sql`INSERT INTO ledger_check_bill_items (bill_id, open_minor, amount_minor) ${BILL_ITEMS}`,
  ];
}

/** Drops the driver path's shared figures (any left over too). */
export const LEDGER_CHECK_TEARDOWN: readonly SQL[] = [
  sql`DROP TABLE IF EXISTS temp.ledger_check_position`,
  sql`DROP TABLE IF EXISTS temp.ledger_check_bill_items`,
];

/** One rule: the rows that break it (each with an `id`), and the message of such a row. */
export type LedgerRule = {
  rule: string;
  entity: string;
  query: (f: Figures) => SQL;
  describe: (row: Record<string, unknown>) => string;
};

const s = (v: unknown): string => String(v);

/** Every rule, in the order the check runs them. */
export const LEDGER_RULES: readonly LedgerRule[] = [
  {
    rule: 'journal-balanced',
    entity: 'journal',
    query: (
      f,
    ) => sql`SELECT journal_id AS id, currency, ${fig(f, sql`sum(amount_minor)`)} AS off FROM journal_lines
          GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0`,
    describe: (r) => `journal ${s(r.id)} does not balance in ${s(r.currency)}: off by ${s(r.off)}`,
  },
  {
    rule: 'journal-audited',
    entity: 'journal',
    query: () =>
      sql`SELECT j.id FROM journals j LEFT JOIN audit_log a ON a.id = j.audit_id WHERE a.id IS NULL`,
    describe: (r) => `journal ${s(r.id)} has no audit row`,
  },
  {
    rule: 'journal-lines-owned',
    entity: 'journal_line',
    // A primary-key probe per line: a LEFT JOIN let stale statistics (a demo load's one journal) turn this into
    // a scan of journals per line.
    query: () =>
      sql`SELECT l.id FROM journal_lines l WHERE NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = l.journal_id)`,
    describe: (r) => `journal line ${s(r.id)} belongs to no journal`,
  },
  {
    rule: 'balance-matches-journal',
    entity: 'account',
    // The lines in table order (a sort groups them): walking journal_lines_account_idx reads each line's row at
    // random on SQLite, which costs about twice as much.
    query: (
      f,
    ) => sql`SELECT a.account_no AS id, ${fig(f, sql`a.balance_minor`)} AS cached, ${fig(f, sql`coalesce(j.s, 0)`)} AS posted
          FROM accounts a LEFT JOIN (SELECT account_id, sum(amount_minor) AS s FROM journal_lines${f.dialect === 'sqlite' ? sql` NOT INDEXED` : sql``}
                                     WHERE gl_account = 'AR' GROUP BY account_id) j ON j.account_id = a.id
          WHERE a.balance_minor <> coalesce(j.s, 0)`,
    describe: (r) => `account ${s(r.id)}: balance ${s(r.cached)} but its AR postings sum to ${s(r.posted)}`,
  },
  {
    rule: 'balance-equals-open-items-minus-credit',
    entity: 'account',
    query: (f) => sql`SELECT a.account_no AS id, ${fig(f, sql`a.balance_minor`)} AS balance,
                 ${fig(f, sql`coalesce(i.s, 0)`)} AS open_items, ${fig(f, sql`coalesce(c.s, 0)`)} AS credit
          FROM accounts a
          LEFT JOIN (SELECT account_id, sum(open_minor) AS s FROM bill_items GROUP BY account_id) i ON i.account_id = a.id
          LEFT JOIN (SELECT account_id, sum(CASE WHEN reversed THEN 0 ELSE credit - allocated END) AS s
                     FROM ${positions(f)} pos GROUP BY account_id) c ON c.account_id = a.id
          WHERE a.is_suspense = 0 AND a.balance_minor <> coalesce(i.s, 0) - coalesce(c.s, 0)`,
    describe: (r) =>
      `account ${s(r.id)}: balance ${s(r.balance)} but open items ${s(r.open_items)} minus unallocated credit ${s(r.credit)} = ${BigInt(r.open_items as string | bigint) - BigInt(r.credit as string | bigint)}`,
  },
  {
    rule: 'allocation-within-payment',
    entity: 'payment',
    query: (
      f,
    ) => sql`SELECT id, ${fig(f, sql`credit`)} AS credit, ${fig(f, sql`allocated`)} AS allocated, reversed
          FROM ${positions(f)} pos
          WHERE allocated < 0 OR allocated > pos.credit OR (reversed AND allocated <> 0) ORDER BY id`,
    describe: (r) =>
      Number(r.reversed)
        ? `payment ${s(r.id)} is reversed but still has ${s(r.allocated)} allocated`
        : `payment ${s(r.id)}: allocated ${s(r.allocated)} outside 0..${s(r.credit)}`,
  },
  {
    rule: 'allocation-within-item',
    entity: 'bill_item',
    query: (
      f,
    ) => sql`SELECT i.item_no AS id, ${fig(f, sql`i.amount_minor`)} AS amount, ${fig(f, sql`i.open_minor`)} AS open,
                 ${fig(f, sql`coalesce(al.s, 0)`)} AS allocated
          FROM bill_items i JOIN (SELECT item_id, sum(amount_minor) AS s FROM allocations WHERE item_id IS NOT NULL
                                  GROUP BY item_id) al ON al.item_id = i.id
          WHERE (i.amount_minor >= 0 AND (al.s < 0 OR al.s + i.open_minor > i.amount_minor))
             OR (i.amount_minor < 0 AND (al.s > 0 OR al.s + i.open_minor < i.amount_minor))`,
    describe: (r) =>
      `item ${s(r.id)}: amount ${s(r.amount)}, open ${s(r.open)}, allocated ${s(r.allocated)} — over-allocated`,
  },
  {
    rule: 'item-open-in-range',
    entity: 'bill_item',
    query: (
      f,
    ) => sql`SELECT item_no AS id, ${fig(f, sql`amount_minor`)} AS amount, ${fig(f, sql`open_minor`)} AS open, status
          FROM bill_items
          WHERE (amount_minor >= 0 AND (open_minor < 0 OR open_minor > amount_minor))
             OR (amount_minor < 0 AND (open_minor > 0 OR open_minor < amount_minor))
             OR (status = 'closed') <> (open_minor = 0)`,
    describe: (r) => `item ${s(r.id)}: open ${s(r.open)} of ${s(r.amount)} with status ${s(r.status)}`,
  },
  {
    rule: 'bill-due-equals-items',
    entity: 'bill',
    query: (
      f,
    ) => sql`SELECT b.bill_no AS id, ${fig(f, sql`b.amount_due_minor`)} AS due, ${fig(f, sql`coalesce(i.s, 0)`)} AS items, b.status
          FROM bills b LEFT JOIN (SELECT bill_id, open_minor AS s FROM ${billItemSums(f)} bi) i ON i.bill_id = b.id
          WHERE b.amount_due_minor <> coalesce(i.s, 0) OR (b.status = 'closed') <> (coalesce(i.s, 0) = 0)`,
    describe: (r) =>
      `bill ${s(r.id)}: amount due ${s(r.due)} (${s(r.status)}) but its open items sum to ${s(r.items)}`,
  },
  {
    rule: 'bill-total-equals-items',
    entity: 'bill',
    query: (
      f,
    ) => sql`SELECT b.bill_no AS id, ${fig(f, sql`b.total_minor`)} AS total, ${fig(f, sql`coalesce(i.s, 0)`)} AS items
          FROM bills b LEFT JOIN (SELECT bill_id, amount_minor AS s FROM ${billItemSums(f)} bi) i ON i.bill_id = b.id
          WHERE b.total_minor <> coalesce(i.s, 0)`,
    describe: (r) => `bill ${s(r.id)}: total ${s(r.total)} but its items sum to ${s(r.items)}`,
  },
  {
    rule: 'payment-posted',
    entity: 'payment',
    query: () =>
      sql`SELECT p.id FROM payments p WHERE NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = p.journal_id)`,
    describe: (r) => `payment ${s(r.id)} has no journal`,
  },
  {
    rule: 'reversal-posted',
    entity: 'reversal',
    query: () =>
      sql`SELECT r.id FROM reversals r WHERE NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = r.journal_id)`,
    describe: (r) => `reversal ${s(r.id)} has no journal`,
  },
  {
    rule: 'allocation-same-account',
    entity: 'allocation',
    query: () => sql`SELECT al.id FROM allocations al
          LEFT JOIN bill_items i ON i.id = al.item_id LEFT JOIN bills b ON b.id = al.bill_id
          WHERE (al.item_id IS NOT NULL AND i.account_id <> al.account_id)
             OR (al.bill_id IS NOT NULL AND b.account_id <> al.account_id)`,
    describe: (r) => `allocation ${s(r.id)} points at another account's bill or item`,
  },
  {
    rule: 'suspense-equals-suspended-payments',
    entity: 'currency',
    query: (
      f,
    ) => sql`SELECT c.currency AS id, ${fig(f, sql`coalesce(l.s, 0)`)} AS posted, ${fig(f, sql`coalesce(p.s, 0)`)} AS held FROM
            (SELECT currency FROM journal_lines WHERE gl_account = 'SUSPENSE'
             UNION SELECT currency FROM payments WHERE kind IN ('suspended', 'recycled')) c
          LEFT JOIN (SELECT currency, -sum(amount_minor) AS s FROM journal_lines WHERE gl_account = 'SUSPENSE' GROUP BY currency) l
            ON l.currency = c.currency
          LEFT JOIN (SELECT p.currency, sum(p.amount_minor) AS s FROM payments p
                     WHERE p.kind IN ('suspended', 'recycled') AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)
                     GROUP BY p.currency) p ON p.currency = c.currency
          WHERE coalesce(l.s, 0) <> coalesce(p.s, 0)`,
    describe: (r) =>
      `suspense ${s(r.id)}: the suspense account holds ${s(r.posted)} but suspended payments add up to ${s(r.held)}`,
  },
  {
    rule: 'refund-posted',
    entity: 'refund',
    // The per-refund sums in a derived table: PostgreSQL's WHERE cannot name the select list's columns.
    query: (f) => sql`SELECT x.id, ${fig(f, sql`x.amount`)} AS amount, ${fig(f, sql`x.items`)} AS items,
                 ${fig(f, sql`x.credit`)} AS credit, ${fig(f, sql`x.ar`)} AS ar, ${fig(f, sql`x.lines`)} AS lines
          FROM (SELECT r.id, r.amount_minor, r.account_amount_minor AS amount, r.items_closed_minor AS items,
                       r.credit_used_minor AS credit, r.refund_bill_id,
                       coalesce((SELECT sum(l.amount_minor) FROM journal_lines l WHERE l.journal_id = r.journal_id
                                 AND l.gl_account = 'AR' AND l.account_id = r.account_id), 0) AS ar,
                       coalesce((SELECT sum(ril.amount_minor) FROM refund_item_lines ril WHERE ril.refund_id = r.id), 0) AS lines
                FROM refunds r) x
          WHERE x.amount_minor <= 0 OR x.items < 0 OR x.credit < 0 OR x.items + x.credit <> x.amount
             OR x.ar <> x.amount OR x.lines <> x.items OR (x.refund_bill_id IS NULL) <> (x.credit = 0)`,
    describe: (r) =>
      `refund ${s(r.id)}: ${s(r.amount)} in account currency, AR debit ${s(r.ar)}, refund items ${s(r.items)} (lines ${s(r.lines)}), credit ${s(r.credit)}`,
  },
  {
    rule: 'suspense-queue-agrees',
    entity: 'payment',
    query: () => sql`SELECT p.id, q.state FROM payments p LEFT JOIN suspense_queue q ON q.payment_id = p.id
          WHERE p.kind IN ('suspended', 'recycled') AND (q.payment_id IS NULL OR q.amount_minor <> p.amount_minor
             OR q.currency <> p.currency
             OR (q.state IN ('suspended', 'partial', 'recycled')) = EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id))`,
    describe: (r) =>
      `suspended payment ${s(r.id)}: the Payment Center queue says ${typeof r.state === 'string' ? r.state : 'nothing'}, which disagrees with the payment and its reversal`,
  },
  {
    rule: 'suspense-tally-agrees',
    entity: 'suspense_tally',
    // One pass over both sides grouped by the key (every key column is NOT NULL), not a join of two
    // derived tables that the planner may loop over per row.
    query: (f) => sql`SELECT state || ' ' || currency || ' owner ' || o || ' reason ' || r AS id,
                 ${fig(f, sql`coalesce(sum(qn), 0)`)} AS queued, ${fig(f, sql`coalesce(sum(tn), 0)`)} AS tallied
          FROM (SELECT state, currency, coalesce(action_owner, -1) AS o, reason_code AS r, count(*) AS qn,
                       sum(amount_minor) AS qs, NULL AS tn, NULL AS ts
                FROM suspense_queue GROUP BY 1, 2, 3, 4
                UNION ALL
                SELECT state, currency, owner, reason_code, NULL, NULL, sum(count), sum(amount_minor)
                FROM suspense_tally GROUP BY 1, 2, 3, 4 HAVING sum(count) <> 0 OR sum(amount_minor) <> 0) sides
          GROUP BY state, currency, o, r
          HAVING count(qn) = 0 OR count(tn) = 0 OR sum(qn) <> sum(tn) OR sum(qs) <> sum(ts)`,
    describe: (r) =>
      `Payment Center counts for ${s(r.id)}: ${s(r.tallied)} counted but ${s(r.queued)} in the queue`,
  },
  {
    rule: 'recycled-has-one-original',
    entity: 'payment',
    query: () => sql`SELECT p.id FROM payments p LEFT JOIN payments o ON o.id = p.parent_payment_id
          WHERE p.kind = 'recycled' AND (o.id IS NULL OR o.currency <> p.currency OR o.amount_minor <> p.amount_minor)`,
    describe: (r) =>
      `recycled payment ${s(r.id)} must have exactly one original in the same currency and of the same amount (G2, G3, G14)`,
  },
  {
    rule: 'processor-payment-matches-charge',
    entity: 'processor_txn',
    query: (
      f,
    ) => sql`SELECT t.id, ${fig(f, sql`t.amount_minor`)} AS charged, ${fig(f, sql`p.amount_minor`)} AS posted
          FROM processor_txns t JOIN payments p ON p.id = t.payment_id
          WHERE t.command IN ('condition', 'auth') AND (t.result <> 0 OR p.amount_minor <> t.amount_minor OR p.source_key <> 'proc:' || t.idem_key)`,
    describe: (r) =>
      `processor transaction ${s(r.id)}: charged ${s(r.charged)} but its payment holds ${s(r.posted)} (or it is not approved)`,
  },
  {
    rule: 'processor-approval-posted',
    entity: 'processor_txn',
    query: () =>
      sql`SELECT t.id FROM processor_txns t WHERE t.command IN ('condition', 'auth') AND t.result = 0 AND t.payment_id IS NULL`,
    describe: (r) => `processor transaction ${s(r.id)} is approved at rest but no payment was posted`,
  },
  {
    rule: 'bill-charged-once',
    entity: 'bill',
    query:
      () => sql`SELECT b.bill_no AS id, count(*) AS n FROM processor_txns t JOIN bills b ON b.id = t.bill_id
          WHERE t.command = 'condition' AND t.result = 0 GROUP BY b.id, t.run_id HAVING count(*) > 1`,
    describe: (r) => `bill ${s(r.id)} was charged ${s(r.n)} times in one run`,
  },
  {
    rule: 'suspense-account-exists',
    entity: 'account',
    query: () =>
      sql`SELECT 'SUSPENSE' AS id WHERE (SELECT count(*) FROM accounts WHERE is_suspense = 1) <> 1`,
    describe: () => 'there must be exactly one payment suspense account',
  },
  {
    rule: 'channel-zero-exists',
    entity: 'payment_channel',
    query: () =>
      sql`SELECT 0 AS id WHERE NOT EXISTS (SELECT 1 FROM payment_channels WHERE id = 0 AND active = 1)`,
    describe: () => 'payment channel 0 (Unspecified Payment Channel) must exist and be active',
  },
  {
    rule: 'column-set-default-exists',
    entity: 'column_set',
    query:
      () => sql`SELECT t.bt AS id FROM (SELECT 'payment' AS bt UNION ALL SELECT 'refund' UNION ALL SELECT 'reversal') t
          WHERE NOT EXISTS (SELECT 1 FROM column_configs c WHERE c.batch_type = t.bt AND c.pay_type = 0)`,
    describe: (r) => `the ${s(r.id)} batch type has no default column set (pay type 0)`,
  },
  {
    rule: 'column-custom-field-defined',
    entity: 'column_set',
    query: () => sql`SELECT c.batch_type || '/' || c.pay_type || '/' || c.field AS id FROM column_configs c
          WHERE c.field LIKE 'custom:%'
            AND NOT EXISTS (SELECT 1 FROM custom_fields f WHERE f.key = substr(c.field, 8) AND 'custom:' || f.key = c.field)`,
    describe: (r) => `column ${s(r.id)} shows a custom field that is not defined`,
  },
  {
    rule: 'column-payment-entry-only',
    entity: 'column_set',
    query: () => sql`SELECT c.batch_type || '/' || c.pay_type || '/' || c.field AS id FROM column_configs c
          WHERE c.batch_type IN ('payment', 'refund') AND c.purpose = 'display'`,
    describe: (r) => `column ${s(r.id)}: payment and refund batches hold only data-entry fields (C8)`,
  },
  {
    rule: 'reason-code-gl-rule',
    entity: 'reason_code',
    query:
      () => sql`SELECT c.domain_id || '/' || c.id AS id, d.gl_rule AS rule FROM reason_codes c JOIN reason_domains d ON d.id = c.domain_id
          WHERE (d.gl_rule = 'required' AND c.gl_id IS NULL) OR (d.gl_rule = 'forbidden' AND c.gl_id IS NOT NULL)`,
    describe: (r) => `reason code ${s(r.id)} breaks its domain's G/L rule (${s(r.rule)})`,
  },
];

/** A rule's rows, at most `limit` of them. */
export function ledgerRuleQuery(rule: LedgerRule, f: Figures, limit: number): SQL {
  return sql`${rule.query(f)} LIMIT ${limit}`;
}

/**
 * The names of the triggers in this database's own catalogue. PostgreSQL: of the tables on the search path, and a
 * disabled trigger (ALTER TABLE ... DISABLE TRIGGER) guards nothing, so it does not count.
 */
export function triggerNamesQuery(dialect: Dialect): SQL {
  return dialect === 'sqlite'
    ? sql`SELECT name FROM sqlite_master WHERE type = 'trigger'`
    : sql`SELECT t.tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND pg_table_is_visible(c.oid)`;
}

/** The tables the check counts, by the name of the count in its answer. */
export const LEDGER_COUNTED = {
  accounts: 'accounts',
  items: 'bill_items',
  payments: 'payments',
  allocations: 'allocations',
  journals: 'journals',
} as const;

/** The row count of each counted table, in one row named as in the check's answer. */
export function ledgerCountsQuery(): SQL {
  return sql.join(
    [
      sql`SELECT`,
      sql.join(
        Object.entries(LEDGER_COUNTED).map(
          ([name, table]) => sql`(SELECT count(*) FROM ${sql.raw(table)}) AS ${sql.raw(name)}`,
        ),
        sql`, `,
      ),
    ],
    sql` `,
  );
}
