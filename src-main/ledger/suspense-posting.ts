import type Database from 'better-sqlite3';
import { crashPoint } from './crash-point';
import { toMinor } from './ceiling';
import { type JournalLine } from './journal';
import { suspenseMove } from './suspense-move';

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
 * one suspense move (a journal with CASH debit and SUSPENSE credit per currency); a source key already
 * posted is skipped. Refused (conflict `amount-ceiling`) when suspense would hold more than the ceiling in
 * a currency. Runs inside the caller's transaction; returns the new payment ids (null for duplicates).
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
  if (fresh.length === 0) return rows.map(() => null);
  const lines: JournalLine[] = [];
  const freshTotals = new Map<string, bigint>();
  for (const r of fresh)
    freshTotals.set(r.currency, (freshTotals.get(r.currency) ?? 0n) + BigInt(r.amountMinor));
  for (const [currency, sum] of freshTotals) {
    const amountMinor = toMinor(sum, `the suspended total in ${currency}`);
    lines.push({ gl: 'CASH', accountId: null, amountMinor, currency });
    lines.push({ gl: 'SUSPENSE', accountId: null, amountMinor: -amountMinor, currency });
  }
  const ins = db.prepare(
    `INSERT OR IGNORE INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency, account_amount_minor,
       rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
     VALUES ('suspended', ?, ?, ?, 15, ?, ?, ?, ?, 1000000, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const move = {
    at,
    operatorId,
    audit: { auditId: journal.auditId },
    journal: { kind: 'suspense_in', effectiveDate: journal.effectiveDate, idemKey: journal.idemKey, lines },
  };
  return suspenseMove(db, move, ({ journalId }) =>
    rows.map((r) => {
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
    }),
  );
}
