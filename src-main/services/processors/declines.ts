import type Database from 'better-sqlite3';
import { auditInsertQuery, type AuditEntry } from '../../../db/repos/audit';
import {
  accountPayTypeQuery,
  accountPayTypeUpdateQuery,
  collectionStateQuery,
  collectionStateUpsertQuery,
  earlierDeclineInRunQuery,
  feeBillInsertQuery,
  feeItemInsertQuery,
  feeUnitQuery,
  rejectionCodeQuery,
  txnFeeBillQuery,
  unitsOnPayTypesQuery,
  unitsPayTypeUpdateQuery,
  workflowItemInsertQuery,
  type RejectionRow,
} from '../../../db/repos/declines';
import type { JournalPosting } from '../../../db/repos/journals';
import type { Tx } from '../../../db/storage/port';
import { all, call, get, run, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { addDays } from '../../domain/dates';
import { postJournal, postJournalIn } from '../../ledger/journal';
import { settingStep } from '../../ledger/settings';

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

/** The ledger's default retries, suspension and fallback, for codes the admin has not configured. */
function* defaultHandling(): Steps<Pick<DeclineRule, 'maxRetries' | 'suspendDays' | 'fallbackPayType'>> {
  return {
    maxRetries: Number(yield* settingStep('collect.softRetries')),
    suspendDays: Number(yield* settingStep('collect.suspendDays')),
    fallbackPayType: Number(yield* settingStep('collect.fallbackPayType')),
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
 * The rule for one processor result, as steps (db/storage/steps.ts). The admin's recurring-payment rejection codes
 * (rejection_codes, keyed by the processor result as text) override the class, retries, suspension days and fallback
 * pay type; without a row the ledger settings decide.
 */
export function* declineRuleSteps(result: number): Steps<DeclineRule> {
  const defaults = yield* defaultHandling();
  const neverRetry = (NEVER_RETRY_RESULTS as readonly number[]).includes(result);
  const row = result === 0 ? undefined : yield* get<RejectionRow>(rejectionCodeQuery(String(result)));
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

/** declineRuleSteps through the driver. */
export function declineRule(db: Database.Database, result: number): DeclineRule {
  return stepsOnDriver(db, declineRuleSteps(result));
}

/** declineRuleSteps in a port transaction. */
export function declineRuleIn(tx: Tx, result: number): Promise<DeclineRule> {
  return stepsIn(tx, declineRuleSteps(result));
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
 * The rule for a rejection code as a bank reports it (AM04, MS03, R01, ...; DOMAIN.md §4.25), as steps: the admin's
 * rejection code of that name decides; a code nobody configured is handled as hard with the ledger's defaults, as an
 * unknown processor result is. Bank returns are always financial failures.
 */
export function* rejectionRuleSteps(code: string): Steps<DeclineRule> {
  const row = yield* get<RejectionRow>(rejectionCodeQuery(code));
  if (row) return ruleOfRow(row);
  return {
    klass: 'hard',
    financial: true,
    neverRetry: false,
    ...(yield* defaultHandling()),
    rejectionCode: null,
    ...NO_EVENTS,
  };
}

/** rejectionRuleSteps through the driver. */
export function rejectionRule(db: Database.Database, code: string): DeclineRule {
  return stepsOnDriver(db, rejectionRuleSteps(code));
}

/** rejectionRuleSteps in a port transaction. */
export function rejectionRuleIn(tx: Tx, code: string): Promise<DeclineRule> {
  return stepsIn(tx, rejectionRuleSteps(code));
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

/** A declined processor record of a collection run. */
export type DeclinedTxn = {
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
 * Applies a collection decline inside the caller's transaction, as steps: a soft decline uses one retry and suspends
 * the account from automatic collection; the last retry or a hard decline moves the account's card and direct-debit
 * bill units to the manual fallback pay type. Each raises a workflow item; financial failures add the failed-payment
 * fee when one is configured (V14).
 */
export function* applyDeclineSteps(
  txn: DeclinedTxn,
  at: string,
  today: string,
  operatorId: number | null,
): Steps<DeclineOutcome> {
  const rule = yield* declineRuleSteps(txn.result);
  // Several bills of one account declined in the same run count as one retry and one fallback; each
  // failed payment still carries its own fee.
  const earlierInRun =
    txn.runId !== null &&
    (yield* get(earlierDeclineInRunQuery(txn.runId, txn.accountId, txn.id))) !== undefined;
  const out = yield* applyFailureSteps(
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
  if (out.feeBillId !== null) yield* run(txnFeeBillQuery(txn.id, out.feeBillId));
  return out;
}

/** applyDeclineSteps through the driver, in the caller's driver transaction. */
export function applyDecline(
  db: Database.Database,
  txn: DeclinedTxn,
  at: string,
  today: string,
  operatorId: number | null,
): DeclineOutcome {
  return stepsOnDriver(db, applyDeclineSteps(txn, at, today, operatorId));
}

/** applyDeclineSteps in the caller's port transaction (serializable: it reads the state it then writes). */
export function applyDeclineIn(
  tx: Tx,
  txn: DeclinedTxn,
  at: string,
  today: string,
  operatorId: number | null,
): Promise<DeclineOutcome> {
  return stepsIn(tx, applyDeclineSteps(txn, at, today, operatorId));
}

/**
 * The one mechanism behind card declines and bank returns (DOMAIN.md §4.25), inside the caller's transaction, as
 * steps: soft → one retry used and the account suspended from automatic collection for the rule's days (the reopened
 * bill is picked up by the first run after that); the last retry or a hard code → the account's card and
 * direct-debit bill units (and its default pay type) move to the fallback pay type. Each raises a workflow item;
 * financial failures bill the failed-payment fee when one is configured (V14).
 */
export function* applyFailureSteps(
  f: PaymentFailure,
  at: string,
  today: string,
  operatorId: number | null,
): Steps<DeclineOutcome> {
  const rule = f.rule;
  const out: DeclineOutcome = {
    klass: rule.klass,
    suspendedUntil: null,
    fellBack: false,
    exhausted: false,
    feeBillId: null,
    workflowKind: null,
  };
  const state = yield* get<{ retriesUsed: number }>(collectionStateQuery(f.accountId));
  const retriesUsed = state?.retriesUsed ?? 0;
  const feeMinor = Number(yield* settingStep('collect.failedPaymentFeeMinor'));
  // Processor results are numbers (kept as the last result); a bank's code lives on its return row.
  const lastResult = /^\d{1,9}$/.test(f.code) ? Number(f.code) : null;
  if (f.earlierInGroup && rule.klass !== 'communication' && rule.klass !== 'error') {
    if (rule.financial && feeMinor > 0)
      out.feeBillId = yield* failedPaymentFee(f, feeMinor, at, today, operatorId);
    return out;
  }
  function* raise(kind: string, message: string): Steps<void> {
    yield* run(workflowItemInsertQuery(f.accountId, kind, f.txnId, message, at));
    out.workflowKind = kind;
  }
  const setState = (retries: number, suspendedUntil: string | null): Steps<number> =>
    run(collectionStateUpsertQuery(f.accountId, retries, suspendedUntil, lastResult, at));
  if (rule.klass === 'communication' || rule.klass === 'error') {
    yield* setState(retriesUsed, null);
    if (rule.klass === 'error') yield* raise('processor-error', `processor refused the request (${f.label})`);
    return out;
  }
  const exhausted = rule.klass === 'soft' && retriesUsed + 1 > rule.maxRetries;
  out.exhausted = exhausted;
  if (rule.klass === 'soft' && !exhausted) {
    out.suspendedUntil = addDays(today, rule.suspendDays);
    yield* setState(retriesUsed + 1, out.suspendedUntil);
    yield* raise(
      f.eventKinds ? (rule.retryEvent ?? 'soft-decline') : 'soft-decline',
      `soft decline (${f.label}); retry ${retriesUsed + 1} of ${rule.maxRetries} after ${out.suspendedUntil}`,
    );
  } else {
    const units = yield* all<{ id: number; payType: number }>(
      unitsOnPayTypesQuery(f.accountId, AUTOMATIC_PAY_TYPES),
    );
    const account = (yield* get<{ p: number }>(accountPayTypeQuery(f.accountId)))!;
    yield* run(unitsPayTypeUpdateQuery(f.accountId, AUTOMATIC_PAY_TYPES, rule.fallbackPayType));
    if (AUTOMATIC_PAY_TYPES.includes(account.p))
      yield* run(accountPayTypeUpdateQuery(f.accountId, rule.fallbackPayType));
    yield* setState(0, null);
    out.fellBack = true;
    yield* audit({
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
    yield* raise(
      f.eventKinds ? (eventKind ?? cardKind) : cardKind,
      exhausted
        ? `soft declines exhausted ${rule.maxRetries} retries (${f.label}); account moved to manual pay type ${rule.fallbackPayType}`
        : `hard decline (${f.label}); account moved to manual pay type ${rule.fallbackPayType}`,
    );
  }
  if (rule.financial && feeMinor > 0)
    out.feeBillId = yield* failedPaymentFee(f, feeMinor, at, today, operatorId);
  return out;
}

/** applyFailureSteps through the driver, in the caller's driver transaction. */
export function applyFailure(
  db: Database.Database,
  f: PaymentFailure,
  at: string,
  today: string,
  operatorId: number | null,
): DeclineOutcome {
  return stepsOnDriver(db, applyFailureSteps(f, at, today, operatorId));
}

/** applyFailureSteps in the caller's port transaction (serializable: it reads the state it then writes). */
export function applyFailureIn(
  tx: Tx,
  f: PaymentFailure,
  at: string,
  today: string,
  operatorId: number | null,
): Promise<DeclineOutcome> {
  return stepsIn(tx, applyFailureSteps(f, at, today, operatorId));
}

/** Pay types collected automatically (card, direct debit, SEPA): a fallback moves the account off them. */
const AUTOMATIC_PAY_TYPES: readonly number[] = [PAY_TYPE.creditCard, PAY_TYPE.directDebit, PAY_TYPE.sepa];

function* audit(entry: AuditEntry): Steps<number> {
  const row = yield* get<{ id: number }>(auditInsertQuery(entry));
  if (!row) throw new Error('the audit row was not written');
  return row.id;
}

function journal(posting: JournalPosting): Steps<number> {
  return call(
    (db) => postJournal(db, posting),
    (tx) => postJournalIn(tx, posting),
  );
}

/** Bills the failed-payment fee as a one-item bill on the account's default bill unit (DOMAIN.md §4.18). */
function* failedPaymentFee(
  f: PaymentFailure,
  feeMinor: number,
  at: string,
  today: string,
  operatorId: number | null,
): Steps<number | null> {
  const unit = yield* get<{ id: number; currency: string }>(feeUnitQuery(f.accountId));
  if (!unit) return null;
  const billNo = f.feeBillNo;
  const auditId = yield* audit({
    at,
    operatorId,
    action: 'collect.failed-payment-fee',
    entity: 'bill',
    entityId: billNo,
    after: { txnId: f.txnId, feeMinor, currency: unit.currency, code: f.code },
  });
  const bill = yield* get<{ id: number }>(
    feeBillInsertQuery({
      billNo,
      unitId: unit.id,
      accountId: f.accountId,
      today,
      currency: unit.currency,
      feeMinor,
    }),
  );
  const billId = bill!.id;
  yield* run(feeItemInsertQuery(billNo, billId, f.accountId, feeMinor));
  yield* journal({
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
