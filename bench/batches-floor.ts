/**
 * The set-based SQL floor of a batch submit, for bench/batches.ts: the bare statements that post a validated
 * payment batch's entries on the real schema (a copy of the validated ledger): stage the entries, resolve
 * accounts and bills with joins, INSERT ... SELECT the payments (to the account or to suspense), FIFO
 * allocation lines over the accounts' open items with window functions, UPDATE ... FROM grouped totals for
 * item and bill open amounts and account balances, and the journal lines. It is a yardstick, not a product
 * path: it ignores bill-number hints (pure oldest-due FIFO), FX, manual allocations, duplicates and entry
 * statuses, so its allocation rows are close to, not equal to, what submit writes.
 */
import type Database from 'better-sqlite3';
import { SUSPENSE_REASON } from '../src-main/domain/batch-rules';

type BatchRow = { currency: string; batchDate: string; payType: number; channelId: number };

/**
 * Posts the batch set-based in one transaction, timed from the first statement to the commit. Returns the
 * time and the rows written (payments, suspended payments, allocation lines, items and bills touched).
 */
export function setBasedFloor(
  db: Database.Database,
  batchId: number,
): { ms: number; facts: Record<string, number> } {
  // The pragmas of every Paydesk connection (db/client.ts); submit itself runs with foreign keys off.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  const batch = db
    .prepare(
      `SELECT currency, batch_date AS batchDate, pay_type AS payType, channel_id AS channelId FROM batches WHERE id = ?`,
    )
    .get(batchId) as BatchRow | undefined;
  if (!batch) throw new Error(`floor: batch ${batchId} not found`);
  const suspenseId = (
    db.prepare('SELECT id FROM accounts WHERE is_suspense = 1 ORDER BY id LIMIT 1').get() as
      { id: number } | undefined
  )?.id;
  if (suspenseId === undefined) throw new Error('floor: no suspense account');
  const at = new Date().toISOString();
  const facts: Record<string, number> = {};

  const started = performance.now();
  let last = started;
  // Each step's share of the time, so a slow floor shows which statement to look at.
  const lap = (name: string): void => {
    const now = performance.now();
    facts[name] = now - last;
    last = now;
  };
  db.transaction(() => {
    const auditId = Number(
      db
        .prepare(
          `INSERT INTO audit_log (at, operator_id, action, entity, entity_id) VALUES (?, NULL, 'bench.floor', 'batch', ?)`,
        )
        .run(at, String(batchId)).lastInsertRowid,
    );
    const journal = db.prepare(
      `INSERT INTO journals (kind, at, effective_date, idem_key, audit_id) VALUES (?, ?, ?, ?, ?)`,
    );
    const payJournal = Number(
      journal.run('payment', at, batch.batchDate, `floor:${batchId}:payments`, auditId).lastInsertRowid,
    );
    const suspenseJournal = Number(
      journal.run('suspense_in', at, batch.batchDate, `floor:${batchId}:suspense`, auditId).lastInsertRowid,
    );

    // Stage and resolve: the account named, else the bill's; unknown, closed or mismatched go to suspense.
    db.exec('DROP TABLE IF EXISTS temp.fl_entries');
    db.prepare(
      `CREATE TEMP TABLE fl_entries AS
       SELECT e.seq, e.entry_key, e.account_no, e.bill_no, e.amount_minor,
              coalesce(e.payment_date, @batchDate) AS effective_date,
              coalesce(e.reference, 'check ' || e.check_no) AS external_ref, e.payer_name,
              coalesce(a.id, CASE WHEN e.account_no IS NULL THEN b.account_id END) AS account_id,
              CASE
                WHEN e.account_no IS NOT NULL AND a.id IS NULL THEN ${SUSPENSE_REASON.accountNotFound}
                WHEN e.account_no IS NULL AND b.id IS NULL THEN ${SUSPENSE_REASON.billNotFound}
                WHEN a.id IS NOT NULL AND b.id IS NOT NULL AND a.id <> b.account_id THEN ${SUSPENSE_REASON.accountBillMismatch}
                WHEN coalesce(a.status, ab.status) = 'closed' THEN ${SUSPENSE_REASON.accountClosed}
              END AS suspense_reason
       FROM batch_entries e
       LEFT JOIN accounts a ON a.account_key = upper(e.account_no) AND a.is_suspense = 0
       LEFT JOIN bills b ON b.bill_no = e.bill_no
       LEFT JOIN accounts ab ON ab.id = b.account_id
       WHERE e.batch_id = @batchId AND e.amount_minor > 0 AND e.status NOT IN ('posted', 'posted_suspense')`,
    ).run({ batchId, batchDate: batch.batchDate });
    lap('stageMs');

    // Payments in entry order (the payment ids follow the file), then the suspended ones.
    facts.payments = db
      .prepare(
        `INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
           account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key, journal_id, created_at)
         SELECT 'original', account_id, @payType, @channelId, 0, 0, amount_minor, @currency, amount_minor, 1000000, effective_date,
                external_ref, bill_no, payer_name, @batchId, entry_key, @journal, @at
         FROM fl_entries WHERE suspense_reason IS NULL ORDER BY seq`,
      )
      .run({ ...batch, batchId, journal: payJournal, at }).changes;
    facts.suspended = db
      .prepare(
        `INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
           account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, source_key, journal_id, created_at)
         SELECT 'suspended', @suspenseId, @payType, @channelId, 15, suspense_reason, amount_minor, @currency, amount_minor, 1000000,
                effective_date, external_ref, bill_no, account_no, payer_name, @batchId, entry_key, @journal, @at
         FROM fl_entries WHERE suspense_reason IS NOT NULL ORDER BY seq`,
      )
      .run({ ...batch, suspenseId, batchId, journal: suspenseJournal, at }).changes;
    lap('paymentsMs');

    // FIFO: each payment covers [lo, hi) of its account's running total, each open item [lo, hi) of the
    // account's open amount in oldest-due order; an allocation line is the overlap of the two.
    db.exec('DROP TABLE IF EXISTS temp.fl_pay; DROP TABLE IF EXISTS temp.fl_items');
    db.prepare(
      `CREATE TEMP TABLE fl_pay AS
       SELECT id, account_id, sum(account_amount_minor) OVER w - account_amount_minor AS lo, sum(account_amount_minor) OVER w AS hi
       FROM payments WHERE journal_id = ? WINDOW w AS (PARTITION BY account_id ORDER BY id)`,
    ).run(payJournal);
    db.exec(
      `CREATE TEMP TABLE fl_items AS
       SELECT i.id, i.bill_id, i.account_id, sum(i.open_minor) OVER w - i.open_minor AS lo, sum(i.open_minor) OVER w AS hi
       FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN bill_units u ON u.id = b.bill_unit_id
       WHERE i.account_id IN (SELECT DISTINCT account_id FROM fl_pay) AND i.status = 'open' AND i.open_minor > 0 AND u.paying = 1
       WINDOW w AS (PARTITION BY i.account_id ORDER BY b.due_date, b.bill_date, b.bill_no, i.id);
       CREATE INDEX temp.fl_items_account ON fl_items (account_id, lo)`,
    );
    const firstAllocation = (
      db.prepare('SELECT coalesce(max(id), 0) + 1 AS n FROM allocations').get() as { n: number }
    ).n;
    facts.allocations = db
      .prepare(
        `INSERT INTO allocations (payment_id, account_id, bill_id, item_id, amount_minor, rate_ppm, created_at)
         SELECT p.id, p.account_id, i.bill_id, i.id, min(p.hi, i.hi) - max(p.lo, i.lo), 1000000, ?
         FROM fl_pay p JOIN fl_items i ON i.account_id = p.account_id AND i.lo < p.hi AND p.lo < i.hi
         ORDER BY p.id, i.lo`,
      )
      .run(at).changes;
    lap('allocationsMs');

    // Items, bills and balances: one grouped UPDATE ... FROM each.
    facts.items = db
      .prepare(
        `UPDATE bill_items SET open_minor = open_minor - t.s, status = CASE WHEN open_minor - t.s = 0 THEN 'closed' ELSE 'open' END
         FROM (SELECT item_id, sum(amount_minor) AS s FROM allocations WHERE id >= ? GROUP BY item_id) AS t
         WHERE bill_items.id = t.item_id`,
      )
      .run(firstAllocation).changes;
    facts.bills = db
      .prepare(
        `UPDATE bills SET amount_due_minor = amount_due_minor - t.s, status = CASE WHEN amount_due_minor - t.s = 0 THEN 'closed' ELSE 'open' END
         FROM (SELECT bill_id, sum(amount_minor) AS s FROM allocations WHERE id >= ? GROUP BY bill_id) AS t
         WHERE bills.id = t.bill_id`,
      )
      .run(firstAllocation).changes;
    const overpaid = (
      db
        .prepare(
          `SELECT count(*) AS n FROM bill_items WHERE open_minor < 0 AND id IN (SELECT item_id FROM allocations WHERE id >= ?)`,
        )
        .get(firstAllocation) as { n: number }
    ).n;
    if (overpaid > 0) throw new Error(`floor: ${overpaid} items would be over-paid`);
    db.prepare(
      `UPDATE accounts SET balance_minor = balance_minor - t.s
       FROM (SELECT account_id, sum(account_amount_minor) AS s FROM payments WHERE journal_id = ? GROUP BY account_id) AS t
       WHERE accounts.id = t.account_id`,
    ).run(payJournal);
    lap('updatesMs');

    // Journal lines: AR credit per account and CASH debit per currency; CASH / SUSPENSE for the suspended.
    db.prepare(
      `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
       SELECT @journal, 'AR', p.account_id, -sum(p.account_amount_minor), a.currency
       FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.journal_id = @journal GROUP BY p.account_id
       UNION ALL
       SELECT @journal, 'CASH', NULL, sum(amount_minor), currency FROM payments WHERE journal_id = @journal GROUP BY currency`,
    ).run({ journal: payJournal });
    db.prepare(
      `INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
       SELECT @journal, 'CASH', NULL, sum(amount_minor), currency FROM payments WHERE journal_id = @journal GROUP BY currency
       UNION ALL
       SELECT @journal, 'SUSPENSE', NULL, -sum(amount_minor), currency FROM payments WHERE journal_id = @journal GROUP BY currency`,
    ).run({ journal: suspenseJournal });
    lap('journalMs');
    db.exec('DROP TABLE temp.fl_entries; DROP TABLE temp.fl_pay; DROP TABLE temp.fl_items');
  })();
  lap('commitMs');
  return { ms: performance.now() - started, facts };
}
