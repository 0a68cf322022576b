import type Database from 'better-sqlite3';
import { appendAudit } from '../../../db/repos/audit';
import { hasOpenItemQuery } from '../../../db/repos/payments';
import {
  originalTxnQuery,
  paymentRateQuery,
  refundCountQuery,
  refundedPaymentQuery,
  refundedSumQuery,
  refundPaymentsQuery,
  refundSetResultQuery,
  refundTxnQuery,
  txnResultQuery,
  txnSetResultQuery,
  type OriginalTxn,
  type RefundedPayment,
  type RefundTxnRow,
} from '../../../db/repos/processor-txns';
import { processorByIdQuery } from '../../../db/repos/processors';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../../db/storage/sqlite';
import type { RefundResultDto } from '../../../src-shared/dto/processors';
import { parseMinor } from '../../../src-shared/money';
import { isoDate } from '../../domain/dates';
import { ProcessorTransportError, RESULT, resultName, type PaymentProcessor } from '../../processors/port';
import { allocatePaymentIn } from '../../ledger/allocation';
import { writeAudit } from '../../ledger/audit';
import { allocateBulk } from '../../ledger/bulk-allocation';
import { REASON_DOMAIN, requireReasonCodeIn } from '../../ledger/codes';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { postPayment, postPaymentIn } from '../../ledger/payments';
import { exponentOfIn } from '../../ledger/rates';
import { reversePayment, reversePaymentIn } from '../../ledger/reversals';
import { getSetting, getSettingIn } from '../../ledger/settings';
import { connectProcessor, type ProcessorRow } from './config';
import { keyPrefixIn, recordRepliesIn, requestItemOfIn, reserveTxnsIn, settleNotSentIn } from './txns';

// Online refunds behind the storage seam (issue #17): pay:refund checks what is left to refund and reserves the
// refund's record in one serializable transaction, asks the processor with none open, records the reply and
// posts it in two more (db/repos/processor-txns.ts). Recovery posts a refund's reply with postRefundTxnIn too;
// refund runs post their records through the driver with the same SQL (postRefundTxn).

function found(o: OriginalTxn | undefined, txnId: number): OriginalTxn {
  if (!o) throw notFound('transaction', String(txnId));
  return o;
}

/** The payment that currently carries a charged transaction in the ledger (after partial refunds), or null. */
function livePayment(o: OriginalTxn, refunds: readonly { paymentId: number | null }[]): number | null {
  let live = o.paymentId;
  for (const r of refunds) live = r.paymentId;
  return live;
}

/** The reason a refund record was sent with (its description), or the ledger's default. */
function refundReason(t: RefundTxnRow, fallback: unknown): number {
  const reason = /reason:(\d+)/.exec(t.description ?? '')?.[1];
  return reason ? Number(reason) : Number(fallback);
}

/** The audit row of an approved refund's posting. */
function refundAudit(t: RefundTxnRow, live: number, p: RefundedPayment, reasonCode: number, at: string) {
  return {
    at,
    action: 'processor.refund',
    entity: 'payment',
    entityId: String(live),
    before: { paymentId: live, amountMinor: p.amountMinor },
    after: { refundTxnId: t.id, refundedMinor: t.amountMinor },
    reasonCode,
  };
}

/** What an approved refund leaves of the payment it reverses, re-posted under `refund-rest:<key>`. */
function remainder(o: OriginalTxn, t: RefundTxnRow, p: RefundedPayment, today: string) {
  return {
    accountNo: o.accountNo,
    amountMinor: p.amountMinor - t.amountMinor,
    currency: p.currency,
    effectiveDate: today,
    payType: p.payType,
    channelId: p.channelId,
    billNo: p.billNo,
    externalRef: `rest of ${o.id}`,
    sourceKey: `refund-rest:${t.idemKey}`,
  };
}

/**
 * Posts an answered refund record (1000 + code) in one transaction: an approval reverses the payment that
 * carries the original charge and re-posts what was not refunded under `refund-rest:<key>`, allocated by the
 * standard policy, so balance, open items and credit stay in step. A decline only settles the code. Through the
 * driver (refund runs); postRefundTxnIn is the same posting in a port transaction.
 */
