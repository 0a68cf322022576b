import type Database from 'better-sqlite3';
import { writeAudit } from './audit';
import { conflict, invalidFields, notFound } from './errors';
import { postJournal, type JournalLine } from './journal';
import { convertOn } from './rates';

/** An external payment to record against a customer account. */
export type PaymentToPost = {
  accountNo: string;
  amountMinor: number;
  currency: string;
  effectiveDate: string;
  payType: number;
  channelId?: number;
  externalRef?: string | null;
  billNo?: string | null;
  payerName?: string | null;
  batchId?: number | null;
  /** Stable key of whatever originated the payment; a second post with the same key returns the first. */
  sourceKey: string;
};

/** The result of posting: the payment id, and whether it was already posted under the same source key. */
export type PostedPayment = {
  paymentId: number;
  accountId: number;
  accountAmountMinor: number;
  duplicate: boolean;
};

/**
 * Posts a successful external payment: CASH debit in the payment currency, AR credit in the account's
 * currency (with FX lines when they differ), the payment row and an audit row, in the caller's
 * transaction. Idempotent by source key.
 */
export function postPayment(
  db: Database.Database,
  p: PaymentToPost,
  at: string,
  operatorId: number | null,
): PostedPayment {
  const existing = db
    .prepare(
      'SELECT id, account_id AS accountId, account_amount_minor AS a FROM payments WHERE source_key = ?',
    )
    .get(p.sourceKey) as { id: number; accountId: number; a: number } | undefined;
  if (existing)
    return {
      paymentId: existing.id,
      accountId: existing.accountId,
      accountAmountMinor: existing.a,
      duplicate: true,
    };
  if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) {
    throw invalidFields('a payment amount must be a positive whole number of minor units', [
      { path: 'amountMinor', message: 'must be a positive integer' },
    ]);
  }
  const account = db
    .prepare('SELECT id, currency, status, is_suspense AS isSuspense FROM accounts WHERE account_key = ?')
    .get(p.accountNo.trim().toUpperCase()) as
    { id: number; currency: string; status: string; isSuspense: number } | undefined;
  if (!account || account.isSuspense === 1) throw notFound('account', p.accountNo);
  if (account.status === 'closed') throw conflict('closed-account', `account ${p.accountNo} is closed`);
  const converted = convertOn(db, p.amountMinor, p.currency, account.currency, p.effectiveDate);
  const auditId = writeAudit(db, {
    at,
    operatorId,
    action: 'payment.post',
    entity: 'payment',
    entityId: p.sourceKey,
    after: { ...p, accountAmountMinor: converted.amountMinor, ratePpm: converted.ratePpm },
  });
  const lines: JournalLine[] = [
    { gl: 'CASH', accountId: null, amountMinor: p.amountMinor, currency: p.currency },
  ];
  if (p.currency !== account.currency) {
    lines.push({ gl: 'FX', accountId: null, amountMinor: -p.amountMinor, currency: p.currency });
    lines.push({ gl: 'FX', accountId: null, amountMinor: converted.amountMinor, currency: account.currency });
  }
  lines.push({
    gl: 'AR',
    accountId: account.id,
    amountMinor: -converted.amountMinor,
    currency: account.currency,
  });
  const journalId = postJournal(db, {
    kind: 'payment',
    at,
    effectiveDate: p.effectiveDate,
    idemKey: `payment:${p.sourceKey}`,
    auditId,
    lines,
  });
  const paymentId = Number(
    db
      .prepare(
        `INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
           account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
         VALUES ('original', ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        account.id,
        p.payType,
        p.channelId ?? 0,
        p.amountMinor,
        p.currency,
        converted.amountMinor,
        converted.ratePpm,
        p.effectiveDate,
        p.externalRef ?? null,
        p.billNo ?? null,
        p.payerName ?? null,
        p.batchId ?? null,
        p.sourceKey,
        journalId,
        at,
        operatorId,
      ).lastInsertRowid,
  );
  return { paymentId, accountId: account.id, accountAmountMinor: converted.amountMinor, duplicate: false };
}
