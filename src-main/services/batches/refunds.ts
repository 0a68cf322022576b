import type Database from 'better-sqlite3';
import type { EntryVerdict } from '../../domain/batch-rules';
import { validateRefundEntries, type RefundAccountFacts } from '../../domain/refund-rules';
import { crashPoint } from '../../ledger/crash-point';
import { writeAllocations } from '../../ledger/bulk-allocation';
import { REASON_DOMAIN, findReasonCode } from '../../ledger/codes';
import { conflict } from '../../ledger/errors';
import { postJournal, type JournalLine } from '../../ledger/journal';
import { exponentOf, rateFor } from '../../ledger/rates';
import { getSetting } from '../../ledger/settings';

/** Item type of refund items: open ones (negative) are credit set aside to pay back; refunds write paid ones. */
export const REFUND_ITEM_TYPE = 'refund';

/** What refund validation reads of a stored entry. */
export type RefundEntryRow = {
  id: number;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number | null;
  status: string;
  problem: string | null;
  problemColumn: string | null;
  customJson: string | null;
};

/** Unallocated payment credit per payment, as `ledger check` counts it (not reversed, not failed). */
const CREDIT_PAYMENTS = `
  SELECT p.id, p.rate_ppm AS ratePpm,
         p.account_amount_minor - coalesce((SELECT sum(al.amount_minor) FROM allocations al WHERE al.payment_id = p.id), 0) AS unallocatedMinor
  FROM payments p
  WHERE p.account_id = ? AND p.kind <> 'failed' AND NOT EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id)`;

/** What a refund can pay back on an account now: open refund items plus unallocated payment credit. */
export function accountRefundableMinor(db: Database.Database, accountId: number): number {
  const items = stmt(
    db,
    `SELECT coalesce(-sum(open_minor), 0) AS m FROM bill_items
     WHERE account_id = ? AND status = 'open' AND type = ? AND open_minor < 0`,
  ).get(accountId, REFUND_ITEM_TYPE) as { m: number };
  const credit = stmt(
    db,
    `SELECT coalesce(sum(max(unallocatedMinor, 0)), 0) AS c FROM (${CREDIT_PAYMENTS})`,
  ).get(accountId) as { c: number };
  return items.m + credit.c;
}

