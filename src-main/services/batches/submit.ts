import type Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../../db/repos/audit';
import { batchTouchQuery } from '../../../db/repos/batches';
import { lockBatchAccountsIn, lockBatchIn } from '../../../db/repos/locks';
import {
  accountCurrenciesQuery,
  batchSubmittedQuery,
  entryMarkFailedQuery,
  entryMarkPostedQuery,
  entryPostedQuery,
  factsOfQuery,
  operatorRolesQuery,
  somePostedQuery,
  unpostedFactsQuery,
  unpostedLeftQuery,
  unpostedStatusesQuery,
  type EntryFactsRecord,
} from '../../../db/repos/submit';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverAll, driverGet, driverRun } from '../../../db/storage/sqlite';
import { call, get, run, stepsIn, stepsOnDriver, DRIVER, type Steps } from '../../../db/storage/steps';
import { crashPoint } from '../../ledger/crash-point';
import { hasRole } from '../../../src-shared/api/roles';
import { POSTED_ENTRY_STATUSES, type BatchDto, type BatchSubmitDto } from '../../../src-shared/dto/batches';
import type { EntryVerdict } from '../../domain/batch-rules';
import { writeAudit, type AuditEntry } from '../../ledger/audit';
import { REASON_DOMAIN, requireReasonCode, requireReasonCodeIn } from '../../ledger/codes';
import { conflict, forbidden } from '../../ledger/errors';
import type { BulkPaymentRow } from '../../ledger/payments';
import { postEntry, postEntryIn, type EntryToPost, type PostedEntry } from '../../ledger/post-entry';
import { setPoster, setPosterIn } from '../../ledger/set-posting';
import { reversePayment, reversePaymentIn } from '../../ledger/reversals';
import { getSetting, getSettingIn } from '../../ledger/settings';
import type { SuspendedPaymentRow } from '../../ledger/suspense-posting';
import {
  assertNotPushed,
  getBatch,
  getBatchIn,
  loadBatchRow,
  loadBatchRowIn,
  touchBatch,
} from './batch-store';
import { applyBankReturns, applyBankReturnsIn } from '../returns/apply';
import { postRefund, postRefundIn, type PostedRefund, type RefundToPost } from './refunds';
import { plannedVerdicts } from './planned';
import { computeVerdictsIn, writeVerdicts, writeVerdictsIn } from './validate';

type EntryFacts = EntryFactsRecord;

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
 * Marks a set-based payment batch's entries posted, each with the payment posted under its key, in one statement
 * (the same on both databases).
 */
const entriesPostedQuery = (batchId: number): SQL =>
  sql`UPDATE batch_entries SET status = CASE WHEN p.kind = 'suspended' THEN 'posted_suspense' ELSE 'posted' END, posted_payment_id = p.id
    FROM payments p WHERE p.source_key = batch_entries.entry_key AND batch_entries.batch_id = ${batchId}
      AND batch_entries.status NOT IN ${sql.raw(POSTED)}`;

/**
 * Verdicts that post an entry the same way: to its account, by the automatic allocation plan. `valid` and
 * `allocation_suggested` differ only in how many bills that plan touches, and the plan a submit posts is always
 * the ledger's of that moment, so a move between the two is not a change the clerk must validate again (a batch
 * that pays most accounts would otherwise be refused after every other posting or analyst's move). Any other change
 * (to suspense, invalid, allocation required, a duplicate) still refuses the submit.
 */
const POSTS_BY_PLAN = new Set(['valid', 'allocation_suggested']);

/** Whether an entry's verdict moved since validation in a way that refuses the submit. */
function verdictMoved(was: string | undefined, now: string): boolean {
  if (was === now) return false;
  return !(was !== undefined && POSTS_BY_PLAN.has(was) && POSTS_BY_PLAN.has(now));
}

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
    if (err instanceof VerdictsChanged)
      throw db.transaction(() => stepsOnDriver(db, keepVerdictsSteps(err, now, operatorId)))();
    if (!(err instanceof OverrideRefused)) throw err;
    writeAudit(db, refusedOverrideAudit(err, now, operatorId));
    throw overrideForbidden();
  } finally {
    if (foreignKeys) db.pragma('foreign_keys = ON');
  }
}

