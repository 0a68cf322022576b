import { sql, type SQL } from 'drizzle-orm';
import type { ApprovalStatus, PolicyOperation } from '../../src-shared/dto/approvals';
import type { Tx } from '../storage/port';
import { binary } from './dialect';

// Approvals (issue #12): a stopped command with its input, hash and amounts, until decided. Status changes are
// conditional on the status found (WHERE status = 'pending' or 'approved'), so two deciders at once cannot both move
// one approval: the loser's UPDATE changes nothing (PostgreSQL, read committed) or its serializable transaction is
// aborted and retried, then finds the approval decided. Times are ISO-8601 text, compared in code-point order.

/** The dialect a query is compiled for (the driver's sync callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** An approval as stored, with the logins of its preparer and decider and the preparer's profile now. */
export type ApprovalRecord = {
  id: number;
  operation: PolicyOperation;
  command: string;
  inputJson: string;
  payloadHash: string;
  amountsJson: string;
  description: string;
  requirement: 'second_factor' | 'four_eyes';
  role: string | null;
  status: ApprovalStatus;
  preparedBy: number;
  preparedByLogin: string;
  /** The preparer's name and roles as they are now (the approved command runs as this operator). */
  preparedByName: string;
  preparedByRoles: string;
  /** The preparer's roles when prepared (a token's scope): the execution never exceeds them. */
  preparedRoles: string;
  createdAt: string;
  expiresAt: string;
  attempts: number;
  decidedByLogin: string | null;
  decidedAt: string | null;
  reason: string | null;
  outcome: string | null;
};

function select(): SQL {
  return sql`SELECT a.id, a.operation, a.command, a.input_json AS "inputJson", a.payload_hash AS "payloadHash",
                    a.amounts_json AS "amountsJson", a.description, a.requirement, a.role, a.status,
                    a.prepared_by AS "preparedBy", op.login AS "preparedByLogin", op.name AS "preparedByName",
                    op.roles AS "preparedByRoles", a.prepared_roles AS "preparedRoles", a.created_at AS "createdAt",
                    a.expires_at AS "expiresAt", a.attempts, od.login AS "decidedByLogin",
                    a.decided_at AS "decidedAt", a.reason, a.outcome
             FROM approvals a JOIN operators op ON op.id = a.prepared_by
                  LEFT JOIN operators od ON od.id = a.decided_by`;
}

/** One approval. */
export function approvalByIdQuery(id: number): SQL {
  return sql`${select()} WHERE a.id = ${id}`;
}

/** Approvals newest first, of one status and/or one preparer. */
export function approvalsQuery(f: {
  status?: ApprovalStatus | undefined;
  preparedBy?: number | undefined;
  limit: number;
}): SQL {
  const where: SQL[] = [];
  if (f.status) where.push(sql`a.status = ${f.status}`);
  if (f.preparedBy !== undefined) where.push(sql`a.prepared_by = ${f.preparedBy}`);
  return sql`${select()} ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``}
             ORDER BY a.id DESC LIMIT ${f.limit}`;
}

/** A pending approval past its expiry, if any (a listing expires them first). */
export function dueApprovalQuery(on: On, at: string): SQL {
  return sql`SELECT id FROM approvals WHERE status = 'pending' AND ${binary(on, sql`expires_at`)} < ${at} LIMIT 1`;
}

/** Every pending approval past its expiry marked expired, answering their ids. */
export function expireDueQuery(on: On, at: string): SQL {
  return sql`UPDATE approvals SET status = 'expired', decided_at = ${at}, reason = 'expired before approval'
             WHERE status = 'pending' AND ${binary(on, sql`expires_at`)} < ${at}
             RETURNING id`;
}

/** A new pending approval, answering its id. */
export function approvalInsertQuery(
  a: Pick<
    ApprovalRecord,
    | 'operation'
    | 'command'
    | 'inputJson'
    | 'payloadHash'
    | 'amountsJson'
    | 'description'
    | 'requirement'
    | 'role'
    | 'preparedBy'
    | 'preparedRoles'
    | 'createdAt'
    | 'expiresAt'
  >,
): SQL {
  return sql`INSERT INTO approvals (operation, command, input_json, payload_hash, amounts_json, description, requirement,
               role, status, prepared_by, prepared_roles, created_at, expires_at)
             VALUES (${a.operation}, ${a.command}, ${a.inputJson}, ${a.payloadHash}, ${a.amountsJson}, ${a.description},
               ${a.requirement}, ${a.role}, 'pending', ${a.preparedBy}, ${a.preparedRoles}, ${a.createdAt},
               ${a.expiresAt})
             RETURNING id`;
}

/** One more failed attempt on a pending approval, answering the count (no row when it is no longer pending). */
export function attemptQuery(id: number): SQL {
  return sql`UPDATE approvals SET attempts = attempts + 1 WHERE id = ${id} AND status = 'pending' RETURNING attempts`;
}

/** A pending approval closed without a decider (expired, or rejected after a refusal). */
export function closeQuery(id: number, status: 'expired' | 'rejected', at: string, reason: string): SQL {
  return sql`UPDATE approvals SET status = ${status}, decided_at = ${at}, reason = ${reason}
             WHERE id = ${id} AND status = 'pending'`;
}

/** The claim of a pending approval by its approver (pending -> approved): a row only for the one who got it. */
export function claimQuery(id: number, by: number, at: string): SQL {
  return sql`UPDATE approvals SET status = 'approved', decided_by = ${by}, decided_at = ${at}
             WHERE id = ${id} AND status = 'pending' RETURNING id`;
}

/** A pending approval rejected (or withdrawn) by an operator with a reason: a row only when it was pending. */
export function rejectQuery(id: number, by: number, at: string, reason: string): SQL {
  return sql`UPDATE approvals SET status = 'rejected', decided_by = ${by}, decided_at = ${at}, reason = ${reason}
             WHERE id = ${id} AND status = 'pending' RETURNING id`;
}

/** What the approved command did: executed with its outcome (JSON), or failed with the reason. */
export function outcomeQuery(
  id: number,
  result: { ok: true; outcome: string } | { ok: false; reason: string },
): SQL {
  return result.ok
    ? sql`UPDATE approvals SET status = 'executed', outcome = ${result.outcome} WHERE id = ${id} AND status = 'approved'`
    : sql`UPDATE approvals SET status = 'failed', reason = ${result.reason} WHERE id = ${id} AND status = 'approved'`;
}