export function postRefundTxn(
  db: Database.Database,
  txnId: number,
  at: string,
  today: string,
  operatorId: number | null,
): void {
  db.transaction(() => {
    const t = driverGet<RefundTxnRow>(db, refundTxnQuery(txnId))!;
    if (t.result < RESULT.offset) return;
    const code = t.result - RESULT.offset;
    if (code !== RESULT.pass || t.relatedTxnId === null) {
      driverRun(db, txnSetResultQuery(t.id, code, null));
      return;
    }
    const o = found(driverGet<OriginalTxn>(db, originalTxnQuery(t.relatedTxnId)), t.relatedTxnId);
    const live = livePayment(o, driverAll(db, refundPaymentsQuery(o.id)));
    const reasonCode = refundReason(t, getSetting(db, 'refund.defaultReason'));
    let remainderId: number | null = null;
    if (live !== null) {
      const p = driverGet<RefundedPayment>(db, refundedPaymentQuery(live))!;
      const auditId = writeAudit(db, { ...refundAudit(t, live, p, reasonCode, at), operatorId });
      reversePayment(
        db,
        { paymentId: live, reasonCode, idemKey: `refund:${t.idemKey}` },
        at,
        today,
        operatorId,
        auditId,
      );
      if (p.amountMinor - t.amountMinor > 0) {
        const posted = postPayment(db, remainder(o, t, p, today), at, operatorId);
        remainderId = posted.paymentId;
        if (!posted.duplicate) {
          const rate = driverGet<{ r: number }>(db, paymentRateQuery(posted.paymentId))!.r;
          allocateBulk(
            db,
            [
              {
                paymentId: posted.paymentId,
                accountId: posted.accountId,
                amountMinor: posted.accountAmountMinor,
                ratePpm: rate,
                billNo: p.billNo,
              },
            ],
            { policy: 'standard', searchBillAmount: false },
            at,
            operatorId,
          );
        }
      }
    }
    driverRun(db, refundSetResultQuery(t.id, RESULT.pass, remainderId));
  })();
}

/**
 * postRefundTxn in the caller's port transaction (pay:refund, Recovery). The remainder is allocated oldest first,
 * or by its bill first when the charge named one (the driver's refund runs search no bill amounts either).
 */
export async function postRefundTxnIn(
  tx: Tx,
  txnId: number,
  now: Date,
  today: string,
  operatorId: number | null,
): Promise<void> {
  const at = now.toISOString();
  const t = (await tx.get<RefundTxnRow>(refundTxnQuery(txnId)))!;
  if (t.result < RESULT.offset) return;
  const code = t.result - RESULT.offset;
  if (code !== RESULT.pass || t.relatedTxnId === null) {
    await tx.run(txnSetResultQuery(t.id, code, null));
    return;
  }
  const o = found(await tx.get<OriginalTxn>(originalTxnQuery(t.relatedTxnId)), t.relatedTxnId);
  const live = livePayment(o, await tx.all(refundPaymentsQuery(o.id)));
  const reasonCode = refundReason(t, await getSettingIn(tx, 'refund.defaultReason'));
  let remainderId: number | null = null;
  if (live !== null) {
    const p = (await tx.get<RefundedPayment>(refundedPaymentQuery(live)))!;
    const auditId = await appendAudit(tx, { ...refundAudit(t, live, p, reasonCode, at), operatorId });
    await reversePaymentIn(
      tx,
      { paymentId: live, reasonCode, idemKey: `refund:${t.idemKey}` },
      at,
      today,
      operatorId,
      auditId,
    );
    if (p.amountMinor - t.amountMinor > 0) {
      const posted = await postPaymentIn(tx, remainder(o, t, p, today), at, operatorId);
      remainderId = posted.paymentId;
      if (!posted.duplicate && (await tx.get(hasOpenItemQuery(posted.accountId))))
        await allocatePaymentIn(
          tx,
          { paymentId: posted.paymentId, policy: p.billNo ? 'standard' : 'fifo' },
          now,
          operatorId,
        );
    }
  }
  await tx.run(refundSetResultQuery(t.id, RESULT.pass, remainderId));
}

/** Input of pay:refund. */
export type RefundInput = { txnId: number; amount?: string | undefined; reasonCode: number };

