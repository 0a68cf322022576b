import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { appendAudit, type AuditEntry } from '../../../db/repos/audit';
import {
  hasOpenItemQuery,
  paymentBySourceKeyQuery,
  reversiblePaymentQuery,
  type PostedBySource,
} from '../../../db/repos/payments';
import {
  keyPrefixInsertQuery,
  keyPrefixQuery,
  paymentRateQuery,
  requestItemQuery,
  settledRowsQuery,
  txnNotSentQuery,
  txnReplyQuery,
  txnReserveQuery,
  txnReserveUntakenQuery,
  txnSetResultQuery,
  type RecordedReply,
  type RequestItemRow,
  type SettledRow,
  type TxnDraft,
  type TxnRow,
} from '../../../db/repos/processor-txns';
import type { Tx } from '../../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../../db/storage/sqlite';
import type { ProcessorTxnDto } from '../../../src-shared/dto/processors';
import { crashPoint } from '../../ledger/crash-point';
import { RESULT, resultName, type ProcessorReply, type ProcessorRequestItem } from '../../processors/port';
import { allocatePaymentIn } from '../../ledger/allocation';
import { notFound } from '../../ledger/errors';
import { writeAudit } from '../../ledger/audit';
import { allocateBulk, allocateBulkIn, type BulkAllocPayment } from '../../ledger/bulk-allocation';
import {
  postPayment,
  postPaymentIn,
  postPaymentsBulk,
  postPaymentsBulkIn,
  type BulkPaymentRow,
  type PaymentToPost,
} from '../../ledger/payments';
import { reversePayment, reversePaymentIn } from '../../ledger/reversals';
import { applyDecline, applyDeclineIn, type DeclinedTxn } from './declines';

export type { TxnDraft };

/** A reply's fields as stored: 1000 + its code (an unknown code is a technical problem), empty fields as null. */
function recorded(r: ProcessorReply): RecordedReply {
  const code = r.result >= 0 && r.result < RESULT.checkpoint ? r.result : RESULT.technicalProblem;
  return {
    idemKey: r.idemKey,
    result: RESULT.offset + code,
    avs: r.avs ?? null,
    cvv: r.cvv ?? null,
    authCode: r.authCode || null,
    processorRef: r.processorRef ?? null,
  };
}

/**
 * Reserves checkpoint records (result 999) for requests about to leave (V12), in one transaction, and
 * returns their ids in input order. A crash after this leaves records Recovery can resolve. A key reserved
 * before is refused by its unique index and nothing of the call is reserved. Through the driver (collection
 * runs, direct debit); reserveTxnsIn is the same in a port transaction.
 */
export function reserveTxns(
  db: Database.Database,
  drafts: readonly TxnDraft[],
  at: string,
  operatorId: number | null,
): number[] {
  return db.transaction(() =>
    drafts.map((d) => driverGet<{ id: number }>(db, txnReserveQuery(d, at, operatorId))!.id),
  )();
}

/**
 * reserveTxns for a run whose selection saw records up to id `watermark`: a draft whose subject (its bill, or the
 * record it follows) got a record since (another run, a one-off payment) is not reserved and must not be sent.
 * Answers the id per draft in input order, null for a draft taken since. On SQLite the comparison of ids is
 * enough: ids are AUTOINCREMENT (never reused) and handed out under the one write lock, so a record committed after
 * the selection's snapshot has an id above every id that snapshot saw. A PostgreSQL sequence is not commit-ordered
 * (a lower id can commit later), so a run on the port compares per subject there (txnReserveUnchangedQuery).
 */
export function reserveUntakenTxns(
  db: Database.Database,
  drafts: readonly TxnDraft[],
  at: string,
  operatorId: number | null,
  watermark: number,
): (number | null)[] {
  return db.transaction(() =>
    drafts.map(
      (d) => driverGet<{ id: number }>(db, txnReserveUntakenQuery(d, at, operatorId, watermark))?.id ?? null,
    ),
  )();
}

/** reserveTxns in the caller's port transaction (a key reserved before: UniqueViolation). */
export async function reserveTxnsIn(
  tx: Tx,
  drafts: readonly TxnDraft[],
  at: string,
  operatorId: number | null,
): Promise<number[]> {
  const ids: number[] = [];
  for (const d of drafts) {
    const row = await tx.get<{ id: number }>(txnReserveQuery(d, at, operatorId));
    if (!row) throw new Error('the processor record was not reserved');
    ids.push(row.id);
  }
  return ids;
}

