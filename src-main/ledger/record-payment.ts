import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { RecordedPaymentDto } from '../../src-shared/dto/allocation';
import { parseMinor } from '../../src-shared/money';
import { BATCH_PAY_TYPES } from '../domain/batch-rules';
import { isoDate } from '../domain/dates';
import { PAY_TYPE_NAMES } from '../../src-shared/pay-types';
import { allocatePayment } from './allocation';
import { invalidFields, notFound } from './errors';
import { postPayment } from './payments';
import { exponentOf } from './rates';

/** Input of recording one external payment outside a batch. */
export type RecordPaymentInput = {
  accountNo: string;
  amount: string;
  currency?: string | undefined;
  effectiveDate?: string | undefined;
  payType: number;
  channelId: number;
  externalRef?: string | undefined;
  billNo?: string | undefined;
  payerName?: string | undefined;
  sourceKey?: string | undefined;
  allocate: 'none' | 'auto';
};

/**
 * Records one external payment (check, cash, wire...) on an account and, by default, allocates it with
 * the configured policy; all in one transaction. A repeated source key returns the first posting.
 */
export function recordPayment(
  db: Database.Database,
  input: RecordPaymentInput,
  now: Date,
  operatorId: number | null,
): RecordedPaymentDto {
  return db.transaction((): RecordedPaymentDto => {
    const account = db
      .prepare('SELECT currency FROM accounts WHERE account_key = ? AND is_suspense = 0')
      .get(input.accountNo.trim().toUpperCase()) as { currency: string } | undefined;
    if (!account) throw notFound('account', input.accountNo);
    // Card and direct-debit money comes through a processor run or a confirmed one-off payment, never keyed.
    if (!BATCH_PAY_TYPES.payment.includes(input.payType)) {
      const allowed = BATCH_PAY_TYPES.payment.map((t) => `${t} (${PAY_TYPE_NAMES[t]})`).join(', ');
      throw invalidFields(`payType: ${input.payType} is not an external pay type; use one of ${allowed}`, [
        { path: 'payType', message: `one of ${allowed}` },
      ]);
    }
    const currency = input.currency ?? account.currency;
    const parsed = parseMinor(input.amount, exponentOf(db, currency));
    if (!parsed.ok)
      throw invalidFields(`amount: ${parsed.error.reason}`, [
        { path: 'amount', message: parsed.error.reason },
      ]);
    if (parsed.value <= 0)
      throw invalidFields('amount: a payment must be positive', [
        { path: 'amount', message: 'must be positive' },
      ]);
    const posted = postPayment(
      db,
      {
        accountNo: input.accountNo,
        amountMinor: parsed.value,
        currency,
        effectiveDate: input.effectiveDate ?? isoDate(now),
        payType: input.payType,
        channelId: input.channelId,
        externalRef: input.externalRef ?? null,
        billNo: input.billNo ?? null,
        payerName: input.payerName ?? null,
        sourceKey: input.sourceKey ?? `manual:${randomUUID()}`,
      },
      now.toISOString(),
      operatorId,
    );
    const hasOpen =
      (
        db
          .prepare(`SELECT count(*) AS n FROM bill_items WHERE account_id = ? AND status = 'open'`)
          .get(posted.accountId) as { n: number }
      ).n > 0;
    const allocation =
      input.allocate === 'auto' && !posted.duplicate && hasOpen
        ? allocatePayment(db, { paymentId: posted.paymentId }, now, operatorId)
        : null;
    return { paymentId: posted.paymentId, duplicate: posted.duplicate, allocation };
  })();
}
