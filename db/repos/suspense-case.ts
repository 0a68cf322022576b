import { sql, type SQL } from 'drizzle-orm';
import type { SuspenseEventDto, SuspenseState } from '../../src-shared/dto/suspense';
import type { Tx } from '../storage/port';
import { flag } from './dialect';

/**
 * A suspense case as the Payment Center reads it (issue #17): its payments with their reversal and queue state,
 * the case tree, its root, and its recorded moves. The SQL is written once here; the moves, which still write
 * through the driver, compile the same queries for it (services/suspense/case.ts).
 */

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

/** A recorded move of a case, as stored (detail is JSON text, no label yet). */
export type CaseEventRow = Omit<SuspenseEventDto, 'detail' | 'reasonLabel'> & { detail: string | null };

const PAYMENT = sql`SELECT p.id, p.kind, p.account_id AS "accountId", a.account_no AS "accountNo",
    a.currency AS "accountCurrency", a.is_suspense AS "isSuspense", p.pay_type AS "payType",
    p.channel_id AS "channelId", p.status, p.reason_code AS "reasonCode", p.amount_minor AS "amountMinor",
    p.currency, p.account_amount_minor AS "accountAmountMinor", p.rate_ppm AS "ratePpm",
    p.effective_date AS "effectiveDate", p.external_ref AS "externalRef", p.bill_no AS "billNo",
    p.account_hint AS "accountHint", p.action_owner AS "actionOwner", p.payer_name AS "payerName",
    p.batch_id AS "batchId", p.parent_payment_id AS "parentPaymentId", p.created_at AS "createdAt",
    ${flag(sql`r.id IS NOT NULL`)} AS reversed, j.kind AS "reversalKind", r.reason_code AS "reversalReason",
    q.state, q.root_id AS "rootId", q.entered_on AS "enteredOn"
  FROM payments p JOIN accounts a ON a.id = p.account_id
  LEFT JOIN reversals r ON r.payment_id = p.id LEFT JOIN journals j ON j.id = r.journal_id
  LEFT JOIN suspense_queue q ON q.payment_id = p.id`;

/** One payment with its reversal and queue state. */
export function casePaymentQuery(paymentId: number): SQL {
  return sql`${PAYMENT} WHERE p.id = ${paymentId}`;
}

/** Every payment of the case that starts at `rootId` (the root and all its descendants), parents first. */
export function caseTreeQuery(rootId: number): SQL {
  return sql`WITH RECURSIVE t(id, depth) AS (SELECT CAST(${rootId} AS BIGINT), 0 UNION ALL
      SELECT p.id, t.depth + 1 FROM payments p JOIN t ON p.parent_payment_id = t.id WHERE t.depth < 10000)
    ${PAYMENT} JOIN t ON t.id = p.id ORDER BY t.depth, p.id`;
}

/**
 * The root of the case a payment belongs to (column r): the first suspended payment, or the posted payment that
 * was first recycled into suspense. Walks up from the payment to the first one in the queue (its case root) or to
 * the first payment of the chain; a payment that never met suspense is its own root.
 */
export function caseRootQuery(paymentId: number): SQL {
  return sql`WITH RECURSIVE up(id, depth) AS (SELECT CAST(${paymentId} AS BIGINT), 0 UNION ALL
      SELECT p.parent_payment_id, up.depth + 1 FROM up JOIN payments p ON p.id = up.id
      WHERE p.parent_payment_id IS NOT NULL AND up.depth < 10000
        AND NOT EXISTS (SELECT 1 FROM suspense_queue q WHERE q.payment_id = up.id))
    SELECT coalesce(
      (SELECT q.root_id FROM up JOIN suspense_queue q ON q.payment_id = up.id ORDER BY up.depth LIMIT 1),
      (SELECT id FROM up ORDER BY depth DESC LIMIT 1)) AS r`;
}

/** The root of a payment's case (see caseRootQuery). */
export async function caseRootOf(tx: Tx, paymentId: number): Promise<number> {
  return (await tx.get<{ r: number }>(caseRootQuery(paymentId)))?.r ?? paymentId;
}

