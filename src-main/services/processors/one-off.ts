import { appendAudit } from '../../../db/repos/audit';
import { postingAccountQuery, type PostingAccount } from '../../../db/repos/payments';
import {
  pendingByIdQuery,
  pendingCancelQuery,
  pendingConfirmQuery,
  pendingExpireQuery,
  pendingInsertQuery,
  pendingListQuery,
  pendingReopenQuery,
  pendingSettleQuery,
  pendingTxnQuery,
  unresolvedPendingQuery,
  type PendingRow,
} from '../../../db/repos/processor-txns';
import type { Storage, Tx } from '../../../db/storage/port';
import type { OperatorDto } from '../../../src-shared/dto/app';
import type { PendingPaymentDto } from '../../../src-shared/dto/processors';
import { parseMinor } from '../../../src-shared/money';
import { PAY_TYPE } from '../../../src-shared/pay-types';
import { isoDate } from '../../domain/dates';
import { ProcessorTransportError, RESULT, resultName, type PaymentProcessor } from '../../processors/port';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentOfIn } from '../../ledger/rates';
import { getSettingIn } from '../../ledger/settings';
import { requirementForIn } from '../approvals/policies';
import { methodByIdQuery, type MethodRecord } from '../../../db/repos/payment-methods';
import { connectProcessor, merchantFor } from './config';
import { processorForMethodIn } from './methods';
import {
  keyPrefixIn,
  postOneOffIn,
  recordRepliesIn,
  requestItemOfIn,
  reserveTxnsIn,
  settleNotSentIn,
} from './txns';

// One-off payments behind the storage seam (issue #17): prepare, confirm, cancel and the pending list run through
// the port on SQLite and PostgreSQL alike (db/repos/processor-txns.ts). Every change reads the payment's status
// and writes on it in one serializable transaction, so two confirms, or a confirm and a cancel, take turns: the
// second finds the payment no longer pending. The processor is asked with no transaction open.

const WRITE = { serializable: true } as const;

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

async function pendingRowIn(tx: Tx, id: number): Promise<PendingRow> {
  const r = await tx.get<PendingRow>(pendingByIdQuery(id));
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
  storage: Storage,
  input: PrepareInput,
  now: Date,
  operatorId: number,
): Promise<PendingPaymentDto> {
  return storage.transaction(async (tx) => {
    const account = await tx.get<PostingAccount>(postingAccountQuery(input.accountNo.trim().toUpperCase()));
    if (!account || account.isSuspense === 1) throw notFound('account', input.accountNo);
    if (account.status === 'closed') throw conflict('closed-account', `account ${input.accountNo} is closed`);
    const currency = input.currency ?? account.currency;
    const parsed = parseMinor(input.amount, await exponentOfIn(tx, currency));
    if (!parsed.ok)
      throw invalidFields(parsed.error.reason, [{ path: 'amount', message: parsed.error.reason }]);
    if (parsed.value <= 0)
      throw invalidFields('the amount must be positive', [{ path: 'amount', message: 'must be positive' }]);
    let token: string;
    let mask: string;
    let brand: string | null;
    let methodId: number | null = null;
    if (input.methodId !== undefined) {
      const m = await tx.get<MethodRecord>(methodByIdQuery(input.methodId));
      if (!m) throw notFound('payment method', String(input.methodId));
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
      now.getTime() + Number(await getSettingIn(tx, 'pay.expiryMinutes')) * 60_000,
    ).toISOString();
    // Shown on the payment; the approvals policy (pay:one-off) enforces it when the payment is confirmed.
    const needsSupervisor =
      (await requirementForIn(tx, 'pay:one-off', [{ currency, amountMinor: parsed.value }]))?.requirement ===
      'four_eyes';
    const inserted = await tx.get<{ id: number }>(
      pendingInsertQuery({
        accountId: account.id,
        amountMinor: parsed.value,
        currency,
        paymentMethodId: methodId,
        token,
        mask,
        brand,
        description: input.description ?? null,
        expiresAt,
        needsSupervisor,
        at,
        operatorId,
      }),
    );
    if (!inserted) throw new Error('the pending payment was not written');
    await appendAudit(tx, {
      at,
      operatorId,
      action: 'pay.prepare',
      entity: 'pending_payment',
      entityId: String(inserted.id),
      after: {
        accountNo: input.accountNo,
        amountMinor: parsed.value,
        currency,
        mask,
        expiresAt,
        needsSupervisor,
      },
    });
    return dto(await pendingRowIn(tx, inserted.id), now);
  }, WRITE);
}

function notPending(p: PendingRow, what: string): AppFailure {
  return conflict('not-pending', `payment ${p.id} is ${p.status}; only a pending payment can be ${what}`);
}

/**
 * Confirms a pending payment: checks it is still pending and unexpired (four eyes is the approvals policy
 * pay:one-off, checked before this runs), reserves the checkpoint and marks the payment in flight in one
 * serializable transaction (so a second confirm, or a cancel, at the same time finds it no longer pending and
 * is refused), charges online with no transaction open, records the reply, then posts the payment and settles
 * the pending payment in one more. An unknown outcome leaves it `unresolved` for Recovery; a refused
 * connection returns it to pending. An expired payment is marked expired (committed) and refused.
 */
