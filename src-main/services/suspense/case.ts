import { casePaymentQuery, caseTreeQuery, type CasePayment } from '../../../db/repos/suspense-case';
import type { Tx } from '../../../db/storage/port';
import { ACTIVE_SUSPENSE_STATES } from '../../../src-shared/dto/suspense';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { conflict, notFound } from '../../ledger/errors';
import { MOVE_SUSPENSE_REASON } from '../../../src-shared/system-reason-codes';

/** Journal kinds of Payment Center moves; a reversal's journal kind tells how the payment left. */
export const SUSPENSE_JOURNAL = {
  distribute: 'suspense_distribute',
  recycle: 'suspense_recycle',
  remove: 'suspense_remove',
  reverse: 'suspense_reverse',
  edit: 'suspense_edit',
} as const;

/** G/L IDs of suspense reversals (DOMAIN.md §3.10). */
export const GL_UNALLOCATABLE = 112;
/** G/L ID of recycling to and from suspense. */
export const GL_RECYCLE = 113;

/** Suspense reasons (domain 14) the Payment Center assigns itself. */
export const SUSPENSE_REASON_RECYCLED = MOVE_SUSPENSE_REASON.recycled;
/** Reason of the remainder a distribution list leaves in suspense. */
export const SUSPENSE_REASON_REMAINDER = MOVE_SUSPENSE_REASON.remainder;
/** Default reversal reason (domain 16, G/L 113) of a distribution or an apply. */
export const REVERSAL_REASON_DISTRIBUTED = 4003;

/**
 * Pay types of externally initiated payments (money the desk received). Card and direct-debit payments are
 * initiated by Paydesk through the processors and never enter suspense (G1).
 */
export const EXTERNAL_PAY_TYPES: ReadonlySet<number> = new Set([
  PAY_TYPE.cash,
  PAY_TYPE.check,
  PAY_TYPE.wireTransfer,
  PAY_TYPE.paymentOrder,
  PAY_TYPE.postalOrder,
]);

export type { CasePayment };

/** Loads one payment with its reversal and queue state, or throws not_found. */
export async function casePaymentIn(tx: Tx, paymentId: number): Promise<CasePayment> {
  const p = await tx.get<CasePayment>(casePaymentQuery(paymentId));
  if (!p) throw notFound('payment', String(paymentId));
  return p;
}

/** Every payment of the case that starts at `rootId` (the root and all its descendants), parents first. */
export function caseTreeIn(tx: Tx, rootId: number): Promise<CasePayment[]> {
  return tx.all<CasePayment>(caseTreeQuery(rootId));
}

/** True while the payment holds money in the suspense account. */
export function isActiveInSuspense(p: CasePayment): boolean {
  return (
    p.isSuspense === 1 &&
    p.reversed === 0 &&
    p.state !== null &&
    (ACTIVE_SUSPENSE_STATES as readonly string[]).includes(p.state)
  );
}

/** A refusal by a rule: which rule and why. */
export type Refusal = { rule: string; message: string };

/** G1: only externally initiated payments are handled in Payment Center. */
export function externalRule(p: CasePayment): Refusal | null {
  if (EXTERNAL_PAY_TYPES.has(p.payType)) return null;
  return {
    rule: 'G1',
    message: `payment ${p.id} was not initiated externally (pay type ${p.payType}); only external payments can be suspended or handled in Payment Center`,
  };
}

/** Why a payment that is not active in suspense cannot be moved out of it (apply, distribute, remove). */
export function notInSuspenseRefusal(p: CasePayment): Refusal {
  if (p.isSuspense === 0) {
    if (p.reversed === 1)
      return { rule: 'not-in-suspense', message: `payment ${p.id} is reversed and no longer in suspense` };
    return {
      rule: 'G13',
      message: `payment ${p.id} is posted to account ${p.accountNo}; recycle it into suspense first, then apply it to the right account (no direct account-to-account recycling)`,
    };
  }
  return {
    rule: 'not-in-suspense',
    message: `suspended payment ${p.id} is ${p.state ?? 'closed'} and no longer holds money in suspense`,
  };
}

/**
 * G4/G9: whether a property (action owner, reason) of the payment may change. Frozen after a direct reversal,
 * removal or recycling (G4) and after full distribution or replacement by a newer event (G9).
 */
export function propertyRule(p: CasePayment): Refusal | null {
  if (isActiveInSuspense(p)) return null;
  if (p.reversed === 1 && p.reversalKind === SUSPENSE_JOURNAL.recycle)
    return {
      rule: 'G4',
      message: `payment ${p.id} was recycled into suspense; its properties can no longer change`,
    };
  if (p.state === 'removed')
    return {
      rule: 'G4',
      message: `payment ${p.id} was removed as unallocatable; its properties can no longer change`,
    };
  if (p.state === 'reversed' || (p.reversed === 1 && p.isSuspense === 0))
    return { rule: 'G4', message: `payment ${p.id} was reversed; its properties can no longer change` };
  if (p.state === 'distributed')
    return {
      rule: 'G9',
      message: `suspended payment ${p.id} is fully distributed; its properties are frozen (return a distributed payment to suspense to edit it)`,
    };
  if (p.state === 'replaced')
    return {
      rule: 'G9',
      message: `suspended payment ${p.id} was replaced by a newer event after a property change; edit the newest one`,
    };
  return { rule: 'not-in-suspense', message: `payment ${p.id} is not a suspended payment` };
}

/** G6: a failed payment (PIN_PYMT_FAILED, status 30-44) cannot be distributed or applied. */
export function failedRule(p: CasePayment): Refusal | null {
  if (p.kind === 'failed' || (p.status >= 30 && p.status <= 44))
    return {
      rule: 'G6',
      message: `payment ${p.id} failed (status ${p.status}) and cannot be distributed or applied`,
    };
  return null;
}

/** Throws the refusal as a conflict. */
export function refuse(r: Refusal | null): void {
  if (r) throw conflict(r.rule, r.message);
}

/** Today's date (yyyy-MM-dd) from the clock. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}
