import type Database from 'better-sqlite3';
import { crashPoint } from '../../ledger/crash-point';
import { hasRole } from '../../../src-shared/api/roles';
import { POSTED_ENTRY_STATUSES, type BatchSubmitDto } from '../../../src-shared/dto/batches';
import type { EntryVerdict } from '../../domain/batch-rules';
import { writeAudit } from '../../ledger/audit';
import { REASON_DOMAIN, requireReasonCode } from '../../ledger/codes';
import { conflict, forbidden } from '../../ledger/errors';
import type { BulkPaymentRow } from '../../ledger/payments';
import { postEntry, type EntryToPost, type PostedEntry } from '../../ledger/post-entry';
import { setPoster } from '../../ledger/set-posting';
import { reversePayment } from '../../ledger/reversals';
import { getSetting } from '../../ledger/settings';
import type { SuspendedPaymentRow } from '../../ledger/suspense-posting';
import { assertNotPushed, getBatch, loadBatchRow, touchBatch } from './batch-store';
import { applyBankReturns } from '../returns/apply';
import { postRefund } from './refunds';
import { plannedVerdicts } from './planned';
import { writeVerdicts } from './validate';

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

/** SQL list of the posted statuses: `status NOT IN ${POSTED}` selects the entries still to post. */
const POSTED = `(${POSTED_ENTRY_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/**
 * Entries whose verdict changed since validation (the ledger moved on). Thrown inside the submit transaction,
 * which rolls back (nothing posts); the verdicts are then written in their own transaction, so the entries
 * show why the submit was refused.
 */
class VerdictsChanged extends Error {
  constructor(
    readonly batchId: number,
    readonly verdicts: EntryVerdict[],
    readonly was: Map<number, string>,
  ) {
    super('verdicts changed since validation');
  }
}

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
    if (err instanceof VerdictsChanged) throw keepVerdicts(db, err, now, operatorId);
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

/**
 * Writes the verdicts of a refused submit in their own transaction (the submit's rolled back): each changed
 * entry says what changed, the batch goes back to open to be validated again, and the refusal is audited.
 * Returns the conflict to throw.
 */
function keepVerdicts(
  db: Database.Database,
  refused: VerdictsChanged,
  now: Date,
  operatorId: number | null,
): Error {
  const changed = refused.verdicts.filter((v) => refused.was.get(v.id) !== v.status);
  db.transaction(() => {
    writeVerdicts(
      db,
      refused.verdicts.map((v) =>
        refused.was.get(v.id) === v.status
          ? v
          : {
              ...v,
              problem: `changed since validation (was ${(refused.was.get(v.id) ?? 'new').replace(/_/g, ' ')}): ${v.problem ?? v.status.replace(/_/g, ' ')}`,
            },
      ),
    );
    touchBatch(db, refused.batchId, now);
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.submit.refused',
      entity: 'batch',
      entityId: String(refused.batchId),
      after: {
        rule: 'revalidate',
        changed: changed.map((v) => ({ entryId: v.id, was: refused.was.get(v.id), now: v.status })),
      },
    });
  })();
  return conflict(
    'revalidate',
    `${changed.length} entries changed since validation (the ledger moved on); validate again`,
  );
}

function alreadySubmitted(db: Database.Database, batch: Batch, mode: 'batch' | 'account'): BatchSubmitDto {
  const dto = getBatch(db, batch.id);
  return {
    batch: dto,
    ...zeroCounts(),
    duplicates: 0,
    alreadyPosted: (dto.countsByStatus.posted ?? 0) + (dto.countsByStatus.posted_suspense ?? 0),
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
  const moved =
    z.movedCount > 0 ? ` (${z.movedCount} / ${z.movedTotalMinor} of them in exception batches)` : '';
  const differs = `entered ${z.accountedCount} entries / ${z.accountedTotalMinor}${moved} but the control says ${z.expectedCount ?? '-'} / ${z.expectedTotalMinor ?? '-'}`;
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
    entered: {
      count: z.enteredCount,
      totalMinor: z.enteredTotalMinor,
      movedCount: z.movedCount,
      movedTotalMinor: z.movedTotalMinor,
    },
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

const FACTS_SQL = `SELECT id, seq, entry_key AS entryKey, account_no AS accountNo, bill_no AS billNo, amount_minor AS amountMinor,
    payment_date AS paymentDate, check_no AS checkNo, payer_name AS payerName, reference, channel_id AS channelId,
    payment_ref AS paymentRef, reason_code AS reasonCode, status
  FROM batch_entries`;

function loadFacts(db: Database.Database, batchId: number): Map<number, EntryFacts> {
  return new Map(
    (
      db.prepare(`${FACTS_SQL} WHERE batch_id = ? AND status NOT IN ${POSTED}`).all(batchId) as EntryFacts[]
    ).map((f) => [f.id, f]),
  );
}

/** The facts of some entries only: a payment batch reads them chunk by chunk, never all at once. */
function loadFactsOf(db: Database.Database, ids: readonly number[]): Map<number, EntryFacts> {
  return new Map(
    (
      db
        .prepare(`${FACTS_SQL} WHERE id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(ids)) as EntryFacts[]
    ).map((f) => [f.id, f]),
  );
}

