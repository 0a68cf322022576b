import type Database from 'better-sqlite3';
import type { OperatorDto } from '../../../src-shared/dto/app';
import type { PendingPaymentDto } from '../../../src-shared/dto/processors';
import { parseMinor } from '../../../src-shared/money';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { isoDate } from '../../domain/dates';
import { ProcessorTransportError, RESULT, resultName, type PaymentProcessor } from '../../processors/port';
import { writeAudit } from '../../ledger/audit';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOf } from '../../ledger/rates';
import { getSetting } from '../../ledger/settings';
import { connectProcessor, merchantFor } from './config';
import { requirementFor } from '../approvals/policies';
import { methodRow, processorForMethod } from './methods';
import { keyPrefix, postSettled, recordReplies, requestItemOf, reserveTxns } from './txns';

type PendingRow = {
  id: number;
  accountId: number;
  accountNo: string;
  accountName: string;
  amountMinor: number;
  currency: string;
  paymentMethodId: number | null;
  token: string;
  mask: string;
  brand: string | null;
  description: string | null;
  status: PendingPaymentDto['status'];
  expiresAt: string;
  needsSupervisor: number;
  cancelReason: string | null;
  txnId: number | null;
  paymentId: number | null;
  createdAt: string;
  createdById: number | null;
  createdBy: string | null;
  decidedBy: string | null;
  result: number | null;
  authCode: string | null;
};

const SELECT = `SELECT p.id, p.account_id AS accountId, a.account_no AS accountNo, a.name AS accountName, p.amount_minor AS amountMinor, p.currency,
  p.payment_method_id AS paymentMethodId, p.token, p.mask, p.brand, p.description, p.status, p.expires_at AS expiresAt,
  p.needs_supervisor AS needsSupervisor, p.cancel_reason AS cancelReason, p.txn_id AS txnId, p.payment_id AS paymentId,
  p.created_at AS createdAt, p.created_by AS createdById, oc.login AS createdBy, od.login AS decidedBy, t.result, t.auth_code AS authCode
  FROM pending_payments p JOIN accounts a ON a.id = p.account_id LEFT JOIN operators oc ON oc.id = p.created_by
  LEFT JOIN operators od ON od.id = p.decided_by LEFT JOIN processor_txns t ON t.id = p.txn_id`;

function dto(r: PendingRow, now: Date): PendingPaymentDto {
  const minutesLeft = Math.floor((Date.parse(r.expiresAt) - now.getTime()) / 60_000);
  const urgency: PendingPaymentDto['urgency'] =
    r.status !== 'pending'
      ? 'normal'
      : minutesLeft < 0
        ? 'expired'
        : minutesLeft < 3
          ? 'urgent'
          : minutesLeft < 10
            ? 'soon'
            : 'normal';
  return {
    id: r.id,
    accountNo: r.accountNo,
    accountName: r.accountName,
    amountMinor: r.amountMinor,
    currency: r.currency,
    mask: r.mask,
    brand: r.brand,
    description: r.description,
    status: r.status,
    expiresAt: r.expiresAt,
    minutesLeft,
    urgency,
    needsSupervisor: r.needsSupervisor === 1,
    createdBy: r.createdBy,
    decidedBy: r.decidedBy,
    cancelReason: r.cancelReason,
    txnId: r.txnId,
    result: r.result,
    resultName: r.result === null ? null : resultName(r.result),
    authCode: r.authCode,
    paymentId: r.paymentId,
    createdAt: r.createdAt,
  };
}

function pendingRow(db: Database.Database, id: number): PendingRow {
  const r = db.prepare(`${SELECT} WHERE p.id = ?`).get(id) as PendingRow | undefined;
  if (!r) throw notFound('pending payment', String(id));
  return r;
}

/** Input of pay:prepare: a stored method, or a token from the secure card entry. */
export type PrepareInput = {
  accountNo: string;
  amount: string;
  currency?: string | undefined;
  methodId?: number | undefined;
  card?: { token: string; brand?: string | undefined } | undefined;
  description?: string | undefined;
};

/**
 * Prepares a one-off payment as pending (DOMAIN.md §4.27, V18): nothing moves until an explicit confirm
 * before the expiry. Above the pay:one-off policy's amount the confirm is stopped by the approvals guard
 * (issue #12) and runs only once a supervisor other than the operator who confirmed it approves.
 */
