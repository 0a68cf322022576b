import type Database from 'better-sqlite3';
import { POSTED_ENTRY_STATUSES, type EntryStatusDto } from '../../../src-shared/dto/batches';
import type { EntryProblem, EntryVerdict } from '../../domain/batch-rules';
import type { PlanLine } from '../../domain/allocation';
import { loadBatchRow } from './batch-store';
import {
  computeVerdicts,
  eachVerdictChunk,
  hasPlanTables,
  keysStamp,
  planSignature,
  type AccountPlan,
  type PlanMeta,
} from './validate';

/** SQL list of the posted statuses. */
const POSTED = `(${POSTED_ENTRY_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** How plannedVerdicts came to its verdicts: from the stored plan (re-planning some entries), or afresh. */
export type PlanStats = {
  full: boolean;
  reason: string | null;
  replannedAccounts: number;
  replannedEntries: number;
};

type StoredVerdictRow = {
  id: number;
  status: EntryStatusDto;
  reasonCode: number | null;
  problem: string | null;
  problemColumn: string | null;
  problemsJson: string | null;
  accountId: number | null;
  dupEntryId: number | null;
  dupPaymentId: number | null;
};

/**
 * Whether a payment posted (or reversed) since validation has the fingerprint of an entry of the batch. Runs in
 * every submit, inside its write lock, once per payment posted since: each lookup must find the batch's entries
 * by fingerprint and batch together (one index), never by walking the batch (test/db/submit-plans.test.ts).
 */
export const POSTED_SINCE_MATCHES_SQL = `SELECT 1 FROM payments p JOIN batch_entries e ON e.entry_key = p.source_key
       WHERE (p.id > @payments OR p.id IN (SELECT payment_id FROM reversals WHERE id > @reversals))
         AND e.fingerprint IS NOT NULL
         AND EXISTS (SELECT 1 FROM batch_entries m WHERE m.fingerprint = e.fingerprint AND m.batch_id = @batchId AND m.id <> e.id)
       LIMIT 1`;

/**
 * Why the stored plan of a payment batch no longer holds as a whole, or null when it does: no plan, the batch
 * changed or was validated again since, the settings or rates changed, an account or bill number appeared or
 * changed (an entry may resolve differently), or a payment posted or reversed since matches an entry's fingerprint
 * (duplicate detection would answer differently).
 */
function wholePlanStale(
  db: Database.Database,
  batch: { id: number; status: string; validatedAt: string | null; lockboxNo: string | null },
): string | null {
  const row = db
    .prepare('SELECT rev, plan FROM batch_plans WHERE batch_id = ? AND account_id = 0')
    .get(batch.id) as { rev: number; plan: string } | undefined;
  if (!row) return 'no stored plan';
  const meta = JSON.parse(row.plan) as PlanMeta;
  if (
    batch.status !== 'validated' ||
    meta.validatedAt !== batch.validatedAt ||
    // A lockbox edit keeps the batch validated, but the lockbox is part of every fingerprint.
    (meta.lockboxNo ?? null) !== batch.lockboxNo
  )
    return 'batch changed since validation';
  if (row.rev !== keysStamp(db)) return 'account or bill numbers changed';
  if (planSignature(db) !== meta.sig) return 'settings or rates changed';
  const dup = db
    .prepare(POSTED_SINCE_MATCHES_SQL)
    .get({ payments: meta.payments, reversals: meta.reversals, batchId: batch.id });
  if (dup) return 'a payment posted or reversed since matches an entry';
  return null;
}

/**
 * The verdicts submit posts from, in entry order, with their allocation lines: what validation stored (statuses
 * on the entries, lines in batch_plans), re-planned with the same rules only for the entries of accounts whose
 * stamp moved since (found in one query). Anything batch-wide that changed (see wholePlanStale) re-plans the whole
 * batch. Refund and reversal batches are checked afresh (they post entry by entry against the ledger anyway).
 */
export function plannedVerdicts(db: Database.Database, batchId: number, stats?: PlanStats): EntryVerdict[] {
  const batch = loadBatchRow(db, batchId);
  const full = (reason: string): EntryVerdict[] => {
    if (stats) Object.assign(stats, { full: true, reason, replannedAccounts: 0, replannedEntries: 0 });
    return computeVerdicts(db, batchId);
  };
  if (batch.batchType !== 'payment') return full(`${batch.batchType} batch`);
  if (!hasPlanTables(db)) return full('no stored plan');
  const stale = wholePlanStale(db, batch);
  if (stale) return full(stale);

  // One query: every account's plan and whether its stamp moved since validation.
  const planned = new Map<number, { accountAmountMinor: number; ratePpm: number; lines: PlanLine[] }>();
  const replan: number[] = [];
  let replannedAccounts = 0;
  for (const row of db
    .prepare(
      `SELECT p.plan, coalesce(s.rev, 0) <> p.rev AS moved FROM batch_plans p LEFT JOIN account_stamps s ON s.account_id = p.account_id
       WHERE p.batch_id = ? AND p.account_id > 0`,
    )
    .iterate(batchId) as Iterable<{ plan: string; moved: number }>) {
    const plan = JSON.parse(row.plan) as AccountPlan;
    if (row.moved === 1) {
      replannedAccounts++;
      replan.push(...plan.e);
      continue;
    }
    for (const p of plan.p) {
      const lines: PlanLine[] = [];
      for (let i = 3; i + 2 < p.length; i += 3)
        lines.push({ targetId: p[i] as number, billId: p[i + 1] as number, amountMinor: p[i + 2] as number });
      planned.set(p[0] as number, { accountAmountMinor: p[1] as number, ratePpm: p[2] as number, lines });
    }
  }
  const fresh = new Map<number, EntryVerdict>();
  if (replan.length > 0)
    eachVerdictChunk(
      db,
      batchId,
      replan,
      () => {},
      (chunk) => {
        for (const v of chunk.verdicts) fresh.set(v.id, { ...v, duplicateOf: v.duplicateOf ?? null });
      },
    );
  if (stats)
    Object.assign(stats, { full: false, reason: null, replannedAccounts, replannedEntries: fresh.size });
  const out: EntryVerdict[] = [];
  for (const r of db
    .prepare(
      `SELECT id, status, reason_code AS reasonCode, problem, problem_column AS problemColumn, problems_json AS problemsJson,
              account_id AS accountId, duplicate_of_entry_id AS dupEntryId, duplicate_of_payment_id AS dupPaymentId
       FROM batch_entries WHERE batch_id = ? AND status NOT IN ${POSTED} ORDER BY seq`,
    )
    .iterate(batchId) as Iterable<StoredVerdictRow>) {
    const again = fresh.get(r.id);
    if (again) {
      out.push(again);
      continue;
    }
    const p = planned.get(r.id);
    out.push({
      id: r.id,
      status: r.status,
      reasonCode: r.reasonCode,
      problem: r.problem,
      problemColumn: r.problemColumn,
      ...(r.problemsJson ? { problems: JSON.parse(r.problemsJson) as EntryProblem[] } : {}),
      accountId: r.accountId,
      accountAmountMinor: p?.accountAmountMinor ?? null,
      ratePpm: p?.ratePpm ?? 1_000_000,
      lines: p?.lines ?? [],
      duplicateOf: r.dupEntryId === null ? null : { entryId: r.dupEntryId, paymentId: r.dupPaymentId },
    });
  }
  return out;
}