function refusedOverrideAudit(err: OverrideRefused, now: Date, operatorId: number | null): AuditEntry {
  return {
    at: now.toISOString(),
    operatorId,
    action: 'forbidden',
    entity: 'batch',
    entityId: String(err.attempt.batchId),
    after: { zeroProofOverride: err.attempt.reasonCode, roles: err.attempt.roles },
    reasonCode: err.attempt.reasonCode,
  };
}

const overrideForbidden = (): Error =>
  forbidden('only a supervisor may submit a batch whose zero-proof figures differ', 'supervisor');

/**
 * Writes the verdicts of a refused submit in their own transaction (the submit's rolled back): each changed
 * entry says what changed, the batch goes back to open to be validated again, and the refusal is audited.
 * Returns the conflict to throw.
 */
function* keepVerdictsSteps(refused: VerdictsChanged, now: Date, operatorId: number | null): Steps<Error> {
  const changed = refused.verdicts.filter((v) => verdictMoved(refused.was.get(v.id), v.status));
  const verdicts = refused.verdicts.map((v) =>
    !verdictMoved(refused.was.get(v.id), v.status)
      ? v
      : {
          ...v,
          problem: `changed since validation (was ${(refused.was.get(v.id) ?? 'new').replace(/_/g, ' ')}): ${v.problem ?? v.status.replace(/_/g, ' ')}`,
        },
  );
  yield* call(
    (db) => writeVerdicts(db, verdicts),
    (tx) => writeVerdictsIn(tx, verdicts),
  );
  yield* run(batchTouchQuery(refused.batchId, now.toISOString()));
  const audit: AuditEntry = {
    at: now.toISOString(),
    operatorId,
    action: 'batch.submit.refused',
    entity: 'batch',
    entityId: String(refused.batchId),
    after: {
      rule: 'revalidate',
      changed: changed.map((v) => ({ entryId: v.id, was: refused.was.get(v.id), now: v.status })),
    },
  };
  yield* call(
    (db) => writeAudit(db, audit),
    (tx) => appendAudit(tx, audit),
  );
  return conflict(
    'revalidate',
    `${changed.length} entries changed since validation (the ledger moved on); validate again`,
  );
}

