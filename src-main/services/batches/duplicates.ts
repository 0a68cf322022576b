import type Database from 'better-sqlite3';
import type { BatchEntryDto } from '../../../src-shared/dto/batches';
import type { EntryVerdict } from '../../domain/batch-rules';
import { paymentFingerprint } from '../../domain/fingerprint';
import { REASON_DOMAIN, requireReasonCodeIn } from '../../ledger/codes';
import { conflict, notFound } from '../../ledger/errors';
import { appendAudit } from '../../../db/repos/audit';
import {
  batchTouchQuery,
  duplicateReleaseQuery,
  duplicateStateQuery,
  entryByIdQuery,
  type DuplicateState,
  type EntryRecord,
} from '../../../db/repos/batches';
import { fingerprintedEntriesQuery, fingerprintMatchesQuery } from '../../../db/repos/validation';
import type { Dialect, Storage } from '../../../db/storage/port';
import { all, DRIVER, stepsOnDriver, type Steps } from '../../../db/storage/steps';
import { assertEditable, entryDto, lockedBatchRowIn } from './batch-store';

/** Entry statuses of money that has left the batch: the entry now stands for a posted payment. */
const POSTED = `('posted', 'posted_suspense')`;

/** Verdicts that would move money at submit; only these can become a suspected duplicate. */
const WOULD_POST = new Set(['valid', 'allocation_suggested', 'allocation_required', 'to_be_suspended']);

/** Fingerprints looked up per query (bound as one JSON array). */
const LOOKUP_CHUNK = 500;

/** Connections that have the SQL function paydesk_fingerprint (one registration per connection). */
const withFunction = new WeakSet<Database.Database>();

/** Registers paydesk_fingerprint(account, bill, check, reference, amountMinor, currency, date, lockbox) in SQL. */
function ensureFingerprintFunction(db: Database.Database): void {
  if (withFunction.has(db)) return;
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  // Eight named parameters: better-sqlite3 takes the SQL arity from the function's length.
  db.function(
    'paydesk_fingerprint',
    { deterministic: true },
    (accountNo, billNo, checkNo, reference, amountMinor, currency, paymentDate, lockboxNo) =>
      paymentFingerprint({
        accountNo: text(accountNo),
        billNo: text(billNo),
        checkNo: text(checkNo),
        reference: text(reference),
        amountMinor:
          typeof amountMinor === 'number'
            ? amountMinor
            : typeof amountMinor === 'bigint'
              ? Number(amountMinor)
              : null,
        currency: text(currency) ?? '',
        paymentDate: text(paymentDate),
        lockboxNo: text(lockboxNo),
      }),
  );
  withFunction.add(db);
}

/**
 * Computes and stores the fingerprint of a payment batch's unposted entries in one statement: all of them, the
 * given ones, or (`'missing'`) those that have none yet. Every path that writes what a fingerprint is made of
 * (import, keyed entry, load, lockbox edit) refreshes it; validation fills only what is missing (entries staged
 * before fingerprints existed, or that cannot have one). A changed fingerprint is a changed payment, so a
 * supervisor's release of the old one no longer holds.
 */
export function refreshFingerprints(
  db: Database.Database,
  batchId: number,
  entryIds?: readonly number[] | 'missing',
): void {
  const batch = db.prepare('SELECT batch_type AS batchType FROM batches WHERE id = ?').get(batchId) as
    { batchType: string } | undefined;
  // Refunds send money out and reversals name the payment they undo: neither can pay the same money twice.
  if (batch?.batchType !== 'payment') return;
  ensureFingerprintFunction(db);
  const only =
    entryIds === 'missing'
      ? 'AND e.fingerprint IS NULL'
      : entryIds
        ? 'AND e.id IN (SELECT value FROM json_each(?))'
        : '';
  db.prepare(
    `UPDATE batch_entries SET fingerprint = n.fp, duplicate_release_code = NULL, duplicate_release_note = NULL
     FROM (SELECT e.id, paydesk_fingerprint(e.account_no, e.bill_no, e.check_no, e.reference, e.amount_minor, coalesce(e.currency, b.currency),
                    e.payment_date, b.lockbox_no) AS fp
           FROM batch_entries e JOIN batches b ON b.id = e.batch_id
           WHERE e.batch_id = ? AND e.status NOT IN ${POSTED} ${only}) AS n
     WHERE batch_entries.id = n.id AND batch_entries.fingerprint IS NOT n.fp`,
  ).run(...(Array.isArray(entryIds) ? [batchId, JSON.stringify(entryIds)] : [batchId]));
}

type Match = { entryId: number; paymentId: number | null; batchId: number; batchNo: string; seq: number };

/**
 * Marks the suspected duplicates among a payment batch's verdicts. An entry is suspected when its fingerprint
 * matches a payment already posted from any batch (and not reversed), an earlier unposted entry of another
 * open or validated batch, or an earlier entry of the same batch; the earliest one stays the original, so two
 * copies never block each other. Only verdicts that would move money change; a released entry keeps its verdict
 * but still shows what it matched. Set-based: one lookup per 500 fingerprints.
 */
export function flagDuplicates(
  db: Database.Database,
  batch: { id: number; batchNo: string; batchType: string },
  verdicts: EntryVerdict[],
): EntryVerdict[] {
  return duplicatesRule(db, batch)(verdicts);
}

/**
 * The duplicate rule of flagDuplicates: the matches of the whole batch are found once (only matched entries are
 * kept), then applied to any part of its verdicts, so validation can work account chunk by account chunk.
 */
export function duplicatesRule(
  db: Database.Database,
  batch: { id: number; batchNo: string; batchType: string },
): (verdicts: EntryVerdict[]) => EntryVerdict[] {
  return stepsOnDriver(db, duplicatesRuleSteps(DRIVER, batch));
}

