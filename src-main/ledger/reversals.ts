import type Database from 'better-sqlite3';
import { reversiblePaymentQuery, type ReversiblePayment } from '../../db/repos/payments';
import type { Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import { unwindAllocations, unwindAllocationsIn } from './allocation';
import { conflict, notFound } from './errors';
import { offAccountLines, postJournal, postJournalIn, type JournalPosting } from './journal';
import { writeReversal, writeReversalIn } from './suspense-move';

/** A reversal to post. */
type ReverseInput = { paymentId: number; reasonCode: number; idemKey: string };

function reversible(p: ReversiblePayment | undefined, paymentId: number): ReversiblePayment {
  if (!p) throw notFound('payment', String(paymentId));
  if (p.reversed === 1) throw conflict('already-reversed', `payment ${p.id} is already reversed`);
  return p;
}

/** The opposite journal of a payment: AR debit, CASH credit, FX lines when converted. */
function reversalJournal(
  p: ReversiblePayment,
  input: ReverseInput,
  at: string,
  effectiveDate: string,
  auditId: number,
): JournalPosting {
  const lines = offAccountLines(p);
  lines.push({ gl: 'CASH', accountId: null, amountMinor: -p.amountMinor, currency: p.currency });
  return {
    kind: 'reversal',
    at,
    effectiveDate,
    idemKey: input.idemKey,
    auditId,
    reasonCode: input.reasonCode,
    lines,
  };
}

/**
 * Reverses a posted payment inside the caller's transaction: undoes its allocations (reopening items and
 * bills), posts the opposite journal (AR debit, CASH credit, FX lines when converted) and writes the
 * reversal row. A payment is reversed at most once (unique index). Through the driver; reversePaymentIn is the
 * same in a port transaction.
 */
export function reversePayment(
  db: Database.Database,
  input: ReverseInput,
  at: string,
  effectiveDate: string,
  operatorId: number | null,
  auditId: number,
): { reversalId: number; reopenedMinor: number } {
  const p = reversible(
    driverGet<ReversiblePayment>(db, reversiblePaymentQuery(input.paymentId)),
    input.paymentId,
  );
  const { undoneMinor } = unwindAllocations(
    db,
    { id: p.id, accountId: p.accountId, ratePpm: p.ratePpm },
    at,
    operatorId,
  );
  const journalId = postJournal(db, reversalJournal(p, input, at, effectiveDate, auditId));
  const reversalId = writeReversal(db, p.id, input.reasonCode, journalId, at, operatorId);
  return { reversalId, reopenedMinor: undoneMinor };
}

/** reversePayment in a port transaction (SQLite or PostgreSQL): the same checks and rows. */
export async function reversePaymentIn(
  tx: Tx,
  input: ReverseInput,
  at: string,
  effectiveDate: string,
  operatorId: number | null,
  auditId: number,
): Promise<{ reversalId: number; reopenedMinor: number }> {
  const p = reversible(
    await tx.get<ReversiblePayment>(reversiblePaymentQuery(input.paymentId)),
    input.paymentId,
  );
  const { undoneMinor } = await unwindAllocationsIn(
    tx,
    { id: p.id, accountId: p.accountId, ratePpm: p.ratePpm },
    at,
    operatorId,
  );
  const journalId = await postJournalIn(tx, reversalJournal(p, input, at, effectiveDate, auditId));
  const reversalId = await writeReversalIn(tx, {
    paymentId: p.id,
    reasonCode: input.reasonCode,
    journalId,
    at,
    operatorId,
  });
  return { reversalId, reopenedMinor: undoneMinor };
}
