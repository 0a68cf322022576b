import { sql, type SQL } from 'drizzle-orm';
import type { ProcessorTxnDto } from '../../src-shared/dto/processors';
import type { Dialect } from '../storage/port';
import { flag, inList } from './dialect';

/**
 * Processor records and one-off payments (issue #17), written once for both databases. A record is reserved at
 * 999 under its idempotency key (a unique index: a key reserved twice is refused by the database, never sent
 * twice) before its request leaves, moves to 1000 + code when the reply is recorded and to the plain code once
 * posted. The one-off payments, validations and refunds run these through the port
 * (services/processors/one-off.ts, methods.ts, refunds.ts, recovery.ts, and the runs on a PostgreSQL ledger,
 * collect.ts); the runs on SQLite and direct debit run them through the driver (driverGet/driverAll/driverRun).
 */

/** A processor record about to be reserved at 999. */
export type TxnDraft = {
  idemKey: string;
  processorId: number;
  command: 'verify' | 'auth' | 'condition' | 'deposit' | 'refund';
  runId: number | null;
  batchKey: string | null;
  accountId: number;
  billId: number | null;
  paymentMethodId: number | null;
  token: string;
  brand: string | null;
  merchant: string;
  amountMinor: number;
  currency: string;
  payType: number;
  relatedTxnId: number | null;
  description: string | null;
};

const RESERVE_INTO = sql`INSERT INTO processor_txns (idem_key, processor_id, command, run_id, batch_key, account_id,
    bill_id, payment_method_id, token, brand, merchant, amount_minor, currency, pay_type, result, related_txn_id,
    description, created_at, operator_id)`;

/** A draft's column values in RESERVE_INTO's order, at 999. */
function reserveValues(d: TxnDraft, at: string, operatorId: number | null): SQL {
  return sql`${d.idemKey}, ${d.processorId}, ${d.command}, ${d.runId}, ${d.batchKey}, ${d.accountId}, ${d.billId},
      ${d.paymentMethodId}, ${d.token}, ${d.brand}, ${d.merchant}, ${d.amountMinor}, ${d.currency}, ${d.payType}, 999,
      ${d.relatedTxnId}, ${d.description}, ${at}, ${operatorId}`;
}

/** Reserves one record at 999, answering its id. */
export function txnReserveQuery(d: TxnDraft, at: string, operatorId: number | null): SQL {
  return sql`${RESERVE_INTO} VALUES (${reserveValues(d, at, operatorId)}) RETURNING id`;
}

/** The highest record id so far (0 when none): a run reads it in the snapshot it selects in. */
export function txnWatermarkQuery(): SQL {
  return sql`SELECT coalesce(max(id), 0) AS id FROM processor_txns`;
}

/**
 * Reserves one record of a run at 999 unless its subject got a record with an id above `watermark` (the highest id
 * the run's selection saw): answers its id, or no row when the subject was taken since. The subject of a deposit or
 * refund is the record it follows; of a collection its bill, or a charge of its account that names no bill (a
 * one-off payment is allocated to the oldest bills). Both lookups go through the account's index.
 */
export function txnReserveUntakenQuery(
  d: TxnDraft,
  at: string,
  operatorId: number | null,
  watermark: number,
): SQL {
  return sql`${RESERVE_INTO} SELECT ${reserveValues(d, at, operatorId)}
    WHERE NOT EXISTS (SELECT 1 FROM processor_txns o
                      WHERE o.account_id = ${d.accountId} AND ${subjectOf(d)} AND o.id > ${watermark})
    RETURNING id`;
}

/** The records of a draft's subject (alias `o`): the record it follows, or its bill and the account's unbilled charges. */
function subjectOf(d: TxnDraft): SQL {
  return d.relatedTxnId !== null
    ? sql`o.related_txn_id = ${d.relatedTxnId}`
    : sql`(o.bill_id = ${d.billId} OR (o.bill_id IS NULL AND o.command IN ('condition', 'auth')))`;
}

/**
 * txnReserveUntakenQuery where ids are not handed out in commit order (PostgreSQL): reserves unless the subject has
 * another number of records than the `seen` its run's selection counted. Records are never deleted (Recovery's
 * delete closes them), so a record made since shows as one more; in a serializable transaction two runs counting
 * and inserting for one subject at once conflict, and the retried one counts the other's record.
 */
