import type Database from 'better-sqlite3';
import type { ChangeNoticeDto } from '../../../src-shared/dto/returns';
import type { BankChangeNotice } from '../../bankfiles/types';
import { routingNumberProblem } from '../../domain/mandate-rules';
import { writeAudit } from '../../ledger/audit';
import { conflict, invalidFields, notFound } from '../../ledger/errors';

type MandateRow = {
  id: number;
  reference: string;
  routingNo: string | null;
  accountNo: string | null;
  accountType: 'checking' | 'savings' | null;
  debtorName: string;
  version: number;
};

const MANDATE_SQL = `SELECT id, reference, routing_no AS routingNo, account_no AS accountNo, account_type AS accountType,
  debtor_name AS debtorName, version FROM mandates`;

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
export function applyChangeNotice(
  db: Database.Database,
  mandateId: number,
  change: BankChangeNotice,
  at: string,
  source: string,
  operatorId: number | null,
): { before: Record<string, string | null>; after: Record<string, string | null>; changed: boolean } {
  const m = db.prepare(`${MANDATE_SQL} WHERE id = ?`).get(mandateId) as MandateRow | undefined;
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
  db.prepare(
    `UPDATE mandates SET routing_no = ?, account_no = ?, account_type = ?, debtor_name = ?, version = version + 1, updated_at = ?
     WHERE id = ? AND version = ?`,
  ).run(after.routingNo, after.accountNo, after.accountType, after.debtorName, at, m.id, m.version);
  db.prepare(
    `INSERT INTO mandate_events (mandate_id, at, kind, before_json, after_json, source, code, operator_id)
     VALUES (?, ?, 'change-notice', ?, ?, ?, ?, ?)`,
  ).run(m.id, at, JSON.stringify(before), JSON.stringify(after), source, change.code, operatorId);
  writeAudit(db, {
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
export function resolveChangeNotices(
  db: Database.Database,
  changes: readonly BankChangeNotice[],
  apply: { at: string; source: string; operatorId: number | null } | null,
): ChangeNoticeDto[] {
  const byTrace = db.prepare(
    `SELECT mandate_id AS mandateId FROM bank_file_items WHERE trace_number = ? AND mandate_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
  );
  const byE2e = db.prepare(`SELECT mandate_id AS mandateId FROM bank_file_items WHERE end_to_end_id = ?`);
  const mandate = db.prepare(`${MANDATE_SQL} WHERE id = ?`);
  return changes.map((ch): ChangeNoticeDto => {
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
    const hit = ((ch.ref.traceNumber !== undefined ? byTrace.get(ch.ref.traceNumber) : undefined) ??
      (ch.ref.endToEndId !== undefined ? byE2e.get(ch.ref.endToEndId) : undefined)) as
      { mandateId: number | null } | undefined;
    if (!hit?.mandateId) return { ...base, reason: `no debit with a mandate has reference ${reference}` };
    const m = mandate.get(hit.mandateId) as MandateRow;
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
      const r = applyChangeNotice(db, m.id, ch, apply.at, apply.source, apply.operatorId);
      return {
        ...found,
        after: r.after,
        applied: r.changed,
        reason: r.changed ? null : 'the mandate already carries these details',
      };
    } catch (err) {
      return { ...found, reason: err instanceof Error ? err.message : String(err) };
    }
  });
}
