import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { ProcessorTxnDto } from '../../../src-shared/dto/processors';
import { crashPoint } from '../../ledger/crash-point';
import {
  RESULT,
  resultName,
  type ProcessorCommand,
  type ProcessorReply,
  type ProcessorRequestItem,
} from '../../processors/port';
import { writeAudit } from '../../ledger/audit';
import { allocateBulk } from '../../ledger/bulk-allocation';
import { postPayment, postPaymentsBulk, type BulkPaymentRow } from '../../ledger/payments';
import { reversePayment } from '../../ledger/reversals';
import { applyDecline } from './declines';

/** A transaction about to be reserved at 999. */
export type TxnDraft = {
  idemKey: string;
  processorId: number;
  command: ProcessorCommand;
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

/**
 * Reserves checkpoint records (result 999) for requests about to leave (V12), in one transaction, and
 * returns their ids in input order. A crash after this leaves records Recovery can resolve.
 */
export function reserveTxns(
  db: Database.Database,
  drafts: readonly TxnDraft[],
  at: string,
  operatorId: number | null,
): number[] {
  const ins = db.prepare(
    `INSERT INTO processor_txns (idem_key, processor_id, command, run_id, batch_key, account_id, bill_id, payment_method_id, token, brand,
       merchant, amount_minor, currency, pay_type, result, related_txn_id, description, created_at, operator_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 999, ?, ?, ?, ?)`,
  );
  return db.transaction(() =>
    drafts.map((d) =>
      Number(
        ins.run(
          d.idemKey,
          d.processorId,
          d.command,
          d.runId,
          d.batchKey,
          d.accountId,
          d.billId,
          d.paymentMethodId,
          d.token,
          d.brand,
          d.merchant,
          d.amountMinor,
          d.currency,
          d.payType,
          d.relatedTxnId,
          d.description,
          at,
          operatorId,
        ).lastInsertRowid,
      ),
    ),
  )();
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
  const upd = db.prepare(
    `UPDATE processor_txns SET result = ?, avs_code = ?, cvv_code = ?, auth_code = ?, processor_ref = ?, settled_at = ?
     WHERE idem_key = ? AND result = 999 RETURNING id`,
  );
  const moved: number[] = [];
  db.transaction(() => {
    for (const r of replies) {
      const code = r.result >= 0 && r.result < RESULT.checkpoint ? r.result : RESULT.technicalProblem;
      const row = upd.get(
        RESULT.offset + code,
        r.avs ?? null,
        r.cvv ?? null,
        r.authCode || null,
        r.processorRef ?? null,
        at,
        r.idemKey,
      ) as { id: number } | undefined;
      if (row) moved.push(row.id);
    }
  })();
  return moved;
}

/** Marks checkpoints whose request certainly never arrived (connection refused) as FAIL_NO_ANS (1). */
export function settleNotSent(db: Database.Database, txnIds: readonly number[], at: string): void {
  const upd = db.prepare(
    `UPDATE processor_txns SET result = 1, settled_at = ? WHERE id = ? AND result = 999`,
  );
  db.transaction(() => {
    for (const id of txnIds) upd.run(at, id);
  })();
}

type OffsetRow = {
  id: number;
  idemKey: string;
  command: ProcessorCommand;
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
  const rows = db
    .prepare(
      `SELECT t.id, t.idem_key AS idemKey, t.command, t.run_id AS runId, t.account_id AS accountId, a.account_no AS accountNo,
              a.currency AS accountCurrency, a.status AS accountStatus, b.bill_no AS billNo, t.amount_minor AS amountMinor,
              t.currency, t.pay_type AS payType, t.result, t.related_txn_id AS relatedTxnId, t.processor_ref AS processorRef,
              (SELECT r.payment_id FROM processor_txns r WHERE r.id = t.related_txn_id) AS relatedPaymentId,
              pr.channel_id AS processorChannel
       FROM processor_txns t JOIN accounts a ON a.id = t.account_id LEFT JOIN bills b ON b.id = t.bill_id
       JOIN processors pr ON pr.id = t.processor_id
       WHERE t.id IN (SELECT value FROM json_each(?)) AND t.result >= 1000 AND t.command <> 'refund'
       ORDER BY t.id`,
    )
    .all(JSON.stringify(txnIds)) as OffsetRow[];
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

function postRows(
  db: Database.Database,
  rows: readonly OffsetRow[],
  at: string,
  today: string,
  operatorId: number | null,
  stats: PostStats,
): void {
  const setResult = db.prepare(
    `UPDATE processor_txns SET result = ?, payment_id = coalesce(?, payment_id) WHERE id = ?`,
  );
  const approved = rows.filter(
    (r) => r.result === RESULT.offset && (r.command === 'condition' || r.command === 'auth'),
  );
  const bulk: BulkPaymentRow[] = [];
  const single: OffsetRow[] = [];
  for (const r of approved) {
    if (r.currency === r.accountCurrency)
      bulk.push({
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
      });
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
    const existing = db.prepare('SELECT id FROM payments WHERE source_key = ?');
    const fresh = bulk.filter((b) => !existing.get(b.sourceKey));
    if (fresh.length > 0) {
      const auditId = writeAudit(db, {
        at,
        operatorId,
        action: 'processor.post',
        entity: 'processor_txn',
        entityId: rows
          .map((r) => r.id)
          .join(',')
          .slice(0, 200),
        after: { payments: fresh.length, amountMinor: fresh.reduce((s, b) => s + b.amountMinor, 0) },
      });
      const ids = postPaymentsBulk(
        db,
        fresh,
        {
          kind: 'processor_payment',
          idemKey: `proc-post:${fresh[0]!.sourceKey}`,
          effectiveDate: today,
          auditId,
        },
        at,
        operatorId,
      );
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
    const p = postPayment(
      db,
      {
        accountNo: r.accountNo,
        amountMinor: r.amountMinor,
        currency: r.currency,
        effectiveDate: today,
        payType: r.payType,
        channelId: r.processorChannel,
        externalRef: r.processorRef,
        billNo: r.billNo,
        sourceKey: `proc:${r.idemKey}`,
      },
      at,
      operatorId,
    );
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
    const rates = db.prepare('SELECT rate_ppm AS r FROM payments WHERE id = ?');
    allocateBulk(
      db,
      toAllocate.map((a) => ({ ...a, ratePpm: (rates.get(a.paymentId) as { r: number }).r })),
      { policy: 'standard', searchBillAmount: false },
      at,
      operatorId,
    );
  }
  const paymentBySource = db.prepare('SELECT id FROM payments WHERE source_key = ?');
  for (const r of approved) {
    const p = paymentBySource.get(`proc:${r.idemKey}`) as { id: number };
    setResult.run(RESULT.pass, p.id, r.id);
    stats.posted++;
    stats.postedMinor += r.amountMinor;
    stats.settled++;
  }
  crashPoint();
  for (const r of rows) {
    if (approved.includes(r)) continue;
    const code = r.result - RESULT.offset;
    if (r.command === 'deposit' && code !== RESULT.pass && r.relatedPaymentId) {
      const reversed = db.prepare('SELECT 1 FROM reversals WHERE payment_id = ?').get(r.relatedPaymentId);
      if (!reversed) {
        const auditId = writeAudit(db, {
          at,
          operatorId,
          action: 'deposit.declined',
          entity: 'payment',
          entityId: String(r.relatedPaymentId),
          after: { txnId: r.id, result: code },
          reasonCode: 4104,
        });
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
      applyDecline(
        db,
        {
          id: r.id,
          runId: r.runId,
          accountId: r.accountId,
          amountMinor: r.amountMinor,
          currency: r.currency,
          result: code,
          command: r.command,
        },
        at,
        today,
        operatorId,
      );
    }
    if (code !== RESULT.pass) stats.declined++;
    setResult.run(code, null, r.id);
    stats.settled++;
  }
}

/** The request item for a stored record (resubmits use the same key, amount and token). */
export function requestItemOf(db: Database.Database, txnId: number): ProcessorRequestItem {
  const r = db
    .prepare(
      `SELECT t.idem_key AS idemKey, t.command, t.merchant, t.token, t.amount_minor AS amountMinor, t.currency, a.account_no AS accountNo,
              b.bill_no AS billNo, (SELECT o.processor_ref FROM processor_txns o WHERE o.id = t.related_txn_id) AS originalRef
       FROM processor_txns t JOIN accounts a ON a.id = t.account_id LEFT JOIN bills b ON b.id = t.bill_id WHERE t.id = ?`,
    )
    .get(txnId) as {
    idemKey: string;
    command: ProcessorCommand;
    merchant: string;
    token: string;
    amountMinor: number;
    currency: string;
    accountNo: string;
    billNo: string | null;
    originalRef: string | null;
  };
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

/** Columns of a transaction DTO. */
export const TXN_SELECT = `SELECT t.id, t.idem_key AS idemKey, t.command, t.result, a.account_no AS accountNo, b.bill_no AS billNo,
  t.amount_minor AS amountMinor, t.currency, pm.mask, t.merchant, t.batch_key AS batchKey, t.auth_code AS authCode,
  t.processor_ref AS processorRef, t.payment_id AS paymentId, t.run_id AS runId, t.created_at AS createdAt, t.settled_at AS settledAt
  FROM processor_txns t JOIN accounts a ON a.id = t.account_id LEFT JOIN bills b ON b.id = t.bill_id
  LEFT JOIN payment_methods pm ON pm.id = t.payment_method_id`;

/** Maps a TXN_SELECT row to its DTO. */
export function txnDto(r: Omit<ProcessorTxnDto, 'resultName' | 'ageDays'>, now: Date): ProcessorTxnDto {
  return {
    ...r,
    resultName: resultName(r.result),
    ageDays: Math.floor((now.getTime() - Date.parse(r.createdAt)) / 86_400_000),
  };
}

/**
 * The ledger's prefix for idempotency keys, made once per ledger: a processor deduplicates keys across all
 * its merchants' systems, so two ledgers (a restored copy, a test ledger) must never send the same key.
 */
export function keyPrefix(db: Database.Database): string {
  const row = db.prepare(`SELECT value FROM settings WHERE key = 'processors.keyPrefix'`).get() as
    { value: string } | undefined;
  if (row) return JSON.parse(row.value) as string;
  const prefix = randomBytes(4).toString('hex');
  db.prepare(`INSERT OR IGNORE INTO settings (key, value) VALUES ('processors.keyPrefix', ?)`).run(
    JSON.stringify(prefix),
  );
  return keyPrefix(db);
}