export function txnReserveUnchangedQuery(
  d: TxnDraft,
  at: string,
  operatorId: number | null,
  seen: number,
): SQL {
  return sql`${RESERVE_INTO} SELECT ${reserveValues(d, at, operatorId)}
    WHERE (SELECT count(*) FROM processor_txns o WHERE o.account_id = ${d.accountId} AND ${subjectOf(d)}) = ${seen}
    RETURNING id`;
}

/** Records of some accounts counted by what a subject is made of (see subjectCount). */
export type SubjectCountRow = {
  accountId: number;
  billId: number | null;
  relatedTxnId: number | null;
  charge: number;
  n: number;
};

/** The records of the accounts, grouped as subjectCount needs them: a run's selection reads it in its snapshot. */
export function subjectCountsQuery(dialect: Dialect, accountIds: readonly number[]): SQL {
  const charge = flag(sql`bill_id IS NULL AND command IN ('condition', 'auth')`);
  return sql`SELECT account_id AS "accountId", bill_id AS "billId", related_txn_id AS "relatedTxnId", ${charge} AS charge,
      count(*) AS n
    FROM processor_txns WHERE ${inList({ dialect }, sql`account_id`, accountIds)}
    GROUP BY account_id, bill_id, related_txn_id, ${charge}`;
}

/** How many records a draft's subject had in subjectCountsQuery's rows (the same subject as subjectOf). */
export function subjectCount(rows: readonly SubjectCountRow[], d: TxnDraft): number {
  let n = 0;
  for (const r of rows) {
    if (r.accountId !== d.accountId) continue;
    if (d.relatedTxnId !== null ? r.relatedTxnId === d.relatedTxnId : r.billId === d.billId || r.charge === 1)
      n += r.n;
  }
  return n;
}

/** A reply's fields as recorded on its record. */
export type RecordedReply = {
  idemKey: string;
  result: number;
  avs: string | null;
  cvv: string | null;
  authCode: string | null;
  processorRef: string | null;
};

/** Records a reply on its open checkpoint (999 only: a duplicate answer changes nothing), answering the id moved. */
export function txnReplyQuery(r: RecordedReply, at: string): SQL {
  return sql`UPDATE processor_txns SET result = ${r.result}, avs_code = ${r.avs}, cvv_code = ${r.cvv},
      auth_code = ${r.authCode}, processor_ref = ${r.processorRef}, settled_at = ${at}
    WHERE idem_key = ${r.idemKey} AND result = 999 RETURNING id`;
}

/** A checkpoint whose request certainly never arrived: FAIL_NO_ANS (1). */
export function txnNotSentQuery(txnId: number, at: string): SQL {
  return sql`UPDATE processor_txns SET result = 1, settled_at = ${at} WHERE id = ${txnId} AND result = 999`;
}

/** A record's final code, and the payment that carries it (null keeps the one it has). */
export function txnSetResultQuery(txnId: number, result: number, paymentId: number | null): SQL {
  return sql`UPDATE processor_txns SET result = ${result}, payment_id = coalesce(${paymentId}, payment_id)
    WHERE id = ${txnId}`;
}

/** A refund record's final code and the remainder payment it re-posted (null: none). */
export function refundSetResultQuery(txnId: number, result: number, paymentId: number | null): SQL {
  return sql`UPDATE processor_txns SET result = ${result}, payment_id = ${paymentId} WHERE id = ${txnId}`;
}

/** A record's result and payment. */
export function txnResultQuery(txnId: number): SQL {
  return sql`SELECT result, payment_id AS "paymentId" FROM processor_txns WHERE id = ${txnId}`;
}

const KEY_PREFIX = 'processors.keyPrefix';

/** The ledger's idempotency key prefix (JSON text), when made. */
export function keyPrefixQuery(): SQL {
  return sql`SELECT value FROM settings WHERE key = ${KEY_PREFIX}`;
}

/** Makes the prefix unless another transaction made one first (the first stays). */
export function keyPrefixInsertQuery(prefix: string): SQL {
  return sql`INSERT INTO settings (key, value) VALUES (${KEY_PREFIX}, ${JSON.stringify(prefix)})
    ON CONFLICT (key) DO NOTHING`;
}

