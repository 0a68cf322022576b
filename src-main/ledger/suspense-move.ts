import type Database from 'better-sqlite3';
import { ACTIVE_SUSPENSE_STATES, type SuspenseState } from '../../src-shared/dto/suspense';
import { writeAudit, type AuditEntry } from './audit';
import { assertSuspenseWithinCeiling } from './ceiling';
import { postJournal, type JournalPosting } from './journal';
import { foldTally } from './suspense-tally';

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

/** What a move posted: its audit row and its journal. */
export type PostedMove = { auditId: number; journalId: number };

/**
 * The one way money moves through the suspense account, inside the caller's transaction: audit → journal →
 * reversal rows → queue states; then `then` writes what is particular to the move (distributed, recycled or
 * replacement payments, timeline events) with the audit and journal ids; last the ceiling is checked (the
 * journal checks every customer account it touches, this the suspense holdings of its currencies), so a
 * refusal rolls the whole move back. Returns what `then` returns.
 */
export function suspenseMove<T>(
  db: Database.Database,
  move: SuspenseMove,
  then: (posted: PostedMove) => T,
): T {
  const auditId =
    'auditId' in move.audit
      ? move.audit.auditId
      : writeAudit(db, { ...move.audit, at: move.at, operatorId: move.operatorId, entity: 'payment' });
  const journalId = postJournal(db, { ...move.journal, at: move.at, auditId });
  for (const r of move.reversed ?? [])
    writeReversal(db, r.paymentId, r.reasonCode, journalId, move.at, move.operatorId);
  for (const q of move.queue ?? []) setQueueState(db, q.paymentId, q.state, move.at);
  const out = then({ auditId, journalId });
  assertSuspenseWithinCeiling(
    db,
    move.journal.lines.filter((l) => l.gl === 'SUSPENSE').map((l) => l.currency),
  );
  foldTally(db, move.at.slice(0, 10));
  return out;
}

/** Writes the reversal row of a payment leaving (or being reversed) with a journal. */
export function writeReversal(
  db: Database.Database,
  paymentId: number,
  reasonCode: number,
  journalId: number,
  at: string,
  operatorId: number | null,
): number {
  return Number(
    db
      .prepare(
        `INSERT INTO reversals (payment_id, reason_code, journal_id, created_at, operator_id) VALUES (?, ?, ?, ?, ?)`,
      )
      .run(paymentId, reasonCode, journalId, at, operatorId).lastInsertRowid,
  );
}

/** Moves a suspense queue row to a new state (closed states get their closing time). */
export function setQueueState(
  db: Database.Database,
  paymentId: number,
  state: SuspenseState,
  at: string,
): void {
  const closed = (ACTIVE_SUSPENSE_STATES as readonly string[]).includes(state) ? null : at;
  db.prepare(`UPDATE suspense_queue SET state = ?, closed_at = ?, updated_at = ? WHERE payment_id = ?`).run(
    state,
    closed,
    at,
    paymentId,
  );
}

/** A new payment to put into suspense (a remainder, a recycled payment or a replacement after an edit). */
export type NewSuspended = {
  kind: 'suspended' | 'recycled';
  status: number;
  reasonCode: number;
  amountMinor: number;
  currency: string;
  effectiveDate: string;
  payType: number;
  channelId: number;
  externalRef: string | null;
  billNo: string | null;
  accountHint: string | null;
  actionOwner: number | null;
  payerName: string | null;
  batchId: number | null;
  parentPaymentId: number;
  sourceKey: string;
  journalId: number;
  /** Queue fields: the case, the state, and when the money entered suspense (for aging). */
  rootId: number;
  state: SuspenseState;
  enteredOn: string;
};

/** Inserts a payment into the suspense account; the insert trigger adds its queue row, completed here. */
export function insertSuspended(
  db: Database.Database,
  n: NewSuspended,
  at: string,
  operatorId: number | null,
): number {
  const suspenseId = (db.prepare('SELECT id FROM accounts WHERE is_suspense = 1').get() as { id: number }).id;
  const id = Number(
    db
      .prepare(
        `INSERT INTO payments (kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency, account_amount_minor,
           rate_ppm, effective_date, external_ref, bill_no, account_hint, action_owner, payer_name, batch_id, source_key,
           parent_payment_id, journal_id, created_at, operator_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1000000, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        n.kind,
        suspenseId,
        n.payType,
        n.channelId,
        n.status,
        n.reasonCode,
        n.amountMinor,
        n.currency,
        n.amountMinor,
        n.effectiveDate,
        n.externalRef,
        n.billNo,
        n.accountHint,
        n.actionOwner,
        n.payerName,
        n.batchId,
        n.sourceKey,
        n.parentPaymentId,
        n.journalId,
        at,
        operatorId,
      ).lastInsertRowid,
  );
  db.prepare(
    `UPDATE suspense_queue SET root_id = ?, state = ?, entered_on = ?, action_owner = ? WHERE payment_id = ?`,
  ).run(n.rootId, n.state, n.enteredOn, n.actionOwner, id);
  return id;
}
