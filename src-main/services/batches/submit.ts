import type Database from 'better-sqlite3';
import { crashPoint } from '../../ledger/crash-point';
import { hasRole } from '../../../src-shared/api/roles';
import type { BatchSubmitDto } from '../../../src-shared/dto/batches';
import type { EntryVerdict } from '../../domain/batch-rules';
import { writeAudit } from '../../ledger/audit';
import {
  allocationWriter,
  billLineExpander,
  expandBillLines,
  writeAllocations,
} from '../../ledger/bulk-allocation';
import { REASON_DOMAIN, requireReasonCode } from '../../ledger/codes';
import { conflict, forbidden } from '../../ledger/errors';
import { paymentPoster, postPaymentsBulk, type BulkPaymentRow } from '../../ledger/payments';
import { reversePayment } from '../../ledger/reversals';
import { getSetting } from '../../ledger/settings';
import { postSuspendedBulk, type SuspendedPaymentRow } from '../../ledger/suspense-posting';
import { getBatch, loadBatchRow, touchBatch } from './batch-store';
import { postRefund } from './refunds';
import { computeVerdicts, writeVerdicts } from './validate';

type EntryFacts = {
  id: number;
  seq: number;
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
  status: string;
};

/** Entries posted per step of a payment batch: bounds the rows, ids and allocation lines held at once. */
const POST_CHUNK = 20_000;

type Batch = ReturnType<typeof loadBatchRow>;

/** Input of a submit. */
export type SubmitInput = {
  batchId: number;
  /** Zero-proof override reason (reason domain 19); needs the setting and a supervisor. */
  overrideReasonCode?: number | undefined;
  overrideNote?: string | undefined;
};

const BLOCKING = new Set(['new', 'invalid', 'allocation_required']);

/**
 * A zero-proof override by someone who is not a supervisor. It is thrown inside the submit transaction (which
 * rolls back) and turned into `forbidden` with its audit row outside it, so the attempt stays on record.
 */
class OverrideRefused extends Error {
  constructor(readonly attempt: { batchId: number; reasonCode: number; roles: string[] }) {
    super('zero-proof override refused');
  }
}

type Counts = {
  posted: number;
  suspended: number;
  reversed: number;
  refunded: number;
  postedMinor: number;
  suspendedMinor: number;
  refundedMinor: number;
};

const zeroCounts = (): Counts => ({
  posted: 0,
  suspended: 0,
  reversed: 0,
  refunded: 0,
  postedMinor: 0,
  suspendedMinor: 0,
  refundedMinor: 0,
});

/**
 * Submits a validated batch. By default (setting `payment.batchLock` = batch) everything posts in one
 * transaction: every entry is re-checked against the ledger as it is now (any change refuses the submit),
 * then payments with their allocations, suspended entries, reversals and refunds post, all or nothing. With
 * `payment.batchLock` = account each entry posts and commits on its own; an entry that fails is recorded on
 * the entry and the rest go on. Entry keys make both idempotent: a resubmit never posts anything twice.
 */
export function submitBatch(
  db: Database.Database,
  input: SubmitInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): BatchSubmitDto {
  const started = performance.now();
  // Submit checks every reference itself (accounts, bills, items come from its own queries); per-row foreign-key
  // lookups on hundreds of thousands of rows would only repeat that, so they are off while it runs.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) === 1;
  if (foreignKeys) db.pragma('foreign_keys = OFF');
  try {
    return getSetting(db, 'payment.batchLock') === 'account'
      ? submitPerEntry(db, input, now, operatorId, progress, started)
      : submitInTransaction(db, input, now, operatorId, progress, started);
  } catch (err) {
    if (!(err instanceof OverrideRefused)) throw err;
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'forbidden',
      entity: 'batch',
      entityId: String(err.attempt.batchId),
      after: { zeroProofOverride: err.attempt.reasonCode, roles: err.attempt.roles },
      reasonCode: err.attempt.reasonCode,
    });
    throw forbidden('only a supervisor may submit a batch whose zero-proof figures differ', 'supervisor');
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}

function alreadySubmitted(db: Database.Database, batch: Batch, mode: 'batch' | 'account'): BatchSubmitDto {
  const dto = getBatch(db, batch.id);
  return {
    batch: dto,
    ...zeroCounts(),
    duplicates: 0,
    alreadyPosted: dto.countsByStatus.posted ?? 0,
    failed: [],
    mode,
    elapsedMs: 0,
  };
}

