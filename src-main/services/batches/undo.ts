import type Database from 'better-sqlite3';
import {
  batchByIdQuery,
  liveDescendantQuery,
  pendingSubmitApprovalQuery,
  batchEntriesQuery,
  undoPostedEntriesQuery,
  undoReversalBatchesQuery,
  type BatchRecord,
  type UndoPostedRecord,
} from '../../../db/repos/batches';
import { appendAudit } from '../../../db/repos/audit';
import { reasonCodeQuery, type ReasonCodeRecord } from '../../../db/repos/reason-codes';
import type { Dialect, Storage, Tx } from '../../../db/storage/port';
import { all, DRIVER, get, stepsIn, stepsOnDriver, type Steps } from '../../../db/storage/steps';
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
import { REASON_DOMAIN } from '../../ledger/codes';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';
import { exponentStep } from '../../ledger/rates';
import { approvalGuardVia, approvalMessage, getApproval } from '../approvals/approvals';
import type { ServiceContext } from '../context';
import { createBatchIn, getBatchIn, getBatchVia, loadBatchRowIn, saveEntriesIn } from './batch-store';
import { validateBatchIn } from './validate';

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
 * one read-only port transaction, an undo in its own transaction before it builds the reversal.
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
 * Through the driver (compared with the port's in tests).
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
 * with the reason code keyed), validates it, and audits `batch.undo`, in the caller's transaction.
 */
async function buildReversalIn(
  tx: Tx,
  preview: BatchUndoPreviewDto,
  input: UndoInput,
  reasonCode: number,
  now: Date,
  operatorId: number,
): Promise<number> {
  const original = await loadBatchRowIn(tx, preview.batch.id);
  const batch = await createBatchIn(
    tx,
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
  const rows = (await tx.all<UndoPostedRecord>(undoPostedEntriesQuery(original.id))).filter(
    (r) => r.reversed === 0 && r.status === 'posted' && r.isSuspense === 0 && r.kind === 'original',
  );
  for (let i = 0; i < rows.length; i += SAVE_CHUNK)
    await saveEntriesIn(
      tx,
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
  const validated = await validateBatchIn(tx, batch.id, now, operatorId);
  if (Object.entries(validated.countsByStatus).some(([status, n]) => status !== 'valid' && (n ?? 0) > 0)) {
    // Read only when something failed: the first few entries that did not validate name the refusal.
    const bad = (
      await tx.all<{ seq: number; status: string; problem: string | null }>(batchEntriesQuery(tx, batch.id))
    )
      .filter((e) => e.status !== 'valid')
      .slice(0, 5);
    throw conflict(
      'undo-invalid',
      `the reversal batch does not validate: ${bad.map((x) => `#${x.seq} ${x.problem ?? ''}`.trim()).join('; ')}`,
    );
  }
  await appendAudit(tx, {
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

/** What the undo's transaction decided: answered already, waiting on an approval, or a reversal batch to submit. */
type UndoStep =
  | { kind: 'done'; dto: BatchUndoDto }
  | { kind: 'waiting'; approvalId: number }
  | { kind: 'submit'; reversalId: number };

/**
 * The undo up to its submit, in one serializable transaction: the reason code, the preview, and the reversal
 * batch found (validated again when a failed or rejected submit left it open) or built. Two undos of one batch at
 * once take turns: the second finds the first's reversal batch and goes on with it as a retry does (on PostgreSQL
 * it is retried from the start when both inserted the batch number).
 */
function undoStepVia(
  ctx: ServiceContext,
  input: UndoInput,
  reasonCode: number,
  now: Date,
): Promise<UndoStep> {
  return ctx.storage.transaction(
    async (tx): Promise<UndoStep> => {
      const code = await tx.get<ReasonCodeRecord>(reasonCodeQuery(REASON_DOMAIN.paymentReversal, reasonCode));
      if (code?.active !== 1)
        throw invalidFields(
          `reason code ${reasonCode} is not an active payment reversal reason (reason domain 17)`,
          [{ path: 'reasonCode', message: 'an active payment reversal reason (domain 17)' }],
        );
      const preview = await stepsIn(tx, undoPreviewSteps(tx, input.batchId, now));
      const existing = preview.reversal;
      if (existing?.status === 'submitted')
        return {
          kind: 'done',
          dto: {
            outcome: 'already_undone',
            original: await getBatchIn(tx, input.batchId),
            reversal: await getBatchIn(tx, existing.batchId),
            submit: null,
          },
        };
      if (existing?.pendingApprovalId != null)
        return { kind: 'waiting', approvalId: existing.pendingApprovalId };
      if (!preview.canUndo) {
        const first = preview.refusals[0]?.reason ?? 'nothing to undo';
        const more = preview.refusals.length - 1;
        throw conflict('undo-refused', more > 0 ? `${first} (and ${more} more)` : first);
      }
      if (!existing)
        return {
          kind: 'submit',
          reversalId: await buildReversalIn(tx, preview, input, reasonCode, now, ctx.operator.id),
        };
      // A submit that failed or was rejected leaves the batch to validate again before it goes out.
      if (existing.status === 'open') await validateBatchIn(tx, existing.batchId, now, ctx.operator.id);
      return { kind: 'submit', reversalId: existing.batchId };
    },
    { serializable: true },
  );
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
  const reasonCode = input.reasonCode ?? DEFAULT_UNDO_REASON;
  const step = await undoStepVia(ctx, input, reasonCode, ctx.clock());
  if (step.kind === 'done') return step.dto;
  if (step.kind === 'waiting') throw await waitingFor(ctx, step.approvalId);
  const raw = {
    batchId: step.reversalId,
    ...(input.confirmationId === undefined ? {} : { confirmationId: input.confirmationId }),
  };
  const parsed = commandInputs['batches:submit'].parse(raw);
  // The same guard dispatch runs before batches:submit: a covering policy stores the submit as an approval.
  await approvalGuardVia(ctx, 'batches:submit', parsed, raw);
  const out = await submit(parsed);
  return {
    outcome: 'submitted',
    original: await getBatchVia(ctx.storage, input.batchId),
    reversal: out.batch,
    submit: out,
  };
}
