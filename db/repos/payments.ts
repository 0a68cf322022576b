import { sql, type SQL } from 'drizzle-orm';

/** The payment already posted under a source key. */
export type PostedBySource = { id: number; accountId: number; a: number };

/** The payment posted under a source key, if any (a repeated key answers the first posting). */
export function paymentBySourceKeyQuery(sourceKey: string): SQL {
  return sql`SELECT id, account_id AS "accountId", account_amount_minor AS a FROM payments
             WHERE source_key = ${sourceKey}`;
}

/** An account a payment may be posted to, by its key. */
export type PostingAccount = { id: number; currency: string; status: string; isSuspense: number };

/** The account of a key with what posting needs to know (currency, closed, the suspense account). */
export function postingAccountQuery(accountKey: string): SQL {
  return sql`SELECT id, currency, status, is_suspense AS "isSuspense" FROM accounts WHERE account_key = ${accountKey}`;
}

/** One original payment as posted (status 0, reason 0). */
export type NewPayment = {
  accountId: number;
  payType: number;
  channelId: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number | null;
  effectiveDate: string;
  externalRef: string | null;
  billNo: string | null;
  payerName: string | null;
  batchId: number | null;
  sourceKey: string;
  journalId: number;
  at: string;
  operatorId: number | null;
};

/** The insert of one original payment, answering its id. */
export function paymentInsertQuery(p: NewPayment): SQL {
  return sql`INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
               account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key,
               journal_id, created_at, operator_id)
             VALUES ('original', ${p.accountId}, ${p.payType}, ${p.channelId}, 0, 0, ${p.amountMinor}, ${p.currency},
               ${p.accountAmountMinor}, ${p.ratePpm}, ${p.effectiveDate}, ${p.externalRef}, ${p.billNo}, ${p.payerName},
               ${p.batchId}, ${p.sourceKey}, ${p.journalId}, ${p.at}, ${p.operatorId})
             RETURNING id`;
}

/** Whether an account has an open bill item (something to allocate a payment to). */
export function hasOpenItemQuery(accountId: number): SQL {
  return sql`SELECT 1 AS open FROM bill_items WHERE account_id = ${accountId} AND status = 'open' LIMIT 1`;
}

/** A payment to reverse, with its account's currency and whether a reversal row exists already (`reversed`: 0/1). */
export type ReversiblePayment = {
  id: number;
  accountId: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  accountCurrency: string;
  reversed: number;
};

/** A payment to reverse (reversePayment, reversePaymentIn). */
export function reversiblePaymentQuery(paymentId: number): SQL {
  return sql`SELECT p.id, p.account_id AS "accountId", p.amount_minor AS "amountMinor", p.currency,
      p.account_amount_minor AS "accountAmountMinor", p.rate_ppm AS "ratePpm", a.currency AS "accountCurrency",
      (CASE WHEN EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) THEN 1 ELSE 0 END) AS reversed
    FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ${paymentId}`;
}
