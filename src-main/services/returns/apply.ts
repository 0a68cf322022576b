import type Database from 'better-sqlite3';
import { applyFailure, rejectionRule, type DeclineOutcome } from '../processors/declines';

type PendingReturn = {
  id: number;
  paymentId: number;
  fileItemId: number | null;
  bankCode: string;
  seq: number;
  accountId: number;
};

/**
 * Applies the bank returns of a return batch whose reversals were just posted, inside the submit's transaction
 * (so a crash posts all or nothing): the outgoing debit becomes `returned` with the code, time and batch; the
 * bank code goes through the admin's rejection codes with the same mechanism as card declines (soft: retry and
 * suspension; hard or exhausted: fallback pay type; workflow items with the configured events; the
 * failed-payment fee); the bank_returns row becomes `applied`. Several returns of one account in one batch
 * count as one retry/fallback (each still carries its fee). `paymentIds` limits it to some entries (submit
 * with lock per account posts entry by entry).
 */
export function applyBankReturns(
  db: Database.Database,
  batchId: number,
  at: string,
  operatorId: number | null,
  paymentIds?: readonly number[],
): { applied: number; outcomes: (DeclineOutcome & { returnId: number })[] } {
  const today = at.slice(0, 10);
  const only = paymentIds ? 'AND br.payment_id IN (SELECT value FROM json_each(@only))' : '';
  const rows = db
    .prepare(
      `SELECT br.id, br.payment_id AS paymentId, br.file_item_id AS fileItemId, br.bank_code AS bankCode, e.seq, p.account_id AS accountId
       FROM bank_returns br
       JOIN batch_entries e ON e.batch_id = @batchId AND e.payment_ref = br.payment_id AND e.status = 'posted'
       JOIN payments p ON p.id = br.payment_id
       WHERE br.status = 'pending' ${only} ORDER BY e.seq`,
    )
    .all({ batchId, ...(paymentIds ? { only: JSON.stringify(paymentIds) } : {}) }) as PendingReturn[];
  const markItem = db.prepare(
    `UPDATE bank_file_items SET status = 'returned', return_code = ?, returned_at = ?, return_batch_id = ? WHERE id = ? AND status = 'sent'`,
  );
  const earlier = db.prepare(
    `SELECT 1 FROM bank_returns br JOIN payments p ON p.id = br.payment_id
     WHERE br.batch_id = ? AND br.status = 'applied' AND p.account_id = ? LIMIT 1`,
  );
  const markApplied = db.prepare(
    `UPDATE bank_returns SET status = 'applied', applied_at = ?, batch_id = ?, entry_seq = ? WHERE id = ?`,
  );
  const outcomes: (DeclineOutcome & { returnId: number })[] = [];
  for (const r of rows) {
    if (r.fileItemId !== null) markItem.run(r.bankCode, at, batchId, r.fileItemId);
    const out = applyFailure(
      db,
      {
        accountId: r.accountId,
        code: r.bankCode,
        rule: rejectionRule(db, r.bankCode),
        txnId: null,
        feeKey: `fee:return:${r.id}`,
        feeBillNo: `FEE-R${r.id}`,
        earlierInGroup: earlier.get(batchId, r.accountId) !== undefined,
        eventKinds: true,
        label: `bank code ${r.bankCode}`,
      },
      at,
      today,
      operatorId,
    );
    markApplied.run(at, batchId, r.seq, r.id);
    outcomes.push({ ...out, returnId: r.id });
  }
  return { applied: rows.length, outcomes };
}