/**
 * Records processor replies: each open checkpoint (999) becomes 1000 + code with the auth code and reference.
 * A reply for a record already past 999 (a duplicate answer, a second RFR) changes nothing. Returns the ids
 * that moved.
 */
export function recordReplies(
  db: Database.Database,
  replies: readonly ProcessorReply[],
  at: string,
): number[] {
  const moved: number[] = [];
  db.transaction(() => {
    for (const r of replies) {
      const row = driverGet<{ id: number }>(db, txnReplyQuery(recorded(r), at));
      if (row) moved.push(row.id);
    }
  })();
  return moved;
}

/** recordReplies in the caller's port transaction. */
export async function recordRepliesIn(
  tx: Tx,
  replies: readonly ProcessorReply[],
  at: string,
): Promise<number[]> {
  const moved: number[] = [];
  for (const r of replies) {
    const row = await tx.get<{ id: number }>(txnReplyQuery(recorded(r), at));
    if (row) moved.push(row.id);
  }
  return moved;
}

/** Marks checkpoints whose request certainly never arrived (connection refused) as FAIL_NO_ANS (1). */
export function settleNotSent(db: Database.Database, txnIds: readonly number[], at: string): void {
  db.transaction(() => {
    for (const id of txnIds) driverRun(db, txnNotSentQuery(id, at));
  })();
}

/** settleNotSent in the caller's port transaction. */
export async function settleNotSentIn(tx: Tx, txnIds: readonly number[], at: string): Promise<void> {
  for (const id of txnIds) await tx.run(txnNotSentQuery(id, at));
}

type OffsetRow = SettledRow;

/** The payment a settled charge posts: its source key is the record's, so a record is never posted twice. */
function settledPayment(r: SettledRow, today: string): PaymentToPost {
  return {
    accountNo: r.accountNo,
    amountMinor: r.amountMinor,
    currency: r.currency,
    effectiveDate: today,
    payType: r.payType,
    channelId: r.processorChannel,
    externalRef: r.processorRef,
    billNo: r.billNo,
    sourceKey: `proc:${r.idemKey}`,
  };
}

/** What posting settled records did. */
export type PostStats = { posted: number; postedMinor: number; declined: number; settled: number };

/**
 * Posts what the processor did for records at 1000 + code, then sets them to the plain code: approved sales
 * and authorizations become payments allocated to their bill (idempotent by `proc:<idemKey>`), collection
 * declines go through the decline policy, declined deposits reverse their authorization's payment. Refund
 * records are posted by the refund service. Bulk first; a failing bulk falls back to one record at a time,
 * leaving any record that still fails at 1000 + code for Recovery.
 */
export function postSettled(
  db: Database.Database,
  txnIds: readonly number[],
  at: string,
  today: string,
  operatorId: number | null,
): PostStats {
  const stats: PostStats = { posted: 0, postedMinor: 0, declined: 0, settled: 0 };
  if (txnIds.length === 0) return stats;
  const rows = driverAll<OffsetRow>(db, settledRowsQuery('sqlite', txnIds));
  if (rows.length === 0) return stats;
  try {
    db.transaction(() => postRows(db, rows, at, today, operatorId, stats))();
  } catch {
    for (const r of rows) {
      const one: PostStats = { posted: 0, postedMinor: 0, declined: 0, settled: 0 };
      try {
        db.transaction(() => postRows(db, [r], at, today, operatorId, one))();
        stats.posted += one.posted;
        stats.postedMinor += one.postedMinor;
        stats.declined += one.declined;
        stats.settled += one.settled;
      } catch {
        // Stays at 1000 + code: charged at the processor, not posted here; Recovery lists it.
      }
    }
  }
  return stats;
}

/** An approved charge in the account's currency as a bulk payment row (`proc:<idemKey>`). */
function bulkRow(r: SettledRow, today: string): BulkPaymentRow {
  return {
    sourceKey: `proc:${r.idemKey}`,
    accountId: r.accountId,
    accountCurrency: r.accountCurrency,
    amountMinor: r.amountMinor,
    currency: r.currency,
    accountAmountMinor: r.amountMinor,
    ratePpm: 1_000_000,
    effectiveDate: today,
    payType: r.payType,
    channelId: r.processorChannel,
    externalRef: r.processorRef,
    billNo: r.billNo,
    payerName: null,
    batchId: null,
  };
}

/** The audit row of a bulk posting of processor payments. */
function postAudit(
  rows: readonly SettledRow[],
  fresh: readonly BulkPaymentRow[],
  at: string,
  operatorId: number | null,
): AuditEntry {
  return {
    at,
    operatorId,
    action: 'processor.post',
    entity: 'processor_txn',
    entityId: rows
      .map((r) => r.id)
      .join(',')
      .slice(0, 200),
    after: { payments: fresh.length, amountMinor: fresh.reduce((s, b) => s + b.amountMinor, 0) },
  };
}

