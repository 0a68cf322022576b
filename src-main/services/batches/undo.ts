import type Database from 'better-sqlite3';
import {
  batchByIdQuery,
  liveDescendantQuery,
  pendingSubmitApprovalQuery,
  undoPostedEntriesQuery,
  undoReversalBatchesQuery,
  type BatchRecord,
  type UndoPostedRecord,
} from '../../../db/repos/batches';
import type { Dialect, Storage } from '../../../db/storage/port';
import { all, DRIVER, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { driverAll } from '../../../db/storage/sqlite';
import type { ParsedInput } from '../../../src-shared/api/contract';
import { commandInputs } from '../../../src-shared/api/inputs';
import type { BatchDto, BatchSubmitDto } from '../../../src-shared/dto/batches';
import type {
  BatchUndoDto,
  BatchUndoPreviewDto,
  UndoEntryDto,
  UndoRefusalDto,
  UndoReversalRefDto,
} from '../../../src-shared/dto/desk-ops';
import { formatMinor } from '../../../src-shared/money';
import { PAY_TYPE_NAMES } from '../../../src-shared/pay-types';
import { BATCH_PAY_TYPES } from '../../domain/batch-rules';
import { writeAudit } from '../../ledger/audit';
import { findReasonCode, REASON_DOMAIN } from '../../ledger/codes';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentStep } from '../../ledger/rates';
import { approvalGuard, approvalMessage, getApproval } from '../approvals/approvals';
import type { ServiceContext } from '../context';
import { createBatch, getBatch, loadBatchRow, saveEntries } from './batch-store';
import { validateBatch } from './validate';

/** "Posted in error": the reversal reason of an undo when the operator names none. */
const DEFAULT_UNDO_REASON = 4102;
/** The preview lists this many entries; counts and totals always cover the whole batch. */
const PREVIEW_ROWS = 1000;
/** saveEntries takes at most 10,000 entries a call. */
const SAVE_CHUNK = 5000;

/** The newest reversal batch of an undo of this batch that was not discarded, and the next free number. */
function reversalOf(
  batchNo: string,
  rows: readonly { id: number; batchNo: string; status: BatchDto['status'] }[],
): { existing: { id: number; batchNo: string; status: BatchDto['status'] } | null; nextNo: string } {
  const ours = rows.filter((r) => /^\d+$/.test(r.batchNo.slice(batchNo.length + 2)));
  const live = ours.filter((r) => r.status !== 'discarded');
  return { existing: live[live.length - 1] ?? null, nextNo: `${batchNo}-U${ours.length + 1}` };
}

/**
 * What undoing a submitted payment batch would reverse, written once as steps: `batches:undo-preview` reads it in
 * one read-only port transaction, an undo (still on the driver) through the driver before it builds the reversal.
 */
