import { randomUUID } from 'node:crypto';
import { hasOpenItemQuery, postingAccountQuery, type PostingAccount } from '../../db/repos/payments';
import type { Storage } from '../../db/storage/port';
import type { RecordedPaymentDto } from '../../src-shared/dto/allocation';
import { parseMinor } from '../../src-shared/money';
import { BATCH_PAY_TYPES } from '../domain/batch-rules';
import { isoDate } from '../domain/dates';
import { PAY_TYPE_NAMES } from '../../src-shared/pay-types';
import { allocatePaymentIn } from './allocation';
import { invalidFields, notFound } from './errors';
import { postPaymentIn } from './payments';
import { exponentOfIn } from './rates';

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
 * the configured policy; all in one serializable transaction. A repeated source key returns the first posting
 * (two clerks recording the same key at once: one posts, the other is answered the duplicate).
 */
export function recordPayment(
  storage: Storage,
  input: RecordPaymentInput,
  now: Date,
  operatorId: number | null,
): Promise<RecordedPaymentDto> {
  return storage.transaction(
    async (tx): Promise<RecordedPaymentDto> => {
      const account = await tx.get<PostingAccount>(postingAccountQuery(input.accountNo.trim().toUpperCase()));
      if (!account || account.isSuspense === 1) throw notFound('account', input.accountNo);
      refusePayType(input.payType);
      const currency = input.currency ?? account.currency;
      const parsed = parseMinor(input.amount, await exponentOfIn(tx, currency));
      if (!parsed.ok)
        throw invalidFields(`amount: ${parsed.error.reason}`, [
          { path: 'amount', message: parsed.error.reason },
        ]);
      if (parsed.value <= 0)
        throw invalidFields('amount: a payment must be positive', [
          { path: 'amount', message: 'must be positive' },
        ]);
      const posted = await postPaymentIn(
        tx,
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
      const allocate =
        input.allocate === 'auto' &&
        !posted.duplicate &&
        (await tx.get(hasOpenItemQuery(posted.accountId))) !== undefined;
      const allocation = allocate
        ? await allocatePaymentIn(tx, { paymentId: posted.paymentId }, now, operatorId)
        : null;
      return { paymentId: posted.paymentId, duplicate: posted.duplicate, allocation };
    },
    { serializable: true },
  );
}

/** Card and direct-debit money comes through a processor run or a confirmed one-off payment, never keyed. */
function refusePayType(payType: number): void {
  if (BATCH_PAY_TYPES.payment.includes(payType)) return;
  const allowed = BATCH_PAY_TYPES.payment.map((t) => `${t} (${PAY_TYPE_NAMES[t]})`).join(', ');
  throw invalidFields(`payType: ${payType} is not an external pay type; use one of ${allowed}`, [
    { path: 'payType', message: `one of ${allowed}` },
  ]);
}