/** The one journal of a bulk posting, keyed by its first payment. */
function postJournalOf(fresh: readonly BulkPaymentRow[], today: string, auditId: number) {
  return {
    kind: 'processor_payment',
    idemKey: `proc-post:${fresh[0]!.sourceKey}`,
    effectiveDate: today,
    auditId,
  };
}

/** The audit row of a declined deposit reversing its authorization's payment. */
function depositDeclineAudit(r: SettledRow, code: number, at: string, operatorId: number | null): AuditEntry {
  return {
    at,
    operatorId,
    action: 'deposit.declined',
    entity: 'payment',
    entityId: String(r.relatedPaymentId),
    after: { txnId: r.id, result: code },
    reasonCode: 4104,
  };
}

/** A run's declined charge as the decline policy takes it. */
function declinedOf(r: SettledRow, runId: number, code: number): DeclinedTxn {
  return {
    id: r.id,
    runId,
    accountId: r.accountId,
    amountMinor: r.amountMinor,
    currency: r.currency,
    result: code,
    command: r.command,
  };
}

/** A posted payment waiting for allocation (its rate read before allocating). */
function allocOf(
  paymentId: number,
  accountId: number,
  amountMinor: number,
  billNo: string | null,
): BulkAllocPayment {
  return { paymentId, accountId, amountMinor, ratePpm: 1_000_000, billNo };
}

function postRows(
  db: Database.Database,
  rows: readonly OffsetRow[],
  at: string,
  today: string,
  operatorId: number | null,
  stats: PostStats,
): void {
  const approved = rows.filter(
    (r) => r.result === RESULT.offset && (r.command === 'condition' || r.command === 'auth'),
  );
  const bulk: BulkPaymentRow[] = [];
  const single: OffsetRow[] = [];
  for (const r of approved) {
    if (r.currency === r.accountCurrency) bulk.push(bulkRow(r, today));
    else single.push(r);
  }
  const toAllocate: {
    paymentId: number;
    accountId: number;
    amountMinor: number;
    ratePpm: number;
    billNo: string | null;
  }[] = [];
  if (bulk.length > 0) {
    // A payment already posted under the same key (a crash after posting, before the result was set) is
    // looked up instead of posted again.
    const fresh = bulk.filter((b) => !driverGet(db, paymentBySourceKeyQuery(b.sourceKey)));
    if (fresh.length > 0) {
      const auditId = writeAudit(db, postAudit(rows, fresh, at, operatorId));
      const ids = postPaymentsBulk(db, fresh, postJournalOf(fresh, today, auditId), at, operatorId);
      fresh.forEach((b, i) => {
        const id = ids[i];
        if (id)
          toAllocate.push({
            paymentId: id,
            accountId: b.accountId,
            amountMinor: b.accountAmountMinor,
            ratePpm: 1_000_000,
            billNo: b.billNo,
          });
      });
    }
  }
  for (const r of single) {
    const p = postPayment(db, settledPayment(r, today), at, operatorId);
    if (!p.duplicate)
      toAllocate.push({
        paymentId: p.paymentId,
        accountId: p.accountId,
        amountMinor: p.accountAmountMinor,
        ratePpm: 1,
        billNo: r.billNo,
      });
  }
  if (toAllocate.length > 0) {
    allocateBulk(
      db,
      toAllocate.map((a) => ({
        ...a,
        ratePpm: driverGet<{ r: number }>(db, paymentRateQuery(a.paymentId))!.r,
      })),
      { policy: 'standard', searchBillAmount: false },
      at,
      operatorId,
    );
  }
  for (const r of approved) {
    const p = driverGet<PostedBySource>(db, paymentBySourceKeyQuery(`proc:${r.idemKey}`))!;
    driverRun(db, txnSetResultQuery(r.id, RESULT.pass, p.id));
    stats.posted++;
    stats.postedMinor += r.amountMinor;
    stats.settled++;
  }
  crashPoint();
  for (const r of rows) {
    if (approved.includes(r)) continue;
    const code = r.result - RESULT.offset;
    if (r.command === 'deposit' && code !== RESULT.pass && r.relatedPaymentId) {
      const payment = driverGet<{ reversed: number }>(db, reversiblePaymentQuery(r.relatedPaymentId));
      if (!payment?.reversed) {
        const auditId = writeAudit(db, depositDeclineAudit(r, code, at, operatorId));
        reversePayment(
          db,
          { paymentId: r.relatedPaymentId, reasonCode: 4104, idemKey: `deposit-decline:${r.id}` },
          at,
          today,
          operatorId,
          auditId,
        );
      }
    }
    if (r.command === 'condition' && code !== RESULT.pass && r.runId !== null) {
      applyDecline(db, declinedOf(r, r.runId, code), at, today, operatorId);
    }
    if (code !== RESULT.pass) stats.declined++;
    driverRun(db, txnSetResultQuery(r.id, code, null));
    stats.settled++;
  }
}

