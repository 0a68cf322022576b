import type Database from 'better-sqlite3';
import type { RefundResultDto } from '../../../src-shared/dto/processors';
import { parseMinor } from '../../../src-shared/money';
import { isoDate } from '../../domain/dates';
import { ProcessorTransportError, RESULT, resultName, type PaymentProcessor } from '../../processors/port';
import { writeAudit } from '../../ledger/audit';
import { allocateBulk } from '../../ledger/bulk-allocation';
import { REASON_DOMAIN, requireReasonCode } from '../../ledger/codes';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { postPayment } from '../../ledger/payments';
import { exponentOf } from '../../ledger/rates';
import { reversePayment } from '../../ledger/reversals';
import { getSetting } from '../../ledger/settings';
import { connectProcessor, processorById } from './config';
import { keyPrefix, recordReplies, requestItemOf, reserveTxns } from './txns';

type Original = {
  id: number;
  processorId: number;
  accountId: number;
  accountNo: string;
  command: string;
  result: number;
  paymentId: number | null;
  amountMinor: number;
  currency: string;
  payType: number;
  token: string;
  brand: string | null;
  merchant: string;
  methodId: number | null;
};

function original(db: Database.Database, txnId: number): Original {
  const o = db
    .prepare(
      `SELECT t.id, t.processor_id AS processorId, t.account_id AS accountId, a.account_no AS accountNo, t.command, t.result,
              t.payment_id AS paymentId, t.amount_minor AS amountMinor, t.currency, t.pay_type AS payType, t.token, t.brand,
              t.merchant, t.payment_method_id AS methodId
       FROM processor_txns t JOIN accounts a ON a.id = t.account_id WHERE t.id = ?`,
    )
    .get(txnId) as Original | undefined;
  if (!o) throw notFound('transaction', String(txnId));
  return o;
}

/** The payment that currently carries a charged transaction in the ledger (after partial refunds), or null. */
function livePayment(db: Database.Database, o: Original): number | null {
  let live = o.paymentId;
  const refunds = db
    .prepare(
      `SELECT payment_id AS paymentId FROM processor_txns WHERE related_txn_id = ? AND command = 'refund' AND result = 0 ORDER BY id`,
    )
    .all(o.id) as { paymentId: number | null }[];
  for (const r of refunds) live = r.paymentId;
  return live;
}

/** What is still refundable on a charged transaction: its amount less approved and in-flight refunds. */
export function refundableMinor(db: Database.Database, txnId: number): number {
  const o = original(db, txnId);
  const refunded = (
    db
      .prepare(
        `SELECT coalesce(sum(amount_minor), 0) AS s FROM processor_txns WHERE related_txn_id = ? AND command = 'refund'
           AND (result = 0 OR result = 999 OR result >= 1000)`,
      )
      .get(o.id) as { s: number }
  ).s;
  return o.amountMinor - refunded;
}

/**
 * Posts an answered refund record (1000 + code) in one transaction: an approval reverses the payment that
 * carries the original charge and re-posts what was not refunded under `refund-rest:<key>`, allocated by the
 * standard policy, so balance, open items and credit stay in step. A decline only settles the code.
 */
