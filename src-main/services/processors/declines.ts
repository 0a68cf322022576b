import type Database from 'better-sqlite3';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { addDays } from '../../domain/dates';
import { writeAudit } from '../../ledger/audit';
import { postJournal } from '../../ledger/journal';
import { getSetting } from '../../ledger/settings';

/** How a result code is treated by collection (DOMAIN.md §3.2, §4.25, V14). */
export type DeclineRule = {
  klass: 'approved' | 'soft' | 'hard' | 'communication' | 'error';
  /** Financial failures may carry a failed-payment fee; communication and format errors never do (V14). */
  financial: boolean;
  /** Codes that must never be sent again for the same card (lost/stolen, bad card). */
  neverRetry: boolean;
  maxRetries: number;
  suspendDays: number;
  fallbackPayType: number;
  /** The admin's rejection code that decided this, when one is configured. */
  rejectionCode: string | null;
};

/** Result codes that are never retried for the same card. */
export const NEVER_RETRY_RESULTS = [5, 8] as const;

const SOFT = new Set([7]);
const HARD = new Set([2, 3, 4, 5, 8, 12, 13]);
const COMMUNICATION = new Set([1, 6, 17]);

type RejectionRow = {
  code: string;
  declineClass: 'soft' | 'hard';
  maxRetries: number;
  suspensionDays: number;
  fallbackPayType: number;
};

/**
 * The rule for one processor result. The admin's recurring-payment rejection codes (rejection_codes, keyed
 * by the processor result as text) override the class, retries, suspension days and fallback pay type;
 * without a row the ledger settings decide. This is the one place to point at the admin service later.
 */
export function declineRule(db: Database.Database, result: number): DeclineRule {
  const defaults = {
    maxRetries: Number(getSetting(db, 'collect.softRetries')),
    suspendDays: Number(getSetting(db, 'collect.suspendDays')),
    fallbackPayType: Number(getSetting(db, 'collect.fallbackPayType')),
  };
  const neverRetry = (NEVER_RETRY_RESULTS as readonly number[]).includes(result);
  if (result === 0)
    return { klass: 'approved', financial: false, neverRetry: false, ...defaults, rejectionCode: null };
  let row: RejectionRow | undefined;
  try {
    row = db
      .prepare(
        `SELECT code, decline_class AS declineClass, max_retries AS maxRetries, suspension_days AS suspensionDays,
                fallback_pay_type AS fallbackPayType FROM rejection_codes WHERE code = ?`,
      )
      .get(String(result)) as RejectionRow | undefined;
  } catch {
    row = undefined;
  }
  if (row && !COMMUNICATION.has(result)) {
    return {
      klass: neverRetry ? 'hard' : row.declineClass,
      financial: true,
      neverRetry,
      maxRetries: row.maxRetries,
      suspendDays: row.suspensionDays,
      fallbackPayType: row.fallbackPayType,
      rejectionCode: row.code,
    };
  }
  if (SOFT.has(result))
    return { klass: 'soft', financial: true, neverRetry, ...defaults, rejectionCode: null };
  if (HARD.has(result))
    return { klass: 'hard', financial: true, neverRetry, ...defaults, rejectionCode: null };
  if (COMMUNICATION.has(result))
    return { klass: 'communication', financial: false, neverRetry: false, ...defaults, rejectionCode: null };
  return { klass: 'error', financial: false, neverRetry: false, ...defaults, rejectionCode: null };
}

/** What applying a decline did to the account. */
export type DeclineOutcome = { suspendedUntil: string | null; fellBack: boolean; feeBillId: number | null };

type DeclinedTxn = {
  id: number;
  runId: number | null;
  accountId: number;
  amountMinor: number;
  currency: string;
  result: number;
  command: string;
};

/**
 * Applies a collection decline inside the caller's transaction: a soft decline uses one retry and suspends
 * the account from automatic collection; the last retry or a hard decline moves the account's card and
 * direct-debit bill units to the manual fallback pay type. Each raises a workflow item; financial failures
 * add the failed-payment fee when one is configured (V14).
 */
