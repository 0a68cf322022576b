import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { auditInsertQuery, appendAudit } from '../../../db/repos/audit';
import {
  confirmationByIdQuery,
  confirmationClaimQuery,
  confirmationCloseQuery,
  confirmationInsertQuery,
  confirmationOutcomeQuery,
  type ConfirmationRecord,
} from '../../../db/repos/confirmations';
import {
  batchHeadQuery,
  batchOpenGroupsQuery,
  batchOpenRowsQuery,
  type BatchHead,
} from '../../../db/repos/measures';
import type { Storage, Tx } from '../../../db/storage/port';
import { driverGet, driverRun } from '../../../db/storage/sqlite';
import {
  all,
  call,
  DRIVER,
  each,
  get,
  run,
  stepsIn,
  stepsOnDriver,
  type Steps,
} from '../../../db/storage/steps';
import type {
  ConfirmableOperation,
  ConfirmationDto,
  ConfirmationGroupDto,
  ConfirmationRefDto,
  CurrencyTotalDto,
} from '../../../src-shared/dto/confirmations';
import { formatMinor } from '../../../src-shared/money';
import { AppFailure, conflict, forbidden, notFound } from '../../ledger/errors';
import { exponentStep } from '../../ledger/rates';
import { getSettingIn, settingStep } from '../../ledger/settings';
import { findProcessor, findProcessorIn, type ProcessorRow } from '../processors/config';
import {
  collectSelection,
  depositSelection,
  followUpSelection,
  minimumMinor,
  refundSelection,
  selectCollectSteps,
  type RunGuard,
  type RunGuardVia,
  type RunSelection,
} from '../processors/collect';
import { selectionKey } from '../directdebit/run';
import { selectSteps, type DdRunOptions, type DdSelection } from '../directdebit/select';

/**
 * Prepare -> confirm for every command that sends money out (issue #11, finding 9). Preparing computes the
 * exact selection the command would send, stores it with a hash, an expiry and the operator, and audits it;
 * confirming (the command itself, given the confirmation id) computes the selection again where the work
 * runs and refuses with `conflict` when it changed, expired or was used, so what runs is what was shown.
 * Issue #12 (policies, second factor, four eyes) builds on this one gate.
 */

/** What a preview shows, stored as the confirmation's summary. */
type Summary = Pick<
  ConfirmationDto,
  'description' | 'count' | 'totals' | 'groups' | 'processor' | 'window' | 'skipped' | 'limit'
>;

/** A computed preview: whether a confirmation is needed, the selection's hash and what it shows. */
export type Preview = { required: boolean; hash: string; summary: Summary };

