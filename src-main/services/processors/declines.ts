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
  /** Workflow events the admin configured for a retry, for exhausted retries and for a refund (hard). */
  retryEvent: string | null;
  exhaustedEvent: string | null;
  refundEvent: string | null;
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
  retryEvent: string | null;
  exhaustedEvent: string | null;
  refundEvent: string | null;
};

/** The admin's configured handling of one rejection code (a processor result as text, a bank reason code). */
function rejectionRow(db: Database.Database, code: string): RejectionRow | undefined {
  try {
    return db
      .prepare(
        `SELECT code, decline_class AS declineClass, max_retries AS maxRetries, suspension_days AS suspensionDays,
                fallback_pay_type AS fallbackPayType, retry_event AS retryEvent, exhausted_event AS exhaustedEvent,
                refund_event AS refundEvent FROM rejection_codes WHERE code = ?`,
      )
      .get(code) as RejectionRow | undefined;
  } catch {
    return undefined;
  }
}

/** The ledger's default retries, suspension and fallback, for codes the admin has not configured. */
function defaultHandling(
  db: Database.Database,
): Pick<DeclineRule, 'maxRetries' | 'suspendDays' | 'fallbackPayType'> {
  return {
    maxRetries: Number(getSetting(db, 'collect.softRetries')),
    suspendDays: Number(getSetting(db, 'collect.suspendDays')),
    fallbackPayType: Number(getSetting(db, 'collect.fallbackPayType')),
  };
}

const NO_EVENTS = { retryEvent: null, exhaustedEvent: null, refundEvent: null } as const;

/**
 * The class of one processor result, given the decline class the admin configured for it as a rejection code (if
 * any): the class declineRule gives, without reading the ledger.
 */
export function resultClass(result: number, configured: 'soft' | 'hard' | undefined): DeclineRule['klass'] {
  if (result === 0) return 'approved';
  if (configured !== undefined && !COMMUNICATION.has(result))
    return (NEVER_RETRY_RESULTS as readonly number[]).includes(result) ? 'hard' : configured;
  if (SOFT.has(result)) return 'soft';
  if (HARD.has(result)) return 'hard';
  if (COMMUNICATION.has(result)) return 'communication';
  return 'error';
}

/**
 * The rule for one processor result. The admin's recurring-payment rejection codes (rejection_codes, keyed
 * by the processor result as text) override the class, retries, suspension days and fallback pay type;
 * without a row the ledger settings decide.
 */
export function declineRule(db: Database.Database, result: number): DeclineRule {
  const defaults = defaultHandling(db);
  const neverRetry = (NEVER_RETRY_RESULTS as readonly number[]).includes(result);
  const row = result === 0 ? undefined : rejectionRow(db, String(result));
  const klass = resultClass(result, row?.declineClass);
  if (row && !COMMUNICATION.has(result)) return { ...ruleOfRow(row), klass, neverRetry };
  const financial = klass === 'soft' || klass === 'hard';
  return {
    klass,
    financial,
    neverRetry: financial && neverRetry,
    ...defaults,
    rejectionCode: null,
    ...NO_EVENTS,
  };
}

function ruleOfRow(row: RejectionRow): DeclineRule {
  return {
    klass: row.declineClass,
    financial: true,
    neverRetry: false,
    maxRetries: row.maxRetries,
    suspendDays: row.suspensionDays,
    fallbackPayType: row.fallbackPayType,
    rejectionCode: row.code,
    retryEvent: row.retryEvent,
    exhaustedEvent: row.exhaustedEvent,
    refundEvent: row.refundEvent,
  };
}

/**
 * The rule for a rejection code as a bank reports it (AM04, MS03, R01, ...; DOMAIN.md §4.25): the admin's
 * rejection code of that name decides; a code nobody configured is handled as hard with the ledger's
 * defaults, as an unknown processor result is. Bank returns are always financial failures.
 */
export function rejectionRule(db: Database.Database, code: string): DeclineRule {
  const row = rejectionRow(db, code);
  if (row) return ruleOfRow(row);
  return {
    klass: 'hard',
    financial: true,
    neverRetry: false,
    ...defaultHandling(db),
    rejectionCode: null,
    ...NO_EVENTS,
  };
}