export function applyDecline(
  db: Database.Database,
  txn: DeclinedTxn,
  at: string,
  today: string,
  operatorId: number | null,
): DeclineOutcome {
  const rule = declineRule(db, txn.result);
  const out: DeclineOutcome = { suspendedUntil: null, fellBack: false, feeBillId: null };
  const state = db
    .prepare('SELECT retries_used AS retriesUsed FROM collection_states WHERE account_id = ?')
    .get(txn.accountId) as { retriesUsed: number } | undefined;
  const retriesUsed = state?.retriesUsed ?? 0;
  const feeMinor = Number(getSetting(db, 'collect.failedPaymentFeeMinor'));
  // Several bills of one account declined in the same run count as one retry and one fallback; each
  // failed payment still carries its own fee.
  const earlierInRun =
    txn.runId !== null &&
    db
      .prepare(
        `SELECT 1 FROM processor_txns WHERE run_id = ? AND account_id = ? AND id <> ? AND result BETWEEN 2 AND 998 AND result <> 6 AND result <> 17`,
      )
      .get(txn.runId, txn.accountId, txn.id) !== undefined;
  if (earlierInRun && rule.klass !== 'communication' && rule.klass !== 'error') {
    if (rule.financial && feeMinor > 0)
      out.feeBillId = postFailedPaymentFee(db, txn, feeMinor, at, today, operatorId);
    return out;
  }
  const workflow = db.prepare(
    `INSERT INTO workflow_items (account_id, kind, txn_id, message, status, created_at) VALUES (?, ?, ?, ?, 'open', ?)`,
  );
  const upsertState = db.prepare(
    `INSERT INTO collection_states (account_id, retries_used, suspended_until, last_result, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET retries_used = excluded.retries_used, suspended_until = excluded.suspended_until,
       last_result = excluded.last_result, updated_at = excluded.updated_at`,
  );
  if (rule.klass === 'communication' || rule.klass === 'error') {
    upsertState.run(txn.accountId, retriesUsed, null, txn.result, at);
    if (rule.klass === 'error')
      workflow.run(
        txn.accountId,
        'processor-error',
        txn.id,
        `processor refused the request (result ${txn.result})`,
        at,
      );
    return out;
  }
  const exhausted = rule.klass === 'soft' && retriesUsed + 1 > rule.maxRetries;
  if (rule.klass === 'soft' && !exhausted) {
    out.suspendedUntil = addDays(today, rule.suspendDays);
    upsertState.run(txn.accountId, retriesUsed + 1, out.suspendedUntil, txn.result, at);
    workflow.run(
      txn.accountId,
      'soft-decline',
      txn.id,
      `soft decline; retry ${retriesUsed + 1} of ${rule.maxRetries} after ${out.suspendedUntil}`,
      at,
    );
  } else {
    const units = db
      .prepare(
        `SELECT id, pay_type AS payType FROM bill_units WHERE account_id = ? AND pay_type IN (${PAY_TYPE.creditCard}, ${PAY_TYPE.directDebit})`,
      )
      .all(txn.accountId) as { id: number; payType: number }[];
    const account = db
      .prepare('SELECT default_pay_type AS p FROM accounts WHERE id = ?')
      .get(txn.accountId) as {
      p: number;
    };
    db.prepare(
      `UPDATE bill_units SET pay_type = ? WHERE account_id = ? AND pay_type IN (${PAY_TYPE.creditCard}, ${PAY_TYPE.directDebit})`,
    ).run(rule.fallbackPayType, txn.accountId);
    if (account.p === PAY_TYPE.creditCard || account.p === PAY_TYPE.directDebit)
      db.prepare('UPDATE accounts SET default_pay_type = ? WHERE id = ?').run(
        rule.fallbackPayType,
        txn.accountId,
      );
    upsertState.run(txn.accountId, 0, null, txn.result, at);
    out.fellBack = true;
    writeAudit(db, {
      at,
      operatorId,
      action: 'collect.fallback',
      entity: 'account',
      entityId: String(txn.accountId),
      before: { defaultPayType: account.p, billUnits: units },
      after: { payType: rule.fallbackPayType, result: txn.result, txnId: txn.id, exhausted },
    });
    workflow.run(
      txn.accountId,
      exhausted ? 'retries-exhausted' : 'hard-decline',
      txn.id,
      exhausted
        ? `soft declines exhausted ${rule.maxRetries} retries; account moved to manual pay type ${rule.fallbackPayType}`
        : `hard decline (result ${txn.result}); account moved to manual pay type ${rule.fallbackPayType}`,
      at,
    );
  }
  if (rule.financial && feeMinor > 0)
    out.feeBillId = postFailedPaymentFee(db, txn, feeMinor, at, today, operatorId);
  return out;
}

/** Bills the failed-payment fee as a one-item bill on the account's default bill unit (DOMAIN.md §4.18). */
function postFailedPaymentFee(
  db: Database.Database,
  txn: DeclinedTxn,
  feeMinor: number,
  at: string,
  today: string,
  operatorId: number | null,
): number | null {
  const unit = db
    .prepare(
      `SELECT u.id, a.currency FROM bill_units u JOIN accounts a ON a.id = u.account_id
       WHERE u.account_id = ? AND u.paying = 1 ORDER BY u.is_default DESC, u.id LIMIT 1`,
    )
    .get(txn.accountId) as { id: number; currency: string } | undefined;
  if (!unit) return null;
  const billNo = `FEE-${txn.id}`;
  const auditId = writeAudit(db, {
    at,
    operatorId,
    action: 'collect.failed-payment-fee',
    entity: 'bill',
    entityId: billNo,
    after: { txnId: txn.id, feeMinor, currency: unit.currency, result: txn.result },
  });
  const billId = Number(
    db
      .prepare(
        `INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
      )
      .run(billNo, unit.id, txn.accountId, today, today, unit.currency, feeMinor, feeMinor).lastInsertRowid,
  );
  db.prepare(
    `INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status) VALUES (?, ?, ?, 'failed_payment_fee', ?, ?, 0, 'open')`,
  ).run(`${billNo}-1`, billId, txn.accountId, feeMinor, feeMinor);
  postJournal(db, {
    kind: 'failed_payment_fee',
    at,
    effectiveDate: today,
    idemKey: `fee:${txn.id}`,
    auditId,
    lines: [
      { gl: 'AR', accountId: txn.accountId, amountMinor: feeMinor, currency: unit.currency },
      { gl: 'FEES', accountId: null, amountMinor: -feeMinor, currency: unit.currency },
    ],
  });
  db.prepare('UPDATE processor_txns SET fee_bill_id = ? WHERE id = ?').run(billId, txn.id);
  return billId;
}
