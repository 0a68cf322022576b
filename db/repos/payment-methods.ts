import { sql, type SQL } from 'drizzle-orm';
import type { PaymentMethodDto } from '../../src-shared/dto/processors';

/**
 * Stored payment methods (issue #17): tokens and masks only, never a card or bank account number. Written once
 * here for both databases: the methods commands (services/processors/methods.ts) and the one-off payments
 * (one-off.ts) run them through the port. Flags stay 0/1 integers on both databases.
 */

/** A payment method as stored, with its account's number (internal: includes the token). */
export type MethodRecord = Omit<PaymentMethodDto, 'isDefault'> & {
  isDefault: number;
  accountId: number;
  token: string;
  billingZip: string | null;
};

const SELECT = sql`SELECT m.id, a.account_no AS "accountNo", m.account_id AS "accountId", m.type, m.token, m.mask,
  m.brand, m.expiry, m.holder, m.billing_zip AS "billingZip", m.is_default AS "isDefault", m.verification,
  m.avs_code AS "avsCode", m.cvv_code AS "cvvCode", m.verified_at AS "verifiedAt", m.created_at AS "createdAt"
  FROM payment_methods m JOIN accounts a ON a.id = m.account_id`;

/** The id of the (non-suspense) account with this number, typed in any case with spaces around. */
export function methodAccountQuery(accountNo: string): SQL {
  return sql`SELECT id FROM accounts WHERE account_key = ${accountNo.trim().toUpperCase()} AND is_suspense = 0`;
}

/** The active methods of an account, the default first, then in the order they were added. */
export function accountMethodsQuery(accountId: number): SQL {
  return sql`${SELECT} WHERE m.account_id = ${accountId} AND m.status = 'active' ORDER BY m.is_default DESC, m.id`;
}

/** One active method, or none (a removed method is not found). */
export function methodByIdQuery(id: number): SQL {
  return sql`${SELECT} WHERE m.id = ${id} AND m.status = 'active'`;
}

/** The processor whose vault issued a method's token (`p`: null when any processor may charge it). */
export function methodIssuerQuery(id: number): SQL {
  return sql`SELECT processor_id AS p FROM payment_methods WHERE id = ${id}`;
}

/** A row when the account has an active method. */
export function accountHasMethodQuery(accountId: number): SQL {
  return sql`SELECT 1 AS found FROM payment_methods WHERE account_id = ${accountId} AND status = 'active' LIMIT 1`;
}

/** Takes the default flag from every method of the account (a new method is about to become the default). */
export function methodsClearDefaultQuery(accountId: number): SQL {
  return sql`UPDATE payment_methods SET is_default = 0 WHERE account_id = ${accountId}`;
}

/** A new method's stored fields: the token and mask only, never the number they stand for. */
export type MethodWrite = {
  accountId: number;
  type: PaymentMethodDto['type'];
  token: string;
  processorId: number | null;
  mask: string;
  brand: string | null;
  expiry: string | null;
  holder: string | null;
  billingZip: string | null;
  routingNo: string | null;
  isDefault: boolean;
  createdAt: string;
};

/** Adds a method, answering its id. */
export function methodInsertQuery(m: MethodWrite): SQL {
  return sql`INSERT INTO payment_methods (account_id, type, token, processor_id, mask, brand, expiry, holder,
      billing_zip, routing_no, is_default, created_at)
    VALUES (${m.accountId}, ${m.type}, ${m.token}, ${m.processorId}, ${m.mask}, ${m.brand}, ${m.expiry}, ${m.holder},
      ${m.billingZip}, ${m.routingNo}, ${m.isDefault ? 1 : 0}, ${m.createdAt})
    RETURNING id`;
}

/** Makes one method the account's default and every other method of the account not, in one statement. */
export function methodMakeDefaultQuery(accountId: number, methodId: number): SQL {
  return sql`UPDATE payment_methods SET is_default = CASE WHEN id = ${methodId} THEN 1 ELSE 0 END
    WHERE account_id = ${accountId}`;
}

/**
 * Replaces the details a desk may correct. With `revalidate` the last validation is voided too: AVS and the
 * expiry check were made against the old expiry or ZIP.
 */
export function methodDetailsUpdateQuery(
  id: number,
  d: { expiry: string | null; holder: string | null; zip: string | null; brand: string | null },
  revalidate: boolean,
): SQL {
  return sql`UPDATE payment_methods SET expiry = ${d.expiry}, holder = ${d.holder}, billing_zip = ${d.zip},
      brand = ${d.brand}${
        revalidate
          ? sql`, verification = 'unverified', avs_code = NULL, cvv_code = NULL, verified_at = NULL`
          : sql``
      }
    WHERE id = ${id} AND status = 'active'`;
}

/** How many other active methods the account has (`n`). */
export function otherActiveMethodsQuery(accountId: number, methodId: number): SQL {
  return sql`SELECT count(*) AS n FROM payment_methods
    WHERE account_id = ${accountId} AND status = 'active' AND id <> ${methodId}`;
}

/** How many pending one-off payments will charge the method (`n`). */
export function pendingPaymentsOfMethodQuery(methodId: number): SQL {
  return sql`SELECT count(*) AS n FROM pending_payments WHERE payment_method_id = ${methodId} AND status = 'pending'`;
}

/**
 * How many processor records of the method are still open (`n`): 999 = sent or about to be sent; 1000+ = charged
 * but not yet posted. Both still need the token to settle.
 */
export function openTxnsOfMethodQuery(methodId: number): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns WHERE payment_method_id = ${methodId} AND result >= 999`;
}

/** Marks a method removed (the row stays: past charges and validations point at it). */
export function methodRemoveQuery(methodId: number): SQL {
  return sql`UPDATE payment_methods SET status = 'removed', is_default = 0 WHERE id = ${methodId} AND status = 'active'`;
}

/** The currency of the account a method belongs to. */
export function accountCurrencyQuery(accountId: number): SQL {
  return sql`SELECT currency FROM accounts WHERE id = ${accountId}`;
}

/** How many validations of the method were reserved so far (`n`): the next one's idempotency key counts on. */
export function verificationsOfMethodQuery(methodId: number): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns WHERE payment_method_id = ${methodId} AND command = 'verify'`;
}

/** A validation's record answered: it posts nothing, so it is closed at its result (1000 + code → code). */
export function verificationSettledQuery(txnId: number): SQL {
  return sql`UPDATE processor_txns SET result = result - 1000 WHERE id = ${txnId} AND result >= 1000`;
}

/** A validation's record whose request certainly never reached the processor: FAIL_NO_ANS (1). */
export function verificationNotSentQuery(txnId: number): SQL {
  return sql`UPDATE processor_txns SET result = 1 WHERE id = ${txnId} AND result = 999`;
}

/** The outcome of a validation kept on the method (the CVV itself never is). */
export function methodVerificationQuery(
  methodId: number,
  v: { verification: 'verified' | 'failed'; avsCode: string | null; cvvCode: string | null; at: string },
): SQL {
  return sql`UPDATE payment_methods SET verification = ${v.verification}, avs_code = ${v.avsCode},
    cvv_code = ${v.cvvCode}, verified_at = ${v.at} WHERE id = ${methodId}`;
}
