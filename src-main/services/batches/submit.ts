import type Database from 'better-sqlite3';
import { crashPoint } from '../../jobs/crash-point';
import type { BatchSubmitDto } from '../../../src-shared/dto/batches';
import { writeAudit } from '../audit';
import { expandBillLines, writeAllocations } from '../bulk-allocation';
import { conflict } from '../errors';
import { postPaymentsBulk, type BulkPaymentRow } from '../payments';
import { reversePayment } from '../reversals';
import { getSetting } from '../settings';
import { postSuspendedBulk, type SuspendedPaymentRow } from '../suspense-posting';
import { getBatch, loadBatchRow } from './batch-store';
import { computeVerdicts, writeVerdicts } from './validate';

type EntryFacts = {
  id: number;
  entryKey: string;
  accountNo: string | null;
  billNo: string | null;
  amountMinor: number | null;
  paymentDate: string | null;
  checkNo: string | null;
  payerName: string | null;
  reference: string | null;
  channelId: number | null;
  paymentRef: number | null;
  reasonCode: number | null;
};

const BLOCKING = new Set(['new', 'invalid', 'allocation_required']);

/**
 * Submits a validated batch in one transaction: re-checks every entry against the ledger as it is now
 * (refusing if anything changed status), then posts payments with their allocations, suspended entries to
 * the suspense account, and reversals. Entry keys make it idempotent: a resubmit posts nothing twice, and
 * a crash before commit posts nothing at all.
 */