function submittedDto(dto: BatchDto, mode: 'batch' | 'account'): BatchSubmitDto {
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

function alreadySubmitted(db: Database.Database, batch: Batch, mode: 'batch' | 'account'): BatchSubmitDto {
  return submittedDto(getBatch(db, batch.id), mode);
}

type Override = { reasonCode: number; note: string | null; expected: unknown; entered: unknown };

const batchOf = (batchId: number): Steps<Batch> =>
  call(
    (db) => loadBatchRow(db, batchId),
    (tx) => loadBatchRowIn(tx, batchId),
  );

const batchDtoOf = (batchId: number): Steps<BatchDto> =>
  call(
    (db) => getBatch(db, batchId),
    (tx) => getBatchIn(tx, batchId),
  );

/**
 * The gates before anything posts, on both forms: a submitted batch answers as a resubmit, a pushed one is
 * refused, an unvalidated one too, and the zero-proof gate runs.
 */
function* gateSteps(
  input: SubmitInput,
  operatorId: number | null,
): Steps<{ batch: Batch; submitted: boolean; override: Override | null }> {
  const batch = yield* batchOf(input.batchId);
  if (batch.status === 'submitted') return { batch, submitted: true, override: null };
  assertNotPushed(batch);
  if (batch.status !== 'validated')
    throw conflict('not-validated', `batch ${batch.batchNo} must be validated before it is submitted`);
  return { batch, submitted: false, override: yield* zeroProofSteps(batch, input, operatorId) };
}

/**
 * The zero-proof gate: a batch whose figures differ is refused unless the override setting is on, a reason of
 * domain 19 is given, and the operator is a supervisor (admins included). Returns the override to audit.
 */
function* zeroProofSteps(
  batch: Batch,
  input: SubmitInput,
  operatorId: number | null,
): Steps<Override | null> {
  const before = yield* batchDtoOf(batch.id);
  if (before.zeroProof.balanced) return null;
  const z = before.zeroProof;
  const moved =
    z.movedCount > 0 ? ` (${z.movedCount} / ${z.movedTotalMinor} of them in exception batches)` : '';
  const differs = `entered ${z.accountedCount} entries / ${z.accountedTotalMinor}${moved} but the control says ${z.expectedCount ?? '-'} / ${z.expectedTotalMinor ?? '-'}`;
  const allowed = yield* call(
    (db) => getSetting(db, 'zeroProof.override'),
    (tx) => getSettingIn(tx, 'zeroProof.override'),
  );
  if (allowed !== true) throw conflict('zero-proof', differs);
  const reasonCode = input.overrideReasonCode;
  if (reasonCode === undefined)
    throw conflict('zero-proof', `${differs}; a supervisor may override with a reason code (domain 19)`);
  const roles =
    operatorId === null
      ? []
      : ((yield* get<{ roles: string }>(operatorRolesQuery(operatorId)))?.roles ?? '')
          .split(',')
          .filter(Boolean);
  if (!hasRole(roles, 'supervisor')) throw new OverrideRefused({ batchId: batch.id, reasonCode, roles });
  yield* call(
    (db) => requireReasonCode(db, REASON_DOMAIN.zeroProofOverride, reasonCode, 'overrideReasonCode'),
    (tx) => requireReasonCodeIn(tx, REASON_DOMAIN.zeroProofOverride, reasonCode, 'overrideReasonCode'),
  );
  return {
    reasonCode,
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

/** Refuses entries that block (invalid, need allocation) and more entries to suspense than the threshold allows. */
function* entriesGateSteps(statuses: readonly string[]): Steps<void> {
  const blocking = statuses.filter((s) => BLOCKING.has(s));
  if (blocking.length > 0) {
    throw conflict(
      'blocking-entries',
      `${blocking.length} entries are invalid or need allocation: fix them or move them to an exception batch`,
    );
  }
  const suspendedCount = statuses.filter((s) => s === 'to_be_suspended').length;
  const threshold = Number(
    yield* call(
      (db) => getSetting(db, 'suspense.thresholdPercent'),
      (tx) => getSettingIn(tx, 'suspense.thresholdPercent'),
    ),
  );
  if (statuses.length > 0 && (suspendedCount * 100) / statuses.length > threshold) {
    throw conflict(
      'suspense-threshold',
      `${suspendedCount} of ${statuses.length} entries would go to suspense, above the ${threshold}% threshold`,
    );
  }
}

function loadFacts(db: Database.Database, batchId: number): Map<number, EntryFacts> {
  return new Map(driverAll<EntryFacts>(db, unpostedFactsQuery(batchId)).map((f) => [f.id, f]));
}

/** The facts of some entries only: a payment batch reads them chunk by chunk, never all at once. */
function loadFactsOf(db: Database.Database, ids: readonly number[]): Map<number, EntryFacts> {
  return new Map(driverAll<EntryFacts>(db, factsOfQuery(DRIVER, ids)).map((f) => [f.id, f]));
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

/** The refund an entry of a refund batch posts (both modes, both forms). */
function refundOf(batch: Batch, v: EntryVerdict, f: EntryFacts): RefundToPost {
  return {
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
  };
}

/** Adds a posted refund to the counts (one posted before counts nothing). */
function countRefund(posted: PostedRefund, f: EntryFacts, result: Counts): void {
  if (!posted) return;
  result.refunded++;
  result.refundedMinor += f.amountMinor as number;
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
    countRefund(postRefund(db, refundOf(batch, v, f), at, operatorId, auditId), f, result);
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

const accountIdsOf = (verdicts: Iterable<EntryVerdict>): number[] => [
  ...new Set([...verdicts].map((v) => v.accountId).filter((id): id is number => id !== null)),
];

function accountCurrencies(db: Database.Database, verdicts: readonly EntryVerdict[]): Map<number, string> {
  const ids = accountIdsOf(verdicts);
  if (ids.length === 0) return new Map();
  return new Map(
    driverAll<{ id: number; currency: string }>(db, accountCurrenciesQuery(DRIVER, ids)).map((a) => [
      a.id,
      a.currency,
    ]),
  );
}

async function accountCurrenciesIn(tx: Tx, verdicts: Iterable<EntryVerdict>): Promise<Map<number, string>> {
  const ids = accountIdsOf(verdicts);
  if (ids.length === 0) return new Map();
  const rows = await tx.all<{ id: number; currency: string }>(accountCurrenciesQuery(tx, ids));
  return new Map(rows.map((a) => [a.id, a.currency]));
}

function submitAudit(
  batch: Batch,
  at: string,
  operatorId: number | null,
  before: unknown,
  override: Override | null,
  mode: 'batch' | 'account',
): AuditEntry {
  return {
    at,
    operatorId,
    action: 'batch.submit',
    entity: 'batch',
    entityId: String(batch.id),
    before,
    after: override ? { mode, zeroProofOverride: override } : { mode },
    reasonCode: override?.reasonCode ?? null,
  };
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
    const { batch, submitted, override } = stepsOnDriver(db, gateSteps(input, operatorId));
    if (submitted) return alreadySubmitted(db, batch, 'batch');
    progress('checking', 0, 1);
    const verdicts = plannedVerdicts(db, batch.id);
    progress('posting', 0, verdicts.length);
    const statuses = storedStatuses(db, batch.id);
    if (verdicts.some((v) => verdictMoved(statuses.get(v.id), v.status)))
      throw new VerdictsChanged(batch.id, verdicts, statuses);
    stepsOnDriver(db, entriesGateSteps(verdicts.map((v) => v.status)));

    const at = now.toISOString();
    const auditId = writeAudit(
      db,
      submitAudit(batch, at, operatorId, getBatch(db, batch.id).countsByStatus, override, 'batch'),
    );
    const result = zeroCounts();

    if (batch.batchType === 'payment') {
      const postable = verdicts.filter((v) => POSTABLE.has(v.status));
      const currencies = accountCurrencies(db, postable);
      // A batch submitted again after released duplicates posts under journals of its own round.
      const round = driverGet(db, somePostedQuery(batch.id)) ? `:${auditId}` : '';
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
      driverRun(db, entriesPostedQuery(batch.id));
      crashPoint();
    } else {
      // Reversals and refunds post entry by entry, as with lock per account, all in this one transaction.
      const facts = loadFacts(db, batch.id);
      for (const [n, v] of verdicts.entries()) {
        if (n % 1000 === 0) progress('posting', n, verdicts.length);
        const f = facts.get(v.id) as EntryFacts;
        const posted = postOne(db, batch, v, f, new Map(), at, operatorId, auditId, result);
        driverRun(db, entryMarkPostedQuery(v.id, posted.status, posted.paymentId));
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
    else driverRun(db, batchSubmittedQuery(batch.id, at));
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
    const { batch, submitted, override } = stepsOnDriver(db, gateSteps(input, operatorId));
    if (submitted) return { done: alreadySubmitted(db, batch, 'account') };
    const stored = driverAll<{ id: number; status: string }>(db, unpostedStatusesQuery(batch.id));
    stepsOnDriver(db, entriesGateSteps(stored.map((s) => s.status)));
    const auditId = writeAudit(
      db,
      submitAudit(batch, at, operatorId, getBatch(db, batch.id).countsByStatus, override, 'account'),
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
        if (driverGet<{ p: number }>(db, entryPostedQuery(s.id))?.p === 1) return;
        if (verdictMoved(s.status, v.status))
          throw conflict(
            'revalidate',
            `changed since validation: ${v.problem ?? v.status.replace(/_/g, ' ')}`,
          );
        const posted = postOne(db, batch, v, f, currencies, at, operatorId, auditId, result);
        driverRun(db, entryMarkPostedQuery(s.id, posted.status, posted.paymentId));
        if (batch.batchType === 'reversal' && f.paymentRef !== null)
          applyBankReturns(db, batch.id, at, operatorId, [f.paymentRef]);
        crashPoint();
      })();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Invalid until validated again (the batch goes back to open), so it can also move to an exception batch.
      db.transaction(() => {
        driverRun(
          db,
          entryMarkFailedQuery(s.id, 'invalid', `not posted: ${message}`, v.problemColumn, v.reasonCode),
        );
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
    const left = driverGet<{ n: number }>(db, unpostedLeftQuery(batch.id))!.n;
    if (left === 0) driverRun(db, batchSubmittedQuery(batch.id, at));
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

/**
 * Posts one entry of any batch type in a port transaction (the port form of postOne): a reversal, a refund (the
 * same steps as the driver's), a payment to its account or to suspense under `entry:<key>`.
 */
async function postOneIn(
  tx: Tx,
  batch: Batch,
  v: EntryVerdict,
  f: EntryFacts,
  currencies: Map<number, string>,
  at: string,
  operatorId: number | null,
  auditId: number,
  result: Counts,
): Promise<EntryOutcome> {
  if (batch.batchType === 'reversal') {
    await reversePaymentIn(
      tx,
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
    countRefund(await postRefundIn(tx, refundOf(batch, v, f), at, operatorId, auditId), f, result);
    return { status: 'posted', paymentId: null };
  }
  const posted = await postEntryIn(
    tx,
    entryToPost(batch, v, f, currencies),
    { idemKey: `entry:${f.entryKey}`, effectiveDate: batch.batchDate, auditId },
    at,
    operatorId,
  );
  countPosted(posted, f, result);
  return { status: posted.to === 'suspense' ? 'posted_suspense' : 'posted', paymentId: posted.paymentId };
}

/**
 * submitBatch through the storage port: the 'batch-submit' job on PostgreSQL (on SQLite the job keeps the
 * set-based driver submit). The same gates (written once as steps), the verdicts checked afresh against the
 * ledger as it is, and per-entry posting through the port's posting core under each entry's key
 * (`entry:<key>`), except a payment batch with `payment.batchLock` = batch on PostgreSQL, which posts set-based
 * as the driver does (setPosterIn: the same journals `batch:<id>`, the same rows). With `payment.batchLock` =
 * batch everything runs in ONE locking transaction that takes the batch's row and then its accounts' rows before
 * it reads them (a failure or a crash posts nothing; a retry from the start is safe; two submits at once take
 * turns on the batch row, the second answering as a resubmit; a move onto one of its accounts waits for it);
 * with `account` each entry posts in its own serializable transaction, as on the driver.
 * Refunds post with the driver's refund steps (postRefundIn) and a return batch's bank returns apply in the same
 * transaction as the reversals they belong to (applyBankReturnsIn), so on PostgreSQL two refunds of one account's
 * last credit at once take turns: the second's verdict changed (or, per entry, its posting finds the credit gone).
 */
export async function submitBatchVia(
  storage: Storage,
  input: SubmitInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void = () => {},
): Promise<BatchSubmitDto> {
  const started = performance.now();
  try {
    const lock = await storage.transaction((tx) => getSettingIn(tx, 'payment.batchLock'), { readOnly: true });
    return lock === 'account'
      ? await submitPerEntryVia(storage, input, now, operatorId, progress, started)
      : await submitInTransactionVia(storage, input, now, operatorId, progress, started);
  } catch (err) {
    if (err instanceof VerdictsChanged)
      throw await storage.transaction((tx) => stepsIn(tx, keepVerdictsSteps(err, now, operatorId)), {
        serializable: true,
      });
    if (!(err instanceof OverrideRefused)) throw err;
    await storage.transaction((tx) => appendAudit(tx, refusedOverrideAudit(err, now, operatorId)));
    throw overrideForbidden();
  }
}

async function submitInTransactionVia(
  storage: Storage,
  input: SubmitInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void,
  started: number,
): Promise<BatchSubmitDto> {
  return storage.transaction(
    async (tx): Promise<BatchSubmitDto> => {
      // The batch is locked before it is read (a second submit, a save or a validation of it waits for this one),
      // its accounts before the ledger is (a move onto one of them waits too: suspense moves lock theirs first).
      await lockBatchIn(tx, input.batchId);
      const { batch, submitted, override } = await stepsIn(tx, gateSteps(input, operatorId));
      if (submitted) return submittedDto(await getBatchIn(tx, batch.id), 'batch');
      await lockBatchAccountsIn(tx, batch.id);
      progress('checking', 0, 1);
      const verdicts = await computeVerdictsIn(tx, batch.id);
      const statuses = new Map(
        (await tx.all<{ id: number; status: string }>(unpostedStatusesQuery(batch.id))).map((r) => [
          r.id,
          r.status,
        ]),
      );
      if (verdicts.some((v) => verdictMoved(statuses.get(v.id), v.status)))
        throw new VerdictsChanged(batch.id, verdicts, statuses);
      await stepsIn(tx, entriesGateSteps(verdicts.map((v) => v.status)));
      const at = now.toISOString();
      const auditId = await appendAudit(
        tx,
        submitAudit(
          batch,
          at,
          operatorId,
          (await getBatchIn(tx, batch.id)).countsByStatus,
          override,
          'batch',
        ),
      );
      const result = zeroCounts();
      // As on the driver: a payment batch posts its postable entries, a reversal or refund batch every entry.
      const postable =
        batch.batchType === 'payment' ? verdicts.filter((v) => POSTABLE.has(v.status)) : verdicts;
      const currencies =
        batch.batchType === 'payment' ? await accountCurrenciesIn(tx, postable) : new Map<number, string>();
      // On PostgreSQL a payment batch posts set-based, as the driver does on SQLite (the same rows); the rest
      // (reversals, refunds, and on SQLite through the port, payments) entry by entry.
      const setBased = batch.batchType === 'payment' && tx.dialect === 'postgres';
      if (setBased)
        await postPaymentsIn(
          tx,
          batch,
          postable,
          currencies,
          at,
          operatorId,
          auditId,
          result,
          progress,
          verdicts.length,
        );
      const perEntry = setBased ? [] : postable;
      const facts = new Map(
        perEntry.length === 0
          ? []
          : (await tx.all<EntryFacts>(unpostedFactsQuery(batch.id))).map((f) => [f.id, f]),
      );
      for (const [n, v] of perEntry.entries()) {
        // Also the cancel point: a cancel throws here and the whole submit rolls back.
        if (n % 1000 === 0) progress('posting', n, postable.length);
        const posted = await postOneIn(
          tx,
          batch,
          v,
          facts.get(v.id) as EntryFacts,
          currencies,
          at,
          operatorId,
          auditId,
          result,
        );
        await tx.run(entryMarkPostedQuery(v.id, posted.status, posted.paymentId));
      }
      if (batch.batchType === 'reversal') await applyBankReturnsIn(tx, batch.id, at, operatorId);
      progress('posting', verdicts.length, verdicts.length);
      // Suspected duplicates never post: they stay in the batch, which stays open until they are released or moved.
      const duplicates = verdicts.filter((v) => v.status === 'duplicate_suspected').length;
      await tx.run(duplicates > 0 ? batchTouchQuery(batch.id, at) : batchSubmittedQuery(batch.id, at));
      return {
        batch: await getBatchIn(tx, batch.id),
        ...result,
        duplicates,
        alreadyPosted: 0,
        failed: [],
        mode: 'batch',
        elapsedMs: Math.round(performance.now() - started),
      };
    },
    { locking: true },
  );
}

/**
 * A payment batch's postable entries in a port transaction on PostgreSQL, set-based as submitInTransaction posts
 * them on SQLite: chunk by chunk (facts read per chunk) through setPosterIn under `batch:<id>` (+ the round after
 * released duplicates), journal lines and balances at the end, and the entries marked by one update.
 */
async function postPaymentsIn(
  tx: Tx,
  batch: Batch,
  postable: readonly EntryVerdict[],
  currencies: Map<number, string>,
  at: string,
  operatorId: number | null,
  auditId: number,
  result: Counts,
  progress: (phase: string, done: number, total: number) => void,
  entries: number,
): Promise<void> {
  const round = (await tx.get(somePostedQuery(batch.id))) ? `:${auditId}` : '';
  const poster = await setPosterIn(
    tx,
    { idemKey: `batch:${batch.id}${round}`, effectiveDate: batch.batchDate, auditId },
    at,
    operatorId,
  );
  for (let from = 0; from < postable.length; from += POST_CHUNK) {
    // Also the cancel point: a cancel throws here and the whole submit rolls back.
    progress('posting', from, postable.length);
    const chunk = postable.slice(from, from + POST_CHUNK);
    const facts = new Map(
      (
        await tx.all<EntryFacts>(
          factsOfQuery(
            tx,
            chunk.map((v) => v.id),
          ),
        )
      ).map((f) => [f.id, f]),
    );
    const posted = await poster.post(
      chunk.map((v) => entryToPost(batch, v, facts.get(v.id) as EntryFacts, currencies)),
    );
    result.posted += posted.posted;
    result.postedMinor += posted.postedMinor;
    result.suspended += posted.suspended;
    result.suspendedMinor += posted.suspendedMinor;
    progress('posting', from + chunk.length, entries);
  }
  await poster.finish();
  await tx.run(entriesPostedQuery(batch.id));
  crashPoint();
}

async function submitPerEntryVia(
  storage: Storage,
  input: SubmitInput,
  now: Date,
  operatorId: number | null,
  progress: (phase: string, done: number, total: number) => void,
  started: number,
): Promise<BatchSubmitDto> {
  const at = now.toISOString();
  type Prep =
    | { done: BatchSubmitDto }
    | { done: null; batch: Batch; stored: { id: number; status: string }[]; auditId: number };
  const prep = await storage.transaction(
    async (tx): Promise<Prep> => {
      const { batch, submitted, override } = await stepsIn(tx, gateSteps(input, operatorId));
      if (submitted) return { done: submittedDto(await getBatchIn(tx, batch.id), 'account') };
      const stored = await tx.all<{ id: number; status: string }>(unpostedStatusesQuery(batch.id));
      await stepsIn(tx, entriesGateSteps(stored.map((s) => s.status)));
      const auditId = await appendAudit(
        tx,
        submitAudit(
          batch,
          at,
          operatorId,
          (await getBatchIn(tx, batch.id)).countsByStatus,
          override,
          'account',
        ),
      );
      return { done: null, batch, stored, auditId };
    },
    { serializable: true },
  );
  if (prep.done) return prep.done;
  const { batch, stored, auditId } = prep;
  progress('checking', 0, 1);
  // The keys copy is a temporary table: not a read-only transaction on PostgreSQL.
  const { verdicts, facts, currencies } = await storage.transaction(async (tx) => {
    const verdicts = new Map((await computeVerdictsIn(tx, batch.id)).map((v) => [v.id, v]));
    const facts = new Map((await tx.all<EntryFacts>(unpostedFactsQuery(batch.id))).map((f) => [f.id, f]));
    return { verdicts, facts, currencies: await accountCurrenciesIn(tx, verdicts.values()) };
  });
  const result = zeroCounts();
  const failed: BatchSubmitDto['failed'] = [];
  progress('posting', 0, stored.length);
  let duplicates = 0;
  for (const [n, s] of stored.entries()) {
    const v = verdicts.get(s.id);
    const f = facts.get(s.id);
    if (!v || !f) continue;
    if (s.status === 'duplicate_suspected' && v.status === s.status) {
      duplicates++;
      continue;
    }
    try {
      // Counted apart and added after the commit: a retried transaction must not count twice.
      const counted = await storage.transaction(
        async (tx) => {
          const mine = zeroCounts();
          if ((await tx.get<{ p: number }>(entryPostedQuery(s.id)))?.p === 1) return mine;
          if (verdictMoved(s.status, v.status))
            throw conflict(
              'revalidate',
              `changed since validation: ${v.problem ?? v.status.replace(/_/g, ' ')}`,
            );
          const posted = await postOneIn(tx, batch, v, f, currencies, at, operatorId, auditId, mine);
          await tx.run(entryMarkPostedQuery(s.id, posted.status, posted.paymentId));
          if (batch.batchType === 'reversal' && f.paymentRef !== null)
            await applyBankReturnsIn(tx, batch.id, at, operatorId, [f.paymentRef]);
          return mine;
        },
        { serializable: true },
      );
      for (const k of Object.keys(result) as (keyof Counts)[]) result[k] += counted[k];
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await storage.transaction(
        async (tx) => {
          await tx.run(
            entryMarkFailedQuery(s.id, 'invalid', `not posted: ${message}`, v.problemColumn, v.reasonCode),
          );
          await appendAudit(tx, {
            at,
            operatorId,
            action: 'batch.entry.submit-failed',
            entity: 'batch_entry',
            entityId: String(s.id),
            after: { message },
          });
        },
        { serializable: true },
      );
      failed.push({ entryId: s.id, seq: f.seq, message });
    }
    progress('posting', n + 1, stored.length);
  }
  progress('posting', stored.length, stored.length);
  await storage.transaction(
    async (tx) => {
      const left = (await tx.get<{ n: number }>(unpostedLeftQuery(batch.id)))!.n;
      await tx.run(left === 0 ? batchSubmittedQuery(batch.id, at) : batchTouchQuery(batch.id, at));
    },
    { serializable: true },
  );
  return {
    batch: await storage.transaction((tx) => getBatchIn(tx, batch.id), { readOnly: true }),
    ...result,
    duplicates,
    alreadyPosted: 0,
    failed,
    mode: 'account',
    elapsedMs: Math.round(performance.now() - started),
  };
}