export function preparePayment(
  db: Database.Database,
  input: PrepareInput,
  now: Date,
  operatorId: number,
): PendingPaymentDto {
  const account = db
    .prepare(`SELECT id, currency, status FROM accounts WHERE account_key = ? AND is_suspense = 0`)
    .get(input.accountNo.trim().toUpperCase()) as
    { id: number; currency: string; status: string } | undefined;
  if (!account) throw notFound('account', input.accountNo);
  if (account.status === 'closed') throw conflict('closed-account', `account ${input.accountNo} is closed`);
  const currency = input.currency ?? account.currency;
  const parsed = parseMinor(input.amount, exponentOf(db, currency));
  if (!parsed.ok)
    throw invalidFields(parsed.error.reason, [{ path: 'amount', message: parsed.error.reason }]);
  if (parsed.value <= 0)
    throw invalidFields('the amount must be positive', [{ path: 'amount', message: 'must be positive' }]);
  let token: string;
  let mask: string;
  let brand: string | null;
  let methodId: number | null = null;
  if (input.methodId !== undefined) {
    const m = methodRow(db, input.methodId);
    if (m.accountId !== account.id)
      throw invalidFields('the payment method belongs to another account', [
        { path: 'methodId', message: 'not this account' },
      ]);
    if (m.type === 'wallet')
      throw conflict('wallet-not-chargeable', 'wallets cannot be charged through the processor');
    ({ token, mask, brand } = m);
    methodId = m.id;
  } else if (input.card) {
    if (!/^T\d{11,18}$/.test(input.card.token))
      throw invalidFields('the card token is not a processor token', [
        { path: 'card.token', message: 'a processor token' },
      ]);
    token = input.card.token;
    mask = `****${token.slice(-4)}`;
    brand = input.card.brand ?? null;
  } else {
    throw invalidFields('choose a payment method or enter a card', [
      { path: 'methodId', message: 'required without card' },
    ]);
  }
  const at = now.toISOString();
  const expiresAt = new Date(
    now.getTime() + Number(getSetting(db, 'pay.expiryMinutes')) * 60_000,
  ).toISOString();
  // Shown on the payment; the approvals policy (pay:one-off) enforces it when the payment is confirmed.
  const needsSupervisor =
    requirementFor(db, 'pay:one-off', [{ currency, amountMinor: parsed.value }])?.requirement === 'four_eyes';
  return db.transaction(() => {
    const id = Number(
      db
        .prepare(
          `INSERT INTO pending_payments (account_id, amount_minor, currency, payment_method_id, token, mask, brand, description, status, expires_at,
             needs_supervisor, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
        )
        .run(
          account.id,
          parsed.value,
          currency,
          methodId,
          token,
          mask,
          brand,
          input.description ?? null,
          expiresAt,
          needsSupervisor ? 1 : 0,
          at,
          operatorId,
        ).lastInsertRowid,
    );
    writeAudit(db, {
      at,
      operatorId,
      action: 'pay.prepare',
      entity: 'pending_payment',
      entityId: String(id),
      after: {
        accountNo: input.accountNo,
        amountMinor: parsed.value,
        currency,
        mask,
        expiresAt,
        needsSupervisor,
      },
    });
    return dto(pendingRow(db, id), now);
  })();
}

/**
 * Confirms a pending payment: checks it is still pending and unexpired (four eyes is the approvals policy
 * pay:one-off, checked before this runs), reserves the
 * checkpoint and marks the payment in flight in one transaction (so a second confirm is refused), charges
 * online, then posts the payment. An unknown outcome leaves it `unresolved` for Recovery; a refused
 * connection returns it to pending.
 */
export async function confirmPayment(
  db: Database.Database,
  ledgerFile: string,
  input: { pendingId: number; processor?: string | undefined; authorizeOnly?: boolean | undefined },
  now: Date,
  operator: OperatorDto,
  port?: PaymentProcessor,
): Promise<PendingPaymentDto> {
  const at = now.toISOString();
  const p = pendingRow(db, input.pendingId);
  if (p.status !== 'pending')
    throw conflict(
      'not-pending',
      `payment ${p.id} is ${p.status}; only a pending payment can be confirmed (V18)`,
    );
  if (Date.parse(p.expiresAt) <= now.getTime()) {
    db.transaction(() => {
      db.prepare(
        `UPDATE pending_payments SET status = 'expired', decided_at = ? WHERE id = ? AND status = 'pending'`,
      ).run(at, p.id);
      writeAudit(db, {
        at,
        operatorId: operator.id,
        action: 'pay.expire',
        entity: 'pending_payment',
        entityId: String(p.id),
      });
    })();
    throw conflict('pending-expired', `payment ${p.id} expired at ${p.expiresAt}; prepare it again`);
  }
  const proc = processorForMethod(db, p.paymentMethodId, input.processor);
  const merchant = merchantFor(proc, p.currency).merchant;
  const idemKey = `${keyPrefix(db)}-pay-${p.id}-${p.txnId === null ? 1 : p.txnId + 1}`;
  const txnId = db.transaction(() => {
    const [id] = reserveTxns(
      db,
      [
        {
          idemKey,
          processorId: proc.id,
          command: input.authorizeOnly ? 'auth' : 'condition',
          runId: null,
          batchKey: null,
          accountId: p.accountId,
          billId: null,
          paymentMethodId: p.paymentMethodId,
          token: p.token,
          brand: p.brand,
          merchant,
          amountMinor: p.amountMinor,
          currency: p.currency,
          payType: p.token.startsWith('B') ? PAY_TYPE.directDebit : PAY_TYPE.creditCard,
          relatedTxnId: null,
          description: `one-off payment ${p.id}`,
        },
      ],
      at,
      operator.id,
    );
    db.prepare(
      `UPDATE pending_payments SET status = 'unresolved', txn_id = ?, decided_at = ?, decided_by = ? WHERE id = ?`,
    ).run(id, at, operator.id, p.id);
    writeAudit(db, {
      at,
      operatorId: operator.id,
      action: 'pay.confirm',
      entity: 'pending_payment',
      entityId: String(p.id),
      after: { txnId: id, idemKey },
    });
    return id!;
  })();
  const conn = port ?? connectProcessor(proc, ledgerFile);
  try {
    const item = requestItemOf(db, txnId);
    const reply = await (input.authorizeOnly ? conn.authorize(item) : conn.sale(item));
    recordReplies(db, [reply], new Date().toISOString());
  } catch (err) {
    if (!(err instanceof ProcessorTransportError)) throw err;
    if (err.failure.kind === 'not_sent') {
      db.transaction(() => {
        db.prepare('UPDATE processor_txns SET result = 1, settled_at = ? WHERE id = ? AND result = 999').run(
          at,
          txnId,
        );
        db.prepare(
          `UPDATE pending_payments SET status = 'pending', decided_by = NULL, decided_at = NULL WHERE id = ?`,
        ).run(p.id);
      })();
      throw new AppFailure({
        code: 'processor_unavailable',
        message: `the processor is not reachable (${err.failure.message}); nothing was charged`,
      });
    }
    throw new AppFailure({
      code: 'processor_unavailable',
      message: `no answer from the processor (${err.failure.message}); the payment is unresolved — see Recovery`,
    });
  }
  postSettled(db, [txnId], at, isoDate(now), operator.id);
  settlePending(db, p.id);
  return dto(pendingRow(db, p.id), now);
}

/** Brings a pending payment's status in line with its transaction once that is settled. */
export function settlePending(db: Database.Database, pendingId: number): void {
  const r = db
    .prepare(
      `SELECT t.result, t.payment_id AS paymentId FROM pending_payments p JOIN processor_txns t ON t.id = p.txn_id WHERE p.id = ?`,
    )
    .get(pendingId) as { result: number; paymentId: number | null } | undefined;
  if (!r || r.result === RESULT.checkpoint || r.result >= RESULT.offset) return;
  db.prepare(
    `UPDATE pending_payments SET status = ?, payment_id = ? WHERE id = ? AND status = 'unresolved'`,
  ).run(r.result === RESULT.pass ? 'confirmed' : 'declined', r.paymentId, pendingId);
}

/** Cancels a pending payment with a reason; only while it is still pending (V18). */
export function cancelPayment(
  db: Database.Database,
  input: { pendingId: number; reason: string },
  now: Date,
  operatorId: number,
): PendingPaymentDto {
  const p = pendingRow(db, input.pendingId);
  if (p.status !== 'pending')
    throw conflict('not-pending', `payment ${p.id} is ${p.status}; only a pending payment can be cancelled`);
  const at = now.toISOString();
  db.transaction(() => {
    db.prepare(
      `UPDATE pending_payments SET status = 'cancelled', cancel_reason = ?, decided_at = ?, decided_by = ? WHERE id = ?`,
    ).run(input.reason, at, operatorId, p.id);
    writeAudit(db, {
      at,
      operatorId,
      action: 'pay.cancel',
      entity: 'pending_payment',
      entityId: String(p.id),
      after: { reason: input.reason },
    });
  })();
  return dto(pendingRow(db, p.id), now);
}

/** Pending payments across customers, soonest expiry first (or every status with `all`). */
export function listPending(
  db: Database.Database,
  input: { all: boolean; limit: number },
  now: Date,
): { rows: PendingPaymentDto[] } {
  for (const r of db.prepare(`SELECT id FROM pending_payments WHERE status = 'unresolved'`).all() as {
    id: number;
  }[])
    settlePending(db, r.id);
  const rows = db
    .prepare(
      `${SELECT} ${input.all ? '' : `WHERE p.status = 'pending'`} ORDER BY ${input.all ? 'p.id DESC' : 'p.expires_at'} LIMIT ?`,
    )
    .all(input.limit) as PendingRow[];
  return { rows: rows.map((r) => dto(r, now)) };
}