export function postRefundTxn(
  db: Database.Database,
  txnId: number,
  at: string,
  today: string,
  operatorId: number | null,
): void {
  db.transaction(() => {
    const t = db
      .prepare(
        `SELECT id, idem_key AS idemKey, result, related_txn_id AS relatedTxnId, amount_minor AS amountMinor, description FROM processor_txns WHERE id = ?`,
      )
      .get(txnId) as {
      id: number;
      idemKey: string;
      result: number;
      relatedTxnId: number | null;
      amountMinor: number;
      description: string | null;
    };
    if (t.result < RESULT.offset) return;
    const code = t.result - RESULT.offset;
    if (code !== RESULT.pass || t.relatedTxnId === null) {
      db.prepare('UPDATE processor_txns SET result = ? WHERE id = ?').run(code, t.id);
      return;
    }
    const o = original(db, t.relatedTxnId);
    const live = livePayment(db, o);
    const reason = /reason:(\d+)/.exec(t.description ?? '')?.[1];
    const reasonCode = reason ? Number(reason) : Number(getSetting(db, 'refund.defaultReason'));
    let remainderId: number | null = null;
    if (live !== null) {
      const p = db
        .prepare(
          'SELECT amount_minor AS amountMinor, currency, pay_type AS payType, channel_id AS channelId, bill_no AS billNo FROM payments WHERE id = ?',
        )
        .get(live) as {
        amountMinor: number;
        currency: string;
        payType: number;
        channelId: number;
        billNo: string | null;
      };
      const auditId = writeAudit(db, {
        at,
        operatorId,
        action: 'processor.refund',
        entity: 'payment',
        entityId: String(live),
        before: { paymentId: live, amountMinor: p.amountMinor },
        after: { refundTxnId: t.id, refundedMinor: t.amountMinor },
        reasonCode,
      });
      reversePayment(
        db,
        { paymentId: live, reasonCode, idemKey: `refund:${t.idemKey}` },
        at,
        today,
        operatorId,
        auditId,
      );
      const rest = p.amountMinor - t.amountMinor;
      if (rest > 0) {
        const posted = postPayment(
          db,
          {
            accountNo: o.accountNo,
            amountMinor: rest,
            currency: p.currency,
            effectiveDate: today,
            payType: p.payType,
            channelId: p.channelId,
            billNo: p.billNo,
            externalRef: `rest of ${o.id}`,
            sourceKey: `refund-rest:${t.idemKey}`,
          },
          at,
          operatorId,
        );
        remainderId = posted.paymentId;
        if (!posted.duplicate) {
          const rate = (
            db.prepare('SELECT rate_ppm AS r FROM payments WHERE id = ?').get(posted.paymentId) as {
              r: number;
            }
          ).r;
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
    db.prepare('UPDATE processor_txns SET result = 0, payment_id = ? WHERE id = ?').run(remainderId, t.id);
  })();
}

/** Input of pay:refund. */
export type RefundInput = { txnId: number; amount?: string | undefined; reasonCode: number };

/**
 * Refunds a previous charged transaction online (DOMAIN.md §4.29): the full refundable amount by default or a
 * part, with a refund reason (domain 18). Reserve, send, record, post, like every processor request.
 */
export async function refundTransaction(
  db: Database.Database,
  ledgerFile: string,
  input: RefundInput,
  now: Date,
  operatorId: number,
  port?: PaymentProcessor,
): Promise<RefundResultDto> {
  requireReasonCode(db, REASON_DOMAIN.refund, input.reasonCode);
  const o = original(db, input.txnId);
  if ((o.command !== 'condition' && o.command !== 'auth') || o.result !== RESULT.pass || o.paymentId === null)
    throw conflict('not-refundable', `transaction ${o.id} is not a charged payment`);
  const left = refundableMinor(db, o.id);
  let amountMinor = left;
  if (input.amount !== undefined) {
    const parsed = parseMinor(input.amount, exponentOf(db, o.currency));
    if (!parsed.ok)
      throw invalidFields(parsed.error.reason, [{ path: 'amount', message: parsed.error.reason }]);
    amountMinor = parsed.value;
  }
  if (amountMinor <= 0 || amountMinor > left) {
    const message =
      left <= 0 ? 'nothing is left to refund' : `the refund must be between 0 and ${left} minor units`;
    throw invalidFields(message, [{ path: 'amount', message }]);
  }
  const at = now.toISOString();
  const proc = processorById(db, o.processorId);
  const n = (
    db
      .prepare(`SELECT count(*) AS n FROM processor_txns WHERE related_txn_id = ? AND command = 'refund'`)
      .get(o.id) as { n: number }
  ).n;
  const [refundId] = reserveTxns(
    db,
    [
      {
        idemKey: `${keyPrefix(db)}-rfd-${o.id}-${n + 1}`,
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
  const live = livePayment(db, o);
  const p = port ?? connectProcessor(proc, ledgerFile);
  try {
    const reply = await p.refund(requestItemOf(db, refundId!));
    recordReplies(db, [reply], new Date().toISOString());
  } catch (err) {
    if (err instanceof ProcessorTransportError) {
      if (err.failure.kind === 'not_sent')
        db.prepare('UPDATE processor_txns SET result = 1 WHERE id = ? AND result = 999').run(refundId);
      throw new AppFailure({
        code: 'processor_unavailable',
        message: `the refund could not be confirmed: ${err.failure.message}${err.failure.kind === 'unknown' ? ' (see Recovery)' : ''}`,
      });
    }
    throw err;
  }
  postRefundTxn(db, refundId!, at, isoDate(now), operatorId);
  const t = db
    .prepare('SELECT result, payment_id AS paymentId FROM processor_txns WHERE id = ?')
    .get(refundId) as { result: number; paymentId: number | null };
  if (t.result !== RESULT.pass)
    throw new AppFailure({
      code: 'processor_declined',
      message: `the processor declined the refund (${resultName(t.result)})`,
      resultCode: t.result,
    });
  return {
    originalTxnId: o.id,
    refundTxnId: refundId!,
    amountMinor,
    currency: o.currency,
    result: t.result,
    resultName: resultName(t.result),
    reversedPaymentId: live,
    remainderPaymentId: t.paymentId,
  };
}
