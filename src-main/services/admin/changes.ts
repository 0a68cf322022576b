import type Database from 'better-sqlite3';
import { appendAudit } from '../../../db/repos/audit';
import type { Tx } from '../../../db/storage/port';
import type { FieldIssue } from '../../../src-shared/api/result';
import { writeAudit } from '../../ledger/audit';
import { invalidFields } from '../../ledger/errors';

/** One configuration change as audited: what, on which entity, before and after. */
export type ConfigChange = {
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
};

/** Audits one configuration change (who, when, before, after) in the caller's port transaction. */
export async function auditChangeIn(
  tx: Tx,
  now: Date,
  operatorId: number,
  change: ConfigChange,
): Promise<void> {
  await appendAudit(tx, { at: now.toISOString(), operatorId, ...change });
}

/** The same audit row for code that still writes through the driver (operators). */
export function auditChange(
  db: Database.Database,
  now: Date,
  operatorId: number,
  action: string,
  entity: string,
  entityId: string,
  before: unknown,
  after: unknown,
): void {
  writeAudit(db, { at: now.toISOString(), operatorId, action, entity, entityId, before, after });
}

/** Throws one validation error listing every issue, when there are any. */
export function failOn(issues: FieldIssue[], what: string): void {
  if (issues.length) throw invalidFields(`${what}: ${issues.map((i) => i.message).join('; ')}`, issues);
}
