import { sql, type SQL } from 'drizzle-orm';
import type { PolicyOperation, Requirement } from '../../src-shared/dto/approvals';
import { binary } from './dialect';
import type { Tx } from '../storage/port';

/** A saved policy row with who saved it. */
export type SavedPolicyRow = {
  operation: PolicyOperation;
  currency: string;
  above: string;
  requirement: Requirement;
  role: string | null;
  updatedBy: string | null;
  updatedAt: string;
};

/** Every saved policy, by operation and currency (code-point order on both databases). */
export function savedPoliciesQuery(d: Pick<Tx, 'dialect'>): SQL {
  return sql`SELECT p.operation, p.currency, p.above, p.requirement, p.role, o.login AS "updatedBy",
                    p.updated_at AS "updatedAt"
             FROM approval_policies p LEFT JOIN operators o ON o.id = p.updated_by
             ORDER BY ${binary(d, sql`p.operation`)}, ${binary(d, sql`p.currency`)}`;
}

/** One policy saved (added or replaced for its operation and currency). */
export function policyUpsertQuery(p: {
  operation: string;
  currency: string;
  above: string;
  requirement: string;
  role: string | null;
  updatedBy: number;
  updatedAt: string;
}): SQL {
  return sql`INSERT INTO approval_policies (operation, currency, above, requirement, role, updated_by, updated_at)
             VALUES (${p.operation}, ${p.currency}, ${p.above}, ${p.requirement}, ${p.role}, ${p.updatedBy}, ${p.updatedAt})
             ON CONFLICT (operation, currency) DO UPDATE SET above = excluded.above, requirement = excluded.requirement,
               role = excluded.role, updated_by = excluded.updated_by, updated_at = excluded.updated_at`;
}

/** The saved rule of an operation for a currency, else its '*' rule (ORDER BY a 0/1 flag: alike on both). */
export function policyForQuery(operation: string, currency: string): SQL {
  return sql`SELECT operation, currency, above, requirement, role FROM approval_policies
             WHERE operation = ${operation} AND currency IN (${currency}, '*')
             ORDER BY CASE WHEN currency = '*' THEN 1 ELSE 0 END LIMIT 1`;
}