/** The stored status of every entry still to post (what validation said), by entry id. */
function storedStatuses(db: Database.Database, batchId: number): Map<number, string> {
  const statuses = new Map<number, string>();
  const rows = db
    .prepare(`SELECT id, status FROM batch_entries WHERE batch_id = ? AND status NOT IN ${POSTED}`)
    .raw(true);
  for (const [id, status] of rows.iterate(batchId) as IterableIterator<[number, string]>)
    statuses.set(id, status);
  return statuses;
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

/** Verdicts that post: to the entry's account, or to the suspense account. */
const POSTABLE = new Set(['valid', 'allocation_suggested', 'to_be_suspended']);

/** A payment entry as the kernel posts it: to its account with the decided allocation, or to suspense. */
function entryToPost(
  batch: Batch,
  v: EntryVerdict,
  f: EntryFacts,
  currencies: Map<number, string>,
): EntryToPost {
  if (!POSTABLE.has(v.status))
    throw conflict('not-postable', `entry #${f.seq} is ${v.status.replace(/_/g, ' ')} and cannot post`);
  return v.status === 'to_be_suspended'
    ? { to: 'suspense', payment: suspendRow(batch, v, f) }
    : {
        to: 'account',
        payment: paymentRow(batch, v, f, currencies.get(v.accountId as number) as string),
        level: batch.allocationLevel,
        lines: v.lines,
      };
}

/** Adds what the kernel posted for an entry to the submit's counts (an entry posted before counts nothing). */
function countPosted(posted: PostedEntry, f: EntryFacts, result: Counts): void {
  if (!posted.fresh) return;
  if (posted.to === 'suspense') {
    result.suspended++;
    result.suspendedMinor += f.amountMinor ?? 0;
  } else {
    result.posted++;
    result.postedMinor += f.amountMinor ?? 0;
  }
}

/** Where an entry ended up: its status after submit and the payment that holds it (reversals: the one reversed). */
type EntryOutcome = { status: 'posted' | 'posted_suspense'; paymentId: number | null };

/**
 * Posts one entry of any batch type inside the caller's transaction: a reversal, a refund, or a payment to its
 * account or to suspense through the kernel's postEntry (journal `entry:<key>`). Adds it to the counts.
 */
function postOne(
  db: Database.Database,
  batch: Batch,
  v: EntryVerdict,
  f: EntryFacts,
  currencies: Map<number, string>,
  at: string,
  operatorId: number | null,
  auditId: number,
  result: Counts,
): EntryOutcome {
  if (batch.batchType === 'reversal') {
    reversePayment(
      db,
      { paymentId: f.paymentRef as number, reasonCode: f.reasonCode ?? 0, idemKey: `reversal:${f.entryKey}` },
      at,
      f.paymentDate ?? batch.batchDate,
      operatorId,
      auditId,
    );
    result.reversed++;
    return { status: 'posted', paymentId: f.paymentRef };
  }
  if (batch.batchType === 'refund') {
    const minor = refundEntry(db, batch, v, f, at, operatorId, auditId);
    if (minor !== null) {
      result.refunded++;
      result.refundedMinor += minor;
    }
    return { status: 'posted', paymentId: null };
  }
  const posted = postEntry(
    db,
    entryToPost(batch, v, f, currencies),
    { idemKey: `entry:${f.entryKey}`, effectiveDate: batch.batchDate, auditId },
    at,
    operatorId,
  );
  countPosted(posted, f, result);
  return { status: posted.to === 'suspense' ? 'posted_suspense' : 'posted', paymentId: posted.paymentId };
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
    assertNotPushed(batch);
    if (batch.status !== 'validated')
      throw conflict('not-validated', `batch ${batch.batchNo} must be validated before it is submitted`);
    const override = zeroProofGate(db, batch, input, operatorId);
    progress('checking', 0, 1);
    const verdicts = plannedVerdicts(db, batch.id);
    progress('posting', 0, verdicts.length);
    const statuses = storedStatuses(db, batch.id);
    if (verdicts.some((v) => statuses.get(v.id) !== v.status))
      throw new VerdictsChanged(batch.id, verdicts, statuses);
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
    const result = zeroCounts();

    if (batch.batchType === 'payment') {
      const postable = verdicts.filter((v) => POSTABLE.has(v.status));
      const currencies = accountCurrencies(db, postable);
      // A batch submitted again after released duplicates posts under journals of its own round.
      const round = db
        .prepare(`SELECT 1 FROM batch_entries WHERE batch_id = ? AND status IN ${POSTED} LIMIT 1`)
        .get(batch.id)
        ? `:${auditId}`
        : '';
      // Set-based, chunk by chunk under one journal per destination: each chunk's plan goes into temp tables and
      // posts with a few statements (ledger/set-posting.ts); journal lines and balances are written once at the end.
      const poster = setPoster(
        db,
        { idemKey: `batch:${batch.id}${round}`, effectiveDate: batch.batchDate, auditId },
        at,
        operatorId,
      );
      for (let from = 0; from < postable.length; from += POST_CHUNK) {
        // Also the cancel point: a cancel throws here and the whole submit rolls back.
        progress('posting', from, postable.length);
        const chunk = postable.slice(from, from + POST_CHUNK);
        const facts = loadFactsOf(
          db,
          chunk.map((v) => v.id),
        );
        const posted = poster.post(
          chunk.map((v) => entryToPost(batch, v, facts.get(v.id) as EntryFacts, currencies)),
        );
        result.posted += posted.posted;
        result.postedMinor += posted.postedMinor;
        result.suspended += posted.suspended;
        result.suspendedMinor += posted.suspendedMinor;
        progress('posting', from + chunk.length, verdicts.length);
      }
      poster.finish();
      // Payments and suspended payments are posted under their entry's key; one set-based update marks them.
      db.prepare(
        `UPDATE batch_entries SET status = CASE WHEN p.kind = 'suspended' THEN 'posted_suspense' ELSE 'posted' END, posted_payment_id = p.id
         FROM payments p WHERE p.source_key = batch_entries.entry_key AND batch_entries.batch_id = ? AND batch_entries.status NOT IN ${POSTED}`,
      ).run(batch.id);
      crashPoint();
    } else {
      // Reversals and refunds post entry by entry, as with lock per account, all in this one transaction.
      const facts = loadFacts(db, batch.id);
      const markPosted = db.prepare(
        `UPDATE batch_entries SET status = ?, posted_payment_id = ? WHERE id = ?`,
      );
      for (const [n, v] of verdicts.entries()) {
        if (n % 1000 === 0) progress('posting', n, verdicts.length);
        const f = facts.get(v.id) as EntryFacts;
        const posted = postOne(db, batch, v, f, new Map(), at, operatorId, auditId, result);
        markPosted.run(posted.status, posted.paymentId, v.id);
        crashPoint();
      }
      // A return batch: the bank returns behind its reversals are applied in the same transaction.
      if (batch.batchType === 'reversal') applyBankReturns(db, batch.id, at, operatorId);
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
    assertNotPushed(batch);
    if (batch.status !== 'validated')
      throw conflict('not-validated', `batch ${batch.batchNo} must be validated before it is submitted`);
    const override = zeroProofGate(db, batch, input, operatorId);
    const stored = db
      .prepare(
        `SELECT id, status FROM batch_entries WHERE batch_id = ? AND status NOT IN ${POSTED} ORDER BY seq`,
      )
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
  const verdicts = new Map(plannedVerdicts(db, batch.id).map((v) => [v.id, v]));
  const facts = loadFacts(db, batch.id);
  const currencies = accountCurrencies(db, [...verdicts.values()]);
  const result = zeroCounts();
  const failed: BatchSubmitDto['failed'] = [];
  const markPosted = db.prepare(`UPDATE batch_entries SET status = ?, posted_payment_id = ? WHERE id = ?`);
  const isPosted = db.prepare(`SELECT status IN ${POSTED} AS p FROM batch_entries WHERE id = ?`);
  const markFailed = db.prepare(
    `UPDATE batch_entries SET status = ?, problem = ?, problem_column = ?, reason_code = ? WHERE id = ? AND status NOT IN ${POSTED}`,
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
        const posted = postOne(db, batch, v, f, currencies, at, operatorId, auditId, result);
        markPosted.run(posted.status, posted.paymentId, s.id);
        if (batch.batchType === 'reversal' && f.paymentRef !== null)
          applyBankReturns(db, batch.id, at, operatorId, [f.paymentRef]);
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
    // Every entry is a cancel point: a cancel stops between two committed entries.
    progress('posting', n + 1, stored.length);
  });
  progress('posting', stored.length, stored.length);
  db.transaction(() => {
    const left = (
      db
        .prepare(`SELECT count(*) AS n FROM batch_entries WHERE batch_id = ? AND status NOT IN ${POSTED}`)
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