function* undoPreviewSteps(
  on: { readonly dialect: Dialect },
  batchId: number,
  now: Date,
): Steps<BatchUndoPreviewDto> {
  const b = yield* get<BatchRecord>(batchByIdQuery(batchId));
  if (!b) throw notFound('batch', String(batchId));
  const batchExponent = yield* exponentStep(b.currency);
  const refusals: UndoRefusalDto[] = [];
  const refuse = (reason: string, seq: number | null = null, paymentId: number | null = null): void => {
    refusals.push({ seq, paymentId, reason });
  };
  const { existing, nextNo } = reversalOf(
    b.batchNo,
    yield* all<{ id: number; batchNo: string; status: BatchDto['status'] }>(
      undoReversalBatchesQuery(b.batchNo),
    ),
  );
  const reversal: UndoReversalRefDto | null = existing
    ? {
        batchId: existing.id,
        batchNo: existing.batchNo,
        status: existing.status,
        pendingApprovalId:
          existing.status === 'submitted'
            ? null
            : ((yield* get<{ id: number }>(pendingSubmitApprovalQuery(on, existing.id, now.toISOString())))
                ?.id ?? null),
      }
    : null;
  if (b.batchType !== 'payment')
    refuse(`batch ${b.batchNo} is a ${b.batchType} batch; only a payment batch can be undone`);
  if (b.status !== 'submitted')
    refuse(`batch ${b.batchNo} is ${b.status}; only a submitted batch can be undone (discard it instead)`);
  if (b.batchType === 'payment' && !BATCH_PAY_TYPES.reversal.includes(b.payType))
    refuse(
      `${PAY_TYPE_NAMES[b.payType] ?? `pay type ${b.payType}`} payments cannot be reversed directly (V9); cash is reversed only in suspense recycling`,
    );
  if (reversal?.status === 'submitted')
    refuse(`batch ${b.batchNo} was already undone by reversal batch ${reversal.batchNo}`);

  const rows = b.status === 'submitted' ? yield* all<UndoPostedRecord>(undoPostedEntriesQuery(b.id)) : [];
  const entries: UndoEntryDto[] = [];
  const totals = new Map<string, { count: number; amountMinor: number }>();
  let count = 0;
  const undoneByUs = reversal?.status === 'submitted';
  for (const r of rows) {
    let action: UndoEntryDto['action'] = 'reverse';
    let note: string | null = null;
    const inSuspense = r.status === 'posted_suspense' || r.isSuspense === 1 || r.kind !== 'original';
    const moved =
      r.reversed === 1 || inSuspense
        ? ((yield* get<{ id: number; kind: string }>(liveDescendantQuery(r.paymentId))) ?? null)
        : null;
    if (moved) {
      action = 'refused';
      note = `moved on to ${moved.kind} payment ${moved.id}`;
      refuse(
        `entry #${r.seq}: payment ${r.paymentId} was moved on to ${moved.kind} payment ${moved.id}; reverse that in Payment Center first`,
        r.seq,
        r.paymentId,
      );
    } else if (r.reversed === 1) {
      action = 'skip';
      note = undoneByUs ? 'reversed by the undo' : 'already reversed';
    } else if (inSuspense) {
      action = 'refused';
      note = 'in suspense';
      refuse(
        `entry #${r.seq}: payment ${r.paymentId} is in suspense; reverse or remove it in Payment Center first`,
        r.seq,
        r.paymentId,
      );
    } else {
      count++;
      const t = totals.get(r.currency) ?? { count: 0, amountMinor: 0 };
      t.count++;
      t.amountMinor += r.amountMinor;
      totals.set(r.currency, t);
    }
    if (entries.length < PREVIEW_ROWS)
      entries.push({
        entryId: r.entryId,
        seq: r.seq,
        paymentId: r.paymentId,
        accountNo: r.accountNo,
        amountMinor: r.amountMinor,
        currency: r.currency,
        placement: r.status === 'posted_suspense' ? 'suspense' : 'account',
        allocatedMinor: r.allocatedMinor,
        accountCurrency: r.accountCurrency,
        action,
        note,
      });
  }
  if (b.status === 'submitted' && !undoneByUs && count === 0 && refusals.length === 0)
    refuse(`batch ${b.batchNo} has no posted payment left to reverse`);
  const perCurrency: BatchUndoPreviewDto['totals'] = [];
  for (const [currency, t] of totals)
    perCurrency.push({ currency, exponent: yield* exponentStep(currency), ...t });
  return {
    batch: {
      id: b.id,
      batchNo: b.batchNo,
      batchType: b.batchType,
      status: b.status,
      currency: b.currency,
      exponent: batchExponent,
      payType: b.payType,
    },
    reversalBatchNo: reversal?.batchNo ?? nextNo,
    reversal,
    entries,
    count,
    totals: perCurrency,
    refusals,
    canUndo: refusals.length === 0,
  };
}

/**
 * What undoing a submitted payment batch would reverse: each posted entry's payment (account, amount, what is
 * allocated, whether it went to suspense) and everything that stops the undo. A payment that moved on after
 * submit (into or out of suspense) must be dealt with in Payment Center first; one already reversed is skipped.
 * Through the driver, for the undo itself.
 */
export function undoPreview(db: Database.Database, batchId: number, now: Date): BatchUndoPreviewDto {
  return stepsOnDriver(db, undoPreviewSteps(DRIVER, batchId, now));
}

/** The undo preview (`batches:undo-preview`), read in one snapshot. */
export function undoPreviewVia(storage: Storage, batchId: number, now: Date): Promise<BatchUndoPreviewDto> {
  return storage.transaction((tx) => stepsIn(tx, undoPreviewSteps(tx, batchId, now)), { readOnly: true });
}

/** The input of an undo, as parsed. */
export type UndoInput = {
  batchId: number;
  reason: string;
  reasonCode?: number | undefined;
  confirmationId?: number | undefined;
};

/**
 * Builds the reversal batch `<batchNo>-U1` of a submitted batch (one reversal entry per payment to reverse,
 * with the reason code keyed), validates it, and audits `batch.undo`, all in one transaction.
 */
