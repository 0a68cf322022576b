import type Database from 'better-sqlite3';
import { crashPoint } from './crash-point';
import { postJournal, type JournalLine } from './journal';

/** An external payment that cannot post to an account yet and goes to the payment suspense account. */
export type SuspendedPaymentRow = {
  sourceKey: string;
  amountMinor: number;
  currency: string;
  effectiveDate: string;
  payType: number;
  channelId: number;
  reasonCode: number;
  accountHint: string | null;
  billNo: string | null;
  externalRef: string | null;
  payerName: string | null;
  batchId: number | null;
};

/** The id of the single payment suspense account. */
export function suspenseAccountId(db: Database.Database): number {
  return (db.prepare('SELECT id FROM accounts WHERE is_suspense = 1').get() as { id: number }).id;
}

/**
 * Posts payments to the payment suspense account (kind "suspended", status 15, with their reason codes):
 * one journal, CASH debit and SUSPENSE credit per currency; a source key already posted is skipped.
 * Runs inside the caller's transaction; returns the new payment ids (null for duplicates).
 */
export function postSuspendedBulk(
  db: Database.Database,
  rows: readonly SuspendedPaymentRow[],
  journal: { idemKey: string | null; effectiveDate: string; auditId: number },
  at: string,
  operatorId: number | null,
): (number | null)[] {
  if (rows.length === 0) return [];
  const suspenseId = suspenseAccountId(db);
  const fresh = rows.filter(
    (r) => !db.prepare('SELECT 1 FROM payments WHERE source_key = ?').get(r.sourceKey),
  );
  const lines: JournalLine[] = [];
  const freshTotals = new Map<string, number>();
  for (const r of fresh) freshTotals.set(r.currency, (freshTotals.get(r.currency) ?? 0) + r.amountMinor);
  for (const [currency, amountMinor] of freshTotals) {
    lines.push({ gl: 'CASH', accountId: null, amountMinor, currency });
    lines.push({ gl: 'SUSPENSE', accountId: null, amountMinor: -amountMinor, currency });
  }
  const journalId =
    fresh.length > 0
      ? postJournal(db, {
          kind: 'suspense_in',
          at,
          effectiveDate: journal.effectiveDate,
          idemKey: journal.idemKey,
          auditId: journal.auditId,
          lines,
        })
      : null;
  const ins = db.prepare(
    `INSERT OR IGNORE INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency, account_amount_minor,
       rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
     VALUES ('suspended', ?, ?, ?, 15, ?, ?, ?, ?, 1000000, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return rows.map((r) => {
    if (journalId === null) return null;
    const info = ins.run(
      suspenseId,
      r.payType,
      r.channelId,
      r.reasonCode,
      r.amountMinor,
      r.currency,
      r.amountMinor,
      r.effectiveDate,
      r.externalRef,
      r.billNo,
      r.accountHint,
      r.payerName,
      r.batchId,
      r.sourceKey,
      journalId,
      at,
      operatorId,
    );
    crashPoint();
    return info.changes === 0 ? null : Number(info.lastInsertRowid);
  });
}