/**
 * postSettled's posting of a run's answered records in the caller's port transaction (a run on PostgreSQL): the
 * same rows as the driver's bulk, one `processor_payment` journal for the approvals in the account's currency
 * (postPaymentsBulkIn, allocateBulkIn), a payment each for the others, declined deposits reversed, a collection's
 * declines through the decline policy, every record set to its plain code. The caller falls back to one record per
 * transaction when this throws, as postSettled does.
 */
export async function postSettledIn(
  tx: Tx,
  txnIds: readonly number[],
  at: string,
  today: string,
  operatorId: number | null,
): Promise<PostStats> {
  const stats: PostStats = { posted: 0, postedMinor: 0, declined: 0, settled: 0 };
  if (txnIds.length === 0) return stats;
  const rows = await tx.all<OffsetRow>(settledRowsQuery(tx.dialect, txnIds));
  if (rows.length === 0) return stats;
  const approved = rows.filter(
    (r) => r.result === RESULT.offset && (r.command === 'condition' || r.command === 'auth'),
  );
  const bulk = approved.filter((r) => r.currency === r.accountCurrency).map((r) => bulkRow(r, today));
  const toAllocate: BulkAllocPayment[] = [];
  const fresh: BulkPaymentRow[] = [];
  for (const b of bulk) if (!(await tx.get(paymentBySourceKeyQuery(b.sourceKey)))) fresh.push(b);
  if (fresh.length > 0) {
    const auditId = await appendAudit(tx, postAudit(rows, fresh, at, operatorId));
    const ids = await postPaymentsBulkIn(tx, fresh, postJournalOf(fresh, today, auditId), at, operatorId);
    fresh.forEach((b, i) => {
      const id = ids[i];
      if (id) toAllocate.push(allocOf(id, b.accountId, b.accountAmountMinor, b.billNo));
    });
  }
  for (const r of approved.filter((x) => x.currency !== x.accountCurrency)) {
    const p = await postPaymentIn(tx, settledPayment(r, today), at, operatorId);
    if (!p.duplicate) toAllocate.push(allocOf(p.paymentId, p.accountId, p.accountAmountMinor, r.billNo));
  }
  if (toAllocate.length > 0) {
    for (const a of toAllocate) a.ratePpm = (await tx.get<{ r: number }>(paymentRateQuery(a.paymentId)))!.r;
    await allocateBulkIn(tx, toAllocate, { policy: 'standard', searchBillAmount: false }, at, operatorId);
  }
  for (const r of approved) {
    const p = (await tx.get<PostedBySource>(paymentBySourceKeyQuery(`proc:${r.idemKey}`)))!;
    await tx.run(txnSetResultQuery(r.id, RESULT.pass, p.id));
    stats.posted++;
    stats.postedMinor += r.amountMinor;
    stats.settled++;
  }
  for (const r of rows) {
    if (approved.includes(r)) continue;
    const code = r.result - RESULT.offset;
    if (r.command === 'deposit' && code !== RESULT.pass && r.relatedPaymentId) {
      const payment = await tx.get<{ reversed: number }>(reversiblePaymentQuery(r.relatedPaymentId));
      if (!payment?.reversed) {
        const auditId = await appendAudit(tx, depositDeclineAudit(r, code, at, operatorId));
        await reversePaymentIn(
          tx,
          { paymentId: r.relatedPaymentId, reasonCode: 4104, idemKey: `deposit-decline:${r.id}` },
          at,
          today,
          operatorId,
          auditId,
        );
      }
    }
    if (r.command === 'condition' && code !== RESULT.pass && r.runId !== null)
      await applyDeclineIn(tx, declinedOf(r, r.runId, code), at, today, operatorId);
    if (code !== RESULT.pass) stats.declined++;
    await tx.run(txnSetResultQuery(r.id, code, null));
    stats.settled++;
  }
  return stats;
}