function buildReversal(
  ctx: ServiceContext,
  preview: BatchUndoPreviewDto,
  input: UndoInput,
  reasonCode: number,
): number {
  const db = ctx.ledger.sqlite;
  const now = ctx.clock();
  const operatorId = ctx.operator.id;
  const original = loadBatchRow(db, preview.batch.id);
  return db.transaction((): number => {
    const batch = createBatch(
      db,
      {
        batchType: 'reversal',
        payType: original.payType,
        currency: original.currency,
        channelId: original.channelId,
        allocationLevel: original.allocationLevel,
        batchNo: preview.reversalBatchNo,
        note: `Undo of batch ${original.batchNo}: ${input.reason}`,
      },
      now,
      operatorId,
    );
    const rows = driverAll<UndoPostedRecord>(db, undoPostedEntriesQuery(original.id)).filter(
      (r) => r.reversed === 0 && r.status === 'posted' && r.isSuspense === 0 && r.kind === 'original',
    );
    for (let i = 0; i < rows.length; i += SAVE_CHUNK)
      saveEntries(
        db,
        {
          batchId: batch.id,
          entries: rows.slice(i, i + SAVE_CHUNK).map((r) => ({
            paymentRef: r.paymentId,
            accountNo: r.accountNo,
            // The amount lets approval policies and the submit confirmation measure the batch.
            amount:
              r.currency === original.currency ? formatMinor(r.amountMinor, preview.batch.exponent) : null,
            reference: `undo ${original.batchNo} #${r.seq}`,
            custom: { reasonCode: String(reasonCode) },
          })),
        },
        now,
        operatorId,
      );
    validateBatch(db, batch.id, now, operatorId);
    const bad = db
      .prepare(
        `SELECT seq, problem FROM batch_entries WHERE batch_id = ? AND status <> 'valid' ORDER BY seq LIMIT 5`,
      )
      .all(batch.id) as { seq: number; problem: string | null }[];
    if (bad.length > 0)
      throw conflict(
        'undo-invalid',
        `the reversal batch does not validate: ${bad.map((x) => `#${x.seq} ${x.problem ?? ''}`.trim()).join('; ')}`,
      );
    writeAudit(db, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.undo',
      entity: 'batch',
      entityId: String(original.id),
      reasonCode,
      after: {
        reversalBatchId: batch.id,
        reversalBatchNo: batch.batchNo,
        reason: input.reason,
        count: preview.count,
        totals: preview.totals.map((t) => ({ currency: t.currency, amountMinor: t.amountMinor })),
      },
    });
    return batch.id;
  })();
}

/** The approval_required refusal of an approval already waiting (a retried undo never prepares a second one). */
async function waitingFor(ctx: ServiceContext, approvalId: number): Promise<AppFailure> {
  const a = await getApproval(ctx, approvalId);
  return new AppFailure({
    code: 'approval_required',
    message: approvalMessage(a),
    approvalId: a.id,
    requirement: a.requirement,
    ...(a.role ? { role: a.role } : {}),
  });
}

/**
 * Undoes a submitted payment batch: builds its reversal batch and submits it through the normal approval
 * rules (a policy on reversal batches stops the submit with `approval_required`, exactly as for a keyed
 * reversal batch). Idempotent: a retry finds the reversal batch by number, waits on the same approval, and
 * once submitted returns it without posting anything again.
 */
export async function undoBatch(
  ctx: ServiceContext,
  input: UndoInput,
  submit: (parsed: ParsedInput<'batches:submit'>) => Promise<BatchSubmitDto>,
): Promise<BatchUndoDto> {
  const db = ctx.ledger.sqlite;
  const reasonCode = input.reasonCode ?? DEFAULT_UNDO_REASON;
  if (findReasonCode(db, REASON_DOMAIN.paymentReversal, reasonCode)?.active !== true)
    throw invalidFields(
      `reason code ${reasonCode} is not an active payment reversal reason (reason domain 17)`,
      [{ path: 'reasonCode', message: 'an active payment reversal reason (domain 17)' }],
    );
  const preview = undoPreview(db, input.batchId, ctx.clock());
  const existing = preview.reversal;
  if (existing?.status === 'submitted')
    return {
      outcome: 'already_undone',
      original: getBatch(db, input.batchId),
      reversal: getBatch(db, existing.batchId),
      submit: null,
    };
  if (existing?.pendingApprovalId != null) throw await waitingFor(ctx, existing.pendingApprovalId);
  if (!preview.canUndo) {
    const first = preview.refusals[0]?.reason ?? 'nothing to undo';
    const more = preview.refusals.length - 1;
    throw conflict('undo-refused', more > 0 ? `${first} (and ${more} more)` : first);
  }
  let reversalId: number;
  if (existing) {
    reversalId = existing.batchId;
    // A submit that failed or was rejected leaves the batch to validate again before it goes out.
    if (existing.status === 'open') validateBatch(db, reversalId, ctx.clock(), ctx.operator.id);
  } else {
    reversalId = buildReversal(ctx, preview, input, reasonCode);
  }
  const raw = {
    batchId: reversalId,
    ...(input.confirmationId === undefined ? {} : { confirmationId: input.confirmationId }),
  };
  const parsed = commandInputs['batches:submit'].parse(raw);
  // The same guard dispatch runs before batches:submit: a covering policy stores the submit as an approval.
  await approvalGuard(ctx)('batches:submit', parsed, raw);
  const out = await submit(parsed);
  return { outcome: 'submitted', original: getBatch(db, input.batchId), reversal: out.batch, submit: out };
}