/** What a stored record's request carries (a resubmit sends the same key, amount and token). */
export type RequestItemRow = {
  idemKey: string;
  command: TxnDraft['command'];
  merchant: string;
  token: string;
  amountMinor: number;
  currency: string;
  accountNo: string;
  billNo: string | null;
  originalRef: string | null;
};

/** A stored record's request, with the original's processor reference for a deposit or refund. */
export function requestItemQuery(txnId: number): SQL {
  return sql`SELECT t.idem_key AS "idemKey", t.command, t.merchant, t.token, t.amount_minor AS "amountMinor", t.currency,
      a.account_no AS "accountNo", b.bill_no AS "billNo",
      (SELECT o.processor_ref FROM processor_txns o WHERE o.id = t.related_txn_id) AS "originalRef"
    FROM processor_txns t JOIN accounts a ON a.id = t.account_id LEFT JOIN bills b ON b.id = t.bill_id
    WHERE t.id = ${txnId}`;
}

/** A record answered and not yet posted (1000 + code), with what posting it needs. */
export type SettledRow = {
  id: number;
  idemKey: string;
  command: TxnDraft['command'];
  runId: number | null;
  accountId: number;
  accountNo: string;
  accountCurrency: string;
  accountStatus: string;
  billNo: string | null;
  amountMinor: number;
  currency: string;
  payType: number;
  result: number;
  relatedTxnId: number | null;
  relatedPaymentId: number | null;
  processorChannel: number;
  processorRef: string | null;
};

/** The answered, unposted records among ids (refunds are posted by the refund service), in id order. */
export function settledRowsQuery(dialect: Dialect, txnIds: readonly number[]): SQL {
  return sql`SELECT t.id, t.idem_key AS "idemKey", t.command, t.run_id AS "runId", t.account_id AS "accountId",
      a.account_no AS "accountNo", a.currency AS "accountCurrency", a.status AS "accountStatus", b.bill_no AS "billNo",
      t.amount_minor AS "amountMinor", t.currency, t.pay_type AS "payType", t.result, t.related_txn_id AS "relatedTxnId",
      t.processor_ref AS "processorRef",
      (SELECT r.payment_id FROM processor_txns r WHERE r.id = t.related_txn_id) AS "relatedPaymentId",
      pr.channel_id AS "processorChannel"
    FROM processor_txns t JOIN accounts a ON a.id = t.account_id LEFT JOIN bills b ON b.id = t.bill_id
    JOIN processors pr ON pr.id = t.processor_id
    WHERE ${inList({ dialect }, sql`t.id`, txnIds)} AND t.result >= 1000 AND t.command <> 'refund'
    ORDER BY t.id`;
}

/** A payment's rate (allocation rows carry it). */
export function paymentRateQuery(paymentId: number): SQL {
  return sql`SELECT rate_ppm AS r FROM payments WHERE id = ${paymentId}`;
}

/** The columns of a record's DTO (recovery, a run's drill-down). */
export const TXN_SELECT = sql`SELECT t.id, t.idem_key AS "idemKey", t.command, t.result, a.account_no AS "accountNo",
  b.bill_no AS "billNo", t.amount_minor AS "amountMinor", t.currency, pm.mask, t.merchant, t.batch_key AS "batchKey",
  t.auth_code AS "authCode", t.processor_ref AS "processorRef", t.payment_id AS "paymentId", t.run_id AS "runId",
  t.created_at AS "createdAt", t.settled_at AS "settledAt"
  FROM processor_txns t JOIN accounts a ON a.id = t.account_id LEFT JOIN bills b ON b.id = t.bill_id
  LEFT JOIN payment_methods pm ON pm.id = t.payment_method_id`;

/** A TXN_SELECT row. */
export type TxnRow = Omit<ProcessorTxnDto, 'resultName' | 'ageDays'>;

/** Which records Recovery lists: 999 (open), 1000+ (unposted), or either (unresolved). */
export type RecoveryState = 'open' | 'unposted' | 'unresolved';

function recoveryWhere(state: RecoveryState, command: string | undefined): SQL {
  const where =
    state === 'open'
      ? sql`t.result = 999`
      : state === 'unposted'
        ? sql`t.result >= 1000`
        : sql`(t.result = 999 OR t.result >= 1000)`;
  return command ? sql`${where} AND t.command = ${command}` : where;
}

