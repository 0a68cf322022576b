import { sql, type SQL } from 'drizzle-orm';
import type { AuditEntryDto } from '../../src-shared/dto/admin';
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

/**
 * Which audit rows the change history shows. `actionPrefix` is an action's leading text taken literally ("operator."
 * for the typed "operator.*"), compared by code points so both databases match the same rows.
 */
export type AuditFilter = {
  entity?: string | undefined;
  action?: string | undefined;
  actionPrefix?: string | undefined;
  operatorLogin?: string | undefined;
};

/** An audit row as the history shows it, before and after still as stored (JSON text). */
export type AuditHistoryRecord = Omit<AuditEntryDto, 'before' | 'after'> & {
  before: string | null;
  after: string | null;
};

function historyWhere(f: AuditFilter): SQL {
  const where: SQL[] = [];
  if (f.entity) where.push(sql`a.entity = ${f.entity}`);
  if (f.action) where.push(sql`a.action = ${f.action}`);
  // substr rather than LIKE: SQLite's LIKE ignores ASCII case and PostgreSQL's does not; both count code points.
  if (f.actionPrefix !== undefined)
    where.push(sql`substr(a.action, 1, ${[...f.actionPrefix].length}) = ${f.actionPrefix}`);
  if (f.operatorLogin) where.push(sql`o.login = ${f.operatorLogin}`);
  return where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``;
}

/** How many audit rows the filter matches. */
export function auditHistoryCountQuery(f: AuditFilter): SQL {
  return sql`SELECT count(*) AS n FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id ${historyWhere(f)}`;
}

/** A page of the audit rows the filter matches, newest first. */
export function auditHistoryQuery(f: AuditFilter, limit: number, offset: number): SQL {
  return sql`SELECT a.id, a.at, a.operator_id AS "operatorId", o.login AS "operatorLogin", a.action, a.entity,
                    a.entity_id AS "entityId", a.before, a.after, a.reason_code AS "reasonCode"
             FROM audit_log a LEFT JOIN operators o ON o.id = a.operator_id ${historyWhere(f)}
             ORDER BY a.id DESC LIMIT ${limit} OFFSET ${offset}`;
}
