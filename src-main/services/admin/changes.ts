import { appendAudit } from '../../../db/repos/audit';
import type { Tx } from '../../../db/storage/port';
import type { FieldIssue } from '../../../src-shared/api/result';
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

/** Throws one validation error listing every issue, when there are any. */
export function failOn(issues: FieldIssue[], what: string): void {
  if (issues.length) throw invalidFields(`${what}: ${issues.map((i) => i.message).join('; ')}`, issues);
}