/** The request of a stored record (a resubmit sends the same key, amount and token). */
function requestItem(r: RequestItemRow | undefined, txnId: number): ProcessorRequestItem {
  if (!r) throw notFound('processor record', String(txnId));
  return {
    idemKey: r.idemKey,
    command: r.command,
    merchant: r.merchant,
    token: r.token,
    amountMinor: r.amountMinor,
    currency: r.currency,
    accountNo: r.accountNo,
    ...(r.billNo ? { reference: r.billNo } : {}),
    ...(r.originalRef ? { originalRef: r.originalRef } : {}),
  };
}

/** The request item for a stored record, through the driver. */
export function requestItemOf(db: Database.Database, txnId: number): ProcessorRequestItem {
  return requestItem(driverGet<RequestItemRow>(db, requestItemQuery(txnId)), txnId);
}

/** requestItemOf in a port transaction. */
export async function requestItemOfIn(tx: Tx, txnId: number): Promise<ProcessorRequestItem> {
  return requestItem(await tx.get<RequestItemRow>(requestItemQuery(txnId)), txnId);
}

/** Maps a TXN_SELECT row (db/repos/processor-txns.ts) to its DTO. */
export function txnDto(r: TxnRow, now: Date): ProcessorTxnDto {
  return {
    ...r,
    resultName: resultName(r.result),
    ageDays: Math.floor((now.getTime() - Date.parse(r.createdAt)) / 86_400_000),
  };
}

const newPrefix = (): string => randomBytes(4).toString('hex');

/**
 * The ledger's prefix for idempotency keys, made once per ledger: a processor deduplicates keys across all
 * its merchants' systems, so two ledgers (a restored copy, a test ledger) must never send the same key. Two
 * making it at once keep the first (the insert does nothing on a key already there) and read it back.
 */
export function keyPrefix(db: Database.Database): string {
  const row = driverGet<{ value: string }>(db, keyPrefixQuery());
  if (row) return JSON.parse(row.value) as string;
  driverRun(db, keyPrefixInsertQuery(newPrefix()));
  return keyPrefix(db);
}

/** keyPrefix in a port transaction. */
export async function keyPrefixIn(tx: Tx): Promise<string> {
  const row = await tx.get<{ value: string }>(keyPrefixQuery());
  if (row) return JSON.parse(row.value) as string;
  await tx.run(keyPrefixInsertQuery(newPrefix()));
  return keyPrefixIn(tx);
}

/**
 * Posts a one-off payment's answered record (1000 + code) in the caller's port transaction, as postSettled
 * does on the driver: an approved sale or authorization becomes a payment (`proc:<idemKey>`, postPaymentIn, a
 * payment already posted under the key is taken as it is) allocated oldest first (by its bill first when it
 * names one), and the record is set to the plain code with its payment. A record of a run or a deposit needs
 * the decline policy or a reversal, which stay on the driver: refused here. Answers whether a record moved.
 */
export async function postOneOffIn(
  tx: Tx,
  txnId: number,
  now: Date,
  today: string,
  operatorId: number | null,
): Promise<boolean> {
  const r = (await tx.all<SettledRow>(settledRowsQuery(tx.dialect, [txnId])))[0];
  if (!r) return false;
  if (r.runId !== null || (r.command !== 'condition' && r.command !== 'auth'))
    throw new Error(
      `processor record ${r.id} belongs to a run or a deposit: it is posted through the driver`,
    );
  const code = r.result - RESULT.offset;
  if (code !== RESULT.pass) {
    await tx.run(txnSetResultQuery(r.id, code, null));
    return true;
  }
  await postApprovedChargeIn(tx, r, now, today, operatorId);
  return true;
}

/**
 * An approved sale or authorization (answered 1000 + pass) posted in the caller's port transaction: a payment
 * (`proc:<idemKey>`; one already posted under the key is taken as it is), allocated by its bill first when it names
 * one, else oldest first, and the record set to pass with its payment. One-off payments and Recovery post with it.
 */
export async function postApprovedChargeIn(
  tx: Tx,
  r: SettledRow,
  now: Date,
  today: string,
  operatorId: number | null,
): Promise<void> {
  const posted = await postPaymentIn(tx, settledPayment(r, today), now.toISOString(), operatorId);
  if (!posted.duplicate && (await tx.get(hasOpenItemQuery(posted.accountId))))
    await allocatePaymentIn(
      tx,
      { paymentId: posted.paymentId, policy: r.billNo ? 'standard' : 'fifo' },
      now,
      operatorId,
    );
  await tx.run(txnSetResultQuery(r.id, RESULT.pass, posted.paymentId));
}