/** duplicatesRule as steps, run through the driver or in a port transaction (batch validation). */
export function* duplicatesRuleSteps(
  d: { readonly dialect: Dialect },
  batch: { id: number; batchNo: string; batchType: string },
): Steps<(verdicts: EntryVerdict[]) => EntryVerdict[]> {
  const none = (verdicts: EntryVerdict[]) => verdicts;
  if (batch.batchType !== 'payment') return none;
  const mine = yield* all<{ id: number; seq: number; fingerprint: string; releaseCode: number | null }>(
    fingerprintedEntriesQuery(batch.id),
  );
  if (mine.length === 0) return none;
  const firstHere = new Map<string, { id: number; seq: number }>();
  for (const e of mine) if (!firstHere.has(e.fingerprint)) firstHere.set(e.fingerprint, e);
  const fingerprints = [...firstHere.keys()];
  // Per fingerprint: the posted payments, and the unposted entries of other live batches, in entry order.
  const posted = new Map<string, Match>();
  const elsewhere = new Map<string, Match[]>();
  for (let i = 0; i < fingerprints.length; i += LOOKUP_CHUNK) {
    const rows = yield* all<Match & { fp: string }>(
      fingerprintMatchesQuery(d, fingerprints.slice(i, i + LOOKUP_CHUNK), batch.id),
    );
    for (const { fp, ...m } of rows) {
      if (m.paymentId !== null) {
        if (!posted.has(fp)) posted.set(fp, m);
      } else {
        const list = elsewhere.get(fp);
        if (list) list.push(m);
        else elsewhere.set(fp, [m]);
      }
    }
  }
  const matches = new Map<number, { match: Match; released: boolean }>();
  for (const e of mine) {
    const here = firstHere.get(e.fingerprint);
    const candidates: Match[] = [
      ...(elsewhere.get(e.fingerprint) ?? []).filter((m) => m.entryId < e.id),
      ...(here && here.id < e.id
        ? [{ entryId: here.id, paymentId: null, batchId: batch.id, batchNo: batch.batchNo, seq: here.seq }]
        : []),
    ].sort((a, b) => a.entryId - b.entryId);
    const match = posted.get(e.fingerprint) ?? candidates[0];
    if (match) matches.set(e.id, { match, released: e.releaseCode !== null });
  }
  if (matches.size === 0) return none;
  return (verdicts) =>
    verdicts.map((v) => {
      const found = matches.get(v.id);
      if (!found) return v;
      const duplicateOf = { entryId: found.match.entryId, paymentId: found.match.paymentId };
      if (found.released || !WOULD_POST.has(v.status)) return { ...v, duplicateOf };
      return {
        ...v,
        status: 'duplicate_suspected',
        reasonCode: null,
        problem: duplicateProblem(found.match, batch.id),
        problemColumn: null,
        duplicateOf,
      };
    });
}

/** What the clerk reads on a suspected duplicate: the matching payment, or the earlier entry. */
function duplicateProblem(m: Match, batchId: number): string {
  const where = m.batchId === batchId ? 'this batch' : `batch ${m.batchNo}`;
  return m.paymentId !== null
    ? `suspected duplicate of payment ${m.paymentId} (entry ${m.seq} of ${where}): same payer, number, amount and date; a supervisor may release it`
    : `suspected duplicate of entry ${m.seq} of ${where} (not posted yet): same payer, number, amount and date; a supervisor may release it`;
}

/** A release reads the entry before it writes: serializable, so two supervisors at once take turns. */
const WRITE = { serializable: true } as const;

/** Input of a release. */
export type ReleaseDuplicateInput = {
  batchId: number;
  entryId: number;
  reasonCode: number;
  note?: string | undefined;
};

/**
 * A supervisor releases a suspected duplicate with a reason (domain 20) and an optional note: the entry goes back
 * to validation and posts like any other. The release stays on the entry (and in the audit log) until the payment
 * on it changes. Checked and written in one serializable transaction (`batches:release-duplicate`).
 */
export function releaseDuplicate(
  storage: Storage,
  input: ReleaseDuplicateInput,
  now: Date,
  operatorId: number | null,
): Promise<BatchEntryDto> {
  return storage.transaction(async (tx): Promise<BatchEntryDto> => {
    const batch = await lockedBatchRowIn(tx, input.batchId);
    assertEditable(batch);
    const entry = await tx.get<DuplicateState>(duplicateStateQuery(input.entryId, batch.id));
    if (!entry) throw notFound('entry', String(input.entryId));
    if (entry.status !== 'duplicate_suspected')
      throw conflict(
        'not-duplicate',
        `entry ${entry.id} is ${entry.status.replace(/_/g, ' ')}, not a suspected duplicate; validate the batch first`,
      );
    await requireReasonCodeIn(tx, REASON_DOMAIN.duplicateRelease, input.reasonCode);
    const note = input.note?.trim() || null;
    await tx.run(duplicateReleaseQuery(entry.id, input.reasonCode, note));
    await tx.run(batchTouchQuery(batch.id, now.toISOString()));
    await appendAudit(tx, {
      at: now.toISOString(),
      operatorId,
      action: 'batch.entry.release-duplicate',
      entity: 'batch_entry',
      entityId: String(entry.id),
      before: {
        status: entry.status,
        duplicateOfEntryId: entry.entryId,
        duplicateOfPaymentId: entry.paymentId,
      },
      after: { batchId: batch.id, note },
      reasonCode: input.reasonCode,
    });
    return entryDto((await tx.get<EntryRecord>(entryByIdQuery(tx, entry.id)))!);
  }, WRITE);
}