export function submitBatch(
  db: Database.Database,
  input: { batchId: number; overrideReason?: string | undefined },
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): BatchSubmitDto {
  const started = performance.now();
  // Submit checks every reference itself (accounts, bills, items come from its own queries); per-row foreign-key
  // lookups on hundreds of thousands of rows would only repeat that, so they are off for this transaction.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  if (foreignKeys) db.pragma('foreign_keys = OFF');
  try {
    return submitInTransaction(db, input, now, operatorId, progress, started);
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}

function submitInTransaction(
  db: Database.Database,
  input: { batchId: number; overrideReason?: string | undefined },
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void,
  started: number,
): BatchSubmitDto {
  const out = db.transaction((): BatchSubmitDto => {
    const batch = loadBatchRow(db, input.batchId);
    if (batch.status === 'submitted') {
      const dto = getBatch(db, batch.id);
      return {
        batch: dto,
        posted: 0,
        suspended: 0,
        reversed: 0,
        alreadyPosted: dto.countsByStatus.posted ?? 0,
        postedMinor: 0,
        suspendedMinor: 0,
        elapsedMs: 0,
      };
    }
    if (batch.status !== 'validated')
      throw conflict('not-validated', `batch ${batch.batchNo} must be validated before it is submitted`);
    const before = getBatch(db, batch.id);
    if (!before.zeroProof.balanced) {
      const overrideAllowed = getSetting(db, 'zeroProof.override') === true;
      if (!overrideAllowed || !input.overrideReason) {
        throw conflict(
          'zero-proof',
          `entered ${before.zeroProof.enteredCount} entries / ${before.zeroProof.enteredTotalMinor} but the control says ${before.zeroProof.expectedCount ?? '-'} / ${before.zeroProof.expectedTotalMinor ?? '-'}`,
        );
      }
    }
    progress('checking', 0, 1);
    const verdicts = computeVerdicts(db, batch.id);
    progress('posting', 0, verdicts.length);
    const stored = new Map(
      (
        db
          .prepare(`SELECT id, status FROM batch_entries WHERE batch_id = ? AND status <> 'posted'`)
          .all(batch.id) as { id: number; status: string }[]
      ).map((r) => [r.id, r.status]),
    );
    const changed = verdicts.filter((v) => stored.get(v.id) !== v.status);
    if (changed.length > 0) {
      writeVerdicts(db, verdicts);
      throw conflict(
        'revalidate',
        `${changed.length} entries changed since validation (the ledger moved on); validate again`,
      );
    }
    const blocking = verdicts.filter((v) => BLOCKING.has(v.status));
    if (blocking.length > 0) {
      throw conflict(
        'blocking-entries',
        `${blocking.length} entries are invalid or need allocation: fix them or move them to an exception batch`,
      );
    }
    const suspendedCount = verdicts.filter((v) => v.status === 'to_be_suspended').length;
    const threshold = Number(getSetting(db, 'suspense.thresholdPercent'));
    if (verdicts.length > 0 && (suspendedCount * 100) / verdicts.length > threshold) {
      throw conflict(
        'suspense-threshold',
        `${suspendedCount} of ${verdicts.length} entries would go to suspense, above the ${threshold}% threshold`,
      );
    }

    const at = now.toISOString();
    const auditId = writeAudit(db, {
      at,
      operatorId,
      action: 'batch.submit',
      entity: 'batch',
      entityId: String(batch.id),
      before: before.countsByStatus,
      after: input.overrideReason ? { zeroProofOverride: input.overrideReason } : undefined,
    });
    const facts = new Map(
      (
        db
          .prepare(
            `SELECT id, entry_key AS entryKey, account_no AS accountNo, bill_no AS billNo, amount_minor AS amountMinor, payment_date AS paymentDate,
                    check_no AS checkNo, payer_name AS payerName, reference, channel_id AS channelId, payment_ref AS paymentRef, reason_code AS reasonCode
             FROM batch_entries WHERE batch_id = ? AND status <> 'posted'`,
          )
          .all(batch.id) as EntryFacts[]
      ).map((f) => [f.id, f]),
    );
    const markPosted = db.prepare(
      `UPDATE batch_entries SET status = 'posted', posted_payment_id = ? WHERE id = ?`,
    );
    // Payments and suspended payments are posted under their entry's key; one set-based update marks them.
    const markAllPosted = db.prepare(
      `UPDATE batch_entries SET status = 'posted', posted_payment_id = p.id
       FROM payments p WHERE p.source_key = batch_entries.entry_key AND batch_entries.batch_id = ? AND batch_entries.status <> 'posted'`,
    );
    const result = { posted: 0, suspended: 0, reversed: 0, postedMinor: 0, suspendedMinor: 0 };
    const ref = (f: EntryFacts): string | null => f.reference ?? (f.checkNo ? `check ${f.checkNo}` : null);

    if (batch.batchType === 'reversal') {
      for (const v of verdicts) {
        const f = facts.get(v.id) as EntryFacts;
        reversePayment(
          db,
          {
            paymentId: f.paymentRef as number,
            reasonCode: f.reasonCode ?? 0,
            idemKey: `reversal:${f.entryKey}`,
          },
          at,
          f.paymentDate ?? batch.batchDate,
          operatorId,
          auditId,
        );
        markPosted.run(f.paymentRef, v.id);
        crashPoint();
        result.reversed++;
      }
    } else {
      const toPost = verdicts.filter((v) => v.status === 'valid' || v.status === 'allocation_suggested');
      const accountCurrency = new Map(
        (
          db
            .prepare(`SELECT id, currency FROM accounts WHERE id IN (SELECT value FROM json_each(?))`)
            .all(JSON.stringify([...new Set(toPost.map((v) => v.accountId))])) as {
            id: number;
            currency: string;
          }[]
        ).map((a) => [a.id, a.currency]),
      );
      const rows: BulkPaymentRow[] = toPost.map((v) => {
        const f = facts.get(v.id) as EntryFacts;
        return {
          sourceKey: f.entryKey,
          accountId: v.accountId as number,
          accountCurrency: accountCurrency.get(v.accountId as number) as string,
          amountMinor: f.amountMinor as number,
          currency: batch.currency,
          accountAmountMinor: v.accountAmountMinor as number,
          ratePpm: v.ratePpm,
          effectiveDate: f.paymentDate ?? batch.batchDate,
          payType: batch.payType,
          channelId: f.channelId ?? batch.channelId,
          externalRef: ref(f),
          billNo: f.billNo,
          payerName: f.payerName,
          batchId: batch.id,
        };
      });
      const ids = postPaymentsBulk(
        db,
        rows,
        { kind: 'payment', idemKey: `batch:${batch.id}:payments`, effectiveDate: batch.batchDate, auditId },
        at,
        operatorId,
      );
      const itemLines =
        batch.allocationLevel === 'bill'
          ? expandBillLines(
              db,
              toPost.map((v) => v.lines.map((l) => ({ billId: l.billId, amountMinor: l.amountMinor }))),
            )
          : toPost.map((v) =>
              v.lines.map((l) => ({ itemId: l.targetId, billId: l.billId, amountMinor: l.amountMinor })),
            );
      writeAllocations(
        db,
        toPost.flatMap((v, i) =>
          ids[i] == null
            ? []
            : [
                {
                  paymentId: ids[i],
                  accountId: v.accountId as number,
                  ratePpm: v.ratePpm,
                  lines: itemLines[i] ?? [],
                },
              ],
        ),
        at,
        operatorId,
      );
      toPost.forEach((v, i) => {
        if (ids[i] == null) return;
        result.posted++;
        result.postedMinor += facts.get(v.id)?.amountMinor ?? 0;
      });
      const toSuspend = verdicts.filter((v) => v.status === 'to_be_suspended');
      const suspendRows: SuspendedPaymentRow[] = toSuspend.map((v) => {
        const f = facts.get(v.id) as EntryFacts;
        return {
          sourceKey: f.entryKey,
          amountMinor: f.amountMinor as number,
          currency: batch.currency,
          effectiveDate: f.paymentDate ?? batch.batchDate,
          payType: batch.payType,
          channelId: f.channelId ?? batch.channelId,
          reasonCode: v.reasonCode ?? f.reasonCode ?? 2007,
          accountHint: f.accountNo,
          billNo: f.billNo,
          externalRef: ref(f),
          payerName: f.payerName,
          batchId: batch.id,
        };
      });
      const sids = postSuspendedBulk(
        db,
        suspendRows,
        { idemKey: `batch:${batch.id}:suspense`, effectiveDate: batch.batchDate, auditId },
        at,
        operatorId,
      );
      toSuspend.forEach((v, i) => {
        if (sids[i] == null) return;
        result.suspended++;
        result.suspendedMinor += facts.get(v.id)?.amountMinor ?? 0;
      });
      markAllPosted.run(batch.id);
      crashPoint();
    }
    progress('posting', verdicts.length, verdicts.length);
    db.prepare(`UPDATE batches SET status = 'submitted', submitted_at = ?, updated_at = ? WHERE id = ?`).run(
      at,
      at,
      batch.id,
    );
    return {
      batch: getBatch(db, batch.id),
      ...result,
      alreadyPosted: 0,
      elapsedMs: Math.round(performance.now() - started),
    };
  })();
  // A crash after commit but before the caller hears back: the retry must find everything posted once.
  crashPoint();
  return out;
}