/**
 * The zero-proof gate: a batch whose figures differ is refused unless the override setting is on, a reason of
 * domain 19 is given, and the operator is a supervisor (admins included). Returns the override to audit.
 */
function zeroProofGate(
  db: Database.Database,
  batch: Batch,
  input: SubmitInput,
  operatorId: number | null,
): { reasonCode: number; note: string | null; expected: unknown; entered: unknown } | null {
  const before = getBatch(db, batch.id);
  if (before.zeroProof.balanced) return null;
  const z = before.zeroProof;
  const differs = `entered ${z.enteredCount} entries / ${z.enteredTotalMinor} but the control says ${z.expectedCount ?? '-'} / ${z.expectedTotalMinor ?? '-'}`;
  if (getSetting(db, 'zeroProof.override') !== true) throw conflict('zero-proof', differs);
  if (input.overrideReasonCode === undefined)
    throw conflict('zero-proof', `${differs}; a supervisor may override with a reason code (domain 19)`);
  const roles =
    operatorId === null
      ? []
      : (
          (
            db.prepare('SELECT roles FROM operators WHERE id = ? AND active = 1').get(operatorId) as
              { roles: string } | undefined
          )?.roles ?? ''
        )
          .split(',')
          .filter(Boolean);
  if (!hasRole(roles, 'supervisor'))
    throw new OverrideRefused({ batchId: batch.id, reasonCode: input.overrideReasonCode, roles });
  requireReasonCode(db, REASON_DOMAIN.zeroProofOverride, input.overrideReasonCode, 'overrideReasonCode');
  return {
    reasonCode: input.overrideReasonCode,
    note: input.overrideNote ?? null,
    expected: { count: z.expectedCount, totalMinor: z.expectedTotalMinor },
    entered: { count: z.enteredCount, totalMinor: z.enteredTotalMinor },
  };
}

/** Refuses the submit when more entries would go to suspense than the threshold allows. */
function thresholdGate(db: Database.Database, statuses: readonly string[]): void {
  const suspendedCount = statuses.filter((s) => s === 'to_be_suspended').length;
  const threshold = Number(getSetting(db, 'suspense.thresholdPercent'));
  if (statuses.length > 0 && (suspendedCount * 100) / statuses.length > threshold) {
    throw conflict(
      'suspense-threshold',
      `${suspendedCount} of ${statuses.length} entries would go to suspense, above the ${threshold}% threshold`,
    );
  }
}

function loadFacts(db: Database.Database, batchId: number): Map<number, EntryFacts> {
  return new Map(
    (
      db
        .prepare(
          `SELECT id, seq, entry_key AS entryKey, account_no AS accountNo, bill_no AS billNo, amount_minor AS amountMinor, payment_date AS paymentDate,
                  check_no AS checkNo, payer_name AS payerName, reference, channel_id AS channelId, payment_ref AS paymentRef, reason_code AS reasonCode,
                  status
           FROM batch_entries WHERE batch_id = ? AND status <> 'posted'`,
        )
        .all(batchId) as EntryFacts[]
    ).map((f) => [f.id, f]),
  );
}

const ref = (f: EntryFacts): string | null => f.reference ?? (f.checkNo ? `check ${f.checkNo}` : null);