export async function confirmPayment(
  storage: Storage,
  ledgerFile: string,
  input: { pendingId: number; processor?: string | undefined; authorizeOnly?: boolean | undefined },
  now: Date,
  operator: OperatorDto,
  port?: PaymentProcessor,
): Promise<PendingPaymentDto> {
  const at = now.toISOString();
  const reserved = await storage.transaction(async (tx) => {
    const p = await pendingRowIn(tx, input.pendingId);
    if (p.status !== 'pending') throw notPending(p, 'confirmed (V18)');
    if (Date.parse(p.expiresAt) <= now.getTime()) {
      await tx.run(pendingExpireQuery(p.id, at));
      await appendAudit(tx, {
        at,
        operatorId: operator.id,
        action: 'pay.expire',
        entity: 'pending_payment',
        entityId: String(p.id),
      });
      return { expired: true as const, p };
    }
    const proc = await processorForMethodIn(tx, p.paymentMethodId, input.processor);
    const merchant = merchantFor(proc, p.currency).merchant;
    const idemKey = `${await keyPrefixIn(tx)}-pay-${p.id}-${p.txnId === null ? 1 : p.txnId + 1}`;
    const [txnId] = await reserveTxnsIn(
      tx,
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
    if ((await tx.run(pendingConfirmQuery(p.id, txnId!, at, operator.id))).changes !== 1)
      throw new Error(`pending payment ${p.id} changed while it was confirmed`);
    await appendAudit(tx, {
      at,
      operatorId: operator.id,
      action: 'pay.confirm',
      entity: 'pending_payment',
      entityId: String(p.id),
      after: { txnId, idemKey },
    });
    return { expired: false as const, p, proc, txnId: txnId!, item: await requestItemOfIn(tx, txnId!) };
  }, WRITE);
  if (reserved.expired)
    throw conflict(
      'pending-expired',
      `payment ${reserved.p.id} expired at ${reserved.p.expiresAt}; prepare it again`,
    );
  const { p, proc, txnId, item } = reserved;
  const conn = port ?? connectProcessor(proc, ledgerFile);
  try {
    const reply = await (input.authorizeOnly ? conn.authorize(item) : conn.sale(item));
    await storage.transaction((tx) => recordRepliesIn(tx, [reply], new Date().toISOString()));
  } catch (err) {
    if (!(err instanceof ProcessorTransportError)) throw err;
    if (err.failure.kind === 'not_sent') {
      await storage.transaction(async (tx) => {
        await settleNotSentIn(tx, [txnId], at);
        await tx.run(pendingReopenQuery(p.id));
      });
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
  try {
    await storage.transaction(async (tx) => {
      await postOneOffIn(tx, txnId, now, isoDate(now), operator.id);
      await settlePendingIn(tx, p.id);
    }, WRITE);
  } catch {
    // Stays at 1000 + code and unresolved: charged at the processor, not posted here; Recovery lists it.
  }
  return storage.transaction(async (tx) => dto(await pendingRowIn(tx, p.id), now), { readOnly: true });
}

/** A settled record's status for its pending payment, or null while the record is still open or unposted. */
function settledStatus(r: { result: number } | undefined): 'confirmed' | 'declined' | null {
  if (!r || r.result === RESULT.checkpoint || r.result >= RESULT.offset) return null;
  return r.result === RESULT.pass ? 'confirmed' : 'declined';
}

/** Brings a pending payment's status in line with its transaction once that is settled (by Recovery). */
async function settlePendingIn(tx: Tx, pendingId: number): Promise<void> {
  const r = await tx.get<{ result: number; paymentId: number | null }>(pendingTxnQuery(pendingId));
  const status = settledStatus(r);
  if (status) await tx.run(pendingSettleQuery(pendingId, status, r!.paymentId));
}

/**
 * Cancels a pending payment with a reason; only while it is still pending (V18). Read and written in one
 * serializable transaction: a cancel and a confirm at once take turns, the second refused as not pending.
 */
export function cancelPayment(
  storage: Storage,
  input: { pendingId: number; reason: string },
  now: Date,
  operatorId: number,
): Promise<PendingPaymentDto> {
  return storage.transaction(async (tx) => {
    const p = await pendingRowIn(tx, input.pendingId);
    if (p.status !== 'pending') throw notPending(p, 'cancelled');
    const at = now.toISOString();
    await tx.run(pendingCancelQuery(p.id, input.reason, at, operatorId));
    await appendAudit(tx, {
      at,
      operatorId,
      action: 'pay.cancel',
      entity: 'pending_payment',
      entityId: String(p.id),
      after: { reason: input.reason },
    });
    return dto(await pendingRowIn(tx, p.id), now);
  }, WRITE);
}

/**
 * Pending payments across customers, soonest expiry first (or every status with `all`). The payments in flight
 * whose record Recovery settled meanwhile are brought in line first, in the same transaction.
 */
export function listPending(
  storage: Storage,
  input: { all: boolean; limit: number },
  now: Date,
): Promise<{ rows: PendingPaymentDto[] }> {
  return storage.transaction(async (tx) => {
    for (const r of await tx.all<{ id: number }>(unresolvedPendingQuery())) await settlePendingIn(tx, r.id);
    const rows = await tx.all<PendingRow>(pendingListQuery(input.all, input.limit));
    return { rows: rows.map((r) => dto(r, now)) };
  }, WRITE);
}
