import type Database from 'better-sqlite3';
import { ACTIVE_SUSPENSE_STATES, type SuspenseState } from '../../../src-shared/dto/suspense';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { writeAudit, type AuditEntry } from '../../ledger/audit';
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

/** One payment as the Payment Center rules see it. */
export type CasePayment = {
  id: number;
  kind: 'original' | 'suspended' | 'distributed' | 'recycled' | 'failed';
  accountId: number;
  accountNo: string;
  accountCurrency: string;
  isSuspense: number;
  payType: number;
  channelId: number;
  status: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  effectiveDate: string;
  externalRef: string | null;
  billNo: string | null;
  accountHint: string | null;
  actionOwner: number | null;
  payerName: string | null;
  batchId: number | null;
  parentPaymentId: number | null;
  createdAt: string;
  reversed: number;
  /** Journal kind of the reversal, when reversed: how the payment left (suspense_recycle, suspense_remove...). */
  reversalKind: string | null;
  reversalReason: number | null;
  state: SuspenseState | null;
  rootId: number | null;
  enteredOn: string | null;
};

const PAYMENT_SQL = `SELECT p.id, p.kind, p.account_id AS accountId, a.account_no AS accountNo, a.currency AS accountCurrency,
    a.is_suspense AS isSuspense, p.pay_type AS payType, p.channel_id AS channelId, p.status, p.reason_code AS reasonCode,
    p.amount_minor AS amountMinor, p.currency, p.account_amount_minor AS accountAmountMinor, p.rate_ppm AS ratePpm,
    p.effective_date AS effectiveDate, p.external_ref AS externalRef, p.bill_no AS billNo, p.account_hint AS accountHint,
    p.action_owner AS actionOwner, p.payer_name AS payerName, p.batch_id AS batchId, p.parent_payment_id AS parentPaymentId,
    p.created_at AS createdAt, (r.id IS NOT NULL) AS reversed, j.kind AS reversalKind, r.reason_code AS reversalReason,
    q.state, q.root_id AS rootId, q.entered_on AS enteredOn
  FROM payments p JOIN accounts a ON a.id = p.account_id
  LEFT JOIN reversals r ON r.payment_id = p.id LEFT JOIN journals j ON j.id = r.journal_id
  LEFT JOIN suspense_queue q ON q.payment_id = p.id`;

/** Loads one payment with its reversal and queue state, or throws not_found. */
export function loadCasePayment(db: Database.Database, paymentId: number): CasePayment {
  const p = db.prepare(`${PAYMENT_SQL} WHERE p.id = ?`).get(paymentId) as CasePayment | undefined;
  if (!p) throw notFound('payment', String(paymentId));
  return p;
}

/** Every payment of the case that starts at `rootId` (the root and all its descendants), parents first. */
export function caseTree(db: Database.Database, rootId: number): CasePayment[] {
  return db
    .prepare(
      `WITH RECURSIVE t(id, depth) AS (SELECT ?, 0 UNION ALL
         SELECT p.id, t.depth + 1 FROM payments p JOIN t ON p.parent_payment_id = t.id WHERE t.depth < 10000)
       ${PAYMENT_SQL} JOIN t ON t.id = p.id ORDER BY t.depth, p.id`,
    )
    .all(rootId) as CasePayment[];
}

/**
 * The root of the case a payment belongs to: the first suspended payment, or the posted payment that was
 * first recycled into suspense. A payment that never met suspense is its own root.
 */
export function caseRoot(db: Database.Database, paymentId: number): number {
  const inQueue = db.prepare('SELECT root_id AS r FROM suspense_queue WHERE payment_id = ?');
  const parentOf = db.prepare('SELECT parent_payment_id AS p FROM payments WHERE id = ?');
  let id = paymentId;
  for (let hop = 0; hop < 10_000; hop++) {
    const q = inQueue.get(id) as { r: number } | undefined;
    if (q) return q.r;
    const parent = (parentOf.get(id) as { p: number | null } | undefined)?.p ?? null;
    if (parent === null) return id;
    id = parent;
  }
  return id;
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

/** Writes a timeline event of a case (append-only). */
export function writeEvent(
  db: Database.Database,
  e: {
    rootId: number;
    paymentId: number;
    at: string;
    operatorId: number | null;
    action: string;
    reasonCode?: number | null;
    amountMinor?: number | null;
    currency?: string | null;
    detail?: Record<string, unknown>;
    auditId: number | null;
  },
): void {
  db.prepare(
    `INSERT INTO suspense_events (root_id, payment_id, at, operator_id, action, reason_code, amount_minor, currency, detail, audit_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.rootId,
    e.paymentId,
    e.at,
    e.operatorId,
    e.action,
    e.reasonCode ?? null,
    e.amountMinor ?? null,
    e.currency ?? null,
    e.detail ? JSON.stringify(e.detail) : null,
    e.auditId,
  );
}

/** Writes the audit row of a Payment Center move. */
export function auditMove(db: Database.Database, entry: Omit<AuditEntry, 'entity'>): number {
  return writeAudit(db, { ...entry, entity: 'payment' });
}
