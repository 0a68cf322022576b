import { appendAudit } from '../../../db/repos/audit';
import { mandateEventInsertQuery } from '../../../db/repos/mandates';
import {
  changeNoticeMandateQuery,
  changeNoticeUpdateQuery,
  mandateOfE2eQuery,
  mandateOfTraceQuery,
  type ChangeNoticeMandateRow as MandateRow,
} from '../../../db/repos/returns';
import type { Tx } from '../../../db/storage/port';
import type { ChangeNoticeDto } from '../../../src-shared/dto/returns';
import type { BankChangeNotice } from '../../bankfiles/types';
import { routingNumberProblem } from '../../domain/mandate-rules';
import { AppFailure, conflict, invalidFields, notFound } from '../../ledger/errors';

/** The mandate fields a notification of change corrects, as they are on the mandate. */
function fieldsOf(m: MandateRow): Record<string, string | null> {
  return {
    routingNo: m.routingNo,
    accountNo: m.accountNo,
    accountType: m.accountType,
    debtorName: m.debtorName,
  };
}

/**
 * Applies a notification of change (NACHA COR addenda 98) to a mandate inside the caller's transaction: the
 * corrected routing number, account number, account type or name replace the mandate's, its version goes up
 * by one, and a `change-notice` mandate event keeps before/after with the code and source, audited. A notice
 * that corrects nothing (the mandate already says so) changes nothing and returns the mandate unchanged.
 */
export async function applyChangeNotice(
  tx: Tx,
  mandateId: number,
  change: BankChangeNotice,
  at: string,
  source: string,
  operatorId: number | null,
): Promise<{
  before: Record<string, string | null>;
  after: Record<string, string | null>;
  changed: boolean;
}> {
  const m = await tx.get<MandateRow>(changeNoticeMandateQuery(mandateId));
  if (!m) throw notFound('mandate', String(mandateId));
  const c = change.corrected;
  if (c.routingNo !== undefined) {
    const problem = routingNumberProblem(c.routingNo);
    if (problem)
      throw invalidFields(`notification of change ${change.code}: ${problem}`, [
        { path: 'correctedData', message: problem },
      ]);
  }
  if (
    c.routingNo === undefined &&
    c.accountNo === undefined &&
    c.accountType === undefined &&
    c.name === undefined
  )
    throw conflict(
      'change-notice-empty',
      `notification of change ${change.code} corrects no field Paydesk keeps`,
    );
  const before = fieldsOf(m);
  const after = {
    routingNo: c.routingNo ?? m.routingNo,
    accountNo: c.accountNo ?? m.accountNo,
    accountType: c.accountType ?? m.accountType,
    debtorName: c.name ?? m.debtorName,
  };
  const changed = Object.keys(after).some((k) => after[k as keyof typeof after] !== before[k]);
  if (!changed) return { before, after: before, changed: false };
  await tx.run(changeNoticeUpdateQuery(m, after, at));
  await tx.run(
    mandateEventInsertQuery({
      mandateId: m.id,
      at,
      kind: 'change-notice',
      beforeJson: JSON.stringify(before),
      afterJson: JSON.stringify(after),
      source,
      code: change.code,
      operatorId,
    }),
  );
  await appendAudit(tx, {
    at,
    operatorId,
    action: 'mandate.change-notice',
    entity: 'mandate',
    entityId: String(m.id),
    before,
    after: { ...after, code: change.code, correctedData: change.correctedData, source },
  });
  return { before, after, changed: true };
}

/**
 * Resolves each notification of change to its mandate (through the original debit's trace number or end-to-end
 * id) and, when `apply` is set, applies it (inside the caller's transaction). Unresolved notices are listed
 * with the reason and change nothing.
 */
export async function resolveChangeNotices(
  tx: Tx,
  changes: readonly BankChangeNotice[],
  apply: { at: string; source: string; operatorId: number | null } | null,
): Promise<ChangeNoticeDto[]> {
  const out: ChangeNoticeDto[] = [];
  for (const ch of changes) out.push(await resolveChangeNotice(tx, ch, apply));
  return out;
}

/** One notification of change resolved and, when `apply` is set, applied. */
async function resolveChangeNotice(
  tx: Tx,
  ch: BankChangeNotice,
  apply: { at: string; source: string; operatorId: number | null } | null,
): Promise<ChangeNoticeDto> {
  const reference = ch.ref.traceNumber ?? ch.ref.endToEndId ?? ch.ref.mandateId ?? '';
  const base: ChangeNoticeDto = {
    line: ch.line ?? null,
    reference,
    code: ch.code,
    correctedData: ch.correctedData,
    mandateId: null,
    mandateReference: null,
    before: null,
    after: null,
    applied: false,
    reason: null,
  };
  type Hit = { mandateId: number | null };
  const hit =
    (ch.ref.traceNumber !== undefined
      ? await tx.get<Hit>(mandateOfTraceQuery(ch.ref.traceNumber))
      : undefined) ??
    (ch.ref.endToEndId !== undefined ? await tx.get<Hit>(mandateOfE2eQuery(ch.ref.endToEndId)) : undefined);
  if (!hit?.mandateId) return { ...base, reason: `no debit with a mandate has reference ${reference}` };
  const m = (await tx.get<MandateRow>(changeNoticeMandateQuery(hit.mandateId)))!;
  const found = { ...base, mandateId: m.id, mandateReference: m.reference, before: fieldsOf(m) };
  const c = ch.corrected;
  const after = {
    routingNo: c.routingNo ?? m.routingNo,
    accountNo: c.accountNo ?? m.accountNo,
    accountType: c.accountType ?? m.accountType,
    debtorName: c.name ?? m.debtorName,
  };
  if (!apply) return { ...found, after };
  try {
    const r = await applyChangeNotice(tx, m.id, ch, apply.at, apply.source, apply.operatorId);
    return {
      ...found,
      after: r.after,
      applied: r.changed,
      reason: r.changed ? null : 'the mandate already carries these details',
    };
  } catch (err) {
    // Only the notice's own refusal (checked before it writes) lists it as not applied: a database error, a
    // serialization failure above all, is the transaction's to roll back and retry.
    if (!(err instanceof AppFailure)) throw err;
    return { ...found, reason: err.message };
  }
}
