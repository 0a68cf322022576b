import type Database from 'better-sqlite3';
import type { LedgerCheckDto, LedgerViolationDto } from '../../src-shared/dto/app';

type Check = {
  rule: string;
  entity: string;
  sql: string;
  describe: (row: Record<string, unknown>) => string;
};

/** Rows of these tables are append-only; the first migration installs triggers that refuse changes. */
const APPEND_ONLY_TRIGGERS = [
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
 * Payments are read in table order (CROSS JOIN fixes it): their allocations and reversals then come in index
 * order too, where walking accounts first would read the payments of a million-row table at random.
 */
const PAYMENT_POSITION = `
  SELECT p.id, p.account_id, p.account_amount_minor AS credit,
         coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS allocated,
         EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed
  FROM payments p CROSS JOIN accounts a ON a.id = p.account_id
  WHERE a.is_suspense = 0 AND p.kind <> 'failed'`;

/**
 * Figures several rules share, each built by one pass over its table into a connection-private temporary
 * table at the start of the check (inside the check's read transaction, so every rule sees one snapshot):
 * payment positions (two rules), and open and total amounts of items per bill (two rules). Keyed so the rules
 * read them in the order they need without sorting again.
 */
const SHARED_FIGURES: readonly string[] = [
  `CREATE TEMP TABLE ledger_check_position (account_id INTEGER NOT NULL, id INTEGER NOT NULL, credit INTEGER NOT NULL,
     allocated INTEGER NOT NULL, reversed INTEGER NOT NULL, PRIMARY KEY (account_id, id)) WITHOUT ROWID`,
  `INSERT INTO ledger_check_position (account_id, id, credit, allocated, reversed)
     SELECT account_id, id, credit, allocated, reversed FROM (${PAYMENT_POSITION})`,
  `CREATE TEMP TABLE ledger_check_bill_items (bill_id INTEGER PRIMARY KEY, open_minor INTEGER NOT NULL,
     amount_minor INTEGER NOT NULL)`,
  `INSERT INTO ledger_check_bill_items (bill_id, open_minor, amount_minor)
     SELECT bill_id, sum(open_minor), sum(amount_minor) FROM bill_items GROUP BY bill_id`,
];
const DROP_SHARED_FIGURES = [
  'DROP TABLE IF EXISTS temp.ledger_check_position',
  'DROP TABLE IF EXISTS temp.ledger_check_bill_items',
];

const CHECKS: Check[] = [
  {
    rule: 'journal-balanced',
    entity: 'journal',
    sql: `SELECT journal_id AS id, currency, sum(amount_minor) AS off FROM journal_lines
          GROUP BY journal_id, currency HAVING sum(amount_minor) <> 0`,
    describe: (r) =>
      `journal ${String(r.id)} does not balance in ${String(r.currency)}: off by ${String(r.off)}`,
  },
  {
    rule: 'journal-audited',
    entity: 'journal',
    sql: `SELECT j.id FROM journals j LEFT JOIN audit_log a ON a.id = j.audit_id WHERE a.id IS NULL`,
    describe: (r) => `journal ${String(r.id)} has no audit row`,
  },
  {
    rule: 'journal-lines-owned',
    entity: 'journal_line',
    // A primary-key probe per line: a LEFT JOIN let stale statistics (a demo load's one journal) turn this into
    // a scan of journals per line.
    sql: `SELECT l.id FROM journal_lines l WHERE NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = l.journal_id)`,
    describe: (r) => `journal line ${String(r.id)} belongs to no journal`,
  },
  {
    rule: 'balance-matches-journal',
    entity: 'account',
    // The lines in table order (a sort groups them): walking journal_lines_account_idx reads each line's row at
    // random, which costs about twice as much.
    sql: `SELECT a.account_no AS id, a.balance_minor AS cached, coalesce(j.s, 0) AS posted
          FROM accounts a LEFT JOIN (SELECT account_id, sum(amount_minor) AS s FROM journal_lines NOT INDEXED
                                     WHERE gl_account = 'AR' GROUP BY account_id) j ON j.account_id = a.id
          WHERE a.balance_minor <> coalesce(j.s, 0)`,
    describe: (r) =>
      `account ${String(r.id)}: balance ${String(r.cached)} but its AR postings sum to ${String(r.posted)}`,
  },
  {
    rule: 'balance-equals-open-items-minus-credit',
    entity: 'account',
    sql: `SELECT a.account_no AS id, a.balance_minor AS balance, coalesce(i.s, 0) AS openItems, coalesce(c.s, 0) AS credit
          FROM accounts a
          LEFT JOIN (SELECT account_id, sum(open_minor) AS s FROM bill_items GROUP BY account_id) i ON i.account_id = a.id
          LEFT JOIN (SELECT account_id, sum(CASE WHEN reversed THEN 0 ELSE credit - allocated END) AS s
                     FROM temp.ledger_check_position GROUP BY account_id) c ON c.account_id = a.id
          WHERE a.is_suspense = 0 AND a.balance_minor <> coalesce(i.s, 0) - coalesce(c.s, 0)`,
    describe: (r) =>
      `account ${String(r.id)}: balance ${String(r.balance)} but open items ${String(r.openItems)} minus unallocated credit ${String(r.credit)} = ${BigInt(r.openItems as bigint) - BigInt(r.credit as bigint)}`,
  },
  {
    rule: 'allocation-within-payment',
    entity: 'payment',
    sql: `SELECT id, credit, allocated, reversed FROM temp.ledger_check_position
          WHERE allocated < 0 OR allocated > credit OR (reversed AND allocated <> 0) ORDER BY id`,
    describe: (r) =>
      Number(r.reversed)
        ? `payment ${String(r.id)} is reversed but still has ${String(r.allocated)} allocated`
        : `payment ${String(r.id)}: allocated ${String(r.allocated)} outside 0..${String(r.credit)}`,
  },
  {
    rule: 'allocation-within-item',
    entity: 'bill_item',
    sql: `SELECT i.item_no AS id, i.amount_minor AS amount, i.open_minor AS open, coalesce(al.s, 0) AS allocated
          FROM bill_items i JOIN (SELECT item_id, sum(amount_minor) AS s FROM allocations WHERE item_id IS NOT NULL
                                  GROUP BY item_id) al ON al.item_id = i.id
          WHERE (i.amount_minor >= 0 AND (al.s < 0 OR al.s + i.open_minor > i.amount_minor))
             OR (i.amount_minor < 0 AND (al.s > 0 OR al.s + i.open_minor < i.amount_minor))`,
    describe: (r) =>
      `item ${String(r.id)}: amount ${String(r.amount)}, open ${String(r.open)}, allocated ${String(r.allocated)} — over-allocated`,
  },
  {
    rule: 'item-open-in-range',
    entity: 'bill_item',
    sql: `SELECT item_no AS id, amount_minor AS amount, open_minor AS open, status FROM bill_items
          WHERE (amount_minor >= 0 AND (open_minor < 0 OR open_minor > amount_minor))
             OR (amount_minor < 0 AND (open_minor > 0 OR open_minor < amount_minor))
             OR (status = 'closed') <> (open_minor = 0)`,
    describe: (r) =>
      `item ${String(r.id)}: open ${String(r.open)} of ${String(r.amount)} with status ${String(r.status)}`,
  },
  {
    rule: 'bill-due-equals-items',
    entity: 'bill',
    sql: `SELECT b.bill_no AS id, b.amount_due_minor AS due, coalesce(i.s, 0) AS items, b.status
          FROM bills b LEFT JOIN (SELECT bill_id, open_minor AS s FROM temp.ledger_check_bill_items) i ON i.bill_id = b.id
          WHERE b.amount_due_minor <> coalesce(i.s, 0) OR (b.status = 'closed') <> (coalesce(i.s, 0) = 0)`,
    describe: (r) =>
      `bill ${String(r.id)}: amount due ${String(r.due)} (${String(r.status)}) but its open items sum to ${String(r.items)}`,
  },
  {
    rule: 'bill-total-equals-items',
    entity: 'bill',
    sql: `SELECT b.bill_no AS id, b.total_minor AS total, coalesce(i.s, 0) AS items
          FROM bills b LEFT JOIN (SELECT bill_id, amount_minor AS s FROM temp.ledger_check_bill_items) i ON i.bill_id = b.id
          WHERE b.total_minor <> coalesce(i.s, 0)`,
    describe: (r) => `bill ${String(r.id)}: total ${String(r.total)} but its items sum to ${String(r.items)}`,
  },
  {
    rule: 'payment-posted',
    entity: 'payment',
    sql: `SELECT p.id FROM payments p WHERE NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = p.journal_id)`,
    describe: (r) => `payment ${String(r.id)} has no journal`,
  },
  {
    rule: 'reversal-posted',
    entity: 'reversal',
    sql: `SELECT r.id FROM reversals r WHERE NOT EXISTS (SELECT 1 FROM journals j WHERE j.id = r.journal_id)`,
    describe: (r) => `reversal ${String(r.id)} has no journal`,
  },
  {
    rule: 'allocation-same-account',
    entity: 'allocation',
    sql: `SELECT al.id FROM allocations al
          LEFT JOIN bill_items i ON i.id = al.item_id LEFT JOIN bills b ON b.id = al.bill_id
          WHERE (al.item_id IS NOT NULL AND i.account_id <> al.account_id)
             OR (al.bill_id IS NOT NULL AND b.account_id <> al.account_id)`,
    describe: (r) => `allocation ${String(r.id)} points at another account's bill or item`,
  },
  {
    rule: 'suspense-equals-suspended-payments',
    entity: 'currency',
    sql: `SELECT c.currency AS id, coalesce(l.s, 0) AS posted, coalesce(p.s, 0) AS held FROM
            (SELECT currency FROM journal_lines WHERE gl_account = 'SUSPENSE'
             UNION SELECT currency FROM payments WHERE kind IN ('suspended', 'recycled')) c
          LEFT JOIN (SELECT currency, -sum(amount_minor) AS s FROM journal_lines WHERE gl_account = 'SUSPENSE' GROUP BY currency) l
            ON l.currency = c.currency
          LEFT JOIN (SELECT p.currency, sum(p.amount_minor) AS s FROM payments p
                     WHERE p.kind IN ('suspended', 'recycled') AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)
                     GROUP BY p.currency) p ON p.currency = c.currency
          WHERE coalesce(l.s, 0) <> coalesce(p.s, 0)`,
    describe: (r) =>
      `suspense ${String(r.id)}: the suspense account holds ${String(r.posted)} but suspended payments add up to ${String(r.held)}`,
  },
  {
    rule: 'refund-posted',
    entity: 'refund',
    sql: `SELECT r.id, r.account_amount_minor AS amount, r.items_closed_minor AS items, r.credit_used_minor AS credit,
                 coalesce((SELECT sum(l.amount_minor) FROM journal_lines l WHERE l.journal_id = r.journal_id AND l.gl_account = 'AR'
                           AND l.account_id = r.account_id), 0) AS ar,
                 coalesce((SELECT sum(x.amount_minor) FROM refund_item_lines x WHERE x.refund_id = r.id), 0) AS lines
          FROM refunds r
          WHERE r.amount_minor <= 0 OR r.items_closed_minor < 0 OR r.credit_used_minor < 0
             OR r.items_closed_minor + r.credit_used_minor <> r.account_amount_minor
             OR ar <> r.account_amount_minor OR lines <> r.items_closed_minor
             OR (r.refund_bill_id IS NULL) <> (r.credit_used_minor = 0)`,
    describe: (r) =>
      `refund ${String(r.id)}: ${String(r.amount)} in account currency, AR debit ${String(r.ar)}, refund items ${String(r.items)} (lines ${String(r.lines)}), credit ${String(r.credit)}`,
  },
  {
    rule: 'suspense-queue-agrees',
    entity: 'payment',
    sql: `SELECT p.id, q.state FROM payments p LEFT JOIN suspense_queue q ON q.payment_id = p.id
          WHERE p.kind IN ('suspended', 'recycled') AND (q.payment_id IS NULL OR q.amount_minor <> p.amount_minor
             OR q.currency <> p.currency
             OR (q.state IN ('suspended', 'partial', 'recycled')) = EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id))`,
    describe: (r) =>
      `suspended payment ${String(r.id)}: the Payment Center queue says ${typeof r.state === 'string' ? r.state : 'nothing'}, which disagrees with the payment and its reversal`,
  },
  {
    rule: 'suspense-tally-agrees',
    entity: 'suspense_tally',
    // One pass over both sides grouped by the key (every key column is NOT NULL), not a join of two
    // derived tables that the planner may loop over per row.
    sql: `SELECT state || ' ' || currency || ' owner ' || o || ' reason ' || r AS id,
                 coalesce(sum(qn), 0) AS queued, coalesce(sum(tn), 0) AS tallied
          FROM (SELECT state, currency, coalesce(action_owner, -1) AS o, reason_code AS r, count(*) AS qn,
                       sum(amount_minor) AS qs, NULL AS tn, NULL AS ts
                FROM suspense_queue GROUP BY 1, 2, 3, 4
                UNION ALL
                SELECT state, currency, owner, reason_code, NULL, NULL, sum(count), sum(amount_minor)
                FROM suspense_tally GROUP BY 1, 2, 3, 4 HAVING sum(count) <> 0 OR sum(amount_minor) <> 0)
          GROUP BY state, currency, o, r
          HAVING count(qn) = 0 OR count(tn) = 0 OR sum(qn) <> sum(tn) OR sum(qs) <> sum(ts)`,
    describe: (r) =>
      `Payment Center counts for ${String(r.id)}: ${String(r.tallied)} counted but ${String(r.queued)} in the queue`,
  },
  {
    rule: 'recycled-has-one-original',
    entity: 'payment',
    sql: `SELECT p.id FROM payments p LEFT JOIN payments o ON o.id = p.parent_payment_id
          WHERE p.kind = 'recycled' AND (o.id IS NULL OR o.currency <> p.currency OR o.amount_minor <> p.amount_minor)`,
    describe: (r) =>
      `recycled payment ${String(r.id)} must have exactly one original in the same currency and of the same amount (G2, G3, G14)`,
  },
  {
    rule: 'processor-payment-matches-charge',
    entity: 'processor_txn',
    sql: `SELECT t.id, t.amount_minor AS charged, p.amount_minor AS posted FROM processor_txns t JOIN payments p ON p.id = t.payment_id
          WHERE t.command IN ('condition', 'auth') AND (t.result <> 0 OR p.amount_minor <> t.amount_minor OR p.source_key <> 'proc:' || t.idem_key)`,
    describe: (r) =>
      `processor transaction ${String(r.id)}: charged ${String(r.charged)} but its payment holds ${String(r.posted)} (or it is not approved)`,
  },
  {
    rule: 'processor-approval-posted',
    entity: 'processor_txn',
    sql: `SELECT t.id FROM processor_txns t WHERE t.command IN ('condition', 'auth') AND t.result = 0 AND t.payment_id IS NULL`,
    describe: (r) => `processor transaction ${String(r.id)} is approved at rest but no payment was posted`,
  },
  {
    rule: 'bill-charged-once',
    entity: 'bill',
    sql: `SELECT b.bill_no AS id, count(*) AS n FROM processor_txns t JOIN bills b ON b.id = t.bill_id
          WHERE t.command = 'condition' AND t.result = 0 GROUP BY t.bill_id, t.run_id HAVING count(*) > 1`,
    describe: (r) => `bill ${String(r.id)} was charged ${String(r.n)} times in one run`,
  },
  {
    rule: 'suspense-account-exists',
    entity: 'account',
    sql: `SELECT 'SUSPENSE' AS id WHERE (SELECT count(*) FROM accounts WHERE is_suspense = 1) <> 1`,
    describe: () => 'there must be exactly one payment suspense account',
  },
  {
    rule: 'channel-zero-exists',
    entity: 'payment_channel',
    sql: `SELECT 0 AS id WHERE NOT EXISTS (SELECT 1 FROM payment_channels WHERE id = 0 AND active = 1)`,
    describe: () => 'payment channel 0 (Unspecified Payment Channel) must exist and be active',
  },
  {
    rule: 'column-set-default-exists',
    entity: 'column_set',
    sql: `SELECT t.bt AS id FROM (SELECT 'payment' AS bt UNION ALL SELECT 'refund' UNION ALL SELECT 'reversal') t
          WHERE NOT EXISTS (SELECT 1 FROM column_configs c WHERE c.batch_type = t.bt AND c.pay_type = 0)`,
    describe: (r) => `the ${String(r.id)} batch type has no default column set (pay type 0)`,
  },
  {
    rule: 'column-custom-field-defined',
    entity: 'column_set',
    sql: `SELECT c.batch_type || '/' || c.pay_type || '/' || c.field AS id FROM column_configs c
          WHERE c.field LIKE 'custom:%'
            AND NOT EXISTS (SELECT 1 FROM custom_fields f WHERE f.key = substr(c.field, 8) AND 'custom:' || f.key = c.field)`,
    describe: (r) => `column ${String(r.id)} shows a custom field that is not defined`,
  },
  {
    rule: 'column-payment-entry-only',
    entity: 'column_set',
    sql: `SELECT c.batch_type || '/' || c.pay_type || '/' || c.field AS id FROM column_configs c
          WHERE c.batch_type IN ('payment', 'refund') AND c.purpose = 'display'`,
    describe: (r) => `column ${String(r.id)}: payment and refund batches hold only data-entry fields (C8)`,
  },
  {
    rule: 'reason-code-gl-rule',
    entity: 'reason_code',
    sql: `SELECT c.domain_id || '/' || c.id AS id, d.gl_rule AS rule FROM reason_codes c JOIN reason_domains d ON d.id = c.domain_id
          WHERE (d.gl_rule = 'required' AND c.gl_id IS NULL) OR (d.gl_rule = 'forbidden' AND c.gl_id IS NOT NULL)`,
    describe: (r) => `reason code ${String(r.id)} breaks its domain's G/L rule (${String(r.rule)})`,
  },
];

/**
 * Each rule's query, in the order the check runs them (for plan tests and benchmarks); the statements that
 * build the shared figures run first (`LEDGER_CHECK_SETUP`), the queries read them.
 */
export const LEDGER_CHECK_QUERIES: readonly { rule: string; sql: string }[] = CHECKS.map((c) => ({
  rule: c.rule,
  sql: c.sql,
}));

/** The statements that build the figures the rules share (temporary tables), in order. */
export const LEDGER_CHECK_SETUP: readonly string[] = SHARED_FIGURES;

/** Builds the shared figures on this connection (replacing any left over); see SHARED_FIGURES. */
export function prepareLedgerCheck(db: Database.Database): void {
  for (const sql of DROP_SHARED_FIGURES) db.exec(sql);
  for (const sql of SHARED_FIGURES) db.exec(sql);
}

/** Drops the shared figures. */
export function finishLedgerCheck(db: Database.Database): void {
  for (const sql of DROP_SHARED_FIGURES) db.exec(sql);
}

/** Hooks of a running check: each violation as it is found, and each rule as it finishes with its time. */
export type LedgerCheckOptions = {
  onViolation?: (violation: LedgerViolationDto) => void;
  onRule?: (rule: string, ms: number) => void;
};

/**
 * Verifies every ledger invariant and lists each violation (up to maxViolations), reporting each one as it
 * is found: rows are read one at a time, so memory stays bounded by the violations kept. Every sum is an
 * SQLite integer sum (exact, never total()) and every figure is read as a BigInt.
 */
export function checkLedger(
  db: Database.Database,
  maxViolations: number,
  options: LedgerCheckOptions = {},
): LedgerCheckDto {
  const started = performance.now();
  // One read transaction: every rule sees the same snapshot (a job committing meanwhile cannot make two rules
  // disagree), and the shared figures are built from that snapshot too.
  const own = !db.inTransaction;
  if (own) db.exec('BEGIN');
  try {
    return runChecks(db, maxViolations, options, started);
  } finally {
    finishLedgerCheck(db);
    if (own && db.inTransaction) db.exec('COMMIT');
  }
}

function runChecks(
  db: Database.Database,
  maxViolations: number,
  options: LedgerCheckOptions,
  started: number,
): LedgerCheckDto {
  const setup = performance.now();
  prepareLedgerCheck(db);
  options.onRule?.('(shared figures)', performance.now() - setup);
  const violations: LedgerViolationDto[] = [];
  const report = (v: LedgerViolationDto): void => {
    violations.push(v);
    options.onViolation?.(v);
  };
  for (const check of CHECKS) {
    if (violations.length >= maxViolations) break;
    const t = performance.now();
    // Integers come back as BigInt: a figure past 2^53 is reported exactly, never rounded into a
    // message that contradicts the rule it breaks.
    const rows = db
      .prepare(`${check.sql} LIMIT ?`)
      .safeIntegers(true)
      .iterate(maxViolations - violations.length) as IterableIterator<Record<string, unknown>>;
    for (const row of rows) {
      report({ rule: check.rule, entity: check.entity, id: String(row.id), message: check.describe(row) });
    }
    options.onRule?.(check.rule, performance.now() - t);
  }
  if (violations.length < maxViolations) {
    const t = performance.now();
    const present = new Set(
      (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    for (const name of APPEND_ONLY_TRIGGERS) {
      if (!present.has(name) && violations.length < maxViolations) {
        report({
          rule: 'append-only-guard',
          entity: 'schema',
          id: name,
          message: `append-only trigger ${name} is missing`,
        });
      }
    }
    options.onRule?.('append-only-guard', performance.now() - t);
  }
  const count = (table: string): number =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    ok: violations.length === 0,
    violations,
    counts: {
      accounts: count('accounts'),
      items: count('bill_items'),
      payments: count('payments'),
      allocations: count('allocations'),
      journals: count('journals'),
    },
    elapsedMs: Math.round(performance.now() - started),
  };
}