/** What applying a decline did to the account. */
export type DeclineOutcome = {
  klass: DeclineRule['klass'];
  suspendedUntil: string | null;
  fellBack: boolean;
  exhausted: boolean;
  feeBillId: number | null;
  /** The workflow item raised, if any. */
  workflowKind: string | null;
};

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
 * One failed payment of an account, whatever reported it: a processor decline in a collection run or a bank
 * return/reject/bounced check. `code` is the rejection code (a processor result as text, or the bank's code).
 */
export type PaymentFailure = {
  accountId: number;
  code: string;
  rule: DeclineRule;
  /** The processor transaction (card path) whose workflow items and fee it links to; null for bank returns. */
  txnId: number | null;
  /** Idempotency key of the failed-payment fee journal and the fee bill's number. */
  feeKey: string;
  feeBillNo: string;
  /** Another failure of the same account in the same run or return batch was applied before this one. */
  earlierInGroup: boolean;
  /** Workflow items take the admin's configured event names (bank returns) instead of the card kinds. */
  eventKinds: boolean;
  /** What the audit and workflow messages name (e.g. "result 51", "bank code AM04"). */
  label: string;
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
  // Several bills of one account declined in the same run count as one retry and one fallback; each
  // failed payment still carries its own fee.
  const earlierInRun =
    txn.runId !== null &&
    db
      .prepare(
        `SELECT 1 FROM processor_txns WHERE run_id = ? AND account_id = ? AND id <> ? AND result BETWEEN 2 AND 998 AND result <> 6 AND result <> 17`,
      )
      .get(txn.runId, txn.accountId, txn.id) !== undefined;
  const out = applyFailure(
    db,
    {
      accountId: txn.accountId,
      code: String(txn.result),
      rule,
      txnId: txn.id,
      feeKey: `fee:${txn.id}`,
      feeBillNo: `FEE-${txn.id}`,
      earlierInGroup: earlierInRun,
      eventKinds: false,
      label: `result ${txn.result}`,
    },
    at,
    today,
    operatorId,
  );
  if (out.feeBillId !== null)
    db.prepare('UPDATE processor_txns SET fee_bill_id = ? WHERE id = ?').run(out.feeBillId, txn.id);
  return out;
}

/**
 * The one mechanism behind card declines and bank returns (DOMAIN.md §4.25), inside the caller's
 * transaction: soft → one retry used and the account suspended from automatic collection for the rule's
 * days (the reopened bill is picked up by the first run after that); the last retry or a hard code → the
 * account's card and direct-debit bill units (and its default pay type) move to the fallback pay type.
 * Each raises a workflow item; financial failures bill the failed-payment fee when one is configured (V14).
 */
export function applyFailure(
  db: Database.Database,
  f: PaymentFailure,
  at: string,
  today: string,
  operatorId: number | null,
): DeclineOutcome {
  const rule = f.rule;
  const out: DeclineOutcome = {
    klass: rule.klass,
    suspendedUntil: null,
    fellBack: false,
    exhausted: false,
    feeBillId: null,
    workflowKind: null,
  };
  const state = db
    .prepare('SELECT retries_used AS retriesUsed FROM collection_states WHERE account_id = ?')
    .get(f.accountId) as { retriesUsed: number } | undefined;
  const retriesUsed = state?.retriesUsed ?? 0;
  const feeMinor = Number(getSetting(db, 'collect.failedPaymentFeeMinor'));
  // Processor results are numbers (kept as the last result); a bank's code lives on its return row.
  const lastResult = /^\d{1,9}$/.test(f.code) ? Number(f.code) : null;
  if (f.earlierInGroup && rule.klass !== 'communication' && rule.klass !== 'error') {
    if (rule.financial && feeMinor > 0)
      out.feeBillId = postFailedPaymentFee(db, f, feeMinor, at, today, operatorId);
    return out;
  }
  const raise = (kind: string, message: string): void => {
    db.prepare(
      `INSERT INTO workflow_items (account_id, kind, txn_id, message, status, created_at) VALUES (?, ?, ?, ?, 'open', ?)`,
    ).run(f.accountId, kind, f.txnId, message, at);
    out.workflowKind = kind;
  };
  const upsertState = db.prepare(
    `INSERT INTO collection_states (account_id, retries_used, suspended_until, last_result, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (account_id) DO UPDATE SET retries_used = excluded.retries_used, suspended_until = excluded.suspended_until,
       last_result = excluded.last_result, updated_at = excluded.updated_at`,
  );
  if (rule.klass === 'communication' || rule.klass === 'error') {
    upsertState.run(f.accountId, retriesUsed, null, lastResult, at);
    if (rule.klass === 'error') raise('processor-error', `processor refused the request (${f.label})`);
    return out;
  }
  const exhausted = rule.klass === 'soft' && retriesUsed + 1 > rule.maxRetries;
  out.exhausted = exhausted;
  if (rule.klass === 'soft' && !exhausted) {
    out.suspendedUntil = addDays(today, rule.suspendDays);
    upsertState.run(f.accountId, retriesUsed + 1, out.suspendedUntil, lastResult, at);
    raise(
      f.eventKinds ? (rule.retryEvent ?? 'soft-decline') : 'soft-decline',
      `soft decline (${f.label}); retry ${retriesUsed + 1} of ${rule.maxRetries} after ${out.suspendedUntil}`,
    );
  } else {
    const units = db
      .prepare(
        `SELECT id, pay_type AS payType FROM bill_units WHERE account_id = ? AND pay_type IN (${AUTOMATIC})`,
      )
      .all(f.accountId) as { id: number; payType: number }[];
    const account = db
      .prepare('SELECT default_pay_type AS p FROM accounts WHERE id = ?')
      .get(f.accountId) as {
      p: number;
    };
    db.prepare(`UPDATE bill_units SET pay_type = ? WHERE account_id = ? AND pay_type IN (${AUTOMATIC})`).run(
      rule.fallbackPayType,
      f.accountId,
    );
    if (AUTOMATIC_PAY_TYPES.includes(account.p))
      db.prepare('UPDATE accounts SET default_pay_type = ? WHERE id = ?').run(
        rule.fallbackPayType,
        f.accountId,
      );
    upsertState.run(f.accountId, 0, null, lastResult, at);
    out.fellBack = true;
    writeAudit(db, {
      at,
      operatorId,
      action: 'collect.fallback',
      entity: 'account',
      entityId: String(f.accountId),
      before: { defaultPayType: account.p, billUnits: units },
      after: { payType: rule.fallbackPayType, code: f.code, txnId: f.txnId, exhausted },
    });
    const cardKind = exhausted ? 'retries-exhausted' : 'hard-decline';
    const eventKind = exhausted ? rule.exhaustedEvent : rule.refundEvent;
    raise(
      f.eventKinds ? (eventKind ?? cardKind) : cardKind,
      exhausted
        ? `soft declines exhausted ${rule.maxRetries} retries (${f.label}); account moved to manual pay type ${rule.fallbackPayType}`
        : `hard decline (${f.label}); account moved to manual pay type ${rule.fallbackPayType}`,
    );
  }
  if (rule.financial && feeMinor > 0)
    out.feeBillId = postFailedPaymentFee(db, f, feeMinor, at, today, operatorId);
  return out;
}

/** Pay types collected automatically (card, direct debit, SEPA): a fallback moves the account off them. */
const AUTOMATIC_PAY_TYPES: readonly number[] = [PAY_TYPE.creditCard, PAY_TYPE.directDebit, PAY_TYPE.sepa];
const AUTOMATIC = AUTOMATIC_PAY_TYPES.join(', ');

/** Bills the failed-payment fee as a one-item bill on the account's default bill unit (DOMAIN.md §4.18). */
function postFailedPaymentFee(
  db: Database.Database,
  f: PaymentFailure,
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
    .get(f.accountId) as { id: number; currency: string } | undefined;
  if (!unit) return null;
  const billNo = f.feeBillNo;
  const auditId = writeAudit(db, {
    at,
    operatorId,
    action: 'collect.failed-payment-fee',
    entity: 'bill',
    entityId: billNo,
    after: { txnId: f.txnId, feeMinor, currency: unit.currency, code: f.code },
  });
  const billId = Number(
    db
      .prepare(
        `INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
      )
      .run(billNo, unit.id, f.accountId, today, today, unit.currency, feeMinor, feeMinor).lastInsertRowid,
  );
  db.prepare(
    `INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status) VALUES (?, ?, ?, 'failed_payment_fee', ?, ?, 0, 'open')`,
  ).run(`${billNo}-1`, billId, f.accountId, feeMinor, feeMinor);
  postJournal(db, {
    kind: 'failed_payment_fee',
    at,
    effectiveDate: today,
    idemKey: f.feeKey,
    auditId,
    lines: [
      { gl: 'AR', accountId: f.accountId, amountMinor: feeMinor, currency: unit.currency },
      { gl: 'FEES', accountId: null, amountMinor: -feeMinor, currency: unit.currency },
    ],
  });
  return billId;
}
