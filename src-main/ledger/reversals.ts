import type Database from 'better-sqlite3';
import { unwindAllocations } from './allocation';
import { conflict, notFound } from './errors';
import { offAccountLines, postJournal } from './journal';
import { writeReversal } from './suspense-move';

/**
 * Reverses a posted payment inside the caller's transaction: undoes its allocations (reopening items and
 * bills), posts the opposite journal (AR debit, CASH credit, FX lines when converted) and writes the
 * reversal row. A payment is reversed at most once (unique index).
 */
export function reversePayment(
  db: Database.Database,
  input: { paymentId: number; reasonCode: number; idemKey: string },
  at: string,
  effectiveDate: string,
  operatorId: number | null,
  auditId: number,
): { reversalId: number; reopenedMinor: number } {
  const p = db
    .prepare(
      `SELECT p.id, p.account_id AS accountId, p.amount_minor AS amountMinor, p.currency, p.account_amount_minor AS accountAmountMinor,
              p.rate_ppm AS ratePpm, a.currency AS accountCurrency, EXISTS (SELECT 1 FROM reversals r WHERE r.payment_id = p.id) AS reversed
       FROM payments p JOIN accounts a ON a.id = p.account_id WHERE p.id = ?`,
    )
    .get(input.paymentId) as
    | {
        id: number;
        accountId: number;
        amountMinor: number;
        currency: string;
        accountAmountMinor: number;
        ratePpm: number;
        accountCurrency: string;
        reversed: number;
      }
    | undefined;
  if (!p) throw notFound('payment', String(input.paymentId));
  if (p.reversed === 1) throw conflict('already-reversed', `payment ${p.id} is already reversed`);
  const { undoneMinor } = unwindAllocations(
    db,
    { id: p.id, accountId: p.accountId, ratePpm: p.ratePpm },
    at,
    operatorId,
  );
  const lines = offAccountLines(p);
  lines.push({ gl: 'CASH', accountId: null, amountMinor: -p.amountMinor, currency: p.currency });
  const journalId = postJournal(db, {
    kind: 'reversal',
    at,
    effectiveDate,
    idemKey: input.idemKey,
    auditId,
    reasonCode: input.reasonCode,
    lines,
  });
  const reversalId = writeReversal(db, p.id, input.reasonCode, journalId, at, operatorId);
  return { reversalId, reopenedMinor: undoneMinor };
}