/** Loads the refund facts of every account the entries name (by number or through a bill). */
function refundFacts(
  db: Database.Database,
  entries: readonly RefundEntryRow[],
): { byNo: Map<string, RefundAccountFacts>; byBill: Map<string, RefundAccountFacts> } {
  const keys = [...new Set(entries.map((e) => e.accountNo?.toUpperCase()).filter((v): v is string => !!v))];
  const billNos = [...new Set(entries.map((e) => e.billNo).filter((v): v is string => !!v))];
  const rows = db
    .prepare(
      `SELECT a.id, a.account_no AS accountNo, a.account_key AS accountKey, a.currency,
              coalesce((SELECT -sum(i.open_minor) FROM bill_items i
                        WHERE i.account_id = a.id AND i.status = 'open' AND i.type = ? AND i.open_minor < 0), 0) AS refundItemsMinor,
              EXISTS (SELECT 1 FROM bill_units u WHERE u.account_id = a.id) AS hasBillUnit
       FROM accounts a WHERE a.is_suspense = 0 AND (a.account_key IN (SELECT value FROM json_each(?))
         OR a.id IN (SELECT account_id FROM bills WHERE bill_no IN (SELECT value FROM json_each(?))))`,
    )
    .all(REFUND_ITEM_TYPE, JSON.stringify(keys), JSON.stringify(billNos)) as {
    id: number;
    accountNo: string;
    accountKey: string;
    currency: string;
    refundItemsMinor: number;
    hasBillUnit: number;
  }[];
  const credit = db.prepare(
    `SELECT coalesce(sum(max(unallocatedMinor, 0)), 0) AS c FROM (${CREDIT_PAYMENTS})`,
  );
  const byId = new Map<number, RefundAccountFacts>();
  const byNo = new Map<string, RefundAccountFacts>();
  for (const r of rows) {
    const facts: RefundAccountFacts = {
      id: r.id,
      accountNo: r.accountNo,
      currency: r.currency,
      exponent: exponentOf(db, r.currency),
      refundItemsMinor: r.refundItemsMinor,
      creditMinor: (credit.get(r.id) as { c: number }).c,
      hasBillUnit: r.hasBillUnit === 1,
    };
    byId.set(r.id, facts);
    byNo.set(r.accountKey, facts);
  }
  const byBill = new Map<string, RefundAccountFacts>();
  if (billNos.length) {
    const bills = db
      .prepare(
        `SELECT bill_no AS billNo, account_id AS accountId FROM bills WHERE bill_no IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(billNos)) as { billNo: string; accountId: number }[];
    for (const b of bills) {
      const a = byId.get(b.accountId);
      if (a) byBill.set(b.billNo.toUpperCase(), a);
    }
  }
  return { byNo, byBill };
}

/** Verdicts for the entries of a refund batch against the ledger as it is now (no writes). */
export function validateRefunds(
  db: Database.Database,
  entries: readonly RefundEntryRow[],
  batch: { currency: string; batchDate: string },
): EntryVerdict[] {
  const { byNo, byBill } = refundFacts(db, entries);
  return validateRefundEntries(
    entries.map((e) => ({
      id: e.id,
      accountNo: e.accountNo,
      billNo: e.billNo,
      amountMinor: e.amountMinor,
      rowProblem:
        e.status === 'invalid' && e.problemColumn && ['amount', 'paymentDate'].includes(e.problemColumn)
          ? { column: e.problemColumn, reason: e.problem ?? 'invalid' }
          : null,
      reasonText: e.customJson
        ? ((JSON.parse(e.customJson) as Record<string, string>).reasonCode ?? null)
        : null,
    })),
    {
      accountByNo: (no) => byNo.get(no.toUpperCase()),
      accountByBillNo: (no) => byBill.get(no.toUpperCase()),
      convert: rateFor(db, batch.currency, batch.batchDate),
      isRefundReason: (code) => findReasonCode(db, REASON_DOMAIN.refund, code)?.active === true,
    },
    {
      allowAccountDup: getSetting(db, 'ALLOWACCOUNTDUP') === true,
      defaultReason: Number(getSetting(db, 'refund.defaultReason')),
    },
  );
}

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** A statement prepared once per connection: a refund batch posts thousands of refunds with the same SQL. */
function stmt(db: Database.Database, sql: string): Database.Statement {
  let m = statementCache.get(db);
  if (!m) statementCache.set(db, (m = new Map<string, Database.Statement>()));
  let st = m.get(sql);
  if (!st) m.set(sql, (st = db.prepare(sql)));
  return st;
}

/** One validated refund entry to post. */
export type RefundToPost = {
  sourceKey: string;
  accountId: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  effectiveDate: string;
  payType: number;
  channelId: number;
  reasonCode: number;
  billNo: string | null;
  externalRef: string | null;
  payeeName: string | null;
  batchId: number | null;
};

/**
 * Posts one refund inside the caller's transaction: the money goes out (AR debit in the account currency, CASH
 * credit in the refund currency, FX lines when they differ); open refund items close first (the quoted bill's,
 * then oldest), and the rest comes from unallocated payment credit, oldest payment first, allocated to a paid
 * refund item on a bill of its own so the payments show where their credit went. Idempotent by source key:
 * returns null when the refund was posted before.
 */
export function postRefund(
  db: Database.Database,
  r: RefundToPost,
  at: string,
  operatorId: number | null,
  auditId: number,
): { refundId: number; itemsClosedMinor: number; creditUsedMinor: number } | null {
  if (stmt(db, 'SELECT 1 FROM refunds WHERE source_key = ?').get(r.sourceKey)) return null;
  const account = stmt(
    db,
    'SELECT id, account_no AS accountNo, currency FROM accounts WHERE id = ? AND is_suspense = 0',
  ).get(r.accountId) as { id: number; accountNo: string; currency: string } | undefined;
  if (!account) throw conflict('refund-account', `account ${r.accountId} cannot take refunds`);
  const refundItems = stmt(
    db,
    `SELECT i.id, i.bill_id AS billId, -i.open_minor AS openMinor FROM bill_items i JOIN bills b ON b.id = i.bill_id
       WHERE i.account_id = ? AND i.status = 'open' AND i.type = ? AND i.open_minor < 0
       ORDER BY (b.bill_no = ?) DESC, b.bill_date, b.due_date, i.id`,
  ).all(account.id, REFUND_ITEM_TYPE, r.billNo ?? '') as { id: number; billId: number; openMinor: number }[];
  let left = r.accountAmountMinor;
  const closed: { id: number; billId: number; amountMinor: number }[] = [];
  for (const it of refundItems) {
    if (left === 0) break;
    const take = Math.min(left, it.openMinor);
    closed.push({ id: it.id, billId: it.billId, amountMinor: take });
    left -= take;
  }
  const itemsClosedMinor = r.accountAmountMinor - left;
  const creditUsedMinor = left;
  const payments =
    creditUsedMinor > 0
      ? (stmt(db, `SELECT * FROM (${CREDIT_PAYMENTS}) WHERE unallocatedMinor > 0 ORDER BY id`).all(
          account.id,
        ) as { id: number; ratePpm: number; unallocatedMinor: number }[])
      : [];
  const available = payments.reduce((s, p) => s + p.unallocatedMinor, 0);
  if (creditUsedMinor > available)
    throw conflict(
      'refund-exceeds-credit',
      `account ${account.accountNo} no longer holds enough refund items and credit for this refund; validate again`,
    );

  const lines: JournalLine[] = [
    { gl: 'AR', accountId: account.id, amountMinor: r.accountAmountMinor, currency: account.currency },
    { gl: 'CASH', accountId: null, amountMinor: -r.amountMinor, currency: r.currency },
  ];
  if (r.currency !== account.currency) {
    lines.push({ gl: 'FX', accountId: null, amountMinor: r.amountMinor, currency: r.currency });
    lines.push({ gl: 'FX', accountId: null, amountMinor: -r.accountAmountMinor, currency: account.currency });
  }
  const journalId = postJournal(db, {
    kind: 'refund',
    at,
    effectiveDate: r.effectiveDate,
    idemKey: `refund:${r.sourceKey}`,
    auditId,
    reasonCode: r.reasonCode,
    lines,
  });
  crashPoint();

  const closeItem = stmt(
    db,
    `UPDATE bill_items SET open_minor = open_minor + @amount, status = CASE WHEN open_minor + @amount = 0 THEN 'closed' ELSE 'open' END WHERE id = @id`,
  );
  const billDue = stmt(
    db,
    `UPDATE bills SET amount_due_minor = amount_due_minor + @amount, status = CASE WHEN amount_due_minor + @amount = 0 THEN 'closed' ELSE 'open' END WHERE id = @id`,
  );
  for (const c of closed) {
    closeItem.run({ id: c.id, amount: c.amountMinor });
    billDue.run({ id: c.billId, amount: c.amountMinor });
  }

  let refundBillId: number | null = null;
  if (creditUsedMinor > 0) {
    const unit = stmt(
      db,
      `SELECT id FROM bill_units WHERE account_id = ? ORDER BY paying DESC, is_default DESC, id LIMIT 1`,
    ).get(account.id) as { id: number } | undefined;
    if (!unit)
      throw conflict('refund-bill-unit', `account ${account.accountNo} has no bill unit to carry the refund`);
    const glId =
      (
        stmt(db, 'SELECT gl_id AS glId FROM reason_codes WHERE domain_id = ? AND id = ?').get(
          REASON_DOMAIN.refund,
          r.reasonCode,
        ) as { glId: number | null } | undefined
      )?.glId ?? 0;
    refundBillId = Number(
      stmt(
        db,
        `INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
      ).run(
        `RF-${r.sourceKey}`,
        unit.id,
        account.id,
        r.effectiveDate,
        r.effectiveDate,
        account.currency,
        creditUsedMinor,
        creditUsedMinor,
      ).lastInsertRowid,
    );
    const itemId = Number(
      stmt(
        db,
        `INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'open')`,
      ).run(
        `RF-${r.sourceKey}`,
        refundBillId,
        account.id,
        REFUND_ITEM_TYPE,
        creditUsedMinor,
        creditUsedMinor,
        glId,
      ).lastInsertRowid,
    );
    let need = creditUsedMinor;
    const decided = [];
    for (const p of payments) {
      if (need === 0) break;
      const take = Math.min(need, p.unallocatedMinor);
      decided.push({
        paymentId: p.id,
        accountId: account.id,
        ratePpm: p.ratePpm,
        lines: [{ itemId, billId: refundBillId, amountMinor: take }],
      });
      need -= take;
    }
    writeAllocations(db, decided, at, operatorId);
  }

  const refundId = Number(
    stmt(
      db,
      `INSERT INTO refunds (source_key, batch_id, account_id, pay_type, channel_id, reason_code, amount_minor, currency,
           account_amount_minor, rate_ppm, effective_date, external_ref, payee_name, items_closed_minor, credit_used_minor,
           refund_bill_id, journal_id, created_at, operator_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      r.sourceKey,
      r.batchId,
      account.id,
      r.payType,
      r.channelId,
      r.reasonCode,
      r.amountMinor,
      r.currency,
      r.accountAmountMinor,
      r.ratePpm,
      r.effectiveDate,
      r.externalRef,
      r.payeeName,
      itemsClosedMinor,
      creditUsedMinor,
      refundBillId,
      journalId,
      at,
      operatorId,
    ).lastInsertRowid,
  );
  const line = stmt(db, 'INSERT INTO refund_item_lines (refund_id, item_id, amount_minor) VALUES (?, ?, ?)');
  for (const c of closed) line.run(refundId, c.id, c.amountMinor);
  crashPoint();
  return { refundId, itemsClosedMinor, creditUsedMinor };
}
