import type Database from 'better-sqlite3';

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

const statements = new WeakMap<Database.Database, Database.Statement>();

/** Appends an audit row (call inside the same transaction as the change) and returns its id. */
export function writeAudit(sqlite: Database.Database, entry: AuditEntry): number {
  let stmt = statements.get(sqlite);
  if (!stmt) {
    stmt = sqlite.prepare(
      `INSERT INTO audit_log (at, operator_id, action, entity, entity_id, before, after, reason_code)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    statements.set(sqlite, stmt);
  }
  const info = stmt.run(
    entry.at,
    entry.operatorId,
    entry.action,
    entry.entity,
    entry.entityId ?? null,
    entry.before === undefined ? null : JSON.stringify(entry.before),
    entry.after === undefined ? null : JSON.stringify(entry.after),
    entry.reasonCode ?? null,
  );
  return Number(info.lastInsertRowid);
}