/** The case's recorded moves, oldest first, with the operator's login. */
export function caseEvents(tx: Tx, rootId: number): Promise<CaseEventRow[]> {
  return tx.all<CaseEventRow>(
    sql`SELECT e.id, e.at, e.payment_id AS "paymentId", e.action, o.login AS operator,
               e.reason_code AS "reasonCode", e.amount_minor AS "amountMinor", e.currency, e.detail
        FROM suspense_events e LEFT JOIN operators o ON o.id = e.operator_id
        WHERE e.root_id = ${rootId} ORDER BY e.id`,
  );
}

/** The login of the operator who recorded a payment, if any. */
export async function paymentOperatorLogin(tx: Tx, paymentId: number): Promise<string | null> {
  const row = await tx.get<{ login: string }>(
    sql`SELECT o.login FROM payments p JOIN operators o ON o.id = p.operator_id WHERE p.id = ${paymentId}`,
  );
  return row?.login ?? null;
}

/** The labels of reason codes, keyed `domain:code`. */
export async function reasonLabels(
  tx: Tx,
  codes: readonly { domain: number; code: number }[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const { domain, code } of codes) {
    const key = `${domain}:${code}`;
    if (out.has(key)) continue;
    const row = await tx.get<{ label: string }>(
      sql`SELECT label FROM reason_codes WHERE domain_id = ${domain} AND id = ${code}`,
    );
    if (row) out.set(key, row.label);
  }
  return out;
}

/** A move of a case to record on its timeline (append-only). */
export type CaseEvent = {
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
};

/** The insert of one timeline event of a case. */
export function caseEventInsertQuery(e: CaseEvent): SQL {
  return sql`INSERT INTO suspense_events (root_id, payment_id, at, operator_id, action, reason_code, amount_minor,
      currency, detail, audit_id)
    VALUES (${e.rootId}, ${e.paymentId}, ${e.at}, ${e.operatorId}, ${e.action}, ${e.reasonCode ?? null},
      ${e.amountMinor ?? null}, ${e.currency ?? null}, ${e.detail ? JSON.stringify(e.detail) : null}, ${e.auditId})`;
}

/** The recycled payment a posted payment became in suspense (a recycled payment has exactly one original). */
export function recycledChildQuery(paymentId: number): SQL {
  return sql`SELECT id FROM payments WHERE parent_payment_id = ${paymentId} AND kind = 'recycled'`;
}

/** Records a move on the case's timeline. */
export async function appendCaseEvent(tx: Tx, e: CaseEvent): Promise<void> {
  await tx.run(caseEventInsertQuery(e));
}

/**
 * Sets the action owner of a payment and of its queue row (a work-queue marker, changed in place; the queue's
 * tally follows by trigger).
 */
export async function setActionOwner(
  tx: Tx,
  paymentId: number,
  owner: number | null,
  at: string,
): Promise<void> {
  await tx.run(sql`UPDATE payments SET action_owner = ${owner} WHERE id = ${paymentId}`);
  await tx.run(
    sql`UPDATE suspense_queue SET action_owner = ${owner}, updated_at = ${at} WHERE payment_id = ${paymentId}`,
  );
}

/** A bill a distribution names, with its account and whether its bill unit pays. */
export type TargetBill = { no: string; accountId: number; status: string; due: number; paying: number };

export function targetBillQuery(billNo: string): SQL {
  return sql`SELECT b.bill_no AS no, b.account_id AS "accountId", b.status, b.amount_due_minor AS due, u.paying
    FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id WHERE b.bill_no = ${billNo}`;
}

/** An account a distribution names (by its number, any case) or the account of a bill it names. */
export type TargetAccount = { id: number; no: string; currency: string; status: string; isSuspense: number };

export function targetAccountQuery(by: { key: string } | { id: number }): SQL {
  return sql`SELECT id, account_no AS no, currency, status, is_suspense AS "isSuspense" FROM accounts
    WHERE ${'key' in by ? sql`account_key = ${by.key}` : sql`id = ${by.id}`}`;
}
