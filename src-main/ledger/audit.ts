import type Database from 'better-sqlite3';
import { auditInsertQuery, type AuditEntry } from '../../db/repos/audit';
import { sqliteQuery } from '../../db/storage/sqlite';

export type { AuditEntry };

const statements = new WeakMap<Database.Database, Database.Statement>();

/**
 * Appends an audit row (call inside the same transaction as the change) and returns its id. The code that still
 * writes through the driver runs the repository's insert (db/repos/audit.ts), prepared once per connection.
 */
export function writeAudit(sqlite: Database.Database, entry: AuditEntry): number {
  const q = sqliteQuery(auditInsertQuery(entry));
  let stmt = statements.get(sqlite);
  if (!stmt) {
    stmt = sqlite.prepare(q.sql);
    statements.set(sqlite, stmt);
  }
  return (stmt.get(...q.params) as { id: number }).id;
}
