import type Database from 'better-sqlite3';
import {
  domainNameQuery,
  reasonCodeIn,
  reasonCodeQuery,
  type ReasonCodeRecord,
} from '../../db/repos/reason-codes';
import type { Tx } from '../../db/storage/port';
import { driverGet } from '../../db/storage/sqlite';
import { invalidFields } from './errors';

/** Domain ids of the reason-code lists (DOMAIN.md §3.9; 17–20 are Paydesk's own). */
export const REASON_DOMAIN = {
  debit: 1,
  credit: 8,
  suspense: 14,
  actionOwner: 15,
  suspenseReversal: 16,
  paymentReversal: 17,
  refund: 18,
  zeroProofOverride: 19,
  duplicateRelease: 20,
} as const;

/** A reason-code domain id. */
export type ReasonDomainId = (typeof REASON_DOMAIN)[keyof typeof REASON_DOMAIN];

/** One code as services use it. */
export type ReasonCodeRow = {
  domainId: number;
  id: number;
  label: string;
  help: string;
  glId: number | null;
  active: boolean;
};

/** Looks a code up in its domain, or undefined. */
export function findReasonCode(
  db: Database.Database,
  domainId: number,
  id: number,
): ReasonCodeRow | undefined {
  const r = driverGet<ReasonCodeRecord>(db, reasonCodeQuery(domainId, id));
  return r && { ...r, active: r.active === 1 };
}

/** The code itself when it is active, or the validation error naming the field (unknown or retired). */
function activeCode(
  code: ReasonCodeRow | undefined,
  domainName: string | undefined,
  domainId: number,
  id: number,
  field: string,
): ReasonCodeRow {
  const where = domainName ? `"${domainName}"` : `domain ${domainId}`;
  if (!code) {
    const message = `reason code ${id} is not in ${where}`;
    throw invalidFields(message, [{ path: field, message }]);
  }
  if (!code.active) {
    const message = `reason code ${id} (${code.label}) is retired`;
    throw invalidFields(message, [{ path: field, message }]);
  }
  return code;
}

/**
 * The active code `id` of a domain, or a validation error naming the field: every service that takes a
 * reason code checks it here, so a retired or unknown code is refused the same way everywhere.
 */
export function requireReasonCode(
  db: Database.Database,
  domainId: number,
  id: number,
  field = 'reasonCode',
): ReasonCodeRow {
  const domain = driverGet<{ name: string }>(db, domainNameQuery(domainId));
  return activeCode(findReasonCode(db, domainId, id), domain?.name, domainId, id, field);
}

/** requireReasonCode for a service behind the storage port (same refusals). */
export async function requireReasonCodeIn(
  tx: Tx,
  domainId: number,
  id: number,
  field = 'reasonCode',
): Promise<ReasonCodeRow> {
  const { code, domainName } = await reasonCodeIn(tx, domainId, id);
  return activeCode(code && { ...code, active: code.active === 1 }, domainName, domainId, id, field);
}
