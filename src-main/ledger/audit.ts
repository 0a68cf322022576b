import type Database from 'better-sqlite3';
import { auditInsertQuery, type AuditEntry } from '../../db/repos/audit';
import { driverGet } from '../../db/storage/sqlite';

export type { AuditEntry };

/**
 * Appends an audit row (call inside the same transaction as the change) and returns its id. The code that still
 * writes through the driver runs the repository's insert (db/repos/audit.ts).
 */
export function writeAudit(sqlite: Database.Database, entry: AuditEntry): number {
  return driverGet<{ id: number }>(sqlite, auditInsertQuery(entry))!.id;
}