/** How many records Recovery lists (`n`). */
export function recoveryCountQuery(state: RecoveryState, command: string | undefined): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns t WHERE ${recoveryWhere(state, command)}`;
}

/** A page of the records Recovery lists, oldest first. */
export function recoveryPageQuery(
  state: RecoveryState,
  command: string | undefined,
  limit: number,
  offset: number,
): SQL {
  return sql`${TXN_SELECT} WHERE ${recoveryWhere(state, command)} ORDER BY t.id LIMIT ${limit} OFFSET ${offset}`;
}

function runWhere(runId: number, result: number | undefined): SQL {
  return result === undefined ? sql`t.run_id = ${runId}` : sql`t.run_id = ${runId} AND t.result = ${result}`;
}

/** How many records a run has (of one result) (`n`). */
export function runTxnCountQuery(runId: number, result: number | undefined): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns t WHERE ${runWhere(runId, result)}`;
}

/** A page of a run's records (of one result), in id order. */
export function runTxnPageQuery(
  runId: number,
  result: number | undefined,
  limit: number,
  offset: number,
): SQL {
  return sql`${TXN_SELECT} WHERE ${runWhere(runId, result)} ORDER BY t.id LIMIT ${limit} OFFSET ${offset}`;
}

// Refunds of a charged record.

