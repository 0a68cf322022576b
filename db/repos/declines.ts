import { sql, type SQL } from 'drizzle-orm';

/**
 * The decline policy's rows (issue #17), written once for both databases: the admin's rejection codes, an account's
 * collection state (retries used, suspension), the workflow items a decline raises, the move of an account to its
 * fallback pay type and the failed-payment fee bill. A collection run's records and a bank return apply the same
 * policy through them (services/processors/declines.ts), on the driver or in a port transaction.
 */

/** The admin's configured handling of one rejection code. */
export type RejectionRow = {
  code: string;
  declineClass: 'soft' | 'hard';
  maxRetries: number;
  suspensionDays: number;
  fallbackPayType: number;
  retryEvent: string | null;
  exhaustedEvent: string | null;
  refundEvent: string | null;
};

/** One rejection code (a processor result as text, a bank reason code). */
export function rejectionCodeQuery(code: string): SQL {
  return sql`SELECT code, decline_class AS "declineClass", max_retries AS "maxRetries",
      suspension_days AS "suspensionDays", fallback_pay_type AS "fallbackPayType", retry_event AS "retryEvent",
      exhausted_event AS "exhaustedEvent", refund_event AS "refundEvent"
    FROM rejection_codes WHERE code = ${code}`;
}

/** Another financial decline of the account in the same run (not communication failures nor open records). */
export function earlierDeclineInRunQuery(runId: number, accountId: number, txnId: number): SQL {
  return sql`SELECT 1 AS one FROM processor_txns WHERE run_id = ${runId} AND account_id = ${accountId} AND id <> ${txnId}
    AND result BETWEEN 2 AND 998 AND result <> 6 AND result <> 17`;
}

/** Links a declined record to the fee bill its decline raised. */
export function txnFeeBillQuery(txnId: number, feeBillId: number): SQL {
  return sql`UPDATE processor_txns SET fee_bill_id = ${feeBillId} WHERE id = ${txnId}`;
}

/** The retries an account has used. */
export function collectionStateQuery(accountId: number): SQL {
  return sql`SELECT retries_used AS "retriesUsed" FROM collection_states WHERE account_id = ${accountId}`;
}

/** Sets an account's collection state (retries used, suspension, last processor result). */
export function collectionStateUpsertQuery(
  accountId: number,
  retriesUsed: number,
  suspendedUntil: string | null,
  lastResult: number | null,
  at: string,
): SQL {
  return sql`INSERT INTO collection_states (account_id, retries_used, suspended_until, last_result, updated_at)
    VALUES (${accountId}, ${retriesUsed}, ${suspendedUntil}, ${lastResult}, ${at})
    ON CONFLICT (account_id) DO UPDATE SET retries_used = excluded.retries_used,
      suspended_until = excluded.suspended_until, last_result = excluded.last_result, updated_at = excluded.updated_at`;
}

/** Raises an open workflow item on an account. */
export function workflowItemInsertQuery(
  accountId: number,
  kind: string,
  txnId: number | null,
  message: string,
  at: string,
): SQL {
  return sql`INSERT INTO workflow_items (account_id, kind, txn_id, message, status, created_at)
    VALUES (${accountId}, ${kind}, ${txnId}, ${message}, 'open', ${at})`;
}

/** An account's bill units on one of the given (automatic) pay types. */
export function unitsOnPayTypesQuery(accountId: number, payTypes: readonly number[]): SQL {
  return sql`SELECT id, pay_type AS "payType" FROM bill_units
    WHERE account_id = ${accountId} AND pay_type IN (${sql.raw(payTypes.join(', '))}) ORDER BY id`;
}

/** Moves an account's bill units off the given pay types to another. */
export function unitsPayTypeUpdateQuery(accountId: number, from: readonly number[], to: number): SQL {
  return sql`UPDATE bill_units SET pay_type = ${to}
    WHERE account_id = ${accountId} AND pay_type IN (${sql.raw(from.join(', '))})`;
}

/** An account's default pay type. */
export function accountPayTypeQuery(accountId: number): SQL {
  return sql`SELECT default_pay_type AS p FROM accounts WHERE id = ${accountId}`;
}

/** Sets an account's default pay type. */
export function accountPayTypeUpdateQuery(accountId: number, payType: number): SQL {
  return sql`UPDATE accounts SET default_pay_type = ${payType} WHERE id = ${accountId}`;
}

/** The bill unit a fee is billed on: the account's paying default unit first. */
export function feeUnitQuery(accountId: number): SQL {
  return sql`SELECT u.id, a.currency FROM bill_units u JOIN accounts a ON a.id = u.account_id
    WHERE u.account_id = ${accountId} AND u.paying = 1 ORDER BY u.is_default DESC, u.id LIMIT 1`;
}

/** A one-item fee bill, open, dated today; answers its id. */
export function feeBillInsertQuery(f: {
  billNo: string;
  unitId: number;
  accountId: number;
  today: string;
  currency: string;
  feeMinor: number;
}): SQL {
  return sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor,
      amount_due_minor, status)
    VALUES (${f.billNo}, ${f.unitId}, ${f.accountId}, ${f.today}, ${f.today}, ${f.currency}, ${f.feeMinor},
      ${f.feeMinor}, 'open')
    RETURNING id`;
}

/** The fee bill's one item. */
export function feeItemInsertQuery(billNo: string, billId: number, accountId: number, feeMinor: number): SQL {
  return sql`INSERT INTO bill_items (item_no, bill_id, account_id, type, amount_minor, open_minor, gl_id, status)
    VALUES (${`${billNo}-1`}, ${billId}, ${accountId}, 'failed_payment_fee', ${feeMinor}, ${feeMinor}, 0, 'open')`;
}
