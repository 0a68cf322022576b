import type Database from 'better-sqlite3';
import { ACTIVE_SUSPENSE_STATES, type SuspenseState } from '../../src-shared/dto/suspense';
import { appendAudit } from '../../db/repos/audit';
import {
  queueStateQuery,
  reversalInsertQuery,
  SUSPENSE_ACCOUNT_QUERY,
  suspendedInsertQuery,
  suspendedQueueQuery,
  type NewSuspended,
} from '../../db/repos/journals';
import type { Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import type { AuditEntry } from './audit';
import { assertSuspenseWithinCeilingIn } from './ceiling';
import { postJournalIn, type JournalPosting } from './journal';
import { foldTallyIn } from './suspense-tally';

/** A move's journal: everything but the time and the audit row, which the move supplies. */
export type MoveJournal = Omit<JournalPosting, 'at' | 'auditId'>;

/** One move of money into or out of the payment suspense account (or between it and customer accounts). */
export type SuspenseMove = {
  at: string;
  operatorId: number | null;
  /** The move's audit row (entity "payment"), or the id of the one the caller already wrote for a bigger job. */
  audit: Omit<AuditEntry, 'at' | 'operatorId' | 'entity'> | { auditId: number };
  /** The balanced journal of the move. */
  journal: MoveJournal;
  /** Payments that leave (or are reversed) with this journal: one reversal row each, in order. */
  reversed?: readonly { paymentId: number; reasonCode: number }[];
  /** Suspense queue rows that change state with the move. */
  queue?: readonly { paymentId: number; state: SuspenseState }[];
};

/** The currencies in which a move changes what the suspense account holds. */
function suspenseCurrencies(move: SuspenseMove): string[] {
  return move.journal.lines.filter((l) => l.gl === 'SUSPENSE').map((l) => l.currency);
}

/** What a move posted: its audit row and its journal. */
export type PostedMove = { auditId: number; journalId: number };

/**
 * The one way money moves through the suspense account, inside the caller's port transaction: audit → journal →
 * reversal rows → queue states; then `then` writes what is particular to the move (distributed, recycled or
 * replacement payments, timeline events) with the audit and journal ids; last the ceiling is checked (the
 * journal checks every customer account it touches, this the suspense holdings of its currencies), so a
 * refusal rolls the whole move back. Returns what `then` returns.
 */
export async function suspenseMoveIn<T>(
  tx: Tx,
  move: SuspenseMove,
  then: (posted: PostedMove) => Promise<T>,
): Promise<T> {
  const auditId =
    'auditId' in move.audit
      ? move.audit.auditId
      : await appendAudit(tx, { ...move.audit, at: move.at, operatorId: move.operatorId, entity: 'payment' });
  const journalId = await postJournalIn(tx, { ...move.journal, at: move.at, auditId });
  for (const r of move.reversed ?? [])
    await writeReversalIn(tx, { ...r, journalId, at: move.at, operatorId: move.operatorId });
  for (const q of move.queue ?? []) await setQueueStateIn(tx, q.paymentId, q.state, move.at);
  const out = await then({ auditId, journalId });
  await assertSuspenseWithinCeilingIn(tx, suspenseCurrencies(move));
  await foldTallyIn(tx, move.at.slice(0, 10));
  return out;
}

/** One reversal row to write. */
type Reversal = {
  paymentId: number;
  reasonCode: number;
  journalId: number;
  at: string;
  operatorId: number | null;
};

/** Writes the reversal row of a payment leaving (or being reversed) with a journal. */
export function writeReversal(
  db: Database.Database,
  paymentId: number,
  reasonCode: number,
  journalId: number,
  at: string,
  operatorId: number | null,
): number {
  return driverGet<{ id: number }>(
    db,
    reversalInsertQuery({ paymentId, reasonCode, journalId, at, operatorId }),
  )!.id;
}

/** writeReversal in a port transaction. */
export async function writeReversalIn(tx: Tx, r: Reversal): Promise<number> {
  const row = await tx.get<{ id: number }>(reversalInsertQuery(r));
  if (!row) throw new Error('the reversal row was not written');
  return row.id;
}

/** When a queue row in `state` closed: now for a closed state, null while active. */
function closedAt(state: SuspenseState, at: string): string | null {
  return (ACTIVE_SUSPENSE_STATES as readonly string[]).includes(state) ? null : at;
}

/** Moves a suspense queue row to a new state (closed states get their closing time). */
export async function setQueueStateIn(
  tx: Tx,
  paymentId: number,
  state: SuspenseState,
  at: string,
): Promise<void> {
  await tx.run(queueStateQuery(paymentId, state, closedAt(state, at), at));
}

export type { NewSuspended };

/** Inserts a payment into the suspense account; the insert trigger adds its queue row, completed here. */
export async function insertSuspendedIn(
  tx: Tx,
  n: NewSuspended,
  at: string,
  operatorId: number | null,
): Promise<number> {
  const suspense = await tx.get<{ id: number }>(SUSPENSE_ACCOUNT_QUERY);
  if (!suspense) throw new Error('the ledger has no payment suspense account');
  const row = await tx.get<{ id: number }>(suspendedInsertQuery(n, suspense.id, at, operatorId));
  if (!row) throw new Error('the suspended payment was not written');
  await tx.run(suspendedQueueQuery(n, row.id));
  return row.id;
}
