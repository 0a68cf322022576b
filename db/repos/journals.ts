import { sql, type SQL } from 'drizzle-orm';
import type { Minor } from '../../src-shared/money';
import type { SuspenseState } from '../../src-shared/dto/suspense';
import type { Dialect, Tx } from '../storage/port';
import { inList } from './dialect';

/**
 * The ledger's postings (issue #17): journals and their lines, the cached AR balances they move, reversal rows,
 * suspense queue states, payments put into suspense and the tally's folding. The SQL is written once here, for
 * both databases; the rules around it (balanced lines, the money ceiling, the order of a move) live in ledger/.
 */

/** Ledger sides a journal line can hit. AR lines carry the customer account. */
export type GlAccount =
  'AR' | 'CASH' | 'REVENUE' | 'SUSPENSE' | 'UNALLOCATABLE' | 'REFUND_CLEARING' | 'FEES' | 'FX';

/** One journal line: positive debits, negative credits. */
export type JournalLine = { gl: GlAccount; accountId: number | null; amountMinor: Minor; currency: string };

/** A journal to post. */
export type JournalPosting = {
  kind: string;
  at: string;
  effectiveDate: string;
  idemKey: string | null;
  auditId: number;
  reasonCode?: number | null;
  glId?: number | null;
  lines: JournalLine[];
};

/** The journal's header row (append-only), answering its id. */
export function journalInsertQuery(p: JournalPosting): SQL {
  return sql`INSERT INTO journals (kind, at, effective_date, idem_key, audit_id, reason_code, gl_id)
    VALUES (${p.kind}, ${p.at}, ${p.effectiveDate}, ${p.idemKey}, ${p.auditId}, ${p.reasonCode ?? null}, ${p.glId ?? null})
    RETURNING id`;
}

/** One line of a journal. */
export function journalLineInsertQuery(journalId: number, l: JournalLine): SQL {
  return sql`INSERT INTO journal_lines (journal_id, gl_account, account_id, amount_minor, currency)
    VALUES (${journalId}, ${l.gl}, ${l.accountId}, ${l.amountMinor}, ${l.currency})`;
}

/**
 * Moves a customer account's cached AR balance. The amount goes as a bigint: SQLite binds a JS number as a
 * double, and only an integer makes the addition exact (PostgreSQL reads either as bigint).
 */
export function balanceAddQuery(accountId: number, amountMinor: Minor): SQL {
  return sql`UPDATE accounts SET balance_minor = balance_minor + ${BigInt(amountMinor)} WHERE id = ${accountId}`;
}

/** A customer account's figures as exact decimal text (they are read when they may be past 2^53 - 1). */
export type AccountFigures = {
  accountNo: string;
  currency: string;
  balance: string;
  openItems: string;
  unallocated: string;
};

/**
 * The first of the accounts whose balance, open items or unallocated credit (open items − balance, the ledger's
 * balance invariant) lies outside [-max, max], or none. Figures come back as text: they are the ones a JS
 * number could not hold.
 */
export function accountBeyondQuery(d: Dialect, accountIds: readonly number[], max: bigint): SQL {
  return sql`SELECT account_no AS "accountNo", currency, CAST(balance AS TEXT) AS balance,
      CAST(open_items AS TEXT) AS "openItems", CAST(open_items - balance AS TEXT) AS unallocated FROM (
        SELECT a.account_no, a.currency, a.balance_minor AS balance,
               (SELECT coalesce(sum(i.open_minor), 0) FROM bill_items i
                WHERE i.account_id = a.id AND i.status = 'open') AS open_items
        FROM accounts a WHERE ${inList({ dialect: d }, sql`a.id`, accountIds)} AND a.is_suspense = 0) f
    WHERE balance NOT BETWEEN ${-max} AND ${max} OR open_items NOT BETWEEN ${-max} AND ${max}
       OR open_items - balance NOT BETWEEN ${-max} AND ${max}
    LIMIT 1`;
}

/** The first currency in which the suspense account holds more than max (in absolute value), or none. */
export function suspenseBeyondQuery(d: Dialect, currencies: readonly string[], max: bigint): SQL {
  // The Payment Center tally is small (one row per state, currency, owner, reason and day).
  return sql`SELECT currency, CAST(sum(amount_minor) AS TEXT) AS held FROM suspense_tally
    WHERE state IN ('suspended', 'partial', 'recycled') AND ${inList({ dialect: d }, sql`currency`, currencies)}
    GROUP BY currency HAVING sum(amount_minor) NOT BETWEEN ${-max} AND ${max} LIMIT 1`;
}

/** The reversal row of a payment leaving (or being reversed) with a journal, answering its id. */
export function reversalInsertQuery(r: {
  paymentId: number;
  reasonCode: number;
  journalId: number;
  at: string;
  operatorId: number | null;
}): SQL {
  return sql`INSERT INTO reversals (payment_id, reason_code, journal_id, created_at, operator_id)
    VALUES (${r.paymentId}, ${r.reasonCode}, ${r.journalId}, ${r.at}, ${r.operatorId}) RETURNING id`;
}

/** A suspense queue row's new state; `closedAt` is null while the state is active. */
export function queueStateQuery(
  paymentId: number,
  state: SuspenseState,
  closedAt: string | null,
  at: string,
): SQL {
  return sql`UPDATE suspense_queue SET state = ${state}, closed_at = ${closedAt}, updated_at = ${at}
    WHERE payment_id = ${paymentId}`;
}

/** The id of the single payment suspense account. */
export const SUSPENSE_ACCOUNT_QUERY: SQL = sql`SELECT id FROM accounts WHERE is_suspense = 1`;