function paymentRow(batch: Batch, v: EntryVerdict, f: EntryFacts, accountCurrency: string): BulkPaymentRow {
  return {
    sourceKey: f.entryKey,
    accountId: v.accountId as number,
    accountCurrency,
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
}

function suspendRow(batch: Batch, v: EntryVerdict, f: EntryFacts): SuspendedPaymentRow {
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
}

/** Posts one refund entry (both modes); returns the amount refunded, or null when it was posted before. */
function refundEntry(
  db: Database.Database,
  batch: Batch,
  v: EntryVerdict,
  f: EntryFacts,
  at: string,
  operatorId: number | null,
  auditId: number,
): number | null {
  const r = postRefund(
    db,
    {
      sourceKey: f.entryKey,
      accountId: v.accountId as number,
      amountMinor: f.amountMinor as number,
      currency: batch.currency,
      accountAmountMinor: v.accountAmountMinor as number,
      ratePpm: v.ratePpm,
      effectiveDate: f.paymentDate ?? batch.batchDate,
      payType: batch.payType,
      channelId: f.channelId ?? batch.channelId,
      reasonCode: v.reasonCode as number,
      billNo: f.billNo,
      externalRef: ref(f),
      payeeName: f.payerName,
      batchId: batch.id,
    },
    at,
    operatorId,
    auditId,
  );
  return r ? f.amountMinor : null;
}

function accountCurrencies(db: Database.Database, verdicts: readonly EntryVerdict[]): Map<number, string> {
  return new Map(
    (
      db
        .prepare(`SELECT id, currency FROM accounts WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify([...new Set(verdicts.map((v) => v.accountId))])) as {
        id: number;
        currency: string;
      }[]
    ).map((a) => [a.id, a.currency]),
  );
}

function auditSubmit(
  db: Database.Database,
  batch: Batch,
  at: string,
  operatorId: number | null,
  before: unknown,
  override: ReturnType<typeof zeroProofGate>,
  mode: 'batch' | 'account',
): number {
  return writeAudit(db, {
    at,
    operatorId,
    action: 'batch.submit',
    entity: 'batch',
    entityId: String(batch.id),
    before,
    after: override ? { mode, zeroProofOverride: override } : { mode },
    reasonCode: override?.reasonCode ?? null,
  });
}

function submitInTransaction(
  db: Database.Database,
  input: SubmitInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void,
  started: number,
): BatchSubmitDto {
  const out = db.transaction((): BatchSubmitDto => {
    const batch = loadBatchRow(db, input.batchId);
    if (batch.status === 'submitted') return alreadySubmitted(db, batch, 'batch');
    if (batch.status !== 'validated')
      throw conflict('not-validated', `batch ${batch.batchNo} must be validated before it is submitted`);
    const override = zeroProofGate(db, batch, input, operatorId);
    progress('checking', 0, 1);
    const verdicts = computeVerdicts(db, batch.id);
    progress('posting', 0, verdicts.length);
    // One read of the entries serves both the stored statuses compared here and the facts posted below.
    const facts = loadFacts(db, batch.id);
    const changed = verdicts.filter((v) => facts.get(v.id)?.status !== v.status);
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
    thresholdGate(
      db,
      verdicts.map((v) => v.status),
    );

    const at = now.toISOString();
    const auditId = auditSubmit(
      db,
      batch,
      at,
      operatorId,
      getBatch(db, batch.id).countsByStatus,
      override,
      'batch',
    );
    const markPosted = db.prepare(
      `UPDATE batch_entries SET status = 'posted', posted_payment_id = ? WHERE id = ?`,
    );
    // Payments and suspended payments are posted under their entry's key; one set-based update marks them.
    const markAllPosted = db.prepare(
      `UPDATE batch_entries SET status = 'posted', posted_payment_id = p.id
       FROM payments p WHERE p.source_key = batch_entries.entry_key AND batch_entries.batch_id = ? AND batch_entries.status <> 'posted'`,
    );
    const result = zeroCounts();

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
    } else if (batch.batchType === 'refund') {
      for (const v of verdicts) {
        const f = facts.get(v.id) as EntryFacts;
        const minor = refundEntry(db, batch, v, f, at, operatorId, auditId);
        markPosted.run(null, v.id);
        if (minor !== null) {
          result.refunded++;
          result.refundedMinor += minor;
        }
      }
    } else {
      const toPost = verdicts.filter((v) => v.status === 'valid' || v.status === 'allocation_suggested');
      // A batch submitted again after released duplicates posts under journals of its own round.
      const round = db
        .prepare(`SELECT 1 FROM batch_entries WHERE batch_id = ? AND status = 'posted' LIMIT 1`)
        .get(batch.id)
        ? `:${auditId}`
        : '';
      const currencies = accountCurrencies(db, toPost);
      const poster = paymentPoster(
        db,
        {
          kind: 'payment',
          idemKey: `batch:${batch.id}:payments${round}`,
          effectiveDate: batch.batchDate,
          auditId,
        },
        at,
        operatorId,
      );
      // Chunk by chunk under one journal; bill lines are expanded against what earlier chunks took, and each
      // item and bill is written once at the end, as in one pass.
      const expand = billLineExpander(db);
      const allocations = allocationWriter(db, at, operatorId);
      for (let from = 0; from < toPost.length; from += POST_CHUNK) {
        const chunk = toPost.slice(from, from + POST_CHUNK);
        const ids = poster.post(
          chunk.map((v) =>
            paymentRow(
              batch,
              v,
              facts.get(v.id) as EntryFacts,
              currencies.get(v.accountId as number) as string,
            ),
          ),
        );
        const itemLines =
          batch.allocationLevel === 'bill'
            ? expand(chunk.map((v) => v.lines.map((l) => ({ billId: l.billId, amountMinor: l.amountMinor }))))
            : chunk.map((v) =>
                v.lines.map((l) => ({ itemId: l.targetId, billId: l.billId, amountMinor: l.amountMinor })),
              );
        allocations.write(
          chunk.flatMap((v, i) =>
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
        );
        chunk.forEach((v, i) => {
          if (ids[i] == null) return;
          result.posted++;
          result.postedMinor += facts.get(v.id)?.amountMinor ?? 0;
        });
      }
      allocations.finish();
      poster.finish();
      const toSuspend = verdicts.filter((v) => v.status === 'to_be_suspended');
      const sids = postSuspendedBulk(
        db,
        toSuspend.map((v) => suspendRow(batch, v, facts.get(v.id) as EntryFacts)),
        { idemKey: `batch:${batch.id}:suspense${round}`, effectiveDate: batch.batchDate, auditId },
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
    // Suspected duplicates never post: they stay in the batch, which stays open until they are released or moved.
    const duplicates = verdicts.filter((v) => v.status === 'duplicate_suspected').length;
    if (duplicates > 0) touchBatch(db, batch.id, now);
    else
      db.prepare(
        `UPDATE batches SET status = 'submitted', submitted_at = ?, updated_at = ? WHERE id = ?`,
      ).run(at, at, batch.id);
    return {
      batch: getBatch(db, batch.id),
      ...result,
      duplicates,
      alreadyPosted: 0,
      failed: [],
      mode: 'batch',
      elapsedMs: Math.round(performance.now() - started),
    };
  })();
  // A crash after commit but before the caller hears back: the retry must find everything posted once.
  crashPoint();
  return out;
}

/**
 * Lock-per-account submit: the gates run as in batch mode (on the statuses validation stored), then each entry
 * posts and commits in its own transaction against the ledger as it is at that moment. An entry whose verdict
 * changed since validation, or whose posting fails, stays unposted with the reason on the entry; the batch is
 * submitted once no entry is left, otherwise it goes back to open for the clerk to fix and submit again.
 */
function submitPerEntry(
  db: Database.Database,
  input: SubmitInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void,
  started: number,
): BatchSubmitDto {
  const at = now.toISOString();
  type Prep =
    | { done: BatchSubmitDto }
    | { done: null; batch: Batch; stored: { id: number; status: string }[]; auditId: number };
  const prep = db.transaction((): Prep => {
    const batch = loadBatchRow(db, input.batchId);
    if (batch.status === 'submitted') return { done: alreadySubmitted(db, batch, 'account') };
    if (batch.status !== 'validated')
      throw conflict('not-validated', `batch ${batch.batchNo} must be validated before it is submitted`);
    const override = zeroProofGate(db, batch, input, operatorId);
    const stored = db
      .prepare(`SELECT id, status FROM batch_entries WHERE batch_id = ? AND status <> 'posted' ORDER BY seq`)
      .all(batch.id) as { id: number; status: string }[];
    const blocking = stored.filter((s) => BLOCKING.has(s.status));
    if (blocking.length > 0) {
      throw conflict(
        'blocking-entries',
        `${blocking.length} entries are invalid or need allocation: fix them or move them to an exception batch`,
      );
    }
    thresholdGate(
      db,
      stored.map((s) => s.status),
    );
    const auditId = auditSubmit(
      db,
      batch,
      at,
      operatorId,
      getBatch(db, batch.id).countsByStatus,
      override,
      'account',
    );
    return { done: null, batch, stored, auditId };
  })();
  if (prep.done) return prep.done;
  const { batch, stored, auditId } = prep;
  progress('checking', 0, 1);
  const verdicts = new Map(computeVerdicts(db, batch.id).map((v) => [v.id, v]));
  const facts = loadFacts(db, batch.id);
  const currencies = accountCurrencies(db, [...verdicts.values()]);
  const result = zeroCounts();
  const failed: BatchSubmitDto['failed'] = [];
  const markPosted = db.prepare(
    `UPDATE batch_entries SET status = 'posted', posted_payment_id = ? WHERE id = ?`,
  );
  const isPosted = db.prepare(`SELECT status = 'posted' AS p FROM batch_entries WHERE id = ?`);
  const markFailed = db.prepare(
    `UPDATE batch_entries SET status = ?, problem = ?, problem_column = ?, reason_code = ? WHERE id = ? AND status <> 'posted'`,
  );
  progress('posting', 0, stored.length);
  let duplicates = 0;
  stored.forEach((s, n) => {
    const v = verdicts.get(s.id);
    const f = facts.get(s.id);
    if (!v || !f) return;
    // Suspected duplicates never post; they keep the batch open (see below).
    if (s.status === 'duplicate_suspected' && v.status === s.status) {
      duplicates++;
      return;
    }
    try {
      db.transaction(() => {
        if ((isPosted.get(s.id) as { p: number } | undefined)?.p === 1) return;
        if (v.status !== s.status)
          throw conflict(
            'revalidate',
            `changed since validation: ${v.problem ?? v.status.replace(/_/g, ' ')}`,
          );
        let postedId: number | null = null;
        if (batch.batchType === 'reversal') {
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
          postedId = f.paymentRef;
          result.reversed++;
        } else if (batch.batchType === 'refund') {
          const minor = refundEntry(db, batch, v, f, at, operatorId, auditId);
          if (minor !== null) {
            result.refunded++;
            result.refundedMinor += minor;
          }
        } else if (v.status === 'to_be_suspended') {
          const [id] = postSuspendedBulk(
            db,
            [suspendRow(batch, v, f)],
            { idemKey: `entry:${f.entryKey}:suspense`, effectiveDate: batch.batchDate, auditId },
            at,
            operatorId,
          );
          postedId = id ?? null;
          if (id != null) {
            result.suspended++;
            result.suspendedMinor += f.amountMinor ?? 0;
          }
        } else {
          const [id] = postPaymentsBulk(
            db,
            [paymentRow(batch, v, f, currencies.get(v.accountId as number) as string)],
            {
              kind: 'payment',
              idemKey: `entry:${f.entryKey}:payment`,
              effectiveDate: batch.batchDate,
              auditId,
            },
            at,
            operatorId,
          );
          if (id != null) {
            const lines =
              batch.allocationLevel === 'bill'
                ? (expandBillLines(db, [
                    v.lines.map((l) => ({ billId: l.billId, amountMinor: l.amountMinor })),
                  ])[0] ?? [])
                : v.lines.map((l) => ({ itemId: l.targetId, billId: l.billId, amountMinor: l.amountMinor }));
            writeAllocations(
              db,
              [{ paymentId: id, accountId: v.accountId as number, ratePpm: v.ratePpm, lines }],
              at,
              operatorId,
            );
            result.posted++;
            result.postedMinor += f.amountMinor ?? 0;
          }
          postedId = id ?? null;
        }
        markPosted.run(postedId, s.id);
        crashPoint();
      })();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Invalid until validated again (the batch goes back to open), so it can also move to an exception batch.
      db.transaction(() => {
        markFailed.run('invalid', `not posted: ${message}`, v.problemColumn, v.reasonCode, s.id);
        writeAudit(db, {
          at,
          operatorId,
          action: 'batch.entry.submit-failed',
          entity: 'batch_entry',
          entityId: String(s.id),
          after: { message },
        });
      })();
      failed.push({ entryId: s.id, seq: f.seq, message });
    }
    if ((n + 1) % 1000 === 0) progress('posting', n + 1, stored.length);
  });
  progress('posting', stored.length, stored.length);
  db.transaction(() => {
    const left = (
      db
        .prepare(`SELECT count(*) AS n FROM batch_entries WHERE batch_id = ? AND status <> 'posted'`)
        .get(batch.id) as {
        n: number;
      }
    ).n;
    if (left === 0)
      db.prepare(
        `UPDATE batches SET status = 'submitted', submitted_at = ?, updated_at = ? WHERE id = ?`,
      ).run(at, at, batch.id);
    else touchBatch(db, batch.id, now);
  })();
  crashPoint();
  return {
    batch: getBatch(db, batch.id),
    ...result,
    duplicates,
    alreadyPosted: 0,
    failed,
    mode: 'account',
    elapsedMs: Math.round(performance.now() - started),
  };
}