/** Command input as stored and compared: no confirmation id, no undefined values, keys sorted. */
export function canonicalInput(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input).sort()) {
    if (key === 'confirmationId' || input[key] === undefined) continue;
    out[key] = input[key];
  }
  return out;
}

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Count and total per currency, in currency order. */
function totalsOf(items: readonly { currency: string; amountMinor: number }[]): CurrencyTotalDto[] {
  const by = new Map<string, CurrencyTotalDto>();
  for (const i of items) {
    let t = by.get(i.currency);
    if (!t) by.set(i.currency, (t = { currency: i.currency, count: 0, amountMinor: 0 }));
    t.count += 1;
    t.amountMinor += i.amountMinor;
  }
  return [...by.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/** Groups items by a label, each with its totals per currency. */
function groupsOf<T extends { currency: string; amountMinor: number }>(
  items: readonly T[],
  labelOf: (item: T) => string,
): ConfirmationGroupDto[] {
  const by = new Map<string, T[]>();
  for (const i of items) {
    const label = labelOf(i);
    const list = by.get(label);
    if (list) list.push(i);
    else by.set(label, [i]);
  }
  return [...by.entries()].map(([label, list]) => ({ label, count: list.length, totals: totalsOf(list) }));
}

const RUN_WORDS: Record<RunSelection['kind'], [string, string]> = {
  collect: ['Collect', 'bills'],
  deposit: ['Deposit', 'authorizations'],
  refund: ['Refund', 'credits'],
};

/** The preview of a run's selection; the hash covers the input and every item (bill or txn, token, amount). */
export function runPreview(
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  sel: RunSelection,
): Preview {
  const [verb, noun] = RUN_WORDS[sel.kind];
  return {
    required: true,
    hash: sha256({
      operation,
      input: canonicalInput(input),
      processor: sel.processor.id,
      window: sel.window,
      items: sel.items.map((i) => [i.ref, i.accountNo, i.token, i.merchant, i.currency, i.amountMinor]),
    }),
    summary: {
      description: `${verb} ${sel.items.length} ${noun} through ${sel.processor.name}`,
      count: sel.items.length,
      totals: totalsOf(sel.items),
      groups: groupsOf(sel.items, (i) => `${sel.processor.name} · ${i.merchant}`),
      processor: sel.processor.name,
      window: sel.window,
      skipped: sel.kind === 'collect' ? sel.skipped : null,
      limit: null,
    },
  };
}

/**
 * The preview of a batch submit: the entries still to post (posted ones never post twice), their count and
 * total in the batch currency by status, and whether the total is over `confirm.submitAboveAmount`. Counts and
 * totals are summed in SQL and the entries are hashed row by row as they are read, so on the driver a
 * million-entry batch is never held in memory (the preview runs at prepare and again at submit).
 */
export function* submitPreviewSteps(on: Pick<Tx, 'dialect'>, input: Record<string, unknown>): Steps<Preview> {
  const batchId = Number(input.batchId);
  const batch = yield* get<BatchHead>(batchHeadQuery(batchId));
  if (!batch) throw notFound('batch', String(batchId));
  // Groups in the order their first entry comes, as the clerk reads the batch.
  const byStatus = yield* all<{ status: string; count: number; amountMinor: number }>(
    batchOpenGroupsQuery(batchId),
  );
  const currency = batch.currency;
  const groups = byStatus.map((g) => ({
    label: g.status,
    count: g.count,
    totals: [{ currency, count: g.count, amountMinor: g.amountMinor }],
  }));
  const count = byStatus.reduce((n, g) => n + g.count, 0);
  const totalMinor = byStatus.reduce((n, g) => n + g.amountMinor, 0);
  const totals = count === 0 ? [] : [{ currency, count, amountMinor: totalMinor }];
  const limitMinor = minimumMinor(
    String(yield* settingStep('confirm.submitAboveAmount')),
    yield* exponentStep(currency),
  );
  const hash = createHash('sha256').update(
    JSON.stringify({
      operation: 'batches:submit',
      input: canonicalInput(input),
      batch: [batch.id, batch.batchType, batch.currency, batch.status],
    }),
  );
  // Each entry as a JSON array made by the database (the text JSON.stringify made of the row before, less than half
  // the time): a team server prepares this on its main thread, 125,000 entries in about 0.5 s instead of 1.1 s.
  yield* each<{ row: string }>(batchOpenRowsQuery(on, batchId), (r) => hash.update(r.row).update('\n'));
  return {
    required: Math.abs(totalMinor) > limitMinor,
    hash: hash.digest('hex'),
    summary: {
      description: `Submit ${batch.batchType} batch ${batch.batchNo}: ${count} ${count === 1 ? 'entry' : 'entries'}`,
      count,
      totals,
      groups,
      processor: null,
      window: null,
      skipped: null,
      limit: { currency, amountMinor: limitMinor },
    },
  };
}

/** submitPreview through the driver. */
export function submitPreview(db: Database.Database, input: Record<string, unknown>): Preview {
  return stepsOnDriver(db, submitPreviewSteps(DRIVER, input));
}

/**
 * The preview of a direct-debit run: one group per file (creditor and format), totals per currency, the
 * skipped reasons; the hash covers the input and every item (bill, account, mandate, amount, sequence type).
 */
export function ddRunPreview(input: Record<string, unknown>, sel: DdSelection): Preview {
  const items = sel.groups.flatMap((g) =>
    g.items.map((i) => ({ ...i, label: `${g.creditor.code} · ${g.format}` })),
  );
  const noun = sel.kind === 'debit' ? 'debits' : 'credits out';
  return {
    required: true,
    hash: sha256({ operation: 'dd:run', input: canonicalInput(input), selection: selectionKey(sel) }),
    summary: {
      description: `${sel.scheme.toUpperCase()} ${noun}: ${items.length} in ${sel.groups.length} file${sel.groups.length === 1 ? '' : 's'} for ${sel.collectionDate}`,
      count: items.length,
      totals: totalsOf(items),
      groups: groupsOf(items, (i) => i.label),
      processor: null,
      window: { start: sel.collectionDate, end: sel.collectionDate },
      skipped: sel.skipped,
      limit: null,
    },
  };
}

/** Computes the preview of an operation from the ledger as it is now, writing nothing. */
export function* previewSteps(
  on: Pick<Tx, 'dialect'>,
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  now: Date,
): Steps<Preview> {
  const processorName = typeof input.processor === 'string' ? input.processor : undefined;
  const processor = (): Steps<ProcessorRow> =>
    call(
      (db) => findProcessor(db, processorName),
      (tx) => findProcessorIn(tx, processorName),
    );
  switch (operation) {
    case 'collect:run': {
      const proc = yield* processor();
      const sel = yield* selectCollectSteps(now, proc, input);
      return runPreview(operation, input, collectSelection(proc, sel));
    }
    case 'collect:deposit': {
      const proc = yield* processor();
      const sel = yield* depositSelection(now, proc, input);
      return runPreview(operation, input, followUpSelection('deposit', proc, sel.window, sel.rows));
    }
    case 'collect:refund': {
      const proc = yield* processor();
      const rows = yield* refundSelection(proc);
      return runPreview(
        operation,
        input,
        followUpSelection('refund', proc, { start: null, end: null }, rows),
      );
    }
    case 'batches:submit':
      return yield* submitPreviewSteps(on, input);
    case 'dd:run':
      return ddRunPreview(input, yield* selectSteps(on, now, input as DdRunOptions));
  }
}

/** previewSteps through the driver. */
export function previewOperation(
  db: Database.Database,
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  now: Date,
): Preview {
  return stepsOnDriver(db, previewSteps(DRIVER, operation, input, now));
}

function toDto(row: ConfirmationRecord): ConfirmationDto {
  return {
    id: row.id,
    operation: row.operation as ConfirmableOperation,
    input: JSON.parse(row.inputJson) as Record<string, unknown>,
    required: row.required === 1,
    hash: row.hash,
    ...(JSON.parse(row.summaryJson) as Summary),
    status: row.status,
    createdBy: row.createdByLogin,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    decidedAt: row.decidedAt,
    outcome: row.outcome,
  };
}

function* loadRow(id: number): Steps<ConfirmationRecord> {
  const row = yield* get<ConfirmationRecord>(confirmationByIdQuery(id));
  if (!row) throw notFound('confirmation', String(id));
  return row;
}

/** One prepared confirmation. */
export function getConfirmation(storage: Storage, id: number): Promise<ConfirmationDto> {
  return storage.transaction(async (tx) => toDto(await stepsIn(tx, loadRow(id))), { readOnly: true });
}

/**
 * Prepares an operation: computes its preview in one read-only snapshot (a large batch is hashed without holding the
 * writer's turn), then stores it pending with its hash, expiry (setting `confirm.expiryMinutes`) and operator, and
 * audits `confirmation.prepare`. Sends nothing.
 */
export async function prepareConfirmation(
  storage: Storage,
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  now: Date,
  operatorId: number,
): Promise<ConfirmationDto> {
  const preview = await storage.transaction((tx) => stepsIn(tx, previewSteps(tx, operation, input, now)), {
    readOnly: true,
  });
  const at = now.toISOString();
  return storage.transaction(async (tx) => {
    const minutes = Number(await getSettingIn(tx, 'confirm.expiryMinutes'));
    const expiresAt = new Date(now.getTime() + minutes * 60_000).toISOString();
    const id = (await tx.get<{ id: number }>(
      confirmationInsertQuery({
        operation,
        inputJson: JSON.stringify(canonicalInput(input)),
        hash: preview.hash,
        summaryJson: JSON.stringify(preview.summary),
        required: preview.required,
        createdBy: operatorId,
        createdAt: at,
        expiresAt,
      }),
    ))!.id;
    await appendAudit(tx, {
      at,
      operatorId,
      action: 'confirmation.prepare',
      entity: 'confirmation',
      entityId: String(id),
      after: {
        operation,
        input: canonicalInput(input),
        hash: preview.hash,
        count: preview.summary.count,
        totals: preview.summary.totals,
        required: preview.required,
        expiresAt,
      },
    });
    return toDto(await stepsIn(tx, loadRow(id)));
  });
}

/** The refusal of a command that sends money without a prepared confirmation. */
export function confirmationRequired(operation: ConfirmableOperation, why: string): AppFailure {
  return conflict(
    'confirmation-required',
    `${operation} ${why}: prepare it (confirmations:prepare, or the CLI's --preview), check the count and totals, then run it with that confirmationId (the CLI asks, or takes --yes); nothing was sent`,
  );
}

function* amountsText(totals: readonly CurrencyTotalDto[]): Steps<string> {
  const parts: string[] = [];
  for (const t of totals)
    parts.push(`${formatMinor(t.amountMinor, yield* exponentStep(t.currency))} ${t.currency}`);
  return parts.join(' + ') || 'nothing';
}

type Consumed = { ok: true; ref: ConfirmationRefDto } | { ok: false; failure: AppFailure };

/**
 * The confirm step's checks and claim, in the caller's transaction: the confirmation must be this operation with the
 * same input, pending, unexpired, prepared by this operator, and its hash must equal the selection's now. It is
 * claimed with a conditional update (pending -> confirmed), so two confirms can never both run. A refusal is recorded
 * (closed when expired or changed, audited) and answered, to be thrown once its transaction commits.
 */
function* consumeSteps(
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  preview: Preview,
  now: Date,
  operatorId: number,
): Steps<Consumed> {
  const confirmationId = Number(input.confirmationId);
  const at = now.toISOString();
  const row = yield* loadRow(confirmationId);
  function* refuse(failure: AppFailure, status?: 'refused' | 'expired'): Steps<Consumed> {
    if (status) yield* run(confirmationCloseQuery(row.id, status, operatorId, at, failure.error.message));
    yield* get(
      auditInsertQuery({
        at,
        operatorId,
        action: 'confirmation.refuse',
        entity: 'confirmation',
        entityId: String(row.id),
        after: {
          operation,
          reason: failure.error.code === 'conflict' ? failure.error.rule : failure.error.code,
          hash: preview.hash,
          expectedHash: row.hash,
        },
      }),
    );
    return { ok: false, failure };
  }
  const used = (status: string): AppFailure =>
    conflict(
      'confirmation-used',
      `confirmation ${row.id} is ${status}, not pending: prepare a new one; nothing was sent`,
    );
  if (row.operation !== operation || row.inputJson !== JSON.stringify(canonicalInput(input)))
    return yield* refuse(
      conflict(
        'confirmation-mismatch',
        `confirmation ${row.id} was prepared for ${row.operation} ${row.inputJson}, not this ${operation}; nothing was sent`,
      ),
    );
  if (row.status !== 'pending') return yield* refuse(used(row.status));
  if (row.createdBy !== operatorId)
    return yield* refuse(
      forbidden(`confirmation ${row.id} was prepared by ${row.createdByLogin}; only they may confirm it`),
    );
  if (at > row.expiresAt)
    return yield* refuse(
      conflict(
        'confirmation-expired',
        `confirmation ${row.id} expired at ${row.expiresAt}: preview again; nothing was sent`,
      ),
      'expired',
    );
  if (row.hash !== preview.hash) {
    const was = JSON.parse(row.summaryJson) as Summary;
    const then = yield* amountsText(was.totals);
    const nowText = yield* amountsText(preview.summary.totals);
    return yield* refuse(
      conflict(
        'confirmation-changed',
        `the selection changed since confirmation ${row.id} was previewed (then ${was.count}: ${then}; now ${preview.summary.count}: ${nowText}): preview again; nothing was sent`,
      ),
      'refused',
    );
  }
  if (!(yield* get(confirmationClaimQuery(row.id, operatorId, at)))) return yield* refuse(used('confirmed'));
  yield* get(
    auditInsertQuery({
      at,
      operatorId,
      action: 'confirmation.confirm',
      entity: 'confirmation',
      entityId: String(row.id),
      before: { status: 'pending' },
      after: {
        status: 'confirmed',
        operation,
        hash: row.hash,
        count: preview.summary.count,
        totals: preview.summary.totals,
      },
    }),
  );
  return {
    ok: true,
    ref: { id: row.id, hash: row.hash, count: preview.summary.count, totals: preview.summary.totals },
  };
}

function consumed(outcome: Consumed): ConfirmationRefDto {
  if (!outcome.ok) throw outcome.failure;
  return outcome.ref;
}

/**
 * The confirm step where the work still runs on the driver (the job worker), against the selection it is about to
 * send: checked and claimed in one immediate transaction; a refusal is thrown after its record commits.
 */
export function consumeConfirmation(
  db: Database.Database,
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  preview: Preview,
  now: Date,
  operatorId: number,
): ConfirmationRefDto {
  return consumed(
    db
      .transaction(() => stepsOnDriver(db, consumeSteps(operation, input, preview, now, operatorId)))
      .immediate(),
  );
}

/**
 * The confirm step on the storage port: measures the operation as the ledger is now and checks and claims its
 * confirmation, in one serializable transaction (on PostgreSQL a confirm that met another one's claim is retried
 * and finds the confirmation used). A refusal is thrown after its record commits.
 */
export async function confirmOperation(
  storage: Storage,
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  now: Date,
  operatorId: number,
): Promise<ConfirmationRefDto> {
  const outcome = await storage.transaction(
    async (tx) => {
      const preview = await stepsIn(tx, previewSteps(tx, operation, input, now));
      return stepsIn(tx, consumeSteps(operation, input, preview, now, operatorId));
    },
    { serializable: true },
  );
  return consumed(outcome);
}

/** Records what a confirmed operation ran (run id, batch id), for the confirmation's history. */
export function noteConfirmationOutcome(db: Database.Database, id: number, outcome: string): void {
  driverRun(db, confirmationOutcomeQuery(id, outcome));
}

/**
 * consumeConfirmation for a run on the storage port (a direct-debit run), against the selection it is about to
 * post: checked and claimed in one serializable transaction of its own (a second confirm of the same confirmation
 * at once, retried on PostgreSQL, finds it used); a refusal is thrown after its record commits.
 */
export async function consumeConfirmationVia(
  storage: Storage,
  operation: ConfirmableOperation,
  input: Record<string, unknown>,
  preview: Preview,
  now: Date,
  operatorId: number,
): Promise<ConfirmationRefDto> {
  return consumed(
    await storage.transaction((tx) => stepsIn(tx, consumeSteps(operation, input, preview, now, operatorId)), {
      serializable: true,
    }),
  );
}

/** noteConfirmationOutcome on the storage port. */
export async function noteConfirmationOutcomeVia(
  storage: Storage,
  id: number,
  outcome: string,
): Promise<void> {
  await storage.transaction((tx) => tx.run(confirmationOutcomeQuery(id, outcome)));
}

/**
 * The guard a run passes its selection to: without a confirmation id it refuses, otherwise it confirms
 * against the selection and hands the confirmation to `onConfirmed`.
 */
export function runGuard(
  db: Database.Database,
  operation: 'collect:run' | 'collect:deposit' | 'collect:refund',
  input: Record<string, unknown>,
  now: Date,
  operatorId: number,
  onConfirmed: (ref: ConfirmationRefDto) => void,
): RunGuard {
  return (sel) => {
    if (input.confirmationId === undefined) throw confirmationRequired(operation, 'sends money out');
    onConfirmed(
      consumeConfirmation(db, operation, input, runPreview(operation, input, sel), now, operatorId),
    );
  };
}

/** runGuard for a run on the storage port: the confirmation checked and claimed in a serializable transaction. */
export function runGuardVia(
  storage: Storage,
  operation: 'collect:run' | 'collect:deposit' | 'collect:refund',
  input: Record<string, unknown>,
  now: Date,
  operatorId: number,
  onConfirmed: (ref: ConfirmationRefDto) => void,
): RunGuardVia {
  return async (sel) => {
    if (input.confirmationId === undefined) throw confirmationRequired(operation, 'sends money out');
    const preview = runPreview(operation, input, sel);
    onConfirmed(await consumeConfirmationVia(storage, operation, input, preview, now, operatorId));
  };
}

/**
 * The gate before a batch submit: a batch whose total is over `confirm.submitAboveAmount` needs its
 * confirmation; one given is always checked. Returns the confirmation used, or null.
 */
export function guardSubmit(
  db: Database.Database,
  input: Record<string, unknown>,
  now: Date,
  operatorId: number,
): ConfirmationRefDto | null {
  const preview = submitPreview(db, input);
  if (input.confirmationId === undefined) {
    const batch = driverGet<BatchHead>(db, batchHeadQuery(Number(input.batchId)));
    // Only a validated batch can post; submit's own refusal (not validated, discarded) tells the clerk more.
    if (!preview.required || batch?.status !== 'validated') return null;
    const limit = preview.summary.limit!;
    throw confirmationRequired(
      'batches:submit',
      `of ${stepsOnDriver(db, amountsText(preview.summary.totals))} is over the confirmation limit ${stepsOnDriver(db, amountsText([{ ...limit, count: 0 }]))} (setting confirm.submitAboveAmount)`,
    );
  }
  return consumeConfirmation(db, 'batches:submit', input, preview, now, operatorId);
}

/** guardSubmit on the storage port (a submit on PostgreSQL): the same preview, refusal and consume. */
export async function guardSubmitVia(
  storage: Storage,
  input: Record<string, unknown>,
  now: Date,
  operatorId: number,
): Promise<ConfirmationRefDto | null> {
  const refusal = await storage.transaction(
    async (tx) => {
      const preview = await stepsIn(tx, submitPreviewSteps(tx, input));
      if (input.confirmationId !== undefined) return { preview, why: null };
      const batch = await tx.get<BatchHead>(batchHeadQuery(Number(input.batchId)));
      if (!preview.required || batch?.status !== 'validated') return null;
      const limit = preview.summary.limit!;
      const why = `of ${await stepsIn(tx, amountsText(preview.summary.totals))} is over the confirmation limit ${await stepsIn(tx, amountsText([{ ...limit, count: 0 }]))} (setting confirm.submitAboveAmount)`;
      return { preview, why };
    },
    { readOnly: true },
  );
  if (!refusal) return null;
  if (refusal.why !== null) throw confirmationRequired('batches:submit', refusal.why);
  return consumeConfirmationVia(storage, 'batches:submit', input, refusal.preview, now, operatorId);
}