/** A new payment to put into suspense (a remainder, a recycled payment or a replacement after an edit). */
export type NewSuspended = {
  kind: 'suspended' | 'recycled';
  status: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  effectiveDate: string;
  payType: number;
  channelId: number;
  externalRef: string | null;
  billNo: string | null;
  accountHint: string | null;
  actionOwner: number | null;
  payerName: string | null;
  batchId: number | null;
  /** Null for money entering suspense from outside (a batch entry). */
  parentPaymentId: number | null;
  sourceKey: string;
  journalId: number;
  /** Queue fields: the case, the state, and when the money entered suspense (for aging). */
  rootId: number;
  state: SuspenseState;
  enteredOn: string;
};

/** The payment row of a new suspended payment on the suspense account, answering its id. */
export function suspendedInsertQuery(
  n: NewSuspended,
  suspenseId: number,
  at: string,
  operatorId: number | null,
): SQL {
  return sql`INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, account_hint, action_owner, payer_name,
      batch_id, source_key, parent_payment_id, journal_id, created_at, operator_id)
    VALUES (${n.kind}, ${suspenseId}, ${n.payType}, ${n.channelId}, ${n.status}, ${n.reasonCode}, ${n.amountMinor},
      ${n.currency}, ${n.amountMinor}, 1000000, ${n.effectiveDate}, ${n.externalRef}, ${n.billNo}, ${n.accountHint},
      ${n.actionOwner}, ${n.payerName}, ${n.batchId}, ${n.sourceKey}, ${n.parentPaymentId}, ${n.journalId}, ${at},
      ${operatorId})
    RETURNING id`;
}

/** Completes the queue row the payment's insert trigger added: its case, state, entry day and owner. */
export function suspendedQueueQuery(n: NewSuspended, paymentId: number): SQL {
  return sql`UPDATE suspense_queue SET root_id = ${n.rootId}, state = ${n.state}, entered_on = ${n.enteredOn},
      action_owner = ${n.actionOwner} WHERE payment_id = ${paymentId}`;
}

/** The entry date older days of the tally are folded into (always in the oldest age bucket). */
export const FOLDED_DAY = '0000-01-01';

/** Whether any tally row lies between the folded day and `before` (one index probe). */
export function tallyFoldDueQuery(before: string): SQL {
  return sql`SELECT 1 AS due FROM suspense_tally WHERE entered_on > ${FOLDED_DAY} AND entered_on < ${before} LIMIT 1`;
}

/** Folds the tally rows of days before `before` into the folded day: the add, the delete, the empty rows. */
export function tallyFoldQueries(before: string): SQL[] {
  return [
    // HAVING true: SQLite would read "ON CONFLICT" after a bare GROUP BY as part of the SELECT.
    sql`INSERT INTO suspense_tally (state, currency, owner, reason_code, entered_on, count, amount_minor)
      SELECT state, currency, owner, reason_code, ${FOLDED_DAY}, sum(count), sum(amount_minor) FROM suspense_tally
      WHERE entered_on > ${FOLDED_DAY} AND entered_on < ${before} GROUP BY 1, 2, 3, 4 HAVING true
      ON CONFLICT (state, currency, owner, reason_code, entered_on)
      DO UPDATE SET count = suspense_tally.count + excluded.count,
                    amount_minor = suspense_tally.amount_minor + excluded.amount_minor`,
    sql`DELETE FROM suspense_tally WHERE entered_on > ${FOLDED_DAY} AND entered_on < ${before}`,
    sql`DELETE FROM suspense_tally WHERE count = 0 AND amount_minor = 0`,
  ];
}

/** Posts a journal's header and lines and moves the AR balances it touches; answers the journal id. */
export async function insertJournal(tx: Tx, posting: JournalPosting): Promise<number> {
  const row = await tx.get<{ id: number }>(journalInsertQuery(posting));
  if (!row) throw new Error('the journal was not written');
  for (const l of posting.lines) {
    await tx.run(journalLineInsertQuery(row.id, l));
    if (l.gl === 'AR' && l.accountId !== null) await tx.run(balanceAddQuery(l.accountId, l.amountMinor));
  }
  return row.id;
}

/** A payment a suspended payment's money goes to: on a customer account, allocated next. */
export type NewDistributed = {
  accountId: number;
  payType: number;
  channelId: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  accountAmountMinor: number;
  ratePpm: number;
  effectiveDate: string;
  externalRef: string | null;
  billNo: string | null;
  payerName: string | null;
  batchId: number | null;
  sourceKey: string;
  parentPaymentId: number;
  journalId: number;
};

/** The payment row of a distributed payment (kind distributed, status 0), answering its id. */
export function distributedInsertQuery(n: NewDistributed, at: string, operatorId: number | null): SQL {
  return sql`INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency,
      account_amount_minor, rate_ppm, effective_date, external_ref, bill_no, payer_name, batch_id, source_key,
      parent_payment_id, journal_id, created_at, operator_id)
    VALUES ('distributed', ${n.accountId}, ${n.payType}, ${n.channelId}, 0, ${n.reasonCode}, ${n.amountMinor},
      ${n.currency}, ${n.accountAmountMinor}, ${n.ratePpm}, ${n.effectiveDate}, ${n.externalRef}, ${n.billNo},
      ${n.payerName}, ${n.batchId}, ${n.sourceKey}, ${n.parentPaymentId}, ${n.journalId}, ${at}, ${operatorId})
    RETURNING id`;
}
