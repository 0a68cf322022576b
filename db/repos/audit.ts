import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** One audit row's content. */
export type AuditEntry = {
  at: string;
  operatorId: number | null;
  action: string;
  entity: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  reasonCode?: number | null;
};

/** The insert of one audit row (append-only), answering its id. */
export function auditInsertQuery(entry: AuditEntry): SQL {
  return sql`INSERT INTO audit_log (at, operator_id, action, entity, entity_id, before, after, reason_code)
    VALUES (${entry.at}, ${entry.operatorId}, ${entry.action}, ${entry.entity}, ${entry.entityId ?? null},
            ${entry.before === undefined ? null : JSON.stringify(entry.before)},
            ${entry.after === undefined ? null : JSON.stringify(entry.after)}, ${entry.reasonCode ?? null})
    RETURNING id`;
}

/** Appends an audit row in the transaction of the change it records; answers its id. */
export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<number> {
  const row = await tx.get<{ id: number }>(auditInsertQuery(entry));
  if (!row) throw new Error('the audit row was not written');
  return row.id;
}