/** A charged record a refund refers to. */
export type OriginalTxn = {
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

/** The record a refund refers to. */
export function originalTxnQuery(txnId: number): SQL {
  return sql`SELECT t.id, t.processor_id AS "processorId", t.account_id AS "accountId", a.account_no AS "accountNo",
      t.command, t.result, t.payment_id AS "paymentId", t.amount_minor AS "amountMinor", t.currency,
      t.pay_type AS "payType", t.token, t.brand, t.merchant, t.payment_method_id AS "methodId"
    FROM processor_txns t JOIN accounts a ON a.id = t.account_id WHERE t.id = ${txnId}`;
}

/** The payments approved refunds of an original re-posted (the last one carries what is left), in order. */
export function refundPaymentsQuery(originalId: number): SQL {
  return sql`SELECT payment_id AS "paymentId" FROM processor_txns
    WHERE related_txn_id = ${originalId} AND command = 'refund' AND result = 0 ORDER BY id`;
}

/** What is refunded of an original (`s`): approved refunds and those in flight or answered, not declined ones. */
export function refundedSumQuery(originalId: number): SQL {
  return sql`SELECT coalesce(sum(amount_minor), 0) AS s FROM processor_txns
    WHERE related_txn_id = ${originalId} AND command = 'refund' AND (result = 0 OR result = 999 OR result >= 1000)`;
}

/** How many refunds of an original were reserved (`n`): the next one's idempotency key counts on. */
export function refundCountQuery(originalId: number): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns WHERE related_txn_id = ${originalId} AND command = 'refund'`;
}

/** A refund record to post. */
export type RefundTxnRow = {
  id: number;
  idemKey: string;
  result: number;
  relatedTxnId: number | null;
  amountMinor: number;
  description: string | null;
};

/** A refund record to post. */
export function refundTxnQuery(txnId: number): SQL {
  return sql`SELECT id, idem_key AS "idemKey", result, related_txn_id AS "relatedTxnId", amount_minor AS "amountMinor",
      description FROM processor_txns WHERE id = ${txnId}`;
}

/** The payment a refund reverses. */
export type RefundedPayment = {
  amountMinor: number;
  currency: string;
  payType: number;
  channelId: number;
  billNo: string | null;
};

/** The payment a refund reverses: what its remainder is re-posted with. */
export function refundedPaymentQuery(paymentId: number): SQL {
  return sql`SELECT amount_minor AS "amountMinor", currency, pay_type AS "payType", channel_id AS "channelId",
      bill_no AS "billNo" FROM payments WHERE id = ${paymentId}`;
}

// One-off payments (pending_payments).

/** A one-off payment with its account, operators and record. */
export type PendingRow = {
  id: number;
  accountId: number;
  accountNo: string;
  accountName: string;
  amountMinor: number;
  currency: string;
  paymentMethodId: number | null;
  token: string;
  mask: string;
  brand: string | null;
  description: string | null;
  status: 'pending' | 'confirmed' | 'cancelled' | 'expired' | 'declined' | 'unresolved';
  expiresAt: string;
  needsSupervisor: number;
  cancelReason: string | null;
  txnId: number | null;
  paymentId: number | null;
  createdAt: string;
  createdById: number | null;
  createdBy: string | null;
  decidedBy: string | null;
  result: number | null;
  authCode: string | null;
};

const PENDING_SELECT = sql`SELECT p.id, p.account_id AS "accountId", a.account_no AS "accountNo", a.name AS "accountName",
  p.amount_minor AS "amountMinor", p.currency, p.payment_method_id AS "paymentMethodId", p.token, p.mask, p.brand,
  p.description, p.status, p.expires_at AS "expiresAt", p.needs_supervisor AS "needsSupervisor",
  p.cancel_reason AS "cancelReason", p.txn_id AS "txnId", p.payment_id AS "paymentId", p.created_at AS "createdAt",
  p.created_by AS "createdById", oc.login AS "createdBy", od.login AS "decidedBy", t.result, t.auth_code AS "authCode"
  FROM pending_payments p JOIN accounts a ON a.id = p.account_id LEFT JOIN operators oc ON oc.id = p.created_by
  LEFT JOIN operators od ON od.id = p.decided_by LEFT JOIN processor_txns t ON t.id = p.txn_id`;

/** One one-off payment. */
export function pendingByIdQuery(id: number): SQL {
  return sql`${PENDING_SELECT} WHERE p.id = ${id}`;
}

/** One-off payments: the pending ones soonest expiry first, or every one newest first. */
export function pendingListQuery(all: boolean, limit: number): SQL {
  return all
    ? sql`${PENDING_SELECT} ORDER BY p.id DESC LIMIT ${limit}`
    : sql`${PENDING_SELECT} WHERE p.status = 'pending' ORDER BY p.expires_at LIMIT ${limit}`;
}

/** A one-off payment to prepare. */
export type NewPending = {
  accountId: number;
  amountMinor: number;
  currency: string;
  paymentMethodId: number | null;
  token: string;
  mask: string;
  brand: string | null;
  description: string | null;
  expiresAt: string;
  needsSupervisor: boolean;
  at: string;
  operatorId: number;
};

/** Prepares a one-off payment as pending, answering its id. */
export function pendingInsertQuery(p: NewPending): SQL {
  return sql`INSERT INTO pending_payments (account_id, amount_minor, currency, payment_method_id, token, mask, brand,
      description, status, expires_at, needs_supervisor, created_at, created_by)
    VALUES (${p.accountId}, ${p.amountMinor}, ${p.currency}, ${p.paymentMethodId}, ${p.token}, ${p.mask}, ${p.brand},
      ${p.description}, 'pending', ${p.expiresAt}, ${p.needsSupervisor ? 1 : 0}, ${p.at}, ${p.operatorId})
    RETURNING id`;
}

/** A pending payment past its expiry becomes expired. */
export function pendingExpireQuery(id: number, at: string): SQL {
  return sql`UPDATE pending_payments SET status = 'expired', decided_at = ${at} WHERE id = ${id} AND status = 'pending'`;
}

/** A pending payment confirmed: in flight (unresolved) under its record, only while still pending. */
export function pendingConfirmQuery(id: number, txnId: number, at: string, operatorId: number): SQL {
  return sql`UPDATE pending_payments SET status = 'unresolved', txn_id = ${txnId}, decided_at = ${at},
      decided_by = ${operatorId} WHERE id = ${id} AND status = 'pending'`;
}

/** A confirm whose request never left: the payment is pending again. */
export function pendingReopenQuery(id: number): SQL {
  return sql`UPDATE pending_payments SET status = 'pending', decided_by = NULL, decided_at = NULL
    WHERE id = ${id} AND status = 'unresolved'`;
}

/** A pending payment cancelled with a reason, only while still pending. */
export function pendingCancelQuery(id: number, reason: string, at: string, operatorId: number): SQL {
  return sql`UPDATE pending_payments SET status = 'cancelled', cancel_reason = ${reason}, decided_at = ${at},
      decided_by = ${operatorId} WHERE id = ${id} AND status = 'pending'`;
}

/** The record of a confirmed one-off payment: its result and payment. */
export function pendingTxnQuery(id: number): SQL {
  return sql`SELECT t.result, t.payment_id AS "paymentId" FROM pending_payments p JOIN processor_txns t ON t.id = p.txn_id
    WHERE p.id = ${id}`;
}

/** An unresolved one-off payment brought in line with its settled record. */
export function pendingSettleQuery(
  id: number,
  status: 'confirmed' | 'declined',
  paymentId: number | null,
): SQL {
  return sql`UPDATE pending_payments SET status = ${status}, payment_id = ${paymentId}
    WHERE id = ${id} AND status = 'unresolved'`;
}

/** The one-off payments in flight. */
export function unresolvedPendingQuery(): SQL {
  return sql`SELECT id FROM pending_payments WHERE status = 'unresolved' ORDER BY id`;
}

// Recovery (recovery:summary, recovery:daily, recovery:resolve).

/** Records of one state counted per command and currency. */
export type CommandAmountRow = { command: string; currency: string; count: number; amountMinor: number };

/** Open checkpoints (999) or answered, unposted records (1000+) counted per command and currency. */
export function recoveryByCommandQuery(state: 'open' | 'unposted'): SQL {
  return sql`SELECT t.command, t.currency, count(*) AS count, sum(t.amount_minor) AS "amountMinor"
    FROM processor_txns t WHERE ${recoveryWhere(state, undefined)}
    GROUP BY t.command, t.currency ORDER BY t.command, t.currency`;
}

/** The oldest open checkpoint of a command (`m`). */
export function oldestOpenQuery(command: string): SQL {
  return sql`SELECT min(created_at) AS m FROM processor_txns WHERE result = 999 AND command = ${command}`;
}

/** Records created on one day counted per command, result and currency. */
export type DayCountRow = CommandAmountRow & { result: number };

/** Records created on one day (YYYY-MM-DD) counted per command, result and currency. */
export function dayByCommandQuery(day: string): SQL {
  return sql`SELECT command, result, currency, count(*) AS count, sum(amount_minor) AS "amountMinor"
    FROM processor_txns WHERE substr(created_at, 1, 10) = ${day}
    GROUP BY command, result, currency ORDER BY command, result, currency`;
}

/** A record Recovery resolves. */
export type ResolveRow = {
  id: number;
  processorId: number;
  command: string;
  batchKey: string | null;
  createdAt: string;
  result: number;
};

/** What recovery:resolve picks: open checkpoints or unposted records, by ids, processor batch and command. */
export type ResolvePick = {
  state: 'open' | 'unposted';
  txnIds?: readonly number[] | undefined;
  batchKey?: string | undefined;
  command?: string | undefined;
};

/** The records recovery:resolve picks, in id order. */
export function resolveRowsQuery(dialect: Dialect, p: ResolvePick): SQL {
  const where = [recoveryWhere(p.state, p.command)];
  if (p.txnIds?.length) where.push(inList({ dialect }, sql`t.id`, p.txnIds));
  if (p.batchKey) where.push(sql`t.batch_key = ${p.batchKey}`);
  return sql`SELECT t.id, t.processor_id AS "processorId", t.command, t.batch_key AS "batchKey",
      t.created_at AS "createdAt", t.result
    FROM processor_txns t WHERE ${sql.join(where, sql` AND `)} ORDER BY t.id`;
}

/** How many of ids are still unposted (1000+) or unresolved (999 or 1000+) (`n`). */
export function stillOpenQuery(dialect: Dialect, txnIds: readonly number[], state: RecoveryState): SQL {
  return sql`SELECT count(*) AS n FROM processor_txns t
    WHERE ${inList({ dialect }, sql`t.id`, txnIds)} AND ${recoveryWhere(state, undefined)}`;
}

/** The answered, unposted refund records among ids (the refund posting settles them), in id order. */
export function unpostedRefundsQuery(dialect: Dialect, txnIds: readonly number[]): SQL {
  return sql`SELECT t.id FROM processor_txns t
    WHERE ${inList({ dialect }, sql`t.id`, txnIds)} AND t.command = 'refund' AND t.result >= 1000 ORDER BY t.id`;
}

/** An open checkpoint dropped by Recovery: FAIL_NO_ANS (1), its description marked. */
export function checkpointDeleteQuery(txnId: number, at: string): SQL {
  return sql`UPDATE processor_txns SET result = 1, settled_at = ${at},
      description = coalesce(description, '') || ' [deleted by recovery]'
    WHERE id = ${txnId} AND result = 999`;
}
