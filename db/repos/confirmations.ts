import { sql, type SQL } from 'drizzle-orm';
import type { ConfirmationDto } from '../../src-shared/dto/confirmations';

// Prepared confirmations (issue #11): a preview's hash and summary, pending until used once. Marking one used is
// conditional on it still being pending (WHERE status = 'pending' RETURNING id), so of two confirms of one confirmation
// at once only one claims it: the other's update changes nothing, or its serializable transaction is aborted and
// retried, then finds it used.

/** A confirmation as stored, with its preparer's login. */
export type ConfirmationRecord = {
  id: number;
  operation: string;
  inputJson: string;
  hash: string;
  summaryJson: string;
  required: number;
  status: ConfirmationDto['status'];
  createdBy: number;
  createdByLogin: string;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  outcome: string | null;
};

export function confirmationByIdQuery(id: number): SQL {
  return sql`SELECT c.id, c.operation, c.input_json AS "inputJson", c.hash, c.summary_json AS "summaryJson", c.required,
                    c.status, c.created_by AS "createdBy", o.login AS "createdByLogin", c.created_at AS "createdAt",
                    c.expires_at AS "expiresAt", c.decided_at AS "decidedAt", c.outcome
             FROM confirmations c JOIN operators o ON o.id = c.created_by WHERE c.id = ${id}`;
}

/** A new pending confirmation, answering its id. */
export function confirmationInsertQuery(c: {
  operation: string;
  inputJson: string;
  hash: string;
  summaryJson: string;
  required: boolean;
  createdBy: number;
  createdAt: string;
  expiresAt: string;
}): SQL {
  return sql`INSERT INTO confirmations (operation, input_json, hash, summary_json, required, status, created_by, created_at, expires_at)
             VALUES (${c.operation}, ${c.inputJson}, ${c.hash}, ${c.summaryJson}, ${c.required ? 1 : 0}, 'pending',
                     ${c.createdBy}, ${c.createdAt}, ${c.expiresAt})
             RETURNING id`;
}

/** A confirmation closed as refused or expired, with the reason. */
export function confirmationCloseQuery(
  id: number,
  status: 'refused' | 'expired',
  by: number,
  at: string,
  reason: string,
): SQL {
  return sql`UPDATE confirmations SET status = ${status}, decided_by = ${by}, decided_at = ${at}, outcome = ${reason}
             WHERE id = ${id}`;
}

/** Claims a pending confirmation for its one run; answers its id, or no row when it is no longer pending. */
export function confirmationClaimQuery(id: number, by: number, at: string): SQL {
  return sql`UPDATE confirmations SET status = 'confirmed', decided_by = ${by}, decided_at = ${at}
             WHERE id = ${id} AND status = 'pending' RETURNING id`;
}

/** What a confirmed operation ran (run id, batch id, files). */
export function confirmationOutcomeQuery(id: number, outcome: string): SQL {
  return sql`UPDATE confirmations SET outcome = ${outcome} WHERE id = ${id}`;
}
