import type Database from 'better-sqlite3';
import { journalInsertQuery, journalLineInsertQuery, SUSPENSE_ACCOUNT_QUERY } from '../../db/repos/journals';
import { driverGet, driverRun } from '../../db/storage/sqlite';
import { crashPoint } from './crash-point';
import { assertSuspenseWithinCeiling, toMinor } from './ceiling';
import { assertBalanced, type JournalLine } from './journal';

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
  return driverGet<{ id: number }>(db, SUSPENSE_ACCOUNT_QUERY)!.id;
}

/** Posts suspended payments chunk by chunk under one journal; the journal's lines are written by `finish`. */
export type SuspendedPoster = {
  /** Inserts a chunk of suspended payments; returns their new ids in input order (null for a key posted before). */
  post(rows: readonly SuspendedPaymentRow[]): (number | null)[];
  /** Writes the journal lines (CASH debit, SUSPENSE credit per currency). */
  finish(): void;
};

/**
 * Posts payments to the payment suspense account (kind "suspended", status 15, with their reason codes): one
 * journal of kind suspense_in, opened with the first payment that is not posted yet, CASH debit and SUSPENSE
 * credit per currency; a source key already posted is skipped. Runs inside the caller's transaction.
 */
export function suspendedPoster(
  db: Database.Database,
  journal: { idemKey: string | null; effectiveDate: string; auditId: number },
  at: string,
  operatorId: number | null,
): SuspendedPoster {
  let suspenseId: number | null = null;
  let journalId: number | null = null;
  const totals = new Map<string, bigint>();
  const exists = db.prepare('SELECT 1 FROM payments WHERE source_key = ?');
  const ins = db.prepare(
    `INSERT OR IGNORE INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency, account_amount_minor,
       rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, source_key, journal_id, created_at, operator_id)
     VALUES ('suspended', ?, ?, ?, 15, ?, ?, ?, ?, 1000000, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const post = (rows: readonly SuspendedPaymentRow[]): (number | null)[] =>
    rows.map((r) => {
      if (exists.get(r.sourceKey)) return null;
      suspenseId ??= suspenseAccountId(db);
      journalId ??= driverGet<{ id: number }>(
        db,
        journalInsertQuery({ kind: 'suspense_in', at, ...journal, lines: [] }),
      )!.id;
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
      if (info.changes === 0) return null;
      totals.set(r.currency, (totals.get(r.currency) ?? 0n) + BigInt(r.amountMinor));
      return Number(info.lastInsertRowid);
    });
  const finish = (): void => {
    if (journalId === null) return;
    const lines: JournalLine[] = [];
    for (const [currency, sum] of totals) {
      const amountMinor = toMinor(sum, `the suspended total in ${currency}`);
      lines.push({ gl: 'CASH', accountId: null, amountMinor, currency });
      lines.push({ gl: 'SUSPENSE', accountId: null, amountMinor: -amountMinor, currency });
    }
    assertBalanced(lines);
    for (const l of lines) driverRun(db, journalLineInsertQuery(journalId, l));
    // Suspense may never hold more than the money ceiling in a currency (ledger/ceiling.ts).
    assertSuspenseWithinCeiling(db, totals.keys());
  };
  return { post, finish };
}

/**
 * Posts payments to the payment suspense account in one call (the one-chunk form of suspendedPoster).
 * Runs inside the caller's transaction; returns the new payment ids (null for duplicates).
 */
export function postSuspendedBulk(
  db: Database.Database,
  rows: readonly SuspendedPaymentRow[],
  journal: { idemKey: string | null; effectiveDate: string; auditId: number },
  at: string,
  operatorId: number | null,
): (number | null)[] {
  const poster = suspendedPoster(db, journal, at, operatorId);
  const ids = poster.post(rows);
  poster.finish();
  return ids;
}