/**
 * Refunds a previous charged transaction online (DOMAIN.md §4.29): the full refundable amount by default or a
 * part, with a refund reason (domain 18). Reserve, send, record, post, like every processor request. What is
 * left to refund is checked and the refund's record reserved in one serializable transaction: two refunds of
 * the same charge at once take turns (the second's key is the first's, refused by its unique index on
 * PostgreSQL and retried), and the second finds the first in flight, counted as refunded.
 */
export async function refundTransaction(
  storage: Storage,
  ledgerFile: string,
  input: RefundInput,
  now: Date,
  operatorId: number,
  port?: PaymentProcessor,
): Promise<RefundResultDto> {
  const at = now.toISOString();
  const { o, proc, amountMinor, refundId, live, item } = await storage.transaction(
    async (tx) => {
      await requireReasonCodeIn(tx, REASON_DOMAIN.refund, input.reasonCode);
      const o = found(await tx.get<OriginalTxn>(originalTxnQuery(input.txnId)), input.txnId);
      if (
        (o.command !== 'condition' && o.command !== 'auth') ||
        o.result !== RESULT.pass ||
        o.paymentId === null
      )
        throw conflict('not-refundable', `transaction ${o.id} is not a charged payment`);
      const left = o.amountMinor - (await tx.get<{ s: number }>(refundedSumQuery(o.id)))!.s;
      let amountMinor = left;
      if (input.amount !== undefined) {
        const parsed = parseMinor(input.amount, await exponentOfIn(tx, o.currency));
        if (!parsed.ok)
          throw invalidFields(parsed.error.reason, [{ path: 'amount', message: parsed.error.reason }]);
        amountMinor = parsed.value;
      }
      if (amountMinor <= 0 || amountMinor > left) {
        const message =
          left <= 0 ? 'nothing is left to refund' : `the refund must be between 0 and ${left} minor units`;
        throw invalidFields(message, [{ path: 'amount', message }]);
      }
      const proc = await tx.get<ProcessorRow>(processorByIdQuery(o.processorId));
      if (!proc) throw notFound('processor', String(o.processorId));
      const n = (await tx.get<{ n: number }>(refundCountQuery(o.id)))!.n;
      const [refundId] = await reserveTxnsIn(
        tx,
        [
          {
            idemKey: `${await keyPrefixIn(tx)}-rfd-${o.id}-${n + 1}`,
            processorId: o.processorId,
            command: 'refund',
            runId: null,
            batchKey: null,
            accountId: o.accountId,
            billId: null,
            paymentMethodId: o.methodId,
            token: o.token,
            brand: o.brand,
            merchant: o.merchant,
            amountMinor,
            currency: o.currency,
            payType: o.payType,
            relatedTxnId: o.id,
            description: `refund reason:${input.reasonCode}`,
          },
        ],
        at,
        operatorId,
      );
      const live = livePayment(o, await tx.all(refundPaymentsQuery(o.id)));
      return { o, proc, amountMinor, refundId: refundId!, live, item: await requestItemOfIn(tx, refundId!) };
    },
    { serializable: true },
  );
  const p = port ?? connectProcessor(proc, ledgerFile);
  try {
    const reply = await p.refund(item);
    await storage.transaction((tx) => recordRepliesIn(tx, [reply], new Date().toISOString()));
  } catch (err) {
    if (err instanceof ProcessorTransportError) {
      if (err.failure.kind === 'not_sent')
        await storage.transaction((tx) => settleNotSentIn(tx, [refundId], at));
      throw new AppFailure({
        code: 'processor_unavailable',
        message: `the refund could not be confirmed: ${err.failure.message}${err.failure.kind === 'unknown' ? ' (see Recovery)' : ''}`,
      });
    }
    throw err;
  }
  const t = await storage.transaction(
    async (tx) => {
      await postRefundTxnIn(tx, refundId, now, isoDate(now), operatorId);
      return (await tx.get<{ result: number; paymentId: number | null }>(txnResultQuery(refundId)))!;
    },
    { serializable: true },
  );
  if (t.result !== RESULT.pass)
    throw new AppFailure({
      code: 'processor_declined',
      message: `the processor declined the refund (${resultName(t.result)})`,
      resultCode: t.result,
    });
  return {
    originalTxnId: o.id,
    refundTxnId: refundId,
    amountMinor,
    currency: o.currency,
    result: t.result,
    resultName: resultName(t.result),
    reversedPaymentId: live,
    remainderPaymentId: t.paymentId,
  };
}
